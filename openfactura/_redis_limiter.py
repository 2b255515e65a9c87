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
* **Admission** is one Lua script per attempt (atomic, no read-then-write race): for every
  window it drops entries older than ``W_i + J_i`` (the jitter margin of
  :mod:`openfactura._ratelimit`), and admits the request only if every window has room
  *and* the key is not paused; otherwise it returns how long to wait. Times come from
  the Redis server's clock (``TIME``), so clock skew between hosts cannot break a window.
* **Pacing** inside each process is the same aiolimiter bucket as in-process, so one busy
  process spends the budget smoothly and the first request after idle goes at once.
* **A 429** seen by any process sets a pause deadline in Redis (extended, never
  shortened): every process of that key waits it out.
* **Keys** are ``{prefix}:{scope}:...`` where ``scope`` is a hash of the API key and host
  (never the key), and every key has a TTL slightly longer than its window, so nothing
  grows without bound.
* **Faults**: if Redis cannot be reached, the limiter logs one warning on the
  ``openfactura`` logger and falls back to the process's own in-memory limiter (each
  process then enforces the full budget on its own, so 429s become possible again), then
  tries Redis again every ``retry_interval`` seconds and logs when it is back. With
  ``on_redis_error="raise"`` it raises :class:`~openfactura.LimiterUnavailableError`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterable
from typing import Any, Literal

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ._exceptions import LimiterUnavailableError
from ._ratelimit import (
    DEFAULT_RATE_LIMITS,
    MemoryLimiter,
    RateLimit,
    _Pacers,
    plan_pacing,
    shared_memory_limiter,
)

__all__ = ["RedisLimiter"]

logger = logging.getLogger("openfactura")

# KEYS: one sorted set per window, then the pause key.
# ARGV: a unique member id, then (max_calls, span in µs) per window.
# Returns 0 when admitted, else the µs to wait.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local windows = #KEYS - 1
local wait = 0
local paused = redis.call('GET', KEYS[windows + 1])
if paused then
  wait = tonumber(paused) - now
end
for i = 1, windows do
  local max_calls = tonumber(ARGV[2 * i])
  local span = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - span)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= max_calls then
    local first = count - max_calls
    local leaving = redis.call('ZRANGE', KEYS[i], first, first, 'WITHSCORES')
    local w = tonumber(leaving[2]) + span - now
    if w > wait then
      wait = w
    end
  end
end
if wait > 0 then
  return math.ceil(wait)
end
for i = 1, windows do
  redis.call('ZADD', KEYS[i], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 * i + 1]) / 1000) + 1000)
end
return 0
"""

# KEYS: the pause key. ARGV: pause length in µs. Extends, never shortens, a pause.
_PAUSE = """
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


