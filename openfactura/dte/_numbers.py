"""Numbers in a document: what keeps a bad amount from reaching the arithmetic or the wire.

A model stores whatever Python value it was given. The totals engine and the writer need
every number to be a ``Decimal`` or an ``int`` (never a ``bool``, text or a ``float``),
finite, and within the schema's digits. :func:`number_problems` lists every number field
of a document that is not, with its wire path, so that ``build()``, ``validate()`` and
``to_wire()`` raise or report a :class:`~openfactura.ValidationError` naming the field,
never a bare ``decimal.InvalidOperation``, ``ValueError`` or ``TypeError``.

Text is refused even when it spells a number (``prc_item="100"``): in Python the amounts
are ``Decimal`` (prices, quantities, percentages) or ``int`` (pesos). Numbers written as
text are read only from wire dicts (``from_wire``), where the API itself sends them.

Usage::

    from openfactura.dte._numbers import number_problems

    number_problems(Detalle(nmb_item="x", prc_item=Decimal("NaN")), "Detalle[0]")
    # [ErrorDetail(field='Detalle[0].PrcItem', issue='Número no válido: NaN')]
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from .._exceptions import ErrorDetail, ValidationError, shown
from .._fields import DIGITS, EXTRA, wire_name

__all__ = [
    "INT_CEILING",
    "number_problems",
    "range_issue",
    "shape_problems",
    "type_issue",
    "unwritable",
]

INT_CEILING = 10**18
"""Amounts in pesos have at most 18 digits (the SII's ``MontoType``/``ValorType``)."""


def type_issue(value: Any, kind: str) -> str | None:
    """What is wrong with the type of ``value`` in a ``kind`` field (``"dec"`` or ``"int"``)."""
    cls = value.__class__
    if cls is Decimal or cls is int:
        if kind == "int" and cls is Decimal:
            if not value.is_finite():
                return f"Número no válido: {value}"
            if value != value.to_integral_value():
                return f"Debe ser un entero (pesos): {value}"
        return None
    if isinstance(value, bool):
        return f"Debe ser un número, no {value!r}"
    if isinstance(value, int):  # an IntEnum, an int subclass
        return None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except (InvalidOperation, ValueError):
            return f"No es un número: {value!r}"
        if kind == "int":
            return f"Debe ser un entero (int), no texto: escriba {value.strip()}"
        return f"Debe ser Decimal, no texto: escriba Decimal({str(number)!r})"
    if isinstance(value, float):
        if kind == "int":
            return f"Debe ser un entero (int), no float: {value!r}"
        return f"Debe ser Decimal, no float: escriba Decimal('{value!r}')"
    expected = "un entero (int)" if kind == "int" else "Decimal"
    return f"Debe ser {expected}, no {type(value).__name__}"


def range_issue(value: Decimal | int, digits: tuple[int, int] | None) -> str | None:
    """Non-finite, or more integer digits than the schema allows (sign and decimals aside)."""
    if isinstance(value, Decimal) and not value.is_finite():
        return f"Número no válido: {value}"
    integer = digits[0] if digits else 18
    if abs(value) >= 10**integer:
        text = str(value) if isinstance(value, Decimal) else shown(value)  # an int: its digits
        return f"Máximo {integer} dígitos enteros: {text}"
    return None


@attrs.frozen
class _Numeric:
    name: str
    wire: str
    kind: str  # "dec" | "int"
    digits: tuple[int, int] | None


def _scalar(type_: Any) -> Any:
    """``X`` of ``X`` or ``X | None``, else None."""
    args = typing.get_args(type_)
    if not args:
        return type_
    rest = [a for a in args if a is not type(None)]
    return rest[0] if len(rest) == 1 and len(args) == 2 else None


def _models_in(type_: Any) -> bool:
    if isinstance(type_, type) and attrs.has(type_):
        return True
    return any(_models_in(arg) for arg in typing.get_args(type_))


@functools.cache
def _fields_of(cls: type) -> tuple[tuple[_Numeric, ...], tuple[tuple[str, str], ...]]:
    """The number fields of ``cls`` and its fields that may hold models."""
    attrs.resolve_types(cls)
    numbers: list[_Numeric] = []
    nested: list[tuple[str, str]] = []
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA):
            continue
        scalar = _scalar(field.type)
        if scalar is Decimal or scalar is int:
            kind = "dec" if scalar is Decimal else "int"
            numbers.append(_Numeric(field.name, wire_name(field), kind, field.metadata.get(DIGITS)))
        elif _models_in(field.type):
            nested.append((field.name, wire_name(field)))
    return tuple(numbers), tuple(nested)


