"""The totals engine: worked examples and hypothesis invariants.

Every expected amount here comes from outside the engine: worked by hand from the SII's
rules (reference §3.6, the derivation next to each example) or from :func:`naive_totals`,
a deliberately plain reimplementation with its own half-up rounding on exact fractions.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from dte_builders import FCH, boleta_line, line, make_boleta_emisor, make_emisor, make_receptor
from hypothesis import given, settings
from hypothesis import strategies as st

import openfactura
from openfactura import dte
from openfactura.dte import IndExe, IndExeDR, TipoDTE, TpoMov, TpoValor, compute_totals
from openfactura.dte._totals import round_clp


def half_up(value: Fraction) -> int:
    """Whole pesos, halves away from zero, from first principles (exact fractions)."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def naive_line(qty: Decimal, prc: Decimal, pct: Decimal | None = None) -> int:
    """``MontoItem = round(qty × prc) − round(qty × prc × pct / 100)``."""
    gross = Fraction(qty) * Fraction(prc)
    discount = half_up(gross * Fraction(pct) / 100) if pct is not None else 0
    return half_up(gross) - discount


def naive_totals(rows: list[tuple[int, str]], *, gross: bool = False) -> tuple[int, int, int, int]:
    """``(MntNeto, MntExe, IVA, MntTotal)`` of ``(MontoItem, kind)`` rows, kind ``"afecto"``
    or ``"exe"`` (``"nf"`` rows stay outside), IVA 19 %: net lines add IVA on top, gross
    lines are split (``MntNeto = round(gross / 1.19)``)."""
    afecto = sum(amount for amount, kind in rows if kind == "afecto")
    exe = sum(amount for amount, kind in rows if kind == "exe")
    if gross:
        neto = half_up(Fraction(afecto) / Fraction(119, 100))
        iva = afecto - neto
    else:
        neto = afecto
        iva = half_up(Fraction(afecto) * Fraction(19, 100))
    return neto, exe, iva, neto + iva + exe


def test_the_naive_oracle_itself() -> None:
    assert [half_up(Fraction(n, 2)) for n in (5, 7, -5, 1)] == [3, 4, -3, 1]
    assert half_up(Fraction(24999, 10000)) == 2
    assert naive_totals([(2000, "afecto")]) == (2000, 0, 380, 2380)  # reference §3.3
    assert naive_totals([(3000, "afecto")], gross=True) == (2521, 0, 479, 3000)  # §3.6


def test_round_half_up_not_bankers() -> None:
    assert round_clp(Decimal("2.5")) == 3
    assert round_clp(Decimal("3.5")) == 4
    assert round_clp(Decimal("2.4999")) == 2


def test_factura_reference_example() -> None:
    # Reference §3.3: one line 1 × 2000 net; IVA = 2000 × 19 % = 380; total 2380.
    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], fch_emis=FCH
    )
    t = doc.encabezado.totales
    assert (t.mnt_neto, t.tasa_iva, t.iva, t.mnt_total) == (2000, Decimal(19), 380, 2380)
    assert doc.to_wire()["Encabezado"]["Totales"] == {
        "MntNeto": 2000,
        "TasaIVA": "19",
        "IVA": 380,
        "MntTotal": 2380,
    }
    assert doc.detalle[0].nro_lin_det == 1 and doc.detalle[0].monto_item == 2000


def test_boleta_reference_example() -> None:
    # Reference §3.6: gross 3000; 3000 / 1.19 = 2521.008... -> 2521; IVA 3000 - 2521 = 479.
    doc = dte.Boleta.build(emisor=make_boleta_emisor(), detalle=[boleta_line()], fch_emis=FCH)
    assert doc.to_wire()["Encabezado"]["Totales"] == {
        "MntNeto": 2521,
        "IVA": 479,
        "MntTotal": 3000,
        "TotalPeriodo": 3000,
        "VlrPagar": 3000,
    }
    assert doc.encabezado.receptor.rut_recep == "66666666-6"
    assert doc.encabezado.id_doc.ind_servicio is dte.IndServicio.VENTAS_Y_SERVICIOS


