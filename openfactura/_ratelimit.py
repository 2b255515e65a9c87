"""Client-side rate limiting: the API's 3 requests/s and 100 requests/min per API key.

The gateway (Azure API Management) counts requests in **sliding windows**: at most
``max_calls`` requests may *arrive* in any interval of ``period_seconds``, wherever that
interval starts. A 429 costs a pause of several seconds, so the client must never exceed
any window, not even in the first second after an idle spell, while still spending the
budget almost fully.

Why two nested ``AsyncLimiter(3, 1)`` / ``AsyncLimiter(100, 60)`` are not enough
---------------------------------------------------------------------------------
aiolimiter's ``AsyncLimiter(max_rate, time_period)`` is a leaky bucket of capacity
``C = max_rate`` draining at ``r = max_rate / time_period`` per second. Let ``n`` requests
be admitted between ``t1`` and ``tn``. The level never exceeds ``C`` after an admission
and drains by at most ``r·(tn − t1)`` meanwhile, so::

    n  <=  C + r·(tn − t1)                                             (1)

Over a window of ``W`` seconds a bucket therefore lets ``C + r·W`` through:
``AsyncLimiter(100, 60)`` admits 100 at once and 100 more during the next 60 s — 200 in a
sliding minute — and ``AsyncLimiter(3, 1)`` admits 6 in a sliding second.

How we choose the parameters
----------------------------
Requests also arrive some time after the client admits them, and not always the same
time: a request on a pooled connection leaves at once, one that needs a new connection
first waits for DNS, TCP and TLS (a few hundred milliseconds far from the gateway). So
requests the client admits within ``W + J`` seconds can land in one server window of
``W``. By (1), a bucket ``(C, r)``
keeps every window ``(N_i, W_i)`` exact when ``C + r·(W_i + J_i) < N_i + 1`` for all
``i`` (``n`` is an integer). :func:`plan_pacing` picks the largest burst ``C`` for which
the rate ``r = min_i (N_i + 1 − C) / (W_i + J_i)`` (less a hair) still reaches 98 % of the
tightest budget, and ``C = 1`` otherwise. The allowance ``J_i`` is 0.5 s, room for a new
connection's handshakes, capped at 2 % of the window that binds over a long run (the
lowest ``N_i / W_i``, whose margin costs throughput: it keeps ≥ 97 % of its budget) and at
50 % of the others; so it also scales down with compressed test windows. For the
defaults (``J = 0.5 s`` for both windows):

* ``C = 2`` would need ``r = min(2 / 1.5, 99 / 60.5) = 1.33/s``, only 80 % of 100/min;
* ``C = 1``: ``r = min(3 / 1.5, 100 / 60.5) = 1.653/s`` = 99.2 % of 100/min;
* a 1 s window sees at most ``1 + 1.653·1.5 = 3.5 < 4``; a 60 s window
  ``1 + 1.653·60.5 = 101 − ε``.

So after idle a request leaves at once, then one every 0.605 s; no window can overrun
while requests arrive within 0.5 s of their admission.

Sharing one budget: pacer + sliding log
---------------------------------------
An ``AsyncLimiter`` belongs to one event loop, but one API key may be used by several
clients on several loops (an async client on the app's loop and a sync client on its
private loop thread). So each key (a *scope*: a hash of key and host, never the key) has:

1. per event loop, an ``AsyncLimiter(C, C / r)`` (the **pacer**): fair FIFO queueing and
   the smooth rate derived above;
2. one thread-safe **sliding log** (:class:`SlidingLog`) per scope — the last ``N_i``
   admission times for each window — the exact arbiter shared by every loop and thread:
   a request is admitted only if fewer than ``N_i`` admissions happened in the last
   ``W_i + J_i`` seconds.

With a single loop the pacer already satisfies the log, which then never makes anyone
wait; with several loops the log caps their sum. :class:`MemoryLimiter` is the in-process
implementation of :class:`Limiter`; ``openfactura.RedisLimiter`` keeps the same log in
Redis to share the budget across processes.

A 429 pauses the whole scope (:meth:`Limiter.pause`): every request of that key waits
until the server's hint has passed, not only the one that failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "Limiter",
    "MemoryLimiter",
    "PacingPlan",
    "RateLimit",
    "SlidingLog",
    "limiter_scope",
    "plan_pacing",
    "shared_memory_limiter",
]


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


@attrs.frozen
class RateLimit:
    """At most ``max_calls`` requests in any sliding window of ``period_seconds``.

    >>> RateLimit(3, 1.0), RateLimit(100, 60.0)  # the API's limits per key
    (RateLimit(max_calls=3, period_seconds=1.0), RateLimit(max_calls=100, period_seconds=60.0))
    """

    max_calls: int = attrs.field(validator=_positive)
    period_seconds: float = attrs.field(converter=float, validator=_positive)

    @property
    def rate(self) -> float:
        """Calls per second this window allows over a long run."""
        return self.max_calls / self.period_seconds


DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (RateLimit(3, 1.0), RateLimit(100, 60.0))
"""The API's documented limits per key: 3 per second and 100 per minute."""


