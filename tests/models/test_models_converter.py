"""The converter's generated fast paths agree with ``__init__`` for every model class."""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import pkgutil
import typing
from decimal import Decimal
from typing import Any

import attrs
import pytest

import openfactura
from openfactura import dte
from openfactura._converter import _plain_slots, converter, structure, unstructure
from openfactura._exceptions import ValidationError
from openfactura.types._common import XmlText


def _model_classes() -> list[type]:
    found: dict[str, type] = {}
    for package in (openfactura, openfactura.dte, openfactura.types):
        modules = [package]
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            if "testing" in info.name or "cli" in info.name or "redis" in info.name:
                continue
            modules.append(importlib.import_module(info.name))
        for module in modules:
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and attrs.has(value)
                    and value.__module__.startswith(("openfactura.dte", "openfactura.types"))
                    and not value.__name__.startswith("_")
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return sorted(found.values(), key=lambda c: c.__qualname__)


MODELS = _model_classes()


def _dummy(type_: Any, depth: int = 0) -> Any:
    """A valid value of ``type_`` (first enum member, smallest object...)."""
    args = [a for a in typing.get_args(type_) if a is not type(None)]
    origin = typing.get_origin(type_)
    if origin is list:
        return [_dummy(args[0], depth + 1)] if depth < 3 else []
    if origin is dict:
        return {}
    if args and origin is not None and origin is not typing.Literal:
        return _dummy(args[0], depth)
    if origin is typing.Literal:
        return typing.get_args(type_)[0]
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        return next(iter(type_))
    if type_ is bool:
        return True
    if type_ is int:
        return 7
    if type_ is Decimal:
        return Decimal("1.5")
    if type_ is dt.datetime:
        return dt.datetime(2026, 9, 27, 10, 30)
    if type_ is dt.date:
        return dt.date(2026, 9, 27)
    if type_ is bytes:
        return b"\x00pdf"
    if type_ is openfactura.Rut:
        return openfactura.Rut("76795561-8")
    if type_ is XmlText:
        return XmlText("<DTE version='1.0'/>")
    if attrs.has(type_):
        return _full(type_, depth + 1)
    if type_ is str:
        return "76795561-8"  # a valid RUT is also a valid text
    return "x"


def _full(cls: Any, depth: int = 0) -> Any:
    """An instance of ``cls`` with every field set (nested ones too, a few levels deep)."""
    attrs.resolve_types(cls)
    kwargs = {
        (f.alias or f.name): _dummy(f.type, depth)
        for f in attrs.fields(cls)
        if f.init and f.name != "extra"
    }
    return cls(**kwargs)


def test_booleans_are_read_as_booleans() -> None:
    from openfactura.types.self_service import SelfService

    got = structure({"issueBoleta": True, "allowFactura": "false"}, SelfService)
    assert (got.issue_boleta, got.allow_factura) == (True, False)
    with pytest.raises(ValidationError):
        structure({"issueBoleta": "yes", "allowFactura": True}, SelfService)


def test_most_models_take_the_slot_by_slot_path() -> None:
    direct = [cls for cls in MODELS if _plain_slots(cls)]
    assert len(MODELS) > 100
    assert len(direct) > 0.8 * len(MODELS)
    assert not _plain_slots(dte.Emisor)  # RUT converter: through __init__


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__qualname__)
def test_every_field_set_survives_a_round_trip(cls: Any) -> None:
    obj = _full(cls)
    data = unstructure(obj)
    again = structure(data, cls)
    assert again == obj
    assert unstructure(again) == data
    for field in attrs.fields(cls):  # every slot was filled
        getattr(again, field.name)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__qualname__)
def test_absent_keys_get_the_init_defaults(cls: Any) -> None:
    attrs.resolve_types(cls)
    required = {
        wire: value
        for wire, value in unstructure(_full(cls)).items()
        if _field_by_wire(cls, wire).default is attrs.NOTHING
    }
    got = structure(required, cls)
    expected = cls(
        **{
            (f.alias or f.name): getattr(got, f.name)
            for f in attrs.fields(cls)
            if f.init and f.default is attrs.NOTHING
        }
    )
    assert got == expected
    assert getattr(got, "extra", {}) == {}
    # Factory defaults are fresh objects, never shared between instances.
    other = structure(required, cls)
    for field in attrs.fields(cls):
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            assert getattr(got, field.name) is not getattr(other, field.name)


