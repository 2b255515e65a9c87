"""Checked by mypy --strict (test_api_typing.py); never executed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from typing_extensions import assert_type

import openfactura
from openfactura.resources._pagination import AsyncPager, SyncPager
from openfactura.types import (
    AccuseResult,
    AnnulmentResult,
    DocumentJson,
    EmissionResult,
    Folios,
    IssuedDocument,
    IssuedPage,
    Organization,
    PdfFile,
    PurchaseSummary,
    ReceivedDocument,
    ReceivedPage,
    SalesSummary,
    SelfServiceState,
    StatusResult,
    SyncRcvResult,
    Taxpayer,
    XmlFile,
)


async def async_side(client: openfactura.AsyncOpenfactura) -> None:
    docs = client.documents
    assert_type(await docs.emit({"Encabezado": {}}), EmissionResult)
    assert_type(await docs.status("t"), StatusResult)
    assert_type(await docs.get(rut="76795561-8", dte_type=33, folio=1), DocumentJson)
    assert_type(await docs.pdf("t"), PdfFile)
    assert_type(await docs.cedible("t"), PdfFile)
    assert_type(await docs.xml("t"), XmlFile)
    assert_type(await docs.wait("t"), StatusResult)
    assert_type(docs.wait_many(["t"]), AsyncIterator[StatusResult])
    assert_type(docs.issued(tipo_dte=33), AsyncPager[IssuedDocument, IssuedPage])
    assert_type(await docs.issued().first_page(), IssuedPage)
    async for row in docs.received():
        assert_type(row, ReceivedDocument)
    async for page in docs.received().pages():
        assert_type(page, ReceivedPage)
    assert_type(await docs.accuse("76795561-8", 33, 1, "ACD"), AccuseResult)
    assert_type(await docs.annul_guia(1, "2026-01-01"), AnnulmentResult)
    assert_type(await client.organization.get(include_logo=True), Organization)
    assert_type(await client.organization.folios(), Folios)
    assert_type(await client.taxpayers.get("76795561-8"), Taxpayer)
    assert_type(await client.registry.sales(2026, 8), SalesSummary)
    assert_type(await client.registry.purchases(2026, 8, status="pending"), list[PurchaseSummary])
    assert_type(await client.registry.sync_rcv("sales", 202608), SyncRcvResult)
    assert_type(await client.self_service.resend_email("t"), None)
    assert_type(await client.self_service.state("t"), SelfServiceState)


def sync_side(client: openfactura.Openfactura) -> None:
    docs = client.documents
    assert_type(docs.emit({"Encabezado": {}}), EmissionResult)
    assert_type(docs.status("t"), StatusResult)
    assert_type(docs.get(rut="76795561-8", dte_type=33, folio=1), DocumentJson)
    assert_type(docs.pdf("t"), PdfFile)
    assert_type(docs.cedible("t"), PdfFile)
    assert_type(docs.xml("t"), XmlFile)
    assert_type(docs.wait("t"), StatusResult)
    assert_type(docs.wait_many(["t"]), Iterator[StatusResult])
    assert_type(docs.issued(tipo_dte=33), SyncPager[IssuedDocument, IssuedPage])
    assert_type(docs.issued().first_page(), IssuedPage)
    for row in docs.received():
        assert_type(row, ReceivedDocument)
    for page in docs.received().pages():
        assert_type(page, ReceivedPage)
    assert_type(docs.accuse("76795561-8", 33, 1, "ACD"), AccuseResult)
    assert_type(docs.annul_guia(1, "2026-01-01"), AnnulmentResult)
    assert_type(client.organization.get(include_logo=True), Organization)
    assert_type(client.organization.folios(), Folios)
    assert_type(client.taxpayers.get("76795561-8"), Taxpayer)
    assert_type(client.registry.sales(2026, 8), SalesSummary)
    assert_type(client.registry.purchases(2026, 8, status="pending"), list[PurchaseSummary])
    assert_type(client.registry.sync_rcv("sales", 202608), SyncRcvResult)
    assert_type(client.self_service.resend_email("t"), None)
    assert_type(client.self_service.state("t"), SelfServiceState)
