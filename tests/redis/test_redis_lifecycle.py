"""RedisLimiter's connections over event loops, threads, forks and outages."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import threading
import time
import warnings
import weakref
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis_server import RedisServer

from openfactura import MemoryLimiter, RateLimit, RedisLimiter

ROOMY = (RateLimit(1000, 1.0),)  # never binds: these tests are about connections


def _connected_clients(server: RedisServer) -> int:
    """Clients Redis sees right now, not counting the one asking."""
    with redis.Redis.from_url(server.url) as raw:
        return len(raw.client_list()) - 1


def _wait_for_clients(server: RedisServer, expected: int) -> int:
    deadline = time.monotonic() + 3
    while (count := _connected_clients(server)) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return count


def test_asyncio_run_after_asyncio_run_keeps_no_connection(redis_server: RedisServer) -> None:
    """A Celery task or script doing asyncio.run() per call: each loop's connection closes."""
    limiter = RedisLimiter(redis_server.url, ROOMY)

    async def once() -> None:
        await limiter.acquire("runs")

    for _ in range(6):
        asyncio.run(once())
    assert _wait_for_clients(redis_server, 0) == 0
    asyncio.run(once())  # and the limiter still works
    assert not limiter.degraded


def test_a_loop_closed_without_shutdown_is_forgotten_cleanly(redis_server: RedisServer) -> None:
    limiter = RedisLimiter(redis_server.url, ROOMY)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(limiter.acquire("manual"))
    loop.close()  # no shutdown_asyncgens(): the guard never ran
    assert _connected_clients(redis_server) == 1

    async def once() -> None:
        await limiter.acquire("manual")
        await limiter.aclose()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the dead loop's socket
        asyncio.run(once())  # a new loop drops the closed loop's client
        del loop
        gc.collect()  # would report an error if the old guard asked its dead loop for help
    assert _wait_for_clients(redis_server, 0) == 0


@pytest.mark.parametrize("transport", ["tcp", "unix"])
async def test_a_client_passed_in_is_reused_and_copied_for_other_loops(
    redis_server: RedisServer, transport: str
) -> None:
    template = (
        aioredis.Redis.from_url(redis_server.url, socket_timeout=0.5)
        if transport == "tcp"
        else aioredis.Redis(unix_socket_path=redis_server.socket_path, socket_timeout=0.5)
    )
    limiter = RedisLimiter(template, ROOMY)
    try:
        await limiter.acquire("tpl")  # this loop: the client itself
        errors: list[BaseException] = []

        def other_loop() -> None:
            async def go() -> None:
                await limiter.acquire("tpl")  # another loop: a copy with the same settings
                await limiter.aclose()

            try:
                asyncio.run(go())
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        thread = threading.Thread(target=other_loop)
        thread.start()
        await asyncio.to_thread(thread.join)
        assert errors == []
        assert not limiter.degraded
        await limiter.aclose()
        assert await template.ping()  # the caller's client is never closed by us
        assert await template.zcard(limiter._keys("tpl")[-2]) == 2  # two pending
    finally:
        await template.aclose()


async def test_while_redis_hangs_one_request_probes_it_the_others_fall_back() -> None:
    """A Redis that accepts connections but never answers (a network black hole)."""
    connections = 0

    async def black_hole(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            await reader.read()  # until the client gives up and closes
        finally:
            writer.close()

    server = await asyncio.start_server(black_hole, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limiter = RedisLimiter(f"redis://127.0.0.1:{port}/0", ROOMY, timeout=0.1, retry_interval=0.2)
    events: list[str] = []
    failed = limiter._redis_failed

    def record_failure(exc: BaseException) -> None:
        events.append("probe failed")
        failed(exc)

    limiter._redis_failed = record_failure  # type: ignore[method-assign]

    class RecordingFallback:
        inner = MemoryLimiter(ROOMY)

        async def acquire(self, scope: str) -> Any:
            reservation = await self.inner.acquire(scope)
            events.append("fallback")
            return reservation

        async def pause(self, scope: str, seconds: float) -> None:
            await self.inner.pause(scope, seconds)

    limiter._fallback = RecordingFallback()  # type: ignore[assignment]
    try:
        started = time.monotonic()
        (await limiter.acquire("hang")).sent()  # times out once, then the fallback admits it
        assert limiter.degraded
        assert events == ["probe failed", "fallback"]  # one timeout, then on: no stall
        per_probe = connections
        assert per_probe >= 1
        assert time.monotonic() - started < 5  # (a stall would be many timeouts)
        await asyncio.sleep(0.25)  # the retry interval has passed: the next caller probes
        events.clear()

        for reservation in await asyncio.gather(*(limiter.acquire("hang") for _ in range(8))):
            reservation.sent()
        assert connections == 2 * per_probe  # one probe, not eight
        # The seven others were admitted while the probe was still waiting on Redis.
        assert events == ["fallback"] * 7 + ["probe failed", "fallback"]
        assert limiter.degraded
    finally:
        await limiter.aclose()
        server.close()
        await server.wait_closed()


def _child_acquires(limiter: RedisLimiter, results: Any) -> None:
    async def go() -> str:
        await limiter.pause("fork", 0.0)
        return repr(await limiter.acquire("fork"))

    try:
        results.put(("ok", asyncio.run(go())))
    except BaseException as exc:  # pragma: no cover - reported to the parent
        results.put(("error", repr(exc)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_limiter_used_before_fork_works_in_the_child_and_the_parent(
    redis_server: RedisServer,
) -> None:
    """gunicorn --preload: the limiter object is created (and used) before the fork."""
    limiter = RedisLimiter(redis_server.url, ROOMY)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(limiter.acquire("fork"), loop).result(5)
        ctx = multiprocessing.get_context("fork")
        results = ctx.Queue()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            child = ctx.Process(target=_child_acquires, args=(limiter, results))
            child.start()
        child.join(10)
        assert child.exitcode == 0
        assert results.get(timeout=5)[0] == "ok"
        # The parent's connection on its loop thread was left alone by the child.
        asyncio.run_coroutine_threadsafe(limiter.acquire("fork"), loop).result(5)
        assert not limiter.degraded
        with redis.Redis.from_url(redis_server.url) as raw:
            assert raw.zcard(limiter._keys("fork")[-2]) == 3  # three pending
        asyncio.run_coroutine_threadsafe(limiter.aclose(), loop).result(5)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def test_pacers_let_closed_loops_go() -> None:
    """The per-loop pacers (shared with MemoryLimiter) must not keep every old loop alive."""
    limiter = MemoryLimiter(ROOMY)
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def once() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        await limiter.acquire("loops")

    for _ in range(5):
        asyncio.run(once())
    gc.collect()
    assert sum(ref() is not None for ref in loops) <= 1  # only the newest one's pacer is left
