"""The documented environment every code block of the README and docs runs in.

``docs_sandbox`` (session-scoped) starts one :class:`~openfactura.testing.FakeOpenfactura`
on loopback and points the library at it the way a reader does after running
``openfactura sandbox``:

* ``OPENFACTURA_API_KEY``: the sandbox's key (Haulmer's public demo key of HAULMER SPA);
* ``OPENFACTURA_ENV=development``;
* ``OPENFACTURA_BASE_URL``: the sandbox's URL. Until the library reads this variable (the
  ``cli`` branch adds it), the fixture also points the ``development`` environment at the
  sandbox (``openfactura._client.ENVIRONMENTS``); it detects by itself when that is no
  longer needed, and then only the three variables are used;
* ``REDIS_URL``: a throw-away ``redis-server`` on loopback, when the binary is installed
  (the rate-limit guide's ``RedisLimiter`` examples read it).

To keep the suite to seconds, the clients' default rate limits are those of the pytest
plugin (the API's, 100 times faster), and sandboxes enforce none by default (this one, and
the ones a page starts itself with ``FakeOpenfactura()``; a page that shows the limits
passes ``rate_limits=`` explicitly). This sandbox shows a document's final SII status at the
first read. Each Markdown file starts on a clean sandbox (``fake.reset()``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import openfactura

try:  # the sandbox needs the `testing` extra
    from openfactura.testing import FakeOpenfactura
    from openfactura.testing.pytest_plugin import COMPRESSED_LIMITS
except ImportError:  # pragma: no cover - reported by test_docs_blocks' skip
    FakeOpenfactura = None  # type: ignore[assignment,misc]


def _library_reads_base_url(url: str) -> bool:
    """Whether ``OPENFACTURA_BASE_URL`` (already set) is honoured by the library."""
    try:
        return openfactura.AsyncOpenfactura().base_url == url.rstrip("/")
    except openfactura.ConfigurationError:
        return False


@pytest.fixture(scope="session")
def docs_sandbox() -> Iterator[FakeOpenfactura]:
    """A running sandbox, and the environment variables that point every example at it."""
    redis = None
    with (
        FakeOpenfactura(rate_limits=None, status_reads_until_final=0) as fake,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv("OPENFACTURA_API_KEY", fake.api_key)
        mp.setenv("OPENFACTURA_ENV", "development")
        mp.setenv("OPENFACTURA_BASE_URL", fake.base_url)
        if not _library_reads_base_url(fake.base_url):
            # Today's way (before OPENFACTURA_BASE_URL): "development" means the sandbox.
            from openfactura import _client

            mp.setitem(_client.ENVIRONMENTS, "development", fake.base_url)  # type: ignore[index]
        for cls in (openfactura.AsyncOpenfactura, openfactura.Openfactura):
            mp.setitem(cls.__init__.__kwdefaults__, "rate_limits", COMPRESSED_LIMITS)
        mp.setitem(FakeOpenfactura.__init__.__kwdefaults__, "rate_limits", None)
        workdir = Path(tempfile.mkdtemp(prefix="docs-redis-"))
        if shutil.which("redis-server"):
            from redis_server import RedisServer  # tests/support

            redis = RedisServer(workdir)
            redis.start()
            mp.setenv("REDIS_URL", redis.url)
        try:
            yield fake
        finally:
            if redis is not None:
                redis.kill()
            shutil.rmtree(workdir, ignore_errors=True)
