"""documents.emit: body, idempotency, replay, decoding, WARNING, local validation."""

from __future__ import annotations

import base64
import re
import warnings
from typing import Any

import pytest
from aioresponses import aioresponses
from api_mocks import API, TOKEN, body_of, calls, headers_of, quiet
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
    mocked.get(f"{EMIT}/{TOKEN}/json", payload={"json": {"Encabezado": {"IdDoc": {"Folio": 9}}}})
    result = await client.documents.emit(FACTURA, idempotency_key="order-1", validate=False)
    assert result.replayed is True
    assert result.token == TOKEN and result.folio == 9  # the folio asked for, read by token
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


# -- the audit: every answer to an emission, and what the caller gets -----------------------
#
# The rule (issue 14, item 1): an answer that may mean the document exists ends in the
# document (an EmissionResult) or in OutcomeUnknownError carrying the key, never in an
# error that invites a new emission with a new key (ValidationError, InvalidRequestError,
# ServerError...). An answer that proves nothing was emitted (a refusal with an OF code,
# the gateway's 401/403/404/429 on a first attempt, a connection never opened, a redirect
# the client does not follow) is a definitive, typed error.
#
# Each row: the answers to the successive attempts (the client allows 2 retries), and the
# outcome: "ok" (a result), "unknown" (OutcomeUnknownError, with the class of its cause),
# or the exact error class.

HTML = "<html><body><h1>Mantenimiento</h1></body></html>"
OF = dict[str, Any]


def _err(code: str, message: str = "x", **extra: Any) -> OF:
    return {"error": {"message": message, "code": code, **extra}}


ANSWERS: list[tuple[str, list[dict[str, Any]], Any]] = [
    # 2xx: a readable result
    ("200 token+folio", [{"payload": {"TOKEN": TOKEN, "FOLIO": 5}}], "ok"),
    ("201 token", [{"status": 201, "payload": {"TOKEN": TOKEN, "FOLIO": 5}}], "ok"),
    (
        "200 latin-1 json",
        [{"body": f'{{"TOKEN":"{TOKEN}","FOLIO":5,"NOTA":"Guía"}}', "latin1": True}],
        "ok",
    ),
    # 2xx the SDK cannot read: the document may exist
    ("200 error object", [{"payload": _err("OF-10", "Validación de Campos")}], "decode"),
    ("200 error text", [{"payload": {"error": "algo falló"}}], "decode"),
    ("200 error + token", [{"payload": {"TOKEN": TOKEN, "error": "x"}}], "decode"),
    ("200 html", [{"body": HTML, "content_type": "text/html"}], "decode"),
    ("200 cut-off json", [{"body": f'{{"TOKEN": "{TOKEN}", "FOL'}], "decode"),
    ("200 empty body", [{"body": ""}], "decode"),
    ("204 no content", [{"status": 204, "body": ""}], "decode"),
    ("200 json null", [{"body": "null"}], "decode"),
    ("200 json list", [{"payload": [{"TOKEN": TOKEN}]}], "decode"),
    ("200 json string", [{"payload": TOKEN}], "decode"),
    ("200 no TOKEN", [{"payload": {"FOLIO": 5}}], "decode"),
    ("200 TOKEN null", [{"payload": {"TOKEN": None, "FOLIO": 5}}], "decode"),
    ("200 TOKEN empty", [{"payload": {"TOKEN": " ", "FOLIO": 5}}], "decode"),
    ("200 TOKEN a number", [{"payload": {"TOKEN": 123}}], "decode"),
    ("200 FOLIO unreadable", [{"payload": {"TOKEN": TOKEN, "FOLIO": "abc"}}], "decode"),
    # the API refused it (an OF code: it checked the key and found no document)
    ("400 OF-10", [{"status": 400, "payload": _err("OF-10")}], openfactura.InvalidRequestError),
    ("400 OF-03", [{"status": 400, "payload": _err("OF-03")}], openfactura.PermissionDeniedError),
    # OF-06: the key already emitted
    ("400 OF-06 token", [{"status": 400, "payload": _err("OF-06", token=TOKEN)}], "replay"),
    ("400 OF-06 no token", [{"status": 400, "payload": _err("OF-06")}], "unknown"),
    # the API did not reach a verdict (XML generation, database): may exist
    ("400 OF-12", [{"status": 400, "payload": _err("OF-12")}], "unknown"),
    ("400 OF-13", [{"status": 400, "payload": _err("OF-13")}], "unknown"),
    ("400 OF-21", [{"status": 400, "payload": _err("OF-21")}], "unknown"),
    # the gateway (not the API) answered a first attempt: nothing was processed
    (
        "401",
        [{"status": 401, "payload": {"statusCode": 401, "message": "denied"}}],
        openfactura.AuthenticationError,
    ),
    ("403", [{"status": 403, "payload": {"message": "Invalid"}}], openfactura.AuthenticationError),
    (
        "404",
        [{"status": 404, "payload": {"statusCode": 404, "message": "Resource not found"}}],
        openfactura.NotFoundError,
    ),
    ("400 proxy html", [{"status": 400, "body": HTML}], openfactura.ServerError),
    (
        "302 redirect",
        [{"status": 302, "headers": {"Location": "https://x/"}, "body": ""}],
        openfactura.APIError,
    ),
    (
        "429 x3",
        [{"status": 429, "payload": {"statusCode": 429, "message": "Try again in 1 seconds."}}] * 3,
        openfactura.RateLimitError,
    ),
    # server errors: may exist
    ("500", [{"status": 500, "body": "Internal Server Error"}], "unknown"),
    ("501", [{"status": 501, "body": ""}], "unknown"),
    ("502 x3", [{"status": 502, "body": HTML}] * 3, "unknown"),
    ("503 x3", [{"status": 503, "body": ""}] * 3, "unknown"),
    ("504 x3", [{"status": 504, "body": ""}] * 3, "unknown"),
    # connections
    ("dropped x3", [{"exception": "disconnect"}] * 3, "unknown"),
    ("timeout x3", [{"exception": "timeout"}] * 3, "unknown"),
    ("cut-off body x3", [{"exception": "payload"}] * 3, "unknown"),
    # a lost attempt, then...
    (
        "503, then ok",
        [{"status": 503, "body": ""}, {"payload": {"TOKEN": TOKEN, "FOLIO": 5}}],
        "ok",
    ),
    (
        "503, then OF-06",
        [{"status": 503, "body": ""}, {"status": 400, "payload": _err("OF-06", token=TOKEN)}],
        "replay",
    ),
    (
        "503, then OF-10",
        [{"status": 503, "body": ""}, {"status": 400, "payload": _err("OF-10")}],
        openfactura.InvalidRequestError,
    ),
    (
        "503, then 401",
        [{"status": 503, "body": ""}, {"status": 401, "payload": {"message": "denied"}}],
        "unknown",
    ),
    (
        "503, then 404",
        [{"status": 503, "body": ""}, {"status": 404, "payload": {"message": "nf"}}],
        "unknown",
    ),
    (
        "503, then 302",
        [{"status": 503, "body": ""}, {"status": 302, "headers": {"Location": "/"}, "body": ""}],
        "unknown",
    ),
    ("503, then 200 html", [{"status": 503, "body": ""}, {"body": HTML}], "decode"),
    (
        "dropped, then 429 x2",
        [{"exception": "disconnect"}]
        + [{"status": 429, "payload": {"message": "Try again in 1 seconds."}}] * 2,
        "unknown",
    ),
    (
        "dropped, then OF-13",
        [{"exception": "disconnect"}, {"status": 400, "payload": _err("OF-13")}],
        "unknown",
    ),
]


