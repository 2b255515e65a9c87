"""The blocking client: same calls, same results, plain iterators."""

from __future__ import annotations

import base64
import warnings

import attrs
import pytest
from aioresponses import aioresponses
from api_mocks import API, TOKEN, body_of, calls

import openfactura
import openfactura.types as types_module
from openfactura._fields import EXTRA, wire_name
from openfactura._naming import snake
from openfactura.types import OpenfacturaWarning


def test_sync_emit_replay_and_warning(
    mocked: aioresponses, sync_client: openfactura.Openfactura
) -> None:
    mocked.post(f"{API}/document", payload={"TOKEN": TOKEN, "FOLIO": 9, "WARNING": "ojo"})
    mocked.post(
        f"{API}/document",
        status=400,
        payload={
            "error": {
                "message": "Este DTE ya fue emitido (Idempotency-Key)",
                "code": "OF-06",
                "token": TOKEN,
            }
        },
    )
    # the replay reads the folio it asked for by token (transport branch, issue 14 item 7)
    mocked.get(
        f"{API}/document/{TOKEN}/json",
        payload={"json": {"Encabezado": {"IdDoc": {"Folio": 9}}}, "token": TOKEN},
    )
    with pytest.warns(OpenfacturaWarning, match="ojo"):
        first = sync_client.documents.emit({"Encabezado": {}}, idempotency_key="k", validate=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = sync_client.documents.emit({"Encabezado": {}}, idempotency_key="k", validate=False)
    assert first.folio == 9 and not first.replayed
    assert again.replayed and again.token == TOKEN and again.folio == 9


def test_sync_reads(mocked: aioresponses, sync_client: openfactura.Openfactura) -> None:
    pdf = base64.b64encode(b"%PDF").decode()
    mocked.get(f"{API}/document/{TOKEN}/status", payload={"estado": "Aceptado"})
    mocked.get(f"{API}/document/76795561-8/33/1/pdf", payload={"pdf": pdf, "folio": 1})
    mocked.get(
        f"{API}/document/{TOKEN}/json", payload={"json": {}, "FchRecepOF": "2025-04-11 23:00:27"}
    )
    mocked.get(f"{API}/document/{TOKEN}/xml", payload={"xml": base64.b64encode(b"<a/>").decode()})
    mocked.get(f"{API}/document/{TOKEN}/cedible", payload={"cedible": pdf})
    assert sync_client.documents.status(TOKEN).is_final
    assert sync_client.documents.pdf(rut="76795561-8", dte_type=33, folio=1).content == b"%PDF"
    assert sync_client.documents.get(TOKEN).fch_recep_of is not None
    assert sync_client.documents.xml(TOKEN).content == "<a/>"
    assert sync_client.documents.cedible(TOKEN).content == b"%PDF"


def test_sync_wait_and_wait_many(
    mocked: aioresponses, sync_client: openfactura.Openfactura
) -> None:
    url = f"{API}/document/{TOKEN}/status"
    mocked.get(url, payload={"estado": "Pendiente"})
    mocked.get(url, payload={"estado": "Rechazado", "token": TOKEN})
    assert sync_client.documents.wait(TOKEN).estado == "Rechazado"
    mocked.get(f"{API}/document/a/status", payload={"estado": "Aceptado", "token": "a"})
    mocked.get(f"{API}/document/b/status", payload={"estado": "Aceptado", "token": "b"})
    assert sorted(r.token or "" for r in sync_client.documents.wait_many(["a", "b"])) == ["a", "b"]


def test_sync_lists_are_plain_iterators(
    mocked: aioresponses, sync_client: openfactura.Openfactura
) -> None:
    row = {"TipoDTE": 33, "Folio": 1, "Token": "t"}
    mocked.post(
        f"{API}/document/issued",
        payload={"current_page": 1, "last_page": 2, "total": "2", "data": [row]},
    )
    mocked.post(
        f"{API}/document/issued",
        payload={"current_page": 2, "last_page": 2, "total": "2", "data": [{**row, "Folio": 2}]},
    )
    assert [r.folio for r in sync_client.documents.issued(tipo_dte=33)] == [1, 2]
    mocked.post(f"{API}/document/received", status=204, body=b"", repeat=True)
    assert list(sync_client.documents.received()) == []
    assert [p.total for p in sync_client.documents.received().pages()] == [0]
    assert sync_client.documents.received().first_page().data == []
    assert body_of(calls(mocked, "POST")[0][2]) == {"TipoDTE": {"eq": 33}, "Page": 1}


def test_sync_other_namespaces(mocked: aioresponses, sync_client: openfactura.Openfactura) -> None:
    mocked.get(f"{API}/organization", payload={"rut": "76795561-8", "razonSocial": "HAULMER SPA"})
    mocked.get(
        f"{API}/organization/document",
        payload={"rut": "76795561-8", "documentos": [{"dte": 33, "disponibles": 1}]},
    )
    mocked.get(
        f"{API}/taxpayer/76795561-8", payload={"rut": "76795561-8", "razonSocial": "HAULMER SPA"}
    )
    mocked.get(
        f"{API}/registry/sales/2026/09", payload={"fechaInicio": "2026-09-01", "registros": []}
    )
    mocked.get(f"{API}/registry/purchase/2026/09", status=200, payload=[])
    mocked.post(f"{API}/registry/sync-rcv", payload={"message": "ok", "code": "200"})
    mocked.post(f"{API}/document/received/accuse", payload={"result": "OK"})
    mocked.post(f"{API}/anularDTE52", payload={"succes": "anulado"})
    mocked.get(f"{API}/selfservice/email/t", status=200, body=b"")
    mocked.get(f"{API}/selfservice/stateinvoice/t", payload={"response": "Boleta AM"})
    assert sync_client.organization.get().razon_social == "HAULMER SPA"
    assert sync_client.organization.folios().available(33) == 1
    assert sync_client.taxpayers.get("76795561-8").rut == "76795561-8"
    assert sync_client.registry.sales(2026, 9).registros == []
    assert sync_client.registry.purchases(2026, 9) == []
    assert sync_client.registry.sync_rcv("sales", 202609).message == "ok"
    assert sync_client.documents.accuse("76795561-8", 33, 1, "ERM").result == "OK"
    assert sync_client.documents.annul_guia(1, "2026-09-01").message == "anulado"
    assert sync_client.self_service.resend_email("t") is None
    assert sync_client.self_service.state("https://x/t").response == "Boleta AM"


def test_sync_errors_are_the_same(
    mocked: aioresponses, sync_client: openfactura.Openfactura
) -> None:
    mocked.get(
        f"{API}/document/76795561-8/33/9/status",
        status=400,
        payload={"error": {"message": "Problema al procesar los datos", "code": "OF-22"}},
    )
    with pytest.raises(openfactura.NotFoundError):
        sync_client.documents.status(rut="76795561-8", dte_type=33, folio=9)


def test_every_response_model_names_fields_by_the_one_rule() -> None:
    models = [getattr(types_module, n) for n in types_module.__all__]
    models = [m for m in models if isinstance(m, type) and attrs.has(m)]
    assert len(models) > 20
    for model in models:
        fields = attrs.fields(model)
        extra = [f for f in fields if f.metadata.get(EXTRA)]
        if model.__name__ != "Filter":
            assert len(extra) == 1, model
        for field in fields:
            if not field.metadata.get(EXTRA) and model.__name__ != "Filter":
                assert field.name == snake(wire_name(field)), (model, field.name)