def test_line_discounts_surcharges_and_rounding() -> None:
    # 3 × 333.33 = 999.99 -> 1000; 10 % of 999.99 = 99.999 -> 100; line 900.
    # 1 × 1000 + 50 surcharge = 1050. Exempt 2 × 500 = 1000. Not billable 700.
    # MntNeto 900 + 1050 = 1950; IVA 1950 × 19 % = 370.5 -> 371 (half up; banker's: 370).
    lines = [
        line(qty="3", prc="333.33", descuento_pct=Decimal(10)),  # 999.99 -> 1000 - 100
        line(qty="1", prc="1000", recargo_monto=50),
        line(qty="2", prc="500", ind_exe=IndExe.EXENTO),
        line(qty="1", prc="700", ind_exe=IndExe.NO_FACTURABLE),
    ]
    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=lines, fch_emis=FCH
    )
    assert [d.monto_item for d in doc.detalle] == [900, 1050, 1000, 700]
    assert doc.detalle[0].descuento_monto == 100
    t = doc.encabezado.totales
    assert (t.mnt_neto, t.mnt_exe, t.iva, t.monto_nf) == (1950, 1000, 371, 700)
    assert t.mnt_total == 3321
    assert doc.validate() == []


def test_global_discounts_percent_amount_and_exempt() -> None:
    drs = [
        dte.DscRcgGlobal(
            tpo_mov=TpoMov.DESCUENTO, tpo_valor=TpoValor.PORCENTAJE, valor_dr=Decimal(10)
        ),
        dte.DscRcgGlobal(tpo_mov=TpoMov.RECARGO, tpo_valor=TpoValor.MONTO, valor_dr=Decimal(100)),
        dte.DscRcgGlobal(
            tpo_mov=TpoMov.DESCUENTO,
            tpo_valor=TpoValor.MONTO,
            valor_dr=Decimal(50),
            ind_exe_dr=IndExeDR.EXENTO,
        ),
    ]
    doc = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="10000"), line(prc="1000", ind_exe=IndExe.EXENTO)],
        dsc_rcg_global=drs,
        fch_emis=FCH,
    )
    # Affected 10000 - 10 % (1000) + 100 = 9100; exempt 1000 - 50 = 950;
    # IVA 9100 × 19 % = 1729; total 9100 + 950 + 1729 = 11779.
    t = doc.encabezado.totales
    assert (t.mnt_neto, t.mnt_exe, t.iva, t.mnt_total) == (9100, 950, 1729, 11779)
    assert [d.nro_lin_dr for d in doc.dsc_rcg_global] == [1, 2, 3]


def test_additional_and_retained_taxes() -> None:
    doc = dte.FacturaCompra.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="10000", cod_imp_adic=["15"])],
        fch_emis=FCH,
    )
    t = doc.encabezado.totales
    assert t.iva == 1900
    assert [(i.tipo_imp, i.monto_imp) for i in t.impto_reten] == [("15", 1900)]
    assert t.mnt_total == 10000  # IVA retained in full
    beer = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="1000", cod_imp_adic=["26"])],
        fch_emis=FCH,
    )
    assert beer.encabezado.totales.mnt_total == 1000 + 190 + 205
    with pytest.raises(openfactura.ValidationError, match="tax_rates"):
        dte.Factura.build(
            emisor=make_emisor(), receptor=make_receptor(), detalle=[line(cod_imp_adic=["35"])]
        )
    custom = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="1000", cod_imp_adic=["35"])],
        tax_rates={"35": Decimal(5)},
        fch_emis=FCH,
    )
    # 1000 net + 190 IVA + 5 % of 1000 = 50 of tax 35: 1240.
    assert custom.encabezado.totales.mnt_total == 1240
    assert custom.validate() == []


def test_artesano_sets_iva_to_zero() -> None:
    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], iva_exceptional=True
    )
    assert doc.encabezado.totales.iva == 0
    assert doc.encabezado.totales.mnt_total == 2000
    assert doc.validate(iva_exceptional=True) == []
    assert ("Encabezado.Totales.IVA", "Monto erróneo : 0 (expected 380)") in doc.validate()


