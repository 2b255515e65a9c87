"""The API key must appear nowhere: logs, reprs, exception messages, traceback locals.

Not even in part: no run of more than 4 of its characters may show (``SecretStr`` shows
the last 4). The key below has no run of hex digits, so a memory address printed in a
traceback cannot look like a piece of it.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import openfactura
from openfactura._retry import RetryPolicy
from openfactura._transport import SecretStr

KEY = "Kq7vXw2LmZp9RtY4nBc6HsJ8dFg3VhQx"
PROD = "https://api.haulmer.com"  # a key that is not a demo key: production
ORG = f"{PROD}/v2/dte/organization"
DOC = f"{PROD}/v2/dte/document"


def pieces_of_the_key(text: str) -> list[str]:
    """Every run of 5 or more characters of ``KEY`` found in ``text`` (any letter case)."""
    lowered = text.lower()
    return [KEY[i : i + 5] for i in range(len(KEY) - 4) if KEY[i : i + 5].lower() in lowered]


def escaped(text: str) -> str:
    """``text`` with every character as a JSON ``\\uXXXX`` escape."""
    return "".join(f"\\u{ord(ch):04x}" for ch in text)


async def failure(call: Awaitable[Any]) -> BaseException:
    """The error ``call`` raises, caught in a frame whose locals hold nothing of the key
    (the traceback's locals are part of what is checked)."""
    try:
        await call
    except openfactura.OpenfacturaError as exc:
        return exc
    raise AssertionError("no error raised")


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
        # the key echoed back: plain, upper-case, behind JSON escapes, in a 2xx error
        ("GET", {"status": 400, "body": f'{{"message": "apikey {KEY} no existe"}}'.encode()}),
        ("GET", {"status": 401, "payload": {"error": {"message": f"key {KEY.upper()}?"}}}),
        ("GET", {"status": 400, "body": f'{{"error": "{escaped(KEY)}"}}'.encode()}),
        ("GET", {"status": 200, "body": f"<html>apikey={KEY}</html>".encode()}),
        ("POST", {"status": 200, "body": f'{{"FOLIO": 1, "WARNING": "{escaped(KEY)}"}}'.encode()}),
        ("POST", {"status": 429, "payload": {"message": f"{KEY} Try again in 1 seconds."}}),
    ]
    for method, spec in scenarios:
        with aioresponses() as m:
            if method == "GET":
                m.get(ORG, repeat=True, **spec)
                call = client.organization.get()
            else:
                m.post(DOC, repeat=True, **spec)
                call = client.documents.emit({"Encabezado": {}}, validate=False)
            error = await failure(call)
            collected += texts_of(error)
            collected += [str(getattr(error, "body", "")), str(vars(error))]
            del error
    # an answer that is read: the echo must not reach the model either
    with aioresponses() as m:
        echo = f'{{"rut": "76795561-8", "razonSocial": "{escaped(KEY)}", "web": "{KEY}"}}'
        m.get(ORG, body=echo.encode())
        org = await client.organization.get()
    collected += [repr(org), str(org.extra)]
    # a connection that cannot even be opened
    refused = openfactura.AsyncOpenfactura(
        KEY, base_url="http://127.0.0.1:9", rate_limits=None, max_retries=0
    )
    error = await failure(refused.request("GET", "/v2/dte/organization"))
    assert isinstance(error, openfactura.APIConnectionError)
    collected += texts_of(error)
    del error
    # construction errors
    demo = SecretStr(sorted(openfactura.DEMO_API_KEYS)[0])  # our own frame masks it too
    for factory in (openfactura.AsyncOpenfactura, openfactura.Openfactura):
        with pytest.raises(openfactura.ConfigurationError) as cinfo:
            factory(demo)  # a demo key refused for production, with locals captured
        assert all(demo[i : i + 5] not in text for text in texts_of(cinfo.value) for i in range(28))
    collected += [repr(client), repr(client._transport), repr(refused), repr(client.organization)]
    collected += [record.getMessage() for record in caplog.records]
    await client.aclose()
    await refused.aclose()

    assert any("GET /v2/dte/organization" in line for line in collected)  # logs were captured
    assert any("****" in text for text in collected)  # the echoes were there, masked
    leaks = {text[:80]: pieces_of_the_key(text) for text in collected if pieces_of_the_key(text)}
    assert leaks == {}


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
    assert [piece for text in texts for piece in pieces_of_the_key(text)] == []
