"""Client-side rate limiting: the API's 3 requests/s and 100 requests/min per API key.

The gateway (Azure API Management) counts requests in **sliding windows**: at most
``max_calls`` requests may *arrive* in any interval of ``period_seconds``, wherever that
interval starts. A 429 costs a pause of several seconds, so the client must never exceed
any window, not even in the first second after an idle spell, while still spending the
whole budget: 3 requests at once after idle, then both windows used to the full.

Send-time stamping
------------------
A request arrives at the gateway some time after the client lets it through: one on a
pooled connection leaves at once, one that needs a new connection first waits for DNS,
TCP and TLS (from milliseconds to seconds). Counting a request from its *admission*
therefore needs an allowance as long as the slowest handshake, paid on every request.
Instead the arbiter counts a request from the moment its headers leave:

1. :meth:`Limiter.acquire` admits a request and returns a :class:`Reservation`. Until it
   is sent, the reservation is **pending** and counts as "now" in every window.
2. The transport calls :meth:`Reservation.sent` when aiohttp's request is about to write
   its headers (its ``send``, once the connection is ready): from then on the request counts from
   that **stamp**. A request that is never sent (connection refused, task cancelled) is
   :meth:`~Reservation.release`\\ d; a reservation nobody settles (a process killed in
   between) expires after ``reservation_timeout`` seconds.

The rule, per window ``(N, W)`` with the jitter allowance ``J`` and ``W' = W + J``: admit at
time ``a`` only if (stamps later than ``a − W'``) + (pending reservations) ``< N``.

**Claim.** The stamps of any ``N + 1`` sent requests span at least ``W'``.

*Proof.* Suppose ``N + 1`` stamps lie in an interval shorter than ``W'``, and let ``X`` be
the one of them admitted last, at ``a_X``; its stamp ``s_X >= a_X``. Every other request
``Y`` of the set was admitted before ``a_X``, so at ``a_X`` it was either still pending
(counted) or already stamped at ``s_Y <= a_X``; then ``s_Y > s_X − W' >= a_X − W'`` (both
stamps lie in the short interval), so it was counted too. ``X`` saw ``N`` counted requests
and was not admitted: a contradiction. ∎

The proof only needs each stamp to be taken no earlier than its admission, and it stays
true for a stamp taken *after* the real send (the request was then pending, i.e. counted
as "now", meanwhile); a stamp taken *before* the real send is early by that gap. So at the
gateway a window can only overrun if the delays between stamp and arrival of two requests
differ by more than ``J``: network jitter and the few microseconds between the hook and
the socket write. ``J`` defaults to :data:`DEFAULT_JITTER` (30 ms) on every window; a slow
handshake now delays only its own request and costs nothing else. With the API's limits a
client spends 100 % of the short window's 3 per 1.03 s in a burst and 99.95 % of the
minute: after idle, 3 requests leave at once, then 3 more every 1.03 s until the minute
holds 100, then one more as each of those leaves the minute.

What is left to wait for: when the pending reservations alone fill a window, its slot
frees no earlier than ``W'`` after the next stamp, so the head waiter re-checks after
``min(W', 0.25 s)`` (a released reservation frees its slot at once); otherwise it sleeps
exactly until enough stamps leave the window.

Sharing one budget: pacer + sliding log
---------------------------------------
An ``AsyncLimiter`` belongs to one event loop, but one API key may be used by several
clients on several loops (an async client on the app's loop and a sync client on its
private loop thread). So each key (a *scope*: a hash of key and host, never the key) has:

1. per event loop, an aiolimiter bucket (the **pacer**): fair FIFO queueing in front,
   shaped like the window with the fewest calls (``AsyncLimiter(N, W')``: it admits at most
   ``N + N·T/W'`` in ``T`` seconds, never fewer than the exact rule above, so it never
   slows the budget down), followed by a FIFO lock so that one waiter per loop at a time
   watches the log;
2. one thread-safe **sliding log** (:class:`SlidingLog`) per scope, the exact arbiter
   shared by every loop and thread, holding the stamps and the pending reservations.

:class:`MemoryLimiter` is the in-process implementation of :class:`Limiter`;
``openfactura.RedisLimiter`` keeps the same log in Redis to share the budget across
processes.

The 429 pause belongs to the key
--------------------------------
A 429 pauses every request of its key, whatever limiter the client uses, or none
(:data:`KEY_PAUSES`, kept by the transport): the server's hint holds them all in this
process, and :meth:`Limiter.pause` shares it further (``RedisLimiter``: every process).
"""

