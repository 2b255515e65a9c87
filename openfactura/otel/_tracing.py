"""Spans and metric points from a client's events (the :class:`~openfactura._observe.Tracer`).

One span per SDK call (made current while the call runs), one CLIENT span per HTTP attempt
(current while it is in flight, so an aiohttp instrumentation's span nests under it), span
events for limiter waits, 429 pauses, retries and unknown outcomes. The names and
attributes are listed in :mod:`openfactura.otel`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._events import (
    Event,
    LimiterWaited,
    OutcomeUnknown,
    RateLimitPaused,
    RequestFailed,
    RequestStarted,
    ResponseReceived,
    RetryScheduled,
)
from .._exceptions import APIError, OutcomeUnknownError
from .._observe import Call, RequestWatch
from ._metrics import BudgetSource, Instruments

__all__ = ["SpanTracer", "error_type"]

_NOTABLE_WAIT = 0.001
"""A limiter wait this long (seconds) or longer gets a span event even if nothing says why."""


def error_type(error: BaseException) -> str:
    """``error.type`` of an exception: its public, fully qualified class name."""
    cls = type(error)
    module = cls.__module__
    if module.startswith("openfactura."):
        import openfactura

        if getattr(openfactura, cls.__name__, None) is cls:
            return f"openfactura.{cls.__name__}"
    if module == "builtins":
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


class _CallSpan:
    __slots__ = ("attempts", "span", "token")

    def __init__(self, span: trace.Span, token: object) -> None:
        self.span = span
        self.token = token
        self.attempts: list[trace.Span] = []  # attempt spans still open


class SpanTracer:
    """Turns one client's events into spans and metric points."""

    def __init__(
        self, tracer: trace.Tracer, instruments: Instruments, base_url: str, budget: BudgetSource
    ) -> None:
        self._tracer = tracer
        self._instruments = instruments
        self.budget = budget  # the gauge holds it weakly: it lives as long as this tracer
        parts = urlsplit(base_url)
        self._base = base_url.rstrip("/")
        self._server: dict[str, Any] = {"server.address": parts.hostname or ""}
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._server["server.port"] = port
        self._scheme = parts.scheme

    # -- calls ------------------------------------------------------------------------------

    def call_started(self, call: Call) -> None:
        parent = call.parent.data.get(self) if call.parent is not None else None
        ctx = trace.set_span_in_context(parent.span) if isinstance(parent, _CallSpan) else None
        span = self._tracer.start_span(
            f"openfactura {call.name}",
            context=ctx,
            kind=SpanKind.INTERNAL,
            attributes={"openfactura.operation": call.name, **self._server},
        )
        token = context.attach(trace.set_span_in_context(span))
        call.data[self] = _CallSpan(span, token)

    def call_ended(self, call: Call, error: BaseException | None) -> None:
        state = call.data.pop(self, None)
        if not isinstance(state, _CallSpan):
            return
        span = state.span
        for attempt in state.attempts:  # cut short (cancelled, timed out): end, unknown status
            attempt.end()
        attributes: dict[str, Any] = {
            "openfactura.attempts": call.attempts,
            "openfactura.limiter.wait_s": round(call.limiter_wait, 6),
        }
        for name, value in (
            ("openfactura.tipo_dte", call.tipo_dte),
            ("openfactura.folio", call.folio),
            ("openfactura.token", call.token),
            ("openfactura.idempotency_key", call.idempotency_key),
        ):
            if value is not None:
                attributes[name] = value
        span.set_attributes(attributes)
        if error is not None:
            _record_error(span, error)
        span.end()
        context.detach(state.token)  # type: ignore[arg-type]

    # -- events -----------------------------------------------------------------------------

    def on_event(self, event: Event, call: Call, request: RequestWatch) -> None:
        state = call.data.get(self)
        if not isinstance(state, _CallSpan):
            return
        if isinstance(event, RequestStarted):
            self._attempt_started(event, state, request)
        elif isinstance(event, ResponseReceived):
            self._attempt_answered(event, state, request)
        elif isinstance(event, RequestFailed):
            self._attempt_failed(event, state, request)
        elif isinstance(event, LimiterWaited):
            self._instruments.limiter_wait.record(
                event.seconds,
                {
                    "openfactura.operation": event.operation,
                    "openfactura.limiter.window": event.window or "none",
                },
            )
            if event.window is not None or event.seconds >= _NOTABLE_WAIT:
                attrs: dict[str, Any] = {
                    "openfactura.attempt": event.attempt,
                    "openfactura.limiter.wait_s": event.seconds,
                }
                if event.window is not None:
                    attrs["openfactura.limiter.window"] = event.window
                state.span.add_event("openfactura.limiter.wait", attrs)
        elif isinstance(event, RateLimitPaused):
            self._instruments.rate_limited.add(
                1,
                {
                    "openfactura.operation": event.operation,
                    "http.request.method": event.method,
                    "url.template": event.path,
                    "openfactura.rate_limit.source": event.source,
                },
            )
            attrs = {
                "openfactura.attempt": event.attempt,
                "openfactura.rate_limit.source": event.source,
                "openfactura.rate_limit.pause_s": event.pause,
            }
            if event.hint is not None:
                attrs["openfactura.rate_limit.hint_s"] = event.hint
            state.span.add_event("openfactura.rate_limit.pause", attrs)
        elif isinstance(event, RetryScheduled):
            state.span.add_event(
                "openfactura.retry",
                {
                    "openfactura.attempt": event.attempt,
                    "openfactura.retry.reason": event.reason,
                    "openfactura.retry.delay_s": event.delay,
                },
            )
        elif isinstance(event, OutcomeUnknown):
            state.span.add_event(
                "openfactura.outcome_unknown",
                {
                    "openfactura.attempt": event.attempt,
                    "openfactura.idempotency_key": event.idempotency_key,
                },
            )

    def _attempt_started(
        self, event: RequestStarted, state: _CallSpan, request: RequestWatch
    ) -> None:
        self._end_attempt(state, request)  # a requeued attempt (never sent) ends here
        attributes: dict[str, Any] = {
            "http.request.method": event.method,
            **self._server,
            "url.scheme": self._scheme,
            "url.template": event.path,
            "url.full": self._base + event.path,
            "openfactura.attempt": event.attempt,
        }
        if event.attempt > 1:
            attributes["http.request.resend_count"] = event.attempt - 1
        span = self._tracer.start_span(
            f"{event.method} {event.path}",
            context=trace.set_span_in_context(state.span),
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )
        token = context.attach(trace.set_span_in_context(span))
        request.data[self] = (span, token)
        state.attempts.append(span)

    def _attempt_answered(
        self, event: ResponseReceived, state: _CallSpan, request: RequestWatch
    ) -> None:
        metric: dict[str, Any] = {
            "openfactura.operation": event.operation,
            "http.request.method": event.method,
            "url.template": event.path,
            "http.response.status_code": event.status,
        }
        self._instruments.requests.add(1, metric)
        self._instruments.duration.record(event.duration, metric)
        span = self._end_attempt(state, request, end=False)
        if span is None:
            return
        span.set_attribute("http.response.status_code", event.status)
        if event.code is not None:
            span.set_attribute("openfactura.error.code", event.code)
        if event.request_id is not None:
            span.set_attribute("openfactura.request_id", event.request_id)
        if event.status >= 400:
            span.set_attribute("error.type", str(event.status))
            span.set_status(Status(StatusCode.ERROR))
        span.end()

    def _attempt_failed(
        self, event: RequestFailed, state: _CallSpan, request: RequestWatch
    ) -> None:
        error = f"openfactura.{event.error}"
        metric = {
            "openfactura.operation": event.operation,
            "http.request.method": event.method,
            "url.template": event.path,
            "error.type": error,
        }
        self._instruments.requests.add(1, metric)
        self._instruments.duration.record(event.duration, metric)
        span = self._end_attempt(state, request, end=False)
        if span is None:
            return
        span.set_attribute("error.type", error)
        span.set_status(Status(StatusCode.ERROR, event.detail))
        span.end()

    def _end_attempt(
        self, state: _CallSpan, request: RequestWatch, *, end: bool = True
    ) -> trace.Span | None:
        """Take the request's open attempt span (ending it unless ``end=False``)."""
        held = request.data.pop(self, None)
        if held is None:
            return None
        span, token = held
        context.detach(token)
        if span in state.attempts:
            state.attempts.remove(span)
        if end:
            span.end()
        return span  # type: ignore[no-any-return]


def _record_error(span: trace.Span, error: BaseException) -> None:
    attributes: dict[str, Any] = {"error.type": error_type(error)}
    code = getattr(error, "code", None) if isinstance(error, APIError) else None
    if isinstance(error, OutcomeUnknownError):
        cause = error.__cause__
        if isinstance(cause, APIError) and cause.code:
            code = cause.code
    if code:
        attributes["openfactura.error.code"] = code
    span.set_attributes(attributes)
    span.record_exception(error)
    description = str(error).split("\n", 1)[0] or type(error).__name__
    span.set_status(Status(StatusCode.ERROR, description))