def test_exempt_documents() -> None:
    exenta = dte.FacturaExenta.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line(), line()], fch_emis=FCH
    )
    wire = exenta.to_wire()
    assert wire["Encabezado"]["Totales"] == {"MntExe": 4000, "MntTotal": 4000}
    assert [ln["IndExe"] for ln in wire["Detalle"]] == [1, 1]  # every line says it is exempt
    boleta = dte.BoletaExenta.build(
        emisor=make_boleta_emisor(), detalle=[boleta_line()], fch_emis=FCH
    )
    wire = boleta.to_wire()
    assert wire["Encabezado"]["Totales"] == {
        "MntExe": 3000,
        "MntTotal": 3000,
        "TotalPeriodo": 3000,
        "VlrPagar": 3000,
    }
    assert [ln["IndExe"] for ln in wire["Detalle"]] == [1]
    # A line the caller marked otherwise keeps its indicator (not billable here).
    mixed = dte.FacturaExenta.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(), line(prc="700", ind_exe=IndExe.NO_FACTURABLE)],
        fch_emis=FCH,
    )
    assert [ln["IndExe"] for ln in mixed.to_wire()["Detalle"]] == [1, 2]
    assert mixed.encabezado.totales.mnt_total == 2000


def _exempt(tipo: TipoDTE) -> dte.Document:
    if tipo == TipoDTE.BOLETA_EXENTA:
        return dte.BoletaExenta.build(
            emisor=make_boleta_emisor(), detalle=[boleta_line(), boleta_line()], fch_emis=FCH
        )
    return dte.FacturaExenta.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line(), line()], fch_emis=FCH
    )


@pytest.mark.parametrize("tipo", [TipoDTE.FACTURA_EXENTA, TipoDTE.BOLETA_EXENTA])
def test_validate_reports_exempt_lines_without_ind_exe(tipo: TipoDTE) -> None:
    doc = _exempt(tipo)
    assert doc.validate() == [] and dte.validate(doc.to_wire()) == []
    wire = doc.to_wire()
    del wire["Detalle"][1]["IndExe"]
    assert dte.validate(wire) == [
        ("Detalle[1].IndExe", f"Requerido en documentos exentos ({int(tipo)}): 1 (exento)")
    ]


def test_saldo_anterior_goes_to_vlr_pagar() -> None:
    doc = dte.Boleta.build(emisor=make_boleta_emisor(), detalle=[boleta_line()], saldo_anterior=500)
    t = doc.encabezado.totales
    assert (t.total_periodo, t.saldo_anterior, t.vlr_pagar) == (3000, 500, 3500)


def test_export_totals_keep_decimals() -> None:
    detalle = [dte.ExportDetalle(nmb_item="Vino", qty_item=Decimal(3), prc_item=Decimal("12.3456"))]
    doc = dte.FacturaExportacion.build(
        emisor=dte.ExportEmisor(rut_emisor="76795561-8", rzn_soc="X", giro_emis="Y", acteco=[1]),
        receptor=dte.ExportReceptor(rut_recep="55555555-5", rzn_soc_recep="ACME INC"),
        detalle=detalle,
        tpo_moneda="DOLAR USA",
    )
    assert doc.encabezado.totales.mnt_total == Decimal("37.0368")  # 3 × 12.3456
    assert [p for p in doc.validate() if p.field.startswith("Detalle")] == []  # not pesos
    assert doc.to_wire()["Encabezado"]["Totales"] == {
        "TpoMoneda": "DOLAR USA",
        "MntExe": 37.0368,
        "MntTotal": 37.0368,
    }


# -- gross and net line prices ---------------------------------------------------------


def test_gross_price_factura() -> None:
    # MntBruto 1: the line's 177310 includes IVA. MntNeto = round(177310 / 1.19) = 149000
    # (149000 × 1.19 = 177310 exactly); IVA = 177310 - 149000 = 28310; MntTotal = 177310.
    # (Read as net, it would be 177310 + 33689 = 210999.)
    doc = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="177310")],
        fch_emis=FCH,
        gross_prices=True,
    )
    wire = doc.to_wire()
    assert wire["Encabezado"]["IdDoc"]["MntBruto"] == 1
    assert wire["Encabezado"]["Totales"] == {
        "MntNeto": 149000,
        "TasaIVA": "19",
        "IVA": 28310,
        "MntTotal": 177310,
    }
    assert wire["Detalle"][0]["MontoItem"] == 177310  # the line stays gross
    assert doc.validate() == []
    assert dte.validate(wire) == []


