"""The limiter's guarantees: exact windows stamped at send time, the whole budget spent,
shared budgets, and the 429 pause of a key whatever limiter (or none) the client uses.

Everything timing-related runs on a virtual clock (``virtual_time``), so the checks are
exact and no loaded machine can move them; the few real-socket tests only assert bounds
that load cannot break (a later stamp, no 429 under a wide jitter allowance).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses
from strict_server import StrictServer, max_in_window, perfect_schedule
from virtual_time import run_virtual

import openfactura
from openfactura._ratelimit import (
    DEFAULT_JITTER,
    DEFAULT_RATE_LIMITS,
    KEY_PAUSES,
    KeyPausedTooLong,
    MemoryLimiter,
    RateLimit,
    Reservation,
    SlidingLog,
    _pause_cap,
    limiter_scope,
    plan_pacing,
    shared_memory_limiter,
)

BASE = "https://api.haulmer.com"
ORG = f"{BASE}/v2/dte/organization"

LIMIT_SETS = [
    DEFAULT_RATE_LIMITS,
    (RateLimit(3, 0.25), RateLimit(100, 15.0)),
    (RateLimit(3, 0.2), RateLimit(20, 2.0)),
    (RateLimit(1, 1.0),),
    (RateLimit(10, 1.0), RateLimit(100, 60.0), RateLimit(1000, 3600.0)),
]


# -- an independent oracle: the perfect client (strict_server.perfect_schedule) ------------


def _spans(limits: Sequence[RateLimit], jitter: float = DEFAULT_JITTER) -> list[RateLimit]:
    return [RateLimit(limit.max_calls, limit.period_seconds + jitter) for limit in limits]


async def _burst(limiter: MemoryLimiter, calls: int, tasks: int) -> list[float]:
    """``calls`` requests from ``tasks`` tasks, each sent the moment it is admitted."""
    loop = asyncio.get_running_loop()
    sent: list[float] = []
    counter = itertools.count()

    async def worker() -> None:
        while next(counter) < calls:
            reservation = await limiter.acquire("scope")
            assert reservation.sent()
            sent.append(loop.time())

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return sorted(sent)


# -- the plan ---------------------------------------------------------------------------------


def test_the_pacer_is_shaped_like_the_window_with_fewest_calls() -> None:
    plan = plan_pacing(DEFAULT_RATE_LIMITS)
    assert (plan.capacity, plan.period, plan.jitters) == (3, 1.03, (0.03, 0.03))
    other = plan_pacing((RateLimit(100, 60.0), RateLimit(10, 1.0), RateLimit(10, 0.5)), 0.0)
    assert (other.capacity, other.period) == (10, 0.5)
    with pytest.raises(ValueError, match="jitter"):
        plan_pacing(DEFAULT_RATE_LIMITS, -0.1)


def test_rate_limit_validates() -> None:
    with pytest.raises(ValueError, match="max_calls"):
        RateLimit(0, 1.0)
    with pytest.raises(ValueError, match="period_seconds"):
        RateLimit(3, 0)


# -- the budget: 3 at once after idle, then both windows to the full --------------------------


def test_default_limits_three_at_once_after_idle_then_a_burst_of_30_within_10_3_s() -> None:
    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(DEFAULT_RATE_LIMITS, clock=loop.time)
        await asyncio.sleep(120.0)  # idle (virtual time)
        return await _burst(limiter, calls=30, tasks=30)

    sent = run_virtual(scenario())
    start = sent[0]
    assert sent[:3] == [start] * 3  # three at once
    assert sent[3] > start  # and not a fourth
    # Hand-worked: batches of 3 every 1 s + 30 ms, the tenth batch at 9 x 1.03 s.
    expected = [start + 1.03 * (i // 3) for i in range(30)]
    assert sent == pytest.approx(expected, abs=1e-4)
    assert sent[-1] - start <= 10.3


@pytest.mark.parametrize("limits", LIMIT_SETS)
def test_saturated_limiter_matches_the_perfect_client(limits: tuple[RateLimit, ...]) -> None:
    """Virtual time: the send times equal the greedy optimum of the stretched windows, burst
    included, over several turns of the longest window."""
    calls = 250 if len(limits) < 3 else 1200

    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(limits, clock=loop.time)
        return await _burst(limiter, calls=calls, tasks=25)

    sent = run_virtual(scenario())
    perfect = perfect_schedule(calls, _spans(limits))
    # (the virtual clock moves 1 µs per turn of the loop: a few ms over a long run)
    assert [t - sent[0] for t in sent] == pytest.approx(perfect, abs=1e-3)
    for limit in limits:
        assert max_in_window(sent, limit.period_seconds + DEFAULT_JITTER - 1e-6) <= limit.max_calls


def test_one_process_benchmark_shape_spends_at_least_97_percent_of_the_strict_budget() -> None:
    """The issue's figure in virtual time: 25 tasks, 250 calls, (3, 0.25 s) + (100, 15 s)."""
    limits = (RateLimit(3, 0.25), RateLimit(100, 15.0))

    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        return await _burst(MemoryLimiter(limits, clock=loop.time), calls=250, tasks=25)

    sent = run_virtual(scenario())
    exact = perfect_schedule(250, _spans(limits, 0.0))
    assert exact[-1] / (sent[-1] - sent[0]) >= 0.97
    assert sent[2] - sent[0] == 0  # the first three at once


