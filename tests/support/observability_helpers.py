"""Fixtures of the observability tests: a sandbox and a client on one fake clock.

``clocked`` gives a running :class:`~openfactura.testing.FakeOpenfactura` whose rate windows
run on a fake monotonic clock, and ``clocked.client(...)`` an async client whose transport
sleeps by moving that clock (backoff, 429 pauses) and measures durations with it, and whose
retry jitter is pinned to 0.5. No test sleeps for real, and every duration in the events is
exact (the clock does not move while a request is on the wire).

The client's key is one of the sandbox's, made of letters that are not hexadecimal digits:
no token, idempotency key or hash (all hexadecimal) can hold a run of it by chance, so "no
run of five characters of the key anywhere" is a check that cannot flake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest

import openfactura
from openfactura import RateLimit
from openfactura._retry import RetryPolicy
from openfactura.testing import FakeOpenfactura

KEY = "zqxwvutsrponmlkjihgzqxwvutsrponm"
"""A key of the sandbox's HAULMER SPA with no hexadecimal digit in it."""
COMPANY_RUT = "76795561-8"
START = 1000.0


def key_pieces(text: str, key: str = KEY) -> list[str]:
    """Every run of five or more characters of ``key`` found in ``text``."""
    return [key[i : i + 5] for i in range(len(key) - 4) if key[i : i + 5] in text]


class Clock:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Clocked:
    """The sandbox, its clock, and clients for it."""

    def __init__(self, fake: FakeOpenfactura, clock: Clock) -> None:
        self.fake = fake
        self.clock = clock
        self._clients: list[Any] = []

    def client(self, **kwargs: Any) -> openfactura.AsyncOpenfactura:
        kwargs.setdefault("rate_limits", None)
        client = openfactura.AsyncOpenfactura(KEY, base_url=self.fake.base_url, **kwargs)
        self.tune(client)
        self._clients.append(client)
        return client

    def tune(self, client: Any) -> None:
        transport = getattr(client, "_async", client)._transport
        transport._sleep = self.clock.sleep
        transport._clock = self.clock
        transport.retry = RetryPolicy(max_retries=transport.retry.max_retries, jitter=lambda: 0.5)

    def limiter(
        self, limits: Sequence[RateLimit], *, pacer: int = 1000
    ) -> openfactura.MemoryLimiter:
        """A limiter on the fake clock, without jitter, whose aiolimiter pacer (real time,
        not injectable) never holds anything: the exact windows decide alone."""
        from openfactura._ratelimit import PacingPlan

        limiter = openfactura.MemoryLimiter(
            limits, jitter=0, clock=self.clock, sleep=self.clock.sleep
        )
        limiter.plan = PacingPlan(pacer, 1.0, limiter.plan.jitters)
        return limiter

    async def fill_window(self, count: int) -> None:
        """``count`` requests of the key from "another program" (fills the sandbox's window)."""
        async with openfactura.AsyncOpenfactura(
            KEY, base_url=self.fake.base_url, rate_limits=None, max_retries=0
        ) as other:
            for _ in range(count):
                await other.organization.get()

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


@pytest.fixture
async def clocked() -> AsyncIterator[Clocked]:
    clock = Clock()
    async with FakeOpenfactura(rate_limits=[RateLimit(2, 2.0)], monotonic=clock) as fake:
        fake.add_api_key(KEY, COMPANY_RUT)
        sandbox = Clocked(fake, clock)
        try:
            yield sandbox
        finally:
            await sandbox.close()


@pytest.fixture
def clocked_thread() -> Iterator[Clocked]:
    """The same, the sandbox on its own thread (for the blocking client)."""
    clock = Clock()
    with FakeOpenfactura(rate_limits=[RateLimit(2, 2.0)], monotonic=clock) as fake:
        fake.add_api_key(KEY, COMPANY_RUT)
        yield Clocked(fake, clock)
