"""Past the API's 24 h idempotency window an entry left in flight is never re-sent blindly:
reconcile looks for its document first, and a re-send happens only when asked for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bulk_helpers import LIMITS, HoldingFake, boleta, names

import openfactura
from openfactura import bulk

DAY = 24 * 3600.0


def emissions(fake: HoldingFake) -> int:
    return len(fake.arrived)


async def crash_with_in_flight(
    fake: HoldingFake,
    items: list[Any],
    journal_path: Path,
    clock: Callable[[], float],
    answered: int,
) -> list[bulk.Outcome]:
    """Run the batch until ``answered`` outcomes came and the held ones are in flight, then
    kill the run; the held emissions then end without an answer."""
    async with openfactura.AsyncOpenfactura(
        fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
    ) as client:
        first: list[bulk.Outcome] = []
        enough = asyncio.Event()

        async def consume() -> None:
            with bulk.Journal(journal_path, clock=clock) as journal:
                async for outcome in client.documents.emit_many(
                    items, journal=journal, concurrency=len(items)
                ):
                    first.append(outcome)
                    if len(first) == answered:
                        enough.set()

        run = asyncio.create_task(consume())
        await fake.held_count(len(items) - answered)
        await enough.wait()
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
    fake.release(drop=True)  # held before storing: never stored; held after: answer lost
    return first


async def collect(
    fake: HoldingFake, items: list[Any], journal: bulk.Journal
) -> dict[str, bulk.Outcome]:
    async with openfactura.AsyncOpenfactura(
        fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
    ) as client:
        return {o.key: o async for o in client.documents.emit_many(items, journal=journal)}


async def test_reconcile_finds_the_document_instead_of_sending_it_again(tmp_path: Path) -> None:
    now = [1_790_000_000.0]  # 2026-09-21, on both the sandbox's and the journal's clocks

    def clock() -> float:
        return now[0]

    journal_path = tmp_path / "run.db"
    items = [(f"order-{n}", boleta(f"item {n}", 1000 + n)) for n in range(6)]
    held = {"order-2": "after", "order-3": "before"}  # 2 is stored, 3 never arrives
    async with HoldingFake(held.get, rate_limits=LIMITS, clock=clock) as fake:
        await crash_with_in_flight(fake, items, journal_path, clock, answered=4)
        stored = {doc.idempotency_key: doc for doc in fake.documents}
        assert sorted(stored) == ["order-0", "order-1", "order-2", "order-4", "order-5"]

        now[0] += 25 * 3600  # a day and an hour later: the API has forgotten the keys
        fake.hold = lambda key: None
        sent = emissions(fake)
        with bulk.Journal(journal_path, clock=clock) as journal:
            second = await collect(fake, items, journal)
            for key in ("order-2", "order-3"):
                outcome = second[key]
                assert isinstance(outcome, bulk.Unknown) and outcome.needs_reconcile
            assert all(second[f"order-{n}"].resumed for n in (0, 1, 4, 5))
            assert emissions(fake) == sent  # nothing was sent again
            assert journal.summary().awaiting_reconcile == 2

            async with openfactura.AsyncOpenfactura(
                fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
            ) as client:
                found = await bulk.reconcile(client, journal)
            assert [(r.key, r.found) for r in found] == [("order-2", True), ("order-3", False)]
            assert found[0].token == stored["order-2"].token
            assert found[0].folio == stored["order-2"].folio
            assert emissions(fake) == sent and len(fake.documents) == 5

            third = await collect(fake, items, journal)
            assert isinstance(third["order-2"], bulk.Issued)
            assert third["order-2"].token == stored["order-2"].token
            not_found = third["order-3"]
            assert isinstance(not_found, bulk.Unknown) and not not_found.needs_reconcile
            assert emissions(fake) == sent  # not found is not a permission to send

            assert journal.allow_resend() == 1
            fourth = await collect(fake, items, journal)
            assert isinstance(fourth["order-3"], bulk.Issued) and not fourth["order-3"].resumed
            assert journal.summary().settled
    assert sorted(names(fake)) == sorted(f"item {n}" for n in range(6))  # once each


async def test_identical_documents_are_matched_to_unclaimed_ones_only(tmp_path: Path) -> None:
    now = [1_790_000_000.0]

    def clock() -> float:
        return now[0]

    journal_path = tmp_path / "run.db"
    same = boleta("café", 2500)
    items = [dict(same), dict(same), dict(same)]  # three identical anonymous boletas
    positions: dict[str, int] = {}

    def hold(key: str) -> str | None:
        position = int(key.rsplit("-", 1)[1])
        positions[key] = position
        return {1: "after", 2: "before"}.get(position)

    async with HoldingFake(hold, rate_limits=LIMITS, clock=clock) as fake:
        first = await crash_with_in_flight(fake, items, journal_path, clock, answered=1)
        (issued,) = first
        assert isinstance(issued, bulk.Issued) and issued.index == 0
        assert len(fake.documents) == 2  # the first one, and the one whose answer was lost
        lost = next(doc for doc in fake.documents if doc.token != issued.token)

        now[0] += 25 * 3600
        fake.hold = lambda key: None
        with bulk.Journal(journal_path, clock=clock) as journal:
            async with openfactura.AsyncOpenfactura(
                fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
            ) as client:
                found = await bulk.reconcile(client, journal)
            # The first document belongs to entry 0 (its token is journaled): of the two
            # unsettled entries one gets the lost document, the other is not found.
            assert [r.found for r in found] == [True, False]
            assert found[0].token == lost.token and found[0].index == 1
            journal.allow_resend()
            final = await collect(fake, items, journal)
    assert [type(final[k]) for k in sorted(final)] == [bulk.Issued] * 3
    assert names(fake) == ["café"] * 3  # three boletas asked for, three issued
