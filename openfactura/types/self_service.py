"""Self-service links: the request parts of an emission in self-service mode, and the
state of a link (undocumented route).

Usage::

    result = await client.documents.emit(
        boleta,
        self_service=SelfService(issue_boleta=True, allow_factura=True),
        customer=Customer(full_name="Ana Pérez", email="ana@example.cl"),
    )
    result.self_service_url                     # "https://.../<link token>"
    state = await client.self_service.state(result.self_service_url)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from .._fields import extra_field, wire
from ._common import answer_hook

__all__ = [
    "Customer",
    "CustomizePage",
    "DocumentReference",
    "ExternalReference",
    "SelfService",
    "SelfServiceState",
]


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    return value


@attrs.frozen(kw_only=True)
class DocumentReference:
    """``selfService.documentReference``: e.g. a purchase order (``type="801"``)."""

    type: str | None = wire("type", default=None)
    id: str | None = wire("id", default=None)
    date: dt.date | None = wire("date", default=None, converter=_as_date)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SelfService:
    """``selfService``: issue the boleta now? may the customer turn it into a factura?"""

    issue_boleta: bool = wire("issueBoleta")
    allow_factura: bool = wire("allowFactura")
    document_reference: DocumentReference | None = wire("documentReference", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Customer:
    """``customer`` of a self-service emission (``fullName`` ≤ 100, ``email`` ≤ 80)."""

    full_name: str | None = wire("fullName", default=None)
    email: str | None = wire("email", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class ExternalReference:
    """A link shown on the self-service page."""

    hyperlink_text: str | None = wire("hyperlinkText", default=None)
    hyperlink_url: str | None = wire("hyperlinkURL", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CustomizePage:
    """``customizePage`` of a self-service emission."""

    external_reference: ExternalReference | None = wire("externalReference", default=None)
    url_logo: str | None = wire("urlLogo", default=None)
    extra: dict[str, Any] = extra_field()


_STATE_TEXT = {
    "Boleta AM": "automatic boleta",
    "Boleta AS": "self-service boleta",
    "Factura AS": "self-service factura",
    "Factura BAM": "factura from an automatic boleta",
    "Factura BAS": "factura from a self-service boleta",
}


@attrs.frozen(kw_only=True)
class SelfServiceState:
    """The state of a self-service link (undocumented route; ``response`` holds it).

    Values seen in Haulmer's plugin: ``Boleta AM``, ``Boleta AS``, ``Factura AS``,
    ``Factura BAM``, ``Factura BAS``; anything else means still pending.
    """

    response: str | None = wire("response", default=None)
    extra: dict[str, Any] = extra_field()

    @property
    def is_pending(self) -> bool:
        """No document was generated from the link yet."""
        return self.response not in _STATE_TEXT

    @property
    def description(self) -> str:
        """The state in plain English."""
        return _STATE_TEXT.get(self.response or "", "pending")


answer_hook(SelfServiceState, scalar="response")