def test_gross_price_factura_with_discounts_exempt_line_and_rounding() -> None:
    # Line 1: 3 × 1190 = 3570 gross, 10 % off = 357 -> 3213. Line 2: exempt 500.
    # Global 5 % discount on the gross affected sum: 5 % of 3213 = 160.65 -> 161; 3052.
    # MntNeto = round(3052 / 1.19) = round(2564.705...) = 2565; IVA = 3052 - 2565 = 487.
    # MntExe = 500; MntTotal = 3052 + 500 = 3552.
    doc = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[
            line(qty="3", prc="1190", descuento_pct=Decimal(10)),
            line(prc="500", ind_exe=IndExe.EXENTO),
        ],
        dsc_rcg_global=[
            dte.DscRcgGlobal(
                tpo_mov=TpoMov.DESCUENTO, tpo_valor=TpoValor.PORCENTAJE, valor_dr=Decimal(5)
            )
        ],
        fch_emis=FCH,
        gross_prices=True,
    )
    t = doc.encabezado.totales
    assert [d.monto_item for d in doc.detalle] == [3213, 500]
    assert (t.mnt_neto, t.mnt_exe, t.iva, t.mnt_total) == (2565, 500, 487, 3552)
    assert doc.validate() == []


def test_gross_rounding_goes_up_from_a_half_and_over() -> None:
    # 2500 / 1.19 = 2100.84 -> 2101, IVA 399. 1000 / 1.19 = 840.34 -> 840, IVA 160.
    for gross, neto, iva in ((2500, 2101, 399), (1000, 840, 160)):
        t = dte.Factura.build(
            emisor=make_emisor(),
            receptor=make_receptor(),
            detalle=[line(prc=str(gross))],
            fch_emis=FCH,
            gross_prices=True,
        ).encabezado.totales
        assert (t.mnt_neto, t.iva, t.mnt_total) == (neto, iva, gross)


def _boleta_ref(tipo: str = "39") -> dte.Referencia:
    return dte.Referencia(
        tpo_doc_ref=tipo,
        folio_ref="3341",
        fch_ref=FCH,
        cod_ref=dte.CodRef.CORRIGE_MONTOS,
        razon_ref="Devolución",
    )


@pytest.mark.parametrize("cls", [dte.NotaCredito, dte.NotaDebito])
@pytest.mark.parametrize("flag", [None, True])
def test_nota_over_a_boleta_has_gross_lines(cls: type[dte.NotaCredito], flag: bool | None) -> None:
    # A nota correcting a boleta repeats its gross lines: 11900 / 1.19 = 10000, IVA 1900,
    # total 11900 (left out, gross_prices follows the reference to a 39/41).
    kw = {} if flag is None else {"gross_prices": flag}
    doc = cls.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="11900")],
        referencia=[_boleta_ref()],
        fch_emis=FCH,
        **kw,
    )
    wire = doc.to_wire()
    assert wire["Encabezado"]["IdDoc"]["MntBruto"] == 1
    t = wire["Encabezado"]["Totales"]
    assert (t["MntNeto"], t["IVA"], t["MntTotal"]) == (10000, 1900, 11900)
    assert doc.validate() == []


def test_nota_over_a_boleta_exenta_and_an_explicit_net_nota() -> None:
    exenta = dte.NotaCredito.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="11900", ind_exe=IndExe.EXENTO)],
        referencia=[_boleta_ref("41")],
        fch_emis=FCH,
    )
    assert exenta.to_wire()["Encabezado"]["Totales"] == {"MntExe": 11900, "MntTotal": 11900}
    # gross_prices=False: the lines are net after all; 11900 × 19 % = 2261; 14161.
    net = dte.NotaCredito.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="11900")],
        referencia=[_boleta_ref()],
        fch_emis=FCH,
        gross_prices=False,
    )
    assert "MntBruto" not in net.to_wire()["Encabezado"]["IdDoc"]
    t = net.encabezado.totales
    assert (t.mnt_neto, t.iva, t.mnt_total) == (11900, 2261, 14161)
    # A nota over a factura stays net.
    over_factura = dte.NotaCredito.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="11900")],
        referencia=[_boleta_ref("33")],
        fch_emis=FCH,
    )
    assert over_factura.encabezado.totales.mnt_total == 14161


def test_validate_checks_totals_on_the_documents_price_side() -> None:
    gross = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="177310")],
        fch_emis=FCH,
        gross_prices=True,
    )
    wire = gross.to_wire()
    del wire["Encabezado"]["IdDoc"]["MntBruto"]  # the same totals, read as net lines
    assert dict(dte.validate(wire)) == {
        "Encabezado.Totales.MntNeto": "Monto erróneo : 149000 (expected 177310)",
        "Encabezado.Totales.IVA": "Monto erróneo : 28310 (expected 33689)",
        "Encabezado.Totales.MntTotal": "Monto erróneo : 177310 (expected 210999)",
    }
    wire["Encabezado"]["IdDoc"]["MntBruto"] = 2
    assert ("Encabezado.IdDoc.MntBruto", "Debe ser 1 u omitirse (tiene 2)") in dte.validate(wire)


