"""Local validation: every problem at once, as (field path, issue) pairs."""

from __future__ import annotations

import warnings
from decimal import Decimal

import attrs
import pytest
from dte_builders import FCH, boleta_line, line, make_boleta_emisor, make_emisor, make_receptor

import openfactura
from openfactura import dte


def amounts(doc: dte.Document) -> tuple[object, ...]:
    """``(MntNeto, IVA, MntTotal)`` as written on the wire (compared with hand-worked values:
    validate() recomputes with the engine that built them, so it cannot judge them)."""
    t = doc.to_wire()["Encabezado"]["Totales"]
    return (t.get("MntNeto"), t.get("IVA"), t["MntTotal"])


def _factura(**kw: object) -> dte.Factura:
    return dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], fch_emis=FCH, **kw
    )  # type: ignore[arg-type]


def test_valid_documents_have_no_problems() -> None:
    assert amounts(_factura()) == (2000, 380, 2380)  # 1 × 2000 net, 19 % IVA
    assert _factura().validate() == []
    assert dte.validate(_factura()) == []
    assert dte.validate(_factura().to_wire()) == []
    assert dte.ensure_valid(_factura()) == _factura()


def test_every_problem_at_once() -> None:
    doc = _factura()
    enc = doc.encabezado
    bad = attrs.evolve(
        doc,
        encabezado=attrs.evolve(
            enc,
            id_doc=attrs.evolve(enc.id_doc, folio=15),
            emisor=attrs.evolve(enc.emisor, rut_emisor="76795561-7", cmna_origen=None),
            receptor=attrs.evolve(enc.receptor, giro_recep="G" * 41),
            totales=attrs.evolve(enc.totales, mnt_neto=1000),
        ),
        detalle=[attrs.evolve(doc.detalle[0], nro_lin_det=2, nmb_item="N" * 81, monto_item=1999)],
    )
    problems = dict(bad.validate())
    assert problems["Encabezado.IdDoc.Folio"].startswith("Debe ser 0")
    assert "expected 8" in problems["Encabezado.Emisor.RUTEmisor"]
    assert problems["Encabezado.Emisor.CmnaOrigen"] == "Requerido"
    assert "40" in problems["Encabezado.Receptor.GiroRecep"]
    assert "80" in problems["Detalle[0].NmbItem"]
    assert problems["Detalle[0].NroLinDet"] == "Debe ser 1"
    assert problems["Detalle[0].MontoItem"] == "Monto erróneo : 1999 (expected 2000)"
    assert problems["Encabezado.Totales.MntNeto"] == "Monto erróneo : 1000 (expected 1999)"
    with pytest.raises(openfactura.ValidationError) as info:
        dte.ensure_valid(bad)
    assert len(info.value.problems) == len(bad.validate()) >= 8
    assert "Encabezado.IdDoc.Folio" in str(info.value)


def test_notas_need_a_referencia() -> None:
    nota = dte.NotaCredito.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], fch_emis=FCH
    )
    assert ("Referencia", "Requerida en notas (61)") in nota.validate()
    ok = dte.NotaCredito.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line()],
        fch_emis=FCH,
        referencia=[
            dte.Referencia(
                tpo_doc_ref="33",
                folio_ref="109",
                fch_ref=FCH,
                cod_ref=dte.CodRef.ANULA,
                razon_ref="Anula factura",
            )
        ],
    )
    assert amounts(ok) == (2000, 380, 2380)
    assert ok.validate() == []
    assert ok.to_wire()["Referencia"] == [
        {
            "NroLinRef": 1,
            "TpoDocRef": "33",
            "FolioRef": 109,  # as the reference's verified nota sends it
            "FchRef": "2026-09-27",
            "CodRef": 1,
            "RazonRef": "Anula factura",
        }
    ]


