"""The sandbox never crashes and refuses what the API refuses, with the API's codes.

Junk in any field gets an API-shaped 400 (``OF-08`` for the schema, ``OF-10`` for fields),
never a 500 nor an ERROR in the log; a document the SII rules forbid (a negative total, a
quantity of 0, more lines than the schema allows, a receiver RUT with a wrong check digit, a
code outside its list) is refused before a folio is used. Expected values are worked out by
hand here from the SII schemas (``DTE_v10.xsd``: ``Detalle`` maxOccurs 60, ``QtyItem``
Dec12_6 > 0, ``FmaPago`` 1-3, ``MntTotal`` non-negative; ``EnvioBOLETA_v11.xsd``: 1000 lines).
"""

from __future__ import annotations

import copy
import http.client
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from examples import BOLETA, FACTURA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openfactura.testing import FakeOpenfactura
from openfactura.testing._routes import _render
from openfactura.testing._routes.organization import OrganizationRoutes

HAULMER = "928e15a2d14d4a6292345f04960f4bd3"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenfactura]:
    async with FakeOpenfactura(rate_limits=None) as sandbox:
        yield sandbox


@pytest.fixture
async def post(fake: FakeOpenfactura) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession(base_url=fake.base_url) as session:

        async def call(
            body: Any = None, *, raw: str | bytes | None = None, path: str = "/v2/dte/document"
        ) -> tuple[int, Any]:
            headers = {"apikey": HAULMER, "Content-Type": "application/json"}
            data = raw if raw is not None else json.dumps(body)
            async with session.post(path, data=data, headers=headers) as resp:
                text = await resp.text()
                return resp.status, json.loads(text) if text else None

        yield call


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """ERROR records of any logger during the test (the sandbox's and aiohttp's)."""
    caplog.set_level(logging.INFO)
    found: list[logging.LogRecord] = []
    yield found
    found.extend(r for r in caplog.records if r.levelno >= logging.ERROR)


def factura(**line: Any) -> dict[str, Any]:
    body = copy.deepcopy(FACTURA)
    body["dte"]["Detalle"][0].update(line)
    return body


def codes(answer: Any) -> tuple[str, list[tuple[str, str]]]:
    error = answer["error"]
    return error["code"], [(d["field"], d["issue"]) for d in error.get("details", [])]


JUNK = ["abc", {}, True, False, 1e308, "Infinity", "-Infinity", "NaN", "", [], [1], "1e5", -1]


@pytest.mark.parametrize("field", ["QtyItem", "PrcItem", "DescuentoPct", "MontoItem"])
@pytest.mark.parametrize("value", JUNK, ids=repr)
async def test_junk_in_a_line_is_a_schema_error_not_a_crash(
    fake: FakeOpenfactura, post: Any, errors: list[logging.LogRecord], field: str, value: Any
) -> None:
    status, answer = await post(factura(**{field: value}))
    assert status == 400
    code, details = codes(answer)
    assert code == "OF-08"
    assert [f for f, _ in details] == [field]
    assert fake.documents == []


async def test_a_deeply_nested_value_is_invalid_json(
    fake: FakeOpenfactura, post: Any, errors: list[logging.LogRecord]
) -> None:
    text = json.dumps(factura(QtyItem="HOLE"))
    for depth in (50_000, 900, 40):
        deep = "[" * depth + "]" * depth
        status, answer = await post(raw=text.replace('"HOLE"', deep))
        assert (status, codes(answer)) == (400, ("OF-08", [("body", "JSON inválido")]))
    for literal in ("NaN", "Infinity", "-Infinity", "1e400", '"\\ud800"', '"a\\udfff"'):
        status, answer = await post(raw=text.replace('"HOLE"', literal))
        assert (status, codes(answer)) == (400, ("OF-08", [("body", "JSON inválido")]))
    status, _ = await post(raw=b'{"dte": \xff}')
    assert status == 400
    assert fake.documents == []


