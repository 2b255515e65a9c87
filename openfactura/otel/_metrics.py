"""The instruments of :mod:`openfactura.otel`, one set per meter, and the budget gauge.

Usage (what an instrumentation does)::

    instruments = instruments_for(meter_provider)
    instruments.requests.add(1, attributes)
    instruments.watch_budget(budget_source)   # the gauge reads it at each collection
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation

from .._version import __version__

__all__ = ["BudgetSource", "Instruments", "instruments_for"]

WINDOW = "openfactura.limiter.window"
KEY = "openfactura.key"


class BudgetSource:
    """What the gauge reads for one instrumented client: its limiter, scope and key hint."""

    __slots__ = ("__weakref__", "key_hint", "limiter", "scope")

    def __init__(self, limiter: object, scope: str, key_hint: str) -> None:
        self.limiter = limiter
        self.scope = scope
        self.key_hint = key_hint


class Instruments:
    """The counters, histograms and gauge of one meter (shared by its instrumentations)."""

    def __init__(self, meter: metrics.Meter) -> None:
        self.requests = meter.create_counter(
            "openfactura.client.requests",
            unit="{request}",
            description="HTTP attempts to the Openfactura API, by endpoint and status.",
        )
        self.rate_limited = meter.create_counter(
            "openfactura.client.rate_limited",
            unit="{response}",
            description="429 answers (the key was paused).",
        )
        self.limiter_wait = meter.create_histogram(
            "openfactura.client.limiter.wait",
            unit="s",
            description="Seconds each attempt waited for the rate limiter and 429 pauses.",
        )
        self.duration = meter.create_histogram(
            "openfactura.client.request.duration",
            unit="s",
            description="Seconds of each HTTP attempt, from sending to the answer read.",
        )
        self._sources: weakref.WeakSet[BudgetSource] = weakref.WeakSet()
        self._lock = threading.Lock()
        meter.create_observable_gauge(
            "openfactura.client.budget.in_use",
            callbacks=[self._observe_budget],
            unit="{request}",
            description="Requests each rate-limit window of a key counts now.",
        )

    def watch_budget(self, source: BudgetSource) -> None:
        with self._lock:
            self._sources.add(source)

    def unwatch_budget(self, source: BudgetSource) -> None:
        with self._lock:
            self._sources.discard(source)

    def _observe_budget(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            sources = list(self._sources)
        seen: set[tuple[int, str]] = set()
        observations = []
        for source in sources:
            if (id(source.limiter), source.scope) in seen:
                continue  # two clients of one key and limiter share one budget
            seen.add((id(source.limiter), source.scope))
            now: Callable[[str], Any] | None = getattr(source.limiter, "budget_now", None)
            budget = now(source.scope) if now is not None else None
            if budget is None:
                continue
            observations += [
                Observation(window.in_window, {WINDOW: window.label, KEY: source.key_hint})
                for window in budget.windows
            ]
        return observations


_by_provider: dict[int, tuple[object, Instruments]] = {}
_lock = threading.Lock()


def instruments_for(provider: MeterProvider | None) -> Instruments:
    """The instruments of ``provider``'s meter (the global provider when ``None``)."""
    with _lock:
        found = _by_provider.get(id(provider))
        if found is None:
            meter = metrics.get_meter("openfactura", __version__, meter_provider=provider)
            found = _by_provider[id(provider)] = (provider, Instruments(meter))
        return found[1]
