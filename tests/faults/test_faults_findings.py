"""What the fault matrix found, one focused test each (they failed before their fix).

* aiohttp re-sends a GET (any "idempotent" method) once, unseen, when the connection drops
  before the answer: the SDK's own retry rules (``max_retries``, never repeating a call with
  an effect) did not hold. ``self_service.resend_email`` is a GET that sends an email.
* ``self_service.resend_email`` took a 200 whose body is an error for a success.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from fault_scenarios import a_self_service_link

import openfactura
from openfactura.testing import FakeOpenfactura

EMAIL = "/v2/dte/selfservice/email/"
ORGANIZATION = "/v2/dte/organization"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenfactura]:
    async with FakeOpenfactura(rate_limits=None) as sandbox:
        yield sandbox


def _client(fake: FakeOpenfactura, **kwargs: object) -> openfactura.AsyncOpenfactura:
    return openfactura.AsyncOpenfactura(
        fake.api_key, base_url=fake.base_url, rate_limits=None, **kwargs
    )


def _seen(fake: FakeOpenfactura, path: str) -> int:
    return sum(1 for r in fake.requests if r.path.startswith(path))


async def test_a_get_with_an_effect_is_sent_once_when_its_answer_is_lost(
    fake: FakeOpenfactura, no_leaks: list[logging.LogRecord]
) -> None:
    async with _client(fake) as client:
        link = (await a_self_service_link(fake, client)).link
        fake.drop_after_store_next(path=EMAIL)
        with pytest.raises(openfactura.APIConnectionError):
            await client.self_service.resend_email(link)
    assert _seen(fake, EMAIL) == 1  # one email, and the caller knows it may have gone


async def test_max_retries_0_is_one_attempt_for_a_get_too(
    fake: FakeOpenfactura, no_leaks: list[logging.LogRecord]
) -> None:
    async with _client(fake, max_retries=0) as client:
        fake.drop_after_store_next(path=ORGANIZATION)
        with pytest.raises(openfactura.APIConnectionError):
            await client.organization.get()
    assert _seen(fake, ORGANIZATION) == 1


async def test_a_retried_read_counts_every_attempt(
    fake: FakeOpenfactura, no_leaks: list[logging.LogRecord]
) -> None:
    async with _client(fake, max_retries=1) as client:
        fake.drop_after_store_next(2, path=ORGANIZATION)
        with pytest.raises(openfactura.APIConnectionError):
            await client.organization.get()
    assert _seen(fake, ORGANIZATION) == 2  # the first attempt and one retry, no more


async def test_resend_email_answered_200_with_an_error_body_is_an_error(
    fake: FakeOpenfactura, no_leaks: list[logging.LogRecord]
) -> None:
    async with _client(fake) as client:
        link = (await a_self_service_link(fake, client)).link
        fake.error_body_next(path=EMAIL)
        with pytest.raises(openfactura.ResponseDecodeError) as info:
            await client.self_service.resend_email(link)
    assert info.value.status == 200
    assert "Error de base de datos" in str(info.value)  # the API's own words
    assert info.value.problems[0].field == "$.error"
