"""The limiter's guarantees: exact sliding windows, near-full throughput, shared budgets."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from strict_server import StrictServer, max_in_window
from virtual_time import run_virtual

import openfactura
from openfactura._ratelimit import (
    DEFAULT_RATE_LIMITS,
    MemoryLimiter,
    RateLimit,
    SlidingLog,
    limiter_scope,
    plan_pacing,
    shared_memory_limiter,
)

LIMIT_SETS = [
    DEFAULT_RATE_LIMITS,
    (RateLimit(3, 0.2), RateLimit(20, 2.0)),
    (RateLimit(1, 1.0),),
    (RateLimit(10, 1.0), RateLimit(100, 60.0), RateLimit(1000, 3600.0)),
    (RateLimit(5, 0.5),),
]


@pytest.mark.parametrize("limits", LIMIT_SETS)
def test_plan_keeps_every_window_even_with_jitter(limits: tuple[RateLimit, ...]) -> None:
    plan = plan_pacing(limits)
    for limit, j in zip(limits, plan.jitters, strict=True):
        # A bucket admits at most C + r*T within T seconds (see the module docstring).
        assert plan.capacity + plan.rate * (limit.period_seconds + j) < limit.max_calls + 1


def test_default_plan_spends_the_minute_budget() -> None:
    plan = plan_pacing(DEFAULT_RATE_LIMITS)
    assert plan.jitters == (0.5, 0.5)  # room for a new connection's handshakes
    assert plan.capacity == 1
    assert plan.rate * 60 >= 0.98 * 100


def test_requests_arriving_up_to_half_a_second_late_never_overrun_a_window() -> None:
    """Virtual time: admissions of a saturated client, each delayed by 0 to 0.5 s."""
    import random

    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(DEFAULT_RATE_LIMITS, clock=loop.time)
        return await _saturate(limiter, tasks=5, per_task=50)

    admitted = run_virtual(scenario())
    rng = random.Random(7)
    n = len(admitted)
    patterns = [
        [rng.uniform(0, 0.5) for _ in admitted],
        [0.5 if i % 2 == 0 else 0.0 for i in range(n)],  # late, early, late...
        # The first ones open new connections (late), the next reuse them (on time).
        *([0.5] * k + [0.0] * (n - k) for k in range(1, 8)),
    ]
    for delays in patterns:
        arrivals = sorted(t + d for t, d in zip(admitted, delays, strict=True))
        for limit in DEFAULT_RATE_LIMITS:
            assert max_in_window(arrivals, limit.period_seconds) <= limit.max_calls


def test_rate_limit_validates() -> None:
    with pytest.raises(ValueError, match="max_calls"):
        RateLimit(0, 1.0)
    with pytest.raises(ValueError, match="period_seconds"):
        RateLimit(3, 0)


async def _saturate(limiter: MemoryLimiter, tasks: int, per_task: int) -> list[float]:
    loop = asyncio.get_running_loop()
    admitted: list[float] = []

    async def worker() -> None:
        for _ in range(per_task):
            await limiter.acquire("scope")
            admitted.append(loop.time())

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return sorted(admitted)


@pytest.mark.parametrize("limits", LIMIT_SETS)
def test_windows_never_overrun_and_throughput_close_to_budget(
    limits: tuple[RateLimit, ...],
) -> None:
    """Virtual time: many minutes of saturated demand, checked admission by admission."""

    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(limits, clock=loop.time)
        return await _saturate(limiter, tasks=7, per_task=60)

    times = run_virtual(scenario())
    for limit in limits:
        assert max_in_window(times, limit.period_seconds) <= limit.max_calls
    tightest = min(limit.rate for limit in limits)
    # steady state (skip the initial burst): calls per second over the run
    span = times[-1] - times[0]
    achieved = (len(times) - 1) / span
    assert achieved >= 0.97 * tightest


def test_first_request_after_idle_goes_at_once_and_burst_is_bounded() -> None:
    async def scenario() -> tuple[float, list[float]]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(DEFAULT_RATE_LIMITS, clock=loop.time)
        await _saturate(limiter, tasks=3, per_task=5)
        idle_seconds = 120.0  # virtual time: no real wait
        await asyncio.sleep(idle_seconds)
        before = loop.time()
        waited = await limiter.acquire("scope")
        burst = await _saturate(limiter, tasks=3, per_task=1)
        return waited, [before, *burst]

    waited, times = run_virtual(scenario())
    assert waited == 0  # the first one goes at once
    step = 1 / plan_pacing(DEFAULT_RATE_LIMITS).rate
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == pytest.approx([step] * 3, abs=1e-3)
    assert max_in_window(times, 1.0) <= 2


def test_pause_holds_every_waiter() -> None:
    async def scenario() -> tuple[float, list[float]]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(DEFAULT_RATE_LIMITS, clock=loop.time)
        await limiter.pause("scope", 7.0)
        start = loop.time()
        times = await _saturate(limiter, tasks=4, per_task=1)
        return start, times

    start, times = run_virtual(scenario())
    assert min(times) >= start + 7.0


def test_sliding_log_admits_exactly() -> None:
    log = SlidingLog((RateLimit(2, 1.0),), (0.0,))
    assert log.try_admit(0.0) == 0.0
    assert log.try_admit(0.1) == 0.0
    assert log.try_admit(0.5) == pytest.approx(0.5)
    assert log.try_admit(1.0) == 0.0  # the first has left the window
    log.pause(5.0)
    assert log.try_admit(2.0) == pytest.approx(3.0)


def test_scope_is_a_hash_never_the_key() -> None:
    key = "0123456789abcdef0123456789abcdef"
    scope = limiter_scope(key, "https://api.haulmer.com")
    assert key not in scope and key[-8:] not in scope
    assert scope == limiter_scope(key, "https://api.haulmer.com")
    assert scope != limiter_scope(key, "https://dev-api.haulmer.com")


def test_clients_with_the_same_key_share_one_limiter() -> None:
    key = "k" * 32
    a = openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:1")
    b = openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:1")
    s = openfactura.Openfactura(key, base_url="http://127.0.0.1:1")
    try:
        assert a.limiter is b.limiter is s.limiter is shared_memory_limiter(DEFAULT_RATE_LIMITS)
        assert a._transport._scope == s._async._transport._scope
        off = openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:1", rate_limits=None)
        assert off.limiter is None
    finally:
        s.close()


def test_two_event_loops_share_one_exact_budget() -> None:
    """An async client's loop and a sync client's loop thread draw from the same log."""
    limits = (RateLimit(3, 0.2), RateLimit(10, 1.0))
    limiter = MemoryLimiter(limits)
    times: list[float] = []
    import threading
    import time

    def run_loop() -> None:
        async def go() -> None:
            for _ in range(8):
                await limiter.acquire("shared")
                times.append(time.monotonic())

        asyncio.run(go())

    threads = [threading.Thread(target=run_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    assert len(times) == 16
    # each loop alone would allow 3 per 0.2 s; together they still may not exceed it
    assert max_in_window(times, 0.2) <= 3
    assert max_in_window(times, 1.0) <= 10


async def test_real_server_sees_no_overrun_and_no_429() -> None:
    limits = (RateLimit(3, 0.2), RateLimit(20, 2.0))
    server = StrictServer(limits)
    base_url = await server.start()
    try:
        async with openfactura.AsyncOpenfactura(
            "r" * 32, base_url=base_url, rate_limits=limits, max_retries=0
        ) as client:
            counter = itertools.count()

            async def worker() -> None:
                while next(counter) < 36:
                    await client.request("GET", "/v2/dte/organization")

            await asyncio.gather(*(worker() for _ in range(12)))
    finally:
        await server.stop()
    assert server.rejected == 0
    assert len(server.accepted) == 36
    assert server.max_in_window(0.2) <= 3
    assert server.max_in_window(2.0) <= 20


async def test_a_429_pauses_all_concurrent_requests_of_the_key() -> None:
    """The server's hint pauses every task of the key, not only the one that failed."""
    server = StrictServer((RateLimit(1, 0.3),))  # the client does not know this limit
    base_url = await server.start()
    try:
        async with openfactura.AsyncOpenfactura(
            "p" * 32, base_url=base_url, rate_limits=(RateLimit(100, 1.0),), max_retries=5
        ) as client:
            await asyncio.gather(*(client.request("GET", "/v2/dte/organization") for _ in range(4)))
    finally:
        await server.stop()
    assert len(server.accepted) == 4
    # After the first 429 the whole key paused: the server saw only a handful of rejections,
    # not a storm of retries from every task.
    assert server.rejected <= 4
    gaps = [b - a for a, b in itertools.pairwise(server.accepted)]
    assert min(gaps) >= 0.3 - 0.02
