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
* **the verified examples' shapes** are written (tolerant reader, strict writer): numbers the
  API wants as text (``TasaIVA: "19"``), a one-code ``Acteco`` as a number (``479100``; a
  list for 2-4 codes), a folio of digits in ``FolioRef`` as a number (``109``); every
  shape is read back;
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
import enum
import math
import re
import types
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.gen import make_dict_structure_fn, override

from ._exceptions import ValidationError
from ._fields import AS_TEXT, EXTRA, FOLIO_NUMBER, ONE_OR_LIST, wire_name
from ._rut import Rut

__all__ = ["converter", "strict_b64decode", "structure", "unstructure"]

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
    if value.__class__ is int:
        return Decimal(value)
    if isinstance(value, (int, str)):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"expected a number, got {value!r}")
        return number
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    raise ValueError(f"expected a number, got {value!r}")


_MICRO = Decimal("1e-6")


def _unstructure_decimal(value: Decimal | int) -> int | float:
    """A Decimal goes on the wire as a JSON number with exactly its digits.

    Integral values become ``int`` (an ``int`` given for a Decimal field is exact, and goes
    out as it is). Others become the ``float`` whose shortest ``repr`` is the same decimal
    text (always true up to 15 significant digits, which covers every SII decimal field: 12
    integer + 6 fractional digits at most in practice). If that would change the value we
    refuse rather than send a different number; a ``float`` is refused too.
    """
    if value.__class__ is int:
        return value
    if not isinstance(value, Decimal):
        raise TypeError(f"expected a Decimal, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise ValueError(f"{value} is not a number")
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    # At most 15 significant digits (under 10**9, at most 6 decimals) always survive the
    # trip through a float's shortest repr; only longer numbers need the exact check.
    if value.adjusted() < 9 and value.quantize(_MICRO) == value:
        return as_float
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"{value} has more digits than a JSON number can carry exactly")
    return as_float


def _unstructure_int(value: Any) -> int:
    """A DTE's ``int`` field: an ``int`` (an IntEnum becomes its value), or a whole Decimal.

    ``bool``, text and ``float`` are refused rather than sent as ``true``/``"100"``/``1.5``.
    """
    if isinstance(value, bool):
        raise TypeError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__} {value!r}")


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


def _structure_bool(value: Any, _: type) -> bool:
    # Registered on its own: bool is an int, and the int hook refuses booleans.
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"expected true or false, got {value!r}")


def strict_b64decode(value: str) -> bytes:
    """Base64 as the API sends it (line breaks and missing padding tolerated), or
    ``ValueError``: unlike :func:`base64.b64decode`, stray characters are not skipped."""
    text = "".join(value.split())
    if "-" in text or "_" in text:
        text = text.translate(_URLSAFE)
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"not base64 text (it starts {value[:40]!r})") from None


_URLSAFE = str.maketrans("-_", "+/")


def _structure_bytes(value: Any, _: type) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return strict_b64decode(value)
    raise ValueError(f"expected base64 text, got {type(value).__name__}")


converter.register_structure_hook(dt.date, _structure_date)
converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
converter.register_structure_hook(dt.datetime, _structure_datetime)
converter.register_unstructure_hook(dt.datetime, lambda d: d.isoformat())
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_unstructure_hook(Decimal, _unstructure_decimal)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(bytes, _structure_bytes)
converter.register_structure_hook(bool, _structure_bool)
converter.register_unstructure_hook(bytes, lambda b: base64.b64encode(b).decode("ascii"))


def _structure_rut(value: Any, _: type) -> Rut:
    if isinstance(value, bool) or not isinstance(value, (str, int, Rut)):
        raise ValueError(f"expected a RUT like '76795561-8', got {value!r}")
    return Rut(value)


converter.register_structure_hook(Rut, _structure_rut)
converter.register_unstructure_hook(Rut, str)


# -- enums: accept "33" for 33 (XML, and JSON numbers given back as strings) -----------------


def _make_enum_structure(cls: Any) -> Any:
    is_int = issubclass(cls, int)

    def structure_enum(value: Any, _: type) -> Any:
        if is_int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        return cls(value)

    return structure_enum


