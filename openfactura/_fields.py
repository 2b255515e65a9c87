"""Field helpers shared by every model: the wire name lives in the field's metadata.

Usage::

    @attrs.frozen(kw_only=True)
    class Emisor:
        rut_emisor: str = wire("RUTEmisor")
        rzn_soc: str | None = wire("RznSoc", default=None)

A class that declares ``extra: dict[str, Any] = extra_field()`` keeps every key of the
incoming JSON that has no field of its own, and writes it back on output, so a field the
API adds tomorrow is neither an error nor lost.
"""

from __future__ import annotations

from typing import Any, overload

import attrs

__all__ = [
    "AS_TEXT",
    "DIGITS",
    "EXTRA",
    "FOLIO_NUMBER",
    "MAX_LENGTH",
    "ONE_OR_LIST",
    "WIRE",
    "code_text",
    "extra_field",
    "wire",
    "wire_name",
]

WIRE = "openfactura.wire"
EXTRA = "openfactura.extra"
MAX_LENGTH = "openfactura.max_length"
DIGITS = "openfactura.digits"
AS_TEXT = "openfactura.as_text"
ONE_OR_LIST = "openfactura.one_or_list"
FOLIO_NUMBER = "openfactura.folio_number"


def wire(
    name: str,
    *,
    default: Any = attrs.NOTHING,
    factory: Any = None,
    doc: str | None = None,
    converter: Any = None,
    validator: Any = None,
    max_length: int | None = None,
    digits: tuple[int, int] | None = None,
    as_text: bool = False,
    one_or_list: bool = False,
    folio_number: bool = False,
) -> Any:
    """An attrs field whose JSON/XML name is ``name`` (exactly as the API spells it).

    Schema facts used by local validation travel in the metadata too: ``max_length``
    (characters), ``digits`` (``(integer digits, fraction digits)`` of a decimal) and
    ``as_text`` (a number written on the wire as a JSON string, like ``TasaIVA: "19"``).
    Wire shapes of the verified examples: ``one_or_list`` (a list written as its only
    element when it has one, like ``Acteco: 479100``, and as a list of 2 or more) and
    ``folio_number`` (a text folio written as a JSON number when it is a plain folio of
    digits, like ``FolioRef: 109``, and as text otherwise).
    """
    metadata: dict[str, Any] = {WIRE: name}
    if doc is not None:
        metadata["doc"] = doc
    if max_length is not None:
        metadata[MAX_LENGTH] = max_length
    if digits is not None:
        metadata[DIGITS] = digits
    if as_text:
        metadata[AS_TEXT] = True
    if one_or_list:
        metadata[ONE_OR_LIST] = True
    if folio_number:
        metadata[FOLIO_NUMBER] = True
    if factory is not None:
        return attrs.field(
            factory=factory, metadata=metadata, converter=converter, validator=validator
        )
    return attrs.field(default=default, metadata=metadata, converter=converter, validator=validator)


@overload
def code_text(value: str | int) -> str: ...
@overload
def code_text(value: None) -> None: ...
def code_text(value: str | int | None) -> str | None:
    """A code the API wants as text (``TpoDocRef``): ``TipoDTE.FACTURA`` or ``33`` -> ``"33"``.

    Anything else (a date, ``NaN``...) is kept as given, for ``validate()`` to report.
    """
    if value is None or isinstance(value, str):
        return value
    try:
        return str(int(value))
    except (TypeError, ValueError, OverflowError):
        return value  # type: ignore[return-value]


def extra_field() -> Any:
    """The catch-all for unknown wire keys (not compared, not shown in ``repr``)."""
    return attrs.field(factory=dict, metadata={EXTRA: True}, eq=False, repr=False)


def wire_name(field: attrs.Attribute[Any]) -> str:
    """The wire name of ``field``: its ``wire`` metadata, else its Python name."""
    return str(field.metadata.get(WIRE, field.name))
