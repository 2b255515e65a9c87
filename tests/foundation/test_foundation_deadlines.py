"""Time: ``timeout`` is the whole call's deadline; your own timeout stays a ``TimeoutError``.

Every test runs on a virtual-time event loop (``tests/support/virtual_time.py``): timers
fire at once, in order, so "30 seconds" take microseconds and the times read from the
loop's clock are exact. The API is mocked with aioresponses (no sockets).

These tests also run on every interpreter the package claims: ``nox -s compat``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from aioresponses import CallbackResult, aioresponses
from virtual_time import run_virtual

import openfactura
from openfactura._ratelimit import MemoryLimiter, RateLimit
from openfactura._retry import RetryPolicy

T = TypeVar("T")

KEY = "d3ad11e5d3ad11e5d3ad11e5d3ad11e5"
DEV = "https://api.haulmer.com"  # own (non-demo) keys go to production
ORG = f"{DEV}/v2/dte/organization"
DOC = f"{DEV}/v2/dte/document"
TOKEN = "ab" * 32
FACTURA_WIRE: dict[str, Any] = {"Encabezado": {"IdDoc": {"TipoDTE": 33}}}

SAFETY_NET = 100_000.0
"""Virtual seconds after which a test gives up on a call that never ends (old behaviour)."""


async def hang(url: Any, **kwargs: Any) -> CallbackResult:
    """An API that accepted the request and never answers."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def make_client(**kwargs: Any) -> openfactura.AsyncOpenfactura:
    kwargs.setdefault("rate_limits", None)
    client = openfactura.AsyncOpenfactura(KEY, environment="production", **kwargs)
    # Real asyncio.sleep (virtual on this loop); a pinned jitter: backoff 0.5, 1, 2, 4, 8...
    client._transport.retry = RetryPolicy(
        max_retries=kwargs.get("max_retries", 3), jitter=lambda: 0.999999
    )
    return client


def timed(make: Callable[[], Awaitable[T]]) -> tuple[T | BaseException, float]:
    """Run ``make()`` on a virtual loop: (its result or exception, virtual seconds taken)."""

    async def go() -> tuple[T | BaseException, float]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            outcome: T | BaseException = await asyncio.wait_for(make(), SAFETY_NET)
        except BaseException as exc:  # the test inspects it
            outcome = exc
        return outcome, loop.time() - start

    result: tuple[T | BaseException, float] = run_virtual(go())
    return result


# -- timeout is the whole call's deadline ---------------------------------------------------


def test_a_hung_api_blocks_a_read_for_timeout_seconds_not_minutes() -> None:
    async def call() -> Any:
        client = make_client()  # the defaults: timeout=30, max_retries=3
        with aioresponses() as m:
            m.get(ORG, callback=hang, repeat=True)
            try:
                return await client.organization.get()
            finally:
                await client.aclose()

    error, took = timed(call)
    assert isinstance(error, openfactura.APITimeoutError), error
    assert "30s" in str(error) and "no answer" in str(error)
    assert took == pytest.approx(30.0, abs=0.01)


def test_retries_and_backoff_stay_inside_the_timeout() -> None:
    """timeout=3: backoffs 0.5 + 1 fit, the next one (2 s, ending at 3.5) does not."""
    seen: list[float] = []

    async def call() -> Any:
        client = make_client(timeout=3, max_retries=10)
        loop = asyncio.get_running_loop()

        def unavailable(url: Any, **kwargs: Any) -> CallbackResult:
            seen.append(loop.time())
            return CallbackResult(status=503, body="Service Unavailable")

        with aioresponses() as m:
            m.get(ORG, callback=unavailable, repeat=True)
            try:
                return await client.organization.get()
            finally:
                await client.aclose()

    error, took = timed(call)
    assert isinstance(error, openfactura.ServerError), error
    assert [round(t - seen[0], 3) for t in seen] == [0.0, 0.5, 1.5]
    assert took == pytest.approx(1.5, abs=0.01)  # gave up at once: no sleep past the deadline
    assert "retried 2 time(s)" in str(error)


