"""Follow-up: the SII status of every journaled document, and its files named by folio."""

from __future__ import annotations

import json
from pathlib import Path

from bulk_helpers import boleta

import openfactura
from openfactura import bulk
from openfactura.testing import FakeOpenfactura


async def test_wait_records_final_statuses_and_saves_the_files(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    journal_path = tmp_path / "run.db"
    out = tmp_path / "out"
    items = [(f"order-{n}", boleta(f"item {n}")) for n in range(4)]
    outcomes = [o async for o in client.documents.emit_many(items, journal=journal_path)]
    rejected = next(o for o in outcomes if o.id == "order-2")
    assert isinstance(rejected, bulk.Issued)
    fake.set_outcome(rejected.token, "Rechazado")

    async def no_wait(seconds: float) -> None:  # the polls' pauses: not waited for real
        pass

    client.documents._sleep = no_wait
    followed = [f async for f in bulk.wait(client, journal_path, save_to=out)]
    assert sorted((f.id, f.estado, f.final) for f in followed) == [
        ("order-0", "Aceptado", True),
        ("order-1", "Aceptado", True),
        ("order-2", "Rechazado", True),
        ("order-3", "Aceptado", True),
    ]
    expected = sorted(
        f"{doc.tipo_dte}-{doc.folio}.{ext}" for doc in fake.documents for ext in ("pdf", "xml")
    )
    assert sorted(p.name for p in out.iterdir()) == expected
    for doc in fake.documents:
        assert (out / f"39-{doc.folio}.pdf").read_bytes().startswith(b"%PDF")
        assert f"<Folio>{doc.folio}</Folio>".encode() in (out / f"39-{doc.folio}.xml").read_bytes()
    with bulk.Journal(journal_path, read_only=True) as journal:
        summary = journal.summary()
        entry = journal.get("order-2")
    assert summary.sii == {"Aceptado": 3, "Rechazado": 1}
    assert entry is not None and entry.sii_status == "Rechazado" and entry.sii_final
    assert entry.pdf_path == str(out / f"39-{entry.folio}.pdf")
    # Reports: everything is JSON-ready (for a --json output).
    report = json.loads(json.dumps([f.as_dict() for f in followed] + [entry.as_dict()]))
    assert {row["key"] for row in report} == {f"order-{n}" for n in range(4)}
    assert report[-1]["tipo_dte"] == 39 and report[-1]["sii_status"] == "Rechazado"
    assert json.loads(json.dumps(summary.as_dict()))["sii"] == {"Aceptado": 3, "Rechazado": 1}

    # Everything is decided and saved: a second call sends nothing.
    before = len(fake.requests)
    assert [f async for f in bulk.wait(client, journal_path, save_to=out)] == []
    assert len(fake.requests) == before


async def test_undecided_documents_are_yielded_as_not_final_and_picked_up_later(
    tmp_path: Path,
) -> None:
    async with FakeOpenfactura(rate_limits=None, status_reads_until_final=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            now = [0.0]  # the polls' clock: virtual, no real waiting

            async def sleep(seconds: float) -> None:
                now[0] += seconds

            client.documents._clock = lambda: now[0]
            client.documents._sleep = sleep
            journal_path = tmp_path / "run.db"
            async for _ in client.documents.emit_many([boleta("a")], journal=journal_path):
                pass
            (pending,) = [f async for f in bulk.wait(client, journal_path, timeout=60)]
            assert now[0] >= 60
            assert (pending.estado, pending.final) == ("Pendiente", False)
            fake.set_outcome(pending.token, "Aceptado", now=True)
            (final,) = [f async for f in bulk.wait(client, journal_path)]
            assert (final.estado, final.final) == ("Aceptado", True)