def _field_by_wire(cls: Any, wire: str) -> Any:
    for field in attrs.fields(cls):
        if field.metadata.get("openfactura.wire", field.name) == wire:
            return field
    raise AssertionError(wire)


def test_unknown_keys_are_kept_on_the_fast_path_and_after_an_error_free_retry() -> None:
    line = structure({"NmbItem": "x", "Nuevo": 1, "QtyItem": "2"}, dte.Detalle)
    assert line.extra == {"Nuevo": 1}
    assert line.qty_item == Decimal(2)
    assert unstructure(line) == {"NmbItem": "x", "QtyItem": 2, "Nuevo": 1}
    plain = structure({"NmbItem": "x"}, dte.Detalle)
    assert plain.extra == {}


def test_a_bad_value_still_reports_its_path_after_the_fast_path_fails() -> None:
    with pytest.raises(ValidationError) as info:
        structure({"Detalle": [{"NmbItem": "ok"}, {"NmbItem": "x", "QtyItem": "dos"}]}, _Doc)
    fields = [p.field for p in info.value.problems]
    assert fields == ["$.Detalle[1].QtyItem"]


@attrs.frozen(kw_only=True)
class _Doc:
    detalle: list[dte.Detalle] = attrs.field(metadata={"openfactura.wire": "Detalle"})


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "sNaN"])
def test_non_finite_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        structure({"NmbItem": "x", "QtyItem": text}, dte.Detalle)
    with pytest.raises(ValidationError):
        structure({"NmbItem": "x", "PrcItem": float(text.lstrip("s"))}, dte.Detalle)


def test_non_finite_decimals_given_in_python_are_validation_problems() -> None:
    line = dte.Detalle(nmb_item="x", qty_item=Decimal("NaN"), prc_item=Decimal("-Infinity"))
    problems = dte.validate(
        dte.Factura.build(
            emisor=_full(dte.Emisor),
            receptor=_full(dte.Receptor),
            detalle=[dte.Detalle(nmb_item="ok", qty_item=Decimal(1), prc_item=Decimal(10))],
        )
    )
    assert all("Número no válido" not in p.issue for p in problems)
    out: list[Any] = []
    from openfactura.dte._validate import _check_fields

    _check_fields(line, "Detalle[0]", out)
    assert [(p.field, p.issue) for p in out] == [
        ("Detalle[0].QtyItem", "Número no válido: NaN"),
        ("Detalle[0].PrcItem", "Número no válido: -Infinity"),
    ]


def test_decimals_go_out_as_exact_json_numbers() -> None:
    hook = converter.get_unstructure_hook(Decimal)
    assert hook(Decimal("19.00")) == 19
    assert type(hook(Decimal("19.00"))) is int
    assert hook(Decimal("1237.5")) == 1237.5
    assert hook(Decimal("0.000001")) == 1e-06
    with pytest.raises(ValueError, match="more digits"):
        hook(Decimal("0.12345678901234567890"))


def test_ints_in_decimal_fields_go_out_and_floats_are_refused_before_sending() -> None:
    assert unstructure(dte.Detalle(nmb_item="x", qty_item=3)) == {  # type: ignore[arg-type]
        "NmbItem": "x",
        "QtyItem": 3,
    }
    floaty = dte.Detalle(nmb_item="x", qty_item=Decimal(1), prc_item=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expected a Decimal, got float 2\.5"):
        unstructure(floaty)
    out: list[Any] = []
    from openfactura.dte._validate import _check_fields

    _check_fields(floaty, "Detalle[0]", out)
    assert [(p.field, p.issue) for p in out] == [
        ("Detalle[0].PrcItem", "Debe ser Decimal, no float: escriba Decimal('2.5')")
    ]


def test_dte_type_codes_go_out_as_text_whatever_python_gave() -> None:
    import datetime as dt

    for given in (dte.TipoDTE.FACTURA, 33, "33"):
        ref = dte.Referencia(
            tpo_doc_ref=given,  # type: ignore[arg-type]
            folio_ref="109",
            fch_ref=dt.date(2026, 9, 1),
            cod_ref=dte.CodRef.ANULA,
        )
        assert ref.tpo_doc_ref == "33"
        assert unstructure(ref)["TpoDocRef"] == "33"
    assert (
        dte.Referencia(tpo_doc_ref="SET", folio_ref="0", fch_ref=dt.date(2026, 9, 1)).tpo_doc_ref
        == "SET"
    )
