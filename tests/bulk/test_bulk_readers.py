"""The input files: JSONL and CSV, as documented in examples/README.md (whose samples these
tests emit), read as a stream, with a bad line reported and the others going on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bulk_helpers import EXAMPLES, boleta, names

import openfactura
from openfactura import bulk
from openfactura.testing import FakeOpenfactura


async def emit(
    client: openfactura.AsyncOpenfactura, items: object, **kwargs: object
) -> list[bulk.Outcome]:
    found = [o async for o in client.documents.emit_many(items, **kwargs)]  # type: ignore[arg-type]
    return sorted(found, key=lambda o: o.index)


async def test_the_jsonl_example_is_emitted_whole(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    batch = bulk.read_jsonl(EXAMPLES / "bulk-documents.jsonl")
    assert batch.count == 5
    outcomes = await emit(client, batch)
    assert [(o.line, o.id, o.kind) for o in outcomes] == [
        (1, "order-1001", "issued"),
        (2, "order-1002", "issued"),
        (3, "order-1003", "issued"),
        (4, None, "issued"),
        (5, None, "issued"),
    ]
    by_key = {doc.idempotency_key: doc for doc in fake.documents}
    assert by_key["order-1003"].custom == {"informationNote": "Pedido web 1003"}
    assert by_key["order-1003"].totales["MntTotal"] == 166576  # 139980 neto + 19 % IVA


async def test_the_csv_example_groups_rows_and_computes_totals(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    batch = bulk.read_csv(EXAMPLES / "bulk-documents.csv")
    assert batch.count == 4
    outcomes = await emit(client, batch)
    assert [(o.line, o.id, o.kind) for o in outcomes] == [
        (2, "invoice-2001", "issued"),
        (4, "invoice-2002", "issued"),
        (5, "invoice-2003", "issued"),
        (7, "invoice-2004", "issued"),
    ]
    docs = {doc.idempotency_key: doc for doc in fake.documents}
    # Worked by hand: a factura's lines are net, IVA is 19 % of the sum, rounded.
    factura = docs["invoice-2001"]
    assert [(d["NmbItem"], d["MontoItem"]) for d in factura.dte["Detalle"]] == [
        ("Hosting anual", 120000),
        ("Dominio .cl", 19980),
    ]
    assert factura.totales == {"MntNeto": 139980, "TasaIVA": "19", "IVA": 26596, "MntTotal": 166576}
    assert factura.receptor["RznSocRecep"] == "HOSTY SPA"
    # A boleta's lines are gross: 2 x 12990 + 2490 = 28470, of which neto round(28470/1.19).
    boleta_doc = docs["invoice-2003"]
    assert boleta_doc.tipo_dte == 39
    assert boleta_doc.totales["MntTotal"] == 28470
    assert boleta_doc.totales["MntNeto"] == 23924 and boleta_doc.totales["IVA"] == 4546
    assert boleta_doc.receptor["RUTRecep"] == "66666666-6"
    assert boleta_doc.dte["Encabezado"]["Emisor"]["RznSocEmisor"] == "HAULMER SPA"
    assert len(fake.documents) == 4


async def test_a_bad_jsonl_line_is_invalid_and_the_others_go_on(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "dte": boleta("a")}),
                '{"id": "b", "dte": ',  # cut short
                json.dumps({"id": "c", "dte": boleta("c"), "colour": "red"}),
                json.dumps([1, 2]),
                json.dumps({"id": "e", "dte": boleta("e"), "sendEmail": {"to": "x@y.cl"}}),
            ]
        ),
        encoding="utf-8",
    )
    outcomes = await emit(client, bulk.read_jsonl(path))
    assert [(o.line, o.kind) for o in outcomes] == [
        (1, "issued"),
        (2, "invalid"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "issued"),
    ]
    assert outcomes[1].problems[0].field == "line 2"  # type: ignore[attr-defined]
    assert ("colour", "unknown field") in outcomes[2].problems  # type: ignore[attr-defined]
    assert sorted(names(fake)) == ["a", "e"]


def test_csv_columns_are_checked_when_the_file_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,TipoDTE,NmbItem,Colour\n1,39,x,red\n", encoding="utf-8")
    with pytest.raises(openfactura.ValidationError) as caught:
        bulk.read_csv(path)
    assert [p.field for p in caught.value.problems] == ["Colour"]
    path.write_text("TipoDTE,NmbItem\n39,x\n", encoding="utf-8")
    with pytest.raises(openfactura.ValidationError, match="id column"):
        bulk.read_csv(path)
    with pytest.raises(openfactura.ValidationError):
        bulk.read_csv(path, id_column="TipoDTE", defaults={"Shoe": 1})


async def test_csv_defaults_conflicts_and_scattered_rows(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    emisor = {
        "RUTEmisor": "76795561-8",
        "RznSoc": "HAULMER SPA",
        "GiroEmis": "VENTA AL POR MENOR",
        "DirOrigen": "ARTURO PRAT 527",
        "CmnaOrigen": "Curicó",
        "CdgSIISucur": "81303347",
        "FchEmis": "2026-09-30",
    }
    path = tmp_path / "boletas.csv"
    path.write_text(
        "ref;TipoDTE;NmbItem;QtyItem;PrcItem\n"
        "B1;39;Té;3;1000\n"
        ";;Azúcar;1;1500\n"  # a blank id continues the document above
        "B2;39;Pan;1;2000\n"
        "B2;41;Leche;1;990\n"  # another type on a later row of B2: refused
        "B3;39;Sal;1;500\n"
        "B1;39;Miel;1;4000\n",  # B1 again, after B3: its id is repeated
        encoding="utf-8",
    )
    batch = bulk.read_csv(path, id_column="ref", defaults=emisor, delimiter=";")
    assert batch.count == 4
    outcomes = await emit(client, batch, concurrency=1)
    assert [(o.id, o.line, o.kind) for o in outcomes] == [
        ("B1", 2, "issued"),
        ("B2", 4, "invalid"),
        ("B3", 6, "issued"),
        ("B1", 7, "invalid"),
    ]
    assert outcomes[1].problems[0].field == "TipoDTE"  # type: ignore[attr-defined]
    assert re.search("line 5 says '41', line 4 said '39'", outcomes[1].problems[0].issue)  # type: ignore[attr-defined]
    b1 = next(doc for doc in fake.documents if doc.idempotency_key == "B1")
    assert [d["NmbItem"] for d in b1.dte["Detalle"]] == ["Té", "Azúcar"]
    assert b1.totales["MntTotal"] == 4500 and b1.fch_emis == "2026-09-30"
    assert len(fake.documents) == 2


def test_open_input_and_resume_input(tmp_path: Path) -> None:
    assert isinstance(bulk.open_input(EXAMPLES / "bulk-documents.csv"), bulk.CsvInput)
    assert isinstance(bulk.open_input(EXAMPLES / "bulk-documents.jsonl"), bulk.JsonlInput)
    with pytest.raises(openfactura.ValidationError):
        bulk.open_input(tmp_path / "batch.xlsx")
    with pytest.raises(FileNotFoundError):
        bulk.read_jsonl(tmp_path / "missing.jsonl")


async def test_a_journal_reopens_its_input_file(
    client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    journal_path = tmp_path / "run.db"
    batch = bulk.read_csv(EXAMPLES / "bulk-documents.csv", id_column="id")
    await emit(client, batch, journal=journal_path)
    with bulk.Journal(journal_path, read_only=True) as journal:
        assert journal.source is not None and journal.source["format"] == "csv"
        again = bulk.resume_input(journal)
    assert isinstance(again, bulk.CsvInput)
    assert (again.path, again.identity, again.count) == (batch.path.resolve(), batch.identity, 4)
    with bulk.Journal(tmp_path / "fresh.db") as fresh, pytest.raises(LookupError):
        bulk.resume_input(fresh)
