"""The sandbox's gateway: what APIM does before a request reaches the API, and the log.

In order, for every request:

1. the ``apikey`` header: missing or unknown -> the gateway's 401 bodies (or the legacy
   403 with ``legacy_auth=True``);
2. the key's strict sliding windows: over the limit -> 429 with ``Retry-After``;
3. injected faults (:mod:`._faults`) planned for the path: "before" ones answer instead of
   the route, a "delay" holds the request, "after" ones replace the route's answer;
4. the route (an unknown route is APIM's 404); a :class:`~._errors.RejectError` becomes
   its JSON answer;
5. the request is recorded in ``fake.requests`` and logged in one line.

The request log: one INFO record per request on the ``openfactura.sandbox.requests`` logger
(:data:`REQUEST_LOGGER`), with the key's windows as they stand after it::

    POST /v2/dte/document 200 12ms key=…4bd3 win 1s:2/3 60s:45/100
    GET /v2/dte/organization 429 0ms key=…4bd3 win 1s:3/3 60s:46/100 limited retry-after=1
    POST /v2/dte/document 200 3ms key=…4bd3 win 1s:1/3 60s:47/100 fault=truncated
    GET /v2/dte/organization 401 0ms key=…0000

``key=`` shows only the key's last four characters (``key=-`` without a key; nothing of a
key shorter than 16 characters); ``win off`` when the sandbox has no rate limits. Each record
also carries the fields as ``extra`` (``method``, ``path``, ``status``, ``duration_ms``,
``key_hint``, ``windows``: ``[{"period_s", "count", "limit"}]``, ``fault``, ``retry_after``)
for structured formatters. Watch it with ``logging.basicConfig(level=logging.INFO)``.

The sandbox never answers a bare 500 nor lets a traceback out: aiohttp's own refusals (a
body over :data:`MAX_BODY` bytes: 413) get the gateway's ``{"statusCode", "message"}``
shape, and any other exception (a bug of the sandbox: the routes refuse every bad input with
the API's codes) is logged at ERROR on the ``openfactura.sandbox`` logger (:data:`LOGGER`),
with its traceback, and answered in the API's wrapped shape:

* ``400 OF-20`` (wrong input data, not retried) when nothing was stored;
* ``503 OF-21`` (database unavailable, retried with the same ``Idempotency-Key``) when an
  emission had already stored its document: the retry gets ``OF-06`` with the document's
  token, so a client never emits it twice.

A test can fail on it: ``assert not [r for r in caplog.records if r.levelno >= ERROR]``.

A client hanging up is no error: before its body was in, the request is recorded with
status :data:`CLIENT_GONE` (499) and ``client gone`` in its log line; once it was in (a
request held by a ``"delay"`` fault reads its body first), the request is processed and
answered into the void, like the real API does (an emission is stored). Nor is a request
that is not HTTP (a line over 8190 bytes, an unknown method, a broken chunk): aiohttp's
parser answers it 400 and :class:`ServerLog` notes it in one INFO line; a body that is not
the encoding its headers say gets the gateway's ``400 {"statusCode", "message"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from ._errors import INVALID_KEY, MISSING_KEY, RejectError, gateway, wrapped
from ._faults import HTML_PAGE, PROXY_502, Fault
from ._http import answer
from ._windows import retry_after_text

if TYPE_CHECKING:
    from ._companies import Company
    from ._server import FakeOpenfactura

__all__ = [
    "CLIENT_GONE",
    "COMPANY",
    "LEGACY_INVALID_KEY",
    "LOGGER",
    "MAX_BODY",
    "REQUEST_LOGGER",
    "STORED",
    "Gateway",
    "RequestRecord",
    "ServerLog",
    "key_hint",
]

LEGACY_INVALID_KEY = "Invalid authentication credentials"
LOGGER = "openfactura.sandbox"
"""The sandbox's logger: its own errors (ERROR, with the traceback)."""
REQUEST_LOGGER = "openfactura.sandbox.requests"
"""One INFO line per request, with the key's window counts."""
CLIENT_GONE = 499
"""The status recorded for a request whose client hung up before sending all of it."""
MAX_BODY = 8 * 1024 * 1024
"""Largest request body accepted (a 1000-line boleta with long descriptions fits)."""


def _request_key(name: str, kind: type) -> Any:
    """A typed request-storage key where aiohttp has them (3.14+: a plain string key warns
    ``NotAppKeyWarning`` there), else the name."""
    request_key = getattr(web, "RequestKey", None)
    return name if request_key is None else request_key(name, kind)


