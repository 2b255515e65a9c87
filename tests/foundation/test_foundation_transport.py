"""Decoding, error mapping, retries and idempotency of the transport (aioresponses)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

import openfactura
from openfactura._retry import RetryPolicy

BASE = "https://dev-api.haulmer.com"
ORG = f"{BASE}/v2/dte/organization"
KEY = "928e15a2d14d4a6292345f04960f4bd3"


@pytest.fixture
def mocked() -> Any:
    with aioresponses() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[openfactura.AsyncOpenfactura]:
    c = openfactura.AsyncOpenfactura(KEY, environment="development", rate_limits=None)
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    c._transport._sleep = fake_sleep
    c._transport.retry = RetryPolicy(max_retries=3, jitter=lambda: 0.5)
    c.sleeps = sleeps  # type: ignore[attr-defined]
    yield c
    await c.aclose()


def calls(mocked: Any) -> list[Any]:
    return [call for key, value in mocked.requests.items() for call in value]


# -- decoding ------------------------------------------------------------------------------


async def test_json_answer_is_decoded(mocked: Any, client: openfactura.AsyncOpenfactura) -> None:
    mocked.get(ORG, payload={"rut": "76795561-8"})
    assert await client.request("GET", "/v2/dte/organization") == {"rut": "76795561-8"}


async def test_204_and_empty_200_are_no_content(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(f"{BASE}/v2/dte/document/issued", status=204, body=b"")
    mocked.get(ORG, status=200, body=b"")
    assert await client.request("POST", "/document/issued", json={}) is None
    assert await client.request("GET", "/v2/dte/organization") is None


async def test_latin1_json_still_decodes(mocked: Any, client: openfactura.AsyncOpenfactura) -> None:
    raw = json.dumps({"giro": "CONSULTORÍA"}, ensure_ascii=False).encode("latin-1")
    mocked.get(ORG, status=200, body=raw, content_type="application/json")
    assert await client.request("GET", "/v2/dte/organization") == {"giro": "CONSULTORÍA"}


async def test_non_json_success_is_a_typed_error(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(ORG, status=200, body=b"<html>maintenance</html>", content_type="text/html")
    with pytest.raises(openfactura.ResponseDecodeError, match="not JSON"):
        await client.request("GET", "/v2/dte/organization")


async def test_proxy_html_502_becomes_server_error_after_retries(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    for _ in range(4):
        mocked.get(ORG, status=502, body=page, content_type="text/html")
    with pytest.raises(openfactura.ServerError) as info:
        await client.request("GET", "/v2/dte/organization")
    assert info.value.status == 502
    assert "502 Bad Gateway" in info.value.message
    assert len(calls(mocked)) == 4  # first attempt + 3 retries
    assert client.sleeps == [0.25, 0.5, 1.0]  # type: ignore[attr-defined]


# -- error mapping ------------------------------------------------------------------------

W_OF10 = {
    "error": {
        "message": "Validación de Campos",
        "code": "OF-10",
        "details": [{"field": "MntNeto", "issue": "Monto erróneo : 1000"}],
    }
}
F_OF10 = {
    "message": "Validación de Campos.",
    "code": "OF-10",
    "details": {"Error": "Fecha Incorrecta"},
}
G_401 = {
    "statusCode": 401,
    "message": "Access denied due to invalid subscription key. Make sure to provide a valid key "
    "for an active subscription.",
}


@pytest.mark.parametrize(
    ("status", "body", "cls", "code", "details"),
    [
        (
            400,
            W_OF10,
            openfactura.InvalidRequestError,
            "OF-10",
            [("MntNeto", "Monto erróneo : 1000")],
        ),
        (400, F_OF10, openfactura.InvalidRequestError, "OF-10", [("Error", "Fecha Incorrecta")]),
        (401, G_401, openfactura.AuthenticationError, None, []),
        (
            403,
            {"message": "Invalid authentication credentials"},
            openfactura.AuthenticationError,
            None,
            [],
        ),
        (
            400,
            {"error": {"message": "Validación de permisos", "code": "OF-03"}},
            openfactura.PermissionDeniedError,
            "OF-03",
            [],
        ),
        (
            400,
            {
                "error": {
                    "message": "Problema al procesar los datos",
                    "code": "OF-22",
                    "details": [
                        {"field": "problema", "issue": "no encontrado"},
                        {"field": "dte", "issue": "33"},
                        {"field": "folio", "issue": "999999"},
                    ],
                }
            },
            openfactura.NotFoundError,
            "OF-22",
            [("problema", "no encontrado"), ("dte", "33"), ("folio", "999999")],
        ),
        (
            404,
            {"statusCode": 404, "message": "Resource not found"},
            openfactura.NotFoundError,
            None,
            [],
        ),
        (500, "Internal Server Error", openfactura.ServerError, None, []),
    ],
)
async def test_every_body_shape_maps_to_a_typed_error(
    mocked: Any,
    client: openfactura.AsyncOpenfactura,
    status: int,
    body: Any,
    cls: type[openfactura.APIError],
    code: str | None,
    details: list[tuple[str, str]],
) -> None:
    if isinstance(body, str):
        mocked.post(f"{BASE}/v2/dte/anularDTE52", status=status, body=body.encode())
    else:
        mocked.post(f"{BASE}/v2/dte/anularDTE52", status=status, payload=body)
    with pytest.raises(cls) as info:
        await client.request(
            "POST", "/anularDTE52", json={"Dte": 52, "Folio": 1, "Fecha": "2020-10-16"}
        )
    err = info.value
    assert type(err) is cls
    assert err.status == status
    assert err.code == code
    assert [tuple(d) for d in err.details] == details
    assert err.body == body
    assert isinstance(err, openfactura.OpenfacturaError)
    assert len(calls(mocked)) == 1  # never retried (and not a safe request anyway)


def test_of06_token_in_either_place() -> None:
    from openfactura._exceptions import make_api_error

    tok = "c1c13d37566dbdab5a984ab5ebf5e461fba577a3084e44a52151d25a7ded63a8"
    doc_form = {
        "error": {
            "message": "Este DTE ya fue emitido (Idempotency-Key)",
            "code": "OF-06",
            "token": tok,
        }
    }
    details_form = {
        "error": {
            "message": "Validación Idempotencia",
            "code": "OF-06",
            "details": [{"field": "token", "issue": tok}],
        }
    }
    for body in (doc_form, details_form):
        err = make_api_error(400, body)
        assert isinstance(err, openfactura.DuplicateDocumentError)
        assert err.token == tok


def test_of429_carries_retry_after_and_ends_at() -> None:
    from openfactura._exceptions import make_api_error

    body = {
        "error": {
            "message": "Sincronización en curso",
            "code": "OF-429",
            "details": {"retry_after": 600, "ends_at": "2026-05-28T12:10:00-04:00"},
        }
    }
    err = make_api_error(429, body)
    assert isinstance(err, openfactura.RateLimitError)
    assert err.retry_after == 600
    assert err.ends_at == "2026-05-28T12:10:00-04:00"


# -- 429 -----------------------------------------------------------------------------------


async def test_429_retried_after_the_hint_in_the_body(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        ORG,
        status=429,
        payload={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds."},
    )
    mocked.get(ORG, payload={"ok": True})
    assert await client.request("GET", "/v2/dte/organization") == {"ok": True}
    assert client.sleeps == [7.0]  # type: ignore[attr-defined]


async def test_429_prefers_retry_after_header_seconds_or_date(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 9 seconds."}
    mocked.get(ORG, status=429, payload=body, headers={"Retry-After": "3"})
    mocked.get(ORG, status=429, payload={"message": "API rate limit exceeded"})
    mocked.get(ORG, payload={"ok": True})
    assert await client.request("GET", "/v2/dte/organization") == {"ok": True}
    assert client.sleeps == [3.0, 1.0]  # header wins; legacy body without a hint -> 1 s


async def test_429_exhausted_raises_rate_limit_error(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    for _ in range(4):
        mocked.get(
            ORG,
            status=429,
            payload={
                "statusCode": 429,
                "message": "Rate limit is exceeded. Try again in 2 seconds.",
            },
        )
    with pytest.raises(openfactura.RateLimitError) as info:
        await client.request("GET", "/v2/dte/organization")
    assert info.value.retry_after == 2.0
    assert len(calls(mocked)) == 4


async def test_of429_is_not_retried(mocked: Any, client: openfactura.AsyncOpenfactura) -> None:
    mocked.post(
        f"{BASE}/v2/dte/registry/sync-rcv",
        status=429,
        payload={
            "error": {
                "message": "lock",
                "code": "OF-429",
                "details": {"retry_after": 600, "ends_at": "x"},
            }
        },
    )
    with pytest.raises(openfactura.RateLimitError) as info:
        await client.request(
            "POST", "/registry/sync-rcv", json={"registro": "sales", "periodo": 202605}
        )
    assert (info.value.retry_after, info.value.ends_at, info.value.code) == (600, "x", "OF-429")
    assert client.sleeps == []  # type: ignore[attr-defined]


def test_retry_after_http_date() -> None:
    import datetime as dt

    from openfactura._retry import parse_retry_after

    now = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("Wed, 25 Nov 2026 12:00:30 GMT", now=lambda: now) == 30.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


# -- retries and idempotency ----------------------------------------------------------------

DOC = f"{BASE}/v2/dte/document"


async def test_unsafe_post_is_not_retried_on_503(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(f"{BASE}/v2/dte/document/received/accuse", status=503, body=b"")
    with pytest.raises(openfactura.ServerError):
        await client.request("POST", "/document/received/accuse", json={})
    assert len(calls(mocked)) == 1


async def test_connection_error_retried_for_get(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(ORG, exception=aiohttp.ServerDisconnectedError())
    mocked.get(ORG, exception=aiohttp.ClientOSError(104, "reset"))
    mocked.get(ORG, payload={"ok": 1})
    assert await client.request("GET", "/v2/dte/organization") == {"ok": 1}
    assert len(client.sleeps) == 2  # type: ignore[attr-defined]


async def test_connection_refused_is_api_connection_error(
    client: openfactura.AsyncOpenfactura,
) -> None:
    c = openfactura.AsyncOpenfactura(
        KEY, base_url="http://127.0.0.1:9", rate_limits=None, max_retries=1
    )
    c._transport._sleep = client._transport._sleep
    with pytest.raises(openfactura.APIConnectionError, match="Could not connect"):
        await c.request("GET", "/v2/dte/organization")
    await c.aclose()


async def test_timeout_is_api_timeout_error(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    import asyncio

    for _ in range(4):
        mocked.get(ORG, exception=asyncio.TimeoutError())
    with pytest.raises(openfactura.APITimeoutError):
        await client.request("GET", "/v2/dte/organization")


async def test_emission_sends_one_key_on_every_attempt_and_replays_of06(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    tok = "ab" * 32
    mocked.post(DOC, status=503, body=b"")
    mocked.post(DOC, exception=aiohttp.ServerDisconnectedError())
    mocked.post(
        DOC,
        status=400,
        payload={
            "error": {
                "message": "Este DTE ya fue emitido (Idempotency-Key)",
                "code": "OF-06",
                "token": tok,
            }
        },
    )
    response = await client._request(
        "POST", "/v2/dte/document", json={"dte": {}}, idempotency_key="order-77"
    )
    assert response.replayed is True
    assert response.data == {"TOKEN": tok}
    keys = [call.kwargs["headers"]["Idempotency-Key"] for call in calls(mocked)]
    assert keys == ["order-77"] * 3


async def test_emission_outcome_unknown_when_retries_run_out(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    for _ in range(4):
        mocked.post(DOC, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(openfactura.OutcomeUnknownError) as info:
        await client._request("POST", "/v2/dte/document", json={}, idempotency_key="k-1")
    assert info.value.idempotency_key == "k-1"
    assert "k-1" in str(info.value)


RATE_LIMITED = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}


@pytest.mark.parametrize("first", ["timeout", "503"])
async def test_emission_that_may_have_gone_then_hits_429s_is_outcome_unknown(
    mocked: Any, client: openfactura.AsyncOpenfactura, first: str
) -> None:
    """A RateLimitError would invite a second emit() with a new key: a second document."""
    if first == "timeout":
        mocked.post(DOC, exception=aiohttp.ServerTimeoutError())
    else:
        mocked.post(DOC, status=503, body=b"Service Unavailable")
    for _ in range(3):
        mocked.post(DOC, status=429, payload=RATE_LIMITED)
    with pytest.raises(openfactura.OutcomeUnknownError) as info:
        await client._request("POST", "/v2/dte/document", json={}, idempotency_key="k-3")
    assert info.value.idempotency_key == "k-3"
    assert isinstance(info.value.__cause__, openfactura.RateLimitError)
    keys = [call.kwargs["headers"]["Idempotency-Key"] for call in calls(mocked)]
    assert keys == ["k-3"] * 4


async def test_emission_that_may_have_gone_then_hits_the_gateway_is_outcome_unknown(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(DOC, status=502, body=b"<html>Bad gateway</html>")
    mocked.post(DOC, status=401, payload={"statusCode": 401, "message": "Access denied"})
    with pytest.raises(openfactura.OutcomeUnknownError):
        await client._request("POST", "/v2/dte/document", json={}, idempotency_key="k-4")


async def test_emission_refused_by_the_api_after_a_lost_attempt_is_definitive(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    """An OF-xx answer means the API checked the key: no earlier document exists."""
    mocked.post(DOC, status=503, body=b"")
    mocked.post(
        DOC,
        status=400,
        payload={"error": {"message": "Validación de Campos", "code": "OF-10", "details": []}},
    )
    with pytest.raises(openfactura.InvalidRequestError) as info:
        await client._request("POST", "/v2/dte/document", json={}, idempotency_key="k-5")
    assert info.value.code == "OF-10"


async def test_emission_after_a_lost_attempt_ending_in_a_database_error_is_unknown(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    """OF-13/OF-21 (database) say nothing about the earlier attempt's document."""
    mocked.post(DOC, status=503, body=b"")
    mocked.post(
        DOC,
        status=400,
        payload={"error": {"message": "Base de datos no disponible", "code": "OF-21"}},
    )
    with pytest.raises(openfactura.OutcomeUnknownError):
        await client._request("POST", "/v2/dte/document", json={}, idempotency_key="k-7")


