"""Answers from the server: every known variant of an ambiguous shape is read, and an
answer the SDK cannot read is a ``ResponseDecodeError`` (the server's failure), never a
``ValidationError`` (the caller's) and never a model full of ``None``.

The variants are a table: ``READERS`` says how to ask for a shape and what to look at in
the result; ``VARIANTS`` lists, for each shape, the raw answers the API is known to send
(reference §8) with the value each must give. The same readers can drive the local
sandbox: every variant of one shape must read to the same value, whichever form
``FakeOpenfactura(variant=...)`` sends.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses
from api_mocks import API, KEY, TOKEN, calls

import openfactura
from openfactura._transport import Response
from openfactura.types import EmissionResult

PDF = b"%PDF-1.4 sandbox"
B64PDF = base64.b64encode(PDF).decode()
XML = '<?xml version="1.0" encoding="ISO-8859-1"?><DTE><CmnaOrigen>Curicó</CmnaOrigen></DTE>'
B64XML = base64.b64encode(XML.encode("iso-8859-1")).decode()
HTML = b"<html><body><h1>Service Unavailable</h1></body></html>"
LINK = "https://espacio.haulmer.com/autoservicio/AbC123"
DTE = {"Encabezado": {"IdDoc": {"TipoDTE": 33}}, "Detalle": []}  # sent with validate=False


# -- the table of known variants ---------------------------------------------------------------


@attrs.frozen
class Reader:
    """How to ask for one shape and what to look at in the result.

    ``call(client, token)`` makes the request; ``token`` is the token of an issued document
    (``TOKEN`` on the mocks; against the sandbox, one emitted there). ``method`` and
    ``path`` are the route the mocks answer on.
    """

    method: str
    path: str
    call: Callable[[openfactura.AsyncOpenfactura, str], Awaitable[Any]]
    read: Callable[[Any], Any]


def _org(**changes: Any) -> dict[str, Any]:
    """An /organization answer (reference E10) with ``changes`` applied."""
    base: dict[str, Any] = {
        "rut": "76795561-8",
        "razonSocial": "HAULMER SPA",
        "resolucion": {"fecha": "2018-03-26", "numero": 80},
        "actividades": [
            {
                "giro": "VENTA",
                "actividadEconomica": "VENTA AL POR MENOR",
                "codigoActividadEconomica": 479100,
                "actividadPrincipal": True,
            }
        ],
        "sucursales": [],
    }
    return {**base, **changes}


def _activity(code: Any) -> list[dict[str, Any]]:
    return [{"giro": "VENTA", "codigoActividadEconomica": code, "actividadPrincipal": 1}]


def _row(token_key: str, **extra: Any) -> dict[str, Any]:
    return {"TipoDTE": 33, "Folio": 7, token_key: "tok7", **extra}


def _page(rows: list[dict[str, Any]], last: Any = 1) -> dict[str, Any]:
    return {"current_page": 1, "last_page": last, "total": len(rows), "data": rows}


READERS: dict[str, Reader] = {
    "status": Reader(
        "GET", f"/document/{TOKEN}/status", lambda c, t: c.documents.status(t), lambda r: r.estado
    ),
    "status finality": Reader(
        "GET",
        f"/document/{TOKEN}/status",
        lambda c, t: c.documents.status(t),
        lambda r: r.is_final,
    ),
    "cedible": Reader(
        "GET",
        f"/document/{TOKEN}/cedible",
        lambda c, t: c.documents.cedible(t),
        lambda r: r.content,
    ),
    "codigoActividadEconomica (organization)": Reader(
        "GET",
        "/organization",
        lambda c, t: c.organization.get(),
        lambda r: r.actividad_principal.codigo_actividad_economica,
    ),
    "resolucion.numero": Reader(
        "GET", "/organization", lambda c, t: c.organization.get(), lambda r: r.resolucion.numero
    ),
    "codigoActividadEconomica (taxpayer)": Reader(
        "GET",
        "/taxpayer/76430498-5",
        lambda c, t: c.taxpayers.get("76430498-5"),
        lambda r: r.actividades[0].codigo_actividad_economica,
    ),
    "folio count": Reader(
        "GET",
        "/organization/document",
        lambda c, t: c.organization.folios(),
        lambda r: (r.types, r.available(33)),
    ),
    "OF-06 token": Reader(
        "POST",
        "/document",
        lambda c, t: c.documents.emit(DTE, response=(), validate=False, idempotency_key="o-1"),
        lambda r: (r.token, r.replayed),
    ),
    "issued rows' token": Reader(
        "POST",
        "/document/issued",
        lambda c, t: c.documents.issued().first_page(),
        lambda r: [row.token for row in r.data],
    ),
    "received rows' token": Reader(
        "POST",
        "/document/received",
        lambda c, t: c.documents.received().first_page(),
        lambda r: [row.token for row in r.data],
    ),
    "last_page": Reader(
        "POST",
        "/document/issued",
        lambda c, t: c.documents.issued().first_page(),
        lambda r: (r.last_page, r.is_last),
    ),
    "purchase state": Reader(
        "GET",
        "/registry/purchase/2026/08",
        lambda c, t: c.registry.purchases(2026, 8),
        lambda r: [block.state for block in r],
    ),
    "annulment message": Reader(
        "POST",
        "/anularDTE52",
        lambda c, t: c.documents.annul_guia(34972, "2020-10-16"),
        lambda r: r.message,
    ),
    "self-service state": Reader(
        "GET",
        "/selfservice/stateinvoice/AbC123",
        lambda c, t: c.self_service.state("AbC123"),
        lambda r: (r.response, r.is_pending),
    ),
    "SELF_SERVICE link": Reader(
        "POST",
        "/document",
        lambda c, t: c.documents.emit(DTE, validate=False),
        lambda r: r.self_service_token,
    ),
    "status token": Reader(
        "GET", f"/document/{TOKEN}/status", lambda c, t: c.documents.status(t), lambda r: r.token
    ),
}

OF06 = {"message": "Este DTE ya fue emitido (Idempotency-Key)", "code": "OF-06"}

# (shape, variant, HTTP status, raw answer, the value it must read as)
VARIANTS: list[tuple[str, str, int, Any, Any]] = [
    ("status", "object", 200, {"estado": "Aceptado", "token": TOKEN}, "Aceptado"),
    ("status", "bare string", 200, "Aceptado", "Aceptado"),
    ("status finality", "object", 200, {"estado": "Pendiente"}, False),
    ("status finality", "bare string", 200, "Aceptado con Reparos", True),
    ("cedible", "under pdf", 200, {"pdf": B64PDF}, PDF),
    ("cedible", "under cedible", 200, {"cedible": B64PDF}, PDF),
    ("cedible", "bare base64", 200, B64PDF, PDF),
    ("cedible", "under cedible, pdf blank", 200, {"pdf": "", "cedible": B64PDF}, PDF),
    ("cedible", "base64 with line breaks", 200, {"pdf": B64PDF[:8] + "\n" + B64PDF[8:]}, PDF),
    ("codigoActividadEconomica (organization)", "int", 200, _org(), 479100),
    (
        "codigoActividadEconomica (organization)",
        "string",
        200,
        _org(actividades=_activity("479100")),
        479100,
    ),
    (
        "codigoActividadEconomica (organization)",
        "blank",
        200,
        _org(actividades=_activity("")),
        None,
    ),
    ("resolucion.numero", "int", 200, _org(), 80),
    (
        "resolucion.numero",
        "string",
        200,
        _org(resolucion={"fecha": "2018-03-26", "numero": "80"}),
        80,
    ),
    ("resolucion.numero", "blank", 200, _org(resolucion={"fecha": "", "numero": ""}), None),
    (
        "codigoActividadEconomica (taxpayer)",
        "string",
        200,
        {"rut": "76430498-5", "razonSocial": "HOSTY SPA", "actividades": _activity("620200")},
        620200,
    ),
    (
        "codigoActividadEconomica (taxpayer)",
        "int",
        200,
        {"rut": "76430498-5", "razonSocial": "HOSTY SPA", "actividades": _activity(620200)},
        620200,
    ),
    (
        "codigoActividadEconomica (taxpayer)",
        "null (a RUT without activity)",
        200,
        {"rut": "11111111-1", "razonSocial": "X", "actividades": _activity(None)},
        None,
    ),
    (
        "folio count",
        "disponibles, numbers",
        200,
        {"rut": "76795561-8", "documentos": [{"dte": 33, "disponibles": 304938}]},
        ([33], 304938),
    ),
    (
        "folio count",
        "disponible, strings",
        200,
        {"rut": "76795561-8", "documentos": [{"dte": "33", "disponible": "304938"}]},
        ([33], 304938),
    ),
    (
        "folio count",
        "disponibles string, dte int",
        200,
        {"documentos": [{"dte": 33, "disponibles": "304938", "vencimiento": "2027-03-01"}]},
        ([33], 304938),
    ),
    (
        "folio count",
        "count blank",
        200,
        {"documentos": [{"dte": "33", "disponibles": "", "disponible": None}]},
        ([33], None),
    ),
    ("OF-06 token", "error.token", 400, {"error": {**OF06, "token": TOKEN}}, (TOKEN, True)),
    (
        "OF-06 token",
        "details entry",
        400,
        {"error": {**OF06, "details": [{"field": "token", "issue": TOKEN}]}},
        (TOKEN, True),
    ),
    ("issued rows' token", "Token", 200, _page([_row("Token")]), ["tok7"]),
    ("issued rows' token", "token", 200, _page([_row("token")]), ["tok7"]),
    ("received rows' token", "Token", 200, _page([_row("Token")]), ["tok7"]),
    ("received rows' token", "token", 200, _page([_row("token")]), ["tok7"]),
    ("received rows' token", "none given", 200, _page([{"TipoDTE": 33, "Folio": 7}]), [None]),
    ("last_page", "number", 200, _page([_row("Token")], last=3), (3, False)),
    ("last_page", "number as text", 200, _page([_row("Token")], last="3"), (3, False)),
    ("last_page", "N/A", 200, _page([_row("Token")], last="N/A"), (1, True)),
    (
        "purchase state",
        "Registrado (doc)",
        200,
        [{"estado": "Registrado", "registros": []}],
        ["Registrado"],
    ),
    (
        "purchase state",
        "Registro (dev)",
        200,
        [{"estado": "Registro", "registros": []}],
        ["Registrado"],
    ),
    (
        "purchase state",
        "one object",
        200,
        {"estado": "Pendiente", "registros": None},
        ["Pendiente"],
    ),
    ("annulment message", "success", 200, {"success": "Se ha anulado"}, "Se ha anulado"),
    ("annulment message", "succes", 200, {"succes": "Se ha anulado"}, "Se ha anulado"),
    ("self-service state", "object", 200, {"response": "Factura BAS"}, ("Factura BAS", False)),
    ("self-service state", "bare string", 200, "Factura BAS", ("Factura BAS", False)),
    ("SELF_SERVICE link", "object", 200, {"TOKEN": TOKEN, "SELF_SERVICE": {"url": LINK}}, "AbC123"),
    ("SELF_SERVICE link", "bare url", 200, {"TOKEN": TOKEN, "SELF_SERVICE": LINK}, "AbC123"),
    ("status token", "token", 200, {"estado": "Aceptado", "token": TOKEN}, TOKEN),
    ("status token", "Token", 200, {"estado": "Aceptado", "Token": TOKEN}, TOKEN),
    ("status token", "bare string: the token asked for", 200, "Aceptado", TOKEN),
]


async def read_shape(
    client: openfactura.AsyncOpenfactura, mocked: aioresponses, shape: str, status: int, raw: Any
) -> Any:
    """Serve ``raw`` for ``shape``'s route and return what the SDK reads from it."""
    reader = READERS[shape]
    register = mocked.get if reader.method == "GET" else mocked.post
    register(f"{API}{reader.path}", status=status, body=json.dumps(raw), repeat=True)
    return reader.read(await reader.call(client, TOKEN))


