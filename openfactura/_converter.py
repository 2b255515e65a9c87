"""The one cattrs converter of the SDK, configured once, here.

Every body the transport sends is produced by :func:`unstructure` and every model it
returns is built by :func:`structure`. Policy, applied to every attrs class through hook
factories (generated once per class and cached by cattrs):

* **names**: each field is read and written under its wire name (``RUTEmisor``), taken
  from the field metadata set by :func:`openfactura._fields.wire`;
* **None is omitted** on output, and so are empty optional lists;
* **unknown keys are kept**: a class with an :func:`~openfactura._fields.extra_field`
  collects every key it does not know and writes them back on output;
* **dates** travel as ``YYYY-MM-DD``; **Decimal** is read from numbers or strings and written
  as a JSON number with exactly its digits; **bytes** travel as base64;
* **errors** from cattrs become :class:`openfactura.ValidationError` with ``$.path`` lines,
  never a raw exception group.

Usage::

    from openfactura._converter import structure, unstructure
    emisor = structure({"RUTEmisor": "76795561-8"}, Emisor)
    unstructure(emisor)  # {"RUTEmisor": "76795561-8"}
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._exceptions import ValidationError
from ._fields import EXTRA, wire_name

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=False, prefer_attrib_converters=False)


# -- scalar hooks --------------------------------------------------------------------------


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip()[:10])
    raise ValueError(f"expected a date as 'YYYY-MM-DD', got {value!r}")


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        text = value.strip().replace("T", " ")
        # Openfactura writes e.g. "2025-04-11 23:00:27.0427": pad the fraction for fromisoformat.
        if "." in text:
            head, _dot, frac = text.partition(".")
            digits = "".join(ch for ch in frac if ch.isdigit())
            rest = frac[len(digits) :]
            text = f"{head}.{(digits + '000000')[:6]}{rest}"
        return dt.datetime.fromisoformat(text)
    raise ValueError(f"expected a date-time, got {value!r}")


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
    if isinstance(value, float):
        return Decimal(repr(value))
    raise ValueError(f"expected a number, got {value!r}")


def _unstructure_decimal(value: Decimal) -> int | float:
    """A Decimal goes on the wire as a JSON number with exactly its digits.

    Integral values become ``int``. Others become the ``float`` whose shortest ``repr`` is
    the same decimal text (always true up to 15 significant digits, which covers every
    SII decimal field: 12 integer + 6 fractional digits at most in practice). If that
    would change the value we refuse rather than send a different number.
    """
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value.normalize():
        raise ValueError(f"{value} has more digits than a JSON number can carry exactly")
    return as_float


def _structure_int(value: Any, _: type) -> int:
    # The API sometimes answers numbers as strings ("folio": "674180"); accept both.
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def _structure_bytes(value: Any, _: type) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=False)
        except binascii.Error:
            raise ValueError("expected base64 text") from None
    raise ValueError(f"expected base64 text, got {type(value).__name__}")


converter.register_structure_hook(dt.date, _structure_date)
converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
converter.register_structure_hook(dt.datetime, _structure_datetime)
converter.register_unstructure_hook(dt.datetime, lambda d: d.isoformat(sep=" "))
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_unstructure_hook(Decimal, _unstructure_decimal)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(bytes, _structure_bytes)
converter.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))


# -- attrs classes: wire names, omit-None, unknown-field capture ---------------------------


def _extra_field(cls: Any) -> attrs.Attribute[Any] | None:
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA):
            found: attrs.Attribute[Any] = field
            return found
    return None


def _make_structure(cls: Any) -> Any:
    extra = _extra_field(cls)
    overrides: dict[str, Any] = {}
    known: set[str] = set()
    for field in attrs.fields(cls):
        if extra is not None and field.name == extra.name:
            overrides[field.name] = override(omit=True)
            continue
        overrides[field.name] = override(rename=wire_name(field))
        known.add(wire_name(field))
    base = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=False, **overrides)
    if extra is None:
        return base
    extra_name = extra.name

    def structure_with_extra(data: Any, type_: Any) -> Any:
        obj = base(data, type_)
        unknown = {k: v for k, v in data.items() if k not in known}
        if unknown:
            object.__setattr__(obj, extra_name, unknown)
        return obj

    return structure_with_extra


def _make_unstructure(cls: type) -> Any:
    extra = _extra_field(cls)
    overrides: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if extra is not None and field.name == extra.name:
            overrides[field.name] = override(omit=True)
            continue
        omit_default = field.default is None or (
            isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
            and field.default.factory in (list, tuple, dict)
        )
        overrides[field.name] = override(rename=wire_name(field), omit_if_default=omit_default)
    base: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(cls, converter, **overrides)
    if extra is None:
        return base
    extra_name = extra.name

    def unstructure_with_extra(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = base(obj)
        for key, value in getattr(obj, extra_name).items():
            out.setdefault(key, value)
        return out

    return unstructure_with_extra


converter.register_structure_hook_factory(attrs.has, _make_structure)
converter.register_unstructure_hook_factory(attrs.has, _make_unstructure)


# -- entry points ---------------------------------------------------------------------------


def structure(data: Any, cls: type[T]) -> T:
    """Build ``cls`` from decoded JSON; raise :class:`ValidationError` listing every problem."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        raise ValidationError.from_structure_error(exc, cls) from exc


def unstructure(obj: Any) -> Any:
    """Turn a model (or a dict/list of them) into JSON-ready data with wire names."""
    return converter.unstructure(obj)
