"""Fuzzing the sandbox's request handling: any method, path, headers and body, sent as raw
HTTP to a real ``FakeOpenfactura`` on loopback, get an API-shaped answer: never a 5xx of
its own, never an ERROR in its log, a JSON object for every refusal.

Already fuzzed elsewhere (not repeated): any JSON value at chosen places of an emission, and
any JSON body on the POST routes, with well-formed requests
(``tests/sandbox/test_sandbox_hardening.py``). Here the request itself is hostile: every
method on every route and on routes that do not exist, paths with odd segments and percent
escapes, query strings, missing/odd keys, content types and ``Idempotency-Key`` values,
bodies that are not JSON, not UTF-8, or not what the route reads.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fuzzing import budget, json_values
from hypothesis import given
from hypothesis import strategies as st

from openfactura.testing import FakeOpenfactura

HAULMER = "928e15a2d14d4a6292345f04960f4bd3"
TOKEN = "ab" * 32
EMISSION = {
    "response": ["FOLIO"],
    "dte": {
        "Encabezado": {
            "IdDoc": {"TipoDTE": 39, "FchEmis": "2026-09-27", "IndServicio": 3},
            "Emisor": {
                "RUTEmisor": "76795561-8",
                "RznSocEmisor": "HAULMER SPA",
                "GiroEmisor": "VENTAS",
                "CdgSIISucur": "81303347",
                "DirOrigen": "ARTURO PRAT 527",
                "CmnaOrigen": "Curicó",
            },
            "Receptor": {"RUTRecep": "66666666-6"},
            "Totales": {"MntNeto": 2521, "IVA": 479, "MntTotal": 3000},
        },
        "Detalle": [{"NroLinDet": 1, "NmbItem": "x", "QtyItem": 1, "PrcItem": 3000}],
    },
}

ROUTES = [
    "/v2/dte/document",
    "/v2/dte/issue",
    "/v2/dte/document/issued",
    "/v2/dte/document/received",
    "/v2/dte/document/received/accuse",
    f"/v2/dte/document/{TOKEN}/status",
    f"/v2/dte/document/{TOKEN}/json",
    "/v2/dte/document/76795561-8/33/1/pdf",
    "/v2/dte/document/76430498-5/33/2514/xml",
    "/v2/dte/anularDTE52",
    "/v2/dte/organization",
    "/v2/dte/organization/document",
    "/v2/dte/taxpayer/76795561-8",
    "/v2/dte/registry/sales/2026/09",
    "/v2/dte/registry/purchase/2026/09/01",
    "/v2/dte/registry/sync-rcv",
    "/v2/dte/selfservice/email/abc",
    "/v2/dte/selfservice/stateinvoice/abc",
    "/v2/dte",
    "/",
    "/v3/dte/organization",
]
segment = st.one_of(
    st.text(max_size=12).map(lambda t: quote(t.encode("utf-8", "surrogatepass"), safe="")),
    st.sampled_from(["..", ".", "%00", "%FF%FE", "%2F", "a" * 1500, "33", "-1", "1e9", TOKEN]),
)


@st.composite
def paths(draw: st.DrawFn) -> str:
    path = draw(st.sampled_from(ROUTES))
    parts = path.split("/")
    how = draw(st.sampled_from(["as is", "replace", "append", "query"]))
    if how == "replace" and len(parts) > 3:
        parts[draw(st.integers(min_value=3, max_value=len(parts) - 1))] = draw(segment)
    elif how == "append":
        parts.append(draw(segment))
    path = "/".join(parts) or "/"
    if how == "query" or draw(st.booleans()):
        pairs = draw(
            st.lists(
                st.tuples(st.sampled_from(["extra_fields", "status", "Page", "x"]), segment),
                max_size=2,  # the request line stays within aiohttp's 8190 bytes
            )
        )
        path += "?" + "&".join(f"{k}={v}" for k, v in pairs)
    return path


printable = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
headers = st.fixed_dictionaries(
    {"apikey": st.one_of(st.just(HAULMER), st.none(), printable, st.just(HAULMER.upper()))},
    optional={
        "Content-Type": st.sampled_from(
            ["application/json", "text/plain", "application/json; charset=latin-1", "x/y"]
        ),
        "Idempotency-Key": printable,
        "Accept": printable,
        "Content-Encoding": st.just("identity"),
    },
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=60),
    json_values().map(lambda v: json.dumps(v).encode()),
    st.just(json.dumps(EMISSION).encode()),
    st.just(json.dumps(EMISSION).encode()[:-7]),
    st.just(json.dumps(EMISSION, ensure_ascii=False).encode("latin-1")),
    st.just(b"[" * 20_000 + b"]" * 20_000),
    st.just(b'{"Page": 1, "TipoDTE": {"eq": 33}}'),
    st.just(b'{"rut": "76430498-5", "dte": 33, "folio": 2514, "acuse": "ACD"}'),
)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenfactura]:
    with FakeOpenfactura(rate_limits=None) as sandbox:
        sandbox.seed_received(
            issuer_rut="76430498-5", issuer_name="HOSTY SPA", folio=2514, mnt_neto=1000
        )
        yield sandbox


def _send(
    fake: FakeOpenfactura, method: str, path: str, head: dict[str, Any], body: bytes | None
) -> tuple[int, bytes]:
    host, port = fake.base_url.removeprefix("http://").split(":")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in head.items() if value is not None]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return response.status, response.read()


@budget(300)
@given(method=methods, path=paths(), head=headers, body=bodies)
def test_any_request_gets_an_api_shaped_answer(
    fake: FakeOpenfactura,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    head: dict[str, Any],
    body: bytes | None,
) -> None:
    caplog.set_level(logging.INFO)
    errors_before = sum(1 for r in caplog.records if r.levelno >= logging.ERROR)
    status, answer = _send(fake, method, path, head, body)
    assert status < 500, (status, answer[:300])
    if status >= 400 and method != "HEAD":
        parsed = json.loads(answer)
        assert isinstance(parsed, dict) and parsed, answer[:300]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR][errors_before:]
    assert not errors, [r.getMessage() for r in errors]


# -- requests that are not well-formed HTTP -------------------------------------------------

malformed = st.sampled_from(
    [
        b"POST /v2/dte/document HTTP/1.1\r\nHost: x\r\nContent-Encoding: br\r\n"
        b"Content-Length: 2\r\n\r\n{}",
        b"POST /v2/dte/document HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: 2\r\n\r\n{}",
        b"POST /v2/dte/document HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"b" * 9000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"FOO /v2/dte/document HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /v2/dte/organization HTTP/1.1\r\nHost: x\r\n\r\nFOO / HTTP/1.1\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"".join(b"X%d: y\r\n" % i for i in range(200)) + b"\r\n",
    ]
)


@budget(30)
@given(raw=malformed, apikey=st.booleans())
def test_a_request_that_is_not_http_is_refused_quietly(
    fake: FakeOpenfactura, caplog: pytest.LogCaptureFixture, raw: bytes, apikey: bool
) -> None:
    """A front server's 400 (aiohttp's own parser answers it), and no ERROR nor traceback."""
    caplog.set_level(logging.INFO)
    seen = len(caplog.records)
    if apikey:
        raw = raw.replace(b"Host: x\r\n", b"Host: x\r\napikey: " + HAULMER.encode() + b"\r\n")
    host, port = fake.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock, method="GET")
        response.begin()
        status = response.status
        response.read()
    assert 400 <= status < 500
    loud = [r for r in caplog.records[seen:] if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, [r.getMessage() for r in loud]