from __future__ import annotations

import asyncio
import bisect
import contextvars
import hashlib
import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs
from aiolimiter import AsyncLimiter

if TYPE_CHECKING:
    from ._budget import RateBudget

__all__ = [
    "DEFAULT_JITTER",
    "DEFAULT_RATE_LIMITS",
    "DEFAULT_RESERVATION_TIMEOUT",
    "KEY_PAUSES",
    "KeyPausedTooLong",
    "KeyPauses",
    "Limiter",
    "MemoryLimiter",
    "PacingPlan",
    "RateLimit",
    "Reservation",
    "SlidingLog",
    "as_reservation",
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

    @property
    def label(self) -> str:
        """``"3/1s"``: how events, spans, metrics and :class:`~openfactura.RateBudget` name it."""
        return f"{self.max_calls}/{self.period_seconds:g}s"


DEFAULT_RATE_LIMITS: tuple[RateLimit, ...] = (RateLimit(3, 1.0), RateLimit(100, 60.0))
"""The API's documented limits per key: 3 per second and 100 per minute."""

DEFAULT_JITTER = 0.03
"""Seconds added to every window: how much the network may delay one request more than
another between its send-time stamp and its arrival at the gateway."""

DEFAULT_RESERVATION_TIMEOUT = 60.0
"""Seconds after which an admitted request that was neither sent nor released stops
counting (its task or process died in between)."""

PENDING_RECHECK = 0.25
"""Longest sleep of a waiter blocked only by pending reservations (one may be released)."""


def limiter_scope(api_key: str, host: str) -> str:
    """The budget's identity: a hash of the key and the host (the key itself is never kept)."""
    digest = hashlib.sha256(f"{host}\x00{api_key}".encode()).hexdigest()
    return digest[:32]


@runtime_checkable
class Reservation(Protocol):
    """One admitted request, as returned by :meth:`Limiter.acquire`.

    It counts as "now" in every window until :meth:`sent` stamps it; call exactly one of
    :meth:`sent` or :meth:`release`, on the event loop that acquired it.
    """

    def sent(self) -> bool:
        """The request's headers leave now: count it from this moment.

        Returns ``False`` if the reservation had already expired (it is counted anyway): the
        caller should then not send, and acquire again.
        """
        ...

    def release(self) -> None:
        """The request will not be sent: free its place at once (idempotent)."""
        ...


@runtime_checkable
class Limiter(Protocol):
    """What the transport needs from a rate limiter. Implemented by :class:`MemoryLimiter`
    (one process) and ``openfactura.RedisLimiter`` (many processes).

    ``scope`` identifies one API budget: an opaque string the client derives from a hash of
    the API key and the host (never the key itself). Methods may be called from any event
    loop and any thread.

    A limiter written for earlier versions, whose ``acquire`` returns the seconds it
    waited (a number) instead of a :class:`Reservation`, keeps working: its requests
    count from their admission, as they did then.

    Optional: ``async def budget(scope) -> RateBudget`` (what ``client.rate_budget()``
    shows; without it, no windows) and ``def budget_now(scope) -> RateBudget | None`` (the
    same without I/O, for the ``openfactura.otel`` gauge).
    """

    async def acquire(self, scope: str) -> Reservation | float:
        """Wait until one more request of ``scope`` may be sent; return its reservation."""
        ...

    async def pause(self, scope: str, seconds: float) -> None:
        """Hold every request of ``scope`` for ``seconds`` (after a 429)."""
        ...

    async def aclose(self) -> None:
        """Release resources (connections); the limiter may not be used afterwards."""
        ...


class _Unreserved:
    """The reservation of a limiter that counts at admission (the earlier protocol)."""

    __slots__ = ()

    def sent(self) -> bool:
        return True

    def release(self) -> None:
        return None


_UNRESERVED = _Unreserved()


def as_reservation(acquired: object) -> Reservation:
    """What ``acquire`` returned, as a :class:`Reservation` (a number: the earlier protocol)."""
    if callable(getattr(acquired, "sent", None)) and callable(getattr(acquired, "release", None)):
        return acquired  # type: ignore[return-value]
    return _UNRESERVED


# -- the 429 pause of a key -------------------------------------------------------------------


class KeyPausedTooLong(Exception):  # noqa: N818 - a signal between modules, never public
    """Raised inside ``acquire`` when the key's 429 pause is longer than the caller will wait."""

    def __init__(self, remaining: float) -> None:
        super().__init__(f"the key is paused for {remaining:.3f}s more")
        self.remaining = remaining


_pause_cap: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "openfactura_pause_cap", default=None
)
"""The longest 429 pause the running request is willing to wait (set by the transport)."""


