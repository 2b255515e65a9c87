"""``client.documents`` on the command line.

``emit``, ``status``, ``get``, ``wait``, ``issued``, ``received``, ``accuse`` and
``annul-guia``::

    openfactura emit factura.json --pdf factura.pdf --idempotency-key order-1234
    openfactura status TOKEN
    openfactura get TOKEN --pdf -o factura.pdf
    openfactura wait TOKEN1 TOKEN2 --max-wait 300
    openfactura issued --from 2026-09-01 --to 2026-09-30 --type 33
    openfactura received --from 2026-09-01 --rut 76795561-8
    openfactura accuse 76795561-8 33 2514 ACD
    openfactura annul-guia 34972 --date 2020-10-16
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import _common as common

if TYPE_CHECKING:
    from rich.console import Console

    from ..types.documents import StatusResult

__all__ = ["register"]

_DATE = click.DateTime(formats=["%Y-%m-%d"])
_ACUSES = ("ACD", "RCD", "ERM", "RFP", "RFT")
_BODY_PARTS = {
    "custom": "custom",
    "sendEmail": "send_email",
    "ivaExceptional": "iva_exceptional",
    "selfService": "self_service",
    "customer": "customer",
    "customizePage": "customize_page",
}
_TYPE_NAMES = {
    33: "Factura",
    34: "Factura exenta",
    39: "Boleta",
    41: "Boleta exenta",
    43: "Liquidación factura",
    46: "Factura de compra",
    52: "Guía de despacho",
    56: "Nota de débito",
    61: "Nota de crédito",
    110: "Factura de exportación",
    111: "ND de exportación",
    112: "NC de exportación",
}


def _day(value: dt.datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


def _money(value: Any) -> str:
    if value is None:
        return "-"
    return "$ " + f"{int(value):,}".replace(",", ".")


def _type_name(tipo: int | None) -> str:
    if tipo is None:
        return "-"
    name = _TYPE_NAMES.get(tipo)
    return f"{name} ({tipo})" if name else str(tipo)


def _key_value_table(rows: Iterable[tuple[str, Any]], title: str | None = None) -> Any:
    from rich.table import Table

    table = Table(show_header=False, title=title, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in rows:
        if value is not None and value != "":
            table.add_row(name, str(value))
    return table


def _check_output_path(path: Path | None, overwrite: bool) -> None:
    """Refuse, before anything is sent, a file that would not be writable afterwards."""
    if path is None:
        return
    if path.exists() and not overwrite:
        raise common.CliError(f"{path} already exists (use --overwrite)", common.EXIT_USAGE)
    if not path.parent.is_dir():
        raise common.CliError(f"folder {path.parent} does not exist", common.EXIT_USAGE)


def _write(path: Path, data: bytes) -> Path:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise common.CliError(f"cannot write {path}: {exc.strerror}") from None
    return path


# -- by token, or by rut + type + folio -----------------------------------------------------


def _by_folio_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.argument("token", required=False),
            click.option("--rut", help="Issuer's RUT (instead of TOKEN, with --type and --folio)."),
            click.option("--type", "dte_type", type=click.IntRange(min=1), help="Document type."),
            click.option("--folio", type=click.IntRange(min=1), help="Folio."),
        ]
    ):
        func = option(func)
    return func


def _ident(token: str | None, rut: str | None, dte_type: int | None, folio: int | None) -> Any:
    if token is None and None in (rut, dte_type, folio):
        raise click.UsageError("give a TOKEN, or --rut, --type and --folio")
    if token is not None and any(v is not None for v in (rut, dte_type, folio)):
        raise click.UsageError("give either a TOKEN or --rut/--type/--folio, not both")
    return {"token": token, "rut": rut, "dte_type": dte_type, "folio": folio}


# -- emit --------------------------------------------------------------------------------


def _read_document(handle: Any, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(dte, other emit() arguments)`` from a DTE or a whole emission body."""
    try:
        data = json.loads(handle.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise common.CliError(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise common.CliError(f"{name} must hold a JSON object")
    if "dte" in data:
        unknown = sorted(set(data) - {"dte", "response", *_BODY_PARTS})
        if unknown:
            raise common.CliError(f"{name}: unknown key(s) in the emission body: {unknown}")
        extra: dict[str, Any] = {
            python: data[wire] for wire, python in _BODY_PARTS.items() if wire in data
        }
        if "response" in data:
            extra["response"] = data["response"]
        if not isinstance(data["dte"], dict):
            raise common.CliError(f"{name}: dte must be a JSON object")
        return data["dte"], extra
    if "Encabezado" in data:
        return data, {}
    raise common.CliError(
        f'{name} is neither a DTE ({{"Encabezado": ...}}) nor an emission body '
        '({"dte": ..., "response": [...]})'
    )


@click.command("emit", short_help="Emit a DTE from a JSON file.")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--idempotency-key",
    metavar="K",
    help="Your key for this document (e.g. order-1234): re-sending with it never makes a "
    "second document. Default: a new random key (printed).",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the document's PDF here.",
)
@click.option("--overwrite", is_flag=True, help="Replace the --pdf file if it exists.")
@click.option("--no-validate", is_flag=True, help="Skip the local checks (the API still checks).")
@click.option("--wait", "wait_final", is_flag=True, help="Then wait for the SII's verdict.")
@common.api_options
@click.pass_context
def emit(
    ctx: click.Context,
    file: Any,
    idempotency_key: str | None,
    pdf_path: Path | None,
    overwrite: bool,
    no_validate: bool,
    wait_final: bool,
) -> None:
    """Emit the DTE in FILE (JSON; - for stdin).

    FILE holds either the DTE in the API's wire format ({"Encabezado": ..., "Detalle":
    ...}) or a whole emission body ({"dte": ..., "response": [...], "sendEmail": ...}).
    The document is validated locally first: every problem is listed and nothing is sent.
    """
    dte, extra = _read_document(file, getattr(file, "name", "<stdin>"))
    _check_output_path(pdf_path, overwrite)
    response = [str(item) for item in extra.pop("response", None) or ["FOLIO"]]
    if "FOLIO" not in (item.upper() for item in response):
        response.append("FOLIO")
    if pdf_path is not None and "PDF" not in (item.upper() for item in response):
        response.append("PDF")
    # Our own key, known before the request leaves: printed if the run is interrupted.
    key = idempotency_key or uuid.uuid4().hex
    with common.open_client(ctx) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the API's WARNING is shown below instead
        try:
            result = client.documents.emit(
                dte, response=response, idempotency_key=key, validate=not no_validate, **extra
            )
        except KeyboardInterrupt:
            raise common.CliError(
                "interrupted: the document may or may not have been emitted. Re-run with "
                f"--idempotency-key {key} to get it without making a second one.",
                130,
            ) from None
        data = common.to_json(result)
        pdf_bytes = result.pdf
        if pdf_path is not None:
            if not pdf_bytes:  # a replay answers with the token only
                pdf_bytes = client.documents.pdf(result.token).content
            _write(pdf_path, pdf_bytes)
            data.pop("PDF", None)
            data["pdf_path"] = str(pdf_path)
        final = client.documents.wait(result.token) if wait_final else None
    if final is not None:
        data["status"] = common.to_json(final)

    def human(console: Console) -> None:
        console.print(
            _key_value_table(
                [
                    ("Token", result.token),
                    ("Folio", result.folio),
                    ("Idempotency key", result.idempotency_key),
                    ("Replayed", "yes: this key had already emitted it" if result.replayed else ""),
                    ("SII status", final.estado if final is not None else None),
                    ("PDF", pdf_path),
                    ("Warning", result.warning),
                ],
                title="Document emitted",
            )
        )

    common.show(ctx, data, human)


# -- reads ------------------------------------------------------------------------------


def _status_table(results: Sequence[StatusResult]) -> Any:
    from rich.table import Table

    table = Table()
    for column in ("Token", "Folio", "SII status", "Final"):
        table.add_column(column, overflow="fold")
    for result in results:
        table.add_row(
            result.token or "-",
            str(result.folio or "-"),
            str(result.estado),
            "yes" if result.is_final else "no",
        )
    return table


@click.command("status", short_help="The SII status of a document.")
@_by_folio_options
@common.api_options
@click.pass_context
def status(
    ctx: click.Context, token: str | None, rut: str | None, dte_type: int | None, folio: int | None
) -> None:
    """The SII status of a document, by TOKEN or by --rut/--type/--folio."""
    ident = _ident(token, rut, dte_type, folio)
    with common.open_client(ctx) as client:
        result = client.documents.status(**ident)
    common.show(ctx, common.to_json(result), lambda c: c.print(_status_table([result])))


_FORMATS = {"json": "document JSON", "pdf": "PDF", "xml": "XML", "cedible": "cedible PDF"}


@click.command("get", short_help="A document's JSON, PDF, XML or cedible copy.")
@_by_folio_options
@click.option("--json", "fmt", flag_value="json", default=True, help="The document as JSON.")
@click.option("--pdf", "fmt", flag_value="pdf", help="Its PDF.")
@click.option("--xml", "fmt", flag_value="xml", help="Its signed XML (ISO-8859-1).")
@click.option("--cedible", "fmt", flag_value="cedible", help="The cedible copy's PDF.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write it to this file (default: stdout; a PDF only to a pipe).",
)
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@common.connection_options
@click.pass_context
def get(
    ctx: click.Context,
    token: str | None,
    rut: str | None,
    dte_type: int | None,
    folio: int | None,
    fmt: str,
    output: Path | None,
    overwrite: bool,
) -> None:
    """A document's JSON, PDF, XML or cedible copy, by TOKEN or by --rut/--type/--folio.

    Here --json picks the document's JSON (the default). For a JSON summary of a saved
    file, put --json before the command: openfactura --json get TOKEN --pdf -o f.pdf
    """
    ident = _ident(token, rut, dte_type, folio)
    if output is not None and str(output) == "-":
        output = None
    _check_output_path(output, overwrite)
    summary_json = common.state(ctx).json
    to_terminal = output is None and not summary_json and sys.stdout.isatty()
    if fmt in ("pdf", "cedible") and to_terminal:
        raise common.CliError(
            "not writing a PDF to the terminal: use -o FILE (or a pipe)", common.EXIT_USAGE
        )
    with common.open_client(ctx) as client:
        content: bytes
        if fmt == "json":
            document = client.documents.get(**ident)
            data = common.to_json(document)
            content = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            text: str | None = content.decode("utf-8")
        elif fmt == "xml":
            xml = client.documents.xml(**ident)
            content, text = xml.raw, xml.content
        elif fmt == "pdf":
            content, text = client.documents.pdf(**ident).content, None
        else:
            content, text = client.documents.cedible(**ident).content, None
    what = _FORMATS[fmt]
    label = token or f"{rut} {dte_type} {folio}"
    if output is not None:
        _write(output, content)
        common.show(
            ctx,
            {"format": fmt, "path": str(output), "bytes": len(content), **_ident_json(ident)},
            lambda c: c.print(f"Saved the {what} of {label} to {output} ({len(content)} bytes)"),
        )
        return
    if summary_json:
        import base64

        payload: dict[str, Any] = {"format": fmt, **_ident_json(ident)}
        if fmt == "json":
            payload["document"] = json.loads(content)
        elif text is not None:
            payload["xml"] = text
        else:
            payload["content_base64"] = base64.b64encode(content).decode("ascii")
        common.print_json(payload)
    elif text is not None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()


def _ident_json(ident: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in ident.items() if value is not None}


@click.command("wait", short_help="Wait for the SII's verdict on documents.")
@click.argument("tokens", nargs=-1, required=True)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up after this long (exit 1, the undecided tokens listed).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="First pause between polls (grows x1.5 up to 30 s).",
)
@common.api_options
@click.pass_context
def wait(ctx: click.Context, tokens: tuple[str, ...], max_wait: float, interval: float) -> None:
    """Wait until the SII decides on each TOKEN; print each final status.

    Polls go through the client's rate limiter (3/s, 100/min), round-robin over the
    undecided documents.
    """
    from .._exceptions import WaitTimeoutError

    decided: list[StatusResult] = []
    timed_out: WaitTimeoutError | None = None
    with common.open_client(ctx) as client:
        try:
            for result in client.documents.wait_many(
                tokens,
                timeout=max_wait,
                interval=interval,
                max_interval=max(30.0, interval),
            ):
                if result.token is None and len(tokens) == 1:
                    import attrs

                    result = attrs.evolve(result, token=tokens[0])
                decided.append(result)
        except WaitTimeoutError as exc:
            timed_out = exc
    if timed_out is None:
        common.show(ctx, common.to_json(decided), lambda c: c.print(_status_table(decided)))
        return
    if not common.state(ctx).json and decided:
        common.console().print(_status_table(decided))
    ctx.exit(common.report_error(ctx, timed_out, extra={"results": common.to_json(decided)}))