@pytest.mark.parametrize(
    ("shape", "variant", "status", "raw", "expected"),
    VARIANTS,
    ids=[f"{shape}: {variant}" for shape, variant, *_ in VARIANTS],
)
async def test_every_known_variant_is_read(
    mocked: aioresponses,
    client: openfactura.AsyncOpenfactura,
    shape: str,
    variant: str,
    status: int,
    raw: Any,
    expected: Any,
) -> None:
    assert await read_shape(client, mocked, shape, status, raw) == expected


def test_every_shape_has_two_variants() -> None:
    """An ambiguous shape is tested in each of its forms (reference §8)."""
    counts = {shape: 0 for shape in READERS}
    for shape, *_ in VARIANTS:
        counts[shape] += 1
    assert {shape for shape, n in counts.items() if n < 2} == set()


# -- answers the SDK cannot read -----------------------------------------------------------------


def _decode_error(exc: BaseException) -> openfactura.ResponseDecodeError:
    """The ResponseDecodeError behind ``exc`` (itself, or the cause of an OutcomeUnknownError)."""
    assert not isinstance(exc, openfactura.ValidationError)
    while not isinstance(exc, openfactura.ResponseDecodeError):
        assert exc.__cause__ is not None, f"{type(exc).__name__} without a decode error: {exc}"
        exc = exc.__cause__
    return exc