_holds: contextvars.ContextVar[list[tuple[str, float]] | None] = contextvars.ContextVar(
    "openfactura_holds", default=None
)
"""Set by the transport while a request is admitted and observed: what held it, and for how
long (the ``window`` of :class:`~openfactura.LimiterWaited`). ``None``: nobody asks."""


def note_hold(label: str, seconds: float) -> None:
    """Tell an observed request that ``label`` (a window, ``"pause"``) holds it ``seconds``."""
    holds = _holds.get()
    if holds is not None:
        holds.append((label, seconds))


def check_pause_cap(remaining: float) -> None:
    """Raise :class:`KeyPausedTooLong` if the current request will not wait ``remaining``."""
    cap = _pause_cap.get()
    if cap is not None and remaining > cap:
        raise KeyPausedTooLong(remaining)


class KeyPauses:
    """Process-wide 429 pauses by scope: deadlines that only ever move later.

    Times are on the caller's monotonic clock (``time.monotonic`` in production).
    """

    __slots__ = ("_lock", "_until", "_warned")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}
        self._warned: dict[str, float] = {}

    def until(self, scope: str) -> float:
        """The end of ``scope``'s pause (0 when it was never paused)."""
        return self._until.get(scope, 0.0)

    def hold(self, scope: str, until: float) -> float:
        """Extend ``scope``'s pause to ``until`` (never shortens); return the deadline."""
        with self._lock:
            current = max(self._until.get(scope, 0.0), until)
            self._until[scope] = current
            return current

    def claim_warning(self, scope: str, until: float) -> bool:
        """True once per pause deadline: who gets it logs the warning for everyone."""
        with self._lock:
            if self._warned.get(scope, 0.0) >= until:
                return False
            self._warned[scope] = until
            return True

    def clear(self) -> None:
        """Forget every pause (tests that reuse one key with a fake clock)."""
        with self._lock:
            self._until.clear()
            self._warned.clear()

    def _after_fork(self) -> None:
        self._lock = threading.Lock()


KEY_PAUSES = KeyPauses()
"""The pauses of every key used in this process (see :class:`KeyPauses`)."""


# -- pacing plan ------------------------------------------------------------------------------


class PacingPlan:
    """The pacer in front of the arbiter: a bucket shaped like the window with fewest calls.

    ``jitters`` are the per-window allowances added to each window (module docstring).
    """

    __slots__ = ("capacity", "jitters", "period")

    def __init__(self, capacity: int, period: float, jitters: tuple[float, ...]) -> None:
        self.capacity = capacity
        self.period = period
        self.jitters = jitters

    def __repr__(self) -> str:
        return (
            f"PacingPlan(capacity={self.capacity!r}, period={self.period!r}, "
            f"jitters={self.jitters!r})"
        )

    @property
    def rate(self) -> float:
        """Requests per second the pacer lets through once its burst is spent."""
        return self.capacity / self.period

    def limiter(self) -> AsyncLimiter:
        """A fresh aiolimiter bucket for one event loop."""
        return AsyncLimiter(self.capacity, self.period)


def jitter_allowances(
    limits: Sequence[RateLimit], jitter: float | None = None
) -> tuple[float, ...]:
    """The jitter allowance (seconds) added to each window: ``jitter``, by default 30 ms.

    It does not shrink with compressed windows: the network's and the scheduler's timing
    noise does not either.
    """
    value = DEFAULT_JITTER if jitter is None else float(jitter)
    if not value >= 0:
        raise ValueError(f"jitter must be >= 0, got {jitter!r}")
    return tuple(value for _ in limits)