# -- lists ------------------------------------------------------------------------------


def _list_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option("--from", "date_from", type=_DATE, help="Issued on or after YYYY-MM-DD."),
            click.option("--to", "date_to", type=_DATE, help="Issued on or before (YYYY-MM-DD)."),
            click.option(
                "--type",
                "dte_types",
                type=click.IntRange(min=1),
                multiple=True,
                help="Document type (repeat for any of several).",
            ),
            click.option("--folio", type=click.IntRange(min=1), help="One folio."),
            click.option(
                "--page", type=click.IntRange(min=1), help="Only this page (30 rows a page)."
            ),
            click.option(
                "--limit",
                type=click.IntRange(min=0),
                default=100,
                show_default=True,
                help="At most this many rows (0: every page; each page is one request).",
            ),
        ]
    ):
        func = option(func)
    return func


def _range(start: dt.datetime | None, end: dt.datetime | None) -> Any:
    if start is None and end is None:
        return None
    return (_day(start), _day(end))


def _types(values: tuple[int, ...]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def _collect(pager: Any, page: int | None, limit: int) -> tuple[int, list[Any]]:
    """``(total as the API counts it, rows)``."""
    if page is not None:
        first = pager.page(page)
        return first.total, list(first.data)
    rows: list[Any] = []
    total = 0
    for current in pager.pages():
        total = current.total
        rows.extend(current.data)
        if limit and len(rows) >= limit:
            return total, rows[:limit]
    return total, rows


def _list_columns(table: Any, columns: Sequence[str]) -> None:
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in ("Folio", "Total") else "left",
            no_wrap=column in ("Date", "Folio", "Total"),
            overflow="fold",
        )