STORED: Any = _request_key("openfactura.stored", str)
"""``request[STORED]``: the token of what the request stored (set by the emission route)."""
COMPANY: Any = _request_key("openfactura.company", object)
"""``request[COMPANY]``: the :class:`Company` of the request's API key (set by the gateway)."""
log = logging.getLogger(LOGGER)
request_log = logging.getLogger(REQUEST_LOGGER)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ServerLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's own server log (``aiohttp.server``), where a request that is not HTTP
    (a line too long, an unknown method or encoding, a broken chunk, a body that is not the
    gzip it says) is what it is: the client's mistake, answered 400 by the parser and noted
    in one INFO line of the request log, not an ERROR with a traceback. Anything else stays
    an ERROR."""

    def exception(self, msg: object, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        error = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if isinstance(error, (HttpProcessingError, web.RequestPayloadError)):
            # Only the class: the parser's message may quote the request's headers.
            request_log.info("malformed request refused: %s", type(error).__name__)
            return
        super().exception(msg, *args, exc_info=exc_info, **kwargs)


def key_hint(key: str | None) -> str | None:
    """The key's last four characters (``""`` for a key too short to show any of it)."""
    if key is None:
        return None
    return key[-4:] if len(key) >= 16 else ""


@attrs.frozen(kw_only=True)
class RequestRecord:
    """One request the sandbox saw (``fake.requests``), for assertions in tests."""

    method: str
    path: str
    status: int
    at: float
    """Arrival time on the sandbox's ``monotonic`` clock."""
    api_key_hint: str | None
    """The key's last four characters (never the key itself)."""
    rate_limited: bool = False


@attrs.define
class _Seen:
    """What the log line of one request needs besides the response."""

    key: str | None
    arrived: float
    started: float
    limited: bool = False
    retry_after: str | None = None
    fault: str | None = None
    gone: bool = False