def plan_pacing(limits: Sequence[RateLimit], jitter: float | None = None) -> PacingPlan:
    """The pacer for ``limits``: ``AsyncLimiter(N, W + J)`` of the window with fewest calls.

    >>> plan = plan_pacing(DEFAULT_RATE_LIMITS)
    >>> plan.capacity, plan.period
    (3, 1.03)
    """
    if not limits:
        raise ValueError("plan_pacing needs at least one RateLimit")
    jitters = jitter_allowances(limits, jitter)
    limit, j = min(
        zip(limits, jitters, strict=True),
        key=lambda pair: (pair[0].max_calls, pair[0].period_seconds),
    )
    return PacingPlan(capacity=limit.max_calls, period=limit.period_seconds + j, jitters=jitters)


# -- the exact arbiter ----------------------------------------------------------------------


class SlidingLog:
    """Exact sliding windows over send-time stamps and pending reservations.

    Thread-safe and loop-agnostic; every method takes the current time. ``try_admit(now)``
    returns ``(0.0, id)`` when every window has room (a pending reservation ``id``), else
    ``(seconds to wait, None)``. ``stamp`` and ``release`` settle a reservation;
    ``pause_until`` holds everything after a 429.
    """

    __slots__ = ("_ids", "_lock", "_pending", "_spans", "_stamps", "_timeout", "paused_until")

    def __init__(
        self,
        limits: Sequence[RateLimit],
        jitters: Sequence[float],
        reservation_timeout: float = DEFAULT_RESERVATION_TIMEOUT,
    ) -> None:
        self._lock = threading.Lock()
        self._spans = [
            (limit.max_calls, limit.period_seconds + j)
            for limit, j in zip(limits, jitters, strict=True)
        ]
        self._stamps: list[list[float]] = [[] for _ in limits]  # sorted, within the span
        self._pending: dict[int, float] = {}  # reservation id -> admitted at (in order)
        self._ids = itertools.count(1)
        self._timeout = reservation_timeout
        self.paused_until = 0.0

    def _expire(self, now: float) -> None:
        pending = self._pending
        while pending:
            rid, admitted = next(iter(pending.items()))
            if admitted + self._timeout > now:
                break
            del pending[rid]
        for (_, span), stamps in zip(self._spans, self._stamps, strict=True):
            cut = bisect.bisect_right(stamps, now - span)
            if cut:
                del stamps[:cut]

    def try_admit(self, now: float) -> tuple[float, int | None]:
        with self._lock:
            self._expire(now)
            wait = self.paused_until - now
            pending = len(self._pending)
            for (max_calls, span), stamps in zip(self._spans, self._stamps, strict=True):
                # Stamps that must leave the window before one more request fits.
                need = len(stamps) + pending - max_calls + 1
                if need <= 0:
                    continue
                if need <= len(stamps):
                    wait = max(wait, stamps[need - 1] + span - now)
                else:  # pending ones alone fill it: they will count from their stamp
                    wait = max(wait, min(span, PENDING_RECHECK))
            if wait > 0:
                return wait, None
            rid = next(self._ids)
            self._pending[rid] = now
            return 0.0, rid

    def holding(self, now: float) -> int:
        """The window whose wait is the longest now (its index), or -1 for the 429 pause."""
        with self._lock:
            self._expire(now)
            best, index = self.paused_until - now, -1
            pending = len(self._pending)
            for i, ((max_calls, span), stamps) in enumerate(
                zip(self._spans, self._stamps, strict=True)
            ):
                wait = _window_wait(max_calls, span, stamps, pending, now)
                if wait > best:
                    best, index = wait, i
            return index

    def snapshot(self, now: float) -> tuple[list[tuple[int, int, float]], float]:
        """Per window ``(in window, pending, seconds until one more fits)``, and the pause's
        end (a read: nothing is admitted)."""
        with self._lock:
            self._expire(now)
            pending = len(self._pending)
            windows = [
                (
                    len(stamps) + pending,
                    pending,
                    max(0.0, _window_wait(max_calls, span, stamps, pending, now)),
                )
                for (max_calls, span), stamps in zip(self._spans, self._stamps, strict=True)
            ]
            return windows, self.paused_until

    def stamp(self, rid: int, now: float) -> bool:
        """Count reservation ``rid`` from ``now``; False if it was no longer pending."""
        with self._lock:
            held = self._pending.pop(rid, None) is not None
            for stamps in self._stamps:
                bisect.insort(stamps, now)
            return held

    def release(self, rid: int) -> None:
        with self._lock:
            self._pending.pop(rid, None)

    def pause(self, until: float) -> None:
        with self._lock:
            self.paused_until = max(self.paused_until, until)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        counts = ", ".join(str(len(stamps)) for stamps in self._stamps)
        return (
            f"<SlidingLog stamps=[{counts}] pending={len(self._pending)} "
            f"paused_until={self.paused_until:.3f}>"
        )


