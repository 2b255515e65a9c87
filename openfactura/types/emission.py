"""The answer to an emission (``POST /document``) and the optional parts of its body.

Usage::

    result = await client.documents.emit(factura, response=("FOLIO", "PDF"))
    result.token, result.folio
    result.pdf            # bytes (only when "PDF" was asked for)
    result.replayed       # True if this Idempotency-Key had already emitted
"""

from __future__ import annotations

from typing import Any

import attrs

from .._fields import extra_field, wire
from ._common import XmlText, answer_hook
from .organization import Resolucion

__all__ = ["Custom", "EmissionResult", "SelfServiceLink", "SendEmail"]


@attrs.frozen(kw_only=True)
class SelfServiceLink:
    """``SELF_SERVICE`` of the answer: the link the customer opens."""

    url: str | None = wire("url", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class EmissionResult:
    """What ``documents.emit`` returns.

    ``token`` always; ``folio``, ``pdf`` (bytes), ``xml`` (text decoded from ISO-8859-1),
    ``timbre`` and ``logo`` (PNG bytes), ``resolucion`` and ``self_service`` when the
    ``response`` list asked for them. ``warning`` is the API's non-blocking remark (also
    emitted as an :class:`~openfactura.types.OpenfacturaWarning`). ``idempotency_key`` is
    the key that was sent; ``replayed`` is true when that key had already emitted a
    document: then only ``token`` is known (fetch the rest with the reads).

    A TOKEN means Openfactura accepted the document, not that the SII did: see
    ``documents.wait``.
    """

    token: str = wire("TOKEN")
    folio: int | None = wire("FOLIO", default=None)
    pdf: bytes | None = wire("PDF", default=None)
    xml: XmlText | None = wire("XML", default=None)
    timbre: bytes | None = wire("TIMBRE", default=None)
    logo: bytes | None = wire("LOGO", default=None)
    resolucion: Resolucion | None = wire("RESOLUCION", default=None)
    self_service: SelfServiceLink | None = wire("SELF_SERVICE", default=None)
    warning: str | None = wire("WARNING", default=None)
    idempotency_key: str | None = wire("idempotency_key", default=None)
    """Not from the API: the ``Idempotency-Key`` this emission was sent with."""
    replayed: bool = wire("replayed", default=False)
    """Not from the API: true when the key had already produced this document (OF-06)."""
    extra: dict[str, Any] = extra_field()

    @property
    def self_service_url(self) -> str | None:
        """The self-service link (``SELF_SERVICE.url``), if one was asked for."""
        return self.self_service.url if self.self_service is not None else None

    @property
    def self_service_token(self) -> str | None:
        """The last path segment of the link (what the self-service routes take)."""
        url = self.self_service_url
        return url.rstrip("/").rsplit("/", 1)[-1] if url else None


@attrs.frozen(kw_only=True)
class SendEmail:
    """``sendEmail``: mail the document after SII acceptance (comma-separated addresses)."""

    to: str | None = wire("to", default=None)
    cc: str | None = wire("CC", default=None)
    bcc: str | None = wire("BCC", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Custom:
    """``custom``: notes printed on the PDF."""

    information_note: str | None = wire("informationNote", default=None)
    payment_note: str | None = wire("paymentNote", default=None)
    origin: str | None = wire("origin", default=None)
    extra: dict[str, Any] = extra_field()


answer_hook(SelfServiceLink, scalar="url")
answer_hook(EmissionResult, aliases={"token": "TOKEN", "Token": "TOKEN"})