# -- send-time stamping -------------------------------------------------------------------------


def _delayed_sends(
    limits: tuple[RateLimit, ...], delays: Callable[[int], float], calls: int, tasks: int
) -> list[float]:
    """Each admitted request leaves after ``delays(i)`` (a handshake), then is stamped."""

    async def scenario() -> list[float]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(limits, clock=loop.time)
        sent: list[float] = []
        counter = itertools.count()

        async def worker() -> None:
            while (i := next(counter)) < calls:
                reservation = await limiter.acquire("scope")
                await asyncio.sleep(delays(i))
                assert reservation.sent()
                sent.append(loop.time())

        await asyncio.gather(*(worker() for _ in range(tasks)))
        return sorted(sent)

    result: list[float] = run_virtual(scenario())
    return result


@pytest.mark.parametrize("limits", LIMIT_SETS[:3])
def test_no_overrun_whatever_the_delay_between_admission_and_send(
    limits: tuple[RateLimit, ...],
) -> None:
    """Handshakes of 0 to 3 s after admission, network jitter up to J after the send: the
    server's windows never overrun (checked arrival by arrival)."""
    rng = random.Random(13)
    patterns: list[Callable[[int], float]] = [
        lambda i: rng.uniform(0.0, 1.0),
        lambda i: 1.0 if i % 2 == 0 else 0.0,  # late, early, late...
        lambda i: 1.0 if i < 3 else 0.0,  # new connections first, then pooled ones
        lambda i: rng.choice((0.0, 0.0, 0.0, 3.0)),  # now and then longer than a window
    ]
    for delays in patterns:
        sent = _delayed_sends(limits, delays, calls=150, tasks=12)
        assert len(sent) == 150
        arrivals = sorted(t + rng.uniform(0.0, DEFAULT_JITTER * 0.999) for t in sent)
        for limit in limits:
            assert max_in_window(arrivals, limit.period_seconds) <= limit.max_calls


def test_a_slow_handshake_delays_only_its_own_request() -> None:
    """The first of three admitted at once takes 1 s to leave, the other two leave at once.
    The next two leave one window after those two; the sixth waits for the slow one's
    *stamp* (counted from its admission, it would have left with them: 4 in 0.03 s)."""
    limits = (RateLimit(3, 1.0),)
    sent = _delayed_sends(limits, lambda i: 1.0 if i == 0 else 0.0, calls=6, tasks=6)
    start = sent[0]
    expected = [start, start, start + 1.0, start + 1.03, start + 1.03, start + 2.03]
    assert sent == pytest.approx(expected, abs=1e-4)


