"""The fault matrix through the blocking client: a sample of methods × the same faults.

The blocking client runs the async client's coroutines on its own loop thread, so the async
matrix covers the logic; this sample checks that what crosses the thread boundary is the
same (the same typed errors, results, deadline and exactly one document), against a
sandbox on its own thread. Cancellation and the caller's own ``asyncio.timeout`` have no
blocking counterpart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fault_matrix import (
    COLUMNS,
    EMISSION_HOLD,
    EMISSION_PATH,
    LONG,
    SHORT,
    SLACK,
    Column,
    Outcome,
    check_odd_answer,
    expected,
)
from fault_scenarios import FACTURA, SCENARIOS, Ctx, Scenario

import openfactura
from openfactura._retry import RetryPolicy
from openfactura.testing import FakeOpenfactura

SAMPLE = sorted(name for name, scenario in SCENARIOS.items() if scenario.blocking is not None)
BLOCKING_COLUMNS = [column for column in COLUMNS if column.mode in ("plain", "deadline")]


def test_the_sample_has_an_emission_a_read_a_list_and_a_write() -> None:
    assert {SCENARIOS[name].effect for name in SAMPLE} == {"emission", "read", "write"}
    assert "documents.issued" in SAMPLE  # a plain iterator over pages


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenfactura]:
    with FakeOpenfactura(rate_limits=None) as sandbox:  # on its own thread
        yield sandbox


def _client(fake: FakeOpenfactura, timeout: float) -> openfactura.Openfactura:
    client = openfactura.Openfactura(
        fake.api_key, base_url=fake.base_url, timeout=timeout, rate_limits=None
    )
    client._async._transport.retry = RetryPolicy(max_retries=3, jitter=lambda: 0.0)
    return client


def _posts(fake: FakeOpenfactura) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == EMISSION_PATH)


def _settle(fake: FakeOpenfactura, count: int) -> None:
    """Until the sandbox's thread has answered ``count`` emissions (a held one included)."""
    ends = time.monotonic() + EMISSION_HOLD + 10
    while _posts(fake) < count:
        assert time.monotonic() < ends, "the sandbox never finished"
        time.sleep(0.01)  # waiting for the sandbox's thread, not simulating time


@pytest.mark.parametrize("column", BLOCKING_COLUMNS, ids=lambda c: c.name)
@pytest.mark.parametrize("name", SAMPLE)
def test_blocking_fault_matrix(
    name: str, column: Column, fake: FakeOpenfactura, no_leaks: list[logging.LogRecord]
) -> None:
    scenario = SCENARIOS[name]
    assert scenario.blocking is not None
    fake.reset()
    timeout = SHORT if column.mode == "deadline" else LONG
    with _client(fake, LONG) as setup:
        ctx = setup._runner.run(scenario.setup(fake, setup._async)) if scenario.setup else Ctx()
    before = {doc.token for doc in fake.documents}
    path = scenario.path(ctx)
    arrivals = sum(1 for r in fake.requests if r.path.startswith(path))
    posts = _posts(fake)
    with _client(fake, timeout) as client:
        column.plan(fake, path, scenario.effect)
        started = time.monotonic()  # the clock of the client's event loop
        try:
            outcome = Outcome(value=scenario.blocking(client, ctx))
        except Exception as exc:
            outcome = Outcome(error=exc)
        took = time.monotonic() - started
        held = column.kind == "delay"
        if held:
            assert fake.pending_faults == 0, "the request never reached the sandbox"
        assert took <= timeout + SLACK, f"ended {took:.2f}s after the start ({timeout}s)"
        allowed = expected(scenario, column)
        if outcome.label not in allowed:
            pytest.fail(
                f"{name} under {column.name}: {outcome.label} ({outcome.error!r}), "
                f"expected {' or '.join(sorted(allowed))}"
            )
        if outcome.error is None:
            if not check_odd_answer(scenario, column, outcome.value):
                scenario.check(outcome.value, fake, ctx)
        else:
            assert isinstance(outcome.error, openfactura.OpenfacturaError)
        if scenario.effect == "emission":
            answered = posts + 1 if held else _posts(fake)  # a held one: when its hold ends
            _exactly_one(fake, client, scenario, outcome, before, answered, ctx)
        elif scenario.effect == "write":
            sent = sum(1 for r in fake.requests if r.path.startswith(path)) - arrivals
            assert sent + held == 1, f"a write reached the API {sent + held} times"
    fake.clear_faults()  # a hung read's hold ends with the module's sandbox


def _exactly_one(
    fake: FakeOpenfactura,
    client: openfactura.Openfactura,
    scenario: Scenario,
    outcome: Outcome,
    before: set[str],
    posts: int,
    ctx: Ctx,
) -> None:
    def new() -> list[Any]:
        return [doc for doc in fake.documents if doc.token not in before]

    if outcome.error is None:
        assert [doc.token for doc in new()] == [outcome.value.token]
        return
    _settle(fake, posts)
    lost = openfactura.OutcomeUnknownError.find(outcome.error)
    assert lost is not None, repr(outcome.error)
    again = client.documents.emit(FACTURA, idempotency_key=lost.idempotency_key)
    assert [doc.token for doc in new()] == [again.token], "not exactly one document"
    scenario.check(again, fake, ctx)