def _unstructure_enum(value: Any) -> Any:
    # A plain value passed where an enum is declared (``fma_pago=1``) goes out unchanged.
    return value.value if isinstance(value, enum.Enum) else value


def _is_enum(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, enum.Enum)


def _enum_of(type_: Any) -> Any:
    """The enum class of a field typed ``SomeEnum`` or ``SomeEnum | None``, else None."""
    if _is_enum(type_):
        return type_
    args = [a for a in typing.get_args(type_) if a is not type(None)]
    if len(args) == 1 and _is_enum(args[0]) and type(None) in typing.get_args(type_):
        return args[0]
    return None


def _optional(hook: Any) -> Any:
    def structure_optional(value: Any, type_: Any) -> Any:
        return None if value is None else hook(value, type_)

    return structure_optional


converter.register_structure_hook_factory(_is_enum, _make_enum_structure)
converter.register_unstructure_hook_func(_is_enum, _unstructure_enum)
# int-based enums must not fall on the plain ``int`` hook (``TipoDTE`` would come back as 33).
converter.register_structure_hook(enum.IntEnum, lambda v, t: _make_enum_structure(t)(v, t))
converter.register_unstructure_hook(enum.IntEnum, int)


# -- lists: a single element where a list is expected becomes a one-element list ------------


def _is_list(type_: Any) -> bool:
    return typing.get_origin(type_) is list


def _make_list_structure(type_: Any) -> Any:
    detailed = list_structure_factory(type_, converter)
    args = typing.get_args(type_)
    elem: Any = args[0] if args else Any
    hook = None if elem is Any else converter.get_structure_hook(elem)

    def structure_list(value: Any, t: Any) -> Any:
        # The SII's XML (and some JSON made from it) has no arrays: one <Detalle> is an object.
        if not isinstance(value, (list, tuple)):
            value = [value]
        if hook is None:
            return list(value)
        try:
            return [hook(item, elem) for item in value]
        except Exception:
            return detailed(value, t)  # again, collecting every error with its index

    return structure_list


converter.register_structure_hook_factory(_is_list, _make_list_structure)


def _number_text(value: Any) -> Any:
    """A number written as JSON text: ``Decimal("19.00")`` -> ``"19"``."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))  # int(): an IntEnum such as TipoDTE.FACTURA writes "33"
    return value


def _one_or_list(value: Any) -> Any:
    """A list written as its only element when it has one (``Acteco: 479100``)."""
    if isinstance(value, (list, tuple)):
        return value[0] if len(value) == 1 else list(value)
    return value


_PLAIN_FOLIO = re.compile(r"0|[1-9][0-9]{0,9}")
"""A folio the SII's ``FolioType`` can hold: digits, no leading zero, at most 10."""


def _folio_number(value: Any) -> Any:
    """A text folio written as a JSON number when it is a plain folio (``"109"`` -> ``109``).

    The XSD types ``FolioRef`` as text (up to 18 characters, so that non-tax references such
    as a purchase order ``"OC-2231"`` fit), but the API's verified nota de crédito sends
    ``"FolioRef": 109``. Anything a number would change (leading zeros, letters, more than
    10 digits) stays text.
    """
    if isinstance(value, str) and _PLAIN_FOLIO.fullmatch(value):
        return int(value)
    return value


# -- attrs classes: wire names, omit-None, unknown-field capture ---------------------------


def _extra_field(cls: Any) -> attrs.Attribute[Any] | None:
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA):
            found: attrs.Attribute[Any] = field
            return found
    return None


def _make_detailed_structure(cls: Any) -> Any:
    """cattrs' own function for ``cls``: slower, but collects every error with its path."""
    extra = _extra_field(cls)
    overrides: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if extra is not None and field.name == extra.name:
            overrides[field.name] = override(omit=True)
            continue
        enum_cls = _enum_of(field.type)
        if enum_cls is not None:
            # str-based enums would otherwise hit the plain str hook first.
            hook = _make_enum_structure(enum_cls)
            if enum_cls is not field.type:
                hook = _optional(hook)
            overrides[field.name] = override(rename=wire_name(field), struct_hook=hook)
        else:
            overrides[field.name] = override(rename=wire_name(field))
    return make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=False, **overrides)


