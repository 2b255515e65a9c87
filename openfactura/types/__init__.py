"""Typed answers of every endpoint, and the optional parts of an emission body.

Every model is an attrs class (frozen, slotted, keyword-only) read by the SDK's one
converter: attribute names are the snake_case of the wire names (``razonSocial`` ->
``razon_social``), and fields the API adds later are kept in ``extra`` (and written back).

Usage::

    from openfactura.types import DocumentStatus, EmissionResult, IssuedDocument

    status = await client.documents.status(token)
    status.estado == DocumentStatus.ACEPTADO
"""

from __future__ import annotations

from ._common import Day, DocumentStatus, OpenfacturaWarning, Timestamp, XmlText
from .accuse import AccuseItem, AccuseMessage, AccuseResult
from .annulment import AnnulmentResult
from .documents import (
    AcuseEvent,
    DocumentJson,
    IssuedDocument,
    IssuedPage,
    PdfFile,
    ReceivedDocument,
    ReceivedPage,
    StatusResult,
    XmlFile,
)
from .emission import Custom, EmissionResult, SelfServiceLink, SendEmail
from .filters import Filter
from .organization import Actividad, FolioAvailability, Folios, Organization, Resolucion, Sucursal
from .registry import PurchaseSummary, RegistryTotals, SalesSummary, SyncRcvResult
from .self_service import (
    Customer,
    CustomizePage,
    DocumentReference,
    ExternalReference,
    SelfService,
    SelfServiceState,
)
from .taxpayer import Taxpayer

__all__ = [
    "AccuseItem",
    "AccuseMessage",
    "AccuseResult",
    "Actividad",
    "AcuseEvent",
    "AnnulmentResult",
    "Custom",
    "Customer",
    "CustomizePage",
    "Day",
    "DocumentJson",
    "DocumentReference",
    "DocumentStatus",
    "EmissionResult",
    "ExternalReference",
    "Filter",
    "FolioAvailability",
    "Folios",
    "IssuedDocument",
    "IssuedPage",
    "OpenfacturaWarning",
    "Organization",
    "PdfFile",
    "PurchaseSummary",
    "ReceivedDocument",
    "ReceivedPage",
    "RegistryTotals",
    "Resolucion",
    "SalesSummary",
    "SelfService",
    "SelfServiceLink",
    "SelfServiceState",
    "SendEmail",
    "StatusResult",
    "Sucursal",
    "SyncRcvResult",
    "Taxpayer",
    "Timestamp",
    "XmlFile",
    "XmlText",
]
