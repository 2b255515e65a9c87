"""What a client tells its observers about each request: typed, frozen event objects.

Subscribe with ``on_event=`` (the same argument on both clients); the transport emits, for
every attempt of every request, in this order::

    LimiterWaited?  -> RequestStarted -> ResponseReceived | RequestFailed
                    -> RateLimitPaused? -> RetryScheduled?       (then the next attempt)
    OutcomeUnknown  (once, when an emission ends without a verdict)

Usage::

    def watch(event: openfactura.Event) -> None:
        if isinstance(event, openfactura.ResponseReceived):
            print(event.operation, event.status, f"{event.duration:.3f}s")

    client = openfactura.AsyncOpenfactura(on_event=watch)

Every event carries ``operation`` (the SDK call, ``"documents.emit"``; ``"request"`` for
:meth:`~openfactura.AsyncOpenfactura.request`), ``method``, ``path`` and ``attempt``
(1 for the first try of a request, 2 for its first retry...).

``path`` is the endpoint's **template**, never the filled path:
``/v2/dte/document/{rut}/{dte_type}/{folio}/status``, ``/v2/dte/taxpayer/{rut}``. A RUT in
a path may be a person's (personal data under Chile's law 19.628), and telemetry is kept
and shipped far more widely than the data itself. What a trace needs to find the document
comes in separate fields (``token``, ``tipo_dte``, ``folio``); the RUT never does. The API
key is in no event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import attrs

__all__ = [
    "Event",
    "EventHook",
    "LimiterWaited",
    "OutcomeUnknown",
    "RateLimitPaused",
    "RequestFailed",
    "RequestStarted",
    "ResponseReceived",
    "RetryScheduled",
]


@attrs.frozen(kw_only=True)
class _EventBase:
    operation: str
    """The SDK call that made the request: ``"documents.emit"``, ``"organization.get"``;
    ``"request"`` for the raw :meth:`~openfactura.AsyncOpenfactura.request`."""
    method: str
    """HTTP method, upper case."""
    path: str
    """The endpoint's path template (``/v2/dte/document/{token}/pdf``), never the filled path."""
    attempt: int
    """1 for the first try of this request, 2 for its first retry, and so on."""

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (what log records carry as ``extra``)."""
        return attrs.asdict(self, recurse=False)


@attrs.frozen(kw_only=True)
class LimiterWaited(_EventBase):
    """The request was let through by the client's rate limiter (or the key's 429 pause).

    Emitted before :class:`RequestStarted`, for every attempt of a client that has a
    limiter, and for any attempt that waited out a 429 pause. ``seconds`` may be ~0.
    """

    seconds: float
    """Seconds spent waiting for the limiter and the key's 429 pause."""
    window: str | None
    """What held the request: a window such as ``"3/1s"`` or ``"100/60s"``, ``"pause"`` (the
    key's 429 pause), or ``None`` (nothing held it, or a limiter that does not say)."""


@attrs.frozen(kw_only=True)
class RequestStarted(_EventBase):
    """An attempt is being sent (the limiter let it through)."""

    idempotency_key: str | None
    """The emission's ``Idempotency-Key`` (the same on every attempt), else ``None``."""
    tipo_dte: int | None = None
    """The document type, when the request names one (an emission, a read by type+folio)."""
    folio: int | None = None
    """The folio, when the request names one."""
    token: str | None = None
    """The document's token, when the request names one (reads by token)."""


@attrs.frozen(kw_only=True)
class ResponseReceived(_EventBase):
    """The API (or something between) answered this attempt with an HTTP status."""

    status: int
    duration: float
    """Seconds from sending to the whole answer read (limiter waits not included)."""
    request_id: str | None = None
    """The gateway's request id, when the answer carries one (``x-request-id``,
    ``apim-request-id``, ``x-ms-request-id``, ``request-id`` or ``x-correlation-id``)."""
    code: str | None = None
    """The API's error code of a refusal (``"OF-10"``), else ``None``."""
    token: str | None = None
    """The token an emission's answer gives (also a replay's ``OF-06``)."""
    folio: int | None = None
    """The folio an emission's answer gives."""


@attrs.frozen(kw_only=True)
class RequestFailed(_EventBase):
    """The attempt got no HTTP answer: a connection error or a timeout."""

    error: str
    """The error's class name (``"APIConnectionError"``, ``"APITimeoutError"``)."""
    detail: str
    """The first line of the error's message."""
    duration: float
    """Seconds from sending until it failed."""
    sent: bool
    """Whether the request may have reached the API (``False``: it certainly did not)."""


RetryReason = Literal["rate_limited", "server_error", "connection_error", "timeout"]


@attrs.frozen(kw_only=True)
class RetryScheduled(_EventBase):
    """The attempt ``attempt`` failed and the request is tried again after ``delay``."""

    reason: RetryReason
    """``"rate_limited"`` (429), ``"server_error"`` (502/503/504), ``"connection_error"``
    or ``"timeout"``."""
    delay: float
    """Seconds before the next attempt (a backoff, or the 429 pause)."""


@attrs.frozen(kw_only=True)
class RateLimitPaused(_EventBase):
    """A 429: the key is paused (every request of it, in this process and through the
    limiter in others) before anything is retried."""

    hint: float | None
    """Seconds the server asked for, ``None`` when it gave no usable hint."""
    source: Literal["header", "body", "default"]
    """Where the hint came from: the ``Retry-After`` header, the body (``retry_after`` or
    "Try again in X seconds"), or none (``"default"``: 1 s)."""
    pause: float
    """Seconds the key is paused from now."""


@attrs.frozen(kw_only=True)
class OutcomeUnknown(_EventBase):
    """An emission ended without a verdict: the document may or may not exist. Emit it
    again with this ``idempotency_key`` (see :class:`~openfactura.OutcomeUnknownError`)."""

    idempotency_key: str
    reason: str
    """The first line of the error's message."""


Event: TypeAlias = (
    LimiterWaited
    | RequestStarted
    | ResponseReceived
    | RequestFailed
    | RetryScheduled
    | RateLimitPaused
    | OutcomeUnknown
)
"""Any of the events a client emits (``isinstance`` them, or ``match`` on their class)."""

EventHook: TypeAlias = Callable[[Event], object]
"""What ``on_event=`` takes: a callable of one :data:`Event` (its return value is ignored)."""