def _mock_answer(mocked: aioresponses, spec: dict[str, Any]) -> None:
    import asyncio

    import aiohttp

    spec = dict(spec)
    exception = spec.pop("exception", None)
    if exception is not None:
        made = {
            "disconnect": aiohttp.ServerDisconnectedError(),
            "timeout": asyncio.TimeoutError(),
            "payload": aiohttp.ClientPayloadError("cut"),
        }[exception]
        mocked.post(EMIT, exception=made)
        return
    if spec.pop("latin1", False):
        spec["body"] = spec["body"].encode("latin-1")
    mocked.post(EMIT, **spec)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [pytest.param(answers, expected, id=name) for name, answers, expected in ANSWERS],
)
async def test_every_answer_to_an_emission_ends_in_the_document_or_the_key(
    mocked: aioresponses,
    client: openfactura.AsyncOpenfactura,
    answers: list[dict[str, Any]],
    expected: Any,
) -> None:
    for spec in answers:
        _mock_answer(mocked, spec)
    # a replay reads the folio it was asked for by token
    mocked.get(f"{EMIT}/{TOKEN}/json", payload={"json": {"Encabezado": {"IdDoc": {"Folio": 5}}}})
    outcome: EmissionResult | openfactura.OpenfacturaError
    try:
        outcome = await client.documents.emit(FACTURA, idempotency_key="order-77", validate=False)
    except openfactura.OpenfacturaError as exc:
        outcome = exc
    if isinstance(outcome, openfactura.OutcomeUnknownError):
        assert expected in ("unknown", "decode"), f"unexpected OutcomeUnknownError: {outcome}"
        assert type(outcome) is openfactura.OutcomeUnknownError
        assert outcome.idempotency_key == "order-77"
        if expected == "decode":
            assert isinstance(outcome.__cause__, openfactura.ResponseDecodeError)
            assert outcome.__cause__.status // 100 == 2
        return
    if isinstance(outcome, openfactura.OpenfacturaError):
        assert isinstance(expected, type), f"{type(outcome).__name__}: {outcome}"
        assert type(outcome) is expected, f"{type(outcome).__name__}: {outcome}"
        assert not isinstance(outcome, openfactura.ValidationError)
        return
    result = outcome
    assert expected in ("ok", "replay"), f"got a result: {result}"
    assert result.token == TOKEN and result.folio == 5
    assert result.replayed is (expected == "replay")
    assert result.idempotency_key == "order-77"
    sent = [
        headers_of(call)["Idempotency-Key"] for verb, _, call in calls(mocked) if verb == "POST"
    ]
    assert sent == ["order-77"] * len(sent)


