"""The input is streamed: never read ahead of the documents in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from bulk_helpers import LIMITS, HoldingFake, boleta, names

import openfactura
from openfactura import bulk


async def test_a_generator_is_not_read_ahead_of_the_concurrency() -> None:
    pulled: list[int] = []

    def orders() -> Iterator[tuple[str, dict[str, Any]]]:
        for n in range(12):
            pulled.append(n)
            yield f"order-{n}", boleta(f"item {n}")

    async with HoldingFake(lambda key: "before", rate_limits=LIMITS) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
        ) as client:
            outcomes: list[bulk.Outcome] = []
            progress: list[tuple[int, int]] = []

            async def consume() -> None:
                async for outcome in client.documents.emit_many(
                    orders(),
                    concurrency=3,
                    on_progress=lambda p: progress.append((p.done, len(pulled))),
                ):
                    outcomes.append(outcome)

            run = asyncio.create_task(consume())
            await fake.held_count(3)  # three emissions in flight, none answered
            for _ in range(20):
                await asyncio.sleep(0)  # let the runner do whatever it would do meanwhile
            assert pulled == [0, 1, 2]
            fake.hold = lambda key: None
            fake.release()
            await run
    assert len(outcomes) == 12 and all(isinstance(o, bulk.Issued) for o in outcomes)
    # After each outcome, at most `concurrency` documents were taken and not finished.
    assert all(taken - done <= 3 for done, taken in progress)
    assert sorted(names(fake)) == sorted(f"item {n}" for n in range(12))


async def test_an_async_iterable_is_read_as_needed() -> None:
    pulled = 0

    async def orders() -> AsyncIterator[dict[str, Any]]:
        nonlocal pulled
        for n in range(7):
            pulled += 1
            await asyncio.sleep(0)
            yield boleta(f"item {n}")

    async with HoldingFake(lambda key: None, rate_limits=LIMITS) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
        ) as client:
            seen = []
            async for outcome in client.documents.emit_many(orders(), concurrency=2):
                seen.append((outcome.index, pulled))
    assert sorted(i for i, _ in seen) == list(range(7))
    assert all(taken - (rank + 1) <= 2 for rank, (_, taken) in enumerate(seen))
    assert len(fake.documents) == 7