async def test_refusals_of_the_issue(
    fake: FakeOpenfactura, post: Any, errors: list[logging.LogRecord]
) -> None:
    def totales(**values: Any) -> dict[str, Any]:
        body = copy.deepcopy(FACTURA)
        body["dte"]["Encabezado"]["Totales"].update(values)
        return body

    # A global discount of 2000 on a 2000 line: MntNeto 0 is fine, 3000 makes it -1000.
    body = copy.deepcopy(FACTURA)
    body["dte"]["DscRcgGlobal"] = [{"NroLinDR": 1, "TpoMov": "D", "TpoValor": "$", "ValorDR": 3000}]
    status, answer = await post(body)
    code, details = codes(answer)
    assert (status, code) == (400, "OF-10")
    # MntNeto -1000, IVA round(-190.0) = -190, MntTotal -1190: all negative, none allowed.
    assert ("MntNeto", "Monto negativo : -1000") in details
    assert ("MntTotal", "Monto negativo : -1190") in details
    # Sending the negative total itself is refused by the schema (nonNegativeInteger).
    status, answer = await post(totales(MntTotal=-1190))
    assert codes(answer) == ("OF-08", [("MntTotal", "Valor fuera de rango : -1190")])
    # A quantity of 0 (Dec12_6Type: minInclusive 0.000001).
    status, answer = await post(factura(QtyItem=0))
    assert codes(answer) == ("OF-08", [("QtyItem", "Valor fuera de rango : 0")])
    # A receiver RUT whose check digit is wrong: 76430498 has check digit 5 (HOSTY SPA).
    body = copy.deepcopy(FACTURA)
    body["dte"]["Encabezado"]["Receptor"]["RUTRecep"] = "76430498-4"
    status, answer = await post(body)
    assert codes(answer) == ("OF-10", [("RUTRecep", "Rut incorrecto : 76430498-4")])
    # TasaIVA: PctType (5 digits, 2 decimals: at most 999.99) and 19 on a factura.
    for rate in (1e308, True, "abc"):
        status, answer = await post(totales(TasaIVA=rate))
        assert codes(answer)[0] == "OF-08", rate
    status, answer = await post(totales(TasaIVA="18"))
    assert codes(answer) == ("OF-10", [("TasaIVA", "Tasa incorrecta : 19")])
    # FmaPago: 1, 2 or 3.
    for forma in ("abc", 7, 0, True, 1.5):
        body = copy.deepcopy(FACTURA)
        body["dte"]["Encabezado"]["IdDoc"]["FmaPago"] = forma
        status, answer = await post(body)
        assert codes(answer)[0] == "OF-08", forma
    assert fake.documents == []
    status, answer = await post(FACTURA)
    assert status == 200 and answer["FOLIO"] == 1000  # no folio was used by the refusals


def lines(count: int, price: int = 100) -> list[dict[str, Any]]:
    return [
        {"NroLinDet": n, "NmbItem": f"item {n}", "QtyItem": 1, "PrcItem": price, "MontoItem": price}
        for n in range(1, count + 1)
    ]


async def test_line_limits_of_the_schemas(
    fake: FakeOpenfactura, post: Any, errors: list[logging.LogRecord]
) -> None:
    body = copy.deepcopy(FACTURA)
    body["dte"]["Detalle"] = lines(1000)
    status, answer = await post(body)
    assert codes(answer) == ("OF-08", [("Detalle", "Máximo 60 elementos (tiene 1000)")])
    # 60 lines of 100: MntNeto 6000, IVA 1140, MntTotal 7140.
    body["dte"]["Detalle"] = lines(60)
    body["dte"]["Encabezado"]["Totales"] = {
        "MntNeto": 6000,
        "TasaIVA": "19",
        "IVA": 1140,
        "MntTotal": 7140,
    }
    status, answer = await post(body)
    assert status == 200, answer
    # Boletas: up to 1000 lines of 119 gross: 119000 = 100000 net + 19000 IVA.
    boleta = copy.deepcopy(BOLETA)
    boleta["dte"]["Detalle"] = lines(1000, 119)
    boleta["dte"]["Encabezado"]["Totales"] = {"MntNeto": 100000, "IVA": 19000, "MntTotal": 119000}
    status, answer = await post(boleta)
    assert status == 200, answer
    boleta["dte"]["Detalle"] = lines(1001, 119)
    status, answer = await post(boleta)
    assert codes(answer) == ("OF-08", [("Detalle", "Máximo 1000 elementos (tiene 1001)")])
    assert len(fake.documents) == 2