def _print_list(ctx: click.Context, total: int, rows: list[Any], table: Any) -> None:
    def human(console: Console) -> None:
        console.print(table)
        console.print(f"{len(rows)} row(s) shown; {total} in all")

    common.show(ctx, {"total": total, "rows": common.to_json(rows)}, human)


@click.command("issued", short_help="List the documents the company issued.")
@_list_options
@click.option("--rut", help="The receiver's RUT.")
@common.api_options
@click.pass_context
def issued(
    ctx: click.Context,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    dte_types: tuple[int, ...],
    folio: int | None,
    page: int | None,
    limit: int,
    rut: str | None,
) -> None:
    """Documents the company issued, page by page (30 rows a page, one request each)."""
    from rich.table import Table

    with common.open_client(ctx) as client:
        pager = client.documents.issued(
            rut_recep=rut,
            fch_emis=_range(date_from, date_to),
            tipo_dte=_types(dte_types),
            folio=folio,
        )
        total, rows = _collect(pager, page, limit)
    table = Table(title="Issued documents", title_justify="left")
    _list_columns(table, ("Document", "Folio", "Date", "Receiver", "Name", "Total", "Token"))
    for row in rows:
        table.add_row(
            _type_name(row.tipo_dte),
            str(row.folio),
            str(row.fch_emis or "-"),
            row.receptor_rut or "-",
            row.rzn_soc_recep or "-",
            _money(row.mnt_total),
            row.token or "-",
        )
    _print_list(ctx, total, rows, table)


