"""The sandbox against the API reference: status codes, body shapes, messages, quirks."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from examples import BOLETA, FACTURA

import openfactura
from openfactura.testing import FakeOpenfactura

HAULMER = "928e15a2d14d4a6292345f04960f4bd3"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenfactura]:
    async with FakeOpenfactura(rate_limits=None) as sandbox:
        yield sandbox


@pytest.fixture
async def http(fake: FakeOpenfactura) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession(base_url=fake.base_url) as session:

        async def call(
            method: str, path: str, *, key: str | None = HAULMER, **kw: Any
        ) -> tuple[int, Any, Any]:
            headers = dict(kw.pop("headers", {}))
            if key is not None:
                headers["apikey"] = key
            async with session.request(method, path, headers=headers, **kw) as resp:
                raw = await resp.read()
                body = await resp.json(content_type=None) if raw else None
                return resp.status, body, resp.headers

        yield call


# -- gateway -----------------------------------------------------------------------------


async def test_missing_and_invalid_keys_get_the_gateway_bodies(http: Any) -> None:
    status, body, _ = await http("GET", "/v2/dte/organization", key=None)
    assert status == 401
    assert body == {
        "statusCode": 401,
        "message": "Access denied due to missing subscription key. Make sure to include "
        "subscription key when making requests to an API.",
    }
    status, body, _ = await http("GET", "/v2/dte/organization", key="0" * 32)
    assert status == 401
    assert body["message"].startswith("Access denied due to invalid subscription key.")


async def test_unknown_route_is_apim_404(http: Any) -> None:
    status, body, _ = await http("GET", "/v2/dte/webhooks")
    assert (status, body) == (404, {"statusCode": 404, "message": "Resource not found"})


async def test_rate_limit_429_body_and_retry_after_match() -> None:
    from openfactura import RateLimit

    async with FakeOpenfactura(rate_limits=(RateLimit(3, 1.0), RateLimit(100, 60.0))) as fake:
        async with aiohttp.ClientSession() as session:
            statuses, last = [], None
            for _ in range(4):
                async with session.get(
                    f"{fake.base_url}/v2/dte/organization", headers={"apikey": HAULMER}
                ) as r:
                    statuses.append(r.status)
                    last = (await r.json(), r.headers.get("Retry-After"))
    assert statuses == [200, 200, 200, 429]
    body, retry_after = last
    assert body["statusCode"] == 429
    match = re.fullmatch(r"Rate limit is exceeded\. Try again in (\d+) seconds\.", body["message"])
    assert match is not None
    assert retry_after == match.group(1) == "1"
    assert [r.rate_limited for r in fake.requests] == [False, False, False, True]


# -- organization, folios, taxpayer ---------------------------------------------------------


async def test_organization_and_folios(http: Any) -> None:
    status, org, _ = await http("GET", "/v2/dte/organization")
    assert status == 200
    assert org["rut"] == "76795561-8"
    assert org["cdgSIISucur"] == "81303347"
    assert org["actividades"][0]["codigoActividadEconomica"] == 479100
    assert "logo" not in org
    _, with_logo, _ = await http("GET", "/v2/dte/organization?extra_fields=logo")
    assert with_logo["logo"]
    _, folios, _ = await http("GET", "/v2/dte/organization/document")
    assert [row["dte"] for row in folios["documentos"]] == [33, 34, 39, 41, 43, 46, 52, 56, 61]
    assert all("disponibles" in row for row in folios["documentos"])


async def test_taxpayer_known_and_unknown(http: Any) -> None:
    _, hosty, _ = await http("GET", "/v2/dte/taxpayer/76430498-5")
    assert hosty["razonSocial"] == "HOSTY SPA"
    status, nobody, _ = await http("GET", "/v2/dte/taxpayer/11111111-1")
    assert status == 200
    assert nobody["rut"] is None and nobody["razonSocial"] is None


# -- emission -------------------------------------------------------------------------------


async def test_factura_and_boleta_examples_are_accepted(http: Any, fake: FakeOpenfactura) -> None:
    status, answer, _ = await http("POST", "/v2/dte/document", json=FACTURA)
    assert status == 200
    assert re.fullmatch(r"[0-9a-f]{64}", answer["TOKEN"])
    first = answer["FOLIO"]
    _, again, _ = await http("POST", "/v2/dte/document", json=FACTURA)
    assert again["FOLIO"] == first + 1  # folios per type, in order
    _, boleta, _ = await http("POST", "/v2/dte/issue", json=BOLETA)  # undocumented alias
    assert boleta["FOLIO"] == fake.document(boleta["TOKEN"]).folio
    assert len(fake.documents) == 3


async def test_wrong_amount_gets_of10_with_the_expected_value(
    http: Any, fake: FakeOpenfactura
) -> None:
    body = copy.deepcopy(FACTURA)
    body["dte"]["Encabezado"]["Totales"]["MntNeto"] = 1000
    status, err, _ = await http("POST", "/v2/dte/document", json=body)
    assert status == 400
    assert err == {
        "error": {
            "message": "Validación de Campos",
            "code": "OF-10",
            "details": [{"field": "MntNeto", "issue": "Monto erróneo : 2000"}],
        }
    }
    assert fake.documents == []


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d["dte"]["Encabezado"]["IdDoc"].update(Folio=15), "OF-10"),
        (lambda d: d["dte"]["Encabezado"].pop("Receptor"), "OF-08"),
        (lambda d: d["dte"]["Encabezado"]["IdDoc"].update(TipoDTE=110), "OF-05"),
        (lambda d: d["dte"]["Encabezado"]["IdDoc"].update(TipoDTE=61), "OF-09"),
        (lambda d: d.pop("dte"), "OF-01"),
    ],
)
async def test_refusals(http: Any, fake: FakeOpenfactura, mutate: Any, code: str) -> None:
    body = copy.deepcopy(FACTURA)
    mutate(body)
    status, err, _ = await http("POST", "/v2/dte/document", json=body)
    assert status == 400
    assert err["error"]["code"] == code
    assert fake.documents == []  # no folio consumed


async def test_idempotency_key_replay_is_of06_with_the_token(
    http: Any, fake: FakeOpenfactura
) -> None:
    headers = {"Idempotency-Key": "order-1001"}
    _, first, _ = await http("POST", "/v2/dte/document", json=FACTURA, headers=headers)
    status, err, _ = await http("POST", "/v2/dte/document", json=FACTURA, headers=headers)
    assert status == 400
    assert err == {
        "error": {
            "message": "Este DTE ya fue emitido (Idempotency-Key)",
            "code": "OF-06",
            "token": first["TOKEN"],
        }
    }
    assert len(fake.documents) == 1


async def test_idempotency_keys_expire_after_24_hours() -> None:
    now = [1_000_000.0]
    async with FakeOpenfactura(rate_limits=None, clock=lambda: now[0]) as fake:
        async with openfactura.AsyncOpenfactura(
            HAULMER, base_url=fake.base_url, rate_limits=None
        ) as c:
            await c._request("POST", "/document", json=FACTURA, idempotency_key="k")
            now[0] += 24 * 3600 + 1
            again = await c._request("POST", "/document", json=FACTURA, idempotency_key="k")
    assert not again.replayed
    assert len(fake.documents) == 2


async def test_guia_without_transport_data_gets_a_warning(http: Any) -> None:
    body = copy.deepcopy(FACTURA)
    body["dte"]["Encabezado"]["IdDoc"].update(TipoDTE=52, IndTraslado=1)
    status, answer, _ = await http("POST", "/v2/dte/document", json=body)
    assert status == 200
    assert "154/2025" in answer["WARNING"]


# -- reads ------------------------------------------------------------------------------------


async def test_status_progression_by_token_and_by_folio(http: Any, fake: FakeOpenfactura) -> None:
    _, answer, _ = await http("POST", "/v2/dte/document", json=FACTURA)
    token, folio = answer["TOKEN"], answer["FOLIO"]
    _, s1, _ = await http("GET", f"/v2/dte/document/{token}/status")
    assert s1 == {"estado": "Pendiente", "token": token}
    _, s2, _ = await http("GET", f"/v2/dte/document/76795561-8/33/{folio}/status")
    assert s2 == {"estado": "Aceptado", "folio": str(folio)}  # folio as a string, like the API
    _, other, _ = await http("POST", "/v2/dte/document", json=FACTURA)
    fake.set_outcome(other["TOKEN"], "Rechazado")
    for expected in ("Pendiente", "Rechazado"):
        _, s, _ = await http("GET", f"/v2/dte/document/{other['TOKEN']}/status")
        assert s["estado"] == expected


async def test_json_read_and_errors(http: Any) -> None:
    _, answer, _ = await http("POST", "/v2/dte/document", json=BOLETA)
    token, folio = answer["TOKEN"], answer["FOLIO"]
    _, doc, _ = await http("GET", f"/v2/dte/document/{token}/json")
    assert doc["json"]["Encabezado"]["IdDoc"]["Folio"] == folio
    assert doc["FchRecepOF"] and doc["FchRecepSII"] == ""
    status, err, _ = await http("GET", f"/v2/dte/document/{token}/foo")
    assert status == 400
    assert err["error"]["details"] == [{"field": "Error", "issue": "foo es Incorrecto"}]
    status, err, _ = await http("GET", f"/v2/dte/document/{token}/cedible")
    assert err["error"]["details"] == [{"field": "Documento", "issue": "Documento sin cedible"}]
    status, err, _ = await http("GET", "/v2/dte/document/76795561-8/33/999999/status")
    assert status == 400
    assert err["error"]["code"] == "OF-22"
    assert [d["field"] for d in err["error"]["details"]] == ["problema", "dte", "folio"]


# -- lists ------------------------------------------------------------------------------------


async def test_issued_pages_filters_and_204(http: Any) -> None:
    status, body, _ = await http("POST", "/v2/dte/document/issued", json={})
    assert (status, body) == (204, None)
    for _ in range(31):
        await http("POST", "/v2/dte/document", json=FACTURA)
    await http("POST", "/v2/dte/document", json=BOLETA)
    _, page1, _ = await http("POST", "/v2/dte/document/issued", json={})
    assert (page1["current_page"], page1["last_page"], page1["total"]) == (1, 2, 32)
    assert len(page1["data"]) == 30
    row = page1["data"][0]
    assert row["RUTRecep"] == 76430498 and row["DV"] == "5" and len(row["Token"]) == 64
    _, page2, _ = await http("POST", "/v2/dte/document/issued", json={"Page": 2})
    assert len(page2["data"]) == 2
    _, boletas, _ = await http("POST", "/v2/dte/document/issued", json={"TipoDTE": {"eq": 39}})
    assert boletas["total"] == 1
    _, ranged, _ = await http(
        "POST",
        "/v2/dte/document/issued",
        json={"FchEmis": {"gte": "2026-09-01", "lte": "2026-09-30"}, "Folio": {"eq": 1}},
    )
    assert ranged["total"] == 32  # the unknown Folio filter is silently ignored, like the API
    status, _, _ = await http("POST", "/v2/dte/document/issued", json={"Page": 3})
    assert status == 204
    for bad in ({"TipoDTE": [39]}, {"TipoDTE": {"in": [33, 61]}}):
        status, err, _ = await http("POST", "/v2/dte/document/issued", json=bad)
        assert status == 400
        assert err["code"] == "OF-10" and "error" not in err  # the flat shape
        assert err["message"] == "Validación de Campos."