async def test_emission_only_ever_rate_limited_is_a_rate_limit_error(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    for _ in range(4):
        mocked.post(DOC, status=429, payload=RATE_LIMITED)
    with pytest.raises(openfactura.RateLimitError):
        await client._request("POST", "/v2/dte/document", json={}, idempotency_key="k-6")


async def test_emission_not_sent_is_a_connection_error_not_unknown() -> None:
    c = openfactura.AsyncOpenfactura(
        KEY, base_url="http://127.0.0.1:9", rate_limits=None, max_retries=0
    )
    with pytest.raises(openfactura.APIConnectionError):
        await c._request("POST", "/v2/dte/document", json={}, idempotency_key="k-2")
    await c.aclose()


async def test_cancelled_emission_carries_the_key(client: openfactura.AsyncOpenfactura) -> None:
    import asyncio

    started = asyncio.Event()

    def slow(url: Any, **kwargs: Any) -> CallbackResult:
        started.set()
        raise asyncio.CancelledError

    with aioresponses() as m:
        m.post(DOC, callback=slow)
        with pytest.raises(openfactura.OutcomeUnknownError) as info:
            await client._request("POST", "/v2/dte/document", json={}, idempotency_key="k-3")
    assert isinstance(info.value, asyncio.CancelledError)
    assert info.value.idempotency_key == "k-3"


async def test_4xx_never_retried_even_for_get(
    mocked: Any, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(re.compile(r".*/taxpayer/.*"), status=400, payload=W_OF10)
    with pytest.raises(openfactura.InvalidRequestError):
        await client.request("GET", "/v2/dte/taxpayer/1-9")
    assert len(calls(mocked)) == 1


def test_backoff_full_jitter_capped() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0, jitter=lambda: 0.999)
    assert [round(policy.backoff(a), 2) for a in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert RetryPolicy(jitter=lambda: 0.0).backoff(3) == 0.0
    assert RetryPolicy(jitter=lambda: 0.0).backoff(0, retry_after=5) == 5  # server floor
    assert RetryPolicy(max_wait=10, jitter=lambda: 0.0).backoff(0, retry_after=500) == 10


def test_an_error_given_as_plain_text_keeps_its_text() -> None:
    from openfactura._exceptions import make_api_error

    err = make_api_error(400, {"error": "Formato de fecha inválido"})
    assert type(err) is openfactura.InvalidRequestError
    assert err.message == "Formato de fecha inválido"
