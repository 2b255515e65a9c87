"""``FakeOpenfactura``: a local aiohttp.web copy of the Openfactura API for tests and demos.

Usage::

    async with FakeOpenfactura() as fake:
        async with AsyncOpenfactura(fake.api_key, base_url=fake.base_url) as client:
            await client.organization.get()
        assert fake.requests[-1].path == "/v2/dte/organization"

    with FakeOpenfactura() as fake:          # on its own thread, for blocking code
        ...

Everything answers like the real API as described in the project's API reference: the
gateway's 401/404/429 bodies, strict sliding-window rate limits per key with
``Retry-After``, the wrapped (W) and flat (F) error shapes, folios per type and company,
``Idempotency-Key`` replays (``OF-06``), status progression, lists with operator filters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
from aiohttp import web

from .._ratelimit import DEFAULT_RATE_LIMITS, RateLimit
from ._amounts import BOLETAS, expected_totals
from ._companies import DEMO_COMPANIES, Company

__all__ = ["FakeOpenfactura", "RequestRecord", "StoredDocument"]

FINAL_STATES = ("Aceptado", "Rechazado", "Aceptado con Reparos")
EXPORT_TYPES = frozenset({110, 111, 112})
OPERATORS = frozenset({"eq", "lt", "gt", "lte", "gte", "ne"})
PAGE_SIZE = 30
IDEMPOTENCY_TTL = 24 * 3600.0

MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key "
    "when making requests to an API."
)
INVALID_KEY = (
    "Access denied due to invalid subscription key. Make sure to provide a valid key for an "
    "active subscription."
)
PROXY_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


@attrs.define(kw_only=True)
class StoredDocument:
    """An emitted document as the sandbox keeps it."""

    token: str
    company_rut: str
    tipo_dte: int
    folio: int
    dte: dict[str, Any]
    received_at: dt.datetime
    idempotency_key: str | None = None
    layout: str = "LETTER"
    status_reads: int = 0
    outcome: str = "Aceptado"

    @property
    def totales(self) -> dict[str, Any]:
        return dict(self.dte.get("Encabezado", {}).get("Totales", {}))


@attrs.frozen(kw_only=True)
class RequestRecord:
    """One request the sandbox saw (for assertions in tests)."""

    method: str
    path: str
    status: int
    at: float
    api_key_hint: str | None
    rate_limited: bool = False


@attrs.define
class _Fault:
    kind: str  # "status", "html502", "latin1", "delay", "drop"
    remaining: int
    status: int = 500
    seconds: float = 0.0
    path: str | None = None

    def matches(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)


class _SlidingWindows:
    """Strict sliding windows, per key: at most N arrivals in any W seconds."""

    def __init__(self, limits: Sequence[RateLimit], clock: Callable[[], float]) -> None:
        self.limits = tuple(limits)
        self._clock = clock
        self._logs: dict[str, list[deque[float]]] = {}

    def check(self, key: str) -> float:
        """0 when the request is admitted (and counted), else seconds until it would be."""
        now = self._clock()
        logs = self._logs.setdefault(key, [deque() for _ in self.limits])
        wait = 0.0
        for limit, log in zip(self.limits, logs, strict=True):
            while log and log[0] <= now - limit.period_seconds:
                log.popleft()
            if len(log) >= limit.max_calls:
                wait = max(wait, log[0] + limit.period_seconds - now)
        if wait > 0:
            return wait
        for log in logs:
            log.append(now)
        return 0.0


def _retry_after_text(wait: float, limits: Sequence[RateLimit]) -> str:
    """X of "Try again in X seconds": whole seconds, or a fraction for compressed windows."""
    if limits and min(limit.period_seconds for limit in limits) < 1.0:
        return f"{max(wait, 0.001):.3f}"
    return str(max(1, math.ceil(wait)))


def _wrapped(message: str, code: str, details: list[dict[str, str]] | None = None) -> Any:
    error: dict[str, Any] = {"message": message, "code": code}
    if details is not None:
        error["details"] = details
    return {"error": error}


def _flat(message: str, code: str, details: dict[str, str]) -> Any:
    return {"message": message, "code": code, "details": details}


class _RejectError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body


class FakeOpenfactura:
    """A running local sandbox of the Openfactura API.

    :param companies: who exists; by default Haulmer's two demo companies and keys.
    :param rate_limits: strict sliding windows per key (``None``: no limits).
    :param status_reads_until_final: status reads that answer ``Pendiente`` before a
        document reaches its outcome (default 1: the first read is ``Pendiente``).
    :param clock: wall-clock seconds (injectable: idempotency keys live 24 h).
    :param monotonic: the rate limiter's clock.
    """

    def __init__(
        self,
        *,
        companies: Iterable[Company] = DEMO_COMPANIES,
        rate_limits: Sequence[RateLimit] | None = DEFAULT_RATE_LIMITS,
        status_reads_until_final: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.companies: dict[str, Company] = {}
        for company in companies:
            self.add_company(company)
        self.rate_limits = tuple(rate_limits or ())
        self._windows = _SlidingWindows(self.rate_limits, monotonic)
        self.status_reads_until_final = status_reads_until_final
        self.host = host
        self.port = port
        self._clock = clock
        self._monotonic = monotonic
        self.documents: list[StoredDocument] = []
        self.requests: list[RequestRecord] = []
        self._by_token: dict[str, StoredDocument] = {}
        self._folios: dict[tuple[str, int], itertools.count[int]] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self._faults: list[_Fault] = []
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self.base_url = ""

    # -- configuration and inspection -------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The key of the first company (HAULMER SPA's demo key by default)."""
        return next(iter(self.companies))

    def add_company(self, company: Company) -> None:
        """Make ``company`` (and its ``api_key``) known to the sandbox."""
        self.companies[company.api_key] = company

    def set_outcome(self, token: str, estado: str) -> None:
        """Force the final status of a document: ``Rechazado``, ``Aceptado con Reparos``..."""
        self._by_token[token].outcome = estado

    def document(self, token: str) -> StoredDocument:
        return self._by_token[token]

    def reset(self) -> None:
        """Forget documents, requests, idempotency keys, faults and rate-limit history."""
        self.documents.clear()
        self.requests.clear()
        self._by_token.clear()
        self._folios.clear()
        self._idempotency.clear()
        self._faults.clear()
        self._windows = _SlidingWindows(self.rate_limits, self._monotonic)

    # -- fault injection ------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, status: int = 503, path: str | None = None) -> None:
        """Answer the next ``count`` requests (under ``path``) with ``status`` and an empty body."""
        self._faults.append(_Fault("status", count, status=status, path=path))

    def proxy_502_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Answer with a proxy's HTML 502 page (not JSON)."""
        self._faults.append(_Fault("html502", count, path=path))

    def latin1_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Send the next JSON answers as Latin-1 bytes instead of UTF-8."""
        self._faults.append(_Fault("latin1", count, path=path))

    def delay_next(self, count: int = 1, *, seconds: float, path: str | None = None) -> None:
        """Hold the next answers for ``seconds`` before sending them."""
        self._faults.append(_Fault("delay", count, seconds=seconds, path=path))

    def drop_after_store_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Process the next requests (a document *is* stored) and then drop the connection."""
        self._faults.append(_Fault("drop", count, path=path))

    def _take_fault(self, kind: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.kind == kind and fault.remaining > 0 and fault.matches(path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- lifecycle ------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (mount it yourself, or use start())."""
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/v2/dte/organization", self._organization)
        r.add_get("/v2/dte/organization/document", self._folio_availability)
        r.add_get("/v2/dte/taxpayer/{rut}", self._taxpayer)
        r.add_post("/v2/dte/document", self._emit)
        r.add_post("/v2/dte/issue", self._emit)
        r.add_post("/v2/dte/document/issued", self._issued)
        r.add_get("/v2/dte/document/{token}/{value}", self._read_by_token)
        r.add_get("/v2/dte/document/{rut}/{type}/{folio}/{value}", self._read_by_folio)
        return app

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{self.host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenfactura:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __enter__(self) -> FakeOpenfactura:
        loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread_loop = loop
        self._thread = threading.Thread(target=serve, name="openfactura-sandbox", daemon=True)
        self._thread.start()
        started.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread_loop is not None and self._thread is not None:
            self._thread_loop.call_soon_threadsafe(self._thread_loop.stop)
            self._thread.join()
            self._thread = self._thread_loop = None

    def __repr__(self) -> str:
        return (
            f"<FakeOpenfactura {self.base_url or '(not started)'} documents={len(self.documents)}>"
        )

    # -- gateway: auth, limits, faults, log --------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        key = request.headers.get("apikey")
        hint = key[-4:] if key else None
        path = request.path
        limited = False
        try:
            if key is None:
                raise _RejectError(401, {"statusCode": 401, "message": MISSING_KEY})
            company = self.companies.get(key)
            if company is None:
                raise _RejectError(401, {"statusCode": 401, "message": INVALID_KEY})
            if self.rate_limits:
                wait = self._windows.check(key)
                if wait > 0:
                    limited = True
                    x = _retry_after_text(wait, self.rate_limits)
                    message = f"Rate limit is exceeded. Try again in {x} seconds."
                    response = web.json_response(
                        {"statusCode": 429, "message": message},
                        status=429,
                        headers={"Retry-After": x},
                    )
                    return self._log(request, response, hint, limited)
            request["company"] = company
            if (fault := self._take_fault("status", path)) is not None:
                return self._log(request, web.Response(status=fault.status), hint)
            if self._take_fault("html502", path) is not None:
                page = web.Response(status=502, text=PROXY_502, content_type="text/html")
                return self._log(request, page, hint)
            if (fault := self._take_fault("delay", path)) is not None:
                await asyncio.sleep(fault.seconds)
            try:
                response = await handler(request)
            except web.HTTPNotFound:
                raise _RejectError(
                    404, {"statusCode": 404, "message": "Resource not found"}
                ) from None
            except web.HTTPMethodNotAllowed:
                raise _RejectError(
                    404, {"statusCode": 404, "message": "Resource not found"}
                ) from None
            if self._take_fault("drop", path) is not None:
                assert request.transport is not None
                request.transport.abort()  # the work is done, the answer never arrives
            if self._take_fault("latin1", path) is not None and isinstance(response, web.Response):
                text = response.text or ""
                response = web.Response(
                    status=response.status,
                    body=text.encode("latin-1", errors="replace"),
                    content_type="application/json",
                )
            return self._log(request, response, hint)
        except _RejectError as reject:
            response = web.json_response(reject.body, status=reject.status, dumps=_dumps)
            return self._log(request, response, hint, limited)

    def _log(
        self,
        request: web.Request,
        response: web.StreamResponse,
        hint: str | None,
        limited: bool = False,
    ) -> web.StreamResponse:
        self.requests.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                status=response.status,
                at=self._monotonic(),
                api_key_hint=hint,
                rate_limited=limited,
            )
        )
        return response

    # -- organization and taxpayers ------------------------------------------------------

    async def _organization(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        body = company.organization()
        if request.query.get("extra_fields") == "logo":
            body["logo"] = _FAKE_PNG_B64
        return _json(body)

    async def _folio_availability(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        rows = []
        for tipo in company.document_types:
            used = sum(
                1 for d in self.documents if d.company_rut == company.rut and d.tipo_dte == tipo
            )
            rows.append({"dte": tipo, "disponibles": 100_000 - used, "vencimiento": "2027-03-01"})
        return _json({"rut": company.rut, "documentos": rows})

    async def _taxpayer(self, request: web.Request) -> web.Response:
        rut = request.match_info["rut"].replace(".", "").upper()
        for company in self.companies.values():
            if company.rut.upper() == rut:
                return _json(company.taxpayer())
        nulls = dict.fromkeys(
            ("rut", "razonSocial", "email", "telefono", "direccion", "comuna", "actividades"),
        )
        return _json(nulls | {"sucursales": []})

    # -- emission -------------------------------------------------------------------------

    async def _emit(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        try:
            body = await request.json()
        except ValueError:
            raise _RejectError(400, _wrapped("Validación de Esquema", "OF-08")) from None
        idem = request.headers.get("Idempotency-Key")
        now = self._clock()
        if idem:
            seen = self._idempotency.get((company.rut, idem))
            if seen is not None and now - seen[1] < IDEMPOTENCY_TTL:
                raise _RejectError(
                    400,
                    {
                        "error": {
                            "message": "Este DTE ya fue emitido (Idempotency-Key)",
                            "code": "OF-06",
                            "token": seen[0],
                        }
                    },
                )
        dte, tipo, warning = self._validate(company, body)
        folio = next(
            self._folios.setdefault((company.rut, tipo), itertools.count(company.first_folio))
        )
        dte["Encabezado"]["IdDoc"]["Folio"] = folio
        asked = {str(item).upper() for item in body.get("response") or []}
        layout = "80MM" if asked & {"80MM", "80MMNOLOGO"} else "LETTER"
        token = secrets.token_hex(32)
        stored = StoredDocument(
            token=token,
            company_rut=company.rut,
            tipo_dte=tipo,
            folio=folio,
            dte=dte,
            received_at=dt.datetime.fromtimestamp(now),
            idempotency_key=idem,
            layout=layout,
        )
        self.documents.append(stored)
        self._by_token[token] = stored
        if idem:
            self._idempotency[(company.rut, idem)] = (token, now)
        answer: dict[str, Any] = {"TOKEN": token}
        if "FOLIO" in asked:
            answer["FOLIO"] = folio
        if "RESOLUCION" in asked:
            answer["RESOLUCION"] = {"fecha": "2018-03-26", "numero": 0}
        if "LOGO" in asked or "TIMBRE" in asked:
            for item in ("LOGO", "TIMBRE"):
                if item in asked:
                    answer[item] = _FAKE_PNG_B64
        if warning:
            answer["WARNING"] = warning
        return _json(answer)

    def _validate(self, company: Company, body: Any) -> tuple[dict[str, Any], int, str | None]:
        if not isinstance(body, dict) or not isinstance(body.get("dte"), dict):
            raise _RejectError(
                400,
                _wrapped("Datos requeridos", "OF-01", [{"field": "dte", "issue": "Requerido"}]),
            )
        dte: dict[str, Any] = json.loads(json.dumps(body["dte"]))
        enc = dte.get("Encabezado")
        missing = [
            f"Encabezado.{part}"
            for part in ("IdDoc", "Emisor", "Receptor", "Totales")
            if not isinstance(enc, dict) or not isinstance(enc.get(part), dict)
        ]
        if not isinstance(dte.get("Detalle"), list) or not dte["Detalle"]:
            missing.append("Detalle")
        if missing:
            raise _RejectError(
                400,
                _wrapped(
                    "Validación de Esquema",
                    "OF-08",
                    [{"field": m, "issue": "Elemento requerido"} for m in missing],
                ),
            )
        assert isinstance(enc, dict)
        id_doc = enc["IdDoc"]
        try:
            tipo = int(id_doc.get("TipoDTE"))
        except (TypeError, ValueError):
            raise _RejectError(
                400,
                _wrapped(
                    "Validación de Esquema",
                    "OF-08",
                    [{"field": "TipoDTE", "issue": "Elemento requerido"}],
                ),
            ) from None
        if tipo in EXPORT_TYPES or tipo not in company.document_types:
            raise _RejectError(400, _wrapped(f"Tipo de DTE {tipo} no soportado", "OF-05"))
        problems: list[dict[str, str]] = []
        if id_doc.get("Folio") not in (0, "0"):
            problems.append({"field": "Folio", "issue": "El folio debe ser 0"})
        rut_emisor = str(enc["Emisor"].get("RUTEmisor", "")).replace(".", "").upper()
        if rut_emisor != company.rut.upper():
            problems.append({"field": "RUTEmisor", "issue": f"Rut incorrecto : {rut_emisor}"})
        if tipo in (56, 61) and not dte.get("Referencia"):
            raise _RejectError(
                400,
                _wrapped(
                    "Validación de Relación",
                    "OF-09",
                    [{"field": "Referencia", "issue": "Referencia requerida"}],
                ),
            )
        totales = enc["Totales"]
        for name, expected in expected_totals(tipo, dte).items():
            sent = totales.get(name)
            try:
                ok = sent is not None and int(sent) == expected
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append({"field": name, "issue": f"Monto erróneo : {expected}"})
        if problems:
            raise _RejectError(400, _wrapped("Validación de Campos", "OF-10", problems))
        warning = None
        if tipo == 52 and not enc.get("Transporte", {}).get("Chofer"):
            warning = (
                "Guía de despacho sin datos de transporte (Res. Ex. SII N° 154/2025): "
                "informar chofer, patente, origen y destino."
            )
        if tipo in BOLETAS:
            totales.setdefault("TotalPeriodo", totales.get("MntTotal"))
            totales.setdefault("VlrPagar", totales.get("MntTotal"))
        return dte, tipo, warning

    # -- reads ------------------------------------------------------------------------------

    async def _read_by_token(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        token = request.match_info["token"]
        doc = self._by_token.get(token)
        if doc is None or doc.company_rut != company.rut:
            raise _RejectError(400, _problem(company.rut, "token", token))
        return self._read(doc, request.match_info["value"], {"token": token})

    async def _read_by_folio(self, request: web.Request) -> web.Response:
        rut = request.match_info["rut"].upper()
        tipo, folio = request.match_info["type"], request.match_info["folio"]
        doc = next(
            (
                d
                for d in self.documents
                if d.company_rut.upper() == rut
                and str(d.tipo_dte) == tipo
                and str(d.folio) == folio
            ),
            None,
        )
        if doc is None:
            raise _RejectError(400, _problem(rut, tipo, folio))
        return self._read(doc, request.match_info["value"], {"folio": doc.folio})

    def _read(self, doc: StoredDocument, value: str, ident: dict[str, Any]) -> web.Response:
        if value == "status":
            doc.status_reads += 1
            final = doc.status_reads > self.status_reads_until_final
            estado = doc.outcome if final else "Pendiente"
            if "folio" in ident:
                return _json({"estado": estado, "folio": str(doc.folio)})
            return _json({"estado": estado} | ident)
        if value == "json":
            received = doc.received_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-2]
            sii = received if doc.status_reads > self.status_reads_until_final else ""
            return _json({"json": doc.dte} | ident | {"FchRecepSII": sii, "FchRecepOF": received})
        if value in ("xml", "pdf", "cedible"):
            if value == "cedible" and doc.tipo_dte in BOLETAS:
                raise _RejectError(
                    400,
                    _wrapped(
                        "Validación de Campos",
                        "OF-10",
                        [{"field": "Documento", "issue": "Documento sin cedible"}],
                    ),
                )
            raise _RejectError(
                400,
                _wrapped(
                    "Validación de Campos",
                    "OF-10",
                    [{"field": value, "issue": "No disponible en este sandbox todavía"}],
                ),
            )
        raise _RejectError(
            400,
            _wrapped(
                "Validación de Campos",
                "OF-10",
                [{"field": "Error", "issue": f"{value} es Incorrecto"}],
            ),
        )

    # -- lists ------------------------------------------------------------------------------

    async def _issued(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        fields = {"RUTRecep": _rut_body_of_receptor, "FchEmis": _fch_emis, "TipoDTE": _tipo}
        checks: list[tuple[Callable[[StoredDocument], Any], str, Any]] = []
        for name, getter in fields.items():
            if name not in body:
                continue
            condition = body[name]
            if not isinstance(condition, dict) or not condition:
                return _flat_error("Operador no encontrado")
            for op, operand in condition.items():
                if op not in OPERATORS:
                    return _flat_error("Operador no encontrado")
                if name != "FchEmis" and not isinstance(operand, int):
                    try:
                        operand = int(operand)
                    except (TypeError, ValueError):
                        return _flat_error(f"{name} debe ser un número")
                checks.append((getter, op, operand))
        try:
            page = int(body.get("Page", 1))
        except (TypeError, ValueError):
            page = 1
        rows = [
            d
            for d in self.documents
            if d.company_rut == company.rut and all(_compare(g(d), op, v) for g, op, v in checks)
        ]
        total = len(rows)
        last_page = max(1, math.ceil(total / PAGE_SIZE))
        if total == 0 or page < 1 or page > last_page:
            return web.Response(status=204)
        chunk = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return _json(
            {
                "current_page": page,
                "last_page": last_page,
                "total": total,
                "data": [_issued_row(d) for d in chunk],
            }
        )


# -- helpers --------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


def _flat_error(issue: str) -> web.Response:
    return _json(_flat("Validación de Campos.", "OF-10", {"Error": issue}), status=400)


def _problem(rut: str, tipo: str, folio: str) -> Any:
    return _wrapped(
        "Problema al procesar los datos",
        "OF-22",
        [
            {"field": "problema", "issue": "Documento no encontrado"},
            {"field": "dte", "issue": str(tipo)},
            {"field": "folio", "issue": str(folio)},
        ],
    )


def _compare(value: Any, op: str, operand: Any) -> bool:
    if value is None:
        return False
    return bool(
        {
            "eq": value == operand,
            "ne": value != operand,
            "lt": value < operand,
            "gt": value > operand,
            "lte": value <= operand,
            "gte": value >= operand,
        }[op]
    )


def _receptor(doc: StoredDocument) -> dict[str, Any]:
    return dict(doc.dte.get("Encabezado", {}).get("Receptor", {}))


def _rut_body_of_receptor(doc: StoredDocument) -> int | None:
    rut = str(_receptor(doc).get("RUTRecep", "")).replace(".", "")
    body = rut.split("-")[0]
    return int(body) if body.isdigit() else None


def _fch_emis(doc: StoredDocument) -> str:
    return str(doc.dte["Encabezado"]["IdDoc"].get("FchEmis", ""))


def _tipo(doc: StoredDocument) -> int:
    return doc.tipo_dte


def _issued_row(doc: StoredDocument) -> dict[str, Any]:
    receptor = _receptor(doc)
    rut = str(receptor.get("RUTRecep", "")).replace(".", "")
    body, _, dv = rut.partition("-")
    totales = doc.totales
    return {
        "RUTRecep": int(body) if body.isdigit() else None,
        "DV": dv or None,
        "RznSocRecep": receptor.get("RznSocRecep"),
        "TipoDTE": doc.tipo_dte,
        "Folio": doc.folio,
        "FchEmis": _fch_emis(doc),
        "FechaRecibido": doc.received_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-2],
        "MntExe": int(totales.get("MntExe", 0) or 0),
        "MntNeto": int(totales.get("MntNeto", 0) or 0),
        "IVA": int(totales.get("IVA", 0) or 0),
        "MntTotal": int(totales.get("MntTotal", 0) or 0),
        "FmaPago": int(doc.dte["Encabezado"]["IdDoc"].get("FmaPago", 0) or 0),
        "Token": doc.token,
    }


# A 1x1 transparent PNG: stands in for TIMBRE and LOGO images.
_FAKE_PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
    "rkJggg=="
)