def number_problems(obj: Any, path: str = "") -> list[ErrorDetail]:
    """Every number field of ``obj`` (a model, nested ones included) that cannot be used."""
    out: list[ErrorDetail] = []
    _scan(obj, path, out)
    return out


def _scan(obj: Any, path: str, out: list[ErrorDetail]) -> None:
    cls: Any = type(obj)
    numbers, nested = _fields_of(cls)
    for number in numbers:
        value = getattr(obj, number.name)
        if value is None:
            continue
        issue = type_issue(value, number.kind)
        if issue is None:
            issue = range_issue(value, number.digits)
        if issue is None and number.kind == "dec" and isinstance(value, Decimal):
            issue = _unwritable_decimal(value)
        if issue is not None:
            out.append(ErrorDetail(f"{path}.{number.wire}" if path else number.wire, issue))
    for name, wire in nested:
        value = getattr(obj, name)
        where = f"{path}.{wire}" if path else wire
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if attrs.has(type(item)):
                    _scan(item, f"{where}[{index}]", out)
        elif attrs.has(type(value)):
            _scan(value, where, out)


def _unwritable_decimal(value: Decimal) -> str | None:
    from .._converter import _unstructure_decimal

    try:
        _unstructure_decimal(value)
    except (TypeError, ValueError, ArithmeticError) as exc:
        return str(exc)
    return None


def unwritable(doc: Any, exc: BaseException) -> ValidationError:
    """The error for a document whose amounts (or parts) cannot be computed or written."""
    problems = (
        number_problems(doc)
        or shape_problems(doc)
        or [ErrorDetail("", f"{type(exc).__name__}: {shown(exc)}")]
    )
    return ValidationError(f"The {type(doc).__name__} has amounts that cannot be used", problems)


def _expected(type_: Any) -> tuple[type, ...] | None:
    """The classes a part of a model must be (lists, models, dates), or None: not checked."""
    origin = typing.get_origin(type_)
    if origin in (list, tuple):
        return (list, tuple)
    if origin in (typing.Union, types.UnionType):
        kinds: list[type] = []
        for arg in typing.get_args(type_):
            if arg is type(None):
                continue
            found = _expected(arg)
            if found is None:  # a scalar is allowed too: its checks are elsewhere
                return None
            kinds += found
        return tuple(kinds)
    if isinstance(type_, type) and (attrs.has(type_) or issubclass(type_, dt.date)):
        return (type_,)
    return None


@functools.cache
def _parts_of(cls: type) -> tuple[tuple[str, str, tuple[type, ...], tuple[type, ...]], ...]:
    """``(name, wire, classes of the value, classes of its items)`` of the model's parts."""
    attrs.resolve_types(cls)
    parts: list[tuple[str, str, tuple[type, ...], tuple[type, ...]]] = []
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA):  # the elements the models do not know, by wire name
            parts.append((field.name, field.name, (dict,), ()))
            continue
        kinds = _expected(field.type)
        if kinds is None:
            continue
        items: tuple[type, ...] = ()
        if typing.get_origin(_scalar(field.type) or field.type) in (list, tuple):
            inner = typing.get_args(_scalar(field.type) or field.type)
            items = _expected(inner[0]) or () if inner else ()
        parts.append((field.name, wire_name(field), kinds, items))
    return tuple(parts)


def shape_problems(obj: Any, path: str = "") -> list[ErrorDetail]:
    """Every part of ``obj`` (a model) that is not of its kind: a number where a list of
    lines, a model or a date is due... (what the arithmetic and the writer cannot walk)."""
    out: list[ErrorDetail] = []
    cls: Any = type(obj)
    for name, wire, kinds, items in _parts_of(cls):
        value = getattr(obj, name)
        where = f"{path}.{wire}" if path else wire
        if value is None and kinds != (dict,):  # only ``extra`` may not be None
            continue
        if not isinstance(value, kinds):
            out.append(ErrorDetail(where, f"Debe ser {_names(kinds)}, no {type(value).__name__}"))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if items and not isinstance(item, items):
                    issue = f"Debe ser {_names(items)}, no {type(item).__name__}"
                    out.append(ErrorDetail(f"{where}[{index}]", issue))
                elif attrs.has(type(item)):
                    out += shape_problems(item, f"{where}[{index}]")
        elif attrs.has(type(value)):
            out += shape_problems(value, where)
    return out


def _names(kinds: tuple[type, ...]) -> str:
    return " o ".join(dict.fromkeys("lista" if k in (list, tuple) else k.__name__ for k in kinds))