def _window_wait(
    max_calls: int, span: float, stamps: list[float], pending: int, now: float
) -> float:
    """Seconds until one more request fits a window (what :meth:`SlidingLog.try_admit` waits)."""
    need = len(stamps) + pending - max_calls + 1
    if need <= 0:
        return 0.0
    if need <= len(stamps):
        return stamps[need - 1] + span - now
    return min(span, PENDING_RECHECK)


class _MemoryReservation:
    """A pending place in a :class:`SlidingLog`."""

    __slots__ = ("_clock", "_log", "_rid")

    def __init__(self, log: SlidingLog, rid: int, clock: Callable[[], float]) -> None:
        self._log = log
        self._rid = rid
        self._clock = clock

    def sent(self) -> bool:
        return self._log.stamp(self._rid, self._clock())

    def release(self) -> None:
        self._log.release(self._rid)

    def __repr__(self) -> str:
        return f"<MemoryReservation {self._rid}>"


class _Front:
    """What stands in front of the arbiter on one event loop: the pacer, then a FIFO lock."""

    __slots__ = ("lock", "pacer")

    def __init__(self, pacer: AsyncLimiter) -> None:
        self.pacer = pacer
        self.lock = asyncio.Lock()


class _Pacers:
    """One pacer (and FIFO lock) per event loop (aiolimiter objects must not cross loops)."""

    __slots__ = ("_by_loop", "_lock", "_plan")

    def __init__(self, plan: PacingPlan) -> None:
        self._plan = plan
        self._lock = threading.Lock()
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Front] = (
            weakref.WeakKeyDictionary()
        )

    def for_running_loop(self) -> _Front:
        loop = asyncio.get_running_loop()
        with self._lock:
            front = self._by_loop.get(loop)
            if front is None:
                # An AsyncLimiter holds its loop, so the weak key alone never lets go of
                # it: drop the pacers of closed loops (one asyncio.run() after another).
                for old in [old for old in self._by_loop if old.is_closed()]:
                    del self._by_loop[old]
                front = self._by_loop[loop] = _Front(self._plan.limiter())
            return front

    def reset_after_fork(self) -> None:
        """In a forked child: a fresh lock, and no pacer of the parent's loops."""
        self._lock = threading.Lock()
        self._by_loop = weakref.WeakKeyDictionary()