# -- a replay gives what was asked for (issue 14, item 7) ----------------------------------


async def test_a_replay_after_a_stored_first_attempt_still_gives_the_folio_and_the_pdf() -> None:
    """The sandbox stores the document and drops the answer; the retry is a replay."""
    from openfactura.testing import FakeOpenfactura

    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            quiet(client)
            fake.drop_after_store_next(path="/v2/dte/document")
            result = await client.documents.emit(
                EXAMPLE_FACTURA["dte"], response=("FOLIO", "PDF", "XML"), idempotency_key="r-1"
            )
        (doc,) = fake.documents  # exactly one document
        assert result.replayed is True
        assert result.token == doc.token
        assert result.folio == doc.folio and result.folio is not None and result.folio > 0
        assert result.pdf is not None and result.pdf.startswith(b"%PDF")
        assert result.xml is not None and f"<Folio>{doc.folio}</Folio>" in str(result.xml)
        paths = [r.path for r in fake.requests]
        assert paths.count("/v2/dte/document") == 2  # the lost attempt and the replay
        # what was fetched by token, through the same client (and its limits)
        assert f"/v2/dte/document/{doc.token}/pdf" in paths
        assert f"/v2/dte/document/{doc.token}/xml" in paths
        assert f"/v2/dte/document/{doc.token}/json" not in paths  # the pdf gave the folio


async def test_a_replay_asking_only_for_the_folio_reads_the_document_json(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(EMIT, status=400, payload=_err("OF-06", token=TOKEN))
    mocked.get(
        f"{EMIT}/{TOKEN}/json",
        payload={"json": {"Encabezado": {"IdDoc": {"TipoDTE": "33", "Folio": "2514"}}}},
    )
    result = await client.documents.emit(FACTURA, idempotency_key="r-2", validate=False)
    assert (result.replayed, result.folio, result.pdf) == (True, 2514, None)
    assert [verb for verb, _, _ in calls(mocked)] == ["POST", "GET"]


async def test_a_replay_asking_for_nothing_more_reads_nothing(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(EMIT, status=400, payload=_err("OF-06", token=TOKEN))
    result = await client.documents.emit(
        FACTURA, response=("TIMBRE",), idempotency_key="r-3", validate=False
    )
    assert result.replayed and result.timbre is None  # no read by token gives a TIMBRE
    assert [verb for verb, _, _ in calls(mocked)] == ["POST"]


async def test_a_replay_whose_reads_fail_is_outcome_unknown_with_the_token_and_key(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(EMIT, status=400, payload=_err("OF-06", token=TOKEN))
    mocked.get(f"{EMIT}/{TOKEN}/pdf", status=503, body="", repeat=True)
    with pytest.raises(openfactura.OutcomeUnknownError) as info:
        await client.documents.emit(
            FACTURA, response=("FOLIO", "PDF"), idempotency_key="r-4", validate=False
        )
    assert info.value.idempotency_key == "r-4"
    assert TOKEN in str(info.value) and "PDF" in str(info.value)
    assert isinstance(info.value.__cause__, openfactura.ServerError)


# -- bad keys (issue 14, item 9) -------------------------------------------------------------


@pytest.mark.parametrize("bad", ["order\r\n1", "order\n1", "order\r1", "order\x001", "a\x7fb"])
async def test_an_idempotency_key_with_control_characters_is_refused_before_sending(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, bad: str
) -> None:
    with pytest.raises(openfactura.ValidationError) as info:
        await client.documents.emit(FACTURA, idempotency_key=bad, validate=False)
    assert info.value.problems[0].field == "idempotency_key"
    with pytest.raises(openfactura.ValidationError):  # the raw path too
        await client._request("POST", "/v2/dte/document", json={}, idempotency_key=bad)
    assert not calls(mocked)