def test_sliding_log_counts_pending_as_now_and_stamps_as_sent() -> None:
    """Hand-worked, one window of 2 per 1 s, no jitter."""
    log = SlidingLog((RateLimit(2, 1.0),), (0.0,), reservation_timeout=10.0)
    wait, a = log.try_admit(0.0)
    assert (wait, a) == (0.0, 1)
    wait, b = log.try_admit(0.1)
    assert (wait, b) == (0.0, 2)
    assert log.try_admit(0.2) == (0.25, None)  # both pending: re-check soon
    assert log.stamp(1, 0.5)  # a leaves at 0.5
    # b is still pending: it counts as now, so a place frees only when a's stamp leaves.
    assert log.try_admit(0.6) == (pytest.approx(0.9), None)
    assert log.stamp(2, 0.7)
    assert log.try_admit(0.8) == (pytest.approx(0.7), None)  # a's stamp leaves at 1.5
    assert log.try_admit(1.5)[1] == 3
    log.release(3)  # never sent: the place is free at once
    assert log.try_admit(1.5)[1] == 4
    log.pause(5.0)
    assert log.try_admit(2.0) == (pytest.approx(3.0), None)


def test_abandoned_reservations_expire_and_released_ones_free_their_place() -> None:
    async def scenario() -> tuple[float, float, bool, float]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter((RateLimit(2, 1.0),), reservation_timeout=5.0, clock=loop.time)
        start = loop.time()
        abandoned = await limiter.acquire("s")  # its task died: never sent nor released
        other = await limiter.acquire("s")
        other.release()  # not sent (connection refused)
        await limiter.acquire("s")  # takes the released place; abandoned one is pending
        released_at = loop.time() - start
        await limiter.acquire("s")  # must wait for the abandoned reservation to expire
        expired_at = loop.time() - start
        return released_at, expired_at, abandoned.sent(), start

    released_at, expired_at, late_sent_ok, _ = run_virtual(scenario())
    assert released_at < 1.0  # the pacer's step (1.03 / 2 s), not a window, not an expiry
    assert 5.0 <= expired_at <= 5.0 + 0.25 + 1e-6
    assert late_sent_ok is False  # sending an expired reservation is refused


def test_pause_holds_every_waiter_and_honours_the_callers_cap() -> None:
    async def scenario() -> tuple[float, list[float], float]:
        loop = asyncio.get_running_loop()
        limiter = MemoryLimiter(DEFAULT_RATE_LIMITS, clock=loop.time)
        await limiter.pause("scope", 7.0)
        token = _pause_cap.set(5.0)
        try:
            with pytest.raises(KeyPausedTooLong) as info:
                await limiter.acquire("scope")
        finally:
            _pause_cap.reset(token)
        start = loop.time()
        times = await _burst(limiter, calls=4, tasks=4)
        return start, times, info.value.remaining

    start, times, remaining = run_virtual(scenario())
    assert remaining == pytest.approx(7.0)
    assert min(times) >= start + 7.0 - 1e-9


# -- sharing ------------------------------------------------------------------------------------


def test_scope_is_a_hash_never_the_key() -> None:
    key = "0123456789abcdef0123456789abcdef"
    scope = limiter_scope(key, "https://api.haulmer.com")
    assert key not in scope and key[-8:] not in scope
    assert scope == limiter_scope(key, "https://api.haulmer.com")
    assert scope != limiter_scope(key, "https://dev-api.haulmer.com")


def test_clients_with_the_same_key_share_one_limiter() -> None:
    key = "k" * 32
    a = openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:1")
    b = openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:1")
    s = openfactura.Openfactura(key, base_url="http://127.0.0.1:1")
    try:
        assert a.limiter is b.limiter is s.limiter is shared_memory_limiter(DEFAULT_RATE_LIMITS)
        assert a._transport._scope == s._async._transport._scope
        off = openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:1", rate_limits=None)
        assert off.limiter is None
    finally:
        s.close()


