"""The totals engine: worked examples from the reference and hypothesis invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from dte_builders import FCH, boleta_line, line, make_boleta_emisor, make_emisor, make_receptor
from hypothesis import given, settings
from hypothesis import strategies as st

from openfactura import dte
from openfactura.dte import IndExe, IndExeDR, TipoDTE, TpoMov, TpoValor, compute_totals
from openfactura.dte._totals import round_clp


def test_round_half_up_not_bankers() -> None:
    assert round_clp(Decimal("2.5")) == 3
    assert round_clp(Decimal("3.5")) == 4
    assert round_clp(Decimal("2.4999")) == 2


def test_factura_reference_example() -> None:
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
    assert t.mnt_total == 1950 + 1000 + 371
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
    t = doc.encabezado.totales
    assert t.mnt_neto == 10000 - 1000 + 100
    assert t.mnt_exe == 950
    assert t.iva == round_clp(Decimal(9100) * 19 / 100)
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
    with pytest.raises(ValueError, match="tax_rates"):
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
    assert custom.encabezado.totales.mnt_total == 1000 + 190 + 50
    assert custom.validate() == []


def test_artesano_sets_iva_to_zero() -> None:
    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], iva_exceptional=True
    )
    assert doc.encabezado.totales.iva == 0
    assert doc.encabezado.totales.mnt_total == 2000
    assert doc.validate(iva_exceptional=True) == []
    assert doc.validate() != []


def test_exempt_documents() -> None:
    exenta = dte.FacturaExenta.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], fch_emis=FCH
    )
    assert exenta.to_wire()["Encabezado"]["Totales"] == {"MntExe": 2000, "MntTotal": 2000}
    boleta = dte.BoletaExenta.build(
        emisor=make_boleta_emisor(), detalle=[boleta_line()], fch_emis=FCH
    )
    assert boleta.to_wire()["Encabezado"]["Totales"] == {
        "MntExe": 3000,
        "MntTotal": 3000,
        "TotalPeriodo": 3000,
        "VlrPagar": 3000,
    }


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
    assert doc.encabezado.totales.mnt_total == Decimal("37.0368")
    assert doc.to_wire()["Encabezado"]["Totales"] == {
        "TpoMoneda": "DOLAR USA",
        "MntExe": 37.0368,
        "MntTotal": 37.0368,
    }


# -- invariants --------------------------------------------------------------------------

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999"), places=2)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3)
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


@settings(max_examples=150, deadline=None)
@given(factura_lines())
def test_factura_totals_add_up(lines: list[dte.Detalle]) -> None:
    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=lines, fch_emis=FCH
    )
    t = doc.encabezado.totales
    neto = sum(d.monto_item or 0 for d in doc.detalle if d.ind_exe is None)
    exe = sum(d.monto_item or 0 for d in doc.detalle if d.ind_exe == IndExe.EXENTO)
    assert (t.mnt_neto or 0) == neto
    assert (t.mnt_exe or 0) == exe
    assert (t.iva or 0) == round_clp(Decimal(neto) * 19 / 100)
    assert t.mnt_total == neto + exe + (t.iva or 0)
    assert all(v is None or v >= 0 for v in (t.mnt_neto, t.mnt_exe, t.iva, t.mnt_total, t.monto_nf))
    problems = doc.validate()
    if any(d.ind_exe is None for d in doc.detalle):
        assert problems == []
    else:  # nothing affected: the SII wants a factura exenta (34)
        assert [p.field for p in problems] == ["Detalle"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(quantities, prices, st.booleans()), min_size=1, max_size=8))
def test_boleta_net_plus_iva_is_gross_minus_exempt(
    rows: list[tuple[Decimal, Decimal, bool]],
) -> None:
    lines = [
        dte.BoletaDetalle(
            nmb_item="x", qty_item=q, prc_item=p, ind_exe=IndExe.EXENTO if exe else None
        )
        for q, p, exe in rows
    ]
    doc = dte.Boleta.build(emisor=make_boleta_emisor(), detalle=lines, fch_emis=FCH)
    t = doc.encabezado.totales
    assert (t.mnt_neto or 0) + (t.iva or 0) == t.mnt_total - (t.mnt_exe or 0)
    assert t.mnt_total == sum(d.monto_item or 0 for d in doc.detalle)
    assert all(v is None or v >= 0 for v in (t.mnt_neto, t.iva, t.mnt_exe, t.mnt_total))
    if t.mnt_neto:
        # IVA is 19 % of the net, give or take the rounding of the split.
        assert abs(Decimal(t.iva or 0) - Decimal(t.mnt_neto) * Decimal("0.19")) <= 1
    assert t.vlr_pagar == t.total_periodo == t.mnt_total
    assert doc.validate() == []


@settings(max_examples=80, deadline=None)
@given(factura_lines(), st.integers(min_value=0, max_value=10_000))
def test_validate_reports_any_wrong_total_with_the_computed_value(
    lines: list[dte.Detalle], delta: int
) -> None:
    import attrs

    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=lines, fch_emis=FCH
    )
    t = doc.encabezado.totales
    wrong = attrs.evolve(
        doc,
        encabezado=attrs.evolve(
            doc.encabezado, totales=attrs.evolve(t, mnt_total=t.mnt_total + delta + 1)
        ),
    )
    problems = wrong.validate()
    assert (
        "Encabezado.Totales.MntTotal",
        f"Monto erróneo : {t.mnt_total + delta + 1} (expected {t.mnt_total})",
    ) in problems
    # never silently fixed
    assert wrong.encabezado.totales.mnt_total == t.mnt_total + delta + 1


def test_compute_totals_is_public_and_typed() -> None:
    totales = compute_totals(TipoDTE.FACTURA, [dte.Detalle(nmb_item="x", monto_item=1000)])
    assert isinstance(totales, dte.Totales)
    assert totales.mnt_total == 1190
