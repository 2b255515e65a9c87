"""Input checks shared by the resource namespaces (no I/O)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from .._exceptions import ResponseDecodeError, ValidationError, shown
from .._rut import Rut
from .._transport import Response

__all__ = [
    "RutLike",
    "as_date",
    "as_int",
    "as_list",
    "as_rut",
    "link_token",
    "mapping_body",
    "segment",
]


RutLike = str | int | Rut
"""``"76795561-8"`` (dots allowed), a :class:`~openfactura.Rut`, or the RUT body as ``int``."""


def segment(value: str) -> str:
    """A path parameter, quoted (``/`` and friends included)."""
    return quote(value, safe="")


def as_rut(name: str, value: Any) -> Rut:
    """A RUT from ``"76.795.561-8"``, ``"76795561-8"``, a :class:`Rut` or its body as ``int``."""
    if isinstance(value, Rut):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return Rut.from_parts(value)
    if isinstance(value, str):
        return Rut(value)
    raise ValidationError(
        f"Invalid {name}", [(name, f"{shown(value)} is not a RUT like 76795561-8")]
    )


LARGEST_INT = 2**63 - 1
"""The largest whole number an argument may be (the API's numbers are 64-bit)."""


def as_int(name: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """A positive integer (an ``IntEnum`` member or a digit string also do)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str) and is_digits(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"Invalid {name}", [(name, f"{shown(value)} is not an integer")])
    if value < minimum or value > (LARGEST_INT if maximum is None else maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        if maximum is None and value > LARGEST_INT:
            bounds = f"at most {LARGEST_INT}"
        raise ValidationError(f"Invalid {name}", [(name, f"{shown(value)} must be {bounds}")])
    return value


def is_digits(text: str) -> bool:
    """ASCII digits only, few enough for ``int()`` (not ``"²"``, ``"١"`` or 5,000 digits)."""
    digits = text.strip()
    return digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) <= 19


def as_list(name: str, value: Any) -> list[Any]:
    """The items of a list, tuple, set or other iterable that is not text."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValidationError(f"Invalid {name}", [(name, f"{shown(value)} is not a list")])
    return list(value)


def as_date(name: str, value: Any) -> dt.date:
    """A ``date`` from a ``date``/``datetime`` or ``"YYYY-MM-DD"``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(
        f"Invalid {name}", [(name, f"{shown(value)} is not a date like 2026-09-27")]
    )


def link_token(link: str) -> str:
    """The token of a self-service link: the full URL's last path segment, or the token."""
    if not isinstance(link, str) or not link.strip():
        raise ValidationError(
            "Invalid link", [("link", f"{shown(link)} is not a link or its token")]
        )
    text = link.strip()
    if "://" in text:
        text = urlsplit(text).path
    token = text.rstrip("/").rsplit("/", 1)[-1]
    if not token:
        raise ValidationError("Invalid link", [("link", f"{shown(link)} has no token")])
    return token


def mapping_body(response: Response, what: str) -> dict[str, Any]:
    """The answer as a JSON object, or a :class:`ResponseDecodeError` saying what was
    expected (prefer :func:`openfactura._decode.decode`, which also reads the model)."""
    data = response.data
    if not isinstance(data, dict):
        raise ResponseDecodeError(
            f"Expected {what} as a JSON object, got {type(data).__name__}",
            status=response.status,
            body=data,
            problems=[("$", "not a JSON object")],
            headers=response.headers,
        )
    return data
