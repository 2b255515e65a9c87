"""Fuzzing the document models: ``build()``, ``validate()``, ``to_wire()`` and ``from_wire()``
of every document class, with any value in any field, give a document, a list of problems
or a ``ValidationError``, never a bare ``TypeError``/``InvalidOperation``/``KeyError``.

Already fuzzed elsewhere (not repeated): hostile numbers in a Factura's line amounts
(``tests/models/test_models_amount_inputs.py``) and any JSON value at chosen places of an
emission body through the sandbox (``tests/sandbox/test_sandbox_hardening.py``). Here every
class (all twelve ``TipoDTE``) starts from a valid document and has any of its fields, at
any depth (emisor, receptor, lines, references, discounts, ``IdDoc`` keywords), replaced by
anything; and the wire dicts of valid documents get any JSON anywhere before
``dte.validate()`` and ``from_wire()`` read them.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
from dte_builders import FCH, make_boleta_emisor, make_emisor, make_receptor
from fuzzing import budget, json_values, odd_values, typed
from hypothesis import given
from hypothesis import strategies as st

import openfactura
from openfactura import dte

NOTA_REF = dte.Referencia(tpo_doc_ref="33", folio_ref="12", fch_ref=FCH, cod_ref=dte.CodRef.ANULA)


def _line(**kw: Any) -> dte.Detalle:
    return dte.Detalle(nmb_item="item", qty_item=Decimal(2), prc_item=Decimal(1500), **kw)


EXPORT_PARTS: dict[str, Any] = {
    "emisor": dte.ExportEmisor(rut_emisor="76795561-8", rzn_soc="X", giro_emis="Y", acteco=[1]),
    "receptor": dte.ExportReceptor(rut_recep="55555555-5", rzn_soc_recep="ACME INC"),
    "detalle": [dte.ExportDetalle(nmb_item="Vino", qty_item=Decimal(3), prc_item=Decimal("12.5"))],
    "tpo_moneda": "DOLAR USA",
}
DTE_PARTS: dict[str, Any] = {
    "emisor": make_emisor(),
    "receptor": make_receptor(),
    "detalle": [_line(), _line(descuento_pct=Decimal(10))],
    "fch_emis": FCH,
}
BOLETA_PARTS: dict[str, Any] = {
    "emisor": make_boleta_emisor(),
    "detalle": [dte.BoletaDetalle(nmb_item="item", qty_item=Decimal(1), prc_item=Decimal(3000))],
    "fch_emis": FCH,
}
SEEDS: dict[type[dte.Document], dict[str, Any]] = {
    dte.Factura: DTE_PARTS | {"fma_pago": dte.FmaPago.CONTADO},
    dte.FacturaExenta: DTE_PARTS,
    dte.FacturaCompra: DTE_PARTS,
    dte.GuiaDespacho: DTE_PARTS | {"ind_traslado": dte.IndTraslado.VENTA},
    dte.NotaDebito: DTE_PARTS | {"referencia": [NOTA_REF]},
    dte.NotaCredito: DTE_PARTS | {"referencia": [NOTA_REF]},
    dte.LiquidacionFactura: {
        "emisor": make_emisor(),
        "receptor": make_receptor(),
        "detalle": [
            dte.LiquidacionDetalle(
                tpo_doc_liq=dte.TipoDTE.FACTURA,
                nmb_item="Venta por cuenta de terceros",
                qty_item=Decimal(2),
                prc_item=Decimal(50000),
            )
        ],
        "comisiones": [
            dte.Comisiones(
                tipo_movim="C",
                glosa="Comisión",
                val_com_neto=10000,
                val_com_exe=0,
                val_com_iva=1900,
            )
        ],
        "fch_emis": FCH,
    },
    dte.FacturaExportacion: EXPORT_PARTS,
    dte.NotaDebitoExportacion: EXPORT_PARTS,
    dte.NotaCreditoExportacion: EXPORT_PARTS,
    dte.Boleta: BOLETA_PARTS,
    dte.BoletaExenta: BOLETA_PARTS,
}


def test_every_document_class_has_a_seed_that_builds() -> None:
    assert set(SEEDS) == set(dte.DOCUMENT_CLASSES.values())
    for cls, parts in SEEDS.items():
        doc = cls.build(**parts)  # type: ignore[attr-defined]
        assert type(doc) is cls


# -- mutations --------------------------------------------------------------------------------

hostile = st.one_of(
    odd_values,
    st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("-Infinity"),
            Decimal("1e30"),
            Decimal("-5"),
            Decimal("0"),
            Decimal("0.0000001"),
            -1,
            0,
            10**18,
            dt.date(1, 1, 1),
            dt.datetime(2026, 1, 1, 12),
            "2026-02-30",
            [],
            [None],
            make_receptor(),
            _line(),
        ]
    ),
)


def _replace(value: Any, path: list[Any], new: Any) -> Any:
    """``value`` with the thing at ``path`` (attribute names and list indices) replaced."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(value)
        items[head] = _replace(items[head], rest, new)
        return items
    return attrs.evolve(value, **{head: _replace(getattr(value, head), rest, new)})


