"""Helpers of the API-surface tests: the mocked base URL, a fake clock, request inspection."""

from __future__ import annotations

import json
from typing import Any

from aioresponses import aioresponses

import openfactura
from openfactura._retry import RetryPolicy

BASE = "https://dev-api.haulmer.com"
API = f"{BASE}/v2/dte"
KEY = "928e15a2d14d4a6292345f04960f4bd3"
TOKEN = "c1c13d37566dbdab5a984ab5ebf5e461fba577a3084e44a52151d25a7ded63a8"


class FakeClock:
    """A monotonic clock that only moves when someone 'sleeps' on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def quiet(client: openfactura.AsyncOpenfactura) -> FakeClock:
    """No real sleeping in ``client``: retries and waits run on a :class:`FakeClock`."""

    async def no_sleep(_: float) -> None:
        return None

    client._transport._sleep = no_sleep  # type: ignore[method-assign]
    client._transport.retry = RetryPolicy(max_retries=2, jitter=lambda: 0.5)
    clock = FakeClock()
    client.documents._clock = clock
    client.documents._sleep = clock.sleep
    return clock


def calls(mocked: aioresponses, method: str | None = None) -> list[tuple[str, str, Any]]:
    """``(method, url, call)`` for every request aioresponses saw, in order."""
    out = []
    for (verb, url), items in mocked.requests.items():
        if method is None or verb == method:
            out.extend((verb, str(url), item) for item in items)
    return out


def body_of(call: Any) -> Any:
    data = call.kwargs.get("data")
    return None if data is None else json.loads(data)


def headers_of(call: Any) -> dict[str, str]:
    return dict(call.kwargs.get("headers") or {})
