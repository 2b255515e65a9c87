"""One rate budget for many processes and hosts: the sliding log kept in Redis.

Every process of an application (gunicorn/uvicorn workers, Celery workers, several hosts)
that uses one API key shares that key's 3 requests/s and 100/min. :class:`RedisLimiter`
keeps the same exact sliding log as :class:`~openfactura.MemoryLimiter`, but in Redis,
so the gateway never sees more than the limit from all processes together.

Usage::

    from openfactura import AsyncOpenfactura, RedisLimiter

    limiter = RedisLimiter("redis://localhost:6379/0")
    client = AsyncOpenfactura(limiter=limiter)

How it works
------------
* **Admission** reserves: one Lua script per attempt (atomic, no read-then-write race)
  admits a request only if, in every window, the send-time stamps of the last
  ``W_i + J_i`` seconds plus the pending reservations of all processes number fewer than
  ``N_i``, *and* the key is not paused; it then adds the request to the pending set. Else
  it returns how long to wait.
* **Sending** stamps: when the request's headers leave, a second script (one more round
  trip, sent without delaying the request) moves it from the pending set into every
  window at that moment. So a slow TLS handshake delays only its own request (the proof
  is in :mod:`openfactura._ratelimit`). A request that is not sent is removed from the
  pending set; one whose process died in between expires after ``reservation_timeout``.
* Times come from the Redis server's clock (``TIME``), so clock skew between hosts cannot
  break a window.
* **Pacing** inside each process is the same aiolimiter bucket and FIFO queue as
  in-process: 3 requests at once after idle, then as the windows allow.
* **A 429** seen by any process sets a pause deadline in Redis (extended, never
  shortened): every process of that key waits it out (or, past the client's
  ``max_rate_limit_wait``, fails at once with :class:`~openfactura.RateLimitError`).
* **Keys** are ``<prefix>:{<scope>}:...`` where ``scope`` is a hash of the API key and host
  (never the key; in braces, a Redis Cluster hash tag), and every key has a TTL slightly
  longer than its window, so nothing grows without bound.
* **Connections**: one ``redis.asyncio`` client per event loop (they are loop-bound), so
  the blocking client's loop thread and the app's loop can share one limiter. A loop's
  connections close on :meth:`RedisLimiter.aclose` or when the loop shuts down
  (``asyncio.run``, the blocking client's ``close()``); after a ``fork`` the child opens
  its own.
* **Faults**: if Redis cannot be reached, the limiter logs one warning on the
  ``openfactura`` logger and falls back to the process's own in-memory limiter (each
  process then enforces the full budget on its own, so 429s become possible again); every
  ``retry_interval`` seconds one request tries Redis again (the others do not wait for
  it), and the limiter logs when Redis is back. With
  ``on_redis_error="raise"`` it raises :class:`~openfactura.LimiterUnavailableError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Literal

import attrs
import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from ._exceptions import LimiterUnavailableError
from ._fork import keep_parent_object
from ._ratelimit import (
    DEFAULT_RATE_LIMITS,
    DEFAULT_RESERVATION_TIMEOUT,
    KEY_PAUSES,
    PENDING_RECHECK,
    MemoryLimiter,
    RateLimit,
    Reservation,
    _holds,
    _pacer_label,
    _Pacers,
    check_pause_cap,
    plan_pacing,
    shared_memory_limiter,
)

if TYPE_CHECKING:
    from ._budget import RateBudget

__all__ = ["RedisLimiter"]

logger = logging.getLogger("openfactura")

# Keys of a scope: one sorted set of send-time stamps per window (member: the reservation,
# score: its stamp), the sorted set of pending reservations (score: when it expires), the
# pause deadline. Every time is the Redis server's (TIME, µs), so clock skew between hosts
# cannot break a window.
#
# ADMIT. KEYS: the window sets, then pending, then pause. ARGV: a unique member id, the
# reservation timeout (µs), then (max_calls, span in µs) per window.
# Returns {0, 0, ...} when admitted (the member is now pending), else {µs to wait, µs of
# pause, ...}; then (for observers and the budget gauge) the window that holds it (its
# number, 0: the pause or none), the pending count, and per window the requests it counts
# and the µs until one more fits (all as the script saw them, before this admission).
# A request fits a window when (stamps newer than now - span) + (pending) < max_calls.
# Counting by the caller's span and trimming each set by rank, not by age, keeps the
# decision right even if processes disagree on the span (e.g. two SDK versions with
# different jitter allowances during a rolling deploy).
_ADMIT = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local windows = #KEYS - 2
local pending_key = KEYS[windows + 1]
redis.call('ZREMRANGEBYSCORE', pending_key, '-inf', now)
local pending = redis.call('ZCARD', pending_key)
local pause = tonumber(redis.call('GET', KEYS[windows + 2]) or '0') - now
local wait = pause
local held = 0
local seen = {}
for i = 1, windows do
  local max_calls = tonumber(ARGV[2 * i + 1])
  local span = tonumber(ARGV[2 * i + 2])
  local since = '(' .. string.format('%.0f', now - span)
  local stamps = redis.call('ZCOUNT', KEYS[i], since, '+inf')
  local need = stamps + pending - max_calls + 1
  local w = 0
  if need > 0 then
    if need <= stamps then
      local s = redis.call(
        'ZRANGEBYSCORE', KEYS[i], since, '+inf', 'WITHSCORES', 'LIMIT', need - 1, 1)
      w = tonumber(s[2]) + span - now
    else
      w = math.min(span, RECHECK_US)
    end
    if w > wait then
      wait = w
      held = i
    end
  end
  seen[#seen + 1] = stamps + pending
  seen[#seen + 1] = math.max(0, math.ceil(w))
end
local out
if wait > 0 then
  out = {math.ceil(wait), math.max(0, math.ceil(pause)), held, pending}
else
  local timeout = tonumber(ARGV[2])
  redis.call('ZADD', pending_key, now + timeout, ARGV[1])
  redis.call('PEXPIRE', pending_key, math.ceil(timeout / 1000) + 1000)
  out = {0, 0, 0, pending}
end
for _, value in ipairs(seen) do
  out[#out + 1] = value
end
return out
""".replace("RECHECK_US", str(round(PENDING_RECHECK * 1_000_000)))