class Gateway:
    """The middleware in front of every route of one :class:`FakeOpenfactura`."""

    def __init__(self, fake: FakeOpenfactura) -> None:
        self.fake = fake
        self._released = asyncio.Event()

    async def release_holds(self, app: web.Application) -> None:
        """``on_shutdown``: end every ``"delay"`` hold now, so a stopping sandbox does not
        wait for them (aiohttp would, up to a minute); the held requests are then answered."""
        self._released.set()

    async def _hold(self, seconds: float) -> None:
        if self._released.is_set():
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._released.wait(), seconds)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fake = self.fake
        key = request.headers.get("apikey")
        seen = _Seen(key, fake._monotonic(), time.perf_counter())
        try:
            request[COMPANY] = self._authenticate(key)
            assert key is not None
            with fake._lock:
                wait = fake._windows.check(key) if fake.rate_limits else 0.0
                if wait <= 0:
                    fake._admitted.setdefault(key, []).append(seen.arrived)
            if wait > 0:
                seen.limited = True
                seen.retry_after = x = retry_after_text(wait, fake.rate_limits)
                body = fake.shapes.rate_limited(x)
                throttled = web.json_response(body, status=429, headers={"Retry-After": x})
                return self._done(request, throttled, seen)
            path = request.path
            faults = fake._faults
            if (fault := faults.take("before", path)) is not None:
                seen.fault = fault.kind
                return self._done(request, _faulty(fault), seen)
            if (fault := faults.take("delay", path)) is not None:
                seen.fault = "delay"
                if request.body_exists:
                    # The body is in before the hold, as on a server that got the request
                    # and is slow to answer: a client giving up meanwhile does not undo it.
                    await request.read()
                await self._hold(fault.seconds)
            try:
                response = await handler(request)
            except RejectError as reject:
                response = answer(reject.body, reject.status)
            except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
                raise RejectError(404, gateway(404, "Resource not found")) from None
            if (fault := faults.take("after", path)) is not None:
                seen.fault = fault.kind
                response = self._after(request, fault, response)
            return self._done(request, response, seen)
        except RejectError as reject:
            return self._done(request, answer(reject.body, reject.status), seen)
        except web.HTTPException as refusal:  # aiohttp's own (413 body too large...)
            body = gateway(refusal.status, refusal.reason)
            return self._done(request, answer(body, refusal.status), seen)
        except web.RequestPayloadError:  # a body that is not what its headers say (gzip...)
            body = gateway(400, "Bad Request")
            return self._done(request, answer(body, 400), seen)
        except ConnectionResetError as exc:
            if request.transport is not None and not request.transport.is_closing():
                return self._done(request, self._last_resort(request, exc), seen)
            # The client hung up before its whole request was in: nothing was done and
            # nobody is left to answer (logged as nginx's 499, like any server would).
            seen.gone = True
            return self._done(request, web.Response(status=CLIENT_GONE), seen)
        except Exception as exc:
            return self._done(request, self._last_resort(request, exc), seen)

    def _authenticate(self, key: str | None) -> Company:
        if key is None:
            raise RejectError(401, gateway(401, MISSING_KEY))
        company = self.fake.companies.get(key)
        if company is None:
            if self.fake.legacy_auth:
                raise RejectError(403, {"message": LEGACY_INVALID_KEY})
            raise RejectError(401, gateway(401, INVALID_KEY))
        return company

    @staticmethod
    def _after(
        request: web.Request, fault: Fault, response: web.StreamResponse
    ) -> web.StreamResponse:
        """The answer an "after" fault puts in place of ``response`` (already processed)."""
        text = (response.text or "") if isinstance(response, web.Response) else ""
        if fault.kind == "drop":
            assert request.transport is not None
            request.transport.abort()  # the work is done, the answer never arrives
            return response
        if fault.kind == "latin1":
            return web.Response(
                status=response.status,
                body=text.encode("latin-1", errors="replace"),
                content_type="application/json",
            )
        if fault.kind == "html200":
            return web.Response(status=200, text=HTML_PAGE, content_type="text/html")
        if fault.kind == "truncated":
            cut = text[: len(text) // 2] or "{"
            return web.Response(status=200, text=cut, content_type="application/json")
        if fault.kind == "error200":
            return answer(fault.body, 200)
        if fault.kind == "empty200":
            return web.Response(status=200, body=b"", content_type="application/json")
        return _faulty(fault)  # "status" or "html502" after processing

    def _done(
        self, request: web.Request, response: web.StreamResponse, seen: _Seen
    ) -> web.StreamResponse:
        fake = self.fake
        hint = key_hint(seen.key)
        record = RequestRecord(
            method=request.method,
            path=request.path,
            status=response.status,
            at=seen.arrived,
            api_key_hint=hint,
            rate_limited=seen.limited,
        )
        with fake._lock:
            fake.requests.append(record)
            known = seen.key is not None and seen.key in fake.companies
            usage = fake._windows.usage(seen.key) if known and seen.key else []
        if request_log.isEnabledFor(logging.INFO):
            self._log_line(request, response, seen, hint, known, usage)
        return response

    def _log_line(
        self,
        request: web.Request,
        response: web.StreamResponse,
        seen: _Seen,
        hint: str | None,
        known: bool,
        usage: list[Any],
    ) -> None:
        millis = round((time.perf_counter() - seen.started) * 1000)
        path = request.rel_url.raw_path  # still percent-encoded: no line breaks in the log
        parts = [f"{request.method} {path} {response.status} {millis}ms"]
        parts.append("key=-" if hint is None else f"key=…{hint}")
        windows = [
            {"period_s": limit.period_seconds, "count": count, "limit": limit.max_calls}
            for limit, count in usage
        ]
        if known:
            spans = [f"{w['period_s']:g}s:{w['count']}/{w['limit']}" for w in windows]
            parts.append("win " + " ".join(spans) if spans else "win off")
        if seen.limited:
            parts.append(f"limited retry-after={seen.retry_after}")
        if seen.fault:
            parts.append(f"fault={seen.fault}")
        if seen.gone:
            parts.append("client gone")
        request_log.info(
            " ".join(parts),
            extra={
                "method": request.method,
                "path": path,
                "status": response.status,
                "duration_ms": millis,
                "key_hint": hint,
                "windows": windows,
                "fault": seen.fault,
                "retry_after": seen.retry_after,
            },
        )

    @staticmethod
    def _last_resort(request: web.Request, exc: Exception) -> web.Response:
        stored = request.get(STORED)
        log.error(
            "sandbox error on %s %s (%s)%s",
            request.method,
            request.rel_url.raw_path,
            type(exc).__name__,
            " after storing the document" if stored else "",
            exc_info=exc,
        )
        issue = f"Error interno del sandbox ({type(exc).__name__})"
        detail = [{"field": "sandbox", "issue": issue}]
        if stored:
            body = wrapped("Base de datos no disponible, intente más tarde", "OF-21", detail)
            return answer(body, 503)
        return answer(wrapped("Datos de entrada incorrectos", "OF-20", detail), 400)


def _faulty(fault: Fault) -> web.Response:
    """The answer of a "status" or "html502" fault."""
    if fault.kind == "html502":
        return web.Response(status=502, text=PROXY_502, content_type="text/html")
    return web.Response(status=fault.status)
