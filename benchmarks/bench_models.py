"""Structure/unstructure throughput of a 60-line factura: openfactura vs pydantic v2 vs msgspec.

Run: ``python benchmarks/bench_models.py`` (needs the ``bench`` extra: pydantic, msgspec).
Prints documents per second for reading (dict -> model) and writing (model -> dict), the
ratios to pydantic and msgspec models of the same document, and the cost per document as a
share of a ~1 ms local round trip (goal: at most 2 %).
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

ROUND_TRIP_S = 0.001


def sample_wire() -> dict[str, Any]:
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
        for i in range(60)
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
    Acteco: list[int]
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
    Acteco: list[int]
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
    total_s = 0.0
    for label, ours, theirs_p, theirs_m in rows:
        o, p, m = rate(ours), rate(theirs_p), rate(theirs_m)
        total_s += 1 / o
        print(f"{label:30}{o:14,.0f}{p:14,.0f}{m:12,.0f}{o / p:12.2f}x{o / m:11.2f}x")
    share = total_s / ROUND_TRIP_S
    print(
        f"\nstructure + unstructure: {total_s * 1e6:.0f} µs per document = "
        f"{share:.1%} of a 1 ms local round trip (goal <= 2 %)"
    )
    print("validate():", f"{1e6 / rate(doc.validate):.0f} µs per document")
    emission = sandbox_round_trip(doc)
    print(
        f"a real local round trip (emitting this factura to the local sandbox, limits off): "
        f"{emission * 1e3:.2f} ms; structure + unstructure = {total_s / emission:.1%} of it"
    )


def sandbox_round_trip(doc: dte.Factura, runs: int = 60) -> float:
    """Median seconds of ``documents.emit(doc, validate=False)`` against the local sandbox."""
    import asyncio
    import statistics

    import openfactura
    from openfactura.testing import FakeOpenfactura

    async def measure() -> float:
        async with FakeOpenfactura(rate_limits=None) as fake:
            async with openfactura.AsyncOpenfactura(
                fake.api_key, base_url=fake.base_url, rate_limits=None
            ) as client:
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    await client.documents.emit(doc, validate=False)
                    times.append(time.perf_counter() - started)
        return statistics.median(times[5:])

    return asyncio.run(measure())


if __name__ == "__main__":
    main()