def test_guia_needs_ind_traslado() -> None:
    guia = dte.GuiaDespacho.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], fch_emis=FCH
    )
    assert any(f == "Encabezado.IdDoc.IndTraslado" for f, _ in guia.validate())
    guia = dte.GuiaDespacho.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line()],
        fch_emis=FCH,
        ind_traslado=dte.IndTraslado.VENTA,
    )
    assert amounts(guia) == (2000, 380, 2380)
    assert guia.validate() == []


def test_type_mismatch_and_boleta_requirements() -> None:
    boleta = dte.Boleta.build(emisor=make_boleta_emisor(), detalle=[boleta_line()], fch_emis=FCH)
    assert amounts(boleta) == (2521, 479, 3000)  # 3000 gross: 3000 / 1.19 -> 2521
    assert boleta.validate() == []
    enc = boleta.encabezado
    wrong = attrs.evolve(
        boleta,
        encabezado=attrs.evolve(
            enc,
            id_doc=attrs.evolve(enc.id_doc, tipo_dte=dte.TipoDTE.FACTURA),
            emisor=attrs.evolve(enc.emisor, giro_emisor=None),
        ),
    )
    fields = [f for f, _ in wrong.validate()]
    assert "Encabezado.IdDoc.TipoDTE" in fields
    assert "Encabezado.Emisor.GiroEmisor" in fields


def test_dates_and_decimal_digits() -> None:
    doc = _factura()
    enc = doc.encabezado
    bad = attrs.evolve(
        doc,
        encabezado=attrs.evolve(
            enc,
            id_doc=attrs.evolve(
                enc.id_doc,
                fch_venc=FCH.replace(day=1),
                periodo_desde=FCH,
                periodo_hasta=FCH.replace(day=2),
            ),
        ),
        detalle=[attrs.evolve(doc.detalle[0], qty_item=Decimal("1.0000001"), monto_item=None)],
    )
    fields = dict(bad.validate())
    assert "Encabezado.IdDoc.FchVenc" in fields
    assert "Encabezado.IdDoc.PeriodoHasta" in fields
    assert "decimales" in fields["Detalle[0].QtyItem"]
    assert fields["Detalle[0].MontoItem"] == "Requerido"


def test_dicts_are_validated_too_including_structure_errors() -> None:
    data = _factura().to_wire()
    data["Encabezado"]["Receptor"]["RUTRecep"] = "76430498-4"
    assert [f for f, _ in dte.validate(data)] == ["Encabezado.Receptor.RUTRecep"]
    del data["Encabezado"]["Emisor"]["RznSoc"]
    data["Detalle"][0]["QtyItem"] = "many"
    fields = [f for f, _ in dte.validate(data)]
    assert "Encabezado.Emisor.RznSoc" in fields and "Detalle[0].QtyItem" in fields


def test_truncate_policy() -> None:
    long = attrs.evolve(
        _factura(),
        detalle=[attrs.evolve(line(name="N" * 100), nro_lin_det=1, monto_item=2000)],
    )
    assert any(f == "Detalle[0].NmbItem" for f, _ in long.validate())  # default: a problem
    with pytest.raises(openfactura.ValidationError):
        dte.ensure_valid(long)
    with pytest.warns(dte.TruncationWarning, match=r"Detalle\[0\].NmbItem cut to 80"):
        fixed = dte.ensure_valid(long, truncate=True)
    assert fixed.detalle[0].nmb_item == "N" * 80
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dte.fit_lengths(fixed) is fixed  # nothing to cut, no warning, same object