def _fields(exc: openfactura.ResponseDecodeError) -> list[str]:
    return [problem.field for problem in exc.problems]


def test_an_emission_answer_without_token_is_a_decode_error() -> None:
    from openfactura._decode import decode

    answer = Response(status=200, headers={}, data={"FOLIO": 674180, "WARNING": "x"})
    with pytest.raises(openfactura.ResponseDecodeError) as info:
        decode(answer, EmissionResult, "the emission result")
    assert info.value.status == 200
    assert "TOKEN" in str(info.value) and "674180" in (info.value.body or "")


@pytest.mark.parametrize(
    "raw",
    [{"FOLIO": 674180}, {"TOKEN": None, "FOLIO": 1}, {"TOKEN": ""}, {"error": {"code": "OF-13"}}],
)
async def test_emit_never_reads_an_answer_without_token_as_bad_input(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, raw: Any
) -> None:
    """Not a ValidationError ("fix the data and go on" would emit twice): the decode error,
    or the OutcomeUnknownError with the key that the emission path makes of it."""
    mocked.post(f"{API}/document", payload=raw, repeat=True)
    with pytest.raises(openfactura.OpenfacturaError) as info:
        await client.documents.emit(DTE, validate=False, idempotency_key="order-9")
    error = _decode_error(info.value)
    assert error.status == 200
    if isinstance(info.value, openfactura.OutcomeUnknownError):
        assert info.value.idempotency_key == "order-9"


