"""Turn the keyword filters of ``issued()``/``received()`` into the API's operator form.

No I/O. Three kinds of value: ``date`` fields (``"YYYY-MM-DD"`` on the wire), ``int``
fields, and ``rut`` fields (the body of the RUT as an ``int`` on the wire). Anything the
API cannot filter on (``folio``; "any of" lists, since there is no ``in`` operator) is
turned into a client-side predicate instead, so it is never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from .._exceptions import ValidationError, shown
from .._rut import Rut
from ..types.filters import OPERATORS, Filter
from ._common import LARGEST_INT, is_digits

__all__ = ["FilterSpec", "Predicate", "build"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "gt": operator.gt,
    "lte": operator.le,
    "gte": operator.ge,
}


@attrs.frozen
class Predicate:
    """A filter applied to rows on our side: ``attribute`` compared with ``ops``/``members``."""

    attribute: str
    ops: Mapping[str, Any] = attrs.field(factory=dict)
    members: frozenset[Any] | None = None

    def __call__(self, row: Any) -> bool:
        value = getattr(row, self.attribute, None)
        if value is None:
            return False
        if self.members is not None and value not in self.members:
            return False
        return all(_COMPARE[op](value, target) for op, target in self.ops.items())


@attrs.frozen
class FilterSpec:
    """How one keyword maps to the wire: ``kind`` is ``"date"``, ``"int"`` or ``"rut"``."""

    wire: str
    kind: str
    server_side: bool = True
    row_attribute: str = ""


def _date(name: str, value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValidationError(
        f"Invalid filter {name}", [(name, f"{shown(value)} is not a date like 2026-09-27")]
    )


def _int(name: str, value: Any) -> int:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str) and is_digits(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= LARGEST_INT:
        return value
    raise ValidationError(f"Invalid filter {name}", [(name, f"{shown(value)} is not an integer")])


def _rut(name: str, value: Any) -> int:
    if isinstance(value, Rut):
        return value.body
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 < value <= LARGEST_INT:
            raise ValidationError(
                f"Invalid filter {name}", [(name, f"{shown(value)} is not a RUT body")]
            )
        return value
    if isinstance(value, str):
        return Rut(value).body
    raise ValidationError(
        f"Invalid filter {name}", [(name, f"{shown(value)} is not a RUT like 76795561-8")]
    )


_CONVERT: dict[str, Callable[[str, Any], Any]] = {"date": _date, "int": _int, "rut": _rut}


def _operators(name: str, value: Any, kind: str) -> tuple[dict[str, Any], frozenset[Any] | None]:
    """``(operators, members)``: members is set for an "any of" list (client-side)."""
    convert = _CONVERT[kind]
    if isinstance(value, Filter):
        raw = value.operators()
    elif isinstance(value, Mapping):
        unknown = [key for key in value if key not in OPERATORS]
        if unknown:
            raise ValidationError(
                f"Invalid filter {name}",
                [
                    (name, f"unknown operator {shown(key)}: use one of {', '.join(OPERATORS)}")
                    for key in unknown
                ],
            )
        raw = {op: value[op] for op in OPERATORS if value.get(op) is not None}
    elif isinstance(value, (tuple, list, set, frozenset)) and kind == "date":
        if len(value) != 2 or isinstance(value, (set, frozenset)):
            raise ValidationError(
                f"Invalid filter {name}",
                [(name, "a date range is a (start, end) pair; use None for an open end")],
            )
        start, end = value
        raw = {op: v for op, v in (("gte", start), ("lte", end)) if v is not None}
    elif isinstance(value, (tuple, list, set, frozenset)):
        members = frozenset(convert(name, item) for item in value)
        if not members:
            raise ValidationError(
                f"Invalid filter {name}", [(name, "an empty list matches nothing")]
            )
        # No ``in`` operator: narrow on the server, then keep the members on our side.
        return {"gte": min(members), "lte": max(members)}, members
    else:
        raw = {"eq": value}
    if not raw:
        raise ValidationError(f"Invalid filter {name}", [(name, "the filter sets no operator")])
    return {op: convert(name, v) for op, v in raw.items()}, None


def build(
    specs: Mapping[str, FilterSpec], values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Predicate]]:
    """``(request body, client-side predicates)`` for the keyword filters that are set."""
    body: dict[str, Any] = {}
    predicates: list[Predicate] = []
    for name, value in values.items():
        if value is None:
            continue
        spec = specs[name]
        ops, members = _operators(name, value, spec.kind)
        attribute = spec.row_attribute or name
        if spec.server_side:
            body[spec.wire] = ops
            if members is not None:
                predicates.append(Predicate(attribute, {}, members))
        else:
            predicates.append(Predicate(attribute, ops, members))
    return body, predicates


def matches(predicates: Iterable[Predicate], row: Any) -> bool:
    return all(predicate(row) for predicate in predicates)
