"""``openfactura demo``: the SDK's whole flow in a few seconds, with no key and no network.

1. start the embedded sandbox (or, with ``--env development``, use dev-api.haulmer.com);
2. read the key's company (``/organization``) and build the issuer from it;
3. emit a factura (33), a boleta (39) and a nota de crédito (61) voiding the factura;
4. wait for their SII status; save their PDFs and XMLs into the output folder;
5. list the issued documents of the day and print a summary table (``rich``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import attrs
import click

from . import _common as common

__all__ = ["register", "run_demo"]

HAULMER_DEMO_KEY = "928e15a2d14d4a6292345f04960f4bd3"
NAMES = {33: "Factura", 39: "Boleta", 61: "Nota de crédito"}


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@attrs.frozen(kw_only=True)
class _Line:
    name: str
    qty: int
    price: int

    @property
    def amount(self) -> int:
        return self.qty * self.price

    def wire(self, number: int) -> dict[str, Any]:
        return {
            "NroLinDet": number,
            "NmbItem": self.name,
            "QtyItem": self.qty,
            "PrcItem": self.price,
            "MontoItem": self.amount,
        }


FACTURA_LINES = (
    _Line(name="Plan hosting anual", qty=1, price=59990),
    _Line(name="Dominio .cl", qty=2, price=9990),
)
BOLETA_LINES = (_Line(name="Café en grano 1 kg", qty=2, price=12990),)


def _emisor(org: dict[str, Any], boleta: bool) -> dict[str, Any]:
    actividades = org.get("actividades") or [{}]
    giro = str(org.get("glosaDescriptiva") or actividades[0].get("giro") or "")[:80]
    common = {
        "RUTEmisor": org["rut"],
        "CdgSIISucur": str(org.get("cdgSIISucur") or ""),
        "DirOrigen": org.get("direccion"),
        "CmnaOrigen": org.get("comuna"),
    }
    if boleta:
        return {
            "RUTEmisor": org["rut"],
            "RznSocEmisor": org["razonSocial"],
            "GiroEmisor": giro,
        } | common
    return {
        "RUTEmisor": org["rut"],
        "RznSoc": org["razonSocial"],
        "GiroEmis": giro,
        "Acteco": int(actividades[0].get("codigoActividadEconomica") or 0),
    } | common


def _factura(org: dict[str, Any], tipo: int, today: str, refs: list[Any] | None = None) -> Any:
    neto = sum(line.amount for line in FACTURA_LINES)
    iva = _round(Decimal(neto) * Decimal("0.19"))
    dte: dict[str, Any] = {
        "Encabezado": {
            "IdDoc": {"TipoDTE": tipo, "Folio": 0, "FchEmis": today, "FmaPago": 1},
            "Emisor": _emisor(org, boleta=False),
            "Receptor": {
                "RUTRecep": "76430498-5",
                "RznSocRecep": "HOSTY SPA",
                "GiroRecep": "EMPRESAS DE SERVICIOS INTEGRALES DE INFO",
                "DirRecep": "ARTURO PRAT 527 3 pis OF 1",
                "CmnaRecep": "Curicó",
            },
            "Totales": {"MntNeto": neto, "TasaIVA": "19", "IVA": iva, "MntTotal": neto + iva},
        },
        "Detalle": [line.wire(n) for n, line in enumerate(FACTURA_LINES, 1)],
    }
    if tipo == 33:
        dte["Encabezado"]["IdDoc"]["TpoTranVenta"] = 1
    if refs:
        dte["Referencia"] = refs
    return dte


def _boleta(org: dict[str, Any], today: str) -> Any:
    total = sum(line.amount for line in BOLETA_LINES)
    neto = _round(Decimal(total) / Decimal("1.19"))
    return {
        "Encabezado": {
            "IdDoc": {"TipoDTE": 39, "Folio": 0, "FchEmis": today, "IndServicio": 3},
            "Emisor": _emisor(org, boleta=True),
            "Receptor": {"RUTRecep": "66666666-6"},
            "Totales": {
                "MntNeto": neto,
                "IVA": total - neto,
                "MntTotal": total,
                "TotalPeriodo": total,
                "VlrPagar": total,
            },
        },
        "Detalle": [line.wire(n) for n, line in enumerate(BOLETA_LINES, 1)],
    }


@contextlib.asynccontextmanager
async def _client(env: str, api_key: str | None) -> AsyncIterator[tuple[Any, str]]:
    """The client, and a description of where it points."""
    import openfactura
    from openfactura import RateLimit

    if env == "development":
        key = api_key or os.environ.get("OPENFACTURA_API_KEY") or HAULMER_DEMO_KEY
        async with openfactura.AsyncOpenfactura(
            key, environment="development", **common._CLIENT_OPTIONS
        ) as client:
            yield client, "Haulmer's development API (dev-api.haulmer.com)"
        return
    try:
        from openfactura.testing import FakeOpenfactura
    except ImportError as exc:
        raise common.CliError(
            f"the demo's sandbox needs the 'testing' extra ({exc.name} is missing): "
            "pip install 'openfactura[testing]'",
            common.EXIT_USAGE,
        ) from None

    # The API's limits and the SII's delay, compressed 10x so the demo takes a second.
    limits = (RateLimit(3, 0.1), RateLimit(100, 6.0))
    async with FakeOpenfactura(rate_limits=limits, status_reads_until_final=1) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=limits
        ) as client:
            yield client, f"the embedded local sandbox ({fake.base_url})"


async def _demo(
    env: str, api_key: str | None, out: Path, quiet: bool = False
) -> list[dict[str, Any]]:
    today = dt.date.today().isoformat()
    rows: list[dict[str, Any]] = []
    async with _client(env, api_key) as (client, where):
        _say(f"Openfactura demo against {where}", quiet)
        org = await client.request("GET", "/v2/dte/organization")
        _say(f"Issuer: {org['razonSocial']} ({org['rut']})", quiet)
        emitted = []
        factura = await client.documents.emit(_factura(org, 33, today))
        emitted.append((33, factura))
        boleta = await client.documents.emit(_boleta(org, today))
        emitted.append((39, boleta))
        ref = {
            "NroLinRef": 1,
            "TpoDocRef": "33",
            "FolioRef": factura.folio,
            "FchRef": today,
            "CodRef": 1,
            "RazonRef": "Anula factura",
        }
        nota = await client.documents.emit(_factura(org, 61, today, [ref]))
        emitted.append((61, nota))
        interval = 0.05 if env == "sandbox" else 5.0
        for tipo, result in emitted:
            final = await client.documents.wait(result.token, timeout=300, interval=interval)
            pdf = await client.documents.pdf(result.token)
            xml = await client.documents.xml(result.token)
            stem = f"{NAMES[tipo].lower().replace(' ', '-').replace('é', 'e')}-{result.folio}"
            pdf_path, xml_path = out / f"{stem}.pdf", out / f"{stem}.xml"
            pdf_path.write_bytes(pdf.content)
            xml_path.write_bytes(xml.raw)
            rows.append(
                {
                    "tipo": tipo,
                    "folio": result.folio,
                    "estado": str(final.estado),
                    "token": result.token,
                    "pdf": pdf_path,
                    "xml": xml_path,
                }
            )
        listed = await client.documents.issued(fch_emis=today).first_page()
        totals = {(row.tipo_dte, row.folio): row.mnt_total for row in listed.data}
        for row in rows:
            row["total"] = totals.get((row["tipo"], row["folio"]))
        rows.append({"listed": listed.total})
    return rows


def _say(text: str, to_stderr: bool = False) -> None:
    from rich.console import Console

    Console(stderr=to_stderr).print(text)


def _report(rows: list[dict[str, Any]], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    listed = rows.pop()["listed"]
    table = Table(title="Documents emitted by the demo")
    for column in ("Document", "Folio", "SII status", "Total", "Files"):
        table.add_column(column, justify="right" if column in ("Folio", "Total") else "left")
    for row in rows:
        total = row["total"]
        table.add_row(
            f"{NAMES[row['tipo']]} ({row['tipo']})",
            str(row["folio"]),
            row["estado"],
            "-" if total is None else "$ " + f"{total:,}".replace(",", "."),
            f"{row['pdf'].stem}.pdf/.xml",
        )
    console = Console()
    console.print(table)
    console.print(f"Issued documents listed for today: {listed}")
    console.print(f"Files saved in {out.resolve()}")


def _json_report(rows: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    listed = rows[-1]["listed"]
    documents = [
        {
            "type": row["tipo"],
            "name": NAMES[row["tipo"]],
            "folio": row["folio"],
            "status": row["estado"],
            "total": row["total"],
            "token": row["token"],
            "pdf": str(row["pdf"]),
            "xml": str(row["xml"]),
        }
        for row in rows[:-1]
    ]
    return {"documents": documents, "listed_today": listed, "folder": str(out.resolve())}


def run_demo(
    *, env: str = "sandbox", api_key: str | None = None, out: Path, json_output: bool = False
) -> int:
    """Run the demo; 0 on success."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise common.CliError(f"--out {out}: {exc.strerror}", common.EXIT_USAGE) from None
    rows = asyncio.run(_demo(env, api_key, out, quiet=json_output))
    if json_output:
        common.print_json(_json_report(rows, out))
    else:
        _report(rows, out)
    return 0


@click.command("demo", short_help="The whole flow in seconds, offline.")
@click.option(
    "--env",
    type=click.Choice(("sandbox", "development")),
    default="sandbox",
    show_default=True,
    help="sandbox: the embedded local sandbox (no network); "
    "development: Haulmer's dev-api.haulmer.com.",
)
@click.option(
    "--api-key",
    metavar="KEY",
    help="Key for --env development (default: OPENFACTURA_API_KEY, else the public demo key).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("openfactura-demo"),
    show_default=True,
    help="Folder for the PDFs and XMLs.",
)
@common.json_option
@click.pass_context
def demo(ctx: click.Context, env: str, api_key: str | None, out: Path) -> None:
    """Emit a factura, a boleta and a nota de crédito, wait for their SII status, save
    their PDFs and XMLs and print a summary. No key and no network by default."""
    for secret in (api_key, os.environ.get("OPENFACTURA_API_KEY")):
        if secret:
            common.state(ctx).secrets.append(secret)
    ctx.exit(run_demo(env=env, api_key=api_key, out=out, json_output=common.state(ctx).json))


def register(cli: click.Group) -> None:
    cli.add_command(demo)
