"""RedisLimiter against a real redis-server: exact shared windows stamped at send time,
reservations that expire, shared pauses, faults.

Windows are checked on the stamps Redis itself takes (its ``TIME``, returned by the stamp
script), so a loaded machine cannot blur the check; real-time assertions are lower bounds
only, or use a jitter allowance far wider than any scheduling hiccup.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
import time
from collections.abc import Iterable

import pytest
import redis.asyncio as aioredis
from redis_server import RedisServer
from redis_worker import hammer
from strict_server import StrictServer, max_in_window

import openfactura
from openfactura import RateLimit, RedisLimiter
from openfactura._ratelimit import KEY_PAUSES, KeyPausedTooLong, _pause_cap, limiter_scope

LIMITS = (RateLimit(3, 0.1), RateLimit(10, 0.5))


def record_stamps(limiters: Iterable[RedisLimiter]) -> list[int]:
    """Collect every send-time stamp (Redis µs) the limiters take."""
    stamps: list[int] = []
    lock = threading.Lock()
    for limiter in limiters:
        original = limiter._stamp

        async def recording(scope: str, member: str, original=original) -> int | None:  # type: ignore[no-untyped-def]
            stamp = await original(scope, member)
            assert stamp is not None
            with lock:
                stamps.append(stamp)
            return stamp

        limiter._stamp = recording  # type: ignore[method-assign]
    return stamps


def assert_exact(stamps: list[int], limiter: RedisLimiter) -> None:
    """No ``N + 1`` stamps closer than the window plus its jitter allowance (µs, exact)."""
    stamps = sorted(stamps)
    for limit, jitter in zip(limiter.limits, limiter.plan.jitters, strict=True):
        span_us = round((limit.period_seconds + jitter) * 1_000_000)
        assert max_in_window(stamps, span_us) <= limit.max_calls


async def _send_many(limiter: RedisLimiter, scope: str, tasks: int, each: int) -> None:
    async def worker() -> None:
        for _ in range(each):
            reservation = await limiter.acquire(scope)
            assert reservation.sent()

    await asyncio.gather(*(worker() for _ in range(tasks)))


async def test_windows_are_exact_across_limiter_instances(redis_server: RedisServer) -> None:
    """Three limiters (as three processes would have) never overrun a window together."""
    limiters = [RedisLimiter(redis_server.url, LIMITS) for _ in range(3)]
    stamps = record_stamps(limiters)
    try:
        await asyncio.gather(*(_send_many(lim, "s1", 3, 4) for lim in limiters))
    finally:
        for lim in limiters:
            await lim.aclose()  # also waits for the stamps on their way
    assert len(stamps) == 36
    assert_exact(stamps, limiters[0])


async def test_pending_reservations_count_until_sent(redis_server: RedisServer) -> None:
    """Three admitted at once after idle, none sent: a fourth (another process) waits; once
    they are sent it goes one window after their stamps."""
    a = RedisLimiter(redis_server.url, LIMITS)
    b = RedisLimiter(redis_server.url, LIMITS)
    stamps = record_stamps([a, b])
    admits = 0
    try:
        await a.acquire("pend")  # connects
        first = await a.acquire("idle")
        entry = a._clients[asyncio.get_running_loop()]
        original = entry.admit

        async def counting(*args: object, **kwargs: object) -> object:
            nonlocal admits
            admits += 1
            return await original(*args, **kwargs)  # type: ignore[arg-type]

        entry.admit = counting  # type: ignore[assignment]
        others = [await a.acquire("idle") for _ in range(2)]
        assert admits == 2  # each admitted by its first script call: no waiting
        fourth = asyncio.ensure_future(b.acquire("idle"))
        with pytest.raises(asyncio.TimeoutError):  # the pending three fill the 3/0.1 s window
            await asyncio.wait_for(asyncio.shield(fourth), 0.3)
        for reservation in (first, *others):
            assert reservation.sent()
        (await fourth).sent()
    finally:
        await a.aclose()
        await b.aclose()
    stamps.sort()
    assert len(stamps) == 4
    assert stamps[3] - stamps[0] >= round(0.13 * 1_000_000)  # one window + jitter after


async def test_abandoned_reservations_expire(redis_server: RedisServer) -> None:
    """A process killed between admission and send: its places come back on their own."""
    dead = RedisLimiter(redis_server.url, LIMITS, reservation_timeout=2.5)
    alive = RedisLimiter(redis_server.url, LIMITS, reservation_timeout=2.5)
    try:
        for _ in range(3):
            await dead.acquire("gone")  # never sent, never released
        await dead.aclose()
        started = time.monotonic()
        reservation = await asyncio.wait_for(alive.acquire("gone"), 10)
        assert time.monotonic() - started >= 2.3  # not before the reservations expired
        reservation.release()
    finally:
        await alive.aclose()


async def test_release_frees_the_place_and_sent_moves_it_into_the_windows(
    redis_server: RedisServer,
) -> None:
    limiter = RedisLimiter(redis_server.url, LIMITS, prefix="rel")
    raw = aioredis.Redis.from_url(redis_server.url)
    keys = limiter._keys("rel")
    try:
        kept = await limiter.acquire("rel")
        dropped = await limiter.acquire("rel")
        await limiter.aclose()
        assert await raw.zcard(keys[-2]) == 2  # two pending
        dropped.release()
        kept.sent()
        await limiter.aclose()
        assert await raw.zcard(keys[-2]) == 0
        assert [await raw.zcard(k) for k in keys[:-2]] == [1, 1]  # stamped in each window
    finally:
        await raw.aclose()
        await limiter.aclose()


async def test_keys_are_hashed_scoped_and_expire(redis_server: RedisServer) -> None:
    key = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    scope = limiter_scope(key, "https://api.haulmer.com")
    limiter = RedisLimiter(redis_server.url, LIMITS, prefix="t", reservation_timeout=2.5)
    raw = aioredis.Redis.from_url(redis_server.url)
    try:
        (await limiter.acquire(scope)).sent()
        await limiter.acquire(scope)  # stays pending
        await limiter.pause(scope, 2.0)
        await limiter.aclose()
        names = sorted(k.decode() for k in await raw.keys("*"))
        assert names and all(n.startswith(f"t:{{{scope}}}:") for n in names)
        assert not any(key in n for n in names)
        for name in names:
            ttl = await raw.pttl(name)
            assert 0 < ttl <= 3_500  # window, reservation or pause + 1 s: nothing lives forever
        (await limiter.acquire("another-scope")).sent()  # another key has its own budget
        await limiter.aclose()
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
        (await b.acquire("p")).sent()
        assert time.monotonic() - started >= 0.25
        # The process that learns of the pause holds its other requests of the key too.
        assert KEY_PAUSES.until("p") > started
    finally:
        await a.aclose()
        await b.aclose()


async def test_a_pause_longer_than_the_callers_cap_raises_at_once(
    redis_server: RedisServer,
) -> None:
    a = RedisLimiter(redis_server.url, LIMITS)
    b = RedisLimiter(redis_server.url, LIMITS)
    try:
        await a.pause("cap", 30.0)
        token = _pause_cap.set(5.0)  # what the transport sets from max_rate_limit_wait
        try:
            with pytest.raises(KeyPausedTooLong) as info:
                await asyncio.wait_for(b.acquire("cap"), 10)
        finally:
            _pause_cap.reset(token)
        assert 25.0 < info.value.remaining <= 30.0
    finally:
        await a.aclose()
        await b.aclose()


def test_shared_from_two_event_loops_in_threads(redis_server: RedisServer) -> None:
    """A sync client's loop thread and an app loop share one RedisLimiter object."""
    limiter = RedisLimiter(redis_server.url, LIMITS)
    stamps = record_stamps([limiter])

    def run() -> None:
        async def go() -> None:
            await _send_many(limiter, "threads", 2, 5)
            await limiter.aclose()

        asyncio.run(go())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 20
    assert_exact(stamps, limiter)


