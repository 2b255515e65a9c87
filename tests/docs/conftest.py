"""The documented environment every code block of the README and docs runs in.

``docs_services`` starts one :class:`~openfactura.testing.FakeOpenfactura` on loopback for
the block test (stopped when it ends), and ``docs_sandbox`` points the library at it, for
each test, the way a reader does after running ``openfactura sandbox``:

* ``OPENFACTURA_API_KEY``: the sandbox's key (Haulmer's public demo key of HAULMER SPA);
* no ``OPENFACTURA_ENV`` (unset, as in the README's setup: the two variables above suffice);
* ``OPENFACTURA_BASE_URL``: the sandbox's URL (the library reads it when a client is given
  neither ``base_url=`` nor ``environment=``);
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


@pytest.fixture(scope="module")
def docs_services() -> Iterator[tuple[FakeOpenfactura, str | None]]:
    """The sandbox, and a redis-server when the binary is installed (their URLs)."""
    workdir = Path(tempfile.mkdtemp(prefix="docs-redis-"))
    redis = None
    with FakeOpenfactura(rate_limits=None, status_reads_until_final=0) as fake:
        if shutil.which("redis-server"):
            from redis_server import RedisServer  # tests/support

            redis = RedisServer(workdir)
            redis.start()
        try:
            yield fake, (redis.url if redis is not None else None)
        finally:
            if redis is not None:
                redis.kill()
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def docs_sandbox(
    docs_services: tuple[FakeOpenfactura, str | None], monkeypatch: pytest.MonkeyPatch
) -> FakeOpenfactura:
    """The running sandbox, and the environment that points every example at it.

    Set for each docs test only (undone after it), so nothing leaks into other tests.
    """
    fake, redis_url = docs_services
    monkeypatch.setenv("OPENFACTURA_API_KEY", fake.api_key)
    monkeypatch.delenv("OPENFACTURA_ENV", raising=False)
    monkeypatch.setenv("OPENFACTURA_BASE_URL", fake.base_url)
    for cls in (openfactura.AsyncOpenfactura, openfactura.Openfactura):
        monkeypatch.setitem(cls.__init__.__kwdefaults__, "rate_limits", COMPRESSED_LIMITS)
    monkeypatch.setitem(FakeOpenfactura.__init__.__kwdefaults__, "rate_limits", None)
    if redis_url is not None:
        monkeypatch.setenv("REDIS_URL", redis_url)
    return fake
