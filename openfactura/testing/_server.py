"""``FakeOpenfactura``: a local aiohttp.web copy of the Openfactura API for tests and demos.

Usage::

    async with FakeOpenfactura() as fake:
        async with AsyncOpenfactura(fake.api_key, base_url=fake.base_url) as client:
            await client.organization.get()
        assert fake.requests[-1].path == "/v2/dte/organization"

    with FakeOpenfactura() as fake:          # on its own thread, for blocking code
        ...

    FakeOpenfactura(storage="sandbox.db")    # state kept in SQLite across restarts

``base_url`` is the host root (``http://127.0.0.1:PORT``); every route lives under
``/v2/dte`` like on ``api.haulmer.com``. Everything answers like the real API as the
project's API reference describes it: the gateway's 401/404/429 bodies, strict
sliding-window limits per key with ``Retry-After``, the wrapped (W) and flat (F) error
shapes, folios per type and company, ``Idempotency-Key`` replays (``OF-06``), the status
progression, SII XML, PDFs, lists with operator filters, the registry, ``anularDTE52``,
self-service links — and injectable faults.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import math
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import attrs
from aiohttp import web

from .._ratelimit import DEFAULT_RATE_LIMITS, RateLimit
from ._amounts import BOLETAS
from ._companies import DEMO_COMPANIES, Company
from ._emission import validate_emission
from ._errors import (
    INVALID_KEY,
    MISSING_KEY,
    RejectError,
    fields_error,
    flat,
    gateway,
    not_found,
    wrapped,
)
from ._faults import PROXY_502, Faults
from ._png import logo_png, timbre_png
from ._registry import PURCHASE_STATES, period, purchase_state, summarise
from ._store import ReceivedDocument, SelfServiceLink, Store, StoredDocument
from ._windows import SlidingWindows, retry_after_text, window_overruns

__all__ = ["FakeOpenfactura", "RequestRecord"]

FINAL_STATES = ("Aceptado", "Rechazado", "Aceptado con Reparos", "Aceptado con Reparo")
NOT_FINAL_STATES = ("Pendiente", "Sin estado")
UTM = 69_000
"""The sandbox's Unidad Tributaria Mensual in pesos (roughly its 2025-2026 value; the SII
publishes a new one every month)."""
ARTESANO_MONTHLY_CAP = 5 * UTM
LEGACY_INVALID_KEY = "Invalid authentication credentials"
OPERATORS = frozenset({"eq", "lt", "gt", "lte", "gte", "ne"})
PAGE_SIZE = 30
IDEMPOTENCY_TTL = 24 * 3600.0
ACUSES = frozenset({"ACD", "RCD", "ERM", "RFP", "RFT"})
READ_VALUES = ("status", "json", "xml", "pdf", "cedible")
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


def _stamp(seconds: float) -> str:
    """``2025-04-11 23:00:27.0427``: the API's reception timestamps."""
    return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S.%f")[:-2]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _amount(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _rut_parts(rut: Any) -> tuple[int | None, str | None]:
    body, _, dv = str(rut or "").replace(".", "").partition("-")
    return (int(body) if body.isdigit() else None), (dv.upper() or None)


