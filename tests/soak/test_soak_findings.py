"""What the soak found, kept true by fast tests.

aiohttp (since 3.10) re-sends a GET once, on its own, when the pooled connection it used
fails. That second send passes neither the rate limiter (the soak saw an admitted request
arrive twice, and a 429 from the strict windows) nor the SDK's retry policy (a GET that is
not safe to repeat, ``self_service.resend_email``, would send the customer's email twice).
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from examples import BOLETA

import openfactura
from openfactura.testing import FakeOpenfactura
from openfactura.types import Customer, SelfService


def arrivals(fake: FakeOpenfactura, prefix: str) -> int:
    return sum(1 for record in fake.requests if record.path.startswith(prefix))


def test_a_read_whose_connection_drops_is_not_resent_behind_the_limiter() -> None:
    with FakeOpenfactura(rate_limits=None) as fake:
        with openfactura.Openfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None, max_retries=0
        ) as client:
            client.organization.get()  # leaves a pooled connection
            fake.drop_after_store_next(path="/v2/dte/organization")
            with pytest.raises(openfactura.APIConnectionError):
                client.organization.get()  # max_retries=0: no retry at all
        assert arrivals(fake, "/v2/dte/organization") == 2


async def test_an_email_resend_whose_answer_is_lost_is_sent_once() -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            boleta = copy.deepcopy(BOLETA["dte"])
            boleta["Encabezado"]["IdDoc"]["FchEmis"] = dt.date.today().isoformat()
            emitted = await client.documents.emit(
                boleta,
                self_service=SelfService(issue_boleta=True, allow_factura=True),
                customer=Customer(full_name="Ana Pérez", email="ana@example.cl"),
            )
            assert emitted.self_service_url
            await client.self_service.state(emitted.self_service_url)  # a pooled connection
            fake.drop_after_store_next(path="/v2/dte/selfservice/email")
            with pytest.raises(openfactura.APIConnectionError):
                await client.self_service.resend_email(emitted.self_service_url)
        assert arrivals(fake, "/v2/dte/selfservice/email") == 1  # one email, not two
