"""Who hears about requests: ``on_event=`` hooks, tracers (``openfactura.otel``), log records.

The transport is the one place that emits events (:mod:`openfactura._events`); this module
turns each into hook calls, tracer calls and a log record, and keeps the **call scopes**:
each public method of a resource (``client.documents.emit``) runs as one :class:`Call`, so
every event of its requests names it (``operation``), and a tracer can open one span per
call. Requests made outside a call (the raw ``client.request``, a pager's pages) get a call
of their own.

Nothing here runs unless someone listens: a client without ``on_event=`` and without
``openfactura.otel``, with the ``openfactura`` logger below INFO, skips all of it (one
attribute check and one ``isEnabledFor`` per request).

Usage (what the transport does)::

    observer = observing(transport.observer)           # None: nobody listens
    watch = RequestWatch(observer, clock, "POST", "/v2/dte/document", body, key, limited)
    watch.admitting(); ...; watch.sending(attempt=1)    # LimiterWaited, RequestStarted
    watch.answered(1, 200, headers, data=data)          # ResponseReceived
    watch.finish(None)

Logging: every event becomes one record on the ``openfactura`` logger, its fields as
``extra`` (plus ``openfactura_event``, the event's name in snake case): ``RequestStarted``,
``LimiterWaited`` and ``ResponseReceived`` at DEBUG; ``RequestFailed``, ``RetryScheduled``,
``RateLimitPaused`` and ``OutcomeUnknown`` at INFO. ``OPENFACTURA_LOG=debug|info`` turns
that on without code (:func:`log_from_env`).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

from ._events import (
    Event,
    EventHook,
    LimiterWaited,
    OutcomeUnknown,
    RateLimitPaused,
    RequestFailed,
    RequestStarted,
    ResponseReceived,
    RetryReason,
    RetryScheduled,
)
from ._exceptions import APIError, DuplicateDocumentError, OutcomeUnknownError
from ._paths import answer_fields, document_fields, match
from ._ratelimit import _holds

if TYPE_CHECKING:
    from types import FrameType

    from ._paths import Route

__all__ = [
    "LOG_ENV",
    "Call",
    "Observer",
    "RequestWatch",
    "Tracer",
    "current_call",
    "log_from_env",
    "observed",
    "observing",
]

T = TypeVar("T")

logger = logging.getLogger("openfactura")

LOG_ENV = "OPENFACTURA_LOG"
ENV_HANDLER = "openfactura.env"
"""The name of the handler ``OPENFACTURA_LOG`` attaches (find or remove it by this name)."""

_REQUEST_ID_HEADERS = (
    "x-request-id",
    "apim-request-id",
    "x-ms-request-id",
    "request-id",
    "x-correlation-id",
)


class Call:
    """One SDK call being observed: ``client.documents.emit(...)`` and its requests.

    ``attempts`` and ``limiter_wait`` add up the call's own requests and those of the calls
    it makes (``documents.wait`` polls ``documents.status``); ``tipo_dte``, ``folio``,
    ``token`` and ``idempotency_key`` are what its own requests named. ``data`` is for
    tracers (their span). ``last`` is the last request's ``(method, path, attempt)``.
    """

    __slots__ = (
        "attempts",
        "data",
        "folio",
        "idempotency_key",
        "last",
        "limiter_wait",
        "name",
        "observer",
        "parent",
        "tipo_dte",
        "token",
    )

    def __init__(self, name: str, parent: Call | None, observer: Observer) -> None:
        self.name = name
        self.parent = parent
        self.observer = observer
        self.attempts = 0
        self.limiter_wait = 0.0
        self.tipo_dte: int | None = None
        self.folio: int | None = None
        self.token: str | None = None
        self.idempotency_key: str | None = None
        self.last: tuple[str, str, int] | None = None
        self.data: dict[object, Any] = {}

    def _chain(self) -> Iterable[Call]:
        call: Call | None = self
        while call is not None:
            yield call
            call = call.parent

    def __repr__(self) -> str:
        return f"<Call {self.name} attempts={self.attempts}>"


_CALL: ContextVar[Call | None] = ContextVar("openfactura_call", default=None)


def current_call() -> Call | None:
    """The innermost SDK call running in this task (``None`` outside any)."""
    return _CALL.get()


class Tracer(Protocol):
    """What ``openfactura.otel`` plugs into an :class:`Observer` (one per instrumentation)."""

    def call_started(self, call: Call) -> None: ...

    def call_ended(self, call: Call, error: BaseException | None) -> None: ...

    def on_event(self, event: Event, call: Call, request: RequestWatch) -> None: ...


class Observer:
    """The listeners of one client: its ``on_event`` hooks and its tracers.

    A hook (or tracer) that raises is logged once, with its traceback, at WARNING, then
    ignored: it never breaks a request. It is still called for later events.
    """

    __slots__ = ("_failed", "hooks", "tracers")

    def __init__(self, hooks: Iterable[EventHook] = ()) -> None:
        self.hooks: tuple[EventHook, ...] = tuple(hooks)
        self.tracers: list[Tracer] = []
        self._failed: set[int] = set()

    def dispatch(self, event: Event, call: Call, request: RequestWatch) -> None:
        _log(event)
        for hook in self.hooks:
            try:
                hook(event)
            except Exception as exc:
                self._broken(hook, exc, f"the on_event hook {_name(hook)}")
        for tracer in self.tracers:
            try:
                tracer.on_event(event, call, request)
            except Exception as exc:
                self._broken(tracer, exc, f"the tracer {_name(tracer)}")

    def started(self, call: Call) -> None:
        for tracer in self.tracers:
            try:
                tracer.call_started(call)
            except Exception as exc:
                self._broken(tracer, exc, f"the tracer {_name(tracer)}")

    def ended(self, call: Call, error: BaseException | None) -> None:
        for tracer in self.tracers:
            try:
                tracer.call_ended(call, error)
            except Exception as exc:
                self._broken(tracer, exc, f"the tracer {_name(tracer)}")

    def _broken(self, listener: object, exc: Exception, what: str) -> None:
        if id(listener) in self._failed:
            return
        self._failed.add(id(listener))
        logger.warning(
            "%s raised %s; ignored (the request goes on; later errors of it are not logged)",
            what,
            type(exc).__name__,
            exc_info=exc,
        )

    @property
    def idle(self) -> bool:
        """True when it has neither hooks nor tracers (only logging listens)."""
        return not self.hooks and not self.tracers

    def __repr__(self) -> str:
        return f"<Observer hooks={len(self.hooks)} tracers={len(self.tracers)}>"


_LOG_ONLY = Observer()
"""The observer of clients without hooks or tracers, while the logger wants records."""


def _logger_on() -> bool:
    """Whether the ``openfactura`` logger takes INFO records (then events are logged)."""
    return logger.isEnabledFor(logging.INFO)


def observing(observer: Observer | None) -> Observer | None:
    """The observer to use now: the client's, the logging one, or ``None`` (nobody listens)."""
    if observer is not None:
        return observer
    return _LOG_ONLY if logger.isEnabledFor(logging.INFO) else None