async def test_list_rows_missing_tipo_dte(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    rows = [{"TipoDTE": 33, "Folio": 1}, {"Folio": 2, "Token": "t2"}]
    mocked.post(f"{API}/document/issued", payload=_page(rows))
    with pytest.raises(openfactura.ResponseDecodeError) as info:
        await client.documents.issued().first_page()
    assert _fields(info.value) == ["$.data[1].TipoDTE"]
    assert info.value.status == 200


async def test_last_page_not_a_number_ends_the_walk(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    page = {"current_page": 2, "last_page": "N/A", "total": "N/A", "data": [_row("Token")]}
    mocked.post(f"{API}/document/issued", payload=page)
    with pytest.raises(openfactura.ResponseDecodeError, match=r"\$\.total"):
        await client.documents.issued(start_page=2).first_page()  # total is no number
    page["total"] = 31
    mocked.post(f"{API}/document/issued", payload=page, repeat=True)
    rows = [row async for row in client.documents.issued(start_page=2)]
    assert [row.folio for row in rows] == [7]
    assert len(calls(mocked)) == 2  # one page asked for, and no page 3


@pytest.mark.parametrize(
    ("raw", "issue"),
    [
        ({"xml": "%%% not base64 %%%"}, "not base64"),
        ({"xml": "QUJD\u00e9"}, "not base64"),
        ({"xml": base64.b64encode(b"Service Unavailable").decode()}, "not an XML document"),
        ({"xml": None, "token": TOKEN}, "none of xml"),
        ({"xml": ""}, "none of xml"),
    ],
)
async def test_xml_that_is_not_base64_xml(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, raw: Any, issue: str
) -> None:
    mocked.get(f"{API}/document/{TOKEN}/xml", payload=raw)
    with pytest.raises(openfactura.ResponseDecodeError) as info:
        await client.documents.xml(TOKEN)
    assert issue in str(info.value)


@pytest.mark.parametrize("value", ["pdf", "cedible"])
@pytest.mark.parametrize("key", ["pdf", "cedible"])
async def test_a_pdf_field_that_is_not_a_pdf(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, value: str, key: str
) -> None:
    mocked.get(f"{API}/document/{TOKEN}/{value}", payload={key: base64.b64encode(HTML).decode()})
    with pytest.raises(openfactura.ResponseDecodeError) as info:
        await getattr(client.documents, value)(TOKEN)
    assert _fields(info.value) == [f"$.{key}"]
    assert "not a PDF" in str(info.value) and "<html>" in str(info.value)


def test_an_emitted_pdf_that_is_not_a_pdf() -> None:
    from openfactura._decode import decode

    answer = Response(
        status=200, headers={}, data={"TOKEN": TOKEN, "PDF": base64.b64encode(HTML).decode()}
    )
    with pytest.raises(openfactura.ResponseDecodeError, match="not a PDF"):
        decode(answer, EmissionResult, "the emission result")


NOT_JSON = [
    pytest.param(HTML, "HTML", id="html"),
    pytest.param(b'{"estado": "Acep', "cut short", id="truncated-json"),
    pytest.param(b'{"rut": "76795561-8", "razonSocial": "HAULMER SPA",', "cut short", id="cut"),
    pytest.param(b"OK", "text", id="plain-text"),
    pytest.param(b"[" * 100_000, "cut short", id="nested-too-deep"),
]


@pytest.mark.parametrize(("raw", "issue"), NOT_JSON)
@pytest.mark.parametrize("method", ["organization", "status", "issued", "sales"])
async def test_a_2xx_that_is_not_json(
    mocked: aioresponses,
    client: openfactura.AsyncOpenfactura,
    raw: bytes,
    issue: str,
    method: str,
) -> None:
    calls_by_method: dict[str, tuple[str, str, Callable[[], Awaitable[Any]]]] = {
        "organization": ("GET", "/organization", lambda: client.organization.get()),
        "status": ("GET", f"/document/{TOKEN}/status", lambda: client.documents.status(TOKEN)),
        "issued": ("POST", "/document/issued", lambda: client.documents.issued().first_page()),
        "sales": ("GET", "/registry/sales/2026/08", lambda: client.registry.sales(2026, 8)),
    }
    verb, path, call = calls_by_method[method]
    register = mocked.get if verb == "GET" else mocked.post
    register(f"{API}{path}", status=200, body=raw, content_type="text/html")
    with pytest.raises(openfactura.ResponseDecodeError) as info:
        await call()
    error = info.value
    assert error.status == 200 and issue in error.problems[0].issue
    assert error.body is not None and error.body.startswith(raw[:40].decode())
    assert len(error.body) <= openfactura.ResponseDecodeError.MAX_BODY + 1  # truncated
    assert len(calls(mocked)) == 1


ERROR_200 = {"error": {"message": "Problema al procesar los datos", "code": "OF-13"}}


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("/organization", lambda c: c.organization.get()),
        ("/organization/document", lambda c: c.organization.folios()),
        ("/taxpayer/76430498-5", lambda c: c.taxpayers.get("76430498-5")),
        (f"/document/{TOKEN}/status", lambda c: c.documents.status(TOKEN)),
        (f"/document/{TOKEN}/json", lambda c: c.documents.get(TOKEN)),
        (f"/document/{TOKEN}/pdf", lambda c: c.documents.pdf(TOKEN)),
        ("/registry/sales/2026/08", lambda c: c.registry.sales(2026, 8)),
        ("/selfservice/stateinvoice/AbC123", lambda c: c.self_service.state("AbC123")),
    ],
)
async def test_a_200_whose_body_is_an_error(
    mocked: aioresponses,
    client: openfactura.AsyncOpenfactura,
    path: str,
    call: Callable[[openfactura.AsyncOpenfactura], Awaitable[Any]],
) -> None:
    """Issue 14 item 6: organization.get() returned Organization(rut=None, ...)."""
    mocked.get(f"{API}{path}", payload=ERROR_200)
    with pytest.raises(openfactura.ResponseDecodeError) as info:
        await call(client)
    assert "Problema al procesar los datos" in str(info.value)
    assert "OF-13" in (info.value.body or "")


