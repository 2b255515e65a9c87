"""When to retry and how long to wait (pure decisions, no I/O).

* 429: always retried (the request was not processed) after the wait the server asks for:
  the ``Retry-After`` header (seconds or an HTTP date), else "Try again in X seconds" from
  the body, else 1 s. The wait pauses the whole key, not only this request.
* Connection errors, timeouts and 502/503/504: retried with capped exponential backoff and
  full jitter, honouring ``Retry-After``, **only** for requests that are safe to repeat
  (GETs, read-only POSTs, and emissions that carry an ``Idempotency-Key``).
* Every other 4xx/5xx: never retried.

Usage::

    policy = RetryPolicy(max_retries=3)
    delay = policy.backoff(attempt=1)          # 0 .. min(cap, base * 2**1) seconds
    wait = parse_retry_after("120") or 1.0
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import random
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = [
    "DEFAULT_RATE_LIMIT_WAIT",
    "RETRYABLE_STATUSES",
    "RetryPolicy",
    "parse_retry_after",
]

RETRYABLE_STATUSES = frozenset({502, 503, 504})
DEFAULT_RATE_LIMIT_WAIT = 1.0


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """Few knobs, safe defaults.

    ``max_retries`` extra attempts after the first; ``backoff_base`` and ``backoff_cap``
    shape the exponential backoff; ``max_wait`` caps any single wait a server may ask for.
    ``jitter`` draws a number in ``[0, 1)`` (injectable so tests can pin it).
    """

    max_retries: int = attrs.field(default=3, validator=_non_negative)
    backoff_base: float = attrs.field(default=0.5, validator=_non_negative)
    backoff_cap: float = attrs.field(default=8.0, validator=_non_negative)
    max_wait: float = attrs.field(default=120.0, validator=_non_negative)
    jitter: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (0-based).

        A server's ``Retry-After`` is a floor: we never come back earlier than asked.
        """
        ceiling = min(self.backoff_cap, self.backoff_base * (2**attempt))
        delay: float = self.jitter() * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_wait)

    def rate_limit_wait(self, retry_after: float | None) -> float:
        """How long to pause a key after a 429."""
        wait = DEFAULT_RATE_LIMIT_WAIT if retry_after is None else retry_after
        return min(max(wait, 0.0), self.max_wait)


def parse_retry_after(
    value: str | None, *, now: Callable[[], dt.datetime] | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: ``"7"``, ``"0.5"`` or an HTTP date.

    ``None`` when there is no usable value (absent, junk, ``nan``, ``inf``, negative); an
    HTTP date in the past means 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # NaN, infinity and negative numbers are not a wait anyone asked for: ignored.
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    current = now() if now is not None else dt.datetime.now(dt.timezone.utc)
    return max((when - current).total_seconds(), 0.0)


def retry_after_from_headers(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` from response headers (case-insensitive), parsed."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            return parse_retry_after(value)
    return None
