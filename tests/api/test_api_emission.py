"""documents.emit: body, idempotency, replay, decoding, WARNING, local validation."""

from __future__ import annotations

import base64
import re
import warnings
from typing import Any

import pytest
from aioresponses import aioresponses
from api_mocks import API, TOKEN, body_of, calls, headers_of
from examples import FACTURA as EXAMPLE_FACTURA

import openfactura
from openfactura.dte import Factura, ResponseItem
from openfactura.types import (
    Custom,
    Customer,
    CustomizePage,
    DocumentReference,
    EmissionResult,
    ExternalReference,
    OpenfacturaWarning,
    SelfService,
)

EMIT = f"{API}/document"

FACTURA: dict[str, Any] = EXAMPLE_FACTURA["dte"]


async def test_default_body_asks_for_folio_only_and_sends_a_fresh_key(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(EMIT, payload={"TOKEN": TOKEN, "FOLIO": 2514})
    result = await client.documents.emit(FACTURA)
    ((_, _, call),) = calls(mocked)
    body = body_of(call)
    assert body == {"response": ["FOLIO"], "dte": FACTURA}
    key = headers_of(call)["Idempotency-Key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert result == EmissionResult(token=TOKEN, folio=2514, idempotency_key=key)
    assert result.replayed is False and result.pdf is None


async def test_every_optional_part_goes_under_its_api_name(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    url = "https://espacio.haulmer.com/autoservicio/abc123"
    mocked.post(EMIT, payload={"TOKEN": TOKEN, "SELF_SERVICE": {"url": url}})
    result = await client.documents.emit(
        FACTURA,
        response=[ResponseItem.PDF, "letter_80mm"],
        idempotency_key="order-1234",
        custom=Custom(information_note="Gracias", payment_note="30 días"),
        send_email={"to": "a@b.cl", "CC": "c@d.cl"},
        iva_exceptional="ARTESANO",
        self_service=SelfService(
            issue_boleta=True,
            allow_factura=False,
            document_reference=DocumentReference(type="801", id="334", date="2025-01-31"),
        ),
        customer=Customer(full_name="Ana Pérez", email="ana@example.cl"),
        customize_page=CustomizePage(
            external_reference=ExternalReference(
                hyperlink_text="Pedido", hyperlink_url="https://x.cl"
            ),
            url_logo="https://x.cl/logo.png",
        ),
        validate=False,
    )
    ((_, _, call),) = calls(mocked)
    body = body_of(call)
    assert list(body) == [
        "response",
        "dte",
        "custom",
        "sendEmail",
        "ivaExceptional",
        "selfService",
        "customer",
        "customizePage",
    ]
    assert body["response"] == ["PDF", "LETTER_80MM", "SELF_SERVICE"]
    assert body["custom"] == {"informationNote": "Gracias", "paymentNote": "30 días"}
    assert body["sendEmail"] == {"to": "a@b.cl", "CC": "c@d.cl"}
    assert body["ivaExceptional"] == ["ARTESANO"]
    assert body["selfService"] == {
        "issueBoleta": True,
        "allowFactura": False,
        "documentReference": {"type": "801", "id": "334", "date": "2025-01-31"},
    }
    assert body["customer"] == {"fullName": "Ana Pérez", "email": "ana@example.cl"}
    assert body["customizePage"] == {
        "externalReference": {"hyperlinkText": "Pedido", "hyperlinkURL": "https://x.cl"},
        "urlLogo": "https://x.cl/logo.png",
    }
    assert headers_of(call)["Idempotency-Key"] == "order-1234"
    assert result.self_service_url == url and result.self_service_token == "abc123"


async def test_files_are_decoded(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><DTE><RznSoc>Curicó ÑUÑOA</RznSoc></DTE>'
    pdf = b"%PDF-1.4 fake"
    png = b"\x89PNG fake"
    mocked.post(
        EMIT,
        payload={
            "TOKEN": TOKEN,
            "FOLIO": "600625",
            "PDF": base64.b64encode(pdf).decode(),
            "XML": base64.b64encode(xml.encode("iso-8859-1")).decode(),
            "TIMBRE": base64.b64encode(png).decode(),
            "LOGO": base64.b64encode(png).decode(),
            "RESOLUCION": {"fecha": "2018-03-26", "numero": 0},
            "NUEVO": {"x": 1},
        },
    )
    result = await client.documents.emit(
        FACTURA, response=("FOLIO", "PDF", "XML", "TIMBRE", "LOGO", "RESOLUCION"), validate=False
    )
    assert result.folio == 600625
    assert result.pdf == pdf and result.timbre == png and result.logo == png
    assert result.xml == xml and result.xml is not None and result.xml.raw == xml.encode("latin-1")
    assert result.resolucion is not None and result.resolucion.numero == 0
    assert str(result.resolucion.fecha) == "2018-03-26"
    assert result.extra == {"NUEVO": {"x": 1}}


@pytest.mark.parametrize(
    "error",
    [
        {
            "error": {
                "message": "Este DTE ya fue emitido (Idempotency-Key)",
                "code": "OF-06",
                "token": TOKEN,
            }
        },
        {
            "error": {
                "message": "Validación Idempotencia",
                "code": "OF-06",
                "details": [{"field": "token", "issue": TOKEN}],
            }
        },
    ],
)
async def test_of06_replay_is_the_original_document(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, error: dict[str, Any]
) -> None:
    mocked.post(EMIT, status=400, payload=error)
    result = await client.documents.emit(FACTURA, idempotency_key="order-1", validate=False)
    assert result.replayed is True
    assert result.token == TOKEN and result.folio is None
    assert result.idempotency_key == "order-1"


async def test_the_same_key_is_sent_on_every_retry(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(EMIT, status=503, body="Service Unavailable")
    mocked.post(EMIT, payload={"TOKEN": TOKEN, "FOLIO": 1})
    result = await client.documents.emit(FACTURA, validate=False)
    keys = [headers_of(call)["Idempotency-Key"] for _, _, call in calls(mocked)]
    assert len(keys) == 2 and keys[0] == keys[1] == result.idempotency_key


async def test_warning_is_on_the_result_and_warned_once(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    text = "Guía sin datos de transporte (Res. 154/2025)"
    mocked.post(EMIT, payload={"TOKEN": TOKEN, "FOLIO": 7, "WARNING": text})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = await client.documents.emit(FACTURA, validate=False)
    ours = [w for w in caught if issubclass(w.category, OpenfacturaWarning)]
    assert len(ours) == 1 and text in str(ours[0].message)
    assert ours[0].filename == __file__  # points at the caller
    assert result.warning == text


async def test_of10_amount_error_is_an_invalid_request_with_details(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(
        EMIT,
        status=400,
        payload={
            "error": {
                "message": "Validación de Campos",
                "code": "OF-10",
                "details": [{"field": "MntNeto", "issue": "Monto erróneo : 1000"}],
            }
        },
    )
    with pytest.raises(openfactura.InvalidRequestError) as info:
        await client.documents.emit(FACTURA, validate=False)
    assert info.value.code == "OF-10"
    assert info.value.details == [("MntNeto", "Monto erróneo : 1000")]
    assert len(calls(mocked)) == 1  # a refusal is not retried


async def test_local_validation_runs_first_and_sends_nothing(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    wrong = {**FACTURA, "Encabezado": {**FACTURA["Encabezado"], "Totales": {"MntTotal": 1}}}
    with pytest.raises(openfactura.ValidationError) as info:
        await client.documents.emit(wrong)
    assert info.value.problems
    assert not calls(mocked)
    mocked.post(EMIT, payload={"TOKEN": TOKEN})
    assert (await client.documents.emit(wrong, validate=False)).token == TOKEN


async def test_a_valid_dict_and_a_model_are_sent_in_wire_format(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(EMIT, payload={"TOKEN": TOKEN, "FOLIO": 1}, repeat=True)
    await client.documents.emit(FACTURA)
    model = Factura.from_wire(FACTURA)
    await client.documents.emit(model)
    first, second = (body_of(call)["dte"] for _, _, call in calls(mocked))
    assert first == FACTURA
    assert second["Encabezado"]["Totales"]["MntTotal"] == 2380
    assert second["Encabezado"]["IdDoc"]["TipoDTE"] == 33


async def test_unknown_response_item_and_bad_dte_are_refused_locally(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    with pytest.raises(openfactura.ValidationError, match="response"):
        await client.documents.emit(FACTURA, response=["PDFF"])
    with pytest.raises(openfactura.ValidationError, match="dte"):
        await client.documents.emit(42)  # type: ignore[arg-type]
    with pytest.raises(openfactura.ValidationError, match="idempotency_key"):
        await client.documents.emit(FACTURA, idempotency_key="  ")
    assert not calls(mocked)


async def test_self_service_without_tipo_dte_is_sent_unchecked(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    dte = {
        "Encabezado": {"IdDoc": {"FchEmis": "2026-09-27"}, "Totales": {"MntTotal": 3000}},
        "Detalle": [{"NmbItem": "Plan", "QtyItem": 1, "PrcItem": 3000, "MontoItem": 3000}],
    }
    mocked.post(EMIT, payload={"TOKEN": TOKEN, "SELF_SERVICE": {"url": "https://x/l/t0k"}})
    result = await client.documents.emit(
        dte, self_service={"issueBoleta": False, "allowFactura": True}
    )
    ((_, _, call),) = calls(mocked)
    assert body_of(call)["response"] == ["FOLIO", "SELF_SERVICE"]
    assert result.self_service_token == "t0k"


async def test_connection_lost_mid_emission_is_outcome_unknown_with_the_key(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    import aiohttp

    for _ in range(3):
        mocked.post(EMIT, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(openfactura.OutcomeUnknownError) as info:
        await client.documents.emit(FACTURA, idempotency_key="k-1", validate=False)
    assert info.value.idempotency_key == "k-1"
