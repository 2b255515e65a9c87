"""pytest fixtures for code that uses openfactura (registered through the ``pytest11`` entry point).

* ``openfactura_fake``: a running :class:`~openfactura.testing.FakeOpenfactura` on loopback,
  its rate limits compressed 100x (3 per 10 ms, 100 per 0.6 s) so suites stay fast;
* ``openfactura_client``: an :class:`~openfactura.AsyncOpenfactura` pointed at it;
* ``openfactura_sync_client``: an :class:`~openfactura.Openfactura` pointed at it.

``pip install "openfactura[testing]"`` brings everything they need, pytest-asyncio included.
An ``async def`` test that takes ``openfactura_client`` runs on pytest-asyncio whatever its
``asyncio_mode``: in the default strict mode the plugin marks such a test
``@pytest.mark.asyncio`` itself (other async tests need the mark, or ``asyncio_mode =
"auto"`` in the project's pytest configuration). Example::

    async def test_organization(openfactura_client):
        org = await openfactura_client.organization.get()
        assert org.rut == "76795561-8"

    def test_blocking(openfactura_sync_client):
        assert openfactura_sync_client.taxpayers.get("76430498-5").razon_social == "HOSTY SPA"
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import openfactura
from openfactura import RateLimit

from ._server import FakeOpenfactura

HAVE_PYTEST_ASYNCIO: bool
"""Whether pytest-asyncio is installed (the async fixture needs it; the others do not)."""
try:
    import pytest_asyncio

    HAVE_PYTEST_ASYNCIO = True
except ImportError:  # openfactura installed without its "testing" extra
    HAVE_PYTEST_ASYNCIO = False

COMPRESSED_LIMITS = (RateLimit(3, 0.01), RateLimit(100, 0.6))
"""The API's limits, 100 times faster: what the fixtures' sandbox and clients use."""
ASYNC_FIXTURES = frozenset({"openfactura_client"})
"""Fixtures whose tests the plugin marks ``asyncio`` (they only make sense on an event loop)."""


@pytest.fixture
def openfactura_fake() -> Iterator[FakeOpenfactura]:
    """A running sandbox (on its own thread, so both async and sync clients can reach it)."""
    with FakeOpenfactura(rate_limits=COMPRESSED_LIMITS) as fake:
        yield fake


async def _client(fake: FakeOpenfactura) -> AsyncIterator[openfactura.AsyncOpenfactura]:
    async with openfactura.AsyncOpenfactura(
        fake.api_key, base_url=fake.base_url, rate_limits=COMPRESSED_LIMITS
    ) as client:
        yield client


if HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture(loop_scope="function")
    async def openfactura_client(
        openfactura_fake: FakeOpenfactura,
    ) -> AsyncIterator[openfactura.AsyncOpenfactura]:
        """An async client for the sandbox, with the same compressed limits."""
        async for client in _client(openfactura_fake):
            yield client

else:

    @pytest.fixture
    def openfactura_client(openfactura_fake: FakeOpenfactura) -> Any:
        """An async client for the sandbox: needs pytest-asyncio (``openfactura[testing]``)."""
        raise pytest.UsageError(
            "openfactura_client needs pytest-asyncio: pip install 'openfactura[testing]'"
        )


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


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """Mark ``async def`` tests using :data:`ASYNC_FIXTURES` ``asyncio``, so that strict mode
    (pytest-asyncio's default) runs them. ``trylast``: this wrapper is the innermost, so the
    mark is on the item before pytest-asyncio's own wrapper looks for it."""
    result = yield
    if not HAVE_PYTEST_ASYNCIO or not inspect.iscoroutinefunction(obj):
        return result
    items = result if isinstance(result, list) else [result]
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and ASYNC_FIXTURES & set(item.fixturenames)
            and item.get_closest_marker("asyncio") is None
        ):
            item.add_marker(pytest.mark.asyncio)
    return result