def test_field_checks_reach_nested_lists_and_every_kind_of_value() -> None:
    """Lengths inside list items, text lists, ints and Decimals at and past their limits."""
    from openfactura.dte._validate import _check_fields

    fine = dte.Detalle(
        nmb_item="x",
        cdg_item=[dte.CdgItem(tpo_codigo="T" * 10, vlr_codigo="V" * 35)],
        cod_imp_adic=["271"],
        qty_item=Decimal("999999999999.999999"),
        prc_item=Decimal("1.500000000"),  # trailing zeros are not decimals
        descuento_pct=Decimal(0),
    )
    out: list[openfactura.ErrorDetail] = []
    _check_fields(fine, "Detalle[0]", out)
    assert out == []
    bad = dte.Detalle(
        nmb_item="x",
        cdg_item=(dte.CdgItem(tpo_codigo="T" * 11, vlr_codigo="V"),),  # type: ignore[arg-type]
        cod_imp_adic=["27", "2711"],
        qty_item=-3,  # type: ignore[arg-type]  # an int, negative
        prc_item=Decimal("1000000000000"),
        descuento_pct=Decimal("-0"),
        dsc_item=7,  # type: ignore[arg-type]  # not text: no length to check
    )
    _check_fields(bad, "Detalle[0]", out)
    assert [(p.field, p.issue.split(":")[0]) for p in out] == [
        ("Detalle[0].CdgItem[0].TpoCodigo", "Largo máximo 10 caracteres (tiene 11)"),
        ("Detalle[0].QtyItem", "Valor negativo no permitido"),
        ("Detalle[0].PrcItem", "Máximo 12 dígitos enteros"),
        ("Detalle[0].DescuentoPct", "Valor negativo no permitido"),
        ("Detalle[0].CodImpAdic[1]", "Largo máximo 3 caracteres (tiene 4)"),
    ]


def test_required_texts_per_type_and_a_factura_with_nothing_affected() -> None:
    doc = _factura()
    enc = doc.encabezado
    bad = attrs.evolve(
        doc,
        encabezado=attrs.evolve(
            enc,
            emisor=attrs.evolve(enc.emisor, rzn_soc="", giro_emis=""),
            receptor=attrs.evolve(enc.receptor, rzn_soc_recep="", giro_recep=None),
        ),
        detalle=[attrs.evolve(doc.detalle[0], nmb_item="")],
    )
    fields = dict(bad.validate())
    for field in (
        "Encabezado.Emisor.RznSoc",
        "Encabezado.Emisor.GiroEmis",
        "Encabezado.Receptor.RznSocRecep",
        "Detalle[0].NmbItem",
    ):
        assert fields[field] == "Requerido", field
    assert "Encabezado.Receptor.GiroRecep" not in fields  # not forced by the API
    exempt_only = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(ind_exe=dte.IndExe.EXENTO)],
        fch_emis=FCH,
    )
    assert [p.field for p in exempt_only.validate()] == ["Detalle"]
    assert "FacturaExenta" in exempt_only.validate()[0].issue
    boleta = dte.Boleta.build(
        emisor=attrs.evolve(make_boleta_emisor(), cdg_sii_sucur=None),
        detalle=[boleta_line()],
        fch_emis=FCH,
    )
    assert dict(boleta.validate()) == {"Encabezado.Emisor.CdgSIISucur": "Requerido"}


def test_amounts_the_schema_wants_positive() -> None:
    # A 1 % discount on 10 pesos rounds to nothing: no DescuentoMonto 0 on the wire.
    tiny = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[line(prc="10", descuento_pct=Decimal(1))],
        fch_emis=FCH,
    )
    assert "DescuentoMonto" not in tiny.to_wire()["Detalle"][0]
    assert amounts(tiny) == (10, 2, 12)  # 1 % of 10 = 0.1 -> 0; IVA 1.9 -> 2
    assert tiny.validate() == []
    # A discount larger than the line, a free item, a zero quantity, a 150 % global discount.
    doc = dte.Factura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[
            line(prc="100", descuento_monto=500),
            line(prc="0"),
            line(qty="0"),
            line(prc="1000"),
        ],
        fch_emis=FCH,
        dsc_rcg_global=[
            dte.DscRcgGlobal(
                tpo_mov=dte.TpoMov.DESCUENTO,
                tpo_valor=dte.TpoValor.PORCENTAJE,
                valor_dr=Decimal(150),
            )
        ],
    )
    fields = dict(doc.validate())
    assert fields["Detalle[0].MontoItem"] == "Valor negativo no permitido: -400"
    assert fields["Detalle[1].PrcItem"].startswith("Debe ser mayor que 0")
    assert fields["Detalle[2].QtyItem"].startswith("Debe ser mayor que 0")
    assert fields["Encabezado.Totales.MntNeto"].startswith("Valor negativo no permitido")
    assert fields["Encabezado.Totales.MntTotal"].startswith("Valor negativo no permitido")


