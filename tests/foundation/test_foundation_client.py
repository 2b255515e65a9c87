"""Client construction, headers, sessions and lifecycle."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import openfactura

KEY = "0123456789abcdef0123456789abcdef"
DEMO_KEY = "928e15a2d14d4a6292345f04960f4bd3"
# KEY is not a demo key: the development host refuses it, so the tests use production.
PROD = "https://api.haulmer.com"


def test_missing_key_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENFACTURA_API_KEY", raising=False)
    with pytest.raises(openfactura.ConfigurationError, match="OPENFACTURA_API_KEY"):
        openfactura.AsyncOpenfactura()
    with pytest.raises(openfactura.ConfigurationError):
        openfactura.Openfactura(api_key="  ")


def test_key_and_environment_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENFACTURA_API_KEY", DEMO_KEY)
    monkeypatch.setenv("OPENFACTURA_ENV", "development")
    client = openfactura.AsyncOpenfactura()
    assert client.base_url == "https://dev-api.haulmer.com"
    assert client.environment == "development"
    monkeypatch.setenv("OPENFACTURA_API_KEY", KEY)
    assert (
        openfactura.AsyncOpenfactura(environment="production").base_url == "https://api.haulmer.com"
    )
    assert (
        openfactura.AsyncOpenfactura(base_url="http://127.0.0.1:8080/").base_url
        == "http://127.0.0.1:8080"
    )


def test_bad_settings_are_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENFACTURA_ENV", raising=False)
    with pytest.raises(openfactura.ConfigurationError, match="Unknown environment"):
        openfactura.AsyncOpenfactura(KEY, environment="staging")  # type: ignore[arg-type]
    with pytest.raises(openfactura.ConfigurationError, match="demo keys"):
        openfactura.AsyncOpenfactura("928e15a2d14d4a6292345f04960f4bd3")
    with pytest.raises(openfactura.ConfigurationError, match="RateLimit"):
        openfactura.AsyncOpenfactura(KEY, rate_limits=[(3, 1.0)])  # type: ignore[list-item]
    with pytest.raises(openfactura.ConfigurationError, match="timeout"):
        openfactura.AsyncOpenfactura(KEY, timeout=0)


def test_repr_masks_the_key() -> None:
    client = openfactura.AsyncOpenfactura(KEY, environment="production")
    assert (
        repr(client) == "AsyncOpenfactura(base_url='https://api.haulmer.com', api_key='****cdef')"
    )
    sync = openfactura.Openfactura(KEY, environment="production")
    assert KEY not in repr(sync) and "****cdef" in repr(sync)
    assert KEY not in repr(client.organization) and KEY not in repr(client._transport)
    sync.close()


async def test_every_request_sends_the_headers() -> None:
    async with openfactura.AsyncOpenfactura(
        KEY, environment="production", rate_limits=None
    ) as client:
        with aioresponses() as m:
            m.post(f"{PROD}/v2/dte/document/issued", status=204)
            await client.request("POST", "/v2/dte/document/issued", json={"RznSoc": "Ñandú"})
            (call,) = [c for calls in m.requests.values() for c in calls]
        session = client._transport._session
        assert session is not None
        assert session.headers["Accept"] == "application/json"
        assert session.headers["User-Agent"].startswith(
            f"openfactura-python/{openfactura.__version__}"
        )
    headers = call.kwargs["headers"]
    assert headers["apikey"] == KEY
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    body = call.kwargs["data"]
    assert (
        body == json.dumps({"RznSoc": "Ñandú"}, ensure_ascii=False, separators=(",", ":")).encode()
    )


async def test_paths_are_joined_to_the_base_url() -> None:
    client = openfactura.AsyncOpenfactura(KEY, environment="production")
    t = client._transport
    assert t.url("/v2/dte/organization") == f"{PROD}/v2/dte/organization"
    assert t.url("organization/document") == f"{PROD}/v2/dte/organization/document"
    with pytest.raises(ValueError, match="path"):
        t.url("https://evil.example/v2/dte/organization")


async def test_own_session_is_used_and_never_closed() -> None:
    session = aiohttp.ClientSession()
    try:
        client = openfactura.AsyncOpenfactura(
            KEY, environment="production", session=session, rate_limits=None
        )
        with aioresponses() as m:
            m.get(f"{PROD}/v2/dte/organization", payload={"ok": 1})
            assert await client.request("GET", "/v2/dte/organization") == {"ok": 1}
        await client.aclose()
        assert not session.closed
    finally:
        await session.close()


async def test_session_is_lazy_pooled_and_closed() -> None:
    client = openfactura.AsyncOpenfactura(KEY, environment="production", rate_limits=None)
    assert client._transport._session is None
    with aioresponses() as m:
        m.get(f"{PROD}/v2/dte/organization", payload={}, repeat=True)
        await client.request("GET", "/v2/dte/organization")
        first = client._transport._session
        await client.request("GET", "/v2/dte/organization")
        assert client._transport._session is first  # one session per client
    assert first is not None
    await client.aclose()
    await client.aclose()  # idempotent
    assert first.closed and client.closed
    with pytest.raises(RuntimeError, match="closed"):
        await client.request("GET", "/v2/dte/organization")


def test_client_survives_a_new_event_loop() -> None:
    """asyncio.run twice with one client: the dead loop's session is replaced."""
    import asyncio

    client = openfactura.AsyncOpenfactura(KEY, environment="production", rate_limits=None)

    async def once() -> Any:
        with aioresponses() as m:
            m.get(f"{PROD}/v2/dte/organization", payload={"ok": 1})
            return await client.request("GET", "/v2/dte/organization")

    assert asyncio.run(once()) == {"ok": 1}
    assert asyncio.run(once()) == {"ok": 1}


def test_asyncio_run_twice_leaves_nothing_unclosed(caplog: pytest.LogCaptureFixture) -> None:
    """Each asyncio.run() closes the session it created before closing its loop."""
    import asyncio
    import gc
    import warnings

    from openfactura.testing import FakeOpenfactura

    with FakeOpenfactura(rate_limits=None) as fake, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        client = openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        )
        sessions = []

        async def once() -> None:
            await client.organization.get()
            sessions.append(client._transport._session)

        asyncio.run(once())
        assert sessions[0] is not None and sessions[0].closed  # closed with its loop
        asyncio.run(once())
        assert sessions[1] is not sessions[0]
        asyncio.run(client.aclose())
        assert sessions[1] is not None and sessions[1].closed
        sessions.clear()
        gc.collect()
    unclosed = [str(w.message) for w in seen if "nclosed" in str(w.message)]
    assert unclosed == []
    assert not [r for r in caplog.records if "nclosed" in r.getMessage()]


def test_a_loop_closed_by_hand_does_not_leave_a_noisy_session(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without asyncio.run (no async-generator shutdown) the orphan is dropped quietly."""
    import asyncio
    import gc

    from openfactura.testing import FakeOpenfactura

    with FakeOpenfactura(rate_limits=None) as fake:
        client = openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        )
        for _ in range(2):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(client.organization.get())
            loop.close()
        loop = asyncio.new_event_loop()
        loop.run_until_complete(client.aclose())
        loop.close()
        gc.collect()
    assert client.closed
    assert not [r for r in caplog.records if "nclosed" in r.getMessage()]