@pytest.mark.parametrize("hint", [99999, 50])
def test_a_429_pause_past_the_deadline_fails_at_once(hint: int) -> None:
    """A 429 asking for 99999 s used to hold a read for minutes. A hint longer than
    max_rate_limit_wait (99999 > 60) or than the timeout leaves (50 > 10) is not slept:
    the call raises the RateLimitError at once, with the server's retry_after."""

    async def call() -> Any:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter((RateLimit(3, 1.0),), clock=loop.time)
        client = make_client(timeout=10, limiter=limiter)
        with aioresponses() as m:
            m.get(
                ORG,
                status=429,
                payload={"statusCode": 429, "message": f"Try again in {hint} seconds."},
                headers={"Retry-After": str(hint)},
                repeat=True,
            )
            try:
                return await client.organization.get()
            finally:
                await client.aclose()

    error, took = timed(call)
    assert isinstance(error, openfactura.RateLimitError), error
    assert error.retry_after == hint
    assert took == pytest.approx(0.0, abs=0.01)


class SlowLimiter:
    """A limiter whose every admission takes ``delay`` seconds (a busy shared key)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def acquire(self, scope: str) -> float:
        await asyncio.sleep(self.delay)
        return self.delay

    async def pause(self, scope: str, seconds: float) -> None:
        return None

    async def aclose(self) -> None:
        return None


def test_the_limiter_wait_counts_and_an_emission_never_sent_is_not_unknown() -> None:
    async def call() -> Any:
        client = make_client(timeout=5, limiter=SlowLimiter(60.0))
        with aioresponses() as m:
            m.post(DOC, payload={"TOKEN": TOKEN}, repeat=True)
            try:
                return await client.documents.emit(
                    FACTURA_WIRE, idempotency_key="k-wait", validate=False
                )
            finally:
                assert not m.requests  # nothing left
                await client.aclose()

    error, took = timed(call)
    assert type(error) is openfactura.APITimeoutError, error
    assert "nothing was sent" in str(error)
    assert took == pytest.approx(5.0, abs=0.01)


def test_an_emission_in_flight_at_the_deadline_is_outcome_unknown_with_its_key() -> None:
    async def call() -> Any:
        client = make_client(timeout=8)
        with aioresponses() as m:
            m.post(DOC, callback=hang)
            try:
                return await client.documents.emit(
                    FACTURA_WIRE, idempotency_key="k-late", validate=False
                )
            finally:
                await client.aclose()

    error, took = timed(call)
    assert type(error) is openfactura.OutcomeUnknownError, error
    assert error.idempotency_key == "k-late"
    assert isinstance(error.__cause__, openfactura.APITimeoutError)
    assert took == pytest.approx(8.0, abs=0.01)


def test_attempt_timeout_bounds_each_attempt_and_leaves_room_to_retry() -> None:
    async def call() -> Any:
        client = make_client(timeout=30, attempt_timeout=5)
        attempts: list[int] = []

        async def first_hangs(url: Any, **kwargs: Any) -> CallbackResult:
            attempts.append(1)
            if len(attempts) == 1:
                await hang(url)
            return CallbackResult(payload={"rut": "76795561-8"})

        with aioresponses() as m:
            m.get(ORG, callback=first_hangs, repeat=True)
            try:
                return await client.request("GET", "/v2/dte/organization")
            finally:
                await client.aclose()

    result, took = timed(call)
    assert result == {"rut": "76795561-8"}
    assert took == pytest.approx(5.0 + 0.5, abs=0.01)  # one hung attempt, one backoff


def test_timeout_arguments_are_checked() -> None:
    for bad in (0, -1, float("nan"), "30", True):
        with pytest.raises(openfactura.ConfigurationError, match="timeout"):
            openfactura.AsyncOpenfactura(KEY, environment="production", timeout=bad)  # type: ignore[arg-type]
        with pytest.raises(openfactura.ConfigurationError, match="attempt_timeout"):
            openfactura.Openfactura(KEY, environment="production", attempt_timeout=bad)  # type: ignore[arg-type]


# -- your own timeout ---------------------------------------------------------------------

OWN_TIMEOUTS = ["wait_for", "task.cancel"]
if sys.version_info >= (3, 11):
    OWN_TIMEOUTS.append("asyncio.timeout")


async def under_own_timeout(how: str, coro: Awaitable[Any], seconds: float) -> Any:
    if how == "wait_for":
        return await asyncio.wait_for(coro, seconds)
    if how == "asyncio.timeout":
        async with asyncio.timeout(seconds):  # type: ignore[attr-defined,unused-ignore]
            return await coro
    task = asyncio.ensure_future(coro)
    asyncio.get_running_loop().call_later(seconds, task.cancel)
    return await task


@pytest.mark.parametrize("how", OWN_TIMEOUTS)
def test_your_own_timeout_gives_timeout_error_and_the_key_is_reachable(how: str) -> None:
    async def call() -> Any:
        client = make_client()
        with aioresponses() as m:
            m.post(DOC, callback=hang)
            try:
                return await under_own_timeout(
                    how,
                    client.documents.emit(FACTURA_WIRE, idempotency_key="k-own", validate=False),
                    0.5,
                )
            finally:
                await client.aclose()

    error, took = timed(call)
    expected = asyncio.CancelledError if how == "task.cancel" else asyncio.TimeoutError
    assert type(error) is expected, repr(error)  # not a private subclass, not our error
    assert not isinstance(error, openfactura.OpenfacturaError)
    lost = openfactura.OutcomeUnknownError.find(error)
    assert lost is not None and lost.idempotency_key == "k-own"
    assert took == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("how", OWN_TIMEOUTS)
def test_your_own_timeout_before_anything_was_sent_carries_no_outcome(how: str) -> None:
    async def call() -> Any:
        client = make_client(limiter=SlowLimiter(60.0))
        with aioresponses() as m:
            m.post(DOC, payload={"TOKEN": TOKEN})
            try:
                return await under_own_timeout(
                    how,
                    client.documents.emit(FACTURA_WIRE, idempotency_key="k-none", validate=False),
                    0.5,
                )
            finally:
                await client.aclose()

    error, _ = timed(call)
    assert isinstance(error, (asyncio.TimeoutError, asyncio.CancelledError)), repr(error)
    assert openfactura.OutcomeUnknownError.find(error) is None


@pytest.mark.parametrize("how", OWN_TIMEOUTS)
def test_your_own_timeout_on_a_read_is_a_plain_timeout(how: str) -> None:
    async def call() -> Any:
        client = make_client()
        with aioresponses() as m:
            m.get(ORG, callback=hang)
            try:
                return await under_own_timeout(how, client.organization.get(), 0.5)
            finally:
                await client.aclose()

    error, _ = timed(call)
    expected = asyncio.CancelledError if how == "task.cancel" else asyncio.TimeoutError
    assert type(error) is expected, repr(error)
    assert openfactura.OutcomeUnknownError.find(error) is None


def test_find_walks_causes_and_contexts_and_stops_on_cycles() -> None:
    key_error = openfactura.OutcomeUnknownError("x", idempotency_key="k")
    outer = TimeoutError()
    middle = asyncio.CancelledError()
    outer.__cause__ = middle
    middle.__context__ = key_error
    assert openfactura.OutcomeUnknownError.find(outer) is key_error
    assert openfactura.OutcomeUnknownError.find(key_error) is key_error
    loop_a, loop_b = ValueError(), KeyError()
    loop_a.__context__, loop_b.__context__ = loop_b, loop_a
    assert openfactura.OutcomeUnknownError.find(loop_a) is None
    assert openfactura.OutcomeUnknownError.find(None) is None