# BUDGET (a read: nothing is admitted or removed). KEYS as ADMIT's; ARGV: (max_calls, span
# in µs) per window. Returns {µs of pause left, pending, then per window: the requests it
# counts (stamps in the span + pending), µs until one more fits}.
_BUDGET = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local windows = #KEYS - 2
local pending = redis.call('ZCOUNT', KEYS[windows + 1], '(' .. string.format('%.0f', now), '+inf')
local pause = tonumber(redis.call('GET', KEYS[windows + 2]) or '0') - now
local out = {math.max(0, math.ceil(pause)), pending}
for i = 1, windows do
  local max_calls = tonumber(ARGV[2 * i - 1])
  local span = tonumber(ARGV[2 * i])
  local since = '(' .. string.format('%.0f', now - span)
  local stamps = redis.call('ZCOUNT', KEYS[i], since, '+inf')
  local need = stamps + pending - max_calls + 1
  local w = 0
  if need > 0 then
    if need <= stamps then
      local s = redis.call(
        'ZRANGEBYSCORE', KEYS[i], since, '+inf', 'WITHSCORES', 'LIMIT', need - 1, 1)
      w = tonumber(s[2]) + span - now
    else
      w = math.min(span, RECHECK_US)
    end
  end
  out[#out + 1] = stamps + pending
  out[#out + 1] = math.max(0, math.ceil(w))
end
return out
""".replace("RECHECK_US", str(round(PENDING_RECHECK * 1_000_000)))

# SENT. KEYS: the window sets, then pending. ARGV: the member, then (max_calls, span in
# µs) per window. Stamps the member now in every window (a request that left is counted,
# whatever became of its reservation); returns {1 if it was still pending else 0, now}.
_SENT = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local windows = #KEYS - 1
local held = redis.call('ZREM', KEYS[windows + 1], ARGV[1])
for i = 1, windows do
  local max_calls = tonumber(ARGV[2 * i])
  local span = tonumber(ARGV[2 * i + 1])
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(max_calls + 1))
  redis.call('PEXPIRE', KEYS[i], math.ceil(span / 1000) + 1000)
end
return {held, now}
"""

# KEYS: the pause key. ARGV: pause length in µs. Extends, never shortens, a pause.
_PAUSE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local length = tonumber(ARGV[1])
local deadline = now + length
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if deadline > current then
  redis.call('SET', KEYS[1], deadline, 'PX', math.ceil(length / 1000) + 1000)
end
return deadline
"""

OnRedisError = Literal["fallback", "raise"]

_REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


@attrs.define(eq=False)
class _LoopClient:
    """The Redis client of one event loop, with its scripts and its shutdown guard."""

    client: aioredis.Redis
    admit: AsyncScript
    sent: AsyncScript
    pause: AsyncScript
    budget: AsyncScript
    owned: bool
    guard: AsyncGenerator[None, None] | None = None


# A reservation whose local age reaches the timeout less this margin is treated as expired
# by its holder (Redis may drop it a little earlier than the holder's clock says: the
# admission reply took some time to come back).
_EXPIRY_MARGIN = 1.0


class _RedisReservation:
    """A pending member of a scope's pending set in Redis."""

    __slots__ = ("_admitted", "_done", "_limiter", "_member", "_scope")

    def __init__(self, limiter: RedisLimiter, scope: str, member: str) -> None:
        self._limiter = limiter
        self._scope = scope
        self._member = member
        self._admitted = time.monotonic()
        self._done = False

    def sent(self) -> bool:
        self._done = True
        held = time.monotonic() - self._admitted < self._limiter.reservation_timeout - (
            _EXPIRY_MARGIN
        )
        # Not awaited: the request leaves now and the stamp lands a moment later (a later
        # stamp only keeps the request counted as "now" a little longer: safe).
        self._limiter._in_background(self._limiter._stamp(self._scope, self._member))
        return held

    def release(self) -> None:
        if self._done:
            return
        self._done = True
        self._limiter._in_background(self._limiter._release(self._scope, self._member))

    def __repr__(self) -> str:
        return f"<RedisReservation {self._member}>"


class RedisLimiter:
    """A :class:`~openfactura.Limiter` whose budget lives in Redis, shared by every process.

    :param url_or_client: a ``redis://`` URL, or a ``redis.asyncio.Redis`` client (used on
        the first event loop that needs one; other loops get a client with the same
        connection settings, since a redis client is bound to the loop it runs on). Give
        such a client short socket timeouts, as the URL form does.
    :param limits: the windows to enforce, by default 3/s and 100/min.
    :param prefix: key prefix in Redis.
    :param on_redis_error: ``"fallback"`` (default: warn once, use the in-process limiter,
        retry Redis every ``retry_interval`` s) or ``"raise"``.
    :param jitter: seconds added to every window for network jitter (default 30 ms).
    :param reservation_timeout: an admitted request that was neither sent nor released (its
        process died in between) stops counting after this many seconds.
    :param retry_interval: while Redis is down, one request per process tries it again
        this often (the others go straight to the fallback).
    :param timeout: socket timeout towards Redis, short so a dead Redis stalls nothing.

    Connections are per event loop. They are closed by :meth:`aclose` on that loop, or
    when the loop shuts down (``asyncio.run``, the blocking client's ``close()``).
    """

    def __init__(
        self,
        url_or_client: str | aioredis.Redis,
        limits: Iterable[RateLimit] = DEFAULT_RATE_LIMITS,
        *,
        prefix: str = "openfactura:rl",
        on_redis_error: OnRedisError = "fallback",
        jitter: float | None = None,
        reservation_timeout: float = DEFAULT_RESERVATION_TIMEOUT,
        retry_interval: float = 1.0,
        timeout: float = 0.5,
    ) -> None:
        if on_redis_error not in ("fallback", "raise"):
            raise ValueError("on_redis_error must be 'fallback' or 'raise'")
        if not reservation_timeout > 2 * _EXPIRY_MARGIN:
            raise ValueError(
                f"reservation_timeout must be more than {2 * _EXPIRY_MARGIN:g}s, "
                f"got {reservation_timeout!r}"
            )
        self.limits = tuple(limits)
        self.plan = plan_pacing(self.limits, jitter)
        self.prefix = prefix
        self.on_redis_error: OnRedisError = on_redis_error
        self.retry_interval = retry_interval
        self.reservation_timeout = float(reservation_timeout)
        self._jitter = jitter
        self._timeout = timeout
        if isinstance(url_or_client, str):
            self._url: str | None = url_or_client
            self._template: aioredis.Redis | None = None
        else:
            self._url = None
            self._template = url_or_client
        self._template_used = False
        self._lock = threading.Lock()
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClient] = (
            weakref.WeakKeyDictionary()
        )
        self._pacers: dict[str, _Pacers] = {}
        self._window_args: list[int] = []
        for limit, j in zip(self.limits, self.plan.jitters, strict=True):
            self._window_args += [limit.max_calls, round((limit.period_seconds + j) * 1_000_000)]
        self._background: set[asyncio.Task[object]] = set()
        self._down_since: float | None = None
        self._next_try = 0.0
        self._fallback: MemoryLimiter | None = None
        self._member_prefix = os.urandom(6).hex()
        self._counter = 0
        self._labels = tuple(limit.label for limit in self.limits)
        self._pacer_label = _pacer_label(self.limits)
        # scope -> (local monotonic time, reply of its last admission): budget_now()'s data
        self._last_seen: dict[str, tuple[float, list[int]]] = {}
        _live_limiters.add(self)

    # -- plumbing -----------------------------------------------------------------------------

    def _new_client(self) -> tuple[aioredis.Redis, bool]:
        """A client for the running loop, and whether we own (and so close) it."""
        if self._template is None:
            assert self._url is not None
            return (
                aioredis.Redis.from_url(
                    self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
                ),
                True,
            )
        if not self._template_used:
            self._template_used = True
            return self._template, False
        # Same connection class (TCP, TLS, unix socket) and settings, a pool of our own.
        pool = self._template.connection_pool
        copy = aioredis.ConnectionPool(
            connection_class=pool.connection_class,
            max_connections=pool.max_connections,
            **pool.connection_kwargs,
        )
        client = aioredis.Redis(connection_pool=copy)
        client.auto_close_connection_pool = True
        return client, True

    async def _client(self) -> _LoopClient:
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._clients.get(loop)
            if entry is not None:
                return entry
            # A closed loop never runs again: forget its client (its sockets die with it).
            stale = [self._clients.pop(old) for old in list(self._clients) if old.is_closed()]
            client, owned = self._new_client()
            entry = _LoopClient(
                client,
                client.register_script(_ADMIT),
                client.register_script(_SENT),
                client.register_script(_PAUSE),
                client.register_script(_BUDGET),
                owned,
            )
            self._clients[loop] = entry
        for old_entry in stale:
            _finish_guard(old_entry)
        # An async generator left suspended is closed by loop.shutdown_asyncgens(), which
        # asyncio.run() and the blocking client's loop thread call before closing the loop:
        # the hook that closes this loop's connections on that loop.
        guard = self._loop_guard(loop, entry)
        await guard.__anext__()
        entry.guard = guard
        return entry

    async def _loop_guard(
        self, loop: asyncio.AbstractEventLoop, entry: _LoopClient
    ) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            with self._lock:
                if self._clients.get(loop) is entry:
                    del self._clients[loop]
            if entry.owned and not loop.is_closed():
                with contextlib.suppress(*_REDIS_ERRORS):
                    await entry.client.aclose()

    def _keys(self, scope: str) -> list[str]:
        """The window sets, then the pending set, then the pause key of ``scope``."""
        # The scope in braces is a Redis Cluster hash tag: all keys of a scope share a slot,
        # as one script touching them requires.
        base = f"{self.prefix}:{{{scope}}}"
        windows = [f"{base}:w:{limit.max_calls}:{limit.period_seconds:g}" for limit in self.limits]
        return [*windows, f"{base}:pending", f"{base}:pause"]

    def _pacer(self, scope: str) -> _Pacers:
        with self._lock:
            pacer = self._pacers.get(scope)
            if pacer is None:
                pacer = self._pacers[scope] = _Pacers(self.plan)
            return pacer

    def _member(self) -> str:
        with self._lock:
            self._counter += 1
            return f"{self._member_prefix}:{os.getpid()}:{self._counter}"

    def _fallback_limiter(self) -> MemoryLimiter:
        with self._lock:
            if self._fallback is None:
                self._fallback = (
                    shared_memory_limiter(self.limits)
                    if self._jitter is None
                    else MemoryLimiter(self.limits, jitter=self._jitter)
                )
            return self._fallback

    def _redis_failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = now
            self._next_try = now + self.retry_interval
        if first:
            logger.warning(
                "Redis rate limiter unreachable (%s); %s",
                exc,
                "using the in-process limiter until it is back"
                if self.on_redis_error == "fallback"
                else "raising LimiterUnavailableError",
            )
        if self.on_redis_error == "raise":
            raise LimiterUnavailableError(f"The Redis rate limiter is unreachable: {exc}") from exc

    def _redis_ok(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            logger.warning(
                "Redis rate limiter reachable again after %.1fs; sharing the budget again",
                time.monotonic() - since,
            )

    def _use_fallback_now(self) -> bool:
        """While Redis is down, True except for one caller per ``retry_interval`` (the probe)."""
        if self.on_redis_error != "fallback" or self._down_since is None:
            return False
        with self._lock:
            now = time.monotonic()
            if self._down_since is None or now >= self._next_try:
                self._next_try = now + self.retry_interval
                return False
            return True

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and the in-process fallback is in use."""
        return self._down_since is not None

    def _in_background(self, coro: Coroutine[Any, Any, object]) -> None:
        """Run ``coro`` on the running loop without waiting for it (kept until it ends)."""
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no running loop: the reservation expires on its own
            coro.close()
            return
        with self._lock:
            self._background.add(task)
        task.add_done_callback(self._forget_task)

    def _forget_task(self, task: asyncio.Task[object]) -> None:
        with self._lock:
            self._background.discard(task)

    async def _stamp(self, scope: str, member: str) -> int | None:
        """Stamp ``member`` as sent; return the stamp (Redis time, µs), None on failure."""
        keys = self._keys(scope)
        try:
            entry = await self._client()
            _, stamp = await entry.sent(keys=keys[:-1], args=[member, *self._window_args])
        except _REDIS_ERRORS as exc:
            # The reservation stays pending ("now") until it expires: safe, if not exact.
            logger.debug("could not stamp a request in the Redis rate limiter: %s", exc)
            return None
        return int(stamp)

    async def _release(self, scope: str, member: str) -> None:
        try:
            entry = await self._client()
            await entry.client.zrem(self._keys(scope)[-2], member)
        except _REDIS_ERRORS as exc:
            logger.debug("could not release a Redis rate-limiter reservation: %s", exc)

    # -- the Limiter protocol ---------------------------------------------------------------

    async def acquire(self, scope: str) -> Reservation:
        """Wait for a place in every window of ``scope``, counted in Redis for every process.

        The reservation is recorded in Redis (it counts as "now" for every process until
        :meth:`~openfactura.Reservation.sent` stamps it, or until it expires after
        ``reservation_timeout``). While Redis is unreachable, the in-process fallback
        limiter answers instead (or :class:`~openfactura.LimiterUnavailableError` is raised
        with ``on_redis_error="raise"``).
        """
        front = self._pacer(scope).for_running_loop()
        holds = _holds.get()
        if holds is not None and not front.pacer.has_capacity():
            holds.append((self._pacer_label, 0.0))
        await front.pacer.acquire()
        if self._use_fallback_now():  # Redis is down: no need to queue behind its probe
            return await self._fallback_limiter().acquire(scope)
        keys = self._keys(scope)
        async with front.lock:
            while True:
                member = self._member()
                args: list[str | int] = [
                    member,
                    round(self.reservation_timeout * 1_000_000),
                    *self._window_args,
                ]
                try:
                    entry = await self._client()
                    reply = [int(x) for x in await entry.admit(keys=keys, args=args)]
                except _REDIS_ERRORS as exc:
                    self._redis_failed(exc)  # raises in "raise" mode
                    return await self._fallback_limiter().acquire(scope)
                except BaseException:
                    # Cancelled while Redis may have admitted it: give the place back.
                    self._in_background(self._release(scope, member))
                    raise
                self._redis_ok()
                wait_us, pause_us, held = reply[0], reply[1], reply[2]
                self._last_seen[scope] = (time.monotonic(), reply)
                if wait_us <= 0:
                    return _RedisReservation(self, scope, member)
                if pause_us > 0:
                    # Another process got a 429: hold this process's requests of the key too.
                    KEY_PAUSES.hold(scope, time.monotonic() + pause_us / 1_000_000)
                    check_pause_cap(pause_us / 1_000_000)
                if holds is not None:
                    label = self._labels[held - 1] if held > 0 else "pause"
                    holds.append((label, wait_us / 1_000_000))
                await asyncio.sleep(wait_us / 1_000_000)

    async def pause(self, scope: str, seconds: float) -> None:
        """Hold every request of ``scope``, in every process, for ``seconds`` (a 429 hint)."""
        if self.on_redis_error == "fallback":
            # Also locally, so the pause holds should Redis fail right now.
            await self._fallback_limiter().pause(scope, seconds)
            if self._use_fallback_now():
                return
        try:
            entry = await self._client()
            await entry.pause(
                keys=[self._keys(scope)[-1]], args=[int(max(0.0, seconds) * 1_000_000)]
            )
        except _REDIS_ERRORS as exc:
            self._redis_failed(exc)
        else:
            self._redis_ok()

    async def budget(self, scope: str) -> RateBudget:
        """The budget of ``scope`` across every process sharing this Redis (one round trip).

        While Redis is unreachable (``on_redis_error="fallback"``) it is the in-process
        fallback's budget (``shared=False``); with ``"raise"``,
        :class:`~openfactura.LimiterUnavailableError`.
        """
        keys = self._keys(scope)
        args = list(self._window_args)
        try:
            entry = await self._client()
            reply = [int(x) for x in await entry.budget(keys=keys, args=args)]
        except _REDIS_ERRORS as exc:
            self._redis_failed(exc)  # raises in "raise" mode
            return await self._fallback_limiter().budget(scope)
        self._redis_ok()
        pause_us, pending = reply[0], reply[1]
        return _budget_of(self.limits, pending, reply[2:], pause_us / 1_000_000, age=0.0)

    def budget_now(self, scope: str) -> RateBudget | None:
        """The budget as this process's last admission of ``scope`` saw it (no I/O: for
        metric callbacks), aged by the time since; ``None`` before any admission.
        :meth:`budget` asks Redis for the exact figures."""
        seen = self._last_seen.get(scope)
        if seen is None:
            return None
        at, reply = seen
        age = time.monotonic() - at
        admitted = reply[0] <= 0
        pending = reply[3] + admitted
        figures = [value + admitted if i % 2 == 0 else value for i, value in enumerate(reply[4:])]
        pause = max(0.0, reply[1] / 1_000_000 - age)
        return _budget_of(self.limits, pending, figures, pause, age=age)

    async def aclose(self) -> None:
        """Close the Redis connections this limiter opened on the running loop.

        Stamps and releases still on their way are sent first. The limiter stays usable: a
        later call on any loop connects again.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            mine = [task for task in self._background if task.get_loop() is loop]
        if mine:
            await asyncio.gather(*mine, return_exceptions=True)
        with self._lock:
            entry = self._clients.pop(loop, None)
        if entry is None:
            return
        if entry.guard is not None:
            await entry.guard.aclose()  # runs _loop_guard's finally: closes what we own
        elif entry.owned:
            await entry.client.aclose()

    def _after_fork(self) -> None:
        # A fork copies locks in whatever state another thread held them, and the parent's
        # loops and sockets are not ours to touch: keep them alive, untouched, forever.
        self._lock = threading.Lock()
        for entry in self._clients.values():
            keep_parent_object(entry)
        self._clients = weakref.WeakKeyDictionary()
        self._background = set()
        for pacers in self._pacers.values():
            pacers.reset_after_fork()

    def __repr__(self) -> str:
        limits = ", ".join(f"{lim.max_calls}/{lim.period_seconds:g}s" for lim in self.limits)
        state = "degraded (in-process fallback)" if self.degraded else "shared"
        return f"<RedisLimiter [{limits}] prefix={self.prefix!r} {state}>"


def _budget_of(
    limits: tuple[RateLimit, ...], pending: int, figures: list[int], paused_for: float, age: float
) -> RateBudget:
    """A :class:`RateBudget` from a script's reply: per window (count, µs until a slot)."""
    from ._budget import RateBudget, WindowBudget

    windows = tuple(
        WindowBudget(
            limit=limit,
            in_window=figures[2 * i],
            pending=pending,
            next_slot_in=max(0.0, figures[2 * i + 1] / 1_000_000 - age),
        )
        for i, limit in enumerate(limits)
    )
    return RateBudget(windows=windows, paused_for=paused_for, shared=True)


def _finish_guard(entry: _LoopClient) -> None:
    """Close the guard of a loop that closed without shutting its async generators down.

    Its ``finally`` does not await anything on a closed loop, so one step finishes it; a
    guard left suspended would ask its dead loop to close it when collected (an error).
    """
    if entry.guard is None:
        return
    closing = entry.guard.aclose()
    try:
        closing.send(None)
    except StopIteration:
        pass
    except Exception:  # pragma: no cover - nothing in the finally block raises
        logger.debug("could not finish a Redis limiter loop guard", exc_info=True)
    else:  # pragma: no cover - the finally block never suspends on a closed loop
        closing.close()


_live_limiters: weakref.WeakSet[RedisLimiter] = weakref.WeakSet()


def _after_fork_in_child() -> None:  # pragma: no cover - runs in forked children
    for limiter in list(_live_limiters):
        limiter._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