@pytest.mark.parametrize(
    "raw",
    [{}, {"nombreFantasia": "HAULMER"}, {"rut": None, "razonSocial": None}, [ERROR_200], None],
)
async def test_an_organization_without_what_identifies_it(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, raw: Any
) -> None:
    mocked.get(f"{API}/organization", body=b"" if raw is None else json.dumps(raw))
    with pytest.raises(openfactura.ResponseDecodeError):
        await client.organization.get()


@pytest.mark.parametrize(
    ("path", "call", "raw"),
    [
        ("GET", lambda c: c.documents.status(TOKEN), {"estado": {"estado": "Aceptado"}}),
        ("GET", lambda c: c.documents.status(TOKEN), {"token": TOKEN}),
        ("GET", lambda c: c.documents.get(TOKEN), {"json": None, "token": TOKEN}),
        ("POST", lambda c: c.documents.issued().first_page(), {}),
        ("POST", lambda c: c.documents.issued().first_page(), {"data": "nada"}),
        ("POST", lambda c: c.documents.received().first_page(), _page([{"TipoDTE": 33}])),
        ("POST", lambda c: c.documents.accuse("76795561-8", 33, 1, "ACD"), ["OK"]),
        ("POST", lambda c: c.documents.annul_guia(1, "2020-10-16"), {"ok": True}),
        ("POST", lambda c: c.registry.sync_rcv("sales", 202605), "queued"),
        ("GET", lambda c: c.registry.purchases(2026, 8), "nada"),
    ],
    ids=[
        "status-object",
        "status-missing",
        "json-null",
        "page-empty-object",
        "page-data-text",
        "received-row-no-folio",
        "accuse-list",
        "annul-no-success",
        "sync-rcv-text",
        "purchases-text",
    ],
)
async def test_other_unreadable_answers(
    client: openfactura.AsyncOpenfactura,
    path: str,
    call: Callable[[openfactura.AsyncOpenfactura], Awaitable[Any]],
    raw: Any,
) -> None:
    with aioresponses() as mocked:
        mocked.get(f"{API}/document/{TOKEN}/status", body=json.dumps(raw))
        mocked.get(f"{API}/document/{TOKEN}/json", body=json.dumps(raw))
        mocked.get(f"{API}/registry/purchase/2026/08", body=json.dumps(raw))
        for route in ("issued", "received", "received/accuse"):
            mocked.post(f"{API}/document/{route}", body=json.dumps(raw))
        mocked.post(f"{API}/anularDTE52", body=json.dumps(raw))
        mocked.post(f"{API}/registry/sync-rcv", body=json.dumps(raw))
        with pytest.raises(openfactura.ResponseDecodeError) as info:
            await call(client)
    assert info.value.status == 200 and info.value.problems


