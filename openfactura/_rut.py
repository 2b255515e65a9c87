"""``Rut``: a Chilean tax id (RUT/RUN) with its mod-11 check digit.

Usage::

    from openfactura import Rut

    rut = Rut("76.795.561-8")       # also "76795561-8", "767955618", "76795561-8 "
    str(rut)                        # "76795561-8" (the wire form)
    rut.format(dots=True)           # "76.795.561-8"
    rut.body, rut.dv                # (76795561, "8")
    Rut.is_valid("76795561-7")      # False
    Rut("76795561-7")               # ValidationError: ... check digit ... '76795561-7'
"""

from __future__ import annotations

import functools
from typing import Any

from ._exceptions import ValidationError, shown

__all__ = ["Rut", "compute_dv"]


def _text(value: object) -> str:
    """``str(value)``; a number with more digits than Python converts to text (see
    ``sys.get_int_max_str_digits``) is no RUT, and says so as a ``ValidationError``."""
    try:
        return str(value)
    except ValueError:
        raise ValidationError(
            "Invalid RUT", [("rut", "a number of thousands of digits is not a RUT")]
        ) from None


def compute_dv(body: int) -> str:
    """The mod-11 check digit of ``body`` (a positive integer): ``"0"``-``"9"`` or ``"K"``."""
    if isinstance(body, bool) or not isinstance(body, int) or body <= 0:
        text = shown(body)
        raise ValidationError(
            f"Invalid RUT body {text}", [("rut", f"{text} is not a positive whole number")]
        )
    total = 0
    factor = 2
    while body:
        total += (body % 10) * factor
        body //= 10
        factor = 2 if factor == 7 else factor + 1
    rest = 11 - total % 11
    return "0" if rest == 11 else "K" if rest == 10 else str(rest)


@functools.total_ordering
class Rut:
    """An immutable, validated RUT. Hashable; ordered by body; ``str()`` is ``"76795561-8"``."""

    __slots__ = ("_body", "_dv")

    _body: int
    _dv: str

    def __init__(self, value: str | int | Rut) -> None:
        if isinstance(value, Rut):
            body, dv = value.body, value.dv
        else:
            body, dv = _split(value)
        object.__setattr__(self, "_body", body)
        object.__setattr__(self, "_dv", dv)

    @classmethod
    def from_parts(cls, body: int, dv: str | None = None) -> Rut:
        """Build from the body and (optionally) the check digit, which is computed if omitted."""
        return cls(f"{_text(body)}-{_text(dv) if dv is not None else compute_dv(body)}")

    @staticmethod
    def is_valid(value: object) -> bool:
        """True if ``value`` is a well-formed RUT with the right check digit."""
        if isinstance(value, Rut):
            return True
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            return False
        try:
            _split(value)
        except ValidationError:
            return False
        return True

    @property
    def body(self) -> int:
        """The number without check digit (``76795561``), e.g. for list filters."""
        return self._body

    @property
    def dv(self) -> str:
        """The check digit, ``"0"``-``"9"`` or upper-case ``"K"``."""
        return self._dv

    def format(self, *, dots: bool = False) -> str:
        """``"76795561-8"``, or ``"76.795.561-8"`` with ``dots=True``."""
        body = f"{self._body:,}".replace(",", ".") if dots else str(self._body)
        return f"{body}-{self._dv}"

    def __str__(self) -> str:
        return f"{self._body}-{self._dv}"

    def __repr__(self) -> str:
        return f"Rut('{self}')"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rut):
            return self._body == other._body and self._dv == other._dv
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Rut):
            return (self._body, self._dv) < (other._body, other._dv)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._body, self._dv))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Rut is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Rut, (str(self),))


def _split(value: str | int) -> tuple[int, str]:
    text = _text(value).strip().upper().replace(".", "").replace(" ", "")
    if "-" in text:
        body_text, _, dv = text.rpartition("-")
    else:
        body_text, dv = text[:-1], text[-1:]
    if (
        not (body_text.isascii() and body_text.isdigit())
        or len(dv) != 1
        or not ((dv.isascii() and dv.isdigit()) or dv == "K")
    ):
        raise ValidationError(
            f"Invalid RUT {value!r}",
            [("rut", f"{value!r} is not a RUT like 76795561-8 or 76.795.561-8")],
        )
    if not 0 < len(body_text.lstrip("0")) <= 9:
        raise ValidationError(
            f"Invalid RUT {value!r}", [("rut", f"{value!r} has an impossible number")]
        )
    body = int(body_text.lstrip("0"))
    expected = compute_dv(body)
    if dv != expected:
        raise ValidationError(
            f"Invalid RUT {value!r}",
            [("rut", f"{value!r} has check digit {dv}, expected {expected}")],
        )
    return body, dv


def normalize_rut_text(value: Any) -> Any:
    """attrs converter for RUT text fields of DTE models.

    A :class:`Rut` or a valid RUT in any spelling becomes the wire form ``"76795561-8"``;
    anything else is kept as given, so that ``validate()`` can report it with the others.
    """
    if isinstance(value, Rut):
        return str(value)
    if isinstance(value, str):
        try:
            body, dv = _split(value)
        except ValidationError:
            return value
        return f"{body}-{dv}"
    return value
