"""``FakeOpenfactura(variant=...)``: each ambiguous answer in its best-evidenced form by
default, and in its other known form with ``variant="alternate"`` (reference §8 and §2).

Every expected body below is written from the reference's examples, not from the sandbox.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from examples import FACTURA

from openfactura import RateLimit
from openfactura.testing import SHAPES, FakeOpenfactura

HAULMER = "928e15a2d14d4a6292345f04960f4bd3"
Call = Callable[..., Awaitable[tuple[int, Any]]]


@asynccontextmanager
async def sandbox(variant: Any, **kw: Any) -> AsyncIterator[tuple[FakeOpenfactura, Call]]:
    kw.setdefault("rate_limits", None)
    async with FakeOpenfactura(variant=variant, **kw) as fake:
        async with aiohttp.ClientSession(base_url=fake.base_url) as session:

            async def call(
                method: str, path: str, *, key: str = HAULMER, **kwargs: Any
            ) -> tuple[int, Any]:
                headers = {"apikey": key} | kwargs.pop("headers", {})
                async with session.request(method, path, headers=headers, **kwargs) as resp:
                    raw = await resp.read()
                    body = await resp.json(content_type=None) if raw else None
                    return resp.status, body

            yield fake, call


async def emit(call: Call, body: dict[str, Any] = FACTURA, **kw: Any) -> dict[str, Any]:
    status, answer = await call("POST", "/v2/dte/document", json=body, **kw)
    assert status in (200, 201), answer
    return dict(answer)


# -- one check per shape: (fake, call, alternate?) ------------------------------------------


async def check_status(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    token = (await emit(call))["TOKEN"]
    _, body = await call("GET", f"/v2/dte/document/{token}/status")
    # E2 example: {"estado":"Aceptado","token":"<token>"}; the first read is Pendiente.
    assert body == ("Pendiente" if alternate else {"estado": "Pendiente", "token": token})


async def check_status_folio(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    folio = (await emit(call))["FOLIO"]
    _, body = await call("GET", f"/v2/dte/document/76795561-8/33/{folio}/status")
    # E3 example: {"estado":"Aceptado","folio":"674180"} (folio as text).
    assert body == {"estado": "Pendiente", "folio": folio if alternate else str(folio)}


async def check_cedible(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    answer = await emit(call)
    _, body = await call("GET", f"/v2/dte/document/{answer['TOKEN']}/cedible")
    key = "cedible" if alternate else "pdf"
    assert set(body) == {key, "folio"} and body["folio"] == answer["FOLIO"]
    assert base64.b64decode(body[key]).startswith(b"%PDF")


async def check_acteco(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    _, org = await call("GET", "/v2/dte/organization")
    _, hosty = await call("GET", "/v2/dte/taxpayer/76430498-5")
    codes = [org["actividades"][0]["codigoActividadEconomica"]]
    codes.append(hosty["actividades"][0]["codigoActividadEconomica"])
    assert codes == (["479100", "620200"] if alternate else [479100, 620200])


async def check_resolucion(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    _, org = await call("GET", "/v2/dte/organization")
    answer = await emit(call, FACTURA | {"response": ["RESOLUCION"]})
    expected = {"fecha": "2018-03-26", "numero": "0" if alternate else 0}
    assert org["resolucion"] == expected
    assert answer["RESOLUCION"] == expected


async def check_disponible(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    _, body = await call("GET", "/v2/dte/organization/document")
    row = body["documentos"][0]
    assert ("disponible" in row, "disponibles" in row) == (alternate, not alternate)


async def check_folios_dte(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    _, body = await call("GET", "/v2/dte/organization/document")
    assert body["documentos"][0]["dte"] == ("33" if alternate else 33)


async def check_replay_token(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    token = (await emit(call, headers={"Idempotency-Key": "k1"}))["TOKEN"]
    status, body = await call(
        "POST", "/v2/dte/document", json=FACTURA, headers={"Idempotency-Key": "k1"}
    )
    message = "Este DTE ya fue emitido (Idempotency-Key)"
    if alternate:  # the CLI's and the mocks' form
        error = {
            "message": message,
            "code": "OF-06",
            "details": [{"field": "token", "issue": token}],
        }
    else:  # the official example
        error = {"message": message, "code": "OF-06", "token": token}
    assert (status, body) == (400, {"error": error})


async def check_list_token(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    token = (await emit(call))["TOKEN"]
    _, body = await call("POST", "/v2/dte/document/issued", json={})
    row = body["data"][0]
    assert row["token" if alternate else "Token"] == token
    assert ("Token" in row) is not alternate


async def check_list_total(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    await emit(call)
    _, body = await call("POST", "/v2/dte/document/issued", json={})
    assert body["total"] == ("1" if alternate else 1)
    assert (body["current_page"], body["last_page"]) == (1, 1)


async def check_empty_list(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    status, body = await call("POST", "/v2/dte/document/issued", json={})
    assert (status, body) == ((200, None) if alternate else (204, None))


async def check_rate_limit_body(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    async with sandbox(fake.variant, rate_limits=[RateLimit(1, 60.0)]) as (_, limited):
        await limited("GET", "/v2/dte/organization")
        status, body = await limited("GET", "/v2/dte/organization")
    assert status == 429
    if alternate:
        assert body == {"message": "API rate limit exceeded"}
    else:
        assert body["statusCode"] == 429
        assert body["message"].startswith("Rate limit is exceeded. Try again in ")


async def check_legacy_auth(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    status, body = await call("GET", "/v2/dte/organization", key="0" * 32)
    if alternate:
        assert (status, body) == (403, {"message": "Invalid authentication credentials"})
    else:
        assert status == 401 and body["statusCode"] == 401


async def check_purchase_state(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    today = dt.date.today()
    fake.seed_received(
        issuer_rut="11111111-1", issuer_name="P", folio=1, mnt_neto=1000, estado="Registro"
    )
    path = f"/v2/dte/registry/purchase/{today:%Y}/{today:%m}?status=registered"
    _, body = await call("GET", path)
    assert [block["estado"] for block in body] == ["Registrado" if alternate else "Registro"]


async def check_self_service_url(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    body = copy.deepcopy(FACTURA)
    body |= {
        "response": ["SELF_SERVICE"],
        "selfService": {"issueBoleta": False, "allowFactura": True},
    }
    answer = await emit(call, body)
    url = answer["SELF_SERVICE"] if alternate else answer["SELF_SERVICE"]["url"]
    assert isinstance(url, str) and url.endswith(answer["TOKEN"])


async def check_emission_status(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    status, _ = await call("POST", "/v2/dte/document", json=FACTURA)
    assert status == (201 if alternate else 200)


async def check_json_numbers(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    answer = await emit(call)
    _, body = await call("GET", f"/v2/dte/document/{answer['TOKEN']}/json")
    id_doc = body["json"]["Encabezado"]["IdDoc"]
    folio = answer["FOLIO"]
    assert (id_doc["TipoDTE"], id_doc["Folio"]) == (
        ("33", str(folio)) if alternate else (33, folio)
    )
    assert body["json"]["Encabezado"]["Totales"]["MntTotal"] == ("2380" if alternate else 2380)


async def check_annul_key(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    guia = copy.deepcopy(FACTURA)
    guia["dte"]["Encabezado"]["IdDoc"] |= {"TipoDTE": 52, "IndTraslado": 1}
    folio = (await emit(call, guia))["FOLIO"]
    fecha = guia["dte"]["Encabezado"]["IdDoc"]["FchEmis"]
    _, body = await call(
        "POST", "/v2/dte/anularDTE52", json={"Dte": 52, "Folio": folio, "Fecha": fecha}
    )
    assert body == {
        ("succes" if alternate else "success"): f"Se ha anulado el documento Folio: {folio}"
    }


async def check_taxpayer_unknown(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    status, body = await call("GET", "/v2/dte/taxpayer/11111111-1")
    nulls = dict.fromkeys(("rut", "razonSocial", "email", "telefono", "direccion", "comuna"))
    if alternate:
        member = dict.fromkeys(
            ("giro", "actividadEconomica", "codigoActividadEconomica", "actividadPrincipal")
        )
        expected = nulls | {"actividades": [member], "sucursales": []}
    else:
        expected = nulls | {"actividades": None, "sucursales": None}
    assert (status, body) == (200, expected)


async def check_sync_rcv_body(fake: FakeOpenfactura, call: Call, alternate: bool) -> None:
    periodo = int(f"{dt.date.today():%Y%m}")
    status, body = await call(
        "POST", "/v2/dte/registry/sync-rcv", json={"registro": "sales", "periodo": periodo}
    )
    assert status == 200
    assert (body is None) if alternate else set(body) == {"message", "code"}


CHECKS: dict[str, Callable[[FakeOpenfactura, Call, bool], Awaitable[None]]] = {
    name.removeprefix("check_"): check
    for name, check in dict(globals()).items()
    if name.startswith("check_")
}


def test_every_shape_has_a_check() -> None:
    assert sorted(CHECKS) == sorted(SHAPES)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("variant", ["best", "alternate"])
async def test_each_shape_in_each_variant(shape: str, variant: str) -> None:
    async with sandbox(variant) as (fake, call):
        await CHECKS[shape](fake, call, variant == "alternate")


@pytest.mark.parametrize("shape", SHAPES)
async def test_one_shape_alone(shape: str) -> None:
    """``variant={shape}`` alternates that shape and leaves the others best."""
    async with sandbox({shape}) as (fake, call):
        await CHECKS[shape](fake, call, True)
    other = next(name for name in SHAPES if name != shape)
    async with sandbox({shape}) as (fake, call):
        await CHECKS[other](fake, call, False)


async def test_an_explicit_legacy_auth_wins_over_the_variant() -> None:
    async with sandbox("alternate", legacy_auth=False) as (fake, call):
        await check_legacy_auth(fake, call, False)
    async with sandbox("best", legacy_auth=True) as (fake, call):
        await check_legacy_auth(fake, call, True)


def test_bad_variants_are_refused() -> None:
    with pytest.raises(ValueError, match="variant"):
        FakeOpenfactura(variant="worst")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown shapes"):
        FakeOpenfactura(variant={"cedible", "nope"})


@pytest.mark.parametrize("variant", ["best", "alternate"])
async def test_an_unknown_token_reads_like_an_unknown_folio(variant: str) -> None:
    """E2's errors are "as E3" (reference); E3's unknown document is 400 OF-22 with the
    details problema, dte and folio. A token that is not ours (or another company's) gets
    exactly that; the path names no type nor folio, so those details are empty."""
    async with sandbox(variant) as (_fake, call):
        token = (await emit(call))["TOKEN"]
        for path in ("/v2/dte/document/" + "f" * 64 + "/status", f"/v2/dte/document/{token}/json"):
            key = HAULMER if "ffff" in path else "41eb78998d444dbaa4922c410ef14057"  # HOSTY
            status, body = await call("GET", path, key=key)
            assert status == 400
            assert body == {
                "error": {
                    "message": "Problema al procesar los datos",
                    "code": "OF-22",
                    "details": [
                        {"field": "problema", "issue": "Documento no encontrado"},
                        {"field": "dte", "issue": ""},
                        {"field": "folio", "issue": ""},
                    ],
                }
            }
