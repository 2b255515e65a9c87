"""The SDK's totals engine and the sandbox's independent one agree: every document the SDK
builds and finds valid, the sandbox accepts (amounts included)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from dte_builders import make_boleta_emisor, make_emisor, make_receptor
from hypothesis import given, settings
from hypothesis import strategies as st

from openfactura.dte import (
    Boleta,
    BoletaDetalle,
    BoletaExenta,
    Comisiones,
    Detalle,
    DscRcgGlobal,
    Factura,
    FacturaCompra,
    FacturaExenta,
    IndExe,
    IndExeDR,
    LiquidacionDetalle,
    LiquidacionFactura,
    TipoDTE,
    TpoMov,
    TpoValor,
)
from openfactura.testing import DEMO_COMPANIES
from openfactura.testing._emission import validate_emission
from openfactura.testing._errors import RejectError

FCH = dt.date(2026, 9, 27)
COMPANY = next(iter(DEMO_COMPANIES))


def accepted(doc: Any, *, artesano: bool = False) -> str | None:
    """None when the sandbox accepts ``doc``, else the refusal's body."""
    wire = json.loads(json.dumps(doc.to_wire()))
    try:
        validate_emission(COMPANY, {"dte": wire}, artesano=artesano)
    except RejectError as exc:
        return json.dumps(exc.body, ensure_ascii=False)
    return None


def line(price: str = "2000", **kw: Any) -> Detalle:
    return Detalle(nmb_item="item", qty_item=Decimal(1), prc_item=Decimal(price), **kw)


def dr(mov: str, kind: str, value: int, ind: int | None = None) -> DscRcgGlobal:
    return DscRcgGlobal(
        tpo_mov=TpoMov(mov),
        tpo_valor=TpoValor(kind),
        valor_dr=Decimal(value),
        ind_exe_dr=IndExeDR(ind) if ind else None,
    )


def factura(cls: Any = Factura, *lines: Detalle, **kw: Any) -> Any:
    return cls.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=list(lines), fch_emis=FCH, **kw
    )


def boleta(cls: Any = Boleta, price: int = 3000, **kw: Any) -> Any:
    detalle = [BoletaDetalle(nmb_item="x", qty_item=Decimal(1), prc_item=Decimal(price))]
    return cls.build(emisor=make_boleta_emisor(), detalle=detalle, fch_emis=FCH, **kw)


CASES = {
    "46 retained IVA": factura(FacturaCompra, line(cod_imp_adic=["15"])),
    "33 additional tax 27": factura(Factura, line(cod_imp_adic=["27"])),
    "33 line with MontoItem only": factura(Factura, Detalle(nmb_item="s", monto_item=5000)),
    "33 not billable discount": factura(
        Factura,
        line(),
        line("500", ind_exe=IndExe.NO_FACTURABLE),
        dsc_rcg_global=[dr("D", "$", 100, 2)],
    ),
    "34 global discount": factura(
        FacturaExenta, line(ind_exe=IndExe.EXENTO), dsc_rcg_global=[dr("D", "$", 100)]
    ),
    "41 global discount": boleta(BoletaExenta, dsc_rcg_global=[dr("D", "$", 100)]),
    "33 two 10 % discounts on 5": factura(
        Factura, line("5"), dsc_rcg_global=[dr("D", "%", 10), dr("D", "%", 10)]
    ),
    "33 10 % discount on 12345": factura(Factura, line("12345"), dsc_rcg_global=[dr("D", "%", 10)]),
    "39 10 % discount on 12345": boleta(Boleta, 12345, dsc_rcg_global=[dr("D", "%", 10)]),
    "43 with commissions": LiquidacionFactura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[
            LiquidacionDetalle(
                tpo_doc_liq=TipoDTE.FACTURA,
                nmb_item="Venta por cuenta de terceros",
                qty_item=Decimal(2),
                prc_item=Decimal(50000),
            )
        ],
        comisiones=[
            Comisiones(
                tipo_movim="C",
                glosa="Comisión",
                val_com_neto=10000,
                val_com_exe=0,
                val_com_iva=1900,
            )
        ],
        fch_emis=FCH,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_sandbox_accepts_what_the_sdk_computes(name: str) -> None:
    doc = CASES[name]
    assert doc.validate() == []
    assert accepted(doc) is None


def test_artesano_boleta_is_all_net() -> None:
    doc = boleta(Boleta, 3000, iva_exceptional=True)
    totales = doc.to_wire()["Encabezado"]["Totales"]
    assert (totales["MntNeto"], totales["IVA"]) == (3000, 0)
    assert accepted(doc, artesano=True) is None


prices = st.decimals(min_value=1, max_value=500_000, places=2)
quantities = st.decimals(min_value=Decimal("0.5"), max_value=50, places=1)
percent = st.integers(min_value=1, max_value=60)


@st.composite
def detail_lines(draw: Any) -> Detalle:
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        kw["descuento_pct"] = Decimal(draw(percent))
    if draw(st.integers(0, 3)) == 0:
        kw["ind_exe"] = draw(st.sampled_from([IndExe.EXENTO, IndExe.NO_FACTURABLE]))
    return Detalle(nmb_item="x", qty_item=draw(quantities), prc_item=draw(prices), **kw)


@st.composite
def globals_(draw: Any) -> list[DscRcgGlobal]:
    out = []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["%", "$"]))
        value = draw(percent) if kind == "%" else draw(st.integers(1, 500))
        out.append(
            dr(draw(st.sampled_from(["D", "R"])), kind, value, draw(st.sampled_from([None, 1])))
        )
    return out


@settings(max_examples=120, deadline=None)
@given(st.lists(detail_lines(), min_size=1, max_size=6), globals_(), st.booleans())
def test_random_facturas_agree(
    lines: list[Detalle], discounts: list[DscRcgGlobal], exenta: bool
) -> None:
    cls = FacturaExenta if exenta else Factura
    if exenta:
        lines = [attrs.evolve(ln, ind_exe=IndExe.EXENTO) for ln in lines]
    doc = factura(cls, *lines, dsc_rcg_global=discounts)
    if doc.validate():
        return  # refused locally (negative totals, a 33 with nothing affected...)
    assert accepted(doc) is None, doc.to_wire()["Encabezado"]["Totales"]