def _paths(value: Any, depth: int = 0) -> list[list[Any]]:
    """Every place inside ``value`` (an attrs model, a list of them) a fuzzer may replace."""
    if depth > 3:
        return []
    found: list[list[Any]] = []
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            if field.name == "extra" or not field.init:
                continue
            found.append([field.name])
            found += [[field.name, *p] for p in _paths(getattr(value, field.name), depth + 1)]
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.append([i])
            found += [[i, *p] for p in _paths(item, depth + 1)]
    return found


def _id_doc_names(cls: type[dte.Document]) -> list[str]:
    """The ``IdDoc`` keywords ``cls.build()`` takes (``**id_doc``)."""
    attrs.resolve_types(cls)
    id_doc = attrs.fields_dict(attrs.fields_dict(cls)["encabezado"].type)["id_doc"].type
    fixed = ("tipo_dte", "folio", "fch_emis", "fma_pago", "ind_servicio")
    return sorted(f.name for f in attrs.fields(id_doc) if f.name not in fixed and f.init)


@st.composite
def mutated_parts(draw: st.DrawFn) -> tuple[type[dte.Document], dict[str, Any]]:
    cls = draw(st.sampled_from(sorted(SEEDS, key=lambda c: c.__name__)))
    parts = dict(SEEDS[cls])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        name = draw(st.sampled_from(sorted(parts)))
        places = [[], *_paths(parts[name])]
        place = draw(st.sampled_from(places))
        parts[name] = _replace(parts[name], place, draw(hostile))
    if draw(st.booleans()):
        parts[draw(st.sampled_from(_id_doc_names(cls)))] = draw(hostile)
    return cls, parts


@budget(500)
@given(case=mutated_parts())
def test_build_validate_and_write_any_document_with_any_values(
    case: tuple[type[dte.Document], dict[str, Any]],
) -> None:
    cls, parts = case
    doc = typed(cls.build, **parts)  # type: ignore[attr-defined]
    if isinstance(doc, openfactura.OpenfacturaError):
        assert isinstance(doc, openfactura.ValidationError) and doc.problems
        return
    problems = typed(doc.validate)
    assert isinstance(problems, list), repr(problems)
    assert all(isinstance(p.field, str) and isinstance(p.issue, str) for p in problems)
    wire = typed(doc.to_wire)
    if isinstance(wire, openfactura.OpenfacturaError):
        # validate() names bad amounts; a part of the wrong kind (a number where a list is
        # due, None where a number is required) may only show when the document is written.
        assert isinstance(wire, openfactura.ValidationError) and wire.problems, wire
        return
    again = typed(dte.validate, wire)
    assert isinstance(again, (list, openfactura.ValidationError))
    read = typed(dte.from_wire, wire)
    if isinstance(read, dte.Document):
        assert isinstance(typed(read.validate), list)


# -- wire dicts -------------------------------------------------------------------------------

WIRES = [cls.build(**parts).to_wire() for cls, parts in SEEDS.items()]  # type: ignore[attr-defined]


def _wire_places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _wire_places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _wire_places(item, (*path, i))
    return found


@st.composite
def mutated_wires(draw: st.DrawFn) -> Any:
    wire = copy.deepcopy(draw(st.sampled_from(WIRES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        place = draw(st.sampled_from(_wire_places(wire)))
        new = draw(st.one_of(json_values(), st.sampled_from(["1e999", "NaN", "9" * 5000])))
        if not place:
            wire = new
            continue
        target = wire
        for key in place[:-1]:
            target = target[key]
        target[place[-1]] = new
        if not isinstance(wire, (dict, list)):
            break
    return wire


@budget(500)
@given(wire=mutated_wires(), iva_exceptional=st.booleans())
def test_any_wire_dict_is_validated_or_refused_with_a_typed_error(
    wire: Any, iva_exceptional: bool
) -> None:
    problems = typed(dte.validate, wire, iva_exceptional=iva_exceptional)
    assert isinstance(problems, (list, openfactura.ValidationError)), repr(problems)
    doc = typed(dte.from_wire, wire)
    if isinstance(doc, dte.Document):
        assert isinstance(typed(doc.validate), list)
        typed(doc.to_wire)