# -- call scopes ------------------------------------------------------------------------------


def _open(observer: Observer, name: str) -> tuple[Call, Token[Call | None]]:
    parent = _CALL.get()
    if parent is not None and parent.observer is not observer:
        parent = None  # another client's call: this one starts its own tree
    call = Call(name, parent, observer)
    token = _CALL.set(call)
    observer.started(call)
    return call, token


def _close(call: Call, token: Token[Call | None] | None, error: BaseException | None) -> None:
    try:
        if error is not None:
            _report_unknown(call, None, error)
        call.observer.ended(call, error)
    finally:
        if token is not None:
            _CALL.reset(token)


def observed(name: str, method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """``method`` (an ``async def`` of a resource) run as the call ``name`` when observed.

    Unobserved, the wrapper returns ``method``'s own coroutine: no extra frame, no cost.
    """

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Awaitable[T]:
        observer = self._client._transport.observer
        if observer is None and not _logger_on():
            return method(self, *args, **kwargs)
        observer = observing(observer)
        if observer is None:
            return method(self, *args, **kwargs)
        # The method's coroutine is made inside the call: a call cancelled before it starts
        # leaves no coroutine that was never awaited.
        return _in_call(observer, name, functools.partial(method, self, *args, **kwargs))

    if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12+
        inspect.markcoroutinefunction(run)
    return run


async def _in_call(observer: Observer, name: str, start: Callable[[], Awaitable[T]]) -> T:
    call, token = _open(observer, name)
    try:
        result = await start()
    except BaseException as exc:
        _close(call, token, exc)
        raise
    _close(call, token, None)
    return result


def warning_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` in a resource method: its caller's frame, past
    the observed-call wrapper when there is one."""
    frame: FrameType | None = sys._getframe(2)  # 0: here, 1: the resource method, 2: its caller
    extra = 0
    while frame is not None and frame.f_code is _in_call.__code__:
        extra += 1
        frame = frame.f_back
    return 2 + extra


def _outcome_unknown(error: BaseException) -> OutcomeUnknownError | None:
    if isinstance(error, OutcomeUnknownError):
        return error
    if isinstance(error, asyncio.CancelledError):
        return OutcomeUnknownError.find(error)
    return None


def _report_unknown(call: Call, request: RequestWatch | None, error: BaseException) -> None:
    """Emit :class:`OutcomeUnknown` for ``error`` once (the transport or the call that saw
    it first does)."""
    unknown = _outcome_unknown(error)
    if unknown is None or getattr(unknown, "_openfactura_reported", False):
        return
    unknown._openfactura_reported = True  # type: ignore[attr-defined]
    method, path, attempt = call.last or ("", "", 0)
    event = OutcomeUnknown(
        operation=call.name,
        method=method,
        path=path,
        attempt=attempt,
        idempotency_key=unknown.idempotency_key,
        reason=_first_line(unknown.reason),
    )
    call.observer.dispatch(event, call, request or _NO_REQUEST)


# -- one request --------------------------------------------------------------------------


class RequestWatch:
    """The events of one ``Transport.request`` (every attempt), and its implicit call."""

    __slots__ = (
        "_admit_at",
        "_attempt",
        "_clock",
        "_holds",
        "_implicit",
        "_sent_at",
        "call",
        "data",
        "folio",
        "idempotency_key",
        "limited",
        "method",
        "observer",
        "route",
        "tipo_dte",
        "token",
    )

    def __init__(
        self,
        observer: Observer,
        clock: Callable[[], float],
        method: str,
        path: str,
        body: Any,
        idempotency_key: str | None,
        limited: bool,
        operation: str | None = None,
    ) -> None:
        self.observer = observer
        self._clock = clock
        self.method = method
        self.route: Route = match(method, path)
        self.idempotency_key = idempotency_key
        self.limited = limited
        self.tipo_dte, self.folio, self.token = document_fields(self.route, body)
        self.data: dict[object, Any] = {}
        self._holds: list[tuple[str, float]] = []
        self._admit_at = self._sent_at = clock()
        self._attempt = 0
        call = _CALL.get()
        self._implicit = call is None or call.observer is not observer
        if self._implicit:
            call = Call(operation or self.route.operation, None, observer)
            observer.started(call)
        assert call is not None
        self.call = call
        self._name_document(self.tipo_dte, self.folio, self.token)
        if idempotency_key is not None:
            call.idempotency_key = idempotency_key

    @property
    def path(self) -> str:
        """The path template."""
        return self.route.template

    def _name_document(self, tipo: int | None, folio: int | None, token: str | None) -> None:
        call = self.call
        if tipo is not None:
            call.tipo_dte = tipo
        if folio is not None:
            call.folio = folio
        if token is not None:
            call.token = token

    def _emit(self, event: Event) -> None:
        self.observer.dispatch(event, self.call, self)

    def _common(self, attempt: int) -> dict[str, Any]:
        return {
            "operation": self.call.name,
            "method": self.method,
            "path": self.route.template,
            "attempt": attempt,
        }

    def admitting(self) -> None:
        """The attempt waits for the key's 429 pause and the limiter now."""
        self._admit_at = self._clock()
        self._holds = []
        _holds.set(self._holds)

    def sending(self, attempt: int) -> None:
        """Admitted: the attempt is sent now (``LimiterWaited``, ``RequestStarted``)."""
        _holds.set(None)
        now = self._clock()
        holds = self._holds
        if self.limited or holds:
            waited = max(0.0, now - self._admit_at)
            window = max(holds, key=lambda hold: hold[1])[0] if holds else None
            for call in self.call._chain():
                call.limiter_wait += waited
            self._emit(LimiterWaited(**self._common(attempt), seconds=waited, window=window))
        self._attempt = attempt
        self.call.last = (self.method, self.route.template, attempt)
        for call in self.call._chain():
            call.attempts += 1
        self._sent_at = self._clock()
        self._emit(
            RequestStarted(
                **self._common(attempt),
                idempotency_key=self.idempotency_key,
                tipo_dte=self.tipo_dte,
                folio=self.folio,
                token=self.token,
            )
        )

    def answered(
        self,
        attempt: int,
        status: int,
        headers: Mapping[str, str],
        *,
        data: Any = None,
        error: APIError | None = None,
    ) -> None:
        """An HTTP answer (``ResponseReceived``)."""
        duration = max(0.0, self._clock() - self._sent_at)
        token, folio = answer_fields(self.route, data)
        if isinstance(error, DuplicateDocumentError) and self.route.operation == "documents.emit":
            token = error.token or None
        self._name_document(None, folio, token)
        self._emit(
            ResponseReceived(
                **self._common(attempt),
                status=status,
                duration=duration,
                request_id=_request_id(headers),
                code=None if error is None else error.code,
                token=token,
                folio=folio,
            )
        )

    def failed(self, attempt: int, error: BaseException, sent: bool) -> None:
        """No HTTP answer (``RequestFailed``)."""
        self._emit(
            RequestFailed(
                **self._common(attempt),
                error=type(error).__name__,
                detail=_first_line(str(error)),
                duration=max(0.0, self._clock() - self._sent_at),
                sent=sent,
            )
        )

    def retrying(self, attempt: int, reason: str, delay: float) -> None:
        """Attempt ``attempt`` failed; the next one comes after ``delay`` (``RetryScheduled``)."""
        why = cast(RetryReason, reason)
        self._emit(RetryScheduled(**self._common(attempt), reason=why, delay=delay))

    def paused(self, attempt: int, hint: float | None, source: str, pause: float) -> None:
        """A 429 paused the key (``RateLimitPaused``)."""
        where = cast(Literal["header", "body", "default"], source)
        self._emit(RateLimitPaused(**self._common(attempt), hint=hint, source=where, pause=pause))

    def finish(self, error: BaseException | None) -> None:
        """The request is over (``OutcomeUnknown`` if it ended without a verdict)."""
        _holds.set(None)
        if error is not None:
            if self.call.last is None:
                self.call.last = (self.method, self.route.template, self._attempt)
            _report_unknown(self.call, self, error)
        if self._implicit:
            self.observer.ended(self.call, error)

    def __repr__(self) -> str:
        return f"<RequestWatch {self.method} {self.route.template}>"


class _NoRequest:
    """Stands for the request of an event a call emits itself (an OutcomeUnknown)."""

    def __init__(self) -> None:
        self.data: dict[object, Any] = {}


_NO_REQUEST: Any = _NoRequest()


# -- logging ----------------------------------------------------------------------------------

_LEVELS: dict[type, int] = {
    LimiterWaited: logging.DEBUG,
    RequestStarted: logging.DEBUG,
    ResponseReceived: logging.DEBUG,
    RequestFailed: logging.INFO,
    RetryScheduled: logging.INFO,
    RateLimitPaused: logging.INFO,
    OutcomeUnknown: logging.INFO,
}
_NAMES: dict[type, str] = {
    LimiterWaited: "limiter_waited",
    RequestStarted: "request_started",
    ResponseReceived: "response_received",
    RequestFailed: "request_failed",
    RetryScheduled: "retry_scheduled",
    RateLimitPaused: "rate_limit_paused",
    OutcomeUnknown: "outcome_unknown",
}


def _message(event: Event) -> str:
    head = f"{event.method} {event.path}"
    if isinstance(event, LimiterWaited):
        held = f" (held by {event.window})" if event.window else ""
        return f"{head} waited {event.seconds:.3f}s for the rate limiter{held}"
    if isinstance(event, RequestStarted):
        return f"{head} attempt {event.attempt} sent ({event.operation})"
    if isinstance(event, ResponseReceived):
        code = f" {event.code}" if event.code else ""
        return f"{head} -> {event.status}{code} in {event.duration:.3f}s (attempt {event.attempt})"
    if isinstance(event, RequestFailed):
        return (
            f"{head} failed after {event.duration:.3f}s (attempt {event.attempt}): "
            f"{event.error}: {event.detail}"
        )
    if isinstance(event, RetryScheduled):
        return f"{head} retried in {event.delay:.3f}s ({event.reason}, attempt {event.attempt})"
    if isinstance(event, RateLimitPaused):
        hint = "no hint" if event.hint is None else f"hint {event.hint:g}s from the {event.source}"
        return f"{head} got HTTP 429: the key pauses {event.pause:.3f}s ({hint})"
    return (
        f"{head} outcome unknown (attempt {event.attempt}): {event.reason}; emit again with "
        f"idempotency_key={event.idempotency_key!r}"
    )


def _log(event: Event) -> None:
    level = _LEVELS[type(event)]
    if logger.isEnabledFor(level):
        extra = {"openfactura_event": _NAMES[type(event)], **event.as_dict()}
        logger.log(level, "%s", _message(event), extra=extra)


def log_from_env() -> None:
    """``OPENFACTURA_LOG=debug|info``: log the ``openfactura`` logger's records to stderr.

    Sets the logger's level. When logging is not configured yet (no handler on the root
    logger nor on ``openfactura``), it also attaches one stderr handler named
    ``openfactura.env`` to the ``openfactura`` logger and stops its records from
    propagating, so a root handler configured later does not print them twice. When
    logging is configured already, the records go to its handlers. Runs once, when the first
    client is created.
    """
    global _env_done
    if _env_done:
        return
    _env_done = True
    value = os.environ.get(LOG_ENV, "").strip().lower()
    if not value:
        return
    level = {"debug": logging.DEBUG, "info": logging.INFO}.get(value)
    if level is None:
        warnings.warn(
            f"{LOG_ENV}={value!r} is not 'debug' nor 'info'; ignored", RuntimeWarning, stacklevel=3
        )
        return
    logger.setLevel(level)
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.set_name(ENV_HANDLER)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


_env_done = False


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() in _REQUEST_ID_HEADERS and value:
            return value
    return None


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _name(listener: object) -> str:
    name = getattr(listener, "__qualname__", None) or type(listener).__qualname__
    return f"{name}()" if callable(listener) and not isinstance(listener, type) else name