class _Lazy:
    """A hook resolved on first call (classes may refer to each other)."""

    __slots__ = ("env", "key", "type_")

    def __init__(self, env: dict[str, Any], key: str, type_: Any) -> None:
        self.env, self.key, self.type_ = env, key, type_

    def __call__(self, value: Any, type_: Any) -> Any:
        hook = converter.get_structure_hook(self.type_)
        self.env[self.key] = hook
        return hook(value, type_)


def _value_code(type_: Any, index: int, env: dict[str, Any]) -> str:
    """Python expression structuring ``v`` (never None here) as ``type_``."""
    enum_cls = _enum_of(type_)
    if enum_cls is not None:
        env[f"h{index}"] = _make_enum_structure(enum_cls)
        env[f"t{index}"] = enum_cls
        return f"h{index}(v, t{index})"
    args = typing.get_args(type_)
    if type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            type_ = rest[0]
    env[f"t{index}"] = type_
    if type_ is int:
        env[f"h{index}"] = _structure_int
        return f"v if v.__class__ is int else h{index}(v, int)"
    if type_ is str:
        env[f"h{index}"] = converter.get_structure_hook(str)
        return f"v if v.__class__ is str else h{index}(v, str)"
    if type_ is Decimal:
        env[f"h{index}"] = _structure_decimal
        env["Decimal"] = Decimal
        env["isfinite"] = math.isfinite
        return (
            f"Decimal(v) if v.__class__ is int else Decimal(repr(v)) "
            f"if v.__class__ is float and isfinite(v) else h{index}(v, Decimal)"
        )
    if type_ is Any:
        return "v"
    if attrs.has(type_):
        env[f"h{index}"] = _Lazy(env, f"h{index}", type_)
    else:
        env[f"h{index}"] = converter.get_structure_hook(type_)
    return f"h{index}(v, t{index})"