def test_boleta_with_net_prices() -> None:
    # IndMntNeto 2: the line's 2521 is net. IVA = 2521 × 19 % = 478.99 -> 479; total 3000.
    doc = dte.Boleta.build(
        emisor=make_boleta_emisor(),
        detalle=[boleta_line(prc="2521")],
        fch_emis=FCH,
        gross_prices=False,
    )
    wire = doc.to_wire()
    assert wire["Encabezado"]["IdDoc"]["IndMntNeto"] == 2
    assert wire["Encabezado"]["Totales"] == {
        "MntNeto": 2521,
        "IVA": 479,
        "MntTotal": 3000,
        "TotalPeriodo": 3000,
        "VlrPagar": 3000,
    }
    assert doc.validate() == []
    del wire["Encabezado"]["IdDoc"]["IndMntNeto"]  # read as gross: 2521 / 1.19 -> 2118
    assert ("Encabezado.Totales.MntNeto", "Monto erróneo : 2521 (expected 2118)") in (
        dte.validate(wire)
    )


def test_boleta_with_net_prices_rounds_iva_half_up_and_adds_exempt_lines() -> None:
    # Net 150: IVA 150 × 19 % = 28.5 -> 29 (banker's rounding would give 28); exempt 1000.
    # MntTotal = 150 + 29 + 1000 = 1179.
    doc = dte.Boleta.build(
        emisor=make_boleta_emisor(),
        detalle=[boleta_line(prc="150"), boleta_line(prc="1000", ind_exe=IndExe.EXENTO)],
        fch_emis=FCH,
        gross_prices=False,
    )
    t = doc.encabezado.totales
    assert (t.mnt_neto, t.iva, t.mnt_exe, t.mnt_total) == (150, 29, 1000, 1179)
    assert doc.validate() == []


def test_gross_lines_with_additional_taxes_are_refused() -> None:
    with pytest.raises(openfactura.ValidationError) as info:
        dte.Factura.build(
            emisor=make_emisor(),
            receptor=make_receptor(),
            detalle=[line(prc="1000", cod_imp_adic=["27"])],
            fch_emis=FCH,
            gross_prices=True,
        )
    assert [p.field for p in info.value.problems] == ["Encabezado.IdDoc.MntBruto"]
    net = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="1000", cod_imp_adic=["27"])],
        fch_emis=FCH,
    )
    wire = net.to_wire()
    wire["Encabezado"]["IdDoc"]["MntBruto"] = 1
    assert "Encabezado.IdDoc.MntBruto" in dict(dte.validate(wire))


def test_mnt_bruto_given_as_an_id_doc_field_is_the_same_switch() -> None:
    doc = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="11900")],
        fch_emis=FCH,
        mnt_bruto=True,
    )
    assert doc.encabezado.id_doc.mnt_bruto == 1
    assert doc.encabezado.totales.mnt_total == 11900
    again = attrs.evolve(
        doc, encabezado=attrs.evolve(doc.encabezado, totales=dte.Totales(mnt_total=0))
    )
    assert again.with_totals().encabezado.totales == doc.encabezado.totales


# -- invariants --------------------------------------------------------------------------

# Round prices and whole quantities often land exactly on a half peso (a line of 12.5, a net
# ending in 50 whose IVA is x.5): that is where half up and banker's rounding differ.
prices = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999"), places=2),
    st.integers(min_value=1, max_value=4000).map(lambda n: Decimal(n * 50)),
    st.integers(min_value=0, max_value=4000).map(lambda n: Decimal(n) + Decimal("0.5")),
)
quantities = st.one_of(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3),
    st.integers(min_value=1, max_value=20).map(Decimal),
)
ind_exe = st.sampled_from([None, None, IndExe.EXENTO, IndExe.NO_FACTURABLE])
pcts = st.one_of(st.none(), st.decimals(min_value=Decimal(1), max_value=Decimal(99), places=0))


@st.composite
def factura_lines(draw: st.DrawFn) -> list[dte.Detalle]:
    n = draw(st.integers(min_value=1, max_value=8))
    return [
        dte.Detalle(
            nmb_item=f"item {i}",
            qty_item=draw(quantities),
            prc_item=draw(prices),
            ind_exe=draw(ind_exe),
            descuento_pct=draw(pcts),
        )
        for i in range(n)
    ]


