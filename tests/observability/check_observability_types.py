"""Checked by mypy --strict (test_observability_typing.py); never executed."""

from __future__ import annotations

from typing_extensions import assert_type

import openfactura
from openfactura.otel import Instrumentation, instrument


def hook(event: openfactura.Event) -> None:
    assert_type(event.operation, str)
    if isinstance(event, openfactura.ResponseReceived):
        assert_type(event.status, int)
        assert_type(event.request_id, str | None)
    elif isinstance(event, openfactura.LimiterWaited):
        assert_type(event.window, str | None)


async def async_side() -> None:
    client = openfactura.AsyncOpenfactura(on_event=hook)
    several = openfactura.AsyncOpenfactura(on_event=[hook, print])
    budget = await client.rate_budget()
    assert_type(budget, openfactura.RateBudget)
    assert_type(budget.windows[0], openfactura.WindowBudget)
    assert_type(instrument(several), Instrumentation)


def sync_side() -> None:
    client = openfactura.Openfactura(on_event=hook)
    assert_type(client.rate_budget(), openfactura.RateBudget)
    assert_type(instrument(client), Instrumentation)
