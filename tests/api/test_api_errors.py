"""Error answers: the human text of every body shape, the 429 hint as the server gave it,
and the taxpayer look-up of an unknown RUT.

Expected messages and details are the texts written in each body below (the oracle is the
body itself), never what the SDK computed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aioresponses import aioresponses
from api_mocks import API

import openfactura
from openfactura._exceptions import make_api_error
from openfactura._retry import parse_retry_after, retry_after_from_headers

ORG = f"{API}/organization"

# (shape, body of a 400, the message it must give, the (field, issue) details it must give)
SHAPES: list[tuple[str, Any, str, list[tuple[str, str]]]] = [
    (
        "wrapped (W)",
        {
            "error": {
                "message": "Validación de Campos",
                "code": "OF-10",
                "details": [{"field": "MntNeto", "issue": "Monto erróneo : 1000"}],
            }
        },
        "Validación de Campos",
        [("MntNeto", "Monto erróneo : 1000")],
    ),
    (
        "flat (F)",
        {
            "message": "Validación de Campos.",
            "code": "OF-10",
            "details": {"Error": "Fecha Incorrecta"},
        },
        "Validación de Campos.",
        [("Error", "Fecha Incorrecta")],
    ),
    ("error as text", {"error": "Formato de fecha inválido"}, "Formato de fecha inválido", []),
    ("error.message only", {"error": {"message": "Firma no válida"}}, "Firma no válida", []),
    (
        "message.message",
        {"message": {"message": "Folio sin CAF", "code": "OF-07"}},
        "Folio sin CAF",
        [],
    ),
    (
        "problem details",
        {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "Page inválida"},
        "Page inválida",
        [],
    ),
    ("detail only", {"detail": "Receptor no encontrado"}, "Receptor no encontrado", []),
    (
        "validationErrors",
        {
            "validationErrors": [
                {"field": "FchEmis", "message": "Fecha Incorrecta"},
                {"field": "TipoDTE", "message": "debe ser un número"},
            ]
        },
        "Fecha Incorrecta; debe ser un número",
        [("FchEmis", "Fecha Incorrecta"), ("TipoDTE", "debe ser un número")],
    ),
    (
        "validationErrors with a message",
        {"message": "Datos inválidos", "validationErrors": [{"property": "Page", "error": "NaN"}]},
        "Datos inválidos",
        [("Page", "NaN")],
    ),
    (
        "errors map of lists",
        {"message": "The given data was invalid.", "errors": {"FchEmis": ["Requerido.", "Mal."]}},
        "The given data was invalid.",
        [("FchEmis", "Requerido.; Mal.")],
    ),
    (
        "message as a list",
        {"statusCode": 400, "message": ["Page debe ser un número"], "error": "Bad Request"},
        "Bad Request",
        [("", "Page debe ser un número")],
    ),
    (
        "a bare list",
        [{"field": "RUTRecep", "message": "RUT inválido"}],
        "RUT inválido",
        [("RUTRecep", "RUT inválido")],
    ),
    (
        "details without a message",
        {"error": {"code": "OF-10", "details": [{"field": "Folio", "issue": "Debe ser 0"}]}},
        "Debe ser 0",
        [("Folio", "Debe ser 0")],
    ),
]


@pytest.mark.parametrize(
    ("shape", "body", "message", "details"), SHAPES, ids=[shape for shape, *_ in SHAPES]
)
async def test_the_human_text_of_every_shape(
    mocked: aioresponses,
    client: openfactura.AsyncOpenfactura,
    shape: str,
    body: Any,
    message: str,
    details: list[tuple[str, str]],
) -> None:
    mocked.get(ORG, status=400, payload=body)
    with pytest.raises(openfactura.APIError) as info:
        await client.organization.get()
    error = info.value
    assert error.message == message
    assert [tuple(d) for d in error.details] == details
    assert error.status == 400 and error.body == body
    assert "without an error message" not in str(error)
    assert message in str(error)


@pytest.mark.parametrize(
    "body",
    [
        {"resultado": {"glosa": "RUT receptor no autorizado"}},
        {"statusCode": 400, "info": ["RUT receptor no autorizado"]},
        "RUT receptor no autorizado",
    ],
)
async def test_a_400_with_any_text_shows_it(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, body: Any
) -> None:
    """Shapes nobody has seen yet: the text is shown rather than "without an error message"."""
    if isinstance(body, str):
        mocked.get(ORG, status=400, body=body.encode())
    else:
        mocked.get(ORG, status=400, payload=body)
    with pytest.raises(openfactura.APIError) as info:
        await client.organization.get()
    assert "RUT receptor no autorizado" in info.value.message
    assert "without an error message" not in str(info.value)


@pytest.mark.parametrize("body", [{"statusCode": 400}, {}, None])
def test_only_a_body_without_text_says_so(body: Any) -> None:
    assert make_api_error(400, body).message == "HTTP 400 without an error message"


# -- 429: the wait the server asked for, exactly -----------------------------------------------


GATEWAY = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 3600 seconds."}


def test_try_again_in_x_seconds_is_reported_as_said() -> None:
    error = make_api_error(429, GATEWAY)
    assert isinstance(error, openfactura.RateLimitError) and error.retry_after == 3600


def test_retry_after_header_is_reported_as_said() -> None:
    headers = {"Retry-After": "3600"}
    body = {"message": "API rate limit exceeded"}  # the emission example's 429 body
    error = make_api_error(429, body, headers, retry_after=retry_after_from_headers(headers))
    assert isinstance(error, openfactura.RateLimitError) and error.retry_after == 3600


def test_a_body_retry_after_is_reported_as_said() -> None:
    body = {
        "error": {
            "message": "Sincronización en curso",
            "code": "OF-429",
            "details": {"retry_after": 3600, "ends_at": "2026-05-28T13:00:00Z"},
        }
    }
    error = make_api_error(429, body, retry_after=5.0)
    assert isinstance(error, openfactura.RateLimitError)
    assert error.retry_after == 3600 and error.ends_at == "2026-05-28T13:00:00Z"


JUNK = ["nan", "NaN", float("nan"), "inf", "-inf", float("inf"), -5, "-5", "soon", True, [], {}]


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_junk_retry_after_in_the_body_is_ignored(junk: Any) -> None:
    body = {"statusCode": 429, "message": "Rate limit is exceeded.", "retry_after": junk}
    error = make_api_error(429, body)
    assert isinstance(error, openfactura.RateLimitError) and error.retry_after is None
    # ...and the next source is used: the header, then the message.
    header = make_api_error(429, body, retry_after=7.0)
    assert isinstance(header, openfactura.RateLimitError) and header.retry_after == 7.0
    text = make_api_error(429, {**body, "message": "Try again in 12 seconds."})
    assert isinstance(text, openfactura.RateLimitError) and text.retry_after == 12.0


@pytest.mark.parametrize("junk", ["nan", "inf", "-inf", "Infinity", "-3", "soon", ""])
def test_junk_retry_after_header_is_ignored(junk: str) -> None:
    assert parse_retry_after(junk) is None
    error = make_api_error(429, GATEWAY, retry_after=parse_retry_after(junk))
    assert isinstance(error, openfactura.RateLimitError) and error.retry_after == 3600


def test_an_http_date_in_the_past_means_now() -> None:
    now = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("Wed, 25 Nov 2026 11:59:00 GMT", now=lambda: now) == 0.0


async def test_the_rcv_lock_with_a_nan_wait_exposes_no_nan(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(
        f"{API}/registry/sync-rcv",
        status=429,
        payload={
            "error": {
                "message": "Sincronización en curso",
                "code": "OF-429",
                "details": {"retry_after": "nan", "ends_at": "2026-05-28T12:10:00Z"},
            }
        },
    )
    with pytest.raises(openfactura.RateLimitError) as info:
        await client.registry.sync_rcv("sales", 202605)
    assert info.value.retry_after is None  # no usable wait anywhere in the answer
    assert info.value.ends_at == "2026-05-28T12:10:00Z"


# -- the taxpayer of an unknown RUT ---------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        {
            "rut": None,
            "razonSocial": None,
            "email": None,
            "telefono": None,
            "direccion": None,
            "comuna": None,
            "actividades": None,
            "sucursales": None,
        },
        {"rut": "", "razonSocial": "", "actividades": [], "sucursales": None},
    ],
    ids=["all-null", "blank"],
)
async def test_an_all_null_taxpayer_is_not_found(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, record: dict[str, Any]
) -> None:
    mocked.get(f"{API}/taxpayer/22222222-2", payload=record)
    with pytest.raises(openfactura.NotFoundError, match="22222222-2") as info:
        await client.taxpayers.get("22.222.222-2")
    assert not isinstance(info.value, openfactura.ValidationError)
    assert info.value.status == 200


async def test_a_taxpayer_without_activities_is_found(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    """A RUT that exists but has no activity: actividades[0] with all-null members."""
    mocked.get(
        f"{API}/taxpayer/11111111-1",
        payload={
            "rut": "11111111-1",
            "razonSocial": "PERSONA NATURAL",
            "actividades": [
                {
                    "giro": None,
                    "actividadEconomica": None,
                    "codigoActividadEconomica": None,
                    "actividadPrincipal": None,
                }
            ],
            "sucursales": None,
        },
    )
    record = await client.taxpayers.get("11111111-1")
    assert record.razon_social == "PERSONA NATURAL" and record.sucursales == []
    assert record.actividades[0].codigo_actividad_economica is None
