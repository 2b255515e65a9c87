"""Fixtures of the API-surface tests: clients on aioresponses, no real sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses
from api_mocks import KEY, FakeClock, quiet

import openfactura


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[openfactura.AsyncOpenfactura]:
    c = openfactura.AsyncOpenfactura(KEY, environment="development", rate_limits=None)
    quiet(c)
    yield c
    await c.aclose()


@pytest.fixture
def clock(client: openfactura.AsyncOpenfactura) -> FakeClock:
    fake = client.documents._clock
    assert isinstance(fake, FakeClock)
    return fake


@pytest.fixture
def sync_client() -> Iterator[openfactura.Openfactura]:
    c = openfactura.Openfactura(KEY, environment="development", rate_limits=None)
    quiet(c._async)
    yield c
    c.close()
