"""The sandbox's gateway rate limits: strict sliding windows per key, like Azure APIM's.

APIM's ``rate-limit`` policy allows at most ``calls`` requests in any sliding window of
``renewal-period`` seconds. The sandbox keeps an exact log of admitted arrival times per
key, so it never lets a window hold more than its limit (APIM itself is approximate).

Only **admitted** requests are counted: a request answered 429 does not extend the
lock-out. That is APIM's behaviour as its documentation describes it (the limit applies
to calls that reach the API; a throttled call is answered by the gateway itself), and it
is what a well-behaved client expects: waiting ``Retry-After`` seconds is always enough.

Usage::

    windows = SlidingWindows([RateLimit(3, 1.0)], time.monotonic)
    wait = windows.check("key")          # 0.0: admitted; else seconds until it would be
    window_overruns([0.0, 0.1, 0.2, 0.3], [RateLimit(3, 1.0)])  # -> [(RateLimit(3, 1.0), 0.0, 4)]
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence

from .._ratelimit import RateLimit

__all__ = ["API_RATE_LIMITS", "SlidingWindows", "retry_after_text", "window_overruns"]

API_RATE_LIMITS: tuple[RateLimit, ...] = (RateLimit(3, 1.0), RateLimit(100, 60.0))
"""The API's limits per key, from the reference (§1.4, H): 3 requests per second and 100 per
minute, as two sliding windows (§1.10). The sandbox's own constant on purpose: the fake must
enforce what the API does, not whatever the SDK believes (``openfactura.DEFAULT_RATE_LIMITS``)."""


class SlidingWindows:
    """Strict sliding windows, per key: at most N admitted arrivals in any W seconds."""

    def __init__(self, limits: Sequence[RateLimit], clock: Callable[[], float]) -> None:
        self.limits = tuple(limits)
        self._clock = clock
        self._logs: dict[str, list[deque[float]]] = {}

    def usage(self, key: str) -> list[tuple[RateLimit, int]]:
        """Per window, the admitted requests of ``key`` in the window ending now."""
        now = self._clock()
        logs = self._logs.get(key)
        if logs is None:
            return [(limit, 0) for limit in self.limits]
        return [
            (limit, sum(1 for at in log if at > now - limit.period_seconds))
            for limit, log in zip(self.limits, logs, strict=True)
        ]

    def check(self, key: str) -> float:
        """0 when the request is admitted (and counted), else seconds until it would be."""
        now = self._clock()
        logs = self._logs.setdefault(key, [deque() for _ in self.limits])
        wait = 0.0
        for limit, log in zip(self.limits, logs, strict=True):
            while log and log[0] <= now - limit.period_seconds:
                log.popleft()
            if len(log) >= limit.max_calls:
                wait = max(wait, log[0] + limit.period_seconds - now)
        if wait > 0:
            return wait
        for log in logs:
            log.append(now)
        return 0.0


def retry_after_text(wait: float, limits: Sequence[RateLimit]) -> str:
    """X of "Try again in X seconds." (and of ``Retry-After``).

    With real windows (all periods of at least 1 s) X is the whole number of seconds,
    rounded up, never 0 — APIM's form. When windows are compressed below one second (tests,
    the demo) X is a decimal fraction such as ``"0.004"`` so that clients honouring it
    stay fast; the SDK parses both forms.
    """
    if limits and min(limit.period_seconds for limit in limits) < 1.0:
        return f"{max(wait, 0.001):.3f}"
    return str(max(1, math.ceil(wait)))


def window_overruns(
    times: Iterable[float], limits: Sequence[RateLimit]
) -> list[tuple[RateLimit, float, int]]:
    """Every window that held more than its limit: ``(limit, window start, count)``.

    ``times`` are the arrival times of one key's admitted requests. An empty list means
    no sliding window was ever overrun — what a correct client-side limiter guarantees.
    A window is half-open ``(t - W, t]``, the same convention the sandbox enforces.

    >>> window_overruns([0.0, 0.5, 1.0, 1.2], [RateLimit(3, 1.0)])
    []
    """
    ordered = sorted(times)
    found: list[tuple[RateLimit, float, int]] = []
    for limit in limits:
        start = 0
        for end, at in enumerate(ordered):
            while ordered[start] <= at - limit.period_seconds:
                start += 1
            count = end - start + 1
            if count > limit.max_calls:
                found.append((limit, ordered[start], count))
    return found