def limiter_scope(api_key: str, host: str) -> str:
    """The budget's identity: a hash of the key and the host (the key itself is never kept)."""
    digest = hashlib.sha256(f"{host}\x00{api_key}".encode()).hexdigest()
    return digest[:32]


@runtime_checkable
class Limiter(Protocol):
    """What the transport needs from a rate limiter. Implemented by :class:`MemoryLimiter`
    (one process) and ``openfactura.RedisLimiter`` (many processes).

    ``scope`` identifies one API budget (see :func:`limiter_scope`). Methods may be called
    from any event loop and any thread.
    """

    async def acquire(self, scope: str) -> float:
        """Wait until one more request of ``scope`` may be sent; return the seconds waited."""
        ...

    async def pause(self, scope: str, seconds: float) -> None:
        """Hold every request of ``scope`` for ``seconds`` (after a 429)."""
        ...

    async def aclose(self) -> None:
        """Release resources (connections); the limiter may not be used afterwards."""
        ...


# -- pacing plan ------------------------------------------------------------------------------

_TARGET_FRACTION = 0.98
_EPSILON = 1e-6


@attrs.frozen
class PacingPlan:
    """Leaky-bucket parameters that keep every sliding window exact (module docstring)."""

    capacity: int
    rate: float
    jitters: tuple[float, ...]

    def limiter(self) -> AsyncLimiter:
        """A fresh aiolimiter bucket for one event loop."""
        return AsyncLimiter(self.capacity, self.capacity / self.rate)


MAX_JITTER = 0.5
BINDING_JITTER_FRACTION = 0.02
OTHER_JITTER_FRACTION = 0.5


def jitter_allowances(
    limits: Sequence[RateLimit], jitter: float | None = None
) -> tuple[float, ...]:
    """Network jitter allowance per window (seconds).

    ``jitter`` if given; else 0.5 s (a new connection's DNS, TCP and TLS handshakes
    happen between admission and arrival), capped at 2 % of the window that binds over a
    long run (the lowest ``max_calls / period``: its margin costs throughput) and at 50 %
    of the others.
    """
    if jitter is not None:
        return tuple(float(jitter) for _ in limits)
    tightest = min(limit.rate for limit in limits)
    return tuple(
        min(
            MAX_JITTER,
            (BINDING_JITTER_FRACTION if limit.rate == tightest else OTHER_JITTER_FRACTION)
            * limit.period_seconds,
        )
        for limit in limits
    )


def plan_pacing(limits: Sequence[RateLimit], jitter: float | None = None) -> PacingPlan:
    """Derive the burst ``capacity`` and ``rate`` of the pacer for ``limits``.

    >>> plan = plan_pacing(DEFAULT_RATE_LIMITS)
    >>> plan.capacity, round(plan.rate * 60, 1)
    (1, 99.2)
    """
    if not limits:
        raise ValueError("plan_pacing needs at least one RateLimit")
    jitters = jitter_allowances(limits, jitter)
    tightest = min(limit.rate for limit in limits)

    def rate_for(capacity: int) -> float:
        return min(
            (limit.max_calls + 1 - capacity) / (limit.period_seconds + j)
            for limit, j in zip(limits, jitters, strict=True)
        ) * (1 - _EPSILON)

    for capacity in range(min(limit.max_calls for limit in limits), 0, -1):
        rate = rate_for(capacity)
        if rate >= _TARGET_FRACTION * tightest:
            return PacingPlan(capacity=capacity, rate=rate, jitters=jitters)
    return PacingPlan(capacity=1, rate=rate_for(1), jitters=jitters)


# -- the exact arbiter ----------------------------------------------------------------------


class SlidingLog:
    """Exact sliding windows over admission times; thread-safe, loop-agnostic.

    ``try_admit(now)`` admits (returns ``0.0``) when every window has room, else returns
    how long to wait before trying again. ``pause_until`` holds everything after a 429.
    """

    __slots__ = ("_lock", "_logs", "_spans", "paused_until")

    def __init__(self, limits: Sequence[RateLimit], jitters: Sequence[float]) -> None:
        self._lock = threading.Lock()
        self._spans = [
            (limit.max_calls, limit.period_seconds + j)
            for limit, j in zip(limits, jitters, strict=True)
        ]
        self._logs: list[deque[float]] = [deque(maxlen=limit.max_calls) for limit in limits]
        self.paused_until = 0.0

    def try_admit(self, now: float) -> float:
        with self._lock:
            wait = self.paused_until - now
            for (max_calls, span), log in zip(self._spans, self._logs, strict=True):
                if len(log) >= max_calls:
                    wait = max(wait, log[0] + span - now)
            if wait > 0:
                return wait
            for log in self._logs:
                log.append(now)
            return 0.0

    def pause(self, until: float) -> None:
        with self._lock:
            self.paused_until = max(self.paused_until, until)

    def __repr__(self) -> str:
        counts = ", ".join(str(len(log)) for log in self._logs)
        return f"<SlidingLog recent=[{counts}] paused_until={self.paused_until:.3f}>"


