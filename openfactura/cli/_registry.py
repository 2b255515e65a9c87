"""``client.registry`` (the RCV) on the command line: ``sales``, ``purchases``, ``sync-rcv``::

openfactura sales 2026 8
openfactura sales 2026 8 15                 # one day
openfactura purchases 2026 8 --status pending --status registered
openfactura sync-rcv purchase 2026-08
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

from ..resources.registry import PURCHASE_STATUSES
from . import _common as common
from ._documents import _key_value_table, _money, _type_name

__all__ = ["register"]


def _period_arguments(func: Any) -> Any:
    for argument in reversed(
        [
            click.argument("year", type=click.IntRange(1900, 9999)),
            click.argument("month", type=click.IntRange(1, 12)),
            click.argument("day", type=click.IntRange(1, 31), required=False),
        ]
    ):
        func = argument(func)
    return func


def _totals_table(title: str, registros: Iterable[Any]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("Document")
    for column in ("Count", "Exempt", "Net", "IVA", "Other taxes", "Total"):
        table.add_column(column, justify="right")
    for row in registros:
        table.add_row(
            _type_name(row.tipo_documento),
            str(row.cant_documentos if row.cant_documentos is not None else "-"),
            _money(row.total_mnt_exe),
            _money(row.total_mnt_neto),
            _money(row.total_mnt_iva),
            _money(row.total_otros_imp),
            _money(row.total_mnt_total),
        )
    return table


def _period(year: int, month: int, day: int | None) -> str:
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


@click.command("sales", short_help="Sales totals of a month or a day.")
@_period_arguments
@common.api_options
@click.pass_context
def sales(ctx: click.Context, year: int, month: int, day: int | None) -> None:
    """Sales totals per document type for YEAR MONTH (or one DAY of it)."""
    with common.open_client(ctx) as client:
        summary = client.registry.sales(year, month, day)
    title = f"Sales {_period(year, month, day)}"
    common.show(
        ctx, common.to_json(summary), lambda c: c.print(_totals_table(title, summary.registros))
    )


@click.command("purchases", short_help="Purchase totals of a month or a day.")
@_period_arguments
@click.option(
    "--status",
    "statuses",
    type=click.Choice(PURCHASE_STATUSES, case_sensitive=False),
    multiple=True,
    help="Only these states (repeat for several; default every state).",
)
@common.api_options
@click.pass_context
def purchases(
    ctx: click.Context, year: int, month: int, day: int | None, statuses: tuple[str, ...]
) -> None:
    """Purchase totals per state and document type for YEAR MONTH (or one DAY of it)."""
    with common.open_client(ctx) as client:
        blocks = client.registry.purchases(
            year, month, day, status=[s.lower() for s in statuses] or None
        )

    def human(console: Any) -> None:
        if not blocks:
            console.print(f"No purchases for {_period(year, month, day)}")
        for block in blocks:
            title = f"Purchases {_period(year, month, day)}: {block.state or '-'}"
            console.print(_totals_table(title, block.registros))

    common.show(ctx, common.to_json(blocks), human)


@click.command("sync-rcv", short_help="Ask for a re-read of a month of the RCV.")
@click.argument("registro", type=click.Choice(("sales", "purchase"), case_sensitive=False))
@click.argument("periodo", metavar="PERIOD")
@common.api_options
@click.pass_context
def sync_rcv(ctx: click.Context, registro: str, periodo: str) -> None:
    """Ask Openfactura to re-read a month of the RCV from the SII (queued).

    PERIOD is 202608 or 2026-08. Openfactura then locks that registry for a while: a
    second sync is refused (OF-429) with the time it ends.
    """
    with common.open_client(ctx) as client:
        result = client.registry.sync_rcv(registro.lower(), periodo)  # type: ignore[arg-type]
    common.show(
        ctx,
        common.to_json(result),
        lambda c: c.print(
            _key_value_table(
                [
                    ("Registry", registro.lower()),
                    ("Period", periodo),
                    ("Code", result.code),
                    ("Message", result.message or "queued"),
                ],
                title="RCV sync requested",
            )
        ),
    )


def register(cli: click.Group) -> None:
    for command in (sales, purchases, sync_rcv):
        cli.add_command(command)
