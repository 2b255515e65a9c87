"""``client.rate_budget()``: per window the requests in it, the capacity, the seconds until
the next slot, and the key's 429 pause; in-process, and across processes with Redis."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from observability_helpers import START, Clocked

import openfactura
from openfactura import RateBudget, RateLimit, RedisLimiter, WindowBudget
from openfactura._ratelimit import limiter_scope

LIMITS = (RateLimit(3, 1.0), RateLimit(5, 60.0))


def figures(budget: RateBudget) -> list[tuple[str, int, int, int, float]]:
    return [(w.label, w.in_window, w.pending, w.capacity, w.next_slot_in) for w in budget.windows]


async def test_the_in_process_budget_by_hand(clocked: Clocked) -> None:
    clocked.fake.rate_limits = ()
    client = clocked.client(limiter=clocked.limiter(LIMITS))

    assert figures(await client.rate_budget()) == [
        ("3/1s", 0, 0, 3, 0.0),
        ("5/60s", 0, 0, 5, 0.0),
    ]
    for _ in range(3):
        await client.organization.get()  # all at START: the short window is full
    budget = await client.rate_budget()
    assert figures(budget) == [("3/1s", 3, 0, 3, 1.0), ("5/60s", 3, 0, 5, 0.0)]
    assert (budget.paused_for, budget.next_slot_in, budget.shared) == (0.0, 1.0, False)
    assert [w.available for w in budget.windows] == [0, 2]

    await client.organization.get()  # held 1 s; then 4 in the minute
    await client.organization.get()
    budget = await client.rate_budget()
    assert clocked.clock.now == START + 1.0
    # at +1: the short window holds the two sent at +1; the minute all five (full until +60)
    assert figures(budget) == [("3/1s", 2, 0, 3, 0.0), ("5/60s", 5, 0, 5, 59.0)]
    assert budget.next_slot_in == 59.0


async def test_the_429_pause_left(clocked: Clocked) -> None:
    await clocked.fill_window(2)
    client = clocked.client(limiter=clocked.limiter(LIMITS), max_retries=0)
    with pytest.raises(openfactura.RateLimitError):
        await client.organization.get()  # Retry-After: 2
    budget = await client.rate_budget()
    assert budget.paused_for == 2.0
    assert budget.next_slot_in == 2.0
    await clocked.clock.sleep(0.5)
    assert (await client.rate_budget()).paused_for == 1.5


async def test_without_a_limiter_only_the_pause(clocked: Clocked) -> None:
    await clocked.fill_window(2)
    client = clocked.client(max_retries=0)  # rate_limits=None
    assert await client.rate_budget() == RateBudget(windows=(), paused_for=0.0, shared=False)
    with pytest.raises(openfactura.RateLimitError):
        await client.organization.get()
    assert await client.rate_budget() == RateBudget(windows=(), paused_for=2.0, shared=False)


def test_the_blocking_client_same_name_no_await(clocked_thread: Clocked) -> None:
    clocked_thread.fake.rate_limits = ()
    with openfactura.Openfactura(
        "zqxwvutsrponmlkjihgzqxwvutsrponm",
        base_url=clocked_thread.fake.base_url,
        limiter=clocked_thread.limiter(LIMITS),
    ) as client:
        clocked_thread.tune(client)
        client.organization.get()
        budget = client.rate_budget()
    assert isinstance(budget, RateBudget)
    assert figures(budget) == [("3/1s", 1, 0, 3, 0.0), ("5/60s", 1, 0, 5, 0.0)]


def test_window_budget_properties() -> None:
    window = WindowBudget(limit=RateLimit(3, 1.0), in_window=4, pending=1, next_slot_in=0.5)
    assert (window.capacity, window.available, window.label) == (3, 0, "3/1s")


# -- Redis: every process's requests ------------------------------------------------------


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed here (apt-get install redis-server)")
    from redis_server import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.kill()


_OTHER_PROCESS = """
import asyncio, sys
from openfactura import RateLimit, RedisLimiter

async def main(url, scope):
    limiter = RedisLimiter(url, (RateLimit(4, 30.0), RateLimit(10, 60.0)))
    for _ in range(3):
        (await limiter.acquire(scope)).sent()      # three requests sent
    await limiter.acquire(scope)                   # one admitted, never sent nor released
    await limiter.pause(scope, 45.0)               # and a 429 paused the key
    await limiter.aclose()                         # lets the stamps reach Redis

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_redis_answers_for_every_process(redis_url: str, tmp_path: Path) -> None:
    scope = limiter_scope("r" * 32, "http://127.0.0.1")
    script = tmp_path / "other.py"
    script.write_text(textwrap.dedent(_OTHER_PROCESS))
    await asyncio.to_thread(
        subprocess.run, [sys.executable, str(script), redis_url, scope], check=True, timeout=60
    )
    limiter = RedisLimiter(redis_url, (RateLimit(4, 30.0), RateLimit(10, 60.0)))
    try:
        budget = await limiter.budget(scope)
    finally:
        await limiter.aclose()

    assert budget.shared
    (short, minute) = budget.windows
    # the other process's 3 stamps + its pending one: the 4/30s window is full
    assert (short.label, short.in_window, short.pending, short.available) == ("4/30s", 4, 1, 0)
    assert 0.0 < short.next_slot_in <= 30.03  # when its first stamp leaves (+ the jitter)
    assert (minute.in_window, minute.next_slot_in) == (4, 0.0)
    assert 30.0 < budget.paused_for <= 45.0


async def test_a_client_with_redis_and_the_gauges_view(redis_url: str) -> None:
    from openfactura.testing import FakeOpenfactura

    limits = (RateLimit(3, 1.0), RateLimit(10, 60.0))
    limiter = RedisLimiter(redis_url, limits)
    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, limiter=limiter
        ) as client:
            scope = client._transport._scope
            assert limiter.budget_now(scope) is None  # nothing admitted here yet
            await client.organization.get()
            await client.organization.get()
            budget = await client.rate_budget()
            seen = limiter.budget_now(scope)
    await limiter.aclose()
    assert budget.shared and [w.in_window for w in budget.windows] == [2, 2]
    # budget_now (the metrics gauge, no I/O): what the second admission saw, itself included
    assert seen is not None and [w.in_window for w in seen.windows] == [2, 2]