class _Pacers:
    """One aiolimiter bucket per event loop (aiolimiter objects must not cross loops)."""

    __slots__ = ("_by_loop", "_lock", "_plan")

    def __init__(self, plan: PacingPlan) -> None:
        self._plan = plan
        self._lock = threading.Lock()
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncLimiter] = (
            weakref.WeakKeyDictionary()
        )

    def for_running_loop(self) -> AsyncLimiter:
        loop = asyncio.get_running_loop()
        with self._lock:
            pacer = self._by_loop.get(loop)
            if pacer is None:
                # An AsyncLimiter holds its loop, so the weak key alone never lets go of
                # it: drop the pacers of closed loops (one asyncio.run() after another).
                for old in [old for old in self._by_loop if old.is_closed()]:
                    del self._by_loop[old]
                pacer = self._by_loop[loop] = self._plan.limiter()
            return pacer

    def reset_after_fork(self) -> None:
        """In a forked child: a fresh lock, and no pacer of the parent's loops."""
        self._lock = threading.Lock()
        self._by_loop = weakref.WeakKeyDictionary()


class MemoryLimiter:
    """The in-process :class:`Limiter`: per-loop aiolimiter pacing + one exact sliding log per key.

    Usage (the client builds one for you; pass ``limiter=`` to share it explicitly)::

        limiter = MemoryLimiter((RateLimit(3, 1.0), RateLimit(100, 60.0)))
        waited = await limiter.acquire(scope)
    """

    __slots__ = ("__weakref__", "_clock", "_lock", "_scopes", "_sleep", "limits", "plan")

    def __init__(
        self,
        limits: Iterable[RateLimit] = DEFAULT_RATE_LIMITS,
        *,
        jitter: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.limits = tuple(limits)
        self.plan = plan_pacing(self.limits, jitter)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._scopes: dict[str, tuple[SlidingLog, _Pacers]] = {}
        _live_limiters.add(self)

    def _after_fork(self) -> None:
        # A fork copies locks in whatever state another thread held them, and no loop of
        # the parent runs in the child: fresh locks and pacers, the same admission history.
        self._lock = threading.Lock()
        for log, pacers in self._scopes.values():
            log._lock = threading.Lock()
            pacers.reset_after_fork()

    def _scope(self, scope: str) -> tuple[SlidingLog, _Pacers]:
        with self._lock:
            state = self._scopes.get(scope)
            if state is None:
                state = self._scopes[scope] = (
                    SlidingLog(self.limits, self.plan.jitters),
                    _Pacers(self.plan),
                )
            return state

    async def acquire(self, scope: str) -> float:
        log, pacers = self._scope(scope)
        start = self._clock()
        await self._wait_pause(log)
        await pacers.for_running_loop().acquire()
        while (wait := log.try_admit(self._clock())) > 0:
            await self._sleep(wait)  # type: ignore[misc]
        return self._clock() - start

    async def _wait_pause(self, log: SlidingLog) -> None:
        while (wait := log.paused_until - self._clock()) > 0:
            await self._sleep(wait)  # type: ignore[misc]

    async def pause(self, scope: str, seconds: float) -> None:
        log, _ = self._scope(scope)
        log.pause(self._clock() + max(0.0, seconds))

    def paused_for(self, scope: str) -> float:
        """Seconds left in the current 429 pause of ``scope`` (0 when not paused)."""
        log, _ = self._scope(scope)
        return max(0.0, log.paused_until - self._clock())

    async def aclose(self) -> None:
        return None

    def __repr__(self) -> str:
        limits = ", ".join(f"{lim.max_calls}/{lim.period_seconds:g}s" for lim in self.limits)
        return (
            f"<MemoryLimiter [{limits}] burst={self.plan.capacity} "
            f"rate={self.plan.rate:.3f}/s scopes={len(self._scopes)}>"
        )


_registry: dict[tuple[RateLimit, ...], MemoryLimiter] = {}
_registry_lock = threading.Lock()
_live_limiters: weakref.WeakSet[MemoryLimiter] = weakref.WeakSet()


def _after_fork_in_child() -> None:  # pragma: no cover - runs in forked children
    global _registry_lock
    _registry_lock = threading.Lock()
    for limiter in list(_live_limiters):
        limiter._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def shared_memory_limiter(limits: Iterable[RateLimit]) -> MemoryLimiter:
    """The process-wide :class:`MemoryLimiter` for ``limits``.

    Every client of this process with the same limits gets the same object, and inside it
    the same scope (key + host) gets the same log: two clients, or a sync and an async
    client, can never together exceed one key's budget.
    """
    key = tuple(limits)
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = MemoryLimiter(key)
        return limiter
