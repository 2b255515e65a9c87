"""documents.issued/received: operator-form filters, pages, 204, client-side filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aioresponses import aioresponses
from api_mocks import API, body_of, calls

import openfactura
from openfactura.dte import TipoDTE
from openfactura.types import Filter, IssuedDocument, ReceivedPage

ISSUED = f"{API}/document/issued"
RECEIVED = f"{API}/document/received"


def issued_row(folio: int, *, key: str = "Token", tipo: int = 39) -> dict[str, Any]:
    return {
        "RUTRecep": 66666666,
        "DV": "6",
        "RznSocRecep": None,
        "TipoDTE": tipo,
        "Folio": folio,
        "FchEmis": "2026-09-27",
        "FechaRecibido": "2026-09-27 13:48:29.0929",
        "MntExe": 0,
        "MntNeto": 2521,
        "IVA": 479,
        "MntTotal": 3000,
        "FmaPago": 0,
        key: f"tok{folio}",
    }


def page(n: int, last: int, rows: list[dict[str, Any]], total: Any = 7510) -> dict[str, Any]:
    return {"current_page": n, "last_page": last, "total": total, "data": rows}


async def test_walks_every_page_and_stops_at_last_page(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(ISSUED, payload=page(1, 3, [issued_row(1), issued_row(2, key="token")]))
    mocked.post(ISSUED, payload=page(2, 3, [issued_row(3)], total="7510"))
    mocked.post(ISSUED, payload=page(3, 3, [issued_row(4)]))
    rows = [row async for row in client.documents.issued()]
    assert [r.folio for r in rows] == [1, 2, 3, 4]
    assert [r.token for r in rows] == ["tok1", "tok2", "tok3", "tok4"]  # Token and token
    assert rows[0].receptor_rut == "66666666-6" and rows[0].fch_emis == dt.date(2026, 9, 27)
    assert [body_of(c)["Page"] for _, _, c in calls(mocked)] == [1, 2, 3]


async def test_204_is_an_empty_list(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(RECEIVED, status=204, body=b"")
    assert [row async for row in client.documents.received(tipo_dte=33)] == []
    mocked.post(RECEIVED, status=204, body=b"")
    first = await client.documents.received().first_page()
    assert first == ReceivedPage(current_page=1, last_page=1, total=0, data=[])


async def test_filters_take_the_operator_form(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(ISSUED, status=204, body=b"", repeat=True)
    await client.documents.issued(
        rut_recep="76.430.498-5",
        fch_emis=("2025-01-01", dt.date(2025, 4, 11)),
        tipo_dte=TipoDTE.BOLETA,
    ).first_page()
    await client.documents.issued(
        rut_recep=76430498, fch_emis=Filter(gte="2025-01-01"), tipo_dte=Filter(ne=39)
    ).first_page()
    await client.documents.issued(fch_emis={"lt": "2025-02-01"}, tipo_dte=33).first_page()
    first, second, third = (body_of(c) for _, _, c in calls(mocked))
    assert first == {
        "RUTRecep": {"eq": 76430498},
        "FchEmis": {"gte": "2025-01-01", "lte": "2025-04-11"},
        "TipoDTE": {"eq": 39},
        "Page": 1,
    }
    assert second == {
        "RUTRecep": {"eq": 76430498},
        "FchEmis": {"gte": "2025-01-01"},
        "TipoDTE": {"ne": 39},
        "Page": 1,
    }
    assert third == {"FchEmis": {"lt": "2025-02-01"}, "TipoDTE": {"eq": 33}, "Page": 1}


async def test_received_filters(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    mocked.post(RECEIVED, status=204, body=b"")
    await client.documents.received(
        rut_emisor="76795561-8",
        fch_recep_of=("2026-09-01", None),
        fch_recep_sii=Filter(lte="2026-09-30"),
    ).first_page()
    ((_, _, call),) = calls(mocked)
    assert body_of(call) == {
        "RUTEmisor": {"eq": 76795561},
        "FchRecepOF": {"gte": "2026-09-01"},
        "FchRecepSII": {"lte": "2026-09-30"},
        "Page": 1,
    }


async def test_folio_and_any_of_are_applied_client_side(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(ISSUED, payload=page(1, 2, [issued_row(10, tipo=33), issued_row(11, tipo=34)]))
    mocked.post(ISSUED, payload=page(2, 2, [issued_row(12, tipo=61), issued_row(13, tipo=33)]))
    rows = [r async for r in client.documents.issued(tipo_dte=[33, 61], folio=Filter(gte=11))]
    assert [r.folio for r in rows] == [12, 13]
    first = body_of(calls(mocked)[0][2])
    assert first == {"TipoDTE": {"gte": 33, "lte": 61}, "Page": 1}  # no "Folio": the API ignores it


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fch_emis": "27-09-2026"}, "not a date"),
        ({"fch_emis": ("2026-01-01",)}, "pair"),
        ({"tipo_dte": {"in": [33, 61]}}, "unknown operator"),
        ({"tipo_dte": "factura"}, "not an integer"),
        ({"rut_recep": "76795561-7"}, "check digit"),
        ({"tipo_dte": Filter()}, "no operator"),
        ({"start_page": 0}, "page number"),
    ],
)
def test_bad_filters_fail_before_anything_is_sent(
    client: openfactura.AsyncOpenfactura, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(openfactura.ValidationError, match=match):
        client.documents.issued(**kwargs)


async def test_unknown_keyword_is_a_type_error(client: openfactura.AsyncOpenfactura) -> None:
    with pytest.raises(TypeError):
        client.documents.issued(Folio=3)  # type: ignore[call-arg]


async def test_bad_filter_refused_by_api_flat_shape(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(
        ISSUED,
        status=400,
        payload={
            "message": "Validación de Campos.",
            "code": "OF-10",
            "details": {"Error": "Operador no encontrado"},
        },
    )
    with pytest.raises(openfactura.InvalidRequestError, match="Operador no encontrado"):
        await client.documents.issued(tipo_dte=33).first_page()


async def test_pages_and_start_page(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(ISSUED, payload=page(5, 6, [issued_row(1)]))
    mocked.post(ISSUED, payload=page(6, 6, [issued_row(2)]))
    pages = [p async for p in client.documents.issued(start_page=5).pages()]
    assert [p.current_page for p in pages] == [5, 6] and pages[-1].is_last
    assert pages[0].total == 7510


async def test_list_requests_are_retried_as_safe(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(ISSUED, status=503, body="busy")
    mocked.post(ISSUED, payload=page(1, 1, [issued_row(1)]))
    rows = [r async for r in client.documents.issued()]
    assert len(rows) == 1 and len(calls(mocked)) == 2


async def test_received_rows_with_acuses(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    row = {
        "RUTEmisor": 76795561,
        "DV": "8",
        "RznSoc": "HAULMER SPA",
        "TipoDTE": 33,
        "Folio": 2514,
        "FchEmis": "2026-09-01",
        "FchRecepSII": "",
        "FchRecepOF": "2026-09-01 10:00:00",
        "MntExe": 0,
        "MntNeto": 1000,
        "IVA": 190,
        "MntTotal": 1190,
        "Acuses": [{"codEvento": "ACD", "fechaEvento": "2026-09-02", "estado": "OK"}],
        "FmaPago": 1,
        "TpoTranCompra": 1,
        "Nuevo": True,
    }
    mocked.post(RECEIVED, payload=page(1, 1, [row, {**row, "Folio": 2515, "Acuses": None}]))
    rows = [r async for r in client.documents.received()]
    assert rows[0].emisor_rut == "76795561-8" and rows[0].fch_recep_sii is None
    assert rows[0].acuses is not None and rows[0].acuses[0].cod_evento == "ACD"
    assert rows[1].acuses is None
    assert rows[0].extra == {"Nuevo": True}


def test_issued_row_round_trips_unknown_fields() -> None:
    from openfactura._converter import structure, unstructure

    data = {**issued_row(1), "CampoNuevo": {"a": 1}}
    row = structure(data, IssuedDocument)
    again = unstructure(row)
    assert again["CampoNuevo"] == {"a": 1}
    assert structure(again, IssuedDocument) == row
