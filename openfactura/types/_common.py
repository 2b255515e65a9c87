"""Building blocks shared by the response models: statuses, decoded files, lenient dates.

Everything here is registered once on the SDK's one converter
(:mod:`openfactura._converter`), so the models only declare field types.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

import attrs

from .._converter import converter, strict_b64decode
from .._fields import EXTRA, wire_name

__all__ = [
    "Day",
    "DocumentStatus",
    "Flag",
    "OpenfacturaWarning",
    "Timestamp",
    "XmlText",
    "answer_hook",
    "write_file",
]

T = TypeVar("T")


class OpenfacturaWarning(UserWarning):
    """A non-blocking remark from the API (the ``WARNING`` of a 200 answer).

    Emitted once per answer through :func:`warnings.warn`; silence or escalate it with the
    usual filters::

        warnings.filterwarnings("ignore", category=openfactura.OpenfacturaWarning)
        warnings.filterwarnings("error", category=openfactura.OpenfacturaWarning)
    """


class DocumentStatus(str):
    """The SII status of an issued document: a ``str`` that knows whether it is final.

    Known values are class constants; any other text the API sends is kept as is (and is
    not final), so a new status never breaks a client::

        >>> DocumentStatus("Aceptado").is_final
        True
        >>> DocumentStatus("Pendiente") == DocumentStatus.PENDIENTE == "Pendiente"
        True
        >>> DocumentStatus("En revisión").is_final
        False

    ``Aceptado con Reparo`` and the SII's own ``Aceptado con Reparos`` are both accepted
    (with remarks) and final.
    """

    __slots__ = ()

    ACEPTADO: ClassVar[DocumentStatus]
    ACEPTADO_CON_REPAROS: ClassVar[DocumentStatus]
    RECHAZADO: ClassVar[DocumentStatus]
    PENDIENTE: ClassVar[DocumentStatus]
    SIN_ESTADO: ClassVar[DocumentStatus]

    @property
    def _key(self) -> str:
        return " ".join(self.split()).casefold()

    @property
    def is_final(self) -> bool:
        """The SII has decided: accepted, accepted with remarks, or rejected."""
        return self.is_accepted or self.is_rejected

    @property
    def is_accepted(self) -> bool:
        """``Aceptado`` or ``Aceptado con Reparo(s)``."""
        return self._key in ("aceptado", "aceptado con reparo", "aceptado con reparos")

    @property
    def is_rejected(self) -> bool:
        """``Rechazado``."""
        return self._key == "rechazado"

    def __repr__(self) -> str:
        return f"DocumentStatus({str.__repr__(self)})"


DocumentStatus.ACEPTADO = DocumentStatus("Aceptado")
DocumentStatus.ACEPTADO_CON_REPAROS = DocumentStatus("Aceptado con Reparos")
DocumentStatus.RECHAZADO = DocumentStatus("Rechazado")
DocumentStatus.PENDIENTE = DocumentStatus("Pendiente")
DocumentStatus.SIN_ESTADO = DocumentStatus("Sin estado")


class XmlText(str):
    """An XML document as text. On the wire it is base64 of ISO-8859-1 bytes.

    ``raw`` gives those bytes back (what you save to disk or give to an XML parser: the
    document's own declaration says ``ISO-8859-1``).
    """

    __slots__ = ()

    @property
    def raw(self) -> bytes:
        """The document encoded as ISO-8859-1 (characters outside it as references)."""
        return self.encode("iso-8859-1", errors="xmlcharrefreplace")


def _structure_xml(value: Any, _: type) -> XmlText:
    if isinstance(value, bytes):
        return XmlText(value.decode("iso-8859-1"))
    if not isinstance(value, str):
        raise ValueError(f"expected base64 text, got {_kind(value)}")
    if value.lstrip().startswith("<"):  # already XML text
        return XmlText(value)
    text = strict_b64decode(value).decode("iso-8859-1")
    if not text.lstrip("\ufeff\xef\xbb\xbf \t\r\n").startswith("<"):
        raise ValueError(f"the base64 text is not an XML document (it starts {text[:40]!r})")
    return XmlText(text)


def _unstructure_xml(value: XmlText) -> str:
    return base64.b64encode(value.raw).decode("ascii")


class _BlankIsNone:
    """Marker: an empty string on the wire means "no value" (``"FchRecepSII": ""``)."""


Timestamp = Annotated[dt.datetime | None, _BlankIsNone]
"""A date-time that may be absent, ``null`` or ``""`` (all become ``None``)."""
Day = Annotated[dt.date | None, _BlankIsNone]
"""A date that may be absent, ``null`` or ``""`` (all become ``None``)."""


class _Lenient:
    """Marker: a yes/no that may come as ``true``, ``1``, ``"1"``, ``"true"``, ``"S"``..."""


Flag = Annotated[bool | None, _Lenient]
"""A yes/no that may be absent; read from booleans, 0/1 and common texts."""

_TRUE = frozenset({"1", "true", "t", "s", "si", "sí", "y", "yes"})
_FALSE = frozenset({"0", "false", "f", "n", "no", ""})


def _structure_flag(value: Any, _: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().casefold() in _TRUE | _FALSE:
        return value.strip().casefold() in _TRUE
    raise ValueError(f"expected a yes/no value, got {value!r}")


def _blank_hook(target: type) -> Callable[[Any, Any], Any]:
    def structure_blank(value: Any, _: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return converter.structure(value, target)

    return structure_blank


def _is_blankable(target: Any) -> Callable[[Any], bool]:
    return lambda type_: type_ == target


def _structure_status(value: Any, _: type) -> DocumentStatus:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected the status as text, got {_kind(value)}")
    return DocumentStatus(value)


converter.register_structure_hook(DocumentStatus, _structure_status)
converter.register_unstructure_hook(DocumentStatus, str)
converter.register_structure_hook(XmlText, _structure_xml)
converter.register_unstructure_hook(XmlText, _unstructure_xml)
converter.register_structure_hook_func(_is_blankable(Flag), _structure_flag)
converter.register_structure_hook_func(_is_blankable(Timestamp), _blank_hook(dt.datetime))
converter.register_structure_hook_func(_is_blankable(Day), _blank_hook(dt.date))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return f"a JSON {_JSON_KINDS.get(type(value), type(value).__name__)}"


_JSON_KINDS = {str: "string", int: "number", float: "number", bool: "boolean", list: "array"}


def answer_hook(
    cls: type[Any],
    *,
    scalar: str | None = None,
    aliases: Mapping[str, str] | None = None,
    prepare: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Register how an answer model is read from the API (once per class, children first).

    Every answer model gets this treatment (the tolerant reader):

    * ``null`` means "absent": the field takes its default (``actividades: null`` -> ``[]``);
      so does ``""`` for fields that are not text (``"codigoActividadEconomica": ""``);
    * ``aliases`` maps other spellings of a key to the model's one (``{"token": "Token"}``);
    * ``scalar`` lets the answer be a bare value: ``"Aceptado"`` -> ``{"estado": "Aceptado"}``;
    * ``prepare`` fixes up a known quirk of the class in place (after the aliases);
    * anything other than a JSON object (and that scalar) is refused with a clear message.

    Fields absent after this are left to the model: a required one is an error.
    """
    attrs.resolve_types(cls)
    base = converter.get_structure_hook(cls)
    spellings = dict(aliases or {})
    text_keys: set[str] = set()
    defaulted: set[str] = set()
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA):
            continue
        key = wire_name(field)
        defaulted.add(key)  # required ones too: a null one is then reported as missing
        if field.type in (str, str | None, Any):
            text_keys.add(key)
    name = cls.__name__

    def structure_answer(value: Any, type_: Any) -> Any:
        # Runs for every answer (and every object inside one): the plain case (a dict with
        # no alias, no null, no "") copies nothing.
        copied = False
        if type(value) is not dict:
            if scalar is not None and isinstance(value, (str, int)) and not isinstance(value, bool):
                value = {scalar: value}
            elif not isinstance(value, Mapping):
                raise ValueError(f"expected a JSON object ({name}), got {_kind(value)}")
            value, copied = dict(value), True
        data: dict[str, Any] = value
        for spelling, key in spellings.items():
            if spelling in data:
                if not copied:
                    data, copied = dict(data), True
                moved = data.pop(spelling)
                if data.get(key) is None:
                    data[key] = moved
        if prepare is not None:
            if not copied:
                data, copied = dict(data), True
            prepare(data)
        values = data.values()
        if None in values or "" in values:
            if not copied:
                data = dict(data)
            for key in [k for k, v in data.items() if v is None or v == ""]:
                if key in defaulted and (data[key] is None or key not in text_keys):
                    del data[key]
        return base(data, type_)

    converter.register_structure_hook(cls, structure_answer)


def write_file(path: str | Path, content: bytes, *, overwrite: bool) -> Path:
    """Write ``content`` to ``path``; ``FileExistsError`` if it exists, unless ``overwrite``."""
    target = Path(path)
    with target.open("wb" if overwrite else "xb") as fh:
        fh.write(content)
    return target
