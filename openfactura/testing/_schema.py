"""Type and range checks of an emission's ``dte`` against the SII schemas (``_xsd_rules.py``).

What the API's schema validation refuses, the sandbox refuses before any amount is computed,
so junk never reaches the amount engine (:mod:`._amounts`):

* a number that is not one (``"abc"``, ``{}``, ``true``, ``"Infinity"``, ``""``), out of its
  range (``1e308``, a quantity of 0, a negative amount where the schema says
  ``nonNegativeInteger``), or with more decimals than its type allows -> ``OF-08``;
* a code outside its list (``FmaPago: "abc"`` or ``7``, ``IndExe: 9``) -> ``OF-08``;
* an element repeated more than ``maxOccurs`` (61 lines on a factura, 1001 on a boleta),
  an object where a value belongs or the reverse -> ``OF-08``;
* a RUT that is not ``digits-DV`` or whose check digit is wrong -> ``OF-10``
  ``Rut incorrecto : <rut>``; a date that is not ``YYYY-MM-DD`` in the schema's range ->
  ``OF-10`` ``Fecha Incorrecta`` (the texts the API uses for them).

Tolerated like the API's examples do: numbers sent as JSON numbers or as plain decimal text
(``"19"``, ``"2000"``), a repeated element sent as one object or value (``"Acteco": 479100``;
an object becomes a list of one),
numbers where the schema types text (``"FolioRef": 109``), ``null`` for an absent element.
Texts longer than the schema allows are not refused here: Openfactura truncates ``NmbItem``
and ``GiroRecep`` and the XML keeps each text within its length (``DscItem`` over 1000 is
refused by :mod:`._emission`). Required elements are checked there too, from the reference
(the schema requires some that Openfactura fills in itself).

Note: since 30/07/2026 the API reports XSD *type* problems as a ``WARNING`` (reference
§3.5) and leaves the rejection to the SII. The sandbox refuses them at once, with ``OF-08``
(schema validation, no folio used): a document the SII will reject should fail a user's
test, not pass it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from ._xsd_rules import TREES

__all__ = ["Problem", "as_decimal", "check_tree", "rut_ok", "tree_for"]

Problem = tuple[str, str, str]
"""``(code, field, issue)``: ``OF-08`` (schema) or ``OF-10`` (field)."""

SCHEMA, FIELDS = "OF-08", "OF-10"
WRONG_TYPE = "Tipo de dato inválido"
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_RUT = re.compile(r"(\d{1,8})-([\dK])")
_MAX_TEXT = 40
"""Longer numeric texts are out of any schema range (the longest bound has 20 characters)."""
SKIPPED = frozenset({("IdDoc", "TipoDTE"), ("IdDoc", "Folio"), ("Emisor", "RUTEmisor")})
"""Checked by :mod:`._emission` with the API's own answers (``OF-05``, ``OF-10``)."""


def tree_for(tipo: int) -> dict[str, Any]:
    """The schema tree of a document type (boletas and liquidaciones have their own)."""
    if tipo in (39, 41):
        return TREES["Boleta"]
    if tipo == 43:
        return TREES["Liquidacion"]
    return TREES["Documento"]


