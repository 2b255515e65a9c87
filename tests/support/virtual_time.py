"""An asyncio event loop whose clock only moves when every task is waiting on a timer.

Timers fire in order at their virtual times, instantly, so minutes of rate limiting are
simulated in milliseconds and the admission times it produces are exact. Only for code
that waits on timers (no sockets).
"""

from __future__ import annotations

import asyncio
import selectors
from typing import Any


class _VirtualSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        if not events and timeout is not None and self.loop is not None:
            # Like a real clock, time moves a little on every turn of the loop (1 µs), so
            # a timer due "now" give or take a rounding error cannot spin forever.
            self.loop.now += max(timeout, 1e-6)
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self.now = 1000.0

    def time(self) -> float:
        return self.now


def run_virtual(coro: Any) -> Any:
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()