class MemoryLimiter:
    """The in-process :class:`Limiter`: per-loop aiolimiter pacing + one exact sliding log per key.

    Usage (the client builds one for you; pass ``limiter=`` to share it explicitly)::

        limiter = MemoryLimiter((RateLimit(3, 1.0), RateLimit(100, 60.0)))
        reservation = await limiter.acquire(scope)
        reservation.sent()          # when the request leaves (the transport does this)

    :param limits: the windows, by default the API's 3/s and 100/min.
    :param jitter: seconds added to every window for network jitter (default 30 ms).
    :param reservation_timeout: an admitted request neither sent nor released stops
        counting after this many seconds.
    """

    __slots__ = (
        "__weakref__",
        "_clock",
        "_labels",
        "_lock",
        "_pacer_label",
        "_scopes",
        "_sleep",
        "_timeout",
        "limits",
        "plan",
    )

    def __init__(
        self,
        limits: Iterable[RateLimit] = DEFAULT_RATE_LIMITS,
        *,
        jitter: float | None = None,
        reservation_timeout: float = DEFAULT_RESERVATION_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.limits = tuple(limits)
        self.plan = plan_pacing(self.limits, jitter)
        self._labels = tuple(limit.label for limit in self.limits)
        self._pacer_label = _pacer_label(self.limits)
        if not reservation_timeout > 0:
            raise ValueError(f"reservation_timeout must be positive, got {reservation_timeout!r}")
        self._timeout = float(reservation_timeout)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._scopes: dict[str, tuple[SlidingLog, _Pacers]] = {}
        _live_limiters.add(self)

    def _after_fork(self) -> None:
        # A fork copies locks in whatever state another thread held them, and no loop of
        # the parent runs in the child: fresh locks and pacers, the same history.
        self._lock = threading.Lock()
        for log, pacers in self._scopes.values():
            log._after_fork()
            pacers.reset_after_fork()

    def _scope(self, scope: str) -> tuple[SlidingLog, _Pacers]:
        with self._lock:
            state = self._scopes.get(scope)
            if state is None:
                state = self._scopes[scope] = (
                    SlidingLog(self.limits, self.plan.jitters, self._timeout),
                    _Pacers(self.plan),
                )
            return state

    async def acquire(self, scope: str) -> Reservation:
        """Wait for a place in every window of ``scope`` (and out of its 429 pause).

        Returns the request's :class:`Reservation`: it counts as "now" until it is sent.
        When the key's 429 pause lasts longer than the calling client's
        ``max_rate_limit_wait``, it does not wait: the client's call raises
        :class:`~openfactura.RateLimitError` at once.
        """
        log, pacers = self._scope(scope)
        front = pacers.for_running_loop()
        holds = _holds.get()
        await self._wait_pause(log)
        if holds is not None and not front.pacer.has_capacity():
            holds.append((self._pacer_label, 0.0))
        await front.pacer.acquire()
        async with front.lock:
            while True:
                now = self._clock()
                wait, rid = log.try_admit(now)
                if rid is not None:
                    return _MemoryReservation(log, rid, self._clock)
                if log.paused_until > self._clock():
                    check_pause_cap(log.paused_until - self._clock())
                if holds is not None:
                    index = log.holding(now)
                    holds.append(("pause" if index < 0 else self._labels[index], wait))
                await self._sleep(wait)  # type: ignore[misc]

    async def _wait_pause(self, log: SlidingLog) -> None:
        while (wait := log.paused_until - self._clock()) > 0:
            check_pause_cap(wait)
            note_hold("pause", wait)
            await self._sleep(wait)  # type: ignore[misc]

    async def pause(self, scope: str, seconds: float) -> None:
        """Hold every request of ``scope`` for ``seconds`` from now (the 429 hint)."""
        log, _ = self._scope(scope)
        log.pause(self._clock() + max(0.0, seconds))

    def paused_for(self, scope: str) -> float:
        """Seconds left in the current 429 pause of ``scope`` (0 when not paused)."""
        log, _ = self._scope(scope)
        return max(0.0, log.paused_until - self._clock())

    async def budget(self, scope: str) -> RateBudget:
        """The budget of ``scope`` in this process (what ``client.rate_budget()`` shows)."""
        return self.budget_now(scope)

    def budget_now(self, scope: str) -> RateBudget:
        """:meth:`budget` without an event loop (no I/O: for metric callbacks)."""
        from ._budget import RateBudget, WindowBudget

        log, _ = self._scope(scope)
        now = self._clock()
        windows, paused_until = log.snapshot(now)
        return RateBudget(
            windows=tuple(
                WindowBudget(limit=limit, in_window=count, pending=pending, next_slot_in=wait)
                for limit, (count, pending, wait) in zip(self.limits, windows, strict=True)
            ),
            paused_for=max(0.0, paused_until - now),
            shared=False,
        )

    async def aclose(self) -> None:
        """Nothing to release (the limiter holds no connection); part of :class:`Limiter`."""
        return None

    def __repr__(self) -> str:
        limits = ", ".join(f"{lim.max_calls}/{lim.period_seconds:g}s" for lim in self.limits)
        return (
            f"<MemoryLimiter [{limits}] jitter={max(self.plan.jitters):g}s "
            f"scopes={len(self._scopes)}>"
        )


def _pacer_label(limits: Sequence[RateLimit]) -> str:
    """The window the pacer is shaped like (see :func:`plan_pacing`)."""
    return min(limits, key=lambda limit: (limit.max_calls, limit.period_seconds)).label


_registry: dict[tuple[RateLimit, ...], MemoryLimiter] = {}
_registry_lock = threading.Lock()
_live_limiters: weakref.WeakSet[MemoryLimiter] = weakref.WeakSet()


def _after_fork_in_child() -> None:  # pragma: no cover - runs in forked children
    global _registry_lock
    _registry_lock = threading.Lock()
    KEY_PAUSES._after_fork()
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