@pytest.mark.parametrize(
    ("where", "name", "value", "expected"),
    [
        ("line", "IndExe", 9, ("OF-08", "IndExe")),
        ("line", "NroLinDet", 100, ("OF-08", "NroLinDet")),  # positiveInteger, at most 99
        ("line", "PrcItem", "100.1234567", ("OF-08", "PrcItem")),  # 6 decimals at most
        ("line", "CodImpAdic", ["99"], ("OF-08", "CodImpAdic")),  # not an SII tax code
        ("line", "DescuentoMonto", 0, ("OF-08", "DescuentoMonto")),  # positiveInteger
        ("iddoc", "TpoTranVenta", 5, ("OF-08", "TpoTranVenta")),
        ("iddoc", "FchVenc", "2026-13-01", ("OF-10", "FchVenc")),
        ("iddoc", "FchEmis", "2051-01-01", ("OF-10", "FchEmis")),  # FechaType ends in 2050
        ("iddoc", "MedioPago", "XX", ("OF-08", "MedioPago")),
        ("emisor", "Acteco", [1, 2, 3, 4, 5], ("OF-08", "Acteco")),  # maxOccurs 4
        ("emisor", "CdgSIISucur", "abc", ("OF-08", "CdgSIISucur")),
        ("receptor", "RznSocRecep", {"a": 1}, ("OF-08", "RznSocRecep")),
        ("receptor", "RUTRecep", 76430498, ("OF-10", "RUTRecep")),
        ("top", "response", "PDF", ("OF-08", "response")),
        ("top", "ivaExceptional", "ARTESANO", ("OF-08", "ivaExceptional")),
        ("top", "custom", [1], ("OF-08", "custom")),
        ("dte", "Referencia", [{"NroLinRef": 1, "CodRef": 4}], ("OF-08", "CodRef")),
        ("dte", "DscRcgGlobal", [{"TpoMov": "X"}], ("OF-08", "TpoMov")),
        ("dte", "DscRcgGlobal", "10%", ("OF-08", "DscRcgGlobal")),
        ("enc", "Totales", [], ("OF-08", "Encabezado.Totales")),
    ],
)
async def test_schema_types_and_ranges(
    fake: FakeOpenfactura,
    post: Any,
    errors: list[logging.LogRecord],
    where: str,
    name: str,
    value: Any,
    expected: tuple[str, str],
) -> None:
    body = copy.deepcopy(FACTURA)
    enc = body["dte"]["Encabezado"]
    target = {
        "line": body["dte"]["Detalle"][0],
        "iddoc": enc["IdDoc"],
        "emisor": enc["Emisor"],
        "receptor": enc["Receptor"],
        "top": body,
        "dte": body["dte"],
        "enc": enc,
    }[where]
    target[name] = value
    status, answer = await post(body)
    code, details = codes(answer)
    assert (status, code) == (400, expected[0])
    assert expected[1] in [field for field, _ in details]
    assert fake.documents == []


async def test_tolerated_forms_still_pass(
    fake: FakeOpenfactura, post: Any, errors: list[logging.LogRecord]
) -> None:
    body = copy.deepcopy(FACTURA)
    enc = body["dte"]["Encabezado"]
    enc["Emisor"]["Acteco"] = [479100]  # a repeated element as a list
    enc["IdDoc"]["FmaPago"] = "1"  # a code as text
    enc["Totales"] |= {"MntNeto": "2000", "TasaIVA": 19.0}  # numbers as text or floats
    enc["Receptor"]["RUTRecep"] = "76.430.498-5"  # a RUT with dots
    enc["Receptor"]["Contacto"] = None  # null is absent
    body["dte"]["Detalle"][0] |= {"QtyItem": "1.000000", "PrcItem": 2000.0}
    status, answer = await post(body)
    assert status == 200, answer


# -- the last resort -----------------------------------------------------------------------


async def test_a_bug_is_an_api_shaped_400_logged_at_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: Any, request: Any) -> Any:
        raise RuntimeError("a sandbox bug")

    monkeypatch.setattr(OrganizationRoutes, "get", broken)
    async with FakeOpenfactura(rate_limits=None) as fake, aiohttp.ClientSession() as session:
        async with session.get(
            f"{fake.base_url}/v2/dte/organization", headers={"apikey": HAULMER}
        ) as resp:
            status, answer = resp.status, await resp.json()
    assert status == 400
    assert answer["error"]["code"] == "OF-20"
    assert answer["error"]["details"] == [
        {"field": "sandbox", "issue": "Error interno del sandbox (RuntimeError)"}
    ]
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == "openfactura.sandbox"
    assert record.exc_info is not None and "a sandbox bug" in str(record.exc_info[1])
    assert fake.requests[-1].status == 400