def test_two_event_loops_share_one_exact_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """An async client's loop and a sync client's loop thread draw from the same log.

    Checked on the stamps the log itself takes (not on times read afterwards), so thread
    scheduling cannot blur the check."""
    limits = (RateLimit(3, 0.2), RateLimit(10, 1.0))
    limiter = MemoryLimiter(limits)
    stamps: list[float] = []
    original = SlidingLog.stamp

    def recording(self: SlidingLog, rid: int, now: float) -> bool:
        stamps.append(now)
        return original(self, rid, now)

    monkeypatch.setattr(SlidingLog, "stamp", recording)

    def run_loop() -> None:
        async def go() -> None:
            for _ in range(8):
                reservation = await limiter.acquire("shared")
                reservation.sent()

        asyncio.run(go())

    threads = [threading.Thread(target=run_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    assert len(stamps) == 16
    # each loop alone would allow 3 per 0.2 s; together they still may not exceed it
    assert max_in_window(stamps, 0.2 + DEFAULT_JITTER) <= 3
    assert max_in_window(stamps, 1.0 + DEFAULT_JITTER) <= 10


# -- the transport: stamps at send time ---------------------------------------------------------


class RecordingLimiter:
    """A custom Limiter (the current protocol) that records admission and stamp times."""

    def __init__(self) -> None:
        self.admitted: list[float] = []
        self.stamped: list[float] = []
        self.released = 0

    async def acquire(self, scope: str) -> Reservation:
        self.admitted.append(time.monotonic())
        outer = self

        class _Reservation:
            def sent(self) -> bool:
                outer.stamped.append(time.monotonic())
                return True

            def release(self) -> None:
                outer.released += 1

        return _Reservation()

    async def pause(self, scope: str, seconds: float) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def test_the_transport_stamps_when_the_headers_leave_not_at_admission(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new connection that takes 0.3 s (a slow handshake) delays the stamp, not the
    admission; the server sees the request after the stamp."""
    server = StrictServer((RateLimit(100, 1.0),))
    base_url = await server.start()
    original = aiohttp.TCPConnector.connect

    async def slow_connect(self: aiohttp.TCPConnector, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.3)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(aiohttp.TCPConnector, "connect", slow_connect)
    limiter = RecordingLimiter()
    try:
        async with openfactura.AsyncOpenfactura(
            "t" * 32, base_url=base_url, limiter=limiter, max_retries=0
        ) as client:
            await client.request("GET", "/v2/dte/organization")
    finally:
        await server.stop()
    assert len(limiter.admitted) == len(limiter.stamped) == len(server.arrivals) == 1
    assert limiter.stamped[0] - limiter.admitted[0] >= 0.3
    assert server.arrivals[0] >= limiter.stamped[0]
    assert limiter.released == 0


async def test_a_request_that_cannot_connect_releases_its_reservation() -> None:
    limiter = RecordingLimiter()
    async with openfactura.AsyncOpenfactura(
        "u" * 32, base_url="http://127.0.0.1:9", limiter=limiter, max_retries=0
    ) as client:
        with pytest.raises(openfactura.APIConnectionError):
            await client.request("GET", "/v2/dte/organization")
    assert (len(limiter.admitted), limiter.stamped, limiter.released) == (1, [], 1)


async def test_a_request_cancelled_before_it_leaves_releases_its_reservation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = aiohttp.TCPConnector.connect
    connecting = asyncio.Event()

    async def slow_connect(self: aiohttp.TCPConnector, *args: Any, **kwargs: Any) -> Any:
        connecting.set()
        await asyncio.sleep(30)  # a handshake that never ends
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(aiohttp.TCPConnector, "connect", slow_connect)
    limiter = RecordingLimiter()
    async with openfactura.AsyncOpenfactura(
        "s" * 32, base_url="http://127.0.0.1:9", limiter=limiter
    ) as client:
        task = asyncio.ensure_future(client.request("GET", "/v2/dte/organization"))
        await connecting.wait()  # admitted, not sent
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert (len(limiter.admitted), limiter.stamped, limiter.released) == (1, [], 1)


async def test_a_limiter_of_the_earlier_protocol_keeps_working() -> None:
    """``acquire`` returning the seconds waited (the protocol before reservations)."""

    class Counting:
        def __init__(self) -> None:
            self.acquired = 0

        async def acquire(self, scope: str) -> float:
            self.acquired += 1
            return 0.0

        async def pause(self, scope: str, seconds: float) -> None:
            return None

        async def aclose(self) -> None:
            return None

    limiter = Counting()
    with aioresponses() as mocked:
        mocked.get(ORG, payload={"ok": True}, repeat=True)
        async with openfactura.AsyncOpenfactura("v" * 32, limiter=limiter) as client:
            for _ in range(3):
                assert await client.request("GET", "/v2/dte/organization") == {"ok": True}
    assert limiter.acquired == 3
    assert isinstance(limiter, openfactura.Limiter)


async def test_real_server_sees_no_overrun_and_no_429() -> None:
    """Loopback, 12 tasks, first-time connections: no 429, no overrun. The jitter allowance
    is 0.1 s here, wider than any scheduling hiccup of a loaded test machine."""
    limits = (RateLimit(3, 0.2), RateLimit(10, 1.0))
    server = StrictServer(limits)
    base_url = await server.start()
    try:
        async with openfactura.AsyncOpenfactura(
            "r" * 32,
            base_url=base_url,
            limiter=MemoryLimiter(limits, jitter=0.1),
            max_retries=0,
        ) as client:
            counter = itertools.count()

            async def worker() -> None:
                while next(counter) < 15:
                    await client.request("GET", "/v2/dte/organization")

            await asyncio.gather(*(worker() for _ in range(12)))
    finally:
        await server.stop()
    assert server.rejected == 0
    assert len(server.accepted) == 15
    assert server.max_in_window(0.2) <= 3
    assert server.max_in_window(1.0) <= 10


# -- the 429 pause belongs to the key -------------------------------------------------------------

TRY_AGAIN_3 = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 3 seconds."}
TRY_AGAIN_1 = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}


class EarlierProtocolLimiter:
    """A custom limiter that limits nothing and whose pause does nothing."""

    def __init__(self) -> None:
        self.paused: list[float] = []

    async def acquire(self, scope: str) -> float:
        return 0.0

    async def pause(self, scope: str, seconds: float) -> None:
        self.paused.append(seconds)

    async def aclose(self) -> None:
        return None


def _pause_scenario(make_limiter: Callable[[], Any]) -> tuple[list[float], float, Any]:
    """Five tasks call the API in turn (0.1 s per answer); the first request after 0.5 s
    gets a 429 with "Try again in 3 seconds" in its body (no header). Virtual time."""

    async def scenario() -> tuple[list[float], float, Any]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        arrivals: list[float] = []
        rejected: list[float] = []

        async def answer(url: Any, **kwargs: Any) -> CallbackResult:
            now = loop.time()
            arrivals.append(now)
            reject = not rejected and now >= start + 0.5
            if reject:
                rejected.append(now)
            await asyncio.sleep(0.1)
            if reject:
                return CallbackResult(status=429, payload=TRY_AGAIN_3)
            return CallbackResult(payload={"ok": True})

        limiter = make_limiter()
        with aioresponses() as mocked:
            mocked.get(ORG, callback=answer, repeat=True)
            client = openfactura.AsyncOpenfactura(
                "w" * 32, rate_limits=None, limiter=limiter, max_retries=3
            )
            client._transport._clock = loop.time
            async with client:

                async def worker(k: int) -> None:
                    await asyncio.sleep(0.02 * k)
                    for _ in range(15):
                        await client.request("GET", "/v2/dte/organization")

                await asyncio.gather(*(worker(k) for k in range(5)))
        return arrivals, rejected[0], limiter

    result: tuple[list[float], float, Any] = run_virtual(scenario())
    return result


@pytest.mark.parametrize(
    "make_limiter",
    [
        lambda: None,
        EarlierProtocolLimiter,
        RecordingLimiter,
        lambda: MemoryLimiter((RateLimit(1000, 1.0),), clock=asyncio.get_running_loop().time),
    ],
    ids=["rate_limits=None", "earlier-protocol", "custom", "memory"],
)
def test_a_429_hint_holds_every_request_of_the_key(make_limiter: Callable[[], Any]) -> None:
    arrivals, rejected_at, limiter = _pause_scenario(make_limiter)
    told = rejected_at + 0.1  # when the client reads the 429
    after = sorted(a for a in arrivals if a > told + 1e-9)
    # Nothing of the key reaches the server until the hint has passed; then it resumes.
    assert after[0] == pytest.approx(told + 3.0, abs=1e-4)
    assert len(arrivals) == 5 * 15 + 1
    if isinstance(limiter, EarlierProtocolLimiter):
        assert limiter.paused == [3.0]  # shared with the limiter too (Redis: other processes)


def test_a_429_at_the_limit_of_an_unknown_window_draws_no_storm() -> None:
    """Virtual time: the server allows 1 per 0.3 s, which the client does not know. After
    each 429 every task of the key waits the hint, so rejections stay few and the server's
    window holds for everything it accepted."""

    async def scenario() -> tuple[list[float], int]:
        loop = asyncio.get_running_loop()
        accepted: list[float] = []
        rejected = 0

        def answer(url: Any, **kwargs: Any) -> CallbackResult:
            nonlocal rejected
            now = loop.time()
            if accepted and now - accepted[-1] < 0.3:
                rejected += 1
                wait = accepted[-1] + 0.3 - now
                return CallbackResult(
                    status=429, payload={"statusCode": 429}, headers={"Retry-After": f"{wait}"}
                )
            accepted.append(now)
            return CallbackResult(payload={"ok": True})

        with aioresponses() as mocked:
            mocked.get(ORG, callback=answer, repeat=True)
            client = openfactura.AsyncOpenfactura(
                "p" * 32, rate_limits=(RateLimit(100, 1.0),), max_retries=5
            )
            client._transport._clock = loop.time
            client._transport.limiter = MemoryLimiter((RateLimit(100, 1.0),), clock=loop.time)
            async with client:
                await asyncio.gather(
                    *(client.request("GET", "/v2/dte/organization") for _ in range(4))
                )
        return accepted, rejected

    accepted, rejected = run_virtual(scenario())
    assert len(accepted) == 4
    gaps = [b - a for a, b in itertools.pairwise(accepted)]
    assert min(gaps) >= 0.3 - 1e-9
    # Hand count (answers take no time here): in each round the first request is accepted
    # and the second refused; its 429 holds the others, admitted but not sent yet, until
    # the hint has passed. Four requests: three rounds with a refusal, then the last one.
    assert rejected == 3


def test_a_hint_longer_than_max_rate_limit_wait_raises_at_once() -> None:
    async def scenario() -> tuple[float | None, float | None, int, list[float]]:
        loop = asyncio.get_running_loop()
        sleeps: list[float] = []

        async def fake_sleep(seconds: float) -> None:
            sleeps.append(seconds)

        with aioresponses() as mocked:
            mocked.get(
                ORG,
                status=429,
                payload={"statusCode": 429, "message": "Try again in 3600 seconds."},
            )
            mocked.get(ORG, payload={"ok": True}, repeat=True)
            client = openfactura.AsyncOpenfactura("x" * 32, rate_limits=None)
            client._transport._clock = loop.time
            client._transport._sleep = fake_sleep
            async with client:
                with pytest.raises(openfactura.RateLimitError) as first:
                    await client.request("GET", "/v2/dte/organization")
                await asyncio.sleep(100.0)
                # The key stays paused: the next call fails at once, without being sent.
                with pytest.raises(openfactura.RateLimitError) as second:
                    await client.request("GET", "/v2/dte/organization")
            calls = sum(len(v) for v in mocked.requests.values())
        return first.value.retry_after, second.value.retry_after, calls, sleeps

    first, second, calls, sleeps = run_virtual(scenario())
    assert first == 3600.0  # the server's hint, as stated
    assert second == pytest.approx(3500.0)
    assert calls == 1
    assert sleeps == []


def test_a_hint_within_max_rate_limit_wait_is_waited_as_stated() -> None:
    """200 s (beyond the old 120 s cap) with ``max_rate_limit_wait=300`` (and a timeout
    that leaves room for it): waited in full."""

    async def scenario() -> tuple[Any, list[float]]:
        loop = asyncio.get_running_loop()
        sleeps: list[float] = []

        async def fake_sleep(seconds: float) -> None:
            sleeps.append(seconds)
            await asyncio.sleep(seconds)

        with aioresponses() as mocked:
            mocked.get(
                ORG, status=429, payload={"statusCode": 429, "message": "Try again in 200 seconds."}
            )
            mocked.get(ORG, payload={"ok": True})
            client = openfactura.AsyncOpenfactura("y" * 32, max_rate_limit_wait=300, timeout=400)
            client._transport._clock = loop.time
            client._transport._sleep = fake_sleep
            client._transport.limiter = None
            async with client:
                data = await client.request("GET", "/v2/dte/organization")
        return data, sleeps

    data, sleeps = run_virtual(scenario())
    assert data == {"ok": True}
    assert sleeps == [200.0]


def test_a_long_pause_logs_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="openfactura")
    _pause_scenario(lambda: None)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per pause, not once per waiting call
    assert "429" in warnings[0].getMessage() and "3.0s" in warnings[0].getMessage()
    assert "w" * 32 not in warnings[0].getMessage()


def test_max_rate_limit_wait_is_validated_and_on_both_clients() -> None:
    with pytest.raises(openfactura.ConfigurationError, match="max_rate_limit_wait"):
        openfactura.AsyncOpenfactura("z" * 32, max_rate_limit_wait=-1)
    with openfactura.Openfactura("z" * 32, max_rate_limit_wait=5) as sync:
        assert sync._async._transport.max_rate_limit_wait == 5.0
    assert KEY_PAUSES.until("never-used") == 0.0


async def test_a_request_that_leaves_after_a_429_waits_for_the_pause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Admitted before the key's 429 came back but still connecting (a slow handshake): at
    the moment its headers would leave, the key is paused, so it waits the hint first."""
    from aiohttp import web

    arrivals: list[tuple[str, float]] = []

    async def handle(request: web.Request) -> web.Response:
        name = request.query["n"]
        arrivals.append((name, time.monotonic()))
        if len(arrivals) == 1:
            return web.json_response(TRY_AGAIN_1, status=429)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/v2/dte/organization", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    original = aiohttp.TCPConnector.connect
    connects = itertools.count()

    async def connect(self: aiohttp.TCPConnector, *args: Any, **kwargs: Any) -> Any:
        if next(connects) == 1:
            await asyncio.sleep(0.3)  # the second connection's handshake is slow
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(aiohttp.TCPConnector, "connect", connect)
    try:
        async with openfactura.AsyncOpenfactura(
            "q" * 32, base_url=f"http://127.0.0.1:{port}", rate_limits=None
        ) as client:
            fast = client.request("GET", "/v2/dte/organization", params={"n": "fast"})
            await asyncio.sleep(0)
            slow = client.request("GET", "/v2/dte/organization", params={"n": "slow"})
            await asyncio.gather(fast, slow)
    finally:
        await runner.cleanup()
    first_name, rejected_at = arrivals[0]
    assert first_name == "fast"
    slow_at = next(t for name, t in arrivals if name == "slow")
    assert slow_at >= rejected_at + 1.0  # held by the pause, not sent at +0.3 s