class FakeOpenfactura:
    """A local sandbox of the Openfactura API.

    :param companies: who exists; by default Haulmer's two demo companies and keys.
    :param rate_limits: strict sliding windows per key (``None`` or ``()``: no limits).
    :param status_reads_until_final: status reads answering ``Pendiente`` before a document
        shows its outcome (default 1: the first read is ``Pendiente``); ``None``: reads
        alone never finish it.
    :param status_delay: seconds on ``clock`` after which a document shows its outcome
        whatever the reads (``None``: only reads count).
    :param storage: a SQLite file keeping the state across restarts (default: memory).
    :param sync_rcv_lock_seconds: how long ``POST /registry/sync-rcv`` locks a
        (company, registro) pair (answering ``OF-429`` meanwhile).
    :param unsent_reads: status reads answering ``Sin estado`` (not sent to the SII yet)
        before the ``Pendiente`` ones (default 0: the API shows it only now and then).
    :param artesano_monthly_cap: the ``ivaExceptional: ["ARTESANO"]`` regime's monthly
        ceiling in pesos (default :data:`ARTESANO_MONTHLY_CAP`, 5 UTM): an emission that
        takes a company's ``MntTotal`` of ARTESANO documents in the month of its
        ``FchEmis`` above it is refused with ``OF-10`` (``None``: no cap). The reference
        gives the cap (M) but not the error text: the ``issue`` here is ours.
    :param legacy_auth: answer an unknown key like the old gateway of the API's own
        document: ``403 {"message": "Invalid authentication credentials"}`` (default: the
        current ``401`` with ``statusCode``).
    :param clock: wall-clock epoch seconds (injectable: idempotency keys live 24 h,
        statuses may progress with time, received documents register after 8 days).
    :param monotonic: the rate limiter's clock.
    """

    def __init__(
        self,
        *,
        companies: Iterable[Company] = DEMO_COMPANIES,
        rate_limits: Sequence[RateLimit] | None = DEFAULT_RATE_LIMITS,
        status_reads_until_final: int | None = 1,
        status_delay: float | None = None,
        storage: str | Any | None = None,
        sync_rcv_lock_seconds: float = 600.0,
        unsent_reads: int = 0,
        artesano_monthly_cap: int | None = ARTESANO_MONTHLY_CAP,
        legacy_auth: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.companies: dict[str, Company] = {}
        for company in companies:
            self.add_company(company)
        self.rate_limits: tuple[RateLimit, ...] = tuple(rate_limits or ())
        self.status_reads_until_final = status_reads_until_final
        self.status_delay = status_delay
        self.sync_rcv_lock_seconds = sync_rcv_lock_seconds
        self.unsent_reads = unsent_reads
        self.artesano_monthly_cap = artesano_monthly_cap
        self.legacy_auth = legacy_auth
        self.host = host
        self.port = port
        self._clock = clock
        self._monotonic = monotonic
        self._windows = SlidingWindows(self.rate_limits, monotonic)
        self._store = Store(storage)
        self._faults = Faults()
        self._lock = threading.RLock()
        self.requests: list[RequestRecord] = []
        self._admitted: dict[str, list[float]] = {}
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self.base_url = ""

    # -- companies and keys -----------------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The key of the first company (HAULMER SPA's public demo key by default)."""
        return next(iter(self.companies))

    def add_company(self, company: Company) -> None:
        """Make ``company`` (and its ``api_key``) known to the sandbox."""
        self.companies[company.api_key] = company

    def add_api_key(self, api_key: str, rut: str) -> None:
        """Another key for the known company ``rut`` (like "Generar API Key" in the web UI)."""
        company = self.company(rut)
        self.companies[api_key] = attrs.evolve(company, api_key=api_key)

    def company(self, rut: str) -> Company:
        """The known company with this RUT (``KeyError`` if none)."""
        wanted = rut.replace(".", "").upper()
        for company in self.companies.values():
            if company.rut.upper() == wanted:
                return company
        raise KeyError(rut)

    # -- inspection -------------------------------------------------------------------------

    @property
    def documents(self) -> list[StoredDocument]:
        """Issued documents, oldest first."""
        return self._store.documents

    @property
    def received(self) -> list[ReceivedDocument]:
        """Documents seeded as received (``seed_received``)."""
        return self._store.received

    @property
    def self_service_links(self) -> dict[str, SelfServiceLink]:
        """Self-service links by link token."""
        return self._store.links

    def document(self, token: str) -> StoredDocument:
        """The issued document with this token (``KeyError`` if none)."""
        return self._store.by_token[token]

    def set_outcome(self, token: str, estado: str, *, now: bool = False) -> None:
        """Force the final status of a document (``Rechazado``, ``Aceptado con Reparos``...).

        ``now=True`` makes the next status read answer it at once (no ``Pendiente`` first).
        """
        doc = self.document(token)
        doc.outcome = estado
        doc.settled = doc.settled or now
        self._store.save(doc)

    def set_self_service_state(self, link: str, state: str) -> None:
        """What ``stateinvoice`` answers for a link, e.g. ``"Factura BAS"`` (customer done)."""
        record = self._store.links[link.rstrip("/").rsplit("/", 1)[-1]]
        record.state = state
        self._store.save(record)

    def window_overruns(
        self, limits: Sequence[RateLimit] | None = None
    ) -> list[tuple[RateLimit, float, int]]:
        """Windows of ``limits`` (default: the sandbox's own) that some key overran.

        Admitted arrivals are logged even with ``rate_limits=None``, so a sandbox without
        limits can check that a client kept to the real ones::

            fake = FakeOpenfactura(rate_limits=None)
            ...
            assert fake.window_overruns(DEFAULT_RATE_LIMITS) == []
        """
        chosen = self.rate_limits if limits is None else tuple(limits)
        with self._lock:
            logs = [list(times) for times in self._admitted.values()]
        return [found for times in logs for found in window_overruns(times, chosen)]

    def reset(self) -> None:
        """Forget documents, links, requests, idempotency keys, faults and limiter history."""
        with self._lock:
            self._store.clear()
            self.requests.clear()
            self._admitted.clear()
            self._faults.clear()
            self._windows = SlidingWindows(self.rate_limits, self._monotonic)

    # -- seeding -----------------------------------------------------------------------------

    def seed_received(
        self,
        *,
        issuer_rut: str,
        issuer_name: str,
        folio: int,
        tipo_dte: int = 33,
        fch_emis: str | None = None,
        mnt_neto: int = 0,
        mnt_exe: int = 0,
        iva: int | None = None,
        receiver_rut: str | None = None,
        fma_pago: int = 0,
        tpo_tran_compra: int = 1,
        received_at: float | None = None,
        sii_received: bool = True,
        estado: str | None = None,
        item: str = "Servicios",
    ) -> ReceivedDocument:
        """Add a document another taxpayer issued to a sandbox company (default: the first).

        It shows up in ``/document/received``, can be read by issuer RUT/type/folio and
        accused, and counts in the purchase registry (``estado`` forces its state there:
        ``Pendiente``, ``Registro``, ``No_incluir``, ``Reclamado``).
        """
        receiver = (
            self.company(receiver_rut) if receiver_rut else next(iter(self.companies.values()))
        )
        at = self._clock() if received_at is None else received_at
        emis = fch_emis or dt.date.fromtimestamp(at).isoformat()
        iva_amount = round(mnt_neto * 0.19) if iva is None else iva
        totales: dict[str, Any] = {}
        if mnt_neto:
            totales |= {"MntNeto": mnt_neto, "TasaIVA": "19", "IVA": iva_amount}
        if mnt_exe:
            totales["MntExe"] = mnt_exe
        totales["MntTotal"] = mnt_neto + mnt_exe + (iva_amount if mnt_neto else 0)
        line_amount = mnt_neto or mnt_exe
        id_doc: dict[str, Any] = {"TipoDTE": tipo_dte, "Folio": folio, "FchEmis": emis}
        if fma_pago:
            id_doc["FmaPago"] = fma_pago
        dte: dict[str, Any] = {
            "Encabezado": {
                "IdDoc": id_doc,
                "Emisor": {
                    "RUTEmisor": issuer_rut,
                    "RznSoc": issuer_name,
                    "GiroEmis": "PROVEEDOR",
                    "Acteco": 620200,
                    "DirOrigen": "SIN DIRECCION",
                    "CmnaOrigen": "Santiago",
                },
                "Receptor": {
                    "RUTRecep": receiver.rut,
                    "RznSocRecep": receiver.razon_social,
                    "GiroRecep": receiver.giro[:40],
                    "DirRecep": receiver.direccion,
                    "CmnaRecep": receiver.comuna,
                },
                "Totales": totales,
            },
            "Detalle": [
                {
                    "NroLinDet": 1,
                    "NmbItem": item,
                    "QtyItem": 1,
                    "PrcItem": line_amount,
                    "MontoItem": line_amount,
                    **({"IndExe": 1} if mnt_exe and not mnt_neto else {}),
                }
            ],
        }
        doc = ReceivedDocument(
            id=f"{receiver.rut}/{issuer_rut}/{tipo_dte}/{folio}",
            receiver_rut=receiver.rut,
            issuer_rut=issuer_rut,
            tipo_dte=tipo_dte,
            folio=folio,
            dte=dte,
            fch_recep_of=at,
            fch_recep_sii=at if sii_received else None,
            fma_pago=fma_pago,
            tpo_tran_compra=tpo_tran_compra,
            estado=estado,
        )
        self._store.add_received(doc)
        return doc

    # -- fault injection ------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, status: int = 503, path: str | None = None) -> None:
        """Answer the next ``count`` requests (under ``path``) with ``status``, empty body."""
        self._faults.add("status", count, status=status, path=path)

    def proxy_502_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Answer with a proxy's HTML 502 page (not JSON)."""
        self._faults.add("html502", count, path=path)

    def latin1_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Send the next JSON answers as Latin-1 bytes instead of UTF-8."""
        self._faults.add("latin1", count, path=path)

    def delay_next(self, count: int = 1, *, seconds: float, path: str | None = None) -> None:
        """Hold the next answers for ``seconds`` (real time) before sending them."""
        self._faults.add("delay", count, seconds=seconds, path=path)

    def drop_after_store_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Process the next requests (a document *is* stored), then drop the connection."""
        self._faults.add("drop", count, path=path)

    # -- lifecycle ------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (mount it yourself, or use ``start()``)."""
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        p = "/v2/dte"
        r.add_get(f"{p}/organization", self._organization)
        r.add_get(f"{p}/organization/document", self._folio_availability)
        r.add_get(p + "/taxpayer/{rut}", self._taxpayer)
        r.add_post(f"{p}/document", self._emit)
        r.add_post(f"{p}/issue", self._emit)
        r.add_post(f"{p}/document/issued", self._issued)
        r.add_post(f"{p}/document/received", self._received)
        r.add_post(f"{p}/document/received/accuse", self._accuse)
        r.add_get(p + "/document/{token}/{value}", self._read_by_token)
        r.add_get(p + "/document/{rut}/{type}/{folio}/{value}", self._read_by_folio)
        r.add_get(p + "/registry/sales/{year}/{month}", self._sales)
        r.add_get(p + "/registry/sales/{year}/{month}/{day}", self._sales)
        r.add_get(p + "/registry/purchase/{year}/{month}", self._purchase)
        r.add_get(p + "/registry/purchase/{year}/{month}/{day}", self._purchase)
        r.add_post(f"{p}/registry/sync-rcv", self._sync_rcv)
        r.add_post(f"{p}/anularDTE52", self._annul_guia)
        r.add_get(p + "/selfservice/email/{t}", self._self_service_email)
        r.add_get(p + "/selfservice/stateinvoice/{t}", self._self_service_state)
        return app

    async def start(self) -> str:
        """Start serving on ``host:port`` (port 0: a free one); return ``base_url``."""
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://{self.host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving (the state stays; a SQLite file stays on disk)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def close(self) -> None:
        """Close the SQLite file, if any (``__exit__``/``__aexit__`` do it)."""
        self._store.close()

    async def __aenter__(self) -> FakeOpenfactura:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
        self.close()

    def __enter__(self) -> FakeOpenfactura:
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # pragma: no cover - e.g. port in use
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread_loop = loop
        self._thread = threading.Thread(target=serve, name="openfactura-sandbox", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            self._thread = self._thread_loop = None
            raise failure[0]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread_loop is not None and self._thread is not None:
            self._thread_loop.call_soon_threadsafe(self._thread_loop.stop)
            self._thread.join()
            self._thread = self._thread_loop = None
        self.close()

    def __repr__(self) -> str:
        where = self.base_url or "(not started)"
        return f"<FakeOpenfactura {where} documents={len(self.documents)}>"

    # -- gateway: auth, limits, faults, log --------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("apikey")
        hint = key[-4:] if key else None
        path = request.path
        arrived = self._monotonic()
        limited = False
        try:
            if key is None:
                raise RejectError(401, gateway(401, MISSING_KEY))
            company = self.companies.get(key)
            if company is None:
                if self.legacy_auth:
                    raise RejectError(403, {"message": LEGACY_INVALID_KEY})
                raise RejectError(401, gateway(401, INVALID_KEY))
            with self._lock:
                wait = self._windows.check(key) if self.rate_limits else 0.0
                if wait <= 0:
                    self._admitted.setdefault(key, []).append(arrived)
            if wait > 0:
                limited = True
                x = retry_after_text(wait, self.rate_limits)
                body = gateway(429, f"Rate limit is exceeded. Try again in {x} seconds.")
                throttled = web.json_response(body, status=429, headers={"Retry-After": x})
                return self._log(request, throttled, hint, arrived, limited)
            request["company"] = company
            if (fault := self._faults.take("status", path)) is not None:
                return self._log(request, web.Response(status=fault.status), hint, arrived)
            if self._faults.take("html502", path) is not None:
                page = web.Response(status=502, text=PROXY_502, content_type="text/html")
                return self._log(request, page, hint, arrived)
            if (fault := self._faults.take("delay", path)) is not None:
                await asyncio.sleep(fault.seconds)
            try:
                answer = await handler(request)
            except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
                raise RejectError(404, gateway(404, "Resource not found")) from None
            response = answer
            if self._faults.take("drop", path) is not None:
                assert request.transport is not None
                request.transport.abort()  # the work is done, the answer never arrives
            if self._faults.take("latin1", path) is not None and isinstance(response, web.Response):
                response = web.Response(
                    status=response.status,
                    body=(response.text or "").encode("latin-1", errors="replace"),
                    content_type="application/json",
                )
            return self._log(request, response, hint, arrived)
        except RejectError as reject:
            response = _json(reject.body, status=reject.status)
            return self._log(request, response, hint, arrived, limited)

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
        with self._lock:
            self.requests.append(record)
        return response

    @staticmethod
    async def _body(request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        try:
            return await request.json()
        except ValueError:
            raise RejectError(
                400,
                wrapped(
                    "Validación de Esquema", "OF-08", [{"field": "body", "issue": "JSON inválido"}]
                ),
            ) from None

    # -- organization and taxpayers ------------------------------------------------------

    async def _organization(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        body = company.organization()
        if request.query.get("extra_fields") == "logo":
            body["logo"] = base64.b64encode(logo_png()).decode("ascii")
        return _json(body)

    async def _folio_availability(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        rows = []
        for tipo in company.document_types:
            first, last = company.folio_range(tipo)
            used = self._store.used_folios(company.rut, tipo, first)
            rows.append(
                {"dte": tipo, "disponibles": last - first + 1 - used, "vencimiento": "2027-03-01"}
            )
        return _json({"rut": company.rut, "documentos": rows})

    async def _taxpayer(self, request: web.Request) -> web.Response:
        try:
            return _json(self.company(request.match_info["rut"]).taxpayer())
        except KeyError:
            pass
        nulls = dict.fromkeys(("rut", "razonSocial", "email", "telefono", "direccion", "comuna"))
        return _json(nulls | {"actividades": [], "sucursales": []})

    # -- emission -------------------------------------------------------------------------

    async def _emit(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        body = await self._body(request)
        idem = request.headers.get("Idempotency-Key")
        now = self._clock()
        if idem:
            seen = self._store.recall_key(company.rut, idem)
            if seen is not None and now - seen[1] < IDEMPOTENCY_TTL:
                raise RejectError(
                    400,
                    {
                        "error": {
                            "message": "Este DTE ya fue emitido (Idempotency-Key)",
                            "code": "OF-06",
                            "token": seen[0],
                        }
                    },
                )
        self_service = isinstance(body, dict) and "selfService" in body
        artesano = isinstance(body, dict) and "ARTESANO" in (body.get("ivaExceptional") or [])
        dte, tipo, warning = validate_emission(
            company, body, self_service=self_service, artesano=artesano
        )
        if artesano and self.artesano_monthly_cap is not None:
            self._check_artesano_cap(company, dte)
        assert isinstance(body, dict)
        asked = {str(item).upper() for item in body.get("response") or []}
        link: SelfServiceLink | None = None
        if self_service:
            options = body.get("selfService")
            if not isinstance(options, dict) or not all(
                isinstance(options.get(name), bool) for name in ("issueBoleta", "allowFactura")
            ):
                raise fields_error(
                    ("selfService.issueBoleta", "Requerido"),
                    ("selfService.allowFactura", "Requerido"),
                    code="OF-01",
                )
            link = SelfServiceLink(
                token=secrets.token_hex(16),
                company_rut=company.rut,
                at=now,
                state="Boleta AM" if options["issueBoleta"] else "Pendiente",
                customer=body.get("customer") if isinstance(body.get("customer"), dict) else None,
            )
            if not options["issueBoleta"]:
                self._store.add_link(link)
                if idem:
                    self._store.remember_key(company.rut, idem, link.token, now)
                answer: dict[str, Any] = {"TOKEN": link.token}
                if "SELF_SERVICE" in asked:
                    answer["SELF_SERVICE"] = {"url": self._link_url(link)}
                return _json(answer)
        with self._lock:
            first, last = company.folio_range(tipo)
            if self._store.used_folios(company.rut, tipo, first) > last - first:
                raise RejectError(
                    400,
                    wrapped(
                        "Validación de Folios",
                        "OF-07",
                        [{"field": "Folio", "issue": f"Sin folios disponibles para DTE {tipo}"}],
                    ),
                )
            folio = self._store.next_folio(company.rut, tipo, first)
        dte["Encabezado"]["IdDoc"]["Folio"] = folio
        layout = "LETTER"
        for choice in ("80MMNOLOGO", "80MM", "LETTER_80MM", "LETTER"):
            if choice in asked:
                layout = choice
                break
        custom = body.get("custom") if isinstance(body.get("custom"), dict) else None
        stored = StoredDocument(
            token=secrets.token_hex(32),
            company_rut=company.rut,
            tipo_dte=tipo,
            folio=folio,
            dte=dte,
            at=now,
            idempotency_key=idem,
            layout=layout,
            custom=custom,
            artesano=artesano,
        )
        self._store.add_document(stored)
        if idem:
            self._store.remember_key(company.rut, idem, stored.token, now)
        answer = {"TOKEN": stored.token}
        if "FOLIO" in asked:
            answer["FOLIO"] = folio
        if "RESOLUCION" in asked:
            answer["RESOLUCION"] = {
                "fecha": company.resolucion[0],
                "numero": company.resolucion[1],
            }
        if "TIMBRE" in asked:
            answer["TIMBRE"] = _b64(self._timbre(stored.dte))
        if "LOGO" in asked:
            answer["LOGO"] = _b64(logo_png())
        if "XML" in asked:
            answer["XML"] = _b64(self._xml(stored.dte, company))
        if "PDF" in asked:
            answer["PDF"] = _b64(self._pdf(stored.dte, stored.layout, company, custom=custom))
        if link is not None:
            link.document_token = stored.token
            self._store.add_link(link)
            if "SELF_SERVICE" in asked:
                answer["SELF_SERVICE"] = {"url": self._link_url(link)}
        if warning:
            answer["WARNING"] = warning
        return _json(answer)

    def _check_artesano_cap(self, company: Company, dte: dict[str, Any]) -> None:
        cap = self.artesano_monthly_cap
        assert cap is not None
        month = str(dte["Encabezado"]["IdDoc"].get("FchEmis", ""))[:7]
        total = _amount(dte["Encabezado"]["Totales"].get("MntTotal"))
        for doc in self._store.documents:
            if doc.artesano and doc.company_rut == company.rut and doc.fch_emis[:7] == month:
                total += _amount(doc.totales.get("MntTotal"))
        if total > cap:
            raise fields_error(
                (
                    "ivaExceptional",
                    f"ARTESANO: ventas del mes {month} ({total}) superan el tope de 5 UTM ({cap})",
                )
            )

    def _link_url(self, link: SelfServiceLink) -> str:
        return f"{self.base_url}/autoservicio/{link.token}"

    # -- renderings -------------------------------------------------------------------------

    @staticmethod
    def _timbre(dte: dict[str, Any]) -> bytes:
        id_doc = dte["Encabezado"]["IdDoc"]
        emisor = dte["Encabezado"]["Emisor"]
        seed = f"{emisor.get('RUTEmisor')}/{id_doc.get('TipoDTE')}/{id_doc.get('Folio')}"
        return timbre_png(seed.encode())

    def _xml(self, dte: dict[str, Any], company: Company | None, at: float | None = None) -> bytes:
        from ._xml import document_xml

        emisor = dte["Encabezado"]["Emisor"]
        name = company.razon_social if company else str(emisor.get("RznSoc") or "EMISOR")
        acteco = company.acteco if company else int(emisor.get("Acteco") or 620200)
        tipo = int(dte["Encabezado"]["IdDoc"]["TipoDTE"])
        first = company.folio_range(tipo)[0] if company else 1
        signed = dt.datetime.fromtimestamp(self._clock() if at is None else at)
        return document_xml(dte, issuer_name=name, acteco=acteco, caf_first=first, signed_at=signed)

    def _pdf(
        self,
        dte: dict[str, Any],
        layout: str,
        company: Company | None,
        *,
        cedible: bool = False,
        custom: dict[str, Any] | None = None,
    ) -> bytes:
        from ._pdf import PrintJob, render_pdf

        notes = tuple(
            str(custom[name])
            for name in ("informationNote", "paymentNote")
            if custom and custom.get(name)
        )
        job = PrintJob(
            dte=dte,
            layout=layout,
            cedible=cedible,
            timbre=self._timbre(dte),
            logo=logo_png() if company is not None else None,
            resolucion=company.resolucion if company else ("2018-03-26", 0),
            notes=notes,
        )
        return render_pdf(job)

    # -- reads ------------------------------------------------------------------------------

    def _estado(self, doc: StoredDocument) -> str:
        reads = self.status_reads_until_final
        unsent = self.unsent_reads
        final = doc.settled or (reads is not None and doc.status_reads > unsent + reads)
        if self.status_delay is not None and self._clock() - doc.at >= self.status_delay:
            final = True
        if final:
            return doc.outcome
        return "Sin estado" if doc.status_reads <= unsent else "Pendiente"

    async def _read_by_token(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        token, value = request.match_info["token"], request.match_info["value"]
        doc = self._store.by_token.get(token)
        if doc is None or doc.company_rut != company.rut:
            raise not_found("", token)
        return self._read_issued(doc, value, company, by_token=True)

    async def _read_by_folio(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        rut = request.match_info["rut"].replace(".", "").upper()
        tipo, folio = request.match_info["type"], request.match_info["folio"]
        value = request.match_info["value"]
        for doc in self.documents:
            if (
                doc.company_rut.upper() == rut == company.rut.upper()
                and str(doc.tipo_dte) == tipo
                and str(doc.folio) == folio
            ):
                return self._read_issued(doc, value, company, by_token=False)
        for received in self.received:
            if (
                received.receiver_rut == company.rut
                and received.issuer_rut.upper() == rut
                and str(received.tipo_dte) == tipo
                and str(received.folio) == folio
            ):
                return self._read_received(received, value)
        raise not_found(tipo, folio)

    @staticmethod
    def _check_value(value: str, tipo: int) -> None:
        if value not in READ_VALUES:
            raise fields_error(("Error", f"{value} es Incorrecto"))
        if value == "cedible" and tipo in BOLETAS:
            raise fields_error(("Documento", "Documento sin cedible"))

    def _read_issued(
        self, doc: StoredDocument, value: str, company: Company, *, by_token: bool
    ) -> web.Response:
        self._check_value(value, doc.tipo_dte)
        ident: dict[str, Any] = {"token": doc.token} if by_token else {"folio": doc.folio}
        if value == "status":
            doc.status_reads += 1
            self._store.save(doc)
            estado = self._estado(doc)
            return _json({"estado": estado} | (ident if by_token else {"folio": str(doc.folio)}))
        if value == "json":
            final = self._estado(doc) not in NOT_FINAL_STATES
            return _json(
                {"json": doc.dte}
                | ident
                | {"FchRecepSII": _stamp(doc.at) if final else "", "FchRecepOF": _stamp(doc.at)}
            )
        if value == "xml":
            xml = _b64(self._xml(doc.dte, company, doc.at))
            return _json({"xml": xml} | ({"token": doc.token} if by_token else {}))
        pdf = self._pdf(doc.dte, doc.layout, company, cedible=value == "cedible", custom=doc.custom)
        return _json({"pdf": _b64(pdf), "folio": doc.folio})

    def _read_received(self, doc: ReceivedDocument, value: str) -> web.Response:
        self._check_value(value, doc.tipo_dte)
        if value == "status":
            return _json({"estado": "Aceptado", "folio": str(doc.folio)})
        if value == "json":
            sii = "" if doc.fch_recep_sii is None else _stamp(doc.fch_recep_sii)
            return _json(
                {
                    "json": doc.dte,
                    "folio": doc.folio,
                    "FchRecepSII": sii,
                    "FchRecepOF": _stamp(doc.fch_recep_of),
                }
            )
        if value == "xml":
            return _json({"xml": _b64(self._xml(doc.dte, None, doc.fch_recep_of))})
        pdf = self._pdf(doc.dte, "LETTER", None, cedible=value == "cedible")
        return _json({"pdf": _b64(pdf), "folio": doc.folio})

    # -- lists ------------------------------------------------------------------------------

    async def _issued(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        fields: dict[str, tuple[Callable[[Any], Any], bool]] = {
            "RUTRecep": (lambda d: _rut_parts(d.receptor.get("RUTRecep"))[0], True),
            "FchEmis": (lambda d: d.fch_emis, False),
            "TipoDTE": (lambda d: d.tipo_dte, True),
        }
        rows = [d for d in self.documents if d.company_rut == company.rut]
        return await self._list(request, rows, fields, _issued_row)

    async def _received(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        fields: dict[str, tuple[Callable[[Any], Any], bool]] = {
            "RUTEmisor": (lambda d: _rut_parts(d.issuer_rut)[0], True),
            "FchEmis": (lambda d: d.fch_emis, False),
            "TipoDTE": (lambda d: d.tipo_dte, True),
            "FchRecepOF": (lambda d: _stamp(d.fch_recep_of)[:10], False),
            "FchRecepSII": (
                lambda d: None if d.fch_recep_sii is None else _stamp(d.fch_recep_sii)[:10],
                False,
            ),
        }
        rows = [d for d in self.received if d.receiver_rut == company.rut]
        return await self._list(request, rows, fields, _received_row)

    async def _list(
        self,
        request: web.Request,
        rows: list[Any],
        fields: dict[str, tuple[Callable[[Any], Any], bool]],
        render: Callable[[Any], dict[str, Any]],
    ) -> web.Response:
        try:
            body = await self._body(request)
        except RejectError:
            body = None
        body = body if isinstance(body, dict) else {}
        checks: list[tuple[Callable[[Any], Any], str, Any]] = []
        for name, (getter, numeric) in fields.items():
            if name not in body:
                continue
            condition = body[name]
            if not isinstance(condition, dict) or not condition:
                return _json(flat("Operador no encontrado"), status=400)
            for op, operand in condition.items():
                if op not in OPERATORS:
                    if op == "in":
                        return _json(flat(f"{name} debe ser un número"), status=400)
                    return _json(flat("Operador no encontrado"), status=400)
                if numeric:
                    try:
                        operand = int(operand)
                    except (TypeError, ValueError):
                        return _json(flat(f"{name} debe ser un número"), status=400)
                elif not isinstance(operand, str):
                    return _json(flat("Fecha Incorrecta"), status=400)
                checks.append((getter, op, operand))
        try:
            page = int(body.get("Page", 1))
        except (TypeError, ValueError):
            page = 1
        selected = [row for row in rows if all(_compare(g(row), op, v) for g, op, v in checks)]
        total = len(selected)
        last_page = max(1, math.ceil(total / PAGE_SIZE))
        if total == 0 or page < 1 or page > last_page:
            return web.Response(status=204)
        chunk = selected[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return _json(
            {
                "current_page": page,
                "last_page": last_page,
                "total": total,
                "data": [render(row) for row in chunk],
            }
        )

    async def _accuse(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        body = await self._body(request)
        body = body if isinstance(body, dict) else {}
        missing = [
            (name, "Requerido") for name in ("rut", "dte", "folio", "acuse") if not body.get(name)
        ]
        if missing:
            raise fields_error(*missing)
        acuse = str(body["acuse"]).upper()
        if acuse not in ACUSES:
            raise fields_error(("acuse", f"{body['acuse']} es Incorrecto"))
        try:
            tipo, folio = int(body["dte"]), int(body["folio"])
        except (TypeError, ValueError):
            raise fields_error(("dte", "debe ser un número")) from None
        rut = str(body["rut"]).replace(".", "").upper()
        for doc in self.received:
            if (
                doc.receiver_rut == company.rut
                and doc.issuer_rut.upper() == rut
                and (doc.tipo_dte, doc.folio) == (tipo, folio)
            ):
                doc.acuses.append(
                    {
                        "codEvento": acuse,
                        "fechaEvento": _stamp(self._clock())[:19],
                        "estado": "Realizado",
                    }
                )
                self._store.save(doc)
                return _json(
                    {
                        "data": [{"dte": tipo, "folio": folio, "acuse": acuse}],
                        "code": 200,
                        "result": "OK",
                        "msg": [{"codResp": 0, "descResp": "Acción Completada OK"}],
                    }
                )
        raise not_found(tipo, folio)

    # -- registry ---------------------------------------------------------------------------

    async def _sales(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        info = request.match_info
        start, end = period(info["year"], info["month"], info.get("day"))
        docs = [
            (d.tipo_dte, d.totales)
            for d in self.documents
            if d.company_rut == company.rut and d.tipo_dte != 52 and start <= d.fch_emis <= end
        ]
        return _json({"fechaInicio": start, "fechaFinal": end, "registros": summarise(docs)})

    async def _purchase(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        info = request.match_info
        start, end = period(info["year"], info["month"], info.get("day"))
        wanted = list(PURCHASE_STATES)
        status = request.query.get("status")
        if status:
            wanted = [part.strip() for part in status.split(",") if part.strip()]
            if any(part not in PURCHASE_STATES for part in wanted):
                raise RejectError(400, flat("Estado Incorrecto"))
        now = self._clock()
        answer = []
        for key in wanted:
            estado = PURCHASE_STATES[key]
            docs = [
                (d.tipo_dte, d.totales)
                for d in self.received
                if d.receiver_rut == company.rut
                and start <= d.fch_emis <= end
                and purchase_state(d.estado, d.acuses, d.fch_recep_of, now) == estado
            ]
            answer.append(
                {
                    "estado": estado,
                    "fechaInicio": start,
                    "fechaFinal": end,
                    "registros": summarise(docs),
                }
            )
        return _json(answer)

    async def _sync_rcv(self, request: web.Request) -> web.Response:
        """``POST /registry/sync-rcv``.

        Assumption (the API does not publish it): the lock answer is HTTP 429 in the wrapped
        shape, ``{"error": {"message", "code": "OF-429", "details": {"retry_after": N,
        "ends_at": "<ISO datetime>"}}}``, and success is 200 ``{"message", "code"}``.
        """
        company: Company = request["company"]
        body = await self._body(request)
        body = body if isinstance(body, dict) else {}
        registro = body.get("registro")
        if registro not in ("sales", "purchase"):
            raise fields_error(("registro", f"{registro} es Incorrecto"))
        periodo = body.get("periodo")
        text = str(periodo)
        if not (isinstance(periodo, int | str) and text.isdigit() and len(text) == 6):
            raise fields_error(("periodo", "Periodo Incorrecto"))
        year, month = int(text[:4]), int(text[4:])
        today = dt.date.fromtimestamp(self._clock())
        if not 1 <= month <= 12:
            raise fields_error(("periodo", "Periodo Incorrecto"))
        if (year * 12 + month) - (today.year * 12 + today.month) > 2:
            raise fields_error(("periodo", "Periodo fuera de rango"))
        now = self._clock()
        until = self._store.sync_locked_until(company.rut, registro)
        if until is not None and now < until:
            wait = math.ceil(until - now)
            ends_at = dt.datetime.fromtimestamp(until).replace(microsecond=0).isoformat()
            raise RejectError(
                429,
                {
                    "error": {
                        "message": "Sincronización en curso para este registro, intente más tarde",
                        "code": "OF-429",
                        "details": {"retry_after": wait, "ends_at": ends_at},
                    }
                },
            )
        self._store.lock_sync(company.rut, registro, now + self.sync_rcv_lock_seconds)
        return _json({"message": "Sincronización encolada", "code": "OK"})

    # -- guías ----------------------------------------------------------------------------

    async def _annul_guia(self, request: web.Request) -> web.Response:
        company: Company = request["company"]
        body = await self._body(request)
        body = body if isinstance(body, dict) else {}

        def pick(name: str) -> Any:
            return body.get(name, body.get(name.lower()))

        tipo, folio, fecha = pick("Dte"), pick("Folio"), pick("Fecha")
        missing = [
            (n, "Requerido")
            for n, v in (("Dte", tipo), ("Folio", folio), ("Fecha", fecha))
            if v in (None, "")
        ]
        if missing:
            raise fields_error(*missing)
        if str(tipo) != "52":
            raise fields_error(("Dte", "Solo se pueden anular guías de despacho (52)"))
        for doc in self.documents:
            if (
                doc.company_rut == company.rut
                and doc.tipo_dte == 52
                and str(doc.folio) == str(folio)
            ):
                if doc.fch_emis != str(fecha):
                    raise fields_error(("Fecha", "Fecha Incorrecta"))
                if doc.annulled:
                    raise fields_error(("Folio", "El documento ya se encuentra anulado"))
                doc.annulled = True
                self._store.save(doc)
                return _json({"success": f"Se ha anulado el documento Folio: {doc.folio}"})
        raise not_found(52, folio)

    # -- self-service (undocumented routes) --------------------------------------------------

    def _link(self, request: web.Request) -> SelfServiceLink:
        company: Company = request["company"]
        link = self._store.links.get(request.match_info["t"])
        if link is None or link.company_rut != company.rut:
            raise RejectError(
                400,
                wrapped(
                    "Problema al procesar los datos",
                    "OF-22",
                    [{"field": "problema", "issue": "Link de autoservicio no encontrado"}],
                ),
            )
        return link

    async def _self_service_email(self, request: web.Request) -> web.Response:
        link = self._link(request)
        link.emails_sent += 1
        self._store.save(link)
        return _json({"message": "Correo enviado"})

    async def _self_service_state(self, request: web.Request) -> web.Response:
        return _json({"response": self._link(request).state})


# -- helpers --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _compare(value: Any, op: str, operand: Any) -> bool:
    if value is None:
        return False
    try:
        return bool(
            {
                "eq": lambda: value == operand,
                "ne": lambda: value != operand,
                "lt": lambda: value < operand,
                "gt": lambda: value > operand,
                "lte": lambda: value <= operand,
                "gte": lambda: value >= operand,
            }[op]()
        )
    except TypeError:
        return False


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _issued_row(doc: StoredDocument) -> dict[str, Any]:
    receptor = doc.receptor
    rut, dv = _rut_parts(receptor.get("RUTRecep"))
    totales = doc.totales
    return {
        "RUTRecep": rut,
        "DV": dv,
        "RznSocRecep": receptor.get("RznSocRecep"),
        "TipoDTE": doc.tipo_dte,
        "Folio": doc.folio,
        "FchEmis": doc.fch_emis,
        "FechaRecibido": _stamp(doc.at),
        "MntExe": _int(totales.get("MntExe")),
        "MntNeto": _int(totales.get("MntNeto")),
        "IVA": _int(totales.get("IVA")),
        "MntTotal": _int(totales.get("MntTotal")),
        "FmaPago": _int(doc.dte["Encabezado"]["IdDoc"].get("FmaPago")),
        "Token": doc.token,
    }


def _received_row(doc: ReceivedDocument) -> dict[str, Any]:
    rut, dv = _rut_parts(doc.issuer_rut)
    totales = doc.totales
    return {
        "RUTEmisor": rut,
        "DV": dv,
        "RznSoc": doc.issuer_name,
        "TipoDTE": doc.tipo_dte,
        "Folio": doc.folio,
        "FchEmis": doc.fch_emis,
        "FchRecepSII": "" if doc.fch_recep_sii is None else _stamp(doc.fch_recep_sii),
        "FchRecepOF": _stamp(doc.fch_recep_of),
        "MntExe": _int(totales.get("MntExe")),
        "MntNeto": _int(totales.get("MntNeto")),
        "IVA": _int(totales.get("IVA")),
        "MntTotal": _int(totales.get("MntTotal")),
        "Acuses": list(doc.acuses) or None,
        "FmaPago": doc.fma_pago,
        "TpoTranCompra": doc.tpo_tran_compra,
    }