def _slot(cls: Any, name: str) -> Any:
    """The class attribute ``name`` of ``cls`` or its bases (a slot's member descriptor)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _plain_slots(cls: Any) -> bool:
    """True when ``cls.__init__`` only stores its arguments (and fills in defaults).

    Such an instance can be filled slot by slot, which is about twice as fast as calling
    the generated ``__init__`` of a frozen class; any converter, validator, post-init hook,
    hidden slot or self-taking default sends the class through ``__init__`` instead.
    """
    if not attrs.has(cls) or "__slots__" not in cls.__dict__:
        return False
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return False
    fields = attrs.fields(cls)
    names = {field.name for field in fields}
    slots: set[str] = set()
    for klass in cls.__mro__[:-1]:
        slots.update(klass.__dict__.get("__slots__", ()))
    if not slots <= names | {"__weakref__"}:
        return False
    if not all(isinstance(_slot(cls, name), types.MemberDescriptorType) for name in names):
        return False
    for field in fields:
        if field.converter is not None or field.validator is not None or not field.init:
            return False
        default = field.default
        if isinstance(default, attrs.Factory) and default.takes_self:  # type: ignore[arg-type]
            return False
    return True


def _make_structure(cls: Any) -> Any:
    """Read wire keys into ``cls``: a generated fast path, cattrs' detailed one on errors.

    The fast path does no error bookkeeping; when anything goes wrong the data is read again
    with cattrs' detailed validation, whose exception lists every problem with its path.
    Unknown keys are looked for only when the data has more keys than were read.
    """
    attrs.resolve_types(cls)
    extra = _extra_field(cls)
    direct = _plain_slots(cls)
    env: dict[str, Any] = {"cls": cls, "detailed": _make_detailed_structure(cls)}
    env["new"] = object.__new__
    body: list[str] = []
    setters: list[str] = []
    known: set[str] = set()
    for index, field in enumerate(attrs.fields(cls)):
        if extra is not None and field.name == extra.name:
            continue
        key = wire_name(field)
        known.add(key)
        code = _value_code(field.type, index, env)
        optional = type(None) in typing.get_args(field.type)
        value = f"None if v is None else {code}" if optional else code
        if field.default is attrs.NOTHING:
            body += [f"v = data[{key!r}]", f"a{index} = {value}", "n += 1"]
        else:
            body += [f"if {key!r} in data:", f"    v = data[{key!r}]", f"    a{index} = {value}"]
            body += ["    n += 1", "else:"]
            if not direct:
                body.append(f"    a{index} = NOTHING")
            elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                env[f"f{index}"] = field.default.factory
                body.append(f"    a{index} = f{index}()")
            else:
                env[f"d{index}"] = field.default
                body.append(f"    a{index} = d{index}")
        if direct:
            env[f"s{index}"] = _slot(cls, field.name).__set__
            setters.append(f"s{index}(obj, a{index})")
        else:
            setters.append(
                f"if a{index} is not NOTHING: kw[{(field.alias or field.name)!r}] = a{index}"
            )
    if direct:
        body += ["obj = new(cls)", *setters]
    else:
        env["NOTHING"] = attrs.NOTHING
        body += ["kw = {}", *setters, "obj = cls(**kw)"]
    lines = ["def structure(data, type_):", "    n = 0", "    try:"]
    lines += [f"        {line}" for line in body]
    lines += ["    except Exception:", "        obj = detailed(data, type_)", "        n = -1"]
    if extra is not None:
        env["known"] = frozenset(known)
        env["setattr"] = object.__setattr__
        lines += [
            "    if n != len(data):",
            "        unknown = {k: v for k, v in data.items() if k not in known}",
            f"        setattr(obj, {extra.name!r}, unknown)",
            "    elif n >= 0:",
            f"        setattr(obj, {extra.name!r}, {{}})",
        ]
    lines.append("    return obj")
    exec(compile("\n".join(lines), f"<structure {cls.__qualname__}>", "exec"), env)
    structure_attrs: Callable[[Any, Any], Any] = env["structure"]
    return structure_attrs


_PLAIN = (str, int, bool, float)


def _class_hook(cls: Any) -> Callable[[Any], Any]:
    """The unstructure hook of an attrs class, resolved on first use (classes may refer to
    each other)."""
    resolved: list[Any] = []

    def nested(value: Any) -> Any:
        if not resolved:
            resolved.append(converter.get_unstructure_hook(cls))
        return resolved[0](value)

    return nested


def _field_hook(field: attrs.Attribute[Any], strict_int: bool = False) -> Any:
    """The unstructure hook of one field's value (None: the value is JSON as it is).

    ``strict_int`` (the DTE models) checks ``int`` fields with :func:`_unstructure_int`.
    """
    if field.metadata.get(AS_TEXT):
        return _number_text
    if field.metadata.get(ONE_OR_LIST):
        return _one_or_list
    if field.metadata.get(FOLIO_NUMBER):
        return _folio_number
    if _enum_of(field.type) is not None:
        return _unstructure_enum
    type_: Any = field.type
    args = typing.get_args(type_)
    if type(None) in args:  # ``X | None``: None never reaches the hook (it is omitted)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            type_ = rest[0]
    if type_ is int and strict_int:
        return _unstructure_int
    if type_ in _PLAIN:
        return None
    if typing.get_origin(type_) is list:
        elem = typing.get_args(type_)[0]
        if elem in _PLAIN:
            return list

        def unstructure_list(value: Any) -> list[Any]:
            hook = converter.get_unstructure_hook(elem)  # cached by cattrs
            return [hook(item) for item in value]

        return unstructure_list
    if attrs.has(type_):
        return _class_hook(type_)
    if type_ is Any:
        return converter.unstructure
    return converter.get_unstructure_hook(type_)


def _make_unstructure(cls: type) -> Any:
    """Write each field under its wire name, in declaration (= SII) order, omitting None.

    cattrs' generated functions put the always-present fields first; order matters to the
    SII, so this generates its own small function per class (cached by cattrs).
    """
    attrs.resolve_types(cls)
    extra = _extra_field(cls)
    lines = ["def unstructure(obj):", "    out = {}"]
    env: dict[str, Any] = {}
    strict_int = cls.__module__.startswith("openfactura.dte")
    for index, field in enumerate(attrs.fields(cls)):
        if extra is not None and field.name == extra.name:
            continue
        hook = _field_hook(field, strict_int)
        value = "v"
        if hook is _unstructure_int:  # the common case (an int) inline
            env[f"h{index}"] = hook
            value = f"v if v.__class__ is int else h{index}(v)"
        elif hook is _unstructure_decimal:  # its two common cases inline (see that function)
            env["Decimal"], env["MICRO"], env[f"h{index}"] = Decimal, _MICRO, hook
            value = (
                f"(int(v) if v == v.to_integral_value() else float(v) "
                f"if v.adjusted() < 9 and v.quantize(MICRO) == v else h{index}(v)) "
                f"if v.__class__ is Decimal else h{index}(v)"
            )
        elif hook is not None:
            env[f"h{index}"] = hook
            value = f"h{index}(v)"
        key = repr(wire_name(field))
        lines.append(f"    v = obj.{field.name}")
        if field.default is None:
            lines.append(f"    if v is not None: out[{key}] = {value}")
        elif isinstance(field.default, attrs.Factory) and field.default.factory in (  # type: ignore[arg-type]
            list,
            tuple,
            dict,
        ):
            lines.append(f"    if v: out[{key}] = {value}")
        else:
            lines.append(f"    out[{key}] = {value}")
    if extra is not None:
        lines.append(f"    for k, v in obj.{extra.name}.items():")
        lines.append("        if k not in out: out[k] = v")
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<unstructure {cls.__qualname__}>", "exec"), env)
    fn: Callable[[Any], dict[str, Any]] = env["unstructure"]
    return fn


converter.register_structure_hook_factory(attrs.has, _make_structure)
converter.register_unstructure_hook_factory(attrs.has, _make_unstructure)


# -- entry points ---------------------------------------------------------------------------


def _problems(exc: BaseException, path: str, fmt: Any = None) -> list[tuple[str, str]]:
    """``($.wire.path, issue)`` pairs of a cattrs error tree, with wire names in the path.

    ``fmt(exc, type)`` words one leaf error (default: cattrs' ``format_exception``).
    """
    if fmt is None:
        from cattrs.v import format_exception

        fmt = format_exception
    out: list[tuple[str, str]] = []
    if isinstance(exc, cattrs.IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            out.extend(_leaf_or_tree(sub, f"{path}[{note.index!r}]", note.type, fmt))
        out.extend((path, fmt(sub, None)) for sub in without)
    elif isinstance(exc, cattrs.ClassValidationError):
        names: dict[str, str] = {}
        cls = getattr(exc, "cl", None)
        if cls is not None and attrs.has(cls):
            names = {f.name: wire_name(f) for f in attrs.fields(cls)}
        with_class_notes, without = exc.group_exceptions()
        for sub, class_note in with_class_notes:
            where = f"{path}.{names.get(class_note.name, class_note.name)}"
            out.extend(_leaf_or_tree(sub, where, class_note.type, fmt))
        out.extend((path, fmt(sub, None)) for sub in without)
    else:
        out.append((path, str(exc)))
    return out


def _leaf_or_tree(exc: BaseException, path: str, type_: Any, fmt: Any) -> list[tuple[str, str]]:
    if isinstance(exc, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        return _problems(exc, path, fmt)
    if isinstance(exc, ValidationError) and exc.problems:
        return [(path, p.issue) for p in exc.problems]
    return [(path, str(fmt(exc, type_)))]


def structure(data: Any, cls: type[T]) -> T:
    """Build ``cls`` from decoded JSON; raise :class:`ValidationError` listing every problem.

    Problem paths use wire names: ``$.Detalle[0].QtyItem``.
    """
    try:
        return converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        name = getattr(cls, "__name__", str(cls))
        raise ValidationError(f"Could not read the data as {name}", _problems(exc, "$")) from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise ValidationError.from_structure_error(exc, cls) from exc


def unstructure(obj: Any) -> Any:
    """Turn a model (or a dict/list of them) into JSON-ready data with wire names."""
    return converter.unstructure(obj)
