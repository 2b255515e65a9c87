"""The SDK's totals engine and the sandbox's independent one agree: every document the SDK
builds and finds valid, the sandbox accepts (amounts included).

The random documents are valid by construction (the strategies never draw a document the
SII would refuse), so every example is checked: none is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from dte_builders import make_boleta_emisor, make_emisor, make_receptor
from hypothesis import given, settings
from hypothesis import strategies as st

from openfactura.dte import (
    Boleta,
    BoletaDetalle,
    BoletaExenta,
    CodRef,
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
    NotaCredito,
    Referencia,
    TipoDTE,
    TpoMov,
    TpoValor,
)
from openfactura.testing import DEMO_COMPANIES
from openfactura.testing._amounts import expected_totals
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


BOLETA_REF = Referencia(
    tpo_doc_ref="39", folio_ref="3341", fch_ref=FCH, cod_ref=CodRef.ANULA, razon_ref="Anula"
)

CASES = {
    "33 gross prices": factura(Factura, line("177310"), gross_prices=True),
    "33 gross, discounts, exempt line": factura(
        Factura,
        line("1190", descuento_pct=Decimal(10)),
        line("500", ind_exe=IndExe.EXENTO),
        dsc_rcg_global=[dr("D", "%", 5)],
        gross_prices=True,
    ),
    "61 over a boleta (gross)": factura(NotaCredito, line("11900"), referencia=[BOLETA_REF]),
    "39 net prices": boleta(Boleta, 2521, gross_prices=False),
    "39 net prices, 10 % discount": boleta(
        Boleta, 12345, gross_prices=False, dsc_rcg_global=[dr("D", "%", 10)]
    ),
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


@pytest.mark.parametrize(
    ("name", "totals"),
    [
        # 177310 gross: 177310 / 1.19 = 149000; IVA the rest.
        ("33 gross prices", {"MntNeto": 149000, "IVA": 28310, "MntTotal": 177310}),
        # 1190 - 10 % (119) = 1071; -5 % (53.55 -> 54) = 1017 gross; 1017 / 1.19 = 854.6 -> 855.
        (
            "33 gross, discounts, exempt line",
            {"MntNeto": 855, "IVA": 162, "MntExe": 500, "MntTotal": 1517},
        ),
        ("61 over a boleta (gross)", {"MntNeto": 10000, "IVA": 1900, "MntTotal": 11900}),
        # 2521 net: IVA 478.99 -> 479.
        ("39 net prices", {"MntNeto": 2521, "IVA": 479, "MntTotal": 3000}),
        # 12345 - 10 % (1234.5 -> 1235) = 11110 net; IVA 2110.9 -> 2111; 13221.
        ("39 net prices, 10 % discount", {"MntNeto": 11110, "IVA": 2111, "MntTotal": 13221}),
    ],
)
def test_the_sandbox_engine_against_hand_worked_totals(name: str, totals: dict[str, int]) -> None:
    doc = CASES[name]
    wire = json.loads(json.dumps(doc.to_wire()))
    tipo = wire["Encabezado"]["IdDoc"]["TipoDTE"]
    assert expected_totals(tipo, wire) == totals
    sent = {k: v for k, v in wire["Encabezado"]["Totales"].items() if k in totals}
    assert sent == totals  # and the SDK wrote the same


def test_artesano_boleta_is_all_net() -> None:
    doc = boleta(Boleta, 3000, iva_exceptional=True)
    totales = doc.to_wire()["Encabezado"]["Totales"]
    assert (totales["MntNeto"], totales["IVA"]) == (3000, 0)
    assert accepted(doc, artesano=True) is None


prices = st.decimals(min_value=1, max_value=500_000, places=2)
quantities = st.decimals(min_value=Decimal("0.5"), max_value=50, places=1)
percent = st.integers(min_value=1, max_value=60)


def naive_line(item: Detalle) -> int:
    """What a line is worth, for shaping valid discounts (half up, exact fractions)."""
    from fractions import Fraction

    gross = Fraction(item.qty_item) * Fraction(item.prc_item)  # type: ignore[arg-type]

    def half_up(value: Fraction) -> int:
        return int(value + Fraction(1, 2))

    discount = half_up(gross * Fraction(item.descuento_pct) / 100) if item.descuento_pct else 0
    return half_up(gross) - discount


@st.composite
def detail_lines(draw: Any, ind_exe: Any = None) -> Detalle:
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        kw["descuento_pct"] = Decimal(draw(percent))  # at most 60 %: a line never goes below 0
    if ind_exe is not None:
        kw["ind_exe"] = ind_exe
    return Detalle(nmb_item="x", qty_item=draw(quantities), prc_item=draw(prices), **kw)


@st.composite
def valid_documents(draw: Any) -> tuple[Any, dict[str, Any]]:
    """A factura (33 or 34, net or gross lines) the SII accepts, and its build() options.

    A 33 has an affected line; a global discount only hits a side that has lines, and all
    of them together take at most 80 % of it (two of 40 %, or 10 % of it in pesos each),
    so no total goes below 0.
    """
    exenta = draw(st.booleans())
    if exenta:
        lines = draw(st.lists(detail_lines(IndExe.EXENTO), min_size=1, max_size=6))
    else:
        others = st.sampled_from([None, None, IndExe.EXENTO, IndExe.NO_FACTURABLE])
        lines = [draw(detail_lines())]
        for _ in range(draw(st.integers(0, 5))):
            lines.append(draw(detail_lines(draw(others))))
    sums = {
        None: sum(naive_line(ln) for ln in lines if ln.ind_exe is None),
        1: sum(naive_line(ln) for ln in lines if ln.ind_exe == IndExe.EXENTO),
    }
    sides = [side for side, total in sums.items() if total > 0]
    discounts = []
    for _ in range(draw(st.integers(0, 2)) if sides else 0):
        side = draw(st.sampled_from(sides))
        mov = draw(st.sampled_from(["D", "R"]))
        if draw(st.booleans()):
            value = draw(st.integers(1, 40))
            kind = "%"
        else:
            if mov == "D" and sums[side] < 10:
                continue
            value = draw(st.integers(1, max(1, sums[side] // 10)))
            kind = "$"
        ind = None if exenta else side
        discounts.append(dr(mov, kind, value, ind))
    options = {"dsc_rcg_global": discounts, "gross_prices": draw(st.booleans())}
    return (FacturaExenta if exenta else Factura, lines), options


@st.composite
def valid_boletas(draw: Any) -> tuple[list[BoletaDetalle], bool]:
    rows = draw(st.lists(st.tuples(quantities, prices, st.booleans()), min_size=1, max_size=6))
    lines = [
        BoletaDetalle(nmb_item="x", qty_item=q, prc_item=p, ind_exe=IndExe.EXENTO if e else None)
        for q, p, e in rows
    ]
    return lines, draw(st.booleans())


@settings(max_examples=150, deadline=None)
@given(valid_documents())
def test_random_facturas_agree(drawn: tuple[Any, dict[str, Any]]) -> None:
    (cls, lines), options = drawn
    doc = factura(cls, *lines, **options)
    assert doc.validate() == []  # valid by construction: nothing is skipped
    assert accepted(doc) is None, doc.to_wire()["Encabezado"]["Totales"]


@settings(max_examples=80, deadline=None)
@given(valid_boletas())
def test_random_boletas_agree(drawn: tuple[list[BoletaDetalle], bool]) -> None:
    lines, gross = drawn
    doc = Boleta.build(emisor=make_boleta_emisor(), detalle=lines, fch_emis=FCH, gross_prices=gross)
    assert doc.validate() == []
    assert accepted(doc) is None, doc.to_wire()["Encabezado"]["Totales"]
