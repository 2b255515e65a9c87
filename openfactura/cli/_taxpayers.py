"""``client.taxpayers`` on the command line: ``taxpayer RUT``::

openfactura taxpayer 76430498-5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from . import _common as common
from ._documents import _key_value_table

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["register"]


@click.command("taxpayer", short_help="The SII's record of a taxpayer.")
@click.argument("rut")
@common.api_options
@click.pass_context
def taxpayer(ctx: click.Context, rut: str) -> None:
    """The SII's record of any taxpayer (exit 1 if the SII has none)."""
    from rich.table import Table

    with common.open_client(ctx) as client:
        record = client.taxpayers.get(rut)

    def human(console: Console) -> None:
        console.print(
            _key_value_table(
                [
                    ("RUT", record.rut),
                    ("Razón social", record.razon_social),
                    ("Email", record.email),
                    ("Phone", record.telefono),
                    ("Address", record.direccion),
                    ("Comuna", record.comuna),
                ],
                title="Taxpayer",
            )
        )
        if record.actividades:
            table = Table(title="Activities", title_justify="left")
            for column in ("Code", "Activity", "Main"):
                table.add_column(column)
            for item in record.actividades:
                table.add_row(
                    str(item.codigo_actividad_economica or "-"),
                    item.actividad_economica or item.giro or "-",
                    "yes" if item.actividad_principal else "",
                )
            console.print(table)

    common.show(ctx, common.to_json(record), human)


def register(cli: click.Group) -> None:
    cli.add_command(taxpayer)
