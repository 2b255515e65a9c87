"""``client.organization`` on the command line: ``org`` and ``folios``::

openfactura org
openfactura org --logo logo.png
openfactura folios
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import _common as common
from ._documents import _check_output_path, _key_value_table, _type_name, _write

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["register"]


@click.command("org", short_help="The company behind the API key.")
@click.option(
    "--logo",
    "logo_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also fetch the company's logo and save it here (PNG).",
)
@click.option("--overwrite", is_flag=True, help="Replace the --logo file if it exists.")
@common.api_options
@click.pass_context
def org(ctx: click.Context, logo_path: Path | None, overwrite: bool) -> None:
    """The company behind the API key: RUT, name, address, activities, branches."""
    _check_output_path(logo_path, overwrite)
    with common.open_client(ctx) as client:
        record = client.organization.get(include_logo=logo_path is not None)
    data = common.to_json(record)
    if logo_path is not None:
        if not record.logo:
            raise common.CliError("the API sent no logo for this company")
        _write(logo_path, record.logo)
        data.pop("logo", None)
        data["logo_path"] = str(logo_path)

    def human(console: Console) -> None:
        principal = record.actividad_principal
        console.print(
            _key_value_table(
                [
                    ("RUT", record.rut),
                    ("Razón social", record.razon_social),
                    ("Giro", record.glosa_descriptiva),
                    ("Address", record.direccion),
                    ("Comuna", record.comuna),
                    ("SII branch code", record.cdg_sii_sucur),
                    (
                        "Main activity",
                        f"{principal.codigo_actividad_economica} {principal.actividad_economica}"
                        if principal is not None
                        else None,
                    ),
                    ("Activities", len(record.actividades)),
                    ("Branches", len(record.sucursales)),
                    ("Logo", logo_path),
                ],
                title="Organization",
            )
        )

    common.show(ctx, data, human)


@click.command("folios", short_help="Folios available per document type.")
@common.api_options
@click.pass_context
def folios(ctx: click.Context) -> None:
    """Document types the company may issue, folios available and CAF expiry.

    The counter is known to lag (Openfactura refills folios itself): a hint only.
    """
    from rich.table import Table

    with common.open_client(ctx) as client:
        result = client.organization.folios()
    table = Table(title=f"Folios of {result.rut or 'the company'}", title_justify="left")
    table.add_column("Document")
    table.add_column("Available", justify="right")
    table.add_column("CAF expires")
    for item in result.documentos:
        available = item.available
        table.add_row(
            _type_name(item.dte),
            "-" if available is None else str(available),
            str(item.vencimiento or "-"),
        )
    common.show(ctx, common.to_json(result), lambda c: c.print(table))


def register(cli: click.Group) -> None:
    cli.add_command(org)
    cli.add_command(folios)
