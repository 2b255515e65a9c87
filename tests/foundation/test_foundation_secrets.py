"""The API key must appear nowhere: logs, reprs, exception messages, traceback locals."""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import openfactura
from openfactura._retry import RetryPolicy
from openfactura._transport import SecretStr

KEY = "5ec7e75ec7e75ec7e75ec7e75ec7e7aa"
PROD = "https://api.haulmer.com"  # a key that is not a demo key: production
ORG = f"{PROD}/v2/dte/organization"
DOC = f"{PROD}/v2/dte/document"


def texts_of(exc: BaseException) -> list[str]:
    out = [str(exc), repr(exc)]
    out += traceback.format_exception(exc)
    te = traceback.TracebackException.from_exception(exc, capture_locals=True)
    out += list(te.format())
    return out


async def test_key_never_leaks_on_any_error_path(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    collected: list[str] = []
    client = openfactura.AsyncOpenfactura(
        KEY, environment="production", rate_limits=None, max_retries=1
    )

    async def no_sleep(_: float) -> None:
        return None

    client._transport._sleep = no_sleep
    client._transport.retry = RetryPolicy(max_retries=1, jitter=lambda: 0.0)
    scenarios: list[tuple[str, dict[str, Any]]] = [
        (
            "GET",
            {
                "status": 401,
                "payload": {
                    "statusCode": 401,
                    "message": "Access denied due to invalid subscription key.",
                },
            },
        ),
        (
            "GET",
            {
                "status": 429,
                "payload": {
                    "statusCode": 429,
                    "message": "Rate limit is exceeded. Try again in 1 seconds.",
                },
            },
        ),
        ("GET", {"status": 502, "body": b"<html>Bad Gateway</html>"}),
        ("GET", {"status": 200, "body": b"not json"}),
        ("GET", {"exception": aiohttp.ServerDisconnectedError()}),
        ("GET", {"exception": asyncio.TimeoutError()}),
        (
            "POST",
            {
                "status": 400,
                "payload": {
                    "error": {
                        "message": "Validación de Campos",
                        "code": "OF-10",
                        "details": [{"field": "MntNeto", "issue": "x"}],
                    }
                },
            },
        ),
        ("POST", {"exception": aiohttp.ServerDisconnectedError()}),
        ("POST", {"status": 503, "body": b""}),
    ]
    for method, spec in scenarios:
        with aioresponses() as m:
            if method == "GET":
                m.get(ORG, repeat=True, **spec)
                call = client.request("GET", "/v2/dte/organization")
            else:
                m.post(DOC, repeat=True, **spec)
                call = client._request("POST", "/v2/dte/document", json={}, idempotency_key="abc")
            with pytest.raises(openfactura.OpenfacturaError) as info:
                await call
            collected += texts_of(info.value)
    # a connection that cannot even be opened
    refused = openfactura.AsyncOpenfactura(
        KEY, base_url="http://127.0.0.1:9", rate_limits=None, max_retries=0
    )
    with pytest.raises(openfactura.APIConnectionError) as info:
        await refused.request("GET", "/v2/dte/organization")
    collected += texts_of(info.value)
    # construction errors
    demo = SecretStr(sorted(openfactura.DEMO_API_KEYS)[0])  # our own frame masks it too
    for factory in (openfactura.AsyncOpenfactura, openfactura.Openfactura):
        with pytest.raises(openfactura.ConfigurationError) as cinfo:
            factory(demo)  # a demo key refused for production, with locals captured
        assert demo not in "".join(texts_of(cinfo.value))
    collected += [repr(client), repr(client._transport), repr(refused), repr(client.organization)]
    collected += [record.getMessage() for record in caplog.records]
    await client.aclose()
    await refused.aclose()

    assert any("GET /v2/dte/organization" in line for line in collected)  # logs were captured
    leaks = [text for text in collected if KEY in text]
    assert leaks == []


def test_logger_adds_no_handlers_or_levels() -> None:
    logger = logging.getLogger("openfactura")
    assert logger.level == logging.NOTSET  # the application decides; we log DEBUG only
    assert logger.handlers == []


@pytest.mark.parametrize("echo", [KEY, KEY.upper()])
async def test_key_echoed_by_the_server_is_masked(
    echo: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = openfactura.AsyncOpenfactura(
        KEY, environment="production", rate_limits=None, max_retries=0
    )
    with aioresponses() as mock:
        mock.get(
            ORG,
            status=400,
            payload={"error": {"message": f"apikey {echo} invalida", "code": "OF-20"}},
            headers={"X-Echo": echo},
        )
        with pytest.raises(openfactura.APIError) as info:
            await client.organization.get()
    await client.aclose()
    exc = info.value
    assert "apikey **** invalida" in exc.message  # the rest of the text is kept
    # (no traceback locals here: this test's own frame holds the key)
    texts = [str(exc), repr(exc), *traceback.format_exception(exc), str(exc.body)]
    texts += [str(exc.headers), caplog.text]
    for text in texts:
        for i in range(len(KEY) - 4):
            assert KEY[i : i + 5] not in text.lower()
