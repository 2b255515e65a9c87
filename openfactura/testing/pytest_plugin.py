"""pytest fixtures for code that uses openfactura (registered through the ``pytest11`` entry point).

* ``openfactura_fake``: a running :class:`~openfactura.testing.FakeOpenfactura` on loopback,
  its rate limits compressed 100x (3 per 10 ms, 100 per 0.6 s) so suites stay fast;
* ``openfactura_client``: an :class:`~openfactura.AsyncOpenfactura` pointed at it;
* ``openfactura_sync_client``: an :class:`~openfactura.Openfactura` pointed at it.

Example::

    async def test_organization(openfactura_client):
        org = await openfactura_client.organization.get()
        assert org.rut == "76795561-8"
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

import openfactura
from openfactura import RateLimit

from ._server import FakeOpenfactura

COMPRESSED_LIMITS = (RateLimit(3, 0.01), RateLimit(100, 0.6))
"""The API's limits, 100 times faster: what the fixtures' sandbox and clients use."""


@pytest.fixture
def openfactura_fake() -> Iterator[FakeOpenfactura]:
    """A running sandbox (on its own thread, so both async and sync clients can reach it)."""
    with FakeOpenfactura(rate_limits=COMPRESSED_LIMITS) as fake:
        yield fake


@pytest.fixture
async def openfactura_client(
    openfactura_fake: FakeOpenfactura,
) -> AsyncIterator[openfactura.AsyncOpenfactura]:
    """An async client for the sandbox, with the same compressed limits."""
    async with openfactura.AsyncOpenfactura(
        openfactura_fake.api_key,
        base_url=openfactura_fake.base_url,
        rate_limits=COMPRESSED_LIMITS,
    ) as client:
        yield client


@pytest.fixture
def openfactura_sync_client(
    openfactura_fake: FakeOpenfactura,
) -> Iterator[openfactura.Openfactura]:
    """A blocking client for the sandbox, with the same compressed limits."""
    with openfactura.Openfactura(
        openfactura_fake.api_key,
        base_url=openfactura_fake.base_url,
        rate_limits=COMPRESSED_LIMITS,
    ) as client:
        yield client
