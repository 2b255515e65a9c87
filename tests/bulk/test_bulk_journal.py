"""The journal: WAL, each key on disk before its request leaves, writes off the event loop,
and a restart after a crash mid-flight that re-sends with the same keys."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from bulk_helpers import LIMITS, HoldingFake, boleta, names

import openfactura
from openfactura import bulk


def read_state(path: Path, key: str) -> str | None:
    """The entry's state, read with a connection of our own (what another process sees)."""
    db = sqlite3.connect(path)
    try:
        row = db.execute("SELECT state FROM entry WHERE key = ?", (key,)).fetchone()
    finally:
        db.close()
    return None if row is None else str(row[0])


async def test_the_journal_is_sqlite_in_wal_mode(
    client: openfactura.AsyncOpenfactura, journal_path: Path
) -> None:
    async for _ in client.documents.emit_many([boleta("a")], journal=journal_path):
        pass
    db = sqlite3.connect(journal_path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()
    assert {"batch", "entry"} <= tables
    schema = Path(bulk.__file__).with_name("journal_schema.sql").read_text(encoding="utf-8")
    assert "CREATE TABLE IF NOT EXISTS entry" in schema


async def test_each_key_is_on_disk_before_its_request_arrives(journal_path: Path) -> None:
    seen: dict[str, str | None] = {}

    def witness(key: str) -> None:  # in the sandbox, as the request arrives
        seen[key] = read_state(journal_path, key)

    async with HoldingFake(lambda key: None, witness, rate_limits=LIMITS) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
        ) as client:
            items = [(f"order-{n}", boleta(f"item {n}")) for n in range(6)]
            outcomes = [o async for o in client.documents.emit_many(items, journal=journal_path)]
    assert len(outcomes) == 6
    assert seen == {f"order-{n}": "sending" for n in range(6)}
    assert {read_state(journal_path, f"order-{n}") for n in range(6)} == {"issued"}


async def test_a_slow_disk_does_not_block_the_event_loop(tmp_path: Path) -> None:
    journal = bulk.Journal(tmp_path / "slow.db")
    released = threading.Event()
    try:
        # A write stuck in the writer thread until the event loop itself frees it: if the
        # loop waited for the disk, this would never finish.
        stuck = journal.submit(lambda db: released.wait(10))
        asyncio.get_running_loop().call_soon(released.set)
        assert await asyncio.wrap_future(stuck) is True
    finally:
        journal.close()


async def test_one_journal_one_writer(tmp_path: Path) -> None:
    with bulk.Journal(tmp_path / "run.db"):
        with pytest.raises(bulk.JournalBusyError):
            bulk.Journal(tmp_path / "run.db")
        bulk.Journal(tmp_path / "run.db", read_only=True).close()  # a report may read
    bulk.Journal(tmp_path / "run.db").close()  # free again once closed


async def test_restart_after_a_crash_mid_flight_resends_with_the_same_keys(
    journal_path: Path,
) -> None:
    items = [(f"order-{n}", boleta(f"item {n}")) for n in range(10)]
    in_flight = {"order-4", "order-5", "order-6"}
    # First run: orders 4-6 are stored by the sandbox but their answers never come back;
    # the run dies (its task is cancelled) while they are in flight.
    async with HoldingFake(
        lambda key: "after" if key in in_flight else None, rate_limits=LIMITS
    ) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
        ) as client:
            first: list[bulk.Outcome] = []

            async def consume() -> None:
                async for outcome in client.documents.emit_many(
                    items, journal=journal_path, concurrency=3
                ):
                    first.append(outcome)

            run = asyncio.create_task(consume())
            await fake.held_count(3)
            run.cancel()
            await asyncio.gather(run, return_exceptions=True)
        fake.release()
        stored = {doc.idempotency_key: doc.token for doc in fake.documents}
        answered = {o.key for o in first}
        with bulk.Journal(journal_path, read_only=True) as journal:
            left = {e.key for e in journal.entries(states=["sending"])}
        assert in_flight <= left  # journaled as in flight, documents stored
        assert in_flight <= set(stored) and not answered & in_flight

        # Restart: a new client, the same journal and input.
        fake.hold = lambda key: None
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
        ) as client:
            second = [o async for o in client.documents.emit_many(items, journal=journal_path)]
        by_key = {o.key: o for o in second}
        assert len(second) == 10
        for key in answered:
            assert by_key[key].resumed and isinstance(by_key[key], bulk.Issued)
        for key in left & set(stored):
            outcome = by_key[key]  # re-sent with its key: the original document's token
            assert isinstance(outcome, bulk.AlreadyIssued) and not outcome.resumed
            assert outcome.token == stored[key]
        assert sorted(names(fake)) == sorted(f"item {n}" for n in range(10))  # once each
        with bulk.Journal(journal_path, read_only=True) as journal:
            summary = journal.summary()
        assert summary.total == 10 and summary.done == 10 and summary.settled


async def test_allow_resend_releases_only_what_reconcile_did_not_find(tmp_path: Path) -> None:
    with bulk.Journal(tmp_path / "run.db") as journal:
        for key in ("a", "b"):
            journal.submit(
                lambda db, key=key: db.execute(
                    "INSERT INTO entry (key, idx, run, state, updated_at, maybe_sent_at) "
                    "VALUES (?, 0, 1, 'not_found', 0, 0)",
                    (key,),
                )
            ).result()
        assert journal.allow_resend(["b"]) == 1
        assert journal.allow_resend() == 1
        assert journal.allow_resend() == 0
        entries = {e.key: e for e in journal.entries()}
    assert {e.state for e in entries.values()} == {"released"}
    assert all(e.maybe_sent_at is None for e in entries.values())