def _liquidacion() -> dte.LiquidacionFactura:
    return dte.LiquidacionFactura.build(
        emisor=make_emisor(),
        receptor=make_receptor(),
        detalle=[
            dte.LiquidacionDetalle(
                tpo_doc_liq=dte.TipoDTE.FACTURA,
                nmb_item="Venta por cuenta de HOSTY SPA",
                qty_item=Decimal(2),
                prc_item=Decimal(50000),
            )
        ],
        comisiones=[
            dte.Comisiones(
                tipo_movim="C",
                glosa="Comisión",
                val_com_neto=10000,
                val_com_exe=0,
                val_com_iva=1900,
            ),
            dte.Comisiones(
                tipo_movim="O", glosa="Flete", val_com_neto=2000, val_com_exe=500, val_com_iva=380
            ),
        ],
        fch_emis=FCH,
    )


def test_liquidacion_totals_carry_the_commission_sums() -> None:
    doc = _liquidacion()
    totales = doc.to_wire()["Encabezado"]["Totales"]
    assert totales["Comisiones"] == {"ValComNeto": 12000, "ValComExe": 500, "ValComIVA": 2280}
    assert doc.to_wire()["Detalle"][0]["TpoDocLiq"] == "33"
    assert amounts(doc) == (100000, 19000, 119000)  # 2 × 50000 net, 19 % IVA
    assert doc.validate() == []
    enc = doc.encabezado
    wrong = attrs.evolve(
        doc,
        encabezado=attrs.evolve(
            enc,
            totales=attrs.evolve(
                enc.totales,
                comisiones=attrs.evolve(enc.totales.comisiones, val_com_iva=1900),
                grnt_dep=100,  # given by the caller: not the engine's to judge
            ),
        ),
    )
    assert dict(wrong.validate()) == {
        "Encabezado.Totales.Comisiones.ValComIVA": "Monto erróneo : 1900 (expected 2280)"
    }


def test_cod_ref_rules_of_notas() -> None:
    def ref(code: dte.CodRef, folio: str = "109") -> dte.Referencia:
        return dte.Referencia(tpo_doc_ref="33", folio_ref=folio, fch_ref=FCH, cod_ref=code)

    def nota(*refs: dte.Referencia, lines: list[dte.Detalle] | None = None) -> dte.NotaCredito:
        return dte.NotaCredito.build(
            emisor=make_emisor(),
            receptor=make_receptor(),
            detalle=lines or [line()],
            fch_emis=FCH,
            referencia=list(refs),
        )

    text_fix = nota(
        ref(dte.CodRef.CORRIGE_TEXTO), lines=[dte.Detalle(nmb_item="Giro corregido", monto_item=0)]
    )
    assert amounts(text_fix) == (0, 0, 0)
    assert text_fix.validate() == []
    assert dict(nota(ref(dte.CodRef.CORRIGE_TEXTO)).validate()) == {
        "Encabezado.Totales.MntTotal": "Una corrección de texto (CodRef 2) va con montos 0 "
        "(tiene 2380)"
    }
    two = nota(ref(dte.CodRef.ANULA), ref(dte.CodRef.ANULA, "110"))
    assert [p.field for p in two.validate()] == ["Referencia"]
    amount_fix = nota(ref(dte.CodRef.CORRIGE_MONTOS), ref(dte.CodRef.CORRIGE_MONTOS, "110"))
    assert amounts(amount_fix) == (2000, 380, 2380)
    assert amount_fix.validate() == []
