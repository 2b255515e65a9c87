"""``instrument(client)``: attach OpenTelemetry tracing and metrics to one client.

Usage::

    instrumentation = instrument(client, tracer_provider=provider)
    ...
    instrumentation.uninstrument()
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from .._observe import Observer
from .._paths import match
from .._version import __version__
from ._metrics import BudgetSource, instruments_for
from ._tracing import SpanTracer

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura, Openfactura

__all__ = ["Instrumentation", "instrument", "scrub_url"]

_lock = threading.Lock()


class Instrumentation:
    """One client's OpenTelemetry instrumentation (what :func:`instrument` returns)."""

    __slots__ = ("_budget", "_created_observer", "_instruments", "_tracer", "_transport")

    def __init__(
        self,
        transport: Any,
        tracer: SpanTracer,
        instruments: Any,
        budget: BudgetSource,
        created_observer: bool,
    ) -> None:
        self._transport = transport
        self._tracer = tracer
        self._instruments = instruments
        self._budget = budget
        self._created_observer = created_observer

    @property
    def active(self) -> bool:
        """True until :meth:`uninstrument`."""
        observer = self._transport.observer
        return observer is not None and self._tracer in observer.tracers

    def uninstrument(self) -> None:
        """Stop tracing and measuring the client (idempotent). Calls already running finish
        their spans."""
        with _lock:
            observer: Observer | None = self._transport.observer
            if observer is None or self._tracer not in observer.tracers:
                return
            observer.tracers.remove(self._tracer)
            self._instruments.unwatch_budget(self._budget)
            if self._created_observer and observer.idle:
                self._transport.observer = None

    def __repr__(self) -> str:
        state = "active" if self.active else "stopped"
        return f"<openfactura.otel.Instrumentation {self._transport.base_url} {state}>"


def instrument(
    client: AsyncOpenfactura | Openfactura,
    *,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
) -> Instrumentation:
    """Trace and measure every call of ``client`` (async or blocking) with OpenTelemetry.

    ``tracer_provider`` and ``meter_provider`` default to the global ones
    (``opentelemetry.trace.set_tracer_provider``...). The spans, span events, attributes
    and metrics are listed in :mod:`openfactura.otel`. Instrumenting a client twice
    raises ``RuntimeError``: call ``uninstrument()`` first.

    >>> instrumentation = instrument(client)  # doctest: +SKIP
    >>> instrumentation.uninstrument()  # doctest: +SKIP
    """
    from .._client import Openfactura

    inner = client._async if isinstance(client, Openfactura) else client
    transport = inner._transport
    tracer = trace.get_tracer("openfactura", __version__, tracer_provider=tracer_provider)
    instruments = instruments_for(meter_provider)
    with _lock:
        observer: Observer | None = transport.observer
        if observer is not None and any(isinstance(t, SpanTracer) for t in observer.tracers):
            raise RuntimeError(
                "This client is instrumented already; call uninstrument() on the first "
                "Instrumentation before instrumenting it again."
            )
        created = observer is None
        if observer is None:
            observer = transport.observer = Observer()
        budget = BudgetSource(inner.limiter, transport._scope, inner._key_hint)
        span_tracer = SpanTracer(tracer, instruments, transport.base_url, budget)
        instruments.watch_budget(budget)
        observer.tracers.append(span_tracer)
    return Instrumentation(transport, span_tracer, instruments, budget, created)


def scrub_url(url: Any) -> str:
    """``url`` with its path as the endpoint's template (no RUT), without a query.

    For other instrumentations that record URLs, e.g.
    ``AioHttpClientInstrumentor().instrument(url_filter=scrub_url)``:
    ``https://api.haulmer.com/v2/dte/taxpayer/76430498-5`` becomes
    ``https://api.haulmer.com/v2/dte/taxpayer/{rut}``.
    """
    parts = urlsplit(str(url))
    origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    path = parts.path or "/"
    # The method is not known here: a template that matches a GET or a POST endpoint.
    route = match("GET", path)
    if route.operation == "request":
        route = match("POST", path)
    return origin + route.template
