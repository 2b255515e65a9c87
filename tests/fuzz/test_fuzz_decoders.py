"""Fuzzing everything that reads the server: a result or a typed error, never a crash.

Already fuzzed elsewhere (not repeated here): every answer model against generic JSON
(``tests/api/test_api_decode_fuzz.py::test_any_answer_is_a_model_or_a_decode_error``) and
``make_api_error`` against JSON error bodies with common statuses (same file). This suite
goes further:

* **whole answers through the transport**: any status (100-599), any headers
  (``Retry-After``, ``Content-Type``), any bytes (JSON, cut JSON, HTML, Latin-1, binary,
  nesting thousands deep) into a real ``Transport`` whose socket is replaced: every method
  of the client ends in its result or an ``OpenfacturaError``; an emission answered 2xx or
  5xx without a result is always ``OutcomeUnknownError`` with its key (never a
  ``ValidationError``, which would invite a second document);
* **list pages** with rows of every field and hostile values, through the pager and its
  client-side filters; **status answers** in every shape;
* **XML**: ``parse_xml`` with any bytes, valid DTE XML mutated, any declared encoding, deep
  nesting; ``XmlFile.parse()`` and ``DocumentJson.to_document()`` of anything the API
  could send (only ``ResponseDecodeError``);
* **error bodies** with any status and text, ``Retry-After`` values.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Sequence
from typing import Any

from fuzzing import budget, json_values, typed
from hypothesis import given
from hypothesis import strategies as st

import openfactura
from openfactura._decode import decode
from openfactura._exceptions import make_api_error
from openfactura._retry import RetryPolicy, parse_retry_after
from openfactura._transport import Response
from openfactura.dte import parse_xml
from openfactura.types import DocumentJson, IssuedPage, ReceivedPage, StatusResult, XmlFile

KEY = "d3ad11e5d3ad11e5d3ad11e5d3ad11e5"
TOKEN = "ab" * 32

# -- raw answers ------------------------------------------------------------------------------

FIELDS = st.sampled_from(
    [
        *("TOKEN", "FOLIO", "PDF", "XML", "WARNING", "RESOLUCION", "SELF_SERVICE"),
        *("estado", "token", "folio", "json", "pdf", "cedible", "xml", "data"),
        *("current_page", "last_page", "total", "error", "message", "code", "details"),
        *("rut", "razonSocial", "documentos", "registros", "response", "success", "succes"),
    ]
)


def _as_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


raw_bodies = st.one_of(
    json_values(FIELDS).map(_as_bytes),
    json_values(FIELDS).map(lambda v: _as_bytes(v)[: max(1, len(_as_bytes(v)) // 2)]),
    json_values(FIELDS).map(lambda v: json.dumps(v).encode("latin-1", "replace")),
    st.binary(max_size=40),
    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"",
            b"   ",
            b"null",
            b"<html><body>502 Bad Gateway</body></html>",
            b"[" * 50_000 + b"]" * 50_000,
            b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
            b'{"TOKEN": "' + TOKEN.encode() + b'"}',
            b'{"TOKEN": "' + TOKEN.encode() + b'", "FOLIO": "abc"}',
            b'{"error": {"message": "x", "code": "OF-06", "token": "' + TOKEN.encode() + b'"}}',
            b'{"estado": "Aceptado"}',
            b'"Aceptado"',
            b"1e999",
            b"NaN",
            b'{"TOKEN": "\\u0000"}',
            b"\xef\xbb\xbf{}",
            b'{"data": [{"TipoDTE": 33, "Folio": 1}], "last_page": "N/A"}',
            b'{"pdf": "JVBERi0xLjQK"}',
            b'{"xml": "PD94bWwgdmVyc2lvbj0iMS4wIj8+PGE+"}',
        ]
    ),
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 409, 429, 500, 502, 503]),
    st.integers(min_value=100, max_value=599),
)
header_values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    st.sampled_from(["0", "1", "-1", "nan", "inf", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT"]),
)
headers = st.dictionaries(
    st.sampled_from(["Retry-After", "Content-Type", "Location", "X-Other", "Idempotency-Key"]),
    header_values,
    max_size=3,
)
answers = st.tuples(statuses, headers, raw_bodies)


CALLS: dict[str, Any] = {
    "emit": lambda c: c.documents.emit(
        {"Encabezado": {"IdDoc": {"TipoDTE": 33}}},
        validate=False,
        response=("FOLIO", "PDF", "XML"),
        idempotency_key="fuzz-key",
    ),
    "status": lambda c: c.documents.status(TOKEN),
    "get": lambda c: c.documents.get(TOKEN),
    "pdf": lambda c: c.documents.pdf(TOKEN),
    "xml": lambda c: c.documents.xml(TOKEN),
    "issued": lambda c: _rows(c.documents.issued(folio=[1, 2])),
    "received": lambda c: _rows(c.documents.received(tipo_dte=[33, 34])),
    "accuse": lambda c: c.documents.accuse("76795561-8", 33, 1, "ACD"),
    "annul_guia": lambda c: c.documents.annul_guia(1, "2026-01-01"),
    "organization": lambda c: c.organization.get(include_logo=True),
    "folios": lambda c: c.organization.folios(),
    "taxpayer": lambda c: c.taxpayers.get("76795561-8"),
    "sales": lambda c: c.registry.sales(2026, 1),
    "purchases": lambda c: c.registry.purchases(2026, 1),
    "sync_rcv": lambda c: c.registry.sync_rcv("sales", 202601),
    "resend_email": lambda c: c.self_service.resend_email("abc"),
    "state": lambda c: c.self_service.state("abc"),
    "request": lambda c: c.request("GET", "/organization"),
}


async def _rows(pager: Any) -> list[Any]:
    rows = []
    async for row in pager:
        rows.append(row)
        if len(rows) > 100:
            break
    return rows


async def _answered(
    call: str, script: Sequence[tuple[int, dict[str, str], bytes]]
) -> Any | openfactura.OpenfacturaError:
    """``CALLS[call]`` against a transport whose every exchange gets the next answer."""
    client = openfactura.AsyncOpenfactura(KEY, rate_limits=None, max_retries=1, timeout=60)
    client._transport.retry = RetryPolicy(max_retries=1, jitter=lambda: 0.0, max_wait=0.0)
    turn = iter(range(10_000))

    async def send(*args: Any) -> tuple[int, dict[str, str], bytes]:
        status, head, raw = script[next(turn) % len(script)]
        return status, client._transport._safe_headers(head), raw

    client._transport._send = send  # type: ignore[method-assign]
    try:
        return await typed_async(CALLS[call](client))
    finally:
        await client.aclose()


async def typed_async(awaitable: Any) -> Any:
    try:
        return await awaitable
    except openfactura.OpenfacturaError as exc:
        str(exc), repr(exc)
        return exc


@budget(500)
@given(call=st.sampled_from(sorted(CALLS)), script=st.lists(answers, min_size=1, max_size=4))
def test_any_answer_to_any_method_is_a_result_or_a_typed_error(
    call: str, script: list[tuple[int, dict[str, str], bytes]]
) -> None:
    outcome = asyncio.run(_answered(call, script))
    if call == "emit" and isinstance(outcome, openfactura.OpenfacturaError):
        status = script[0][0]
        if 200 <= status < 300 or status >= 500:
            # The document may exist: only the key lets the caller find out.
            assert isinstance(outcome, openfactura.OutcomeUnknownError), repr(outcome)
            assert outcome.idempotency_key == "fuzz-key"
        assert not isinstance(outcome, openfactura.ValidationError), repr(outcome)


# -- list pages and status answers ------------------------------------------------------------

hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.text(max_size=10),
    st.sampled_from(["", "N/A", "2026-02-30", "2026-09-27", "2026-09-27 10:00:00", "33", "K"]),
)
ROW_FIELDS = [
    *("RUTRecep", "RUTEmisor", "DV", "RznSocRecep", "RznSoc", "TipoDTE", "Folio", "FchEmis"),
    *("FechaRecibido", "FchRecepSII", "FchRecepOF", "MntExe", "MntNeto", "IVA", "MntTotal"),
    *("FmaPago", "TpoTranCompra", "Token", "token", "Acuses"),
]
rows = st.one_of(
    st.fixed_dictionaries(
        {"TipoDTE": st.sampled_from([33, "33", 39, None]), "Folio": hostile_scalars},
        optional={
            name: st.one_of(hostile_scalars, json_values())
            for name in ROW_FIELDS
            if name not in ("TipoDTE", "Folio")
        },
    ),
    json_values(),
)
pages = st.fixed_dictionaries(
    {},
    optional={
        "current_page": hostile_scalars,
        "last_page": hostile_scalars,
        "total": hostile_scalars,
        "data": st.one_of(st.lists(rows, max_size=4), hostile_scalars),
        "error": json_values(),
    },
)


@budget(400)
@given(page=pages, kind=st.sampled_from([IssuedPage, ReceivedPage]))
def test_any_list_page_is_a_page_or_a_decode_error(page: dict[str, Any], kind: type) -> None:
    result = typed(decode, Response(status=200, headers={}, data=page), kind, "a page")
    if not isinstance(result, openfactura.OpenfacturaError):
        assert all(isinstance(row.folio, int) for row in result.data)
        for row in result.data:  # the properties callers use
            repr(row), row.tipo_dte
    else:
        assert isinstance(result, openfactura.ResponseDecodeError)


statuses_answers = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "estado": hostile_scalars,
            "token": hostile_scalars,
            "folio": hostile_scalars,
            "error": json_values(),
        },
    ),
    hostile_scalars,
    json_values(),
)


@budget(300)
@given(answer=statuses_answers)
def test_any_status_answer_is_a_status_or_a_decode_error(answer: Any) -> None:
    result = typed(decode, Response(status=200, headers={}, data=answer), StatusResult, "s")
    if isinstance(result, StatusResult):
        assert isinstance(result.is_final, bool) and isinstance(str(result.estado), str)
    else:
        assert isinstance(result, openfactura.ResponseDecodeError)


# -- XML --------------------------------------------------------------------------------------

DTE_XML = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>'
    '<DTE version="1.0"><Documento ID="F1T33"><Encabezado>'
    "<IdDoc><TipoDTE>33</TipoDTE><Folio>7</Folio><FchEmis>2026-09-27</FchEmis></IdDoc>"
    "<Emisor><RUTEmisor>76795561-8</RUTEmisor><RznSoc>HAULMER SPA</RznSoc>"
    "<GiroEmis>VENTAS</GiroEmis><Acteco>479100</Acteco><DirOrigen>ARTURO PRAT 527</DirOrigen>"
    "<CmnaOrigen>Curicó</CmnaOrigen></Emisor>"
    "<Receptor><RUTRecep>76430498-5</RUTRecep><RznSocRecep>HOSTY SPA</RznSocRecep>"
    "<GiroRecep>CONSULTORIA</GiroRecep><DirRecep>ARTURO PRAT 527</DirRecep>"
    "<CmnaRecep>Curicó</CmnaRecep></Receptor>"
    "<Totales><MntNeto>2000</MntNeto><TasaIVA>19</TasaIVA><IVA>380</IVA>"
    "<MntTotal>2380</MntTotal></Totales></Encabezado>"
    "<Detalle><NroLinDet>1</NroLinDet><NmbItem>item</NmbItem><QtyItem>1</QtyItem>"
    "<PrcItem>2000</PrcItem><MontoItem>2000</MontoItem></Detalle>"
    "</Documento></DTE>"
)


def test_the_seed_xml_is_a_factura() -> None:
    doc = parse_xml(DTE_XML.encode("iso-8859-1"))
    assert type(doc).__name__ == "Factura"
    assert doc.encabezado.totales.mnt_total == 2380


@st.composite
def mutated_xml(draw: st.DrawFn) -> bytes:
    text = DTE_XML
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        how = draw(st.sampled_from(["cut", "insert", "replace_value", "nest", "encoding"]))
        if how == "cut":
            text = text[:at] + text[at + draw(st.integers(min_value=1, max_value=30)) :]
        elif how == "insert":
            text = text[:at] + draw(st.text(max_size=10)) + text[at:]
        elif how == "replace_value":
            value = draw(st.sampled_from(["", "-1", "1e999", "abc", "NaN", "9" * 5000, "K"]))
            tag = draw(st.sampled_from(["TipoDTE", "Folio", "FchEmis", "MntTotal", "QtyItem"]))
            text = text.replace(f"<{tag}>", f"<{tag}>{value}<!--", 1).replace(
                f"</{tag}>", f"--></{tag}>", 1
            )
        elif how == "nest":
            depth = draw(st.sampled_from([10, 100, 3000]))
            text = text.replace("<Detalle>", "<Detalle>" + "<x>" * depth + "</x>" * depth, 1)
        else:
            name = draw(st.sampled_from(["UTF-8", "utf-16", "klingon", "", "ISO-8859-1", "ascii"]))
            text = text.replace("ISO-8859-1", name, 1)
    return text.encode("utf-8", "surrogatepass")


xml_inputs = st.one_of(
    mutated_xml(),
    st.binary(max_size=60),
    st.text(max_size=60),
    mutated_xml().map(lambda b: b.decode("utf-8", "replace")),
)


@budget(400)
@given(data=xml_inputs)
def test_parse_xml_reads_a_document_or_says_why_not(data: bytes | str) -> None:
    result = typed(parse_xml, data)
    if isinstance(result, openfactura.OpenfacturaError):
        assert isinstance(result, openfactura.ValidationError) and result.problems


@budget(300)
@given(data=xml_inputs)
def test_the_apis_xml_is_read_or_is_the_servers_failure(data: bytes | str) -> None:
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    answer = Response(
        status=200, headers={}, data={"xml": base64.b64encode(raw).decode(), "token": TOKEN}
    )
    xml = typed(decode, answer, XmlFile, "the XML")
    if isinstance(xml, XmlFile):
        parsed = typed(xml.parse)
        if isinstance(parsed, openfactura.OpenfacturaError):
            assert isinstance(parsed, openfactura.ResponseDecodeError), repr(parsed)
    else:
        assert isinstance(xml, openfactura.ResponseDecodeError)


@budget(300)
@given(document=json_values(st.sampled_from(["Encabezado", "IdDoc", "TipoDTE", "Detalle"])))
def test_the_apis_json_document_is_read_or_is_the_servers_failure(document: Any) -> None:
    answer = Response(status=200, headers={}, data={"json": document, "token": TOKEN})
    doc = typed(decode, answer, DocumentJson, "the json")
    if isinstance(doc, DocumentJson):
        parsed = typed(doc.to_document)
        if isinstance(parsed, openfactura.OpenfacturaError):
            assert isinstance(parsed, openfactura.ResponseDecodeError), repr(parsed)


# -- error bodies -----------------------------------------------------------------------------


@budget(400)
@given(
    status=st.integers(min_value=100, max_value=599),
    body=st.one_of(json_values(FIELDS), st.text(max_size=200)),
    retry_after=st.one_of(st.none(), st.floats(), st.integers()),
)
def test_any_error_answer_is_a_typed_error(status: int, body: Any, retry_after: Any) -> None:
    error = make_api_error(status, body, {"X": "y"}, retry_after=retry_after)
    assert isinstance(error, openfactura.APIError) and error.status == status
    assert error.message and isinstance(error.message, str)
    str(error), repr(error)


@budget(300)
@given(value=st.one_of(st.none(), st.text(max_size=40), header_values))
def test_retry_after_is_seconds_or_nothing(value: str | None) -> None:
    seconds = parse_retry_after(value)
    assert seconds is None or seconds >= 0