def _kind(ind: IndExe | None) -> str:
    return {None: "afecto", IndExe.EXENTO: "exe"}.get(ind, "nf")


@settings(max_examples=150, deadline=None)
@given(factura_lines(), st.booleans())
def test_factura_totals_match_the_naive_oracle(lines: list[dte.Detalle], gross: bool) -> None:
    doc = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=lines,
        fch_emis=FCH,
        gross_prices=gross,
    )
    amounts = [naive_line(d.qty_item, d.prc_item, d.descuento_pct) for d in lines]  # type: ignore[arg-type]
    assert [d.monto_item for d in doc.detalle] == amounts
    rows = [(a, _kind(d.ind_exe)) for a, d in zip(amounts, lines, strict=True)]
    neto, exe, iva, total = naive_totals(rows, gross=gross)
    t = doc.encabezado.totales
    assert ((t.mnt_neto or 0), (t.mnt_exe or 0), (t.iva or 0), t.mnt_total) == (
        neto,
        exe,
        iva,
        total,
    )
    assert (t.monto_nf or 0) == sum(a for a, kind in rows if kind == "nf")
    problems = doc.validate()
    if any(d.ind_exe is None for d in doc.detalle):
        assert problems == []
    else:  # nothing affected: the SII wants a factura exenta (34)
        assert [p.field for p in problems] == ["Detalle"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(quantities, prices, st.booleans()), min_size=1, max_size=8), st.booleans()
)
def test_boleta_totals_match_the_naive_oracle(
    rows: list[tuple[Decimal, Decimal, bool]], net_prices: bool
) -> None:
    lines = [
        dte.BoletaDetalle(
            nmb_item="x", qty_item=q, prc_item=p, ind_exe=IndExe.EXENTO if exe else None
        )
        for q, p, exe in rows
    ]
    doc = dte.Boleta.build(
        emisor=make_boleta_emisor(), detalle=lines, fch_emis=FCH, gross_prices=not net_prices
    )
    amounts = [naive_line(q, p) for q, p, _ in rows]
    assert [d.monto_item for d in doc.detalle] == amounts
    neto, exe, iva, total = naive_totals(
        [(a, "exe" if e else "afecto") for a, (_, _, e) in zip(amounts, rows, strict=True)],
        gross=not net_prices,
    )
    t = doc.encabezado.totales
    assert ((t.mnt_neto or 0), (t.mnt_exe or 0), (t.iva or 0), t.mnt_total) == (
        neto,
        exe,
        iva,
        total,
    )
    assert t.vlr_pagar == t.total_periodo == total
    assert doc.validate() == []


@settings(max_examples=80, deadline=None)
@given(factura_lines(), st.integers(min_value=0, max_value=10_000))
def test_validate_reports_any_wrong_total_with_the_computed_value(
    lines: list[dte.Detalle], delta: int
) -> None:
    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=lines, fch_emis=FCH
    )
    amounts = [naive_line(d.qty_item, d.prc_item, d.descuento_pct) for d in lines]  # type: ignore[arg-type]
    rows = [(a, _kind(d.ind_exe)) for a, d in zip(amounts, lines, strict=True)]
    total = naive_totals(rows)[3]
    t = doc.encabezado.totales
    wrong = attrs.evolve(
        doc,
        encabezado=attrs.evolve(
            doc.encabezado, totales=attrs.evolve(t, mnt_total=total + delta + 1)
        ),
    )
    problems = wrong.validate()
    assert (
        "Encabezado.Totales.MntTotal",
        f"Monto erróneo : {total + delta + 1} (expected {total})",
    ) in problems
    # never silently fixed
    assert wrong.encabezado.totales.mnt_total == total + delta + 1


def test_compute_totals_is_public_and_typed() -> None:
    totales = compute_totals(TipoDTE.FACTURA, [dte.Detalle(nmb_item="x", monto_item=1000)])
    assert isinstance(totales, dte.Totales)
    assert totales.mnt_total == 1190  # 1000 + 19 %
    gross = compute_totals(
        TipoDTE.FACTURA, [dte.Detalle(nmb_item="x", monto_item=1190)], gross_prices=True
    )
    assert (gross.mnt_neto, gross.iva, gross.mnt_total) == (1000, 190, 1190)
