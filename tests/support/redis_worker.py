"""Run in a separate OS process by the multi-process Redis tests and benchmark."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import openfactura
from openfactura import RateLimit


def hammer(
    base_url: str,
    redis_url: str | None,
    limits: tuple[tuple[int, float], ...],
    seconds: float,
    tasks: int,
    results: Any,
    jitter: float | None = None,
) -> None:
    """Call the API as fast as the limiter allows for ``seconds``; report (ok, rate_limited)."""

    async def main() -> tuple[int, int]:
        rate_limits = tuple(RateLimit(n, p) for n, p in limits)
        limiter: openfactura.Limiter
        if redis_url is None:
            limiter = openfactura.MemoryLimiter(rate_limits, jitter=jitter)
        else:
            limiter = openfactura.RedisLimiter(redis_url, rate_limits, jitter=jitter)
        ok = limited = 0
        stop_at = time.monotonic() + seconds
        # timeout: the call's deadline covers its wait for the shared budget, and 4 processes
        # queueing for 100/min wait minutes
        async with openfactura.AsyncOpenfactura(
            "m" * 32, base_url=base_url, limiter=limiter, max_retries=0, timeout=600
        ) as client:

            async def worker() -> None:
                nonlocal ok, limited
                while time.monotonic() < stop_at:
                    try:
                        await client.organization.get()
                        ok += 1
                    except openfactura.RateLimitError:
                        limited += 1

            await asyncio.gather(*(worker() for _ in range(tasks)))
        await limiter.aclose()
        return ok, limited

    results.put(asyncio.run(main()))


def burst(
    base_url: str,
    redis_url: str,
    limits: tuple[tuple[int, float], ...],
    calls: int,
    tasks: int,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """Make ``calls`` calls with ``tasks`` tasks through a RedisLimiter (default jitter),
    starting when ``go`` is set, so that every process starts at once; report
    (ok, rate_limited)."""

    async def main() -> tuple[int, int]:
        rate_limits = tuple(RateLimit(n, p) for n, p in limits)
        limiter = openfactura.RedisLimiter(redis_url, rate_limits)
        ok = limited = 0
        left = calls
        # timeout: the call's deadline covers its wait for the shared budget, and 4 processes
        # queueing for 100/min wait minutes
        async with openfactura.AsyncOpenfactura(
            "m" * 32, base_url=base_url, limiter=limiter, max_retries=0, timeout=600
        ) as client:
            await (await limiter._client()).client.ping()  # connected to Redis before the start
            ready.set()
            await asyncio.to_thread(go.wait)

            async def worker() -> None:
                nonlocal ok, limited, left
                while left > 0:
                    left -= 1
                    try:
                        await client.organization.get()
                        ok += 1
                    except openfactura.RateLimitError:
                        limited += 1

            await asyncio.gather(*(worker() for _ in range(tasks)))
        await limiter.aclose()
        return ok, limited

    results.put(asyncio.run(main()))
