"""One input of a batch: the document, the caller's id for it, and its emission options.

``emit_many`` takes documents in any of these forms::

    factura                                    # a model of openfactura.dte, or a wire dict
    ("order-1234", factura)                    # (id, document)
    BulkItem(factura, id="order-1234", send_email={"to": "cliente@example.cl"})

The readers of input files (:mod:`._readers`) yield :class:`BulkItem` objects with their
``line``; a line they cannot read becomes an item with ``problems`` (reported as
``invalid`` for that line, the others go on).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .._exceptions import ErrorDetail
from ._journal import Signature

__all__ = ["BulkItem", "Prepared", "as_item", "prepare"]


@attrs.frozen(kw_only=True)
class BulkItem:
    """A document of a batch, with its optional id and emission options.

    ``document`` is a model of :mod:`openfactura.dte` or a ``dte`` dict in wire format.
    ``id`` is the caller's id for it (an order or invoice number, text or an integer): it
    becomes the document's ``Idempotency-Key``, so it must be unique across all your
    batches; without one the key is the batch identity plus the document's position.
    ``line`` is its line in an input file (set by the readers). ``custom``, ``send_email``,
    ``iva_exceptional`` and ``customize_page`` are passed to ``documents.emit``.

    >>> BulkItem(factura, id="order-1234", send_email={"to": "a@b.cl"})  # doctest: +SKIP
    """

    document: Any = attrs.field(kw_only=False)
    id: str | int | None = None
    line: int | None = None
    custom: Any = None
    send_email: Any = None
    iva_exceptional: Sequence[str] | str | None = None
    customize_page: Any = None
    problems: tuple[tuple[str, str], ...] = ()
    """Set by a reader for an input it could not read: nothing is sent for it."""

    def options(self) -> dict[str, Any]:
        """The keyword arguments for ``documents.emit`` besides the document."""
        named = {
            "custom": self.custom,
            "send_email": self.send_email,
            "iva_exceptional": self.iva_exceptional,
            "customize_page": self.customize_page,
        }
        return {name: value for name, value in named.items() if value is not None}


def as_item(value: Any) -> BulkItem:
    """An input in any accepted form, as a :class:`BulkItem`."""
    if isinstance(value, BulkItem):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return BulkItem(value[1], id=value[0])
    return BulkItem(value)


@attrs.frozen(kw_only=True)
class Prepared:
    """A document ready to send: wire body, options, what reconcile needs, a digest."""

    wire: dict[str, Any]
    options: dict[str, Any]
    signature: Signature
    digest: str


def prepare(item: BulkItem, *, validate: bool) -> Prepared | list[ErrorDetail]:
    """The document in wire format (checked locally if ``validate``), or its problems."""
    from .. import dte as models

    if item.problems:
        return [ErrorDetail(str(f), str(i)) for f, i in item.problems]
    options = item.options()
    iva = options.get("iva_exceptional")
    if isinstance(iva, str):
        options["iva_exceptional"] = iva = [iva]
    bad = _option_problems(options)
    if bad:
        return bad
    document = item.document
    if isinstance(document, models.Document):
        if validate:
            problems = document.validate(iva_exceptional=bool(iva))
            if problems:
                return problems
        wire = document.to_wire()
    elif isinstance(document, Mapping):
        wire = dict(document)
        if validate:
            problems = models.validate(wire, iva_exceptional=bool(iva))
            if problems:
                return problems
    else:
        kind = type(document).__name__
        return [
            ErrorDetail("dte", f"expected a document model or a dict in wire format, got {kind}")
        ]
    return Prepared(
        wire=wire, options=options, signature=signature_of(wire), digest=digest_of(wire, options)
    )


def _option_problems(options: Mapping[str, Any]) -> list[ErrorDetail]:
    """The emission options ``documents.emit`` would refuse (checked before anything is sent)."""
    from ..types.emission import Custom, SendEmail
    from ..types.self_service import CustomizePage

    problems = []
    for name, model in (("custom", Custom), ("send_email", SendEmail)):
        value = options.get(name)
        if value is not None and not isinstance(value, (model, Mapping)):
            problems.append(ErrorDetail(name, f"expected {model.__name__} or a dict"))
    page = options.get("customize_page")
    if page is not None and not isinstance(page, (CustomizePage, Mapping)):
        problems.append(ErrorDetail("customize_page", "expected CustomizePage or a dict"))
    iva = options.get("iva_exceptional")
    if iva is not None and (
        not isinstance(iva, Sequence) or not all(isinstance(code, str) for code in iva)
    ):
        problems.append(ErrorDetail("iva_exceptional", "expected a list of codes (text)"))
    return problems


def digest_of(wire: Any, options: Mapping[str, Any] | None = None) -> str:
    """sha256 of what would be sent (to notice a corrected document on a later run)."""
    body = {"dte": wire, "options": dict(options or {})}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def signature_of(wire: Mapping[str, Any]) -> Signature:
    """Type, issue date, receiver's RUT and total of a wire ``dte`` (``None`` where absent)."""
    enc = wire.get("Encabezado")
    enc = enc if isinstance(enc, Mapping) else {}

    def part(name: str) -> Mapping[str, Any]:
        value = enc.get(name)
        return value if isinstance(value, Mapping) else {}

    fch = part("IdDoc").get("FchEmis")
    if isinstance(fch, dt.date):
        fch = fch.isoformat()
    rut = part("Receptor").get("RUTRecep")
    return Signature(
        tipo_dte=_int(part("IdDoc").get("TipoDTE")),
        fch_emis=None if fch is None else str(fch),
        rut_recep=None if rut is None else str(rut).replace(".", "").strip().upper(),
        mnt_total=_int(part("Totales").get("MntTotal")),
    )


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
