"""The element tree: every XSD element has a field, names follow the one rule, wire round trips."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from dte_builders import FCH, SCHEMAS, line, make_emisor, make_receptor
from lxml import etree

import openfactura
from openfactura import dte
from openfactura._fields import wire_name
from openfactura._naming import snake

XS = "{http://www.w3.org/2001/XMLSchema}"


def _xsd_tree(element: Any) -> dict[str, Any]:
    """{child name: subtree or None} of an xs:element, following sequences and choices."""
    out: dict[str, Any] = {}
    complex_type = element.find(f"{XS}complexType")
    if complex_type is None or complex_type.find(f"{XS}simpleContent") is not None:
        return out
    for child in complex_type.iter(f"{XS}element"):
        if child.getparent() is None:
            continue
        # only direct children: the nearest xs:element ancestor must be `element`
        ancestor = child.getparent()
        while ancestor.tag != f"{XS}element":
            ancestor = ancestor.getparent()
        if ancestor is not element or child.get("ref"):
            continue
        out[child.get("name")] = _xsd_tree(child) or None
    return out


def _document_element(path: Path, type_name: str, name: str) -> Any:
    root = etree.parse(str(path)).getroot()
    complex_type = root.find(f"{XS}complexType[@name='{type_name}']")
    return next(e for e in complex_type.iter(f"{XS}element") if e.get("name") == name)


def _class_fields(cls: type) -> dict[str, attrs.Attribute[Any]]:
    return {wire_name(f): f for f in attrs.fields(cls) if f.name != "extra"}


def _inner_class(field: attrs.Attribute[Any]) -> type | None:
    type_ = field.type
    for _ in range(3):
        args = [a for a in typing.get_args(type_) if a is not type(None)]
        if attrs.has(type_):
            return type_  # type: ignore[no-any-return]
        if not args:
            return None
        type_ = args[0]
    return None


def _missing(tree: dict[str, Any], cls: type, path: str) -> list[str]:
    attrs.resolve_types(cls)
    fields = _class_fields(cls)
    missing: list[str] = []
    for name, subtree in tree.items():
        if name not in fields:
            missing.append(f"{path}.{name}")
            continue
        if subtree:
            inner = _inner_class(fields[name])
            if inner is None:
                missing.append(f"{path}.{name} (not a class)")
            else:
                missing.extend(_missing(subtree, inner, f"{path}.{name}"))
    return missing


CASES = [
    ("DTE_v10.xsd", "DTEDefType", "Documento", dte.Factura),
    ("DTE_v10.xsd", "DTEDefType", "Liquidacion", dte.LiquidacionFactura),
    ("DTE_v10.xsd", "DTEDefType", "Exportaciones", dte.FacturaExportacion),
    ("EnvioBOLETA_v11.xsd", "BOLETADefType", "Documento", dte.Boleta),
]


@pytest.mark.parametrize(("xsd", "type_name", "name", "cls"), CASES)
def test_every_xsd_element_has_a_field(xsd: str, type_name: str, name: str, cls: type) -> None:
    tree = _xsd_tree(_document_element(SCHEMAS / xsd, type_name, name))
    assert len(tree) >= 6  # the walk found the document, not an empty shell
    assert _missing(tree, cls, name) == []


@pytest.mark.parametrize(("xsd", "type_name", "name", "cls"), CASES)
def test_field_order_is_schema_order(xsd: str, type_name: str, name: str, cls: type) -> None:
    tree = _xsd_tree(_document_element(SCHEMAS / xsd, type_name, name))
    attrs.resolve_types(cls)
    encabezado = _inner_class(_class_fields(cls)["Encabezado"])
    assert encabezado is not None
    for section in ("Encabezado",):
        wanted = list(tree[section])
        got = [n for n in _class_fields(encabezado) if n in wanted]
        assert got == wanted, section
    assert [n for n in _class_fields(cls) if n in tree] == list(tree)


def _all_classes() -> list[type]:
    return [getattr(dte, n) for n in dte.__all__ if attrs.has(getattr(dte, n, None))]


def test_python_name_is_snake_of_wire_name_everywhere() -> None:
    checked = 0
    for cls in _all_classes():
        for field in attrs.fields(cls):
            if field.name == "extra":
                continue
            assert field.name == snake(wire_name(field)), (cls.__name__, field.name)
            checked += 1
    assert checked > 400


def test_classes_are_frozen_slotted_keyword_only() -> None:
    for cls in _all_classes():
        assert "__slots__" in cls.__dict__, cls
        assert all(f.kw_only for f in attrs.fields(cls)), cls
    detalle = line()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        detalle.nmb_item = "x"  # type: ignore[misc]


def test_no_float_anywhere() -> None:
    for cls in _all_classes():
        attrs.resolve_types(cls)
        for field in attrs.fields(cls):
            assert "float" not in str(field.type), (cls, field.name)


def test_types_follow_the_schema() -> None:
    fields = {f.name: f for f in attrs.fields(dte.Detalle)}
    attrs.resolve_types(dte.Detalle)
    assert fields["qty_item"].type == Decimal | None
    assert fields["monto_item"].type == int | None
    assert fields["cdg_item"].type == list[dte.CdgItem]
    assert fields["nmb_item"].metadata["openfactura.max_length"] == 80
    assert {f.name: f for f in attrs.fields(dte.IdDoc)}["fch_emis"].type == dt.date
    assert {f.name: f for f in attrs.fields(dte.Receptor)}["giro_recep"].metadata[
        "openfactura.max_length"
    ] == 40


def test_boletas_have_their_own_names() -> None:
    names = set(_class_fields(dte.BoletaEmisor))
    assert {"RznSocEmisor", "GiroEmisor"} <= names
    assert "Acteco" not in names
    assert "IndServicio" in _class_fields(dte.BoletaIdDoc)
    assert "TasaIVA" not in _class_fields(dte.BoletaTotales)


FACTURA_WIRE: dict[str, Any] = {
    "Encabezado": {
        "IdDoc": {
            "TipoDTE": 33,
            "Folio": 0,
            "FchEmis": "2026-09-27",
            "TpoTranVenta": 1,
            "FmaPago": 1,
        },
        "Emisor": {
            "RUTEmisor": "76795561-8",
            "RznSoc": "HAULMER SPA",
            "GiroEmis": "VENTA AL POR MENOR POR CORREO, POR INTERNET Y VIA TELEFONICA",
            "Acteco": 479100,
            "CdgSIISucur": "81303347",
            "DirOrigen": "ARTURO PRAT 527 CURICO",
            "CmnaOrigen": "Curicó",
        },
        "Receptor": {
            "RUTRecep": "76430498-5",
            "RznSocRecep": "HOSTY SPA",
            "GiroRecep": "ACTIVIDADES DE CONSULTORIA DE INFORMATIC",
            "DirRecep": "ARTURO PRAT 527",
            "CmnaRecep": "Curicó",
        },
        "Totales": {"MntNeto": 2000, "TasaIVA": "19", "IVA": 380, "MntTotal": 2380},
    },
    "Detalle": [
        {"NroLinDet": 1, "NmbItem": "item", "QtyItem": 1, "PrcItem": 2000, "MontoItem": 2000}
    ],
}


def test_wire_round_trip_is_exact_including_order() -> None:
    doc = dte.from_wire(FACTURA_WIRE)
    assert isinstance(doc, dte.Factura)
    out = doc.to_wire()
    assert out == FACTURA_WIRE
    assert list(out["Encabezado"]["Totales"]) == ["MntNeto", "TasaIVA", "IVA", "MntTotal"]
    assert list(out["Detalle"][0]) == ["NroLinDet", "NmbItem", "QtyItem", "PrcItem", "MontoItem"]
    assert dte.to_wire(doc) == FACTURA_WIRE
    assert dte.to_wire(FACTURA_WIRE) == FACTURA_WIRE


def test_typed_values_after_reading() -> None:
    doc = dte.from_wire(FACTURA_WIRE)
    assert isinstance(doc, dte.Factura)
    id_doc = doc.encabezado.id_doc
    assert id_doc.tipo_dte is dte.TipoDTE.FACTURA
    assert id_doc.fma_pago is dte.FmaPago.CONTADO
    assert id_doc.fch_emis == FCH
    assert doc.encabezado.totales.tasa_iva == Decimal(19)
    assert isinstance(doc.detalle[0].qty_item, Decimal)


def test_unknown_elements_survive_a_round_trip() -> None:
    data = {
        **FACTURA_WIRE,
        "NuevoElementoSII": {"x": 1},
        "Encabezado": {
            **FACTURA_WIRE["Encabezado"],
            "Transporte": {"DirDest": "X", "Patente": "AB1234", "RUTChoferNuevo": "1-9"},
        },
    }
    doc = dte.from_wire(data)
    assert doc.extra == {"NuevoElementoSII": {"x": 1}}  # type: ignore[attr-defined]
    out = doc.to_wire()
    assert out["NuevoElementoSII"] == {"x": 1}
    assert out["Encabezado"]["Transporte"]["RUTChoferNuevo"] == "1-9"


def test_numbers_as_strings_and_single_objects_are_accepted() -> None:
    data = {
        **FACTURA_WIRE,
        "Detalle": {
            "NroLinDet": "1",
            "NmbItem": "item",
            "QtyItem": "1.5",
            "PrcItem": "2000",
            "MontoItem": "3000",
            "IndExe": "1",
        },
        "Referencia": {"NroLinRef": 1, "TpoDocRef": 801, "FolioRef": "334", "FchRef": "2026-09-01"},
    }
    doc = dte.from_wire(data)
    assert isinstance(doc, dte.Factura)
    assert doc.detalle[0].qty_item == Decimal("1.5")
    assert doc.detalle[0].ind_exe is dte.IndExe.EXENTO
    assert doc.referencia[0].tpo_doc_ref == "801"
    assert doc.to_wire()["Detalle"] == [
        {
            "NroLinDet": 1,
            "IndExe": 1,
            "NmbItem": "item",
            "QtyItem": 1.5,
            "PrcItem": 2000,
            "MontoItem": 3000,
        }
    ]


def test_none_and_empty_lists_are_omitted_and_lists_stay_lists() -> None:
    doc = dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line()], fch_emis=FCH
    )
    out = doc.to_wire()
    assert "Referencia" not in out and "DscRcgGlobal" not in out
    assert "FmaPago" not in out["Encabezado"]["IdDoc"]
    assert isinstance(out["Detalle"], list) and len(out["Detalle"]) == 1
    assert out["Encabezado"]["Emisor"]["Acteco"] == 479100  # one code: a number, as verified


def test_plain_values_for_enum_fields_go_out_unchanged() -> None:
    id_doc = dte.IdDoc(tipo_dte=33, fch_emis=FCH, fma_pago=1)  # type: ignore[arg-type]
    assert openfactura._converter.unstructure(id_doc)["FmaPago"] == 1
    dr = dte.DscRcgGlobal(
        nro_lin_dr=1,
        tpo_mov=dte.TpoMov.DESCUENTO,
        tpo_valor=dte.TpoValor.PORCENTAJE,
        valor_dr=Decimal(10),
    )
    out = openfactura._converter.unstructure(dr)
    assert out == {"NroLinDR": 1, "TpoMov": "D", "TpoValor": "%", "ValorDR": 10}
    assert type(out["TpoMov"]) is str


def test_rut_fields_accept_rut_objects_and_normalise_spelling() -> None:
    emisor = attrs.evolve(make_emisor(), rut_emisor=openfactura._rut.Rut("76.795.561-8"))
    assert emisor.rut_emisor == "76795561-8"
    assert dte.Receptor(rut_recep="76.430.498-5", rzn_soc_recep="X").rut_recep == "76430498-5"
    # An invalid RUT is kept as given, for validate() to report.
    assert dte.Receptor(rut_recep="1-1", rzn_soc_recep="X").rut_recep == "1-1"


def test_structure_errors_name_the_path() -> None:
    bad = {**FACTURA_WIRE, "Detalle": [{"NmbItem": "x", "QtyItem": "many"}]}
    with pytest.raises(openfactura.ValidationError) as info:
        dte.from_wire(bad)
    assert any("Detalle[0].QtyItem" in p.field for p in info.value.problems)
    with pytest.raises(openfactura.ValidationError):
        dte.from_wire({"Encabezado": {"IdDoc": {"TipoDTE": 999}}})


def test_generated_module_is_up_to_date() -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, str(root / "scripts" / "generate_dte_models.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
