"""Bad amounts given in Python: a ValidationError naming the field, never a bare error.

The rule (docs/guides/totals.md, "Validation"): amounts in the models are ``Decimal``
(quantities, prices, percentages) or ``int`` (pesos). ``build()``, ``validate()`` and
``to_wire()`` refuse anything else (``NaN``, ``Infinity``, ``1e30``, ``True``, text, ``float``)
with a :class:`~openfactura.ValidationError` whose problem names the field. Text that
spells a number is refused too, in Python; the wire dicts' numbers-as-text are read by
``from_wire`` into ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses
from dte_builders import FCH, line, make_emisor, make_receptor
from hypothesis import given, settings
from hypothesis import strategies as st

import openfactura
from openfactura import dte

BAD_DECIMALS: list[Any] = [
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("1e30"),
    True,
    False,
    "100",
    "abc",
    2.5,
    [1],
]
BAD_PESOS: list[Any] = [True, "100", Decimal("1.5"), Decimal("NaN"), 2.5, 10**30, {}]


def _factura(**line_kw: Any) -> dte.Factura:
    return dte.Factura.build(
        emisor=make_emisor(), receptor=make_receptor(), detalle=[line(**line_kw)], fch_emis=FCH
    )


def _with_line(doc: dte.Factura, **changes: Any) -> dte.Factura:
    return attrs.evolve(doc, detalle=[attrs.evolve(doc.detalle[0], **changes)])


def _fields(problems: list[openfactura.ErrorDetail]) -> list[str]:
    return [p.field for p in problems]


@pytest.mark.parametrize("bad", BAD_DECIMALS, ids=repr)
@pytest.mark.parametrize(
    ("name", "wire"),
    [("prc_item", "PrcItem"), ("qty_item", "QtyItem"), ("descuento_pct", "DescuentoPct")],
)
def test_bad_decimal_amounts_name_their_field(name: str, wire: str, bad: Any) -> None:
    values: dict[str, Any] = {"qty_item": Decimal(1), "prc_item": Decimal(2000), name: bad}
    detalle = dte.Detalle(nmb_item="x", **values)
    with pytest.raises(openfactura.ValidationError) as info:
        dte.Factura.build(
            emisor=make_emisor(), receptor=make_receptor(), detalle=[detalle], fch_emis=FCH
        )
    assert f"Detalle[0].{wire}" in _fields(info.value.problems)
    doc = _with_line(_factura(), **{name: bad})
    assert f"Detalle[0].{wire}" in _fields(doc.validate())  # reported, never raised
    try:
        doc.to_wire()
    except openfactura.ValidationError as exc:
        problems = exc.problems
    else:
        problems = [openfactura.ErrorDetail(f"Detalle[0].{wire}", "written")]
    assert f"Detalle[0].{wire}" in _fields(problems)


@pytest.mark.parametrize("bad", BAD_PESOS, ids=repr)
@pytest.mark.parametrize(
    ("name", "wire"),
    [("monto_item", "MontoItem"), ("descuento_monto", "DescuentoMonto")],
)
def test_bad_peso_amounts_name_their_field(name: str, wire: str, bad: Any) -> None:
    values: dict[str, Any] = {"qty_item": Decimal(1), "prc_item": Decimal(2000), name: bad}
    detalle = dte.Detalle(nmb_item="x", **values)
    with pytest.raises(openfactura.ValidationError) as info:
        dte.Factura.build(
            emisor=make_emisor(), receptor=make_receptor(), detalle=[detalle], fch_emis=FCH
        )
    assert f"Detalle[0].{wire}" in _fields(info.value.problems)
    doc = _with_line(_factura(), **{name: bad})
    assert f"Detalle[0].{wire}" in _fields(doc.validate())


def test_the_issue_examples_word_for_word() -> None:
    problems = {
        "NaN": "Número no válido: NaN",
        "Infinity": "Número no válido: Infinity",
        "1e30": "Máximo 12 dígitos enteros: 1E+30",
    }
    for text, issue in problems.items():
        with pytest.raises(openfactura.ValidationError) as info:
            _factura(prc=text)
        assert info.value.problems == [("Detalle[0].PrcItem", issue)]
    with pytest.raises(openfactura.ValidationError) as info:
        dte.Factura.build(
            emisor=make_emisor(),
            receptor=make_receptor(),
            detalle=[dte.Detalle(nmb_item="x", qty_item=Decimal(1), prc_item=True)],  # type: ignore[arg-type]
        )
    assert info.value.problems == [("Detalle[0].PrcItem", "Debe ser un número, no True")]


def test_a_price_given_as_text_is_refused_everywhere_in_python() -> None:
    text_price = dte.Detalle(nmb_item="x", qty_item=Decimal(1), prc_item="100")  # type: ignore[arg-type]
    expected = ("Detalle[0].PrcItem", "Debe ser Decimal, no texto: escriba Decimal('100')")
    with pytest.raises(openfactura.ValidationError) as info:
        dte.Factura.build(emisor=make_emisor(), receptor=make_receptor(), detalle=[text_price])
    assert info.value.problems == [expected]
    doc = _with_line(_factura(prc="100"), prc_item="100")
    assert doc.validate() == [expected]
    with pytest.raises(openfactura.ValidationError) as info:
        doc.to_wire()
    assert info.value.problems == [expected]
    # ... while a wire dict's text number is read as the Decimal it spells.
    wire = _factura(prc="100").to_wire()
    wire["Detalle"][0]["PrcItem"] = "100"
    assert dte.from_wire(wire).detalle[0].prc_item == Decimal(100)
    assert dte.validate(wire) == []


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


async def test_emit_refuses_bad_amounts_before_sending(mocked: aioresponses) -> None:
    doc = _with_line(_factura(prc="100"), prc_item="100")
    async with openfactura.AsyncOpenfactura(
        "928e15a2d14d4a6292345f04960f4bd3", environment="development", rate_limits=None
    ) as client:
        for validate in (True, False):
            with pytest.raises(openfactura.ValidationError) as info:
                await client.documents.emit(doc, validate=validate)
            assert "Detalle[0].PrcItem" in _fields(info.value.problems)
    assert mocked.requests == {}


def test_a_wire_dict_with_huge_or_odd_numbers_is_reported_not_raised() -> None:
    wire = _factura().to_wire()
    wire["Detalle"][0]["PrcItem"] = "1e30"
    assert ("Detalle[0].PrcItem", "Máximo 12 dígitos enteros: 1E+30") in dte.validate(wire)
    wire["Detalle"][0]["PrcItem"] = "NaN"
    assert "Detalle[0].PrcItem" in _fields(dte.validate(wire))
    wire["Detalle"][0]["PrcItem"] = 2000
    wire["Detalle"][0]["MontoItem"] = True
    assert "Detalle[0].MontoItem" in _fields(dte.validate(wire))


def test_global_discounts_and_int_fields_elsewhere() -> None:
    bad_dr = dte.DscRcgGlobal(
        tpo_mov=dte.TpoMov.DESCUENTO, tpo_valor=dte.TpoValor.PORCENTAJE, valor_dr=Decimal("NaN")
    )
    with pytest.raises(openfactura.ValidationError) as info:
        dte.Factura.build(
            emisor=make_emisor(),
            receptor=make_receptor(),
            detalle=[line()],
            dsc_rcg_global=[bad_dr],
        )
    assert _fields(info.value.problems) == ["DscRcgGlobal[0].ValorDR"]
    doc = _factura()
    enc = doc.encabezado
    odd = attrs.evolve(
        doc, encabezado=attrs.evolve(enc, id_doc=attrs.evolve(enc.id_doc, term_pago_dias=True))
    )
    with pytest.raises(openfactura.ValidationError) as info:
        odd.to_wire()  # an int field never goes out as ``true``
    assert _fields(info.value.problems) == ["Encabezado.IdDoc.TermPagoDias"]


# -- fuzzing: only typed errors ----------------------------------------------------------

hostile = st.one_of(
    st.none(),
    st.sampled_from(BAD_DECIMALS + BAD_PESOS),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    st.text(max_size=5),
    st.booleans(),
)
NUMBER_FIELDS = [
    "qty_item",
    "prc_item",
    "descuento_pct",
    "descuento_monto",
    "recargo_pct",
    "recargo_monto",
    "monto_item",
]


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=dict.fromkeys(NUMBER_FIELDS, hostile)), hostile)
def test_fuzz_build_validate_and_write_raise_only_validation_errors(
    values: dict[str, Any], valor_dr: Any
) -> None:
    detalle = dte.Detalle(nmb_item="x", **values)
    globals_ = []
    if valor_dr is not None:
        globals_ = [
            dte.DscRcgGlobal(
                tpo_mov=dte.TpoMov.RECARGO, tpo_valor=dte.TpoValor.MONTO, valor_dr=valor_dr
            )
        ]
    try:
        doc = dte.Factura.build(
            emisor=make_emisor(),
            receptor=make_receptor(),
            detalle=[detalle],
            dsc_rcg_global=globals_,
            fch_emis=FCH,
        )
    except openfactura.ValidationError as exc:
        refused = exc.problems
        assert refused
        doc = attrs.evolve(_factura(), detalle=[detalle], dsc_rcg_global=globals_)
    problems = doc.validate()
    assert isinstance(problems, list)
    try:
        wire = doc.to_wire()
    except openfactura.ValidationError as exc:
        refused = exc.problems
        assert refused
        assert problems  # what cannot be written was reported by validate() too
    else:
        assert isinstance(dte.validate(wire), list)