async def test_a_bug_after_storing_asks_for_a_retry_that_replays(
    fake: FakeOpenfactura,
    post: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("the PDF renderer broke")

    monkeypatch.setattr(_render, "pdf", broken)
    body = copy.deepcopy(FACTURA) | {"response": ["FOLIO", "PDF"]}
    async with aiohttp.ClientSession() as session:
        headers = {"apikey": HAULMER, "Idempotency-Key": "order-1"}
        url = f"{fake.base_url}/v2/dte/document"
        async with session.post(url, json=body, headers=headers) as resp:
            status, answer = resp.status, await resp.json()
        assert (status, answer["error"]["code"]) == (503, "OF-21")
        assert len(fake.documents) == 1  # it exists: the retry must not emit it again
        async with session.post(url, json=body, headers=headers) as resp:
            replay = await resp.json()
    assert replay["error"]["code"] == "OF-06"
    assert replay["error"]["token"] == fake.documents[0].token
    assert len(fake.documents) == 1
    assert [r.name for r in caplog.records if r.levelno >= logging.ERROR] == ["openfactura.sandbox"]


async def test_an_oversized_body_gets_the_gateway_shape(
    fake: FakeOpenfactura, post: Any, errors: list[logging.LogRecord]
) -> None:
    status, answer = await post(raw=b"[" + b" " * (9 * 1024 * 1024) + b"]")
    assert status == 413
    assert answer == {"statusCode": 413, "message": "Request Entity Too Large"}


# -- property test of the request handling -------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["abc", "Infinity", "NaN", "1e400", "", "-0", "0.0000001", "19"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
PLACES = [
    ("dte", "Detalle", 0, "QtyItem"),
    ("dte", "Detalle", 0, "PrcItem"),
    ("dte", "Detalle", 0, "DescuentoPct"),
    ("dte", "Detalle", 0, "MontoItem"),
    ("dte", "Detalle", 0, "NmbItem"),
    ("dte", "Detalle", 0, "IndExe"),
    ("dte", "Detalle"),
    ("dte", "Encabezado", "Totales", "MntNeto"),
    ("dte", "Encabezado", "Totales", "TasaIVA"),
    ("dte", "Encabezado", "Totales"),
    ("dte", "Encabezado", "IdDoc", "TipoDTE"),
    ("dte", "Encabezado", "IdDoc", "FchEmis"),
    ("dte", "Encabezado", "IdDoc", "FmaPago"),
    ("dte", "Encabezado", "Receptor", "RUTRecep"),
    ("dte", "Encabezado", "Emisor", "Acteco"),
    ("dte", "DscRcgGlobal"),
    ("dte", "Referencia"),
    ("dte",),
    ("response",),
    ("ivaExceptional",),
    ("selfService",),
    ("custom",),
]


@pytest.fixture(scope="module")
def threaded_fake() -> Iterator[FakeOpenfactura]:
    with FakeOpenfactura(rate_limits=None) as sandbox:
        yield sandbox


def _send(fake: FakeOpenfactura, path: str, body: bytes) -> tuple[int, bytes]:
    host, port = fake.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(
            "POST", path, body=body, headers={"apikey": HAULMER, "Content-Type": "application/json"}
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    place=st.sampled_from(PLACES),
    value=json_values,
    path=st.sampled_from(
        ["/v2/dte/document", "/v2/dte/document/issued", "/v2/dte/document/received/accuse"]
    ),
    base=st.sampled_from([FACTURA, BOLETA]),
    rendered=st.booleans(),
)
def test_any_value_anywhere_gets_an_api_shaped_answer(
    threaded_fake: FakeOpenfactura,
    caplog: pytest.LogCaptureFixture,
    place: tuple[Any, ...],
    value: Any,
    path: str,
    base: dict[str, Any],
    rendered: bool,
) -> None:
    body: Any = copy.deepcopy(base)
    if rendered:  # the answer carries the renderings: the values reach the XML and the PDF
        body["response"] = ["FOLIO", "PDF", "XML", "TIMBRE"]
    target = body
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value
    status, raw = _send(threaded_fake, path, json.dumps(body).encode())
    assert status in (200, 204, 400), (status, raw[:300])
    if status == 400:
        answer = json.loads(raw)
        assert isinstance(answer, dict)
        assert answer.get("error", {}).get("code") or answer.get("code"), answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


TEXT_PLACES = [
    ("dte", "Detalle", 0, "NmbItem"),
    ("dte", "Detalle", 0, "DscItem"),
    ("dte", "Detalle", 0, "UnmdItem"),
    ("dte", "Encabezado", "Receptor", "RznSocRecep"),
    ("dte", "Encabezado", "Receptor", "GiroRecep"),
    ("dte", "Encabezado", "Receptor", "DirRecep"),
    ("dte", "Encabezado", "Receptor", "CmnaRecep"),
    ("dte", "Encabezado", "Receptor", "Contacto"),
    ("dte", "Encabezado", "Emisor", "RznSoc"),
    ("dte", "Encabezado", "Emisor", "DirOrigen"),
    ("custom", "informationNote"),
]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    place=st.sampled_from(TEXT_PLACES),
    text=st.text(min_size=1, max_size=300),
    read=st.sampled_from(["status", "json", "xml", "pdf", "cedible"]),
)
def test_any_text_is_emitted_rendered_and_read(
    threaded_fake: FakeOpenfactura,
    caplog: pytest.LogCaptureFixture,
    place: tuple[Any, ...],
    text: str,
    read: str,
) -> None:
    body: Any = copy.deepcopy(FACTURA) | {"response": ["FOLIO", "PDF", "XML", "TIMBRE"]}
    body["custom"] = {}
    target = body
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = text
    status, raw = _send(threaded_fake, "/v2/dte/document", json.dumps(body).encode())
    assert status in (200, 400), (status, raw[:300])
    if status == 200:
        token = json.loads(raw)["TOKEN"]
        host, port = threaded_fake.base_url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", f"/v2/dte/document/{token}/{read}", headers={"apikey": HAULMER})
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()[:300]
        conn.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


