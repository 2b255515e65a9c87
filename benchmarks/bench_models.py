"""Structure/unstructure throughput of a 60-line factura: openfactura vs pydantic v2 vs msgspec.

Run: ``python benchmarks/bench_models.py`` (needs the ``bench`` extra: pydantic, msgspec).
Prints:

1. documents per second for reading (dict -> model) and writing (model -> dict) a 60-line
   factura, and the ratios to pydantic v2 and msgspec models of the same document;
2. where the models sit inside real requests to the local sandbox (limits off, median of
   many calls): an emission sends ``unstructure(doc)`` (and runs ``validate()`` unless
   ``validate=False``); ``documents.get`` returns the tree as a dict and only
   ``to_document()`` reads it into models. Each cost is printed as a share of the round
   trip of the request that carries it, for 1, 10 and 60 lines (goal: at most 2 %).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec
import pydantic

from openfactura import dte

GOAL = 0.02


def sample_wire(lines: int = 60) -> dict[str, Any]:
    emisor = dte.Emisor(
        rut_emisor="76795561-8",
        rzn_soc="HAULMER SPA",
        giro_emis="VENTA AL POR MENOR POR CORREO, POR INTERNET Y VIA TELEFONICA",
        acteco=[479100],
        dir_origen="ARTURO PRAT 527 CURICO",
        cmna_origen="Curicó",
        cdg_sii_sucur=81303347,
    )
    receptor = dte.Receptor(
        rut_recep="76430498-5",
        rzn_soc_recep="HOSTY SPA",
        giro_recep="ACTIVIDADES DE CONSULTORIA DE INFORMATIC",
        dir_recep="ARTURO PRAT 527",
        cmna_recep="Curicó",
    )
    lines = [
        dte.Detalle(
            nmb_item=f"Producto número {i}",
            dsc_item="Descripción del producto",
            qty_item=Decimal(i % 7 + 1),
            unmd_item="UN",
            prc_item=Decimal("1234.5") + i,
            descuento_pct=Decimal(5) if i % 3 == 0 else None,
        )
        for i in range(lines)
    ]
    doc = dte.Factura.build(
        emisor=emisor,
        receptor=receptor,
        detalle=lines,
        fch_emis=dt.date(2026, 9, 27),
        fma_pago=dte.FmaPago.CONTADO,
    )
    return doc.to_wire()


# -- the same document in pydantic v2 and msgspec (the fields the sample uses) -----------


class PIdDoc(pydantic.BaseModel):
    TipoDTE: int
    Folio: int = 0
    FchEmis: dt.date
    FmaPago: int | None = None


class PEmisor(pydantic.BaseModel):
    RUTEmisor: str
    RznSoc: str
    GiroEmis: str
    Acteco: int | list[int]  # one code is sent as a number
    CdgSIISucur: str | None = None
    DirOrigen: str | None = None
    CmnaOrigen: str | None = None


class PReceptor(pydantic.BaseModel):
    RUTRecep: str
    RznSocRecep: str
    GiroRecep: str | None = None
    DirRecep: str | None = None
    CmnaRecep: str | None = None


class PTotales(pydantic.BaseModel):
    MntNeto: int | None = None
    TasaIVA: str | None = None
    IVA: int | None = None
    MntTotal: int


class PEncabezado(pydantic.BaseModel):
    IdDoc: PIdDoc
    Emisor: PEmisor
    Receptor: PReceptor
    Totales: PTotales


class PDetalle(pydantic.BaseModel):
    NroLinDet: int
    NmbItem: str
    DscItem: str | None = None
    QtyItem: Decimal | None = None
    UnmdItem: str | None = None
    PrcItem: Decimal | None = None
    DescuentoPct: Decimal | None = None
    DescuentoMonto: int | None = None
    MontoItem: int


class PFactura(pydantic.BaseModel):
    Encabezado: PEncabezado
    Detalle: list[PDetalle]


class MIdDoc(msgspec.Struct, omit_defaults=True):
    TipoDTE: int
    FchEmis: dt.date
    Folio: int = 0
    FmaPago: int | None = None


class MEmisor(msgspec.Struct, omit_defaults=True):
    RUTEmisor: str
    RznSoc: str
    GiroEmis: str
    Acteco: int | list[int]  # one code is sent as a number
    CdgSIISucur: str | None = None
    DirOrigen: str | None = None
    CmnaOrigen: str | None = None


class MReceptor(msgspec.Struct, omit_defaults=True):
    RUTRecep: str
    RznSocRecep: str
    GiroRecep: str | None = None
    DirRecep: str | None = None
    CmnaRecep: str | None = None


class MTotales(msgspec.Struct, omit_defaults=True):
    MntTotal: int
    MntNeto: int | None = None
    TasaIVA: str | None = None
    IVA: int | None = None


class MEncabezado(msgspec.Struct):
    IdDoc: MIdDoc
    Emisor: MEmisor
    Receptor: MReceptor
    Totales: MTotales


class MDetalle(msgspec.Struct, omit_defaults=True):
    NroLinDet: int
    NmbItem: str
    MontoItem: int
    DscItem: str | None = None
    QtyItem: Decimal | None = None
    UnmdItem: str | None = None
    PrcItem: Decimal | None = None
    DescuentoPct: Decimal | None = None
    DescuentoMonto: int | None = None


class MFactura(msgspec.Struct):
    Encabezado: MEncabezado
    Detalle: list[MDetalle]


def rate(fn: Callable[[], object], seconds: float = 0.6) -> float:
    """Calls per second of ``fn`` (best of three runs)."""
    best = 0.0
    for _ in range(3):
        count = 0
        start = time.perf_counter()
        deadline = start + seconds / 3
        while True:
            for _ in range(10):
                fn()
            count += 10
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def main() -> None:
    wire = sample_wire()
    doc = dte.Factura.from_wire(wire)
    assert doc.to_wire() == wire
    p_doc = PFactura.model_validate(wire)
    m_doc = msgspec.convert(wire, MFactura)

    rows = [
        (
            "structure (dict -> model)",
            lambda: dte.Factura.from_wire(wire),
            lambda: PFactura.model_validate(wire),
            lambda: msgspec.convert(wire, MFactura),
        ),
        (
            "unstructure (model -> dict)",
            doc.to_wire,
            lambda: p_doc.model_dump(exclude_none=True, mode="json"),
            lambda: msgspec.to_builtins(m_doc),
        ),
    ]
    print("60-line factura, documents per second (higher is better)")
    head = ("openfactura", 14), ("pydantic v2", 14), ("msgspec", 12), ("vs pydantic", 13)
    print(f"{'':30}" + "".join(f"{t:>{w}}" for t, w in head) + f"{'vs msgspec':>12}")
    for label, ours, theirs_p, theirs_m in rows:
        o, p, m = rate(ours), rate(theirs_p), rate(theirs_m)
        print(f"{label:30}{o:14,.0f}{p:14,.0f}{m:12,.0f}{o / p:12.2f}x{o / m:11.2f}x")
    msgspec_s = 1 / rate(lambda: msgspec.to_builtins(m_doc))

    print(
        "\nThe models inside real requests to the local sandbox (limits off; share of the "
        "round trip of the request that carries the cost; goal <= 2 %)"
    )
    print(
        f"{'lines':>5}{'emit round trip':>17}{'unstructure':>20}{'validate()':>20}"
        f"{'get round trip':>16}{'to_document()':>20}"
    )
    verdicts = []
    for lines in (1, 10, 60):
        sample = dte.Factura.from_wire(sample_wire(lines))
        emit_s, get_s = sandbox_round_trips(sample)
        unstructure_s = 1 / rate(sample.to_wire)
        validate_s = 1 / rate(sample.validate)
        read_s = 1 / rate(lambda s=sample: dte.Factura.from_wire(s.to_wire()))  # type: ignore[misc]
        read_s -= unstructure_s
        print(
            f"{lines:>5}{emit_s * 1e3:>14.2f} ms"
            f"{_cost(unstructure_s, emit_s)}{_cost(validate_s, emit_s)}"
            f"{get_s * 1e3:>13.2f} ms{_cost(read_s, get_s)}"
        )
        verdicts.append((lines, unstructure_s / emit_s))
    for lines, share in verdicts:
        state = "met" if share <= GOAL else "MISSED"
        print(f"goal (unstructure <= 2 % of the emission round trip), {lines} lines: {state}")
    emit_60 = verdicts[-1][1] and sandbox_round_trips(doc)[0]
    print(
        f"for scale: msgspec writes the 60-line document in {msgspec_s * 1e6:.0f} µs "
        f"= {msgspec_s / emit_60:.1%} of its emission round trip"
    )


def _cost(seconds: float, round_trip: float) -> str:
    return f"{seconds * 1e6:>9.0f} µs ={seconds / round_trip:>6.1%}"


def sandbox_round_trips(doc: dte.Factura, runs: int = 60) -> tuple[float, float]:
    """Median seconds of ``documents.emit(doc, validate=False)`` and of ``documents.get``."""
    import asyncio
    import statistics

    import openfactura
    from openfactura.testing import FakeOpenfactura

    async def measure() -> tuple[float, float]:
        async with FakeOpenfactura(rate_limits=None) as fake:
            async with openfactura.AsyncOpenfactura(
                fake.api_key, base_url=fake.base_url, rate_limits=None
            ) as client:
                emits, gets = [], []
                for _ in range(runs):
                    started = time.perf_counter()
                    result = await client.documents.emit(doc, validate=False)
                    emits.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    await client.documents.get(result.token)
                    gets.append(time.perf_counter() - started)
        return statistics.median(emits[5:]), statistics.median(gets[5:])

    return asyncio.run(measure())


if __name__ == "__main__":
    main()
