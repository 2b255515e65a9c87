"""OpenTelemetry: the span tree, attributes, span events and metrics, exactly as
``openfactura.otel``'s docstring (and docs/guides/observability.md) documents them.

Spans go to an in-memory exporter, metrics to an in-memory reader; the scenarios are the
hand-worked ones of test_observability_events.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from examples import FACTURA
from observability_helpers import KEY, Clocked, key_pieces
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

import openfactura
from openfactura import RateLimit
from openfactura.otel import instrument, scrub_url

EMIT = "/v2/dte/document"
ORDER_KEY = "order-1001"


class Telemetry:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def instrument(self, client: Any) -> Any:
        return instrument(
            client, tracer_provider=self.tracer_provider, meter_provider=self.meter_provider
        )

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def metrics(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        """name -> [(attributes, value)]: a sum's value, a histogram's (count, sum)."""
        found: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    points = found.setdefault(metric.name, [])
                    for point in metric.data.data_points:
                        value = (point.count, point.sum) if hasattr(point, "count") else point.value
                        points.append((dict(point.attributes), value))
        return found

    def everything(self) -> str:
        """Every span and metric point as JSON text (names, attributes, events, status)."""
        data = self.reader.get_metrics_data()
        return "\n".join([s.to_json() for s in self.spans] + [data.to_json() if data else ""])


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    found = Telemetry()
    yield found
    found.tracer_provider.shutdown()
    found.meter_provider.shutdown()


def events_of(span: ReadableSpan) -> list[tuple[str, dict[str, Any]]]:
    return [(event.name, dict(event.attributes or {})) for event in span.events]


def attempt_attributes(base_url: str, attempt: int, status: int) -> dict[str, Any]:
    port = int(base_url.rsplit(":", 1)[1])
    found: dict[str, Any] = {
        "http.request.method": "POST",
        "server.address": "127.0.0.1",
        "server.port": port,
        "url.scheme": "http",
        "url.template": EMIT,
        "url.full": base_url + EMIT,
        "openfactura.attempt": attempt,
    }
    if attempt > 1:
        found["http.request.resend_count"] = attempt - 1
    found["http.response.status_code"] = status
    if status >= 400:
        found["error.type"] = str(status)
    return found


async def test_the_span_tree_of_an_emission_with_a_429_pause_and_a_retry(
    clocked: Clocked, telemetry: Telemetry
) -> None:
    await clocked.fill_window(2)  # the key's window is spent: the emission gets a 429
    clocked.fake.fail_next(status=503, path=EMIT)  # ...then a 503, then it goes through
    client = clocked.client()
    telemetry.instrument(client)

    await client.documents.emit(FACTURA["dte"], idempotency_key=ORDER_KEY)

    (stored,) = clocked.fake.documents
    base_url = clocked.fake.base_url
    *attempts, call = telemetry.spans
    assert call.name == "openfactura documents.emit"
    assert call.kind is SpanKind.INTERNAL and call.parent is None
    assert call.status.status_code is StatusCode.UNSET
    assert dict(call.attributes or {}) == {
        "openfactura.operation": "documents.emit",
        "server.address": "127.0.0.1",
        "server.port": int(base_url.rsplit(":", 1)[1]),
        "openfactura.attempts": 3,
        "openfactura.limiter.wait_s": 0.0,
        "openfactura.tipo_dte": 33,
        "openfactura.folio": stored.folio,
        "openfactura.token": stored.token,
        "openfactura.idempotency_key": ORDER_KEY,
    }
    assert events_of(call) == [
        (
            "openfactura.rate_limit.pause",
            {
                "openfactura.attempt": 1,
                "openfactura.rate_limit.source": "header",
                "openfactura.rate_limit.pause_s": 2.0,
                "openfactura.rate_limit.hint_s": 2.0,
            },
        ),
        (
            "openfactura.retry",
            {
                "openfactura.attempt": 1,
                "openfactura.retry.reason": "rate_limited",
                "openfactura.retry.delay_s": 2.0,
            },
        ),
        (
            "openfactura.retry",
            {
                "openfactura.attempt": 2,
                "openfactura.retry.reason": "server_error",
                "openfactura.retry.delay_s": 0.5,
            },
        ),
    ]
    assert [(s.name, s.kind, s.parent.span_id if s.parent else None) for s in attempts] == [
        ("POST /v2/dte/document", SpanKind.CLIENT, call.context.span_id)
    ] * 3
    assert [dict(s.attributes or {}) for s in attempts] == [
        attempt_attributes(base_url, 1, 429),
        attempt_attributes(base_url, 2, 503),
        attempt_attributes(base_url, 3, 200),
    ]
    assert [s.status.status_code for s in attempts] == [
        StatusCode.ERROR,
        StatusCode.ERROR,
        StatusCode.UNSET,
    ]
    assert [e for s in attempts for e in s.events] == []
    metrics = telemetry.metrics()
    labels = {
        "openfactura.operation": "documents.emit",
        "http.request.method": "POST",
        "url.template": EMIT,
    }
    assert metrics["openfactura.client.rate_limited"] == [
        ({**labels, "openfactura.rate_limit.source": "header"}, 1)
    ]
    assert sorted(
        (attrs["http.response.status_code"], value)
        for attrs, value in metrics["openfactura.client.requests"]
    ) == [(200, 1), (429, 1), (503, 1)]
    assert key_pieces(telemetry.everything()) == []


async def test_errors_are_recorded_with_the_typed_errors_class_and_code(
    clocked: Clocked, telemetry: Telemetry
) -> None:
    clocked.fake.rate_limits = ()
    client = clocked.client()
    telemetry.instrument(client)

    with pytest.raises(openfactura.NotFoundError):
        await client.documents.status(rut="76795561-8", dte_type=33, folio=999_999)

    assert trace.get_current_span() is trace.INVALID_SPAN  # the caller's context is restored
    attempt, call = telemetry.spans
    assert call.status.status_code is StatusCode.ERROR
    assert call.status.description and call.status.description.startswith("HTTP 400 OF-22")
    attributes = dict(call.attributes or {})
    assert attributes["error.type"] == "openfactura.NotFoundError"
    assert attributes["openfactura.error.code"] == "OF-22"
    assert (attributes["openfactura.tipo_dte"], attributes["openfactura.folio"]) == (33, 999_999)
    ((name, exception),) = events_of(call)
    assert name == "exception"
    assert exception["exception.type"].endswith("NotFoundError")
    assert dict(attempt.attributes or {})["openfactura.error.code"] == "OF-22"
    assert "76795561" not in telemetry.everything()  # the RUT is in no span
    assert key_pieces(telemetry.everything()) == []


async def test_an_unknown_outcome_is_a_span_event_with_the_key(
    clocked: Clocked, telemetry: Telemetry
) -> None:
    clocked.fake.rate_limits = ()
    clocked.fake.drop_after_store_next(path=EMIT)
    client = clocked.client(max_retries=0)
    telemetry.instrument(client)

    with pytest.raises(openfactura.OutcomeUnknownError):
        await client.documents.emit(FACTURA["dte"], idempotency_key=ORDER_KEY)

    attempt, call = telemetry.spans
    assert dict(attempt.attributes or {})["error.type"] == "openfactura.APIConnectionError"
    assert attempt.status.status_code is StatusCode.ERROR
    assert [name for name, _ in events_of(call)] == ["openfactura.outcome_unknown", "exception"]
    assert events_of(call)[0][1] == {
        "openfactura.attempt": 1,
        "openfactura.idempotency_key": ORDER_KEY,
    }
    assert dict(call.attributes or {})["error.type"] == "openfactura.OutcomeUnknownError"


async def test_limiter_waits_are_span_events_and_metrics_with_the_budget_gauge(
    clocked: Clocked, telemetry: Telemetry
) -> None:
    clocked.fake.rate_limits = ()
    limiter = clocked.limiter((RateLimit(1, 1.0), RateLimit(3, 10.0)))
    clocked.fake.fail_next(status=503, path="/v2/dte/organization")
    client = clocked.client(limiter=limiter)
    telemetry.instrument(client)

    await client.organization.get()  # 503 at 0; backoff 0.25; 1/1s holds it 0.75 more
    await client.organization.get()  # at 1: held 1 s by 1/1s, sent at 2

    first, second = (s for s in telemetry.spans if s.name.startswith("openfactura "))
    assert events_of(first) == [
        (
            "openfactura.retry",
            {
                "openfactura.attempt": 1,
                "openfactura.retry.reason": "server_error",
                "openfactura.retry.delay_s": 0.25,
            },
        ),
        (
            "openfactura.limiter.wait",
            {
                "openfactura.attempt": 2,
                "openfactura.limiter.wait_s": 0.75,
                "openfactura.limiter.window": "1/1s",
            },
        ),
    ]
    assert dict(first.attributes or {})["openfactura.limiter.wait_s"] == 0.75
    assert dict(second.attributes or {})["openfactura.limiter.wait_s"] == 1.0
    metrics = telemetry.metrics()
    waits = {
        a["openfactura.limiter.window"]: v for a, v in metrics["openfactura.client.limiter.wait"]
    }
    assert waits == {"none": (1, 0.0), "1/1s": (2, 1.75)}
    durations = sorted(
        (a["http.response.status_code"], v)
        for a, v in metrics["openfactura.client.request.duration"]
    )
    assert durations == [(200, (2, 0.0)), (503, (1, 0.0))]
    # now (at 2): 1/1s holds the request sent at 2; 3/10s those sent at 0, 1 and 2
    gauge = {
        a["openfactura.limiter.window"]: (v, a["openfactura.key"])
        for a, v in metrics["openfactura.client.budget.in_use"]
    }
    assert gauge == {"1/1s": (1, "****" + KEY[-4:]), "3/10s": (3, "****" + KEY[-4:])}


async def test_the_aiohttp_client_span_nests_under_the_attempt(
    clocked: Clocked, telemetry: Telemetry
) -> None:
    aiohttp_client = pytest.importorskip("opentelemetry.instrumentation.aiohttp_client")
    instrumentor = aiohttp_client.AioHttpClientInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider, url_filter=scrub_url)
    try:
        clocked.fake.rate_limits = ()
        client = clocked.client()  # its session is made after instrument(): it is traced
        telemetry.instrument(client)
        app_tracer = telemetry.tracer_provider.get_tracer("my-app")
        with app_tracer.start_as_current_span("POST /orders/{id}/invoice"):
            await client.taxpayers.get("76430498-5")
    finally:
        instrumentor.uninstrument()

    http, attempt, call, handler = telemetry.spans
    assert call.parent is not None and call.parent.span_id == handler.context.span_id
    assert attempt.parent is not None and attempt.parent.span_id == call.context.span_id
    assert http.parent is not None and http.parent.span_id == attempt.context.span_id
    assert http.kind is SpanKind.CLIENT and attempt.name == "GET /v2/dte/taxpayer/{rut}"
    assert len({s.context.trace_id for s in telemetry.spans}) == 1
    assert "76430498" not in telemetry.everything()  # scrub_url kept the RUT out of its URL


def test_the_blocking_client(clocked_thread: Clocked, telemetry: Telemetry) -> None:
    clocked_thread.fake.rate_limits = ()
    with openfactura.Openfactura(
        KEY, base_url=clocked_thread.fake.base_url, rate_limits=None
    ) as client:
        clocked_thread.tune(client)
        instrumentation = telemetry.instrument(client)
        clocked_thread.fake.fail_next(status=502, path="/v2/dte/organization")
        client.organization.get()
        instrumentation.uninstrument()
        client.organization.get()  # not traced any more
    first, second, call = telemetry.spans
    assert call.name == "openfactura organization.get"
    assert dict(call.attributes or {})["openfactura.attempts"] == 2
    assert [dict(s.attributes or {})["http.response.status_code"] for s in (first, second)] == [
        502,
        200,
    ]
    assert {s.parent.span_id for s in (first, second) if s.parent} == {call.context.span_id}
    assert key_pieces(telemetry.everything()) == []


async def test_nested_calls_are_child_spans_and_add_up(
    clocked: Clocked, telemetry: Telemetry
) -> None:
    clocked.fake.rate_limits = ()
    client = clocked.client()
    result = await client.documents.emit(FACTURA["dte"])
    client.documents._sleep = clocked.clock.sleep
    client.documents._clock = clocked.clock
    telemetry.instrument(client)

    await client.documents.wait(result.token, interval=1.0)  # Pendiente, then final

    calls = [s for s in telemetry.spans if s.name.startswith("openfactura ")]
    assert [s.name for s in calls] == [
        "openfactura documents.status",
        "openfactura documents.status",
        "openfactura documents.wait",
    ]
    wait = calls[-1]
    assert {s.parent.span_id for s in calls[:2] if s.parent} == {wait.context.span_id}
    assert dict(wait.attributes or {})["openfactura.attempts"] == 2
    assert dict(calls[0].attributes or {})["openfactura.token"] == result.token


async def test_instrumenting_twice_raises_and_uninstrument_stops(
    clocked: Clocked, telemetry: Telemetry
) -> None:
    clocked.fake.rate_limits = ()
    client = clocked.client()
    instrumentation = telemetry.instrument(client)
    with pytest.raises(RuntimeError, match="instrumented already"):
        telemetry.instrument(client)
    assert instrumentation.active
    instrumentation.uninstrument()
    instrumentation.uninstrument()  # idempotent
    assert not instrumentation.active
    assert client._transport.observer is None  # back to the zero-cost path
    await client.organization.get()
    assert telemetry.spans == []


async def test_a_tracer_that_breaks_never_breaks_the_request(
    clocked: Clocked, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openfactura.otel import _tracing

    clocked.fake.rate_limits = ()
    client = clocked.client()
    telemetry.instrument(client)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("exporter bug")

    monkeypatch.setattr(_tracing.SpanTracer, "on_event", broken)
    assert (await client.organization.get()).rut == "76795561-8"


def test_scrub_url() -> None:
    assert (
        scrub_url("https://api.haulmer.com/v2/dte/document/76795561-8/33/2514/pdf?x=1")
        == "https://api.haulmer.com/v2/dte/document/{rut}/{dte_type}/{folio}/pdf"
    )
    assert (
        scrub_url("http://127.0.0.1:8080/v2/dte/document")
        == "http://127.0.0.1:8080/v2/dte/document"
    )
