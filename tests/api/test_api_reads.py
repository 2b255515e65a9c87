"""documents.status/get/pdf/xml/cedible by token or by RUT+type+folio; wait and wait_many."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses
from api_mocks import API, TOKEN, FakeClock, calls

import openfactura
from openfactura._exceptions import WaitTimeoutError
from openfactura.types import DocumentStatus, PdfFile, StatusResult

PDF = b"%PDF-1.4 factura"
B64PDF = base64.b64encode(PDF).decode()
XML = '<?xml version="1.0" encoding="ISO-8859-1"?><DTE><CmnaOrigen>Curicó</CmnaOrigen></DTE>'
B64XML = base64.b64encode(XML.encode("iso-8859-1")).decode()


async def test_status_by_token(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    mocked.get(f"{API}/document/{TOKEN}/status", payload={"estado": "Aceptado", "token": TOKEN})
    result = await client.documents.status(TOKEN)
    assert result == StatusResult(estado=DocumentStatus.ACEPTADO, token=TOKEN)
    assert result.is_final and result.estado.is_accepted


async def test_status_by_folio_has_folio_as_string(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/document/76795561-8/39/674180/status",
        payload={"estado": "Pendiente", "folio": "674180"},
    )
    result = await client.documents.status(rut="76.795.561-8", dte_type=39, folio=674180)
    assert result.folio == 674180 and result.estado == "Pendiente" and not result.is_final


@pytest.mark.parametrize(
    ("text", "final"),
    [
        ("Aceptado", True),
        ("Aceptado con Reparo", True),
        ("Aceptado con Reparos", True),
        ("Rechazado", True),
        ("Pendiente", False),
        ("Sin estado", False),
        ("Algo nuevo", False),
    ],
)
def test_status_finality(text: str, final: bool) -> None:
    status = DocumentStatus(text)
    assert status.is_final is final
    assert status == text and str(status) == text


async def test_token_is_quoted_in_the_path(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(f"{API}/document/a%2Fb/status", payload={"estado": "Aceptado"})
    await client.documents.status("a/b")
    ((_, url, _),) = calls(mocked)
    assert url.endswith("/document/a%2Fb/status")


async def test_bad_read_arguments_send_nothing(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    with pytest.raises(openfactura.ValidationError, match="not both"):
        await client.documents.status(TOKEN, folio=1)
    with pytest.raises(openfactura.ValidationError) as info:
        await client.documents.pdf(rut="76795561-8")
    assert {p.field for p in info.value.problems} == {"dte_type", "folio"}
    with pytest.raises(openfactura.ValidationError, match="check digit"):
        await client.documents.xml(rut="76795561-7", dte_type=33, folio=1)
    assert not calls(mocked)


async def test_get_document_json(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    dte = {"Encabezado": {"IdDoc": {"TipoDTE": "33", "Folio": "26005"}}, "Detalle": []}
    mocked.get(
        f"{API}/document/{TOKEN}/json",
        payload={
            "json": dte,
            "token": TOKEN,
            "FchRecepSII": "",
            "FchRecepOF": "2025-04-11 23:00:27.0427",
        },
    )
    doc = await client.documents.get(TOKEN)
    assert doc.json == dte
    assert doc.fch_recep_sii is None
    assert doc.fch_recep_of == dt.datetime(2025, 4, 11, 23, 0, 27, 42700)


async def test_pdf_by_folio_and_save(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    mocked.get(f"{API}/document/76795561-8/33/600625/pdf", payload={"pdf": B64PDF, "folio": 600625})
    pdf = await client.documents.pdf(rut="76795561-8", dte_type=33, folio=600625)
    assert pdf.content == PDF and pdf.folio == 600625
    target = tmp_path / "f.pdf"
    assert pdf.save(target) == target and target.read_bytes() == PDF
    target.write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        pdf.save(target)
    assert target.read_bytes() == b"mine"
    pdf.save(target, overwrite=True)
    assert target.read_bytes() == PDF


@pytest.mark.parametrize("payload", [{"pdf": B64PDF}, {"cedible": B64PDF}, B64PDF])
async def test_cedible_reads_either_key(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, payload: object
) -> None:
    mocked.get(f"{API}/document/{TOKEN}/cedible", body=json.dumps(payload))
    assert (await client.documents.cedible(TOKEN)).content == PDF


async def test_cedible_of_a_boleta_is_refused(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/document/76795561-8/39/5/cedible",
        status=400,
        payload={
            "error": {
                "message": "Validación de Campos",
                "code": "OF-10",
                "details": [{"field": "Documento", "issue": "Documento sin cedible"}],
            }
        },
    )
    with pytest.raises(openfactura.InvalidRequestError, match="Documento sin cedible"):
        await client.documents.cedible(rut="76795561-8", dte_type=39, folio=5)


async def test_answer_without_pdf_is_a_decode_error(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(f"{API}/document/{TOKEN}/pdf", payload={"folio": 1})
    with pytest.raises(openfactura.ResponseDecodeError, match="none of pdf, cedible"):
        await client.documents.pdf(TOKEN)


async def test_xml_is_decoded_from_latin1(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    mocked.get(f"{API}/document/{TOKEN}/xml", payload={"xml": B64XML, "token": TOKEN})
    xml = await client.documents.xml(TOKEN)
    assert xml.content == XML and "Curicó" in xml.content
    xml.save(tmp_path / "f.xml")
    assert (tmp_path / "f.xml").read_bytes() == XML.encode("iso-8859-1")


async def test_unknown_folio_of22_is_not_found(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/document/76795561-8/33/999999999/status",
        status=400,
        payload={
            "error": {
                "message": "Problema al procesar los datos",
                "code": "OF-22",
                "details": [
                    {"field": "problema", "issue": "No existe"},
                    {"field": "dte", "issue": "33"},
                    {"field": "folio", "issue": "999999999"},
                ],
            }
        },
    )
    with pytest.raises(openfactura.NotFoundError) as info:
        await client.documents.status(rut="76795561-8", dte_type=33, folio=999999999)
    assert info.value.code == "OF-22"


async def test_bad_value_error_in_flat_shape(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/document/{TOKEN}/json",
        status=400,
        payload={
            "message": "Validación de Campos.",
            "code": "OF-10",
            "details": {"Error": "foo es Incorrecto"},
        },
    )
    with pytest.raises(openfactura.InvalidRequestError) as info:
        await client.documents.get(TOKEN)
    assert info.value.details == [("Error", "foo es Incorrecto")]


# -- wait ------------------------------------------------------------------------------------


async def test_wait_polls_with_backoff_until_final(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, clock: FakeClock
) -> None:
    url = f"{API}/document/{TOKEN}/status"
    mocked.get(url, payload={"estado": "Sin estado", "token": TOKEN})
    mocked.get(url, payload={"estado": "Pendiente", "token": TOKEN})
    mocked.get(url, payload={"estado": "Pendiente", "token": TOKEN})
    mocked.get(url, payload={"estado": "Aceptado con Reparos", "token": TOKEN})
    result = await client.documents.wait(TOKEN, interval=2, max_interval=3)
    assert result.estado == "Aceptado con Reparos" and result.is_final
    assert clock.sleeps == [2, 3, 3]
    assert len(calls(mocked)) == 4


async def test_wait_times_out_with_the_last_status(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, clock: FakeClock
) -> None:
    mocked.get(f"{API}/document/{TOKEN}/status", payload={"estado": "Pendiente"}, repeat=True)
    with pytest.raises(WaitTimeoutError) as info:
        await client.documents.wait(TOKEN, timeout=10, interval=4)
    assert info.value.tokens == [TOKEN]
    assert info.value.statuses == {TOKEN: "Pendiente"}
    assert isinstance(info.value, TimeoutError)
    assert sum(clock.sleeps) == pytest.approx(10)  # never sleeps past the deadline


async def test_wait_rejects_bad_arguments(client: openfactura.AsyncOpenfactura) -> None:
    with pytest.raises(openfactura.ValidationError):
        await client.documents.wait(TOKEN, timeout=0)


async def test_wait_many_yields_in_order_of_finality(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, clock: FakeClock
) -> None:
    tokens = ["t1", "t2", "t3", "t4"]
    script = {
        "t1": ["Pendiente", "Pendiente", "Aceptado"],
        "t2": ["Rechazado"],
        "t3": ["Pendiente", "Aceptado"],
        "t4": ["Sin estado", "Pendiente", "Pendiente", "Aceptado"],
    }
    for token, states in script.items():
        for state in states:
            mocked.get(f"{API}/document/{token}/status", payload={"estado": state, "token": token})
    seen = [r.token async for r in client.documents.wait_many(tokens, interval=5, concurrency=2)]
    assert seen == ["t2", "t3", "t1", "t4"]
    per_token = {t: sum(1 for _, u, _ in calls(mocked) if f"/{t}/" in u) for t in tokens}
    assert per_token == {t: len(s) for t, s in script.items()}  # one poll per token per round
    assert len(clock.sleeps) == 3


async def test_wait_many_times_out_after_yielding_the_decided(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(f"{API}/document/a/status", payload={"estado": "Aceptado", "token": "a"})
    mocked.get(f"{API}/document/b/status", payload={"estado": "Pendiente"}, repeat=True)
    got: list[str | None] = []

    async def collect() -> None:
        async for result in client.documents.wait_many(["a", "b", "a"], timeout=12, interval=5):
            got.append(result.token)

    with pytest.raises(WaitTimeoutError) as info:
        await collect()
    assert got == ["a"]
    assert info.value.tokens == ["b"] and info.value.statuses == {"b": "Pendiente"}


async def test_wait_many_gives_up_in_the_middle_of_a_long_round(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, clock: FakeClock
) -> None:
    """30 undecided tokens, 1 s per poll (the rate limiter): a 5 s timeout ends near 5 s."""
    tokens = [f"t{i}" for i in range(30)]

    def slow_poll(url: Any, **kwargs: Any) -> None:
        clock.now += 1.0

    for token in tokens:
        mocked.get(
            f"{API}/document/{token}/status",
            payload={"estado": "Pendiente"},
            callback=slow_poll,
            repeat=True,
        )
    started = clock.now
    with pytest.raises(WaitTimeoutError) as info:
        async for _ in client.documents.wait_many(tokens, timeout=5, concurrency=3):
            pass
    assert clock.now - started <= 5 + 3  # at most one more chunk after the deadline
    assert sorted(info.value.tokens) == sorted(tokens)  # the unpolled ones are undecided too
    assert set(info.value.statuses) < set(tokens)  # only polled tokens have a status


async def test_wait_many_propagates_errors(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/document/x/status",
        status=400,
        payload={"error": {"message": "Problema al procesar los datos", "code": "OF-22"}},
    )
    with pytest.raises(openfactura.NotFoundError):
        await anext(client.documents.wait_many(["x"]))


def test_pdf_file_content_prefers_pdf() -> None:
    assert PdfFile(pdf=b"a", cedible=b"b").content == b"a"
    assert PdfFile(cedible=b"b").content == b"b"
