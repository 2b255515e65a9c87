"""The sandbox's gateway: what APIM does before a request reaches the API, and the log.

In order, for every request:

1. the ``apikey`` header: missing or unknown -> the gateway's 401 bodies (or the legacy
   403 with ``legacy_auth=True``);
2. the key's strict sliding windows: over the limit -> 429 with ``Retry-After``;
3. injected faults (:mod:`._faults`) planned for the path;
4. the route (an unknown route is APIM's 404); a :class:`~._errors.RejectError` becomes
   its JSON answer;
5. the request is recorded in ``fake.requests``.

The sandbox never answers a bare 500 nor lets a traceback out: aiohttp's own refusals (a
body over :data:`MAX_BODY` bytes: 413) get the gateway's ``{"statusCode", "message"}``
shape, and any other exception (a bug of the sandbox: the routes refuse every bad input with
the API's codes) is logged at ERROR on the ``openfactura.sandbox`` logger, with its
traceback, and answered in the API's wrapped shape:

* ``400 OF-20`` (wrong input data, not retried) when nothing was stored;
* ``503 OF-21`` (database unavailable, retried with the same ``Idempotency-Key``) when an
  emission had already stored its document: the retry gets ``OF-06`` with the document's
  token, so a client never emits it twice.

A test can fail on it: ``assert not [r for r in caplog.records if r.levelno >= ERROR]``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs
from aiohttp import web

from ._errors import INVALID_KEY, MISSING_KEY, RejectError, gateway, wrapped
from ._faults import PROXY_502
from ._http import answer
from ._windows import retry_after_text

if TYPE_CHECKING:
    from ._server import FakeOpenfactura

__all__ = ["LEGACY_INVALID_KEY", "LOGGER", "MAX_BODY", "STORED", "Gateway", "RequestRecord"]

LEGACY_INVALID_KEY = "Invalid authentication credentials"
LOGGER = "openfactura.sandbox"
"""The sandbox's logger: its own errors (ERROR) and the request log (a child, INFO)."""
MAX_BODY = 8 * 1024 * 1024
"""Largest request body accepted (a 1000-line boleta with long descriptions fits)."""
STORED = "openfactura.stored"
"""``request[STORED]``: the token of what the request stored (set by the emission route)."""
log = logging.getLogger(LOGGER)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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


class Gateway:
    """The middleware in front of every route of one :class:`FakeOpenfactura`."""

    def __init__(self, fake: FakeOpenfactura) -> None:
        self.fake = fake

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fake = self.fake
        key = request.headers.get("apikey")
        hint = key[-4:] if key else None
        path = request.path
        arrived = fake._monotonic()
        limited = False
        try:
            if key is None:
                raise RejectError(401, gateway(401, MISSING_KEY))
            company = fake.companies.get(key)
            if company is None:
                if fake.legacy_auth:
                    raise RejectError(403, {"message": LEGACY_INVALID_KEY})
                raise RejectError(401, gateway(401, INVALID_KEY))
            with fake._lock:
                wait = fake._windows.check(key) if fake.rate_limits else 0.0
                if wait <= 0:
                    fake._admitted.setdefault(key, []).append(arrived)
            if wait > 0:
                limited = True
                x = retry_after_text(wait, fake.rate_limits)
                body = fake.shapes.rate_limited(x)
                throttled = web.json_response(body, status=429, headers={"Retry-After": x})
                return self._log(request, throttled, hint, arrived, limited)
            request["company"] = company
            faults = fake._faults
            if (fault := faults.take("status", path)) is not None:
                return self._log(request, web.Response(status=fault.status), hint, arrived)
            if faults.take("html502", path) is not None:
                page = web.Response(status=502, text=PROXY_502, content_type="text/html")
                return self._log(request, page, hint, arrived)
            if (fault := faults.take("delay", path)) is not None:
                await asyncio.sleep(fault.seconds)
            try:
                response = await handler(request)
            except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
                raise RejectError(404, gateway(404, "Resource not found")) from None
            if faults.take("drop", path) is not None:
                assert request.transport is not None
                request.transport.abort()  # the work is done, the answer never arrives
            if faults.take("latin1", path) is not None and isinstance(response, web.Response):
                response = web.Response(
                    status=response.status,
                    body=(response.text or "").encode("latin-1", errors="replace"),
                    content_type="application/json",
                )
            return self._log(request, response, hint, arrived)
        except RejectError as reject:
            return self._log(request, answer(reject.body, reject.status), hint, arrived, limited)
        except web.HTTPException as refusal:  # aiohttp's own (413 body too large...)
            body = gateway(refusal.status, refusal.reason)
            return self._log(request, answer(body, refusal.status), hint, arrived)
        except Exception as exc:
            return self._log(request, self._last_resort(request, exc), hint, arrived)

    @staticmethod
    def _last_resort(request: web.Request, exc: Exception) -> web.Response:
        stored = request.get(STORED)
        log.error(
            "sandbox error on %s %s (%s)%s",
            request.method,
            request.path,
            type(exc).__name__,
            " after storing the document" if stored else "",
            exc_info=exc,
        )
        detail = [
            {"field": "sandbox", "issue": f"Error interno del sandbox ({type(exc).__name__})"}
        ]
        if stored:
            body = wrapped("Base de datos no disponible, intente más tarde", "OF-21", detail)
            return answer(body, 503)
        return answer(wrapped("Datos de entrada incorrectos", "OF-20", detail), 400)

    def _log(
        self,
        request: web.Request,
        response: web.StreamResponse,
        hint: str | None,
        arrived: float,
        limited: bool = False,
    ) -> web.StreamResponse:
        record = RequestRecord(
            method=request.method,
            path=request.path,
            status=response.status,
            at=arrived,
            api_key_hint=hint,
            rate_limited=limited,
        )
        with self.fake._lock:
            self.fake.requests.append(record)
        return response
