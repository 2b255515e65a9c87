"""OF-13 / OF-21 (database error / unavailable) are retried like a 503 when the request is
safe; OF-12 (XML generation) once. Reference §4: "yes, with backoff and idempotency";
OF-12 "maybe once, with the same Idempotency-Key"."""

from __future__ import annotations

from typing import Any

import pytest
from aioresponses import aioresponses
from api_mocks import API, TOKEN, calls, headers_of
from examples import FACTURA as EXAMPLE_FACTURA

import openfactura

ORG = f"{API}/organization"
EMIT = f"{API}/document"
ACCUSE = f"{API}/document/received/accuse"
FACTURA: dict[str, Any] = EXAMPLE_FACTURA["dte"]
ORGANIZATION = {"rut": "76795561-8", "razonSocial": "HAULMER SPA"}


def of(code: str, message: str = "Error de base de datos") -> dict[str, Any]:
    return {"error": {"message": message, "code": code}}


@pytest.mark.parametrize("code", ["OF-13", "OF-21"])
@pytest.mark.parametrize("status", [400, 500])
async def test_a_read_answered_with_a_database_error_is_retried(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, code: str, status: int
) -> None:
    mocked.get(ORG, status=status, payload=of(code))
    mocked.get(ORG, payload=ORGANIZATION)
    org = await client.organization.get()
    assert org.razon_social == "HAULMER SPA"
    assert len(calls(mocked)) == 2


async def test_an_emission_answered_with_of_13_is_resent_with_its_key_and_replays(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    # The first attempt may have stored the document: the retry (same key) gets OF-06.
    mocked.post(EMIT, status=500, payload=of("OF-13"))
    mocked.post(
        EMIT,
        status=400,
        payload={"error": {"message": "ya emitido", "code": "OF-06", "token": TOKEN}},
    )
    result = await client.documents.emit(FACTURA, response=(), idempotency_key="order-9")
    assert result.token == TOKEN and result.replayed
    keys = [headers_of(call)["Idempotency-Key"] for _, _, call in calls(mocked)]
    assert keys == ["order-9", "order-9"]


async def test_of_12_is_retried_once_then_the_outcome_is_unknown(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    for _ in range(3):
        mocked.post(EMIT, status=400, payload=of("OF-12", "Error al generar el XML"))
    mocked.post(EMIT, payload={"TOKEN": TOKEN})
    with pytest.raises(openfactura.OutcomeUnknownError) as info:
        await client.documents.emit(FACTURA, response=(), idempotency_key="order-12")
    assert info.value.idempotency_key == "order-12"
    assert len(calls(mocked)) == 2  # the first answer and one retry, not more


async def test_an_unsafe_request_answered_with_of_21_is_not_retried(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(ACCUSE, status=400, payload=of("OF-21", "Base de datos no disponible"))
    mocked.post(ACCUSE, payload={"code": 0, "result": "ok", "data": [], "msg": []})
    with pytest.raises(openfactura.InvalidRequestError) as info:
        await client.documents.accuse("76430498-5", 33, 2514, "ACD")
    assert info.value.code == "OF-21"
    assert len(calls(mocked)) == 1  # an accuse without a key could act twice
