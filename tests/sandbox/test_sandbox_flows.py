"""Whole flows: the SDK against the sandbox, including injected faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from test_sandbox_api import FACTURA, HAULMER

import openfactura
from openfactura._retry import RetryPolicy
from openfactura.testing import FakeOpenfactura
from openfactura.testing.pytest_plugin import COMPRESSED_LIMITS


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenfactura]:
    async with FakeOpenfactura(rate_limits=None) as sandbox:
        yield sandbox


@pytest.fixture
async def client(fake: FakeOpenfactura) -> AsyncIterator[openfactura.AsyncOpenfactura]:
    async with openfactura.AsyncOpenfactura(HAULMER, base_url=fake.base_url, rate_limits=None) as c:
        c._transport.retry = RetryPolicy(max_retries=3, backoff_base=0.001)
        yield c


async def test_lost_response_is_replayed_never_emitted_twice(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    """The answer to the emission is lost after the document was stored: the retry with the
    same Idempotency-Key gets OF-06 and the original token comes back as a replay."""
    fake.drop_after_store_next(1, path="/v2/dte/document")
    response = await client._request("POST", "/document", json=FACTURA, idempotency_key="order-9")
    assert response.replayed is True
    assert len(fake.documents) == 1
    assert response.data == {"TOKEN": fake.documents[0].token}
    assert [r.status for r in fake.requests] == [200, 400]


async def test_outcome_unknown_then_safe_resend(fake: FakeOpenfactura) -> None:
    async with openfactura.AsyncOpenfactura(
        HAULMER, base_url=fake.base_url, rate_limits=None, max_retries=0
    ) as c:
        fake.drop_after_store_next(1, path="/v2/dte/document")
        with pytest.raises(openfactura.OutcomeUnknownError) as info:
            await c._request("POST", "/document", json=FACTURA, idempotency_key="order-10")
        again = await c._request(
            "POST", "/document", json=FACTURA, idempotency_key=info.value.idempotency_key
        )
    assert again.replayed
    assert len(fake.documents) == 1


async def test_transient_5xx_are_retried_for_reads(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    fake.fail_next(2, status=503, path="/v2/dte/organization")
    org = await client.organization.get()
    assert str(org.rut) == "76795561-8"
    assert [r.status for r in fake.requests] == [503, 503, 200]


async def test_proxy_html_page_is_a_server_error(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    fake.proxy_502_next(4)
    with pytest.raises(openfactura.ServerError, match="502 Bad Gateway"):
        await client.organization.get()


async def test_latin1_answers_decode(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    fake.latin1_next(1)
    org = await client.organization.get()
    assert org.comuna == "Curicó"


async def test_typed_errors_from_the_sandbox(client: openfactura.AsyncOpenfactura) -> None:
    bad = {"dte": {**FACTURA["dte"]}}
    bad["dte"] = {**FACTURA["dte"], "Encabezado": {**FACTURA["dte"]["Encabezado"]}}
    bad["dte"]["Encabezado"]["Totales"] = {
        "MntNeto": 1,
        "TasaIVA": "19",
        "IVA": 380,
        "MntTotal": 2380,
    }
    with pytest.raises(openfactura.InvalidRequestError) as info:
        await client.request("POST", "/document", json=bad)
    assert info.value.code == "OF-10"
    assert ("MntNeto", "Monto erróneo : 2000") in info.value.details
    with pytest.raises(openfactura.NotFoundError):
        await client.request("GET", "/document/76795561-8/33/424242/status")


async def test_plugin_fixtures_async(
    openfactura_fake: FakeOpenfactura, openfactura_client: openfactura.AsyncOpenfactura
) -> None:
    results = await asyncio.gather(*(openfactura_client.organization.get() for _ in range(40)))
    assert all(str(r.rut) == "76795561-8" for r in results)
    assert not any(r.rate_limited for r in openfactura_fake.requests)  # compressed limits kept


def test_plugin_fixtures_sync(
    openfactura_fake: FakeOpenfactura, openfactura_sync_client: openfactura.Openfactura
) -> None:
    assert openfactura_sync_client.taxpayers.get("76430498-5").razon_social == "HOSTY SPA"
    assert openfactura_fake.requests[-1].path == "/v2/dte/taxpayer/76430498-5"
    assert openfactura_fake.rate_limits == COMPRESSED_LIMITS
