"""RedisLimiter against a real redis-server: exact shared windows, shared pauses, faults."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
import time

import pytest
import redis.asyncio as aioredis
from redis_server import RedisServer
from redis_worker import hammer
from strict_server import StrictServer, max_in_window, steady_fraction

import openfactura
from openfactura import RateLimit, RedisLimiter
from openfactura._ratelimit import limiter_scope

LIMITS = (RateLimit(3, 0.1), RateLimit(10, 0.5))


async def _admit_many(limiter: RedisLimiter, scope: str, tasks: int, each: int) -> list[float]:
    times: list[float] = []

    async def worker() -> None:
        for _ in range(each):
            await limiter.acquire(scope)
            times.append(time.monotonic())

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return times


async def test_windows_are_exact_across_limiter_instances(redis_server: RedisServer) -> None:
    """Three limiters (as three processes would have) never overrun a window together."""
    limiters = [RedisLimiter(redis_server.url, LIMITS) for _ in range(3)]
    try:
        results = await asyncio.gather(*(_admit_many(lim, "s1", 3, 4) for lim in limiters))
    finally:
        for lim in limiters:
            await lim.aclose()
    times = sorted(t for batch in results for t in batch)
    assert len(times) == 36
    assert max_in_window(times, 0.1) <= 3
    assert max_in_window(times, 0.5) <= 10


async def test_first_request_after_idle_goes_at_once(redis_server: RedisServer) -> None:
    limiter = RedisLimiter(redis_server.url, LIMITS)
    try:
        waited = await limiter.acquire("idle")
    finally:
        await limiter.aclose()
    assert waited < 0.05


async def test_keys_are_hashed_scoped_and_expire(redis_server: RedisServer) -> None:
    key = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    scope = limiter_scope(key, "https://api.haulmer.com")
    limiter = RedisLimiter(redis_server.url, LIMITS, prefix="t")
    raw = aioredis.Redis.from_url(redis_server.url)
    try:
        await limiter.acquire(scope)
        await limiter.pause(scope, 2.0)
        names = sorted(k.decode() for k in await raw.keys("*"))
        assert names and all(n.startswith(f"t:{{{scope}}}:") for n in names)
        assert not any(key in n for n in names)
        for name in names:
            ttl = await raw.pttl(name)
            assert 0 < ttl <= 3_000  # window or pause + 1 s: nothing lives forever
        await limiter.acquire("another-scope")  # a different key has its own budget
        assert await raw.zcard(f"t:{{{scope}}}:w:3:0.1") == 1
    finally:
        await raw.aclose()
        await limiter.aclose()


async def test_a_pause_set_by_one_process_holds_the_others(redis_server: RedisServer) -> None:
    a = RedisLimiter(redis_server.url, LIMITS)
    b = RedisLimiter(redis_server.url, LIMITS)
    try:
        await a.pause("p", 0.3)
        await a.pause("p", 0.1)  # never shortens
        started = time.monotonic()
        await b.acquire("p")
        assert time.monotonic() - started >= 0.25
    finally:
        await a.aclose()
        await b.aclose()


def test_shared_from_two_event_loops_in_threads(redis_server: RedisServer) -> None:
    """A sync client's loop thread and an app loop share one RedisLimiter object."""
    limiter = RedisLimiter(redis_server.url, LIMITS)
    times: list[float] = []

    def run() -> None:
        async def go() -> None:
            times.extend(await _admit_many(limiter, "threads", 2, 5))
            await limiter.aclose()

        asyncio.run(go())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    assert len(times) == 20
    assert max_in_window(times, 0.1) <= 3
    assert max_in_window(times, 0.5) <= 10


async def test_falls_back_when_redis_dies_and_recovers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="openfactura")
    limiter = RedisLimiter(redis_server.url, LIMITS, retry_interval=0.2, timeout=0.2)
    try:
        await limiter.acquire("f")
        assert not limiter.degraded
        redis_server.kill()
        for _ in range(4):
            await limiter.acquire("f")  # served by the in-process limiter
        assert limiter.degraded
        unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(unreachable) == 1  # one warning per outage, not per request
        redis_server.start()
        deadline = time.monotonic() + 5
        while limiter.degraded and time.monotonic() < deadline:
            await limiter.acquire("f")
        assert not limiter.degraded
        assert any("reachable again" in r.getMessage() for r in caplog.records)
    finally:
        await limiter.aclose()


async def test_raise_mode(redis_server: RedisServer) -> None:
    limiter = RedisLimiter(redis_server.url, LIMITS, on_redis_error="raise", timeout=0.2)
    redis_server.kill()
    with pytest.raises(openfactura.LimiterUnavailableError, match="unreachable"):
        await limiter.acquire("r")
    await limiter.aclose()


def test_sync_client_with_redis_limiter(redis_server: RedisServer) -> None:
    server = StrictServer(LIMITS)

    async def start() -> str:
        return await server.start()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        base = asyncio.run_coroutine_threadsafe(start(), loop).result()
        limiter = RedisLimiter(redis_server.url, LIMITS)
        with openfactura.Openfactura("y" * 32, base_url=base, limiter=limiter) as client:
            for _ in range(8):
                client.organization.get()
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
    assert server.rejected == 0
    assert len(server.accepted) == 8


async def test_four_processes_share_one_budget(redis_server: RedisServer) -> None:
    """4 OS processes, one key, a strict sliding-window server: no 429, budget spent."""
    limits = (RateLimit(3, 0.1), RateLimit(20, 1.0))
    server = StrictServer(limits)
    base = await server.start()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    specs = tuple((lim.max_calls, lim.period_seconds) for lim in limits)
    # Four processes, Redis and the server share two cores here: the scheduling delay between
    # an admission and the request's arrival can exceed the default 2 % margin of a
    # compressed 1 s window (20 ms), so allow 30 ms, as a busy host would configure.
    procs = [
        ctx.Process(target=hammer, args=(base, redis_server.url, specs, 3.0, 3, results, 0.03))
        for _ in range(4)
    ]
    try:
        for proc in procs:
            proc.start()
        for proc in procs:
            await asyncio.to_thread(proc.join, 60)
    finally:
        await server.stop()
    outcomes = [results.get(timeout=5) for _ in procs]
    assert all(proc.exitcode == 0 for proc in procs)
    assert sum(limited for _, limited in outcomes) == 0
    assert server.rejected == 0
    assert server.max_in_window(0.1) <= 3
    assert server.max_in_window(1.0) <= 20
    fraction = steady_fraction(server.accepted, limits[1])
    print(f"shared budget fraction: {fraction:.3f}")
    assert fraction >= 0.95, fraction  # a share of the budget, not a speed


async def test_clock_skew_between_hosts_does_not_matter(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two "hosts" whose local clocks disagree by 2000 s still share exact windows: the
    admission decision uses the Redis server's clock only."""
    import types

    import openfactura._redis_limiter as module

    offset = [0.0]
    skewed = types.SimpleNamespace(
        monotonic=lambda: time.monotonic() + offset[0], time=lambda: time.time() + offset[0]
    )
    monkeypatch.setattr(module, "time", skewed)
    host_a = RedisLimiter(redis_server.url, LIMITS)
    host_b = RedisLimiter(redis_server.url, LIMITS)
    admitted: list[float] = []
    try:
        for i in range(16):
            offset[0] = 1000.0 if i % 2 else -1000.0
            await (host_a if i % 2 else host_b).acquire("skew")
            admitted.append(time.monotonic())
    finally:
        await host_a.aclose()
        await host_b.aclose()
    assert max_in_window(admitted, 0.1) <= 3
    assert max_in_window(admitted, 0.5) <= 10