class RedisLimiter:
    """A :class:`~openfactura.Limiter` whose budget lives in Redis, shared by every process.

    :param url_or_client: a ``redis://`` URL, or a ``redis.asyncio.Redis`` client (its
        connection settings are reused for other event loops: a redis client is bound to
        the loop it first ran on).
    :param limits: the windows to enforce, by default 3/s and 100/min.
    :param prefix: key prefix in Redis.
    :param on_redis_error: ``"fallback"`` (default: warn once, use the in-process limiter,
        retry Redis every ``retry_interval`` s) or ``"raise"``.
    :param jitter: network jitter allowance per window (seconds); default as in-process.
    :param timeout: socket timeout towards Redis, short so a dead Redis stalls nothing.
    """

    def __init__(
        self,
        url_or_client: str | aioredis.Redis,
        limits: Iterable[RateLimit] = DEFAULT_RATE_LIMITS,
        *,
        prefix: str = "openfactura:rl",
        on_redis_error: OnRedisError = "fallback",
        jitter: float | None = None,
        retry_interval: float = 1.0,
        timeout: float = 0.5,
    ) -> None:
        if on_redis_error not in ("fallback", "raise"):
            raise ValueError("on_redis_error must be 'fallback' or 'raise'")
        self.limits = tuple(limits)
        self.plan = plan_pacing(self.limits, jitter)
        self.prefix = prefix
        self.on_redis_error: OnRedisError = on_redis_error
        self.retry_interval = retry_interval
        self._timeout = timeout
        if isinstance(url_or_client, str):
            self._url: str | None = url_or_client
            self._template: aioredis.Redis | None = None
        else:
            self._url = None
            self._template = url_or_client
        self._lock = threading.Lock()
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[aioredis.Redis, Any, Any]
        ] = weakref.WeakKeyDictionary()
        self._pacers: dict[str, _Pacers] = {}
        self._spans_us = [
            round((limit.period_seconds + j) * 1_000_000)
            for limit, j in zip(self.limits, self.plan.jitters, strict=True)
        ]
        self._down_since: float | None = None
        self._next_try = 0.0
        self._fallback: MemoryLimiter | None = None
        self._member_prefix = os.urandom(6).hex()
        self._counter = 0

    # -- plumbing -----------------------------------------------------------------------------

    def _client(self) -> tuple[aioredis.Redis, Any, Any]:
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._clients.get(loop)
            if entry is None:
                if self._template is not None and not self._clients:
                    client = self._template
                elif self._template is not None:
                    kwargs = dict(self._template.connection_pool.connection_kwargs)
                    client = aioredis.Redis(**kwargs)
                else:
                    assert self._url is not None
                    client = aioredis.Redis.from_url(
                        self._url,
                        socket_timeout=self._timeout,
                        socket_connect_timeout=self._timeout,
                    )
                entry = (client, client.register_script(_ADMIT), client.register_script(_PAUSE))
                self._clients[loop] = entry
            return entry

    def _keys(self, scope: str) -> list[str]:
        base = f"{self.prefix}:{scope}"
        windows = [f"{base}:w:{limit.max_calls}:{limit.period_seconds:g}" for limit in self.limits]
        return [*windows, f"{base}:pause"]

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
        if self._fallback is None:
            self._fallback = shared_memory_limiter(self.limits)
        return self._fallback

    def _redis_failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            logger.warning(
                "Redis rate limiter unreachable (%s); %s",
                exc,
                "using the in-process limiter until it is back"
                if self.on_redis_error == "fallback"
                else "raising LimiterUnavailableError",
            )
        self._next_try = now + self.retry_interval
        if self.on_redis_error == "raise":
            raise LimiterUnavailableError(f"The Redis rate limiter is unreachable: {exc}") from exc

    def _redis_ok(self) -> None:
        if self._down_since is not None:
            logger.warning(
                "Redis rate limiter reachable again after %.1fs; sharing the budget again",
                time.monotonic() - self._down_since,
            )
            self._down_since = None

    def _use_fallback_now(self) -> bool:
        return (
            self.on_redis_error == "fallback"
            and self._down_since is not None
            and time.monotonic() < self._next_try
        )

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and the in-process fallback is in use."""
        return self._down_since is not None

    # -- the Limiter protocol ---------------------------------------------------------------

    async def acquire(self, scope: str) -> float:
        started = time.monotonic()
        await self._pacer(scope).for_running_loop().acquire()
        keys = self._keys(scope)
        while True:
            if self._use_fallback_now():
                await self._fallback_limiter().acquire(scope)
                return time.monotonic() - started
            args: list[Any] = [self._member()]
            for limit, span in zip(self.limits, self._spans_us, strict=True):
                args += [limit.max_calls, span]
            try:
                _, admit, _ = self._client()
                wait_us = int(await admit(keys=keys, args=args))
            except (RedisError, OSError, asyncio.TimeoutError) as exc:
                self._redis_failed(exc)
                continue
            self._redis_ok()
            if wait_us <= 0:
                return time.monotonic() - started
            await asyncio.sleep(wait_us / 1_000_000)

    async def pause(self, scope: str, seconds: float) -> None:
        if self.on_redis_error == "fallback":
            await self._fallback_limiter().pause(scope, seconds)
        try:
            _, _, pause = self._client()
            await pause(keys=[self._keys(scope)[-1]], args=[int(max(0.0, seconds) * 1_000_000)])
        except (RedisError, OSError, asyncio.TimeoutError) as exc:
            self._redis_failed(exc)
        else:
            self._redis_ok()

    async def aclose(self) -> None:
        """Close the Redis connections this limiter opened on the running loop."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._clients.pop(loop, None)
        if entry is not None and entry[0] is not self._template:
            await entry[0].aclose()

    def __repr__(self) -> str:
        limits = ", ".join(f"{lim.max_calls}/{lim.period_seconds:g}s" for lim in self.limits)
        state = "degraded (in-process fallback)" if self.degraded else "shared"
        return f"<RedisLimiter [{limits}] prefix={self.prefix!r} {state}>"
