"""Building blocks shared by the response models: statuses, decoded files, lenient dates.

Everything here is registered once on the SDK's one converter
(:mod:`openfactura._converter`), so the models only declare field types.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from .._converter import converter

__all__ = [
    "Day",
    "DocumentStatus",
    "Flag",
    "OpenfacturaWarning",
    "Timestamp",
    "XmlText",
    "accept_scalar",
    "rename_key",
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
        raise ValueError(f"expected base64 text, got {type(value).__name__}")
    if value.lstrip().startswith("<"):  # already XML text
        return XmlText(value)
    try:
        return XmlText(base64.b64decode(value, validate=False).decode("iso-8859-1"))
    except binascii.Error:
        raise ValueError("expected base64 text") from None


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


converter.register_structure_hook(DocumentStatus, lambda v, _: DocumentStatus(str(v)))
converter.register_unstructure_hook(DocumentStatus, str)
converter.register_structure_hook(XmlText, _structure_xml)
converter.register_unstructure_hook(XmlText, _unstructure_xml)
converter.register_structure_hook_func(_is_blankable(Flag), _structure_flag)
converter.register_structure_hook_func(_is_blankable(Timestamp), _blank_hook(dt.datetime))
converter.register_structure_hook_func(_is_blankable(Day), _blank_hook(dt.date))


def accept_scalar(cls: type[T], key: str) -> None:
    """Let ``cls`` also be read from a bare value: ``"https://..."`` -> ``{key: value}``."""
    base = converter.get_structure_hook(cls)

    def structure_scalar(value: Any, type_: Any) -> Any:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = {key: value}
        return base(value, type_)

    converter.register_structure_hook(cls, structure_scalar)


def rename_key(cls: type[T], spellings: tuple[str, ...], key: str) -> None:
    """Read ``cls`` with ``key`` also spelled as one of ``spellings`` (``token`` for ``Token``)."""
    base = converter.get_structure_hook(cls)

    def structure_renamed(value: Any, type_: Any) -> Any:
        if isinstance(value, dict) and key not in value:
            for spelling in spellings:
                if spelling in value:
                    value = dict(value)
                    value[key] = value.pop(spelling)
                    break
        return base(value, type_)

    converter.register_structure_hook(cls, structure_renamed)


def write_file(path: str | Path, content: bytes, *, overwrite: bool) -> Path:
    """Write ``content`` to ``path``; ``FileExistsError`` if it exists, unless ``overwrite``."""
    target = Path(path)
    with target.open("wb" if overwrite else "xb") as fh:
        fh.write(content)
    return target