async def _send_one(limiter: RedisLimiter, scope: str) -> None:
    (await limiter.acquire(scope)).sent()


async def test_falls_back_when_redis_dies_and_recovers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="openfactura")
    limiter = RedisLimiter(redis_server.url, LIMITS, retry_interval=0.2, timeout=0.2)
    try:
        await _send_one(limiter, "f")
        assert not limiter.degraded
        redis_server.kill()
        for _ in range(4):
            await _send_one(limiter, "f")  # served by the in-process limiter
        assert limiter.degraded
        unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(unreachable) == 1  # one warning per outage, not per request
        redis_server.start()
        deadline = time.monotonic() + 10
        while limiter.degraded and time.monotonic() < deadline:
            await _send_one(limiter, "f")
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
        # 0.1 s of jitter allowance: wider than a loaded machine's scheduling hiccups.
        limiter = RedisLimiter(redis_server.url, LIMITS, jitter=0.1)
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
    """4 OS processes, one key, a strict sliding-window server: no 429, no overrun.

    The share of the budget they reach is a benchmark figure (bench_redis_budget.py), not
    asserted here; the 0.1 s jitter allowance is wider than a loaded machine's hiccups."""
    limits = (RateLimit(3, 0.1), RateLimit(20, 1.0))
    server = StrictServer(limits)
    base = await server.start()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    specs = tuple((lim.max_calls, lim.period_seconds) for lim in limits)
    procs = [
        ctx.Process(target=hammer, args=(base, redis_server.url, specs, 2.5, 3, results, 0.1))
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
    assert sum(ok for ok, _ in outcomes) == len(server.accepted) > 20
    assert server.rejected == 0
    assert server.max_in_window(0.1) <= 3
    assert server.max_in_window(1.0) <= 20


async def test_clock_skew_between_hosts_does_not_matter(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two "hosts" whose local clocks disagree by 2000 s still share exact windows: every
    decision uses the Redis server's clock only."""
    import types

    import openfactura._redis_limiter as module

    offset = [0.0]
    skewed = types.SimpleNamespace(
        monotonic=lambda: time.monotonic() + offset[0], time=lambda: time.time() + offset[0]
    )
    monkeypatch.setattr(module, "time", skewed)
    host_a = RedisLimiter(redis_server.url, LIMITS)
    host_b = RedisLimiter(redis_server.url, LIMITS)
    stamps = record_stamps([host_a, host_b])
    try:
        for i in range(16):
            offset[0] = 1000.0 if i % 2 else -1000.0
            await _send_one(host_a if i % 2 else host_b, "skew")
    finally:
        await host_a.aclose()
        await host_b.aclose()
    assert len(stamps) == 16
    assert_exact(stamps, host_a)
