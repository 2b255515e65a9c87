"""OpenTelemetry traces and metrics for a client: ``pip install "openfactura[otel]"``.

Usage::

    from openfactura.otel import instrument

    client = openfactura.AsyncOpenfactura()
    instrument(client)              # the global tracer and meter providers, or pass yours:
    instrument(client, tracer_provider=provider, meter_provider=meters)

``instrument`` works on both clients and returns an :class:`Instrumentation` whose
``uninstrument()`` stops it. It is built on the client's events (the same
:data:`~openfactura.Event` objects ``on_event=`` gets), and nothing of OpenTelemetry is
imported until this module is (``import openfactura`` does not).

Traces
------
One span per SDK call, named after the method: ``openfactura documents.emit`` (kind
INTERNAL; a call made inside another, as ``documents.wait`` polling ``documents.status``, is
its child). Under it, one span per HTTP attempt, ``POST /v2/dte/document`` (kind CLIENT),
with the OpenTelemetry HTTP client attributes (``http.request.method``,
``http.response.status_code``, ``server.address``, ``server.port``, ``url.scheme``,
``url.template``, ``url.full`` with the path template in place of the filled path,
``http.request.resend_count`` from the second attempt, ``error.type`` for a status >= 400
or a failed attempt) and ``openfactura.attempt``, ``openfactura.error.code``,
``openfactura.request_id``.

The call span carries ``openfactura.operation``, ``server.address``, ``server.port``,
``openfactura.attempts`` (HTTP attempts, its inner calls' included),
``openfactura.limiter.wait_s`` (seconds waiting for the rate limiter and 429 pauses, idem)
and, when its requests named them, ``openfactura.tipo_dte``, ``openfactura.folio``,
``openfactura.token``, ``openfactura.idempotency_key``; and span events:

* ``openfactura.limiter.wait`` (``openfactura.attempt``, ``openfactura.limiter.wait_s``,
  ``openfactura.limiter.window`` when known) when an attempt waited (1 ms or more, or a
  window or the 429 pause held it);
* ``openfactura.rate_limit.pause`` (``openfactura.attempt``,
  ``openfactura.rate_limit.hint_s`` when the server gave one,
  ``openfactura.rate_limit.source``, ``openfactura.rate_limit.pause_s``) on a 429;
* ``openfactura.retry`` (``openfactura.attempt``, ``openfactura.retry.reason``,
  ``openfactura.retry.delay_s``) before a retry;
* ``openfactura.outcome_unknown`` (``openfactura.attempt``,
  ``openfactura.idempotency_key``) when an emission ends without a verdict.

A call that raises has status ERROR, ``error.type`` (the error's class, e.g.
``openfactura.InvalidRequestError``), ``openfactura.error.code`` (``OF-10``...) and the
exception recorded. No span, event or attribute holds the API key or a RUT.

With ``opentelemetry-instrumentation-aiohttp-client``, its HTTP span is a child of the
attempt span. Its ``url.full`` is the real URL (a RUT may be in it): pass
``url_filter=openfactura.otel.scrub_url`` to ``AioHttpClientInstrumentor().instrument()``.

Metrics
-------
* ``openfactura.client.requests`` (counter, ``{request}``): attempts by
  ``openfactura.operation``, ``http.request.method``, ``url.template`` and
  ``http.response.status_code`` (or ``error.type`` when no answer came);
* ``openfactura.client.rate_limited`` (counter, ``{response}``): 429s, by operation,
  method, ``url.template`` and ``openfactura.rate_limit.source``;
* ``openfactura.client.limiter.wait`` (histogram, ``s``): each attempt's wait for the
  limiter, by operation and ``openfactura.limiter.window`` (``"none"`` when nothing held);
* ``openfactura.client.request.duration`` (histogram, ``s``): each attempt's HTTP time,
  with the attributes of ``openfactura.client.requests``;
* ``openfactura.client.budget.in_use`` (gauge, ``{request}``): per window
  (``openfactura.limiter.window``) and key (``openfactura.key``, its last 4 characters),
  the requests the window counts now. Exact for the in-process limiter; a ``RedisLimiter``
  reports what this process's last admission saw.
"""

from __future__ import annotations

try:
    import opentelemetry.metrics
    import opentelemetry.trace  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise ImportError(
        "openfactura.otel needs OpenTelemetry: pip install 'openfactura[otel]'"
    ) from exc

from ._instrument import Instrumentation, instrument, scrub_url

__all__ = ["Instrumentation", "instrument", "scrub_url"]
