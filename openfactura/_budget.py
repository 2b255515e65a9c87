"""A live view of a key's rate budget: what ``client.rate_budget()`` returns.

Usage::

    budget = await client.rate_budget()          # blocking client: client.rate_budget()
    for window in budget.windows:
        print(window.label, f"{window.in_window}/{window.capacity}", window.next_slot_in)
    budget.paused_for                            # seconds left of the key's 429 pause

The in-process :class:`~openfactura.MemoryLimiter` answers for this process (every client
of it with the same key and host); :class:`~openfactura.RedisLimiter` answers for every
process that shares it, from Redis. A client without a limiter (``rate_limits=None``), or
with a limiter that has no ``budget()``, reports no windows, only the key's 429 pause.
"""

from __future__ import annotations

import attrs

from ._ratelimit import RateLimit

__all__ = ["RateBudget", "WindowBudget"]


@attrs.frozen(kw_only=True)
class WindowBudget:
    """One sliding window of the budget, as it stands now."""

    limit: RateLimit
    in_window: int
    """Requests counted in the window now: sent in the last ``period_seconds`` (plus the
    jitter allowance), and admitted ones not sent yet (they count as "now")."""
    pending: int
    """Of those, admitted but not sent yet."""
    next_slot_in: float
    """Seconds until one more request fits this window (0: it fits now)."""

    @property
    def capacity(self) -> int:
        """Requests the window allows (``limit.max_calls``)."""
        return self.limit.max_calls

    @property
    def available(self) -> int:
        """Requests that would fit right now."""
        return max(0, self.capacity - self.in_window)

    @property
    def label(self) -> str:
        """``"3/1s"``: the window's name in events, spans and metrics."""
        return self.limit.label


@attrs.frozen(kw_only=True)
class RateBudget:
    """A key's rate budget: every window, and the 429 pause."""

    windows: tuple[WindowBudget, ...]
    paused_for: float
    """Seconds left of the key's 429 pause (0 when not paused)."""
    shared: bool
    """True when the counts are every process's (a ``RedisLimiter``), False for this one's."""

    @property
    def next_slot_in(self) -> float:
        """Seconds until a request of this key could be sent (pause and windows)."""
        return max([self.paused_for, *(w.next_slot_in for w in self.windows)])
