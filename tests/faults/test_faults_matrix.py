"""The fault matrix: every injectable fault × every public method of the async client.

For each method (found by introspection: a new method without a scenario in
``fault_scenarios.py`` fails :func:`test_every_public_method_has_a_scenario`) and each fault
the sandbox can inject, plus a cancellation and the caller's own ``asyncio.timeout`` in the
middle of the request, the call must end

* in a correct result (checked against the sandbox's state), or in a typed error: an
  :class:`~openfactura.OpenfacturaError` of the kind the table below expects, or exactly
  ``TimeoutError``/``CancelledError`` for the caller's own timeout or cancellation, with
  the emission's key reachable through ``OutcomeUnknownError.find`` as the docs say;
* before the client's deadline (``timeout``), read on the event loop's clock;
* without an unclosed session, a ``ResourceWarning`` or an ERROR in any log (the
  sandbox's included);
* for an emission, with **exactly one** document once any ``OutcomeUnknownError`` is
  re-sent with its key (the sandbox's store is the witness); a write the API must not see
  twice (accuse, annul, sync, resend the email) reaches the sandbox exactly once.

Every case runs on its own sandbox and client, on loopback, with small timeouts and no
retry backoff (the jitter is pinned to 0), so the whole matrix takes a few seconds.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fault_matrix import (
    COLUMNS,
    EMISSION_HOLD,
    EMISSION_PATH,
    LONG,
    SAFETY,
    SHORT,
    SLACK,
    Column,
    Mode,
    Outcome,
    check_odd_answer,
    expected,
)
from fault_scenarios import FACTURA, SCENARIOS, Ctx, Scenario, public_methods

import openfactura
from openfactura._retry import RetryPolicy
from openfactura.testing import FAULT_KINDS, FakeOpenfactura


def _fast_client(fake: FakeOpenfactura, timeout: float) -> openfactura.AsyncOpenfactura:
    client = openfactura.AsyncOpenfactura(
        fake.api_key, base_url=fake.base_url, timeout=timeout, rate_limits=None
    )
    client._transport.retry = RetryPolicy(max_retries=3, jitter=lambda: 0.0)  # no backoff
    client.documents._sleep = _no_sleep  # type: ignore[attr-defined]
    return client


async def _no_sleep(_: float) -> None:
    await asyncio.sleep(0)


async def _until_held(fake: FakeOpenfactura, task: asyncio.Future[Any]) -> None:
    """Until the sandbox holds the request (its planned hold was taken) or the call ended."""
    while fake.pending_faults and not task.done():  # noqa: ASYNC110 - no event to wait on
        await asyncio.sleep(0.002)


async def _invoke(mode: Mode, fake: FakeOpenfactura, call: Callable[[], Awaitable[Any]]) -> Outcome:
    if mode in ("plain", "deadline"):
        try:
            return Outcome(value=await call())
        except Exception as exc:
            return Outcome(error=exc)
    if mode == "cancel":
        task = asyncio.ensure_future(call())
        await _until_held(fake, task)
        task.cancel()
        try:
            return Outcome(value=await task)
        except BaseException as exc:  # the CancelledError is the outcome under test
            return Outcome(error=exc)
    return await _own_timeout(fake, call)


if sys.version_info >= (3, 11):

    async def _own_timeout(fake: FakeOpenfactura, call: Callable[[], Awaitable[Any]]) -> Outcome:
        """``async with asyncio.timeout(...)`` that expires while the sandbox holds the call."""

        async def fire(scope: asyncio.Timeout, task: asyncio.Future[Any]) -> None:
            await _until_held(fake, task)
            scope.reschedule(asyncio.get_running_loop().time())

        async def under_timeout() -> Any:
            async with asyncio.timeout(None) as scope:
                inner = asyncio.ensure_future(call())
                watcher = asyncio.create_task(fire(scope, inner))
                try:
                    return await inner
                finally:
                    watcher.cancel()
                    if not inner.done():
                        inner.cancel()

        try:
            return Outcome(value=await under_timeout())
        except BaseException as exc:
            return Outcome(error=exc)

else:  # pragma: no cover - Python 3.10: wait_for is the caller's own timeout

    async def _own_timeout(fake: FakeOpenfactura, call: Callable[[], Awaitable[Any]]) -> Outcome:
        try:
            return Outcome(value=await asyncio.wait_for(call(), 0.2))
        except BaseException as exc:
            return Outcome(error=exc)


def _posts(fake: FakeOpenfactura, path: str) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == path)


async def _settle(fake: FakeOpenfactura, path: str, count: int) -> None:
    """Until the sandbox has answered ``count`` POSTs to ``path`` (a held one included)."""
    ends = asyncio.get_running_loop().time() + EMISSION_HOLD + SAFETY
    while _posts(fake, path) < count:
        assert asyncio.get_running_loop().time() < ends, "the sandbox never finished"
        await asyncio.sleep(0.01)


async def run_case(scenario: Scenario, column: Column) -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        timeout = SHORT if column.mode == "deadline" else LONG
        async with _fast_client(fake, LONG) as setup_client:
            ctx = await scenario.setup(fake, setup_client) if scenario.setup else Ctx()
        before = {doc.token for doc in fake.documents}
        path = scenario.path(ctx)
        arrivals = sum(1 for r in fake.requests if r.path.startswith(path))
        posts = _posts(fake, EMISSION_PATH)
        async with _fast_client(fake, timeout) as client:
            column.plan(fake, path, scenario.effect)
            loop = asyncio.get_running_loop()
            started = loop.time()
            task = asyncio.ensure_future(
                _invoke(column.mode, fake, lambda: scenario.call(client, ctx))
            )
            done, _ = await asyncio.wait({task}, timeout=SAFETY)
            if not done:
                task.cancel()
                pytest.fail(f"{scenario.name} under {column.name}: still running after {SAFETY}s")
            outcome = task.result()
            took = loop.time() - started
            held = column.kind == "delay"
            if held:  # the sandbox got the request before the client gave up on it
                assert fake.pending_faults == 0, "the request never reached the sandbox"

            limit = timeout + SLACK
            assert took <= limit, f"ended {took:.2f}s after the start (timeout {timeout}s)"
            allowed = expected(scenario, column)
            if outcome.label not in allowed:
                pytest.fail(
                    f"{scenario.name} under {column.name}: {outcome.label} "
                    f"({outcome.error!r}), expected {' or '.join(sorted(allowed))}"
                )
            error = outcome.error
            if error is None:
                if not check_odd_answer(scenario, column, outcome.value):
                    scenario.check(outcome.value, fake, ctx)
            elif column.mode in ("plain", "deadline"):
                assert isinstance(error, openfactura.OpenfacturaError), repr(error)
                str(error), repr(error)
            else:
                assert not isinstance(error, openfactura.OpenfacturaError), repr(error)

            if scenario.effect == "emission":
                # a held emission is answered (and counted) once its hold ends
                posts = posts + 1 if held else _posts(fake, EMISSION_PATH)
                await _exactly_one_document(
                    fake, client, scenario, outcome, before, posts, held, ctx
                )
            elif scenario.effect == "write" and column.mode in ("plain", "deadline"):
                sent = sum(1 for r in fake.requests if r.path.startswith(path)) - arrivals
                if held:
                    sent += 1  # a held request is recorded only when its hold ends
                assert sent == 1, f"a write reached the API {sent} times"


async def _exactly_one_document(
    fake: FakeOpenfactura,
    client: openfactura.AsyncOpenfactura,
    scenario: Scenario,
    outcome: Outcome,
    before: set[str],
    posts: int,
    held: bool,
    ctx: Ctx,
) -> None:
    """The store holds exactly one new document once an unknown outcome is re-sent.

    ``posts``: the emissions the sandbox will have answered once it is done with this
    call's (a held one is answered when its hold ends, after the client gave up).
    """

    def new() -> list[Any]:
        return [doc for doc in fake.documents if doc.token not in before]

    if outcome.error is None:
        assert [doc.token for doc in new()] == [outcome.value.token]
        return
    await _settle(fake, EMISSION_PATH, posts)
    lost = openfactura.OutcomeUnknownError.find(outcome.error)
    if held:  # it reached the sandbox: the docs promise the key (find() on your own timeout)
        assert lost is not None, f"no OutcomeUnknownError behind {outcome.error!r}"
    if lost is None:
        assert new() == [], "an emission that says nothing was sent stored a document"
        return
    stored_first = [doc.token for doc in new()]
    if held:  # it had the whole request: like the real API, it did the work for nobody
        assert stored_first, "the sandbox dropped an emission it had received"
    again = await client.documents.emit(FACTURA, idempotency_key=lost.idempotency_key)
    assert [doc.token for doc in new()] == [again.token], "not exactly one document"
    assert again.replayed == bool(stored_first)
    scenario.check(again, fake, ctx)


# -- the tests --------------------------------------------------------------------------------


async def test_every_public_method_has_a_scenario() -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        async with _fast_client(fake, LONG) as client:
            found = public_methods(client)
    assert found - set(SCENARIOS) == set(), "public methods without a fault-matrix scenario"
    assert set(SCENARIOS) - found == set(), "scenarios for methods that no longer exist"


def test_every_fault_kind_is_in_the_matrix() -> None:
    assert {column.kind for column in COLUMNS} == set(FAULT_KINDS)


@pytest.mark.parametrize("column", COLUMNS, ids=lambda c: c.name)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_fault_matrix(name: str, column: Column, no_leaks: Any) -> None:
    await run_case(SCENARIOS[name], column)