@click.command("received", short_help="List the documents the company received.")
@_list_options
@click.option("--rut", help="The issuer's (supplier's) RUT.")
@click.option("--received-from", type=_DATE, help="Received by Openfactura on or after.")
@click.option("--received-to", type=_DATE, help="Received by Openfactura on or before.")
@click.option("--sii-from", type=_DATE, help="Received by the SII on or after.")
@click.option("--sii-to", type=_DATE, help="Received by the SII on or before.")
@common.api_options
@click.pass_context
def received(
    ctx: click.Context,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    dte_types: tuple[int, ...],
    folio: int | None,
    page: int | None,
    limit: int,
    rut: str | None,
    received_from: dt.datetime | None,
    received_to: dt.datetime | None,
    sii_from: dt.datetime | None,
    sii_to: dt.datetime | None,
) -> None:
    """Documents the company received from its suppliers."""
    from rich.table import Table

    with common.open_client(ctx) as client:
        pager = client.documents.received(
            rut_emisor=rut,
            fch_emis=_range(date_from, date_to),
            tipo_dte=_types(dte_types),
            fch_recep_of=_range(received_from, received_to),
            fch_recep_sii=_range(sii_from, sii_to),
            folio=folio,
        )
        total, rows = _collect(pager, page, limit)
    table = Table(title="Received documents", title_justify="left")
    _list_columns(table, ("Document", "Folio", "Date", "Issuer", "Name", "Total", "Acuses"))
    for row in rows:
        table.add_row(
            _type_name(row.tipo_dte),
            str(row.folio),
            str(row.fch_emis or "-"),
            row.emisor_rut or "-",
            row.rzn_soc or "-",
            _money(row.mnt_total),
            ", ".join(a.cod_evento or "?" for a in row.acuses or []) or "-",
        )
    _print_list(ctx, total, rows, table)