def as_decimal(value: Any) -> Decimal | None:
    """``value`` as a finite ``Decimal`` (JSON number or plain decimal text), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value) if abs(value) < 10**_MAX_TEXT else Decimal("9e99")
    if isinstance(value, float):
        number = Decimal(repr(value)) if value == value else None
        return number if number is not None and number.is_finite() else None
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            return None
        if len(text) > _MAX_TEXT:
            return Decimal("9e99") * (-1 if text.startswith("-") else 1)
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern leaves nothing invalid
            return None
    return None


def rut_ok(value: Any) -> bool:
    """``digits-DV`` (dots allowed, ``k`` or ``K``) with the right check digit."""
    if not isinstance(value, str):
        return False
    match = _RUT.fullmatch(value.replace(".", "").strip().upper())
    if match is None:
        return False
    body, dv = match.groups()
    total, factor = 0, 2
    for digit in reversed(body):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    rest = 11 - total % 11
    expected = "0" if rest == 11 else "K" if rest == 10 else str(rest)
    return int(body) > 0 and dv == expected


def _digits(number: Decimal) -> tuple[int, int]:
    """(total digits, fraction digits) of ``number`` as the XSD counts them."""
    _, digits, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)
    if digits == (0,):
        return 1, 0
    fraction = max(-exponent, 0)
    return len(digits) + max(exponent, 0), fraction


def _check_value(name: str, rule: tuple[Any, ...], value: Any) -> Iterator[Problem]:
    kind = rule[0]
    if kind == "str":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            yield SCHEMA, name, WRONG_TYPE
        return
    if kind == "rut":
        if not rut_ok(value):
            yield FIELDS, name, f"Rut incorrecto : {value}"
        return
    if kind in ("date", "datetime"):
        yield from _check_date(name, rule, value)
        return
    if kind == "enum":
        allowed = rule[1]
        if isinstance(allowed[0], int):
            number = as_decimal(value)
            ok = (
                number is not None
                and number == number.to_integral_value()
                and (int(number) in allowed)
            )
        else:
            ok = (
                not isinstance(value, bool)
                and isinstance(value, str | int)
                and (str(value) in allowed)
            )
        if not ok:
            yield SCHEMA, name, f"Valor no permitido : {_show(value)}"
        return
    number = as_decimal(value)
    if number is None:
        yield SCHEMA, name, WRONG_TYPE
        return
    if kind == "int":
        low, high = rule[1], rule[2]
        if number != number.to_integral_value():
            yield SCHEMA, name, f"Debe ser un número entero : {_show(value)}"
        elif (low is not None and number < low) or (high is not None and number > high):
            yield SCHEMA, name, f"Valor fuera de rango : {_show(value)}"
        return
    low, high, fraction, total = rule[1], rule[2], rule[3], rule[4]
    if high is None and total is not None:  # PctType: 5 digits, 2 decimals -> 999.99
        high = str(Decimal(10**total - 1).scaleb(-(fraction or 0)))
    if (low is not None and number < Decimal(low)) or (high is not None and number > Decimal(high)):
        yield SCHEMA, name, f"Valor fuera de rango : {_show(value)}"
        return
    digits, decimals = _digits(number)
    if (fraction is not None and decimals > fraction) or (total is not None and digits > total):
        yield SCHEMA, name, f"Demasiados dígitos : {_show(value)}"


def _check_date(name: str, rule: tuple[Any, ...], value: Any) -> Iterator[Problem]:
    try:
        if not isinstance(value, str):
            raise ValueError
        if rule[0] == "datetime":
            dt.datetime.fromisoformat(value)
            return
        if len(value) != 10:
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        yield FIELDS, name, "Fecha Incorrecta"
        return
    low, high = rule[1], rule[2]
    if (low is not None and value < low) or (high is not None and value > high):
        yield FIELDS, name, "Fecha Incorrecta"


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def check_tree(data: dict[str, Any], tree: dict[str, Any], parent: str = "") -> list[Problem]:
    """Every problem of ``data`` (an object of the tree) against ``tree``.

    A repeated element sent as one object (``"Referencia": {...}``) is rewritten in ``data``
    as a list of one, the form the rest of the sandbox (and the stored JSON) uses.
    """
    problems: list[Problem] = []
    for name, value in data.items():
        spec = tree.get(name)
        if spec is None or value is None or (parent, name) in SKIPPED:
            continue  # not in the schema (ignored, like the API), absent, or checked elsewhere
        occurs, child = spec
        if isinstance(child, dict) and occurs > 1 and isinstance(value, dict):
            data[name] = value = [value]  # one repeated object: a list of one, as stored
        items = value if isinstance(value, list) else [value]
        if isinstance(value, list) and occurs == 1:
            problems.append((SCHEMA, name, WRONG_TYPE))
            continue
        if len(items) > occurs:
            problems.append((SCHEMA, name, f"Máximo {occurs} elementos (tiene {len(items)})"))
            continue
        for item in items:
            if isinstance(child, dict):
                if not isinstance(item, dict):
                    problems.append((SCHEMA, name, WRONG_TYPE))
                else:
                    problems.extend(check_tree(item, child, name))
            elif item is None or isinstance(item, dict | list):
                problems.append((SCHEMA, name, WRONG_TYPE))
            else:
                problems.extend(_check_value(name, child, item))
    return problems