POST_ROUTES = [
    "/v2/dte/document",
    "/v2/dte/issue",
    "/v2/dte/document/issued",
    "/v2/dte/document/received",
    "/v2/dte/document/received/accuse",
    "/v2/dte/registry/sync-rcv",
    "/v2/dte/anularDTE52",
]
bodies = st.dictionaries(
    st.sampled_from(
        [
            *("dte", "rut", "folio", "acuse", "registro", "periodo", "Dte", "Folio", "Fecha"),
            *("Page", "TipoDTE", "FchEmis", "RUTRecep", "selfService", "response"),
        ]
    ),
    json_values,
    max_size=4,
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(path=st.sampled_from(POST_ROUTES), body=json_values | bodies)
def test_any_body_on_any_route_gets_an_api_shaped_answer(
    threaded_fake: FakeOpenfactura, caplog: pytest.LogCaptureFixture, path: str, body: Any
) -> None:
    status, raw = _send(threaded_fake, path, json.dumps(body).encode())
    assert status in (200, 204, 400, 404, 429), (status, raw[:300])
    if status >= 400:
        assert isinstance(json.loads(raw), dict)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "path",
    [
        "/v2/dte/document/%00/json",
        "/v2/dte/document/" + "a" * 5000 + "/status",
        "/v2/dte/document/76795561-8/abc/xyz/pdf",
        "/v2/dte/document/76795561-8/33/99999999999999999999999/status",
        "/v2/dte/registry/sales/2026/13",
        "/v2/dte/registry/sales/99999/01/01",
        "/v2/dte/registry/purchase/2026/08?status=%00,pending",
        "/v2/dte/taxpayer/%FF%FE",
        "/v2/dte/selfservice/stateinvoice/..%2F..%2Fetc",
        "/v2/dte/organization?extra_fields=logo&extra_fields=x",
    ],
)
async def test_odd_paths_get_api_shaped_answers(
    fake: FakeOpenfactura, errors: list[logging.LogRecord], path: str
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(fake.base_url + path, headers={"apikey": HAULMER}) as resp:
            assert resp.status in (200, 204, 400, 404), await resp.text()
            if resp.status >= 400:
                assert isinstance(await resp.json(), dict)
