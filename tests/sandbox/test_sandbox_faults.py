"""Fault injection: every kind, for any route, one API (``fault_next`` and its shorthands).

"After" faults replace the answer of a request the sandbox processed: for an emission the
document exists, and a retry with the same ``Idempotency-Key`` finds it (``OF-06``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from examples import FACTURA

from openfactura.testing import FAULT_KINDS, FakeOpenfactura

HAULMER = "928e15a2d14d4a6292345f04960f4bd3"
AFTER = ["html200", "truncated", "error200", "empty200", "latin1"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenfactura]:
    async with FakeOpenfactura(rate_limits=None) as sandbox:
        yield sandbox


@pytest.fixture
async def http(fake: FakeOpenfactura) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession(base_url=fake.base_url) as session:

        async def call(method: str, path: str, **kw: Any) -> tuple[int, str, bytes]:
            headers = {"apikey": HAULMER} | kw.pop("headers", {})
            async with session.request(method, path, headers=headers, **kw) as resp:
                return resp.status, resp.content_type, await resp.read()

        yield call


def emission(key: str = "order-1") -> dict[str, Any]:
    return {"json": FACTURA, "headers": {"Idempotency-Key": key}}


async def replay_token(http: Any, key: str = "order-1") -> str:
    status, _, raw = await http("POST", "/v2/dte/document", **emission(key))
    error = json.loads(raw)["error"]
    assert (status, error["code"]) == (400, "OF-06")
    return str(error["token"])


def test_the_kinds() -> None:
    assert FAULT_KINDS == (
        "status",
        "html502",
        "delay",
        "drop",
        "latin1",
        "html200",
        "truncated",
        "error200",
        "empty200",
    )


async def test_html_200_after_the_document_is_stored(fake: FakeOpenfactura, http: Any) -> None:
    fake.html_next(path="/v2/dte/document")
    status, kind, raw = await http("POST", "/v2/dte/document", **emission())
    assert (status, kind) == (200, "text/html")
    assert raw.lstrip().lower().startswith(b"<!doctype html>")
    assert len(fake.documents) == 1
    assert await replay_token(http) == fake.documents[0].token


async def test_truncated_json_after_the_document_is_stored(
    fake: FakeOpenfactura, http: Any
) -> None:
    fake.truncated_next(path="/v2/dte/document")
    status, kind, raw = await http("POST", "/v2/dte/document", **emission())
    assert (status, kind) == (200, "application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    whole = json.dumps({"TOKEN": fake.documents[0].token, "FOLIO": 1000})
    assert raw and whole.startswith(raw.decode())  # the first half of the real answer
    assert await replay_token(http) == fake.documents[0].token


async def test_error_body_with_200(fake: FakeOpenfactura, http: Any) -> None:
    fake.error_body_next(path="/v2/dte/document")
    status, _, raw = await http("POST", "/v2/dte/document", **emission())
    assert status == 200
    assert json.loads(raw) == {"error": {"message": "Error de base de datos", "code": "OF-13"}}
    assert len(fake.documents) == 1
    mine = {"error": {"message": "apikey invalida", "code": "OF-03"}}
    fake.error_body_next(path="/v2/dte/organization", body=mine)
    status, _, raw = await http("GET", "/v2/dte/organization")
    assert (status, json.loads(raw)) == (200, mine)


async def test_empty_body_with_200(fake: FakeOpenfactura, http: Any) -> None:
    fake.empty_body_next(path="/v2/dte/document")
    status, _, raw = await http("POST", "/v2/dte/document", **emission())
    assert (status, raw) == (200, b"")
    assert await replay_token(http) == fake.documents[0].token


@pytest.mark.parametrize(("kind", "status"), [("status", 502), ("html502", 502)])
async def test_5xx_before_or_after_storing(
    fake: FakeOpenfactura, http: Any, kind: str, status: int
) -> None:
    fake.fault_next(kind, path="/v2/dte/document", status=status)  # type: ignore[arg-type]
    assert (await http("POST", "/v2/dte/document", **emission("a")))[0] == status
    assert fake.documents == []  # not processed: nothing stored
    fake.fault_next(kind, path="/v2/dte/document", status=status, after_store=True)  # type: ignore[arg-type]
    assert (await http("POST", "/v2/dte/document", **emission("b")))[0] == status
    assert len(fake.documents) == 1  # processed, then the error
    assert await replay_token(http, "b") == fake.documents[0].token


async def test_drop_after_store(fake: FakeOpenfactura, http: Any) -> None:
    fake.drop_after_store_next(path="/v2/dte/document")
    with pytest.raises(aiohttp.ClientError):
        await http("POST", "/v2/dte/document", **emission())
    assert await replay_token(http) == fake.documents[0].token


@pytest.mark.parametrize("kind", AFTER)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/dte/organization"),
        ("GET", "/v2/dte/organization/document"),
        ("GET", "/v2/dte/taxpayer/76430498-5"),
        ("POST", "/v2/dte/document/issued"),
        ("GET", "/v2/dte/registry/sales/2026/09"),
    ],
)
async def test_any_route(
    fake: FakeOpenfactura, http: Any, kind: str, method: str, path: str
) -> None:
    normal = await http(method, path, json={})
    fake.fault_next(kind, path=path)  # type: ignore[arg-type]
    assert fake.pending_faults == 1
    got = await http(method, path, json={})
    assert fake.pending_faults == 0
    if kind == "latin1":  # the same answer, other bytes (or the same: nothing accented)
        assert got[0] == normal[0]
        assert got[2] == normal[2].decode().encode("latin-1", errors="replace")
    else:
        assert got[0] == 200 and got != normal
    assert await http(method, path, json={}) == normal  # one request only


async def test_a_status_read_is_counted_though_its_answer_is_lost(
    fake: FakeOpenfactura, http: Any
) -> None:
    _, _, raw = await http("POST", "/v2/dte/document", json=FACTURA)
    token = json.loads(raw)["TOKEN"]
    fake.truncated_next(path="/v2/dte/document/")
    await http("GET", f"/v2/dte/document/{token}/status")
    assert fake.document(token).status_reads == 1  # processed: the next read is the second


async def test_count_path_and_order(fake: FakeOpenfactura, http: Any) -> None:
    fake.fault_next("html200", 2, path="/v2/dte/organization")
    fake.fail_next(1, status=503)
    assert fake.pending_faults == 3
    # A "before" fault wins over an "after" one: the 503 first, on any path.
    assert (await http("GET", "/v2/dte/taxpayer/76430498-5"))[0] == 503
    assert (await http("GET", "/v2/dte/taxpayer/76430498-5"))[0] == 200
    assert (await http("GET", "/v2/dte/organization"))[1] == "text/html"
    assert (await http("GET", "/v2/dte/organization"))[1] == "text/html"
    assert (await http("GET", "/v2/dte/organization"))[1] == "application/json"
    assert fake.pending_faults == 0


async def test_gateway_answers_take_no_fault(fake: FakeOpenfactura, http: Any) -> None:
    fake.html_next()
    assert (await http("GET", "/v2/dte/organization", headers={"apikey": "0" * 32}))[0] == 401
    assert (await http("GET", "/v2/dte/nowhere"))[0] == 404
    assert fake.pending_faults == 1
    fake.clear_faults()
    assert fake.pending_faults == 0


def test_bad_plans_are_refused() -> None:
    fake = FakeOpenfactura()
    with pytest.raises(ValueError, match="unknown fault"):
        fake.fault_next("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count"):
        fake.fault_next("html200", 0)
    with pytest.raises(ValueError, match="seconds"):
        fake.fault_next("delay")
    with pytest.raises(ValueError, match="status"):
        fake.fail_next(status=42)
    fake.close()