async def test_the_decode_error_keeps_a_truncated_masked_body(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    page = b"<html><p>apikey " + KEY.encode() + b" rechazada</p>" + b"x" * 10_000 + b"</html>"
    mocked.get(f"{API}/organization", body=page, content_type="text/html")
    with pytest.raises(openfactura.ResponseDecodeError) as info:
        await client.organization.get()
    error = info.value
    assert error.body is not None and "apikey **** rechazada" in error.body
    assert len(error.body) == error.MAX_BODY + 1 and error.body.endswith("…")
    for text in (str(error), repr(error), error.body, str(error.problems)):
        assert KEY not in text
    assert not isinstance(error, openfactura.APIError)  # not an error answer of the API


async def test_an_empty_list_page_is_still_an_empty_page(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(f"{API}/document/issued", payload=_page([], last=None))
    mocked.post(f"{API}/document/issued", payload={"current_page": 1, "data": None})
    first = await client.documents.issued().first_page()
    second = await client.documents.issued().first_page()
    assert first.data == second.data == [] and first.is_last and second.is_last


async def test_a_document_the_models_refuse_is_the_servers_failure(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    """``to_document()``/``parse()`` read the API's document: refusing it is not bad input."""
    mocked.get(f"{API}/document/{TOKEN}/json", payload={"json": {"Encabezado": {}}})
    mocked.get(f"{API}/document/{TOKEN}/xml", payload={"xml": base64.b64encode(b"<x/>").decode()})
    document = await client.documents.get(TOKEN)
    xml = await client.documents.xml(TOKEN)
    for read in (document.to_document, xml.parse):
        with pytest.raises(openfactura.ResponseDecodeError) as info:
            read()
        assert info.value.problems and not isinstance(info.value, openfactura.ValidationError)


async def test_a_bare_status_by_folio_keeps_the_folio_asked_for(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(f"{API}/document/76795561-8/33/2514/status", body=json.dumps("Rechazado"))
    result = await client.documents.status(rut="76795561-8", dte_type=33, folio=2514)
    assert (result.estado, result.folio, result.token, result.is_final) == (
        "Rechazado",
        2514,
        None,
        True,
    )


async def test_wait_many_yields_tokens_when_statuses_are_bare(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    for token in ("t1", "t2"):
        mocked.get(f"{API}/document/{token}/status", body=json.dumps("Aceptado"))
    seen = [r.token async for r in client.documents.wait_many(["t1", "t2"])]
    assert sorted(seen) == ["t1", "t2"]
