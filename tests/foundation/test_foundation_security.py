"""Safe by default: bad keys refused early, TLS verified, plain http only to loopback,
error advice that tells what really happened, and a quiet exit for unclosed clients."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import textwrap
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aioresponses import aioresponses

import openfactura
from openfactura._retry import RetryPolicy

KEY = "5afe5afe5afe5afe5afe5afe5afe5afe"
DEV = "https://api.haulmer.com"  # own (non-demo) keys go to production
ORG = f"{DEV}/v2/dte/organization"


def quiet_client(**kwargs: Any) -> openfactura.AsyncOpenfactura:
    kwargs.setdefault("environment", "production")
    client = openfactura.AsyncOpenfactura(KEY, rate_limits=None, **kwargs)

    async def no_sleep(_: float) -> None:
        return None

    client._transport._sleep = no_sleep  # type: ignore[method-assign]
    client._transport.retry = RetryPolicy(max_retries=3, jitter=lambda: 0.5)
    return client


# -- keys with control characters (issue 14, item 9) -----------------------------------------


@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", "\x00", "\x1b"])
@pytest.mark.parametrize("factory", [openfactura.AsyncOpenfactura, openfactura.Openfactura])
def test_an_api_key_with_control_characters_is_refused_at_construction(
    bad: str, factory: Any
) -> None:
    key = f"{KEY[:16]}{bad}{KEY[16:]}"
    with pytest.raises(openfactura.ConfigurationError) as info:
        factory(key, environment="production")
    text = "".join(traceback.format_exception(info.value))
    assert KEY[:16] not in text and KEY[16:] not in text  # the key is not quoted


def test_an_api_key_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENFACTURA_API_KEY", f"{KEY}\nX-Evil: 1")
    with pytest.raises(openfactura.ConfigurationError, match="line feed"):
        openfactura.AsyncOpenfactura(environment="production")
    monkeypatch.setenv("OPENFACTURA_API_KEY", f"{KEY}\n")  # a trailing newline is trimmed
    assert openfactura.AsyncOpenfactura(environment="production").base_url == DEV


async def test_a_header_with_a_line_break_is_refused_before_sending() -> None:
    client = quiet_client()
    with aioresponses() as m:
        with pytest.raises(openfactura.ValidationError, match="X-Trace"):
            await client.request("GET", "/v2/dte/organization", headers={"X-Trace": "a\r\nb"})
        assert not m.requests
    await client.aclose()


# -- plain http only to this machine ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://localhost:9000/",
        "http://LOCALHOST",
        "http://sandbox.localhost:8080",
        "http://[::1]:8080",
        "https://api.example.cl",
        "https://10.0.0.5:8443",
    ],
)
def test_https_anywhere_and_http_to_loopback_are_allowed(url: str) -> None:
    assert openfactura.AsyncOpenfactura(KEY, base_url=url).base_url == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.haulmer.com",
        "http://10.0.0.5:8080",
        "http://0.0.0.0:8080",
        "http://127.0.0.1.example.com",
        "http://localhost.example.com",
    ],
)
def test_plain_http_to_another_machine_needs_to_be_forced(url: str) -> None:
    for factory in (openfactura.AsyncOpenfactura, openfactura.Openfactura):
        with pytest.raises(openfactura.ConfigurationError, match="allow_insecure_http"):
            factory(KEY, base_url=url)
    forced = openfactura.Openfactura(KEY, base_url=url, allow_insecure_http=True)
    assert forced.base_url == url
    forced.close()


# -- TLS certificates are verified --------------------------------------------------------------


@pytest.fixture
async def tls_server() -> AsyncIterator[tuple[str, Any, list[str]]]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    seen: list[str] = []

    async def org(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.json_response({"rut": "76795561-8"})

    app = web.Application()
    app.router.add_get("/v2/dte/organization", org)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"https://127.0.0.1:{port}", ca, seen
    finally:
        await runner.cleanup()


async def test_tls_certificates_are_verified_by_default(
    tls_server: tuple[str, Any, list[str]],
) -> None:
    import aiohttp

    url, ca, seen = tls_server
    async with quiet_client(base_url=url, max_retries=0) as client:
        with pytest.raises(openfactura.APIConnectionError) as info:
            await client.organization.get()
    assert "certificate" in repr(info.value.__cause__).lower()
    assert seen == []  # the request never left
    # Control: the same server, trusted explicitly through your own session, works.
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusted)) as session:
        async with quiet_client(base_url=url, session=session) as client:
            assert (await client.organization.get()).rut == "76795561-8"
    assert seen == ["/v2/dte/organization"]


async def test_an_emission_refused_by_tls_is_not_sent_so_not_unknown(
    tls_server: tuple[str, Any, list[str]],
) -> None:
    url, _, _ = tls_server
    async with quiet_client(base_url=url, max_retries=0) as client:
        with pytest.raises(openfactura.APIConnectionError) as info:
            await client.documents.emit({"Encabezado": {}}, idempotency_key="tls-1", validate=False)
    assert type(info.value) is openfactura.APIConnectionError


# -- advice that tells what really happened (issue 14, item 11) ------------------------------


async def test_a_redirect_says_where_it_pointed_and_to_check_base_url() -> None:
    client = quiet_client(base_url="http://127.0.0.1:8080")
    with aioresponses() as m:
        m.get(
            "http://127.0.0.1:8080/v2/dte/organization",
            status=302,
            headers={"Location": "https://127.0.0.1:8080/v2/dte/organization"},
            body="",
        )
        with pytest.raises(openfactura.APIError) as info:
            await client.organization.get()
    await client.aclose()
    text = str(info.value)
    assert info.value.status == 302
    assert "https://127.0.0.1:8080/v2/dte/organization" in text
    assert "base_url" in text and "https://" in text
    assert "retried" not in text


@pytest.mark.parametrize(
    ("answers", "method", "expected", "absent"),
    [
        ([(500, 1)], "GET", "not retried: HTTP 500", "already retried"),
        ([(503, 4)], "GET", "retried 3 time(s)", "not retried"),
        ([(503, 1)], "POST", "could act twice", "retried 0"),
        ([(502, 1), (500, 1)], "GET", "retried 1 time(s)", "already"),
    ],
)
async def test_server_error_advice_matches_what_the_client_did(
    answers: list[tuple[int, int]], method: str, expected: str, absent: str
) -> None:
    client = quiet_client()
    url = ORG if method == "GET" else f"{DEV}/v2/dte/document/received/accuse"
    with aioresponses() as m:
        for status, times in answers:
            for _ in range(times):
                getattr(m, method.lower())(url, status=status, body="")
        with pytest.raises(openfactura.ServerError) as info:
            await client.request(method, url[len(DEV) :], json={} if method == "POST" else None)
    await client.aclose()
    assert expected in str(info.value)
    assert absent not in str(info.value)


async def test_the_registry_lock_does_not_claim_the_client_paused() -> None:
    client = quiet_client()
    with aioresponses() as m:
        m.post(
            f"{DEV}/v2/dte/registry/sync-rcv",
            status=429,
            payload={
                "error": {
                    "message": "Sincronización en curso",
                    "code": "OF-429",
                    "details": {"retry_after": 600, "ends_at": "2026-05-28T12:10:00-04:00"},
                }
            },
        )
        with pytest.raises(openfactura.RateLimitError) as info:
            await client.request("POST", "/registry/sync-rcv", json={})
    await client.aclose()
    text = str(info.value)
    assert "paused" not in text and "does not wait" in text
    assert info.value.retry_after == 600


async def test_a_connection_never_opened_shows_no_private_class() -> None:
    client = openfactura.AsyncOpenfactura(
        KEY, base_url="http://127.0.0.1:9", rate_limits=None, max_retries=0
    )
    with pytest.raises(openfactura.APIConnectionError) as info:
        await client.organization.get()
    await client.aclose()
    assert type(info.value) is openfactura.APIConnectionError
    assert "_NotSent" not in "".join(traceback.format_exception(info.value))


# -- a blocking client never closed exits quietly (issue 14, item 12) -------------------------

EXIT_SCRIPT = textwrap.dedent(
    """
    import openfactura
    from openfactura.testing import FakeOpenfactura

    with FakeOpenfactura(rate_limits=None) as fake:
        # module level, never closed: the Django recipe
        client = openfactura.Openfactura(fake.api_key, base_url=fake.base_url, rate_limits=None)
        print(client.organization.get().rut)
    """
)


@pytest.mark.parametrize("warnings_flag", ["default", "error::ResourceWarning"])
def test_a_blocking_client_never_closed_exits_without_unclosed_warnings(
    warnings_flag: str, tmp_path: Path
) -> None:
    script = tmp_path / "never_closed.py"
    script.write_text(EXIT_SCRIPT)
    env = {**os.environ, "PYTHONDEVMODE": "1"}
    done = subprocess.run(
        [sys.executable, "-W", warnings_flag, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "76795561-8"
    assert "nclosed" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
