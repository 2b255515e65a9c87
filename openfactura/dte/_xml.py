"""``parse_xml``: read a DTE XML (as the SII and Openfactura write it) into the models.

Accepts a bare ``<DTE>``, or one inside ``<EnvioDTE><SetDTE>`` / ``<EnvioBOLETA>``, in
ISO-8859-1 or UTF-8 (as its declaration says). The TED, the signature and namespaces are
ignored; documents with a DTD or entity declarations are refused (no entity expansion).

Usage::

    from openfactura.dte import parse_xml

    doc = parse_xml(xml_bytes)          # Factura, NotaCredito, Boleta...
    doc.encabezado.totales.mnt_total
    docs = parse_xml_all(envio_bytes)   # every DTE of an EnvioDTE
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from .._exceptions import ValidationError
from ._documents import Document, from_wire

__all__ = ["parse_xml", "parse_xml_all"]

_BODIES = ("Documento", "Liquidacion", "Exportaciones")
_SKIPPED = frozenset({"TED", "Signature"})
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


MAX_DEPTH = 32
"""Deepest nesting read inside a document (a DTE needs 5): deeper is refused, not a crash."""


def _to_wire(element: ET.Element, depth: int = 0) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    if depth >= MAX_DEPTH:
        raise ValidationError(
            "XML nested too deep", [(_local(element.tag), f"more than {MAX_DEPTH} levels")]
        )
    out: dict[str, Any] = {}
    for child in children:
        name = _local(child.tag)
        if name in _SKIPPED:
            continue
        value = _to_wire(child, depth + 1)
        if name in out:
            if not isinstance(out[name], list) or not getattr(out[name], "_repeated", False):
                out[name] = _Repeated([out[name]])
            out[name].append(value)
        else:
            out[name] = value
    return {k: list(v) if isinstance(v, _Repeated) else v for k, v in out.items()}


class _Repeated(list[Any]):
    _repeated = True


def _root(data: bytes | str) -> ET.Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str):
        # A str has already been decoded: drop the declaration's encoding.
        raw = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", raw)
    if _DTD.search(raw):
        raise ValidationError("Refusing XML with a DTD or entities", [("$", "DOCTYPE/ENTITY")])
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ValidationError("Not well-formed XML", [("$", str(exc))]) from None
    except (LookupError, ValueError) as exc:  # an encoding Python does not know or expat refuses
        raise ValidationError("Unreadable XML encoding", [("$", str(exc))]) from None


def parse_xml_all(data: bytes | str) -> list[Document]:
    """Every DTE in ``data`` (an ``EnvioDTE``/``EnvioBOLETA`` holds several), in order."""
    root = _root(data)
    bodies = [
        child
        for parent in root.iter()
        if _local(parent.tag) == "DTE"
        for child in parent
        if _local(child.tag) in _BODIES
    ]
    if not bodies:
        raise ValidationError(
            "No DTE found in the XML", [("$", "expected a DTE/Documento element")]
        )
    return [from_wire(_to_wire(body)) for body in bodies]


def parse_xml(data: bytes | str) -> Document:
    """The (first) DTE in ``data`` as its document class (:class:`Factura`, :class:`Boleta`...)."""
    return parse_xml_all(data)[0]
