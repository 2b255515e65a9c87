"""A local aiohttp server that enforces strict sliding windows and answers 429 like the gateway."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Sequence

from aiohttp import web

from openfactura import RateLimit


class StrictServer:
    """Counts arrivals per window; answers 429 + Retry-After when a window is full."""

    def __init__(self, limits: Sequence[RateLimit]) -> None:
        self.limits = tuple(limits)
        self.accepted: list[float] = []
        self.arrivals: list[float] = []
        self.rejected = 0
        self._logs = [deque[float]() for _ in self.limits]
        self.runner: web.AppRunner | None = None
        self.base_url = ""

    async def handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        self.arrivals.append(now)
        wait = 0.0
        for limit, log in zip(self.limits, self._logs, strict=True):
            while log and log[0] <= now - limit.period_seconds:
                log.popleft()
            if len(log) >= limit.max_calls:
                wait = max(wait, log[0] + limit.period_seconds - now)
        if wait > 0:
            self.rejected += 1
            seconds = max(1, math.ceil(wait))
            return web.json_response(
                {
                    "statusCode": 429,
                    "message": f"Rate limit is exceeded. Try again in {seconds} seconds.",
                },
                status=429,
                headers={"Retry-After": f"{wait:.3f}"},
            )
        for log in self._logs:
            log.append(now)
        self.accepted.append(now)
        return web.json_response({"rut": "76795561-8", "n": len(self.accepted)})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def max_in_window(self, period: float) -> int:
        """The largest number of accepted requests inside any window of ``period`` seconds."""
        return max_in_window(self.accepted, period)


def max_in_window(times: list[float], period: float) -> int:
    """The largest number of ``times`` (sorted) inside any window of ``period`` seconds."""
    best, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= period:
            start += 1
        best = max(best, end - start + 1)
    return best


def steady_fraction(times: list[float], limit: RateLimit) -> float:
    """Share of ``limit``'s budget used after the first window (whose burst is free)."""
    start = times[0] + limit.period_seconds
    later = [t for t in times if t >= start]
    if len(later) < 2:
        return 0.0
    return (len(later) - 1) / (later[-1] - later[0]) / limit.rate


def perfect_schedule(n: int, limits: Sequence[RateLimit]) -> list[float]:
    """When a perfect client makes ``n`` calls from time 0 under ``limits`` (greedy: each as
    early as every sliding window allows), written naively and independently of the SDK."""
    times: list[float] = []
    t = 0.0
    for _ in range(n):
        while True:
            earliest = t
            for limit in limits:
                recent = [
                    x for x in times[-limit.max_calls :] if x > t - limit.period_seconds + 1e-9
                ]
                if len(recent) >= limit.max_calls:
                    earliest = max(earliest, recent[-limit.max_calls] + limit.period_seconds)
            if earliest == t:
                break
            t = earliest
        times.append(t)
    return times


def strict_budget(arrivals: Sequence[float], limits: Sequence[RateLimit]) -> float:
    """Issue 13's budget: the span a perfect client needs for the same number of calls
    (bursts included) over the measured first-to-last arrival span."""
    if len(arrivals) < 2:
        return 0.0
    ordered = sorted(arrivals)
    return perfect_schedule(len(ordered), limits)[-1] / (ordered[-1] - ordered[0])