# -- answers ----------------------------------------------------------------------------


@click.command("accuse", short_help="Accept or claim a received document.")
@click.argument("rut")
@click.argument("dte_type", metavar="TYPE", type=click.IntRange(min=1))
@click.argument("folio", type=click.IntRange(min=1))
@click.argument("acuse", type=click.Choice(_ACUSES, case_sensitive=False))
@common.api_options
@click.pass_context
def accuse(ctx: click.Context, rut: str, dte_type: int, folio: int, acuse: str) -> None:
    """Accept or claim a received document: RUT is its issuer.

    ACUSE: ACD accept the content, RCD claim the content, ERM goods or services received,
    RFP / RFT claim a partial / total shortfall. This writes to the SII and is not retried.
    """
    with common.open_client(ctx) as client:
        result = client.documents.accuse(rut, dte_type, folio, acuse.upper())
    messages = "; ".join(f"{m.cod_resp}: {m.desc_resp}" for m in result.msg)
    common.show(
        ctx,
        common.to_json(result),
        lambda c: c.print(
            _key_value_table(
                [
                    ("Document", f"{_type_name(dte_type)} folio {folio} of {rut}"),
                    ("Acuse", acuse.upper()),
                    ("Result", result.result),
                    ("Code", result.code),
                    ("Messages", messages),
                ],
                title="Acuse sent",
            )
        ),
    )


@click.command("annul-guia", short_help="Void a guía de despacho.")
@click.argument("folio", type=click.IntRange(min=1))
@click.option("--date", "fecha", type=_DATE, required=True, help="The guía's issue date.")
@common.api_options
@click.pass_context
def annul_guia(ctx: click.Context, folio: int, fecha: dt.datetime) -> None:
    """Void the guía de despacho (type 52) with this FOLIO. Not retried."""
    with common.open_client(ctx) as client:
        result = client.documents.annul_guia(folio, fecha.date())
    common.show(
        ctx,
        common.to_json(result),
        lambda c: c.print(f"Guía {folio} of {fecha.date()}: {result.message or 'voided'}"),
    )


def register(cli: click.Group) -> None:
    for command in (emit, status, get, wait, issued, received, accuse, annul_guia):
        cli.add_command(command)
