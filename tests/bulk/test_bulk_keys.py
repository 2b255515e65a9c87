"""Deterministic idempotency keys: the caller's id, or the batch identity and the position."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from bulk_helpers import boleta, names

import openfactura
from openfactura import bulk
from openfactura.testing import FakeOpenfactura


async def run(
    client: openfactura.AsyncOpenfactura, items: object, **kwargs: object
) -> list[bulk.Outcome]:
    found = [o async for o in client.documents.emit_many(items, **kwargs)]  # type: ignore[arg-type]
    return sorted(found, key=lambda o: o.index)


async def test_the_business_id_is_the_key(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    await run(client, [(1234, boleta("a")), bulk.BulkItem(boleta("b"), id="INV-77")])
    assert sorted(doc.idempotency_key for doc in fake.documents) == ["1234", "INV-77"]


async def test_without_an_id_the_batch_and_position_make_the_key(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    items = [boleta("a"), boleta("b"), boleta("c")]
    first = await run(client, items, batch="sept-2026")
    assert [o.key for o in first] == [f"bulk-sept-2026-{n}" for n in range(3)]
    assert {doc.idempotency_key for doc in fake.documents} == {o.key for o in first}
    # The same batch again, even without a journal: the same keys, nothing emitted twice.
    again = await run(client, items, batch="sept-2026")
    assert [type(o) for o in again] == [bulk.AlreadyIssued] * 3
    assert [o.token for o in again] == [o.token for o in first]  # type: ignore[attr-defined]
    assert len(fake.documents) == 3


async def test_two_identical_boletas_are_two_documents(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, journal_path: Path
) -> None:
    same = boleta("café")
    outcomes = await run(client, [same, dict(same)], journal=journal_path)
    assert [type(o) for o in outcomes] == [bulk.Issued, bulk.Issued]
    assert len({o.key for o in outcomes}) == 2
    assert names(fake) == ["café", "café"]
    assert outcomes[0].token != outcomes[1].token  # type: ignore[attr-defined]


async def test_a_journal_keeps_its_identity_across_runs(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, journal_path: Path
) -> None:
    items = [boleta("a"), boleta("b")]
    first = await run(client, items, journal=journal_path)
    with bulk.Journal(journal_path, read_only=True) as journal:
        identity = journal.identity
    assert identity and [o.key for o in first] == [f"bulk-{identity}-0", f"bulk-{identity}-1"]
    again = await run(client, items, journal=journal_path)
    assert all(o.resumed for o in again) and len(fake.documents) == 2


async def test_file_keys_are_the_file_hash_and_the_line(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"dte": boleta("a")}),
        "",
        json.dumps(boleta("b")),
        json.dumps({"id": "order-9", "dte": boleta("c")}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:32]  # the oracle: sha256 of the bytes
    outcomes = await run(client, bulk.read_jsonl(path))
    assert [(o.line, o.key) for o in outcomes] == [
        (1, f"bulk-{digest}-1"),
        (3, f"bulk-{digest}-3"),
        (4, "order-9"),
    ]
    # A copy of the file elsewhere is the same batch: nothing emitted twice.
    copy = tmp_path / "copy" / "batch.jsonl"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    again = await run(client, bulk.read_jsonl(copy))
    assert [type(o) for o in again] == [bulk.AlreadyIssued] * 3
    assert len(fake.documents) == 3


async def test_a_changed_file_is_refused_by_its_journal(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, tmp_path: Path
) -> None:
    path = tmp_path / "batch.jsonl"
    journal = tmp_path / "run.db"
    rows = [{"id": "order-1", "dte": boleta("a")}, {"dte": boleta("b")}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    await run(client, bulk.read_jsonl(path), journal=journal)
    assert len(fake.documents) == 2
    # A line added in front: "b" moves to line 3, so its position key would change.
    rows.insert(0, {"id": "order-0", "dte": boleta("new")})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(bulk.BatchMismatchError, match="belongs to batch"):
        await run(client, bulk.read_jsonl(path), journal=journal, concurrency=1)
    # Documents with an id were safe to send; the one without was not sent again.
    assert sorted(names(fake)) == ["a", "b", "new"]
    with pytest.raises(bulk.BatchMismatchError):
        bulk.resume_input(bulk.Journal(journal, read_only=True))


def openfactura_emit(client: openfactura.AsyncOpenfactura, items: object, journal: Path) -> object:
    return client.documents.emit_many(items, journal=journal, concurrency=1)  # type: ignore[arg-type]


async def test_a_repeated_id_is_invalid_and_emits_once(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, journal_path: Path
) -> None:
    items = [("order-1", boleta("a")), ("order-2", boleta("b")), ("order-1", boleta("c"))]
    outcomes = await run(client, items, journal=journal_path, concurrency=3)
    assert [type(o) for o in outcomes] == [bulk.Issued, bulk.Issued, bulk.Invalid]
    assert "earlier document of this batch" in outcomes[2].problems[0].issue  # type: ignore[attr-defined]
    assert sorted(names(fake)) == ["a", "b"]
    # Run again: still one document each, and the repeat is still refused.
    again = await run(client, items, journal=journal_path, concurrency=3)
    assert [type(o) for o in again] == [bulk.Issued, bulk.Issued, bulk.Invalid]
    assert again[0].resumed and len(fake.documents) == 2


@pytest.mark.parametrize("bad", ["", "two\nlines", "ñandú", True, 1.5, "x" * 201])
async def test_an_id_that_cannot_be_a_header_is_invalid(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, bad: object
) -> None:
    (outcome,) = await run(client, [(bad, boleta("a"))])
    assert isinstance(outcome, bulk.Invalid) and outcome.problems[0].field == "id"
    assert fake.documents == []
