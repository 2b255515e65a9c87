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
self-service links — and injectable faults (:mod:`._faults`), a switch for the answer
shapes the sources disagree on (``variant=``, :mod:`._variants`) and a request log
(:mod:`._gateway`). The routes themselves live in ``_routes/``, one module per API area.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

import attrs
from aiohttp import web

from .._ratelimit import RateLimit
from ._companies import DEMO_COMPANIES, Company
from ._faults import FaultKind, Faults
from ._gateway import MAX_BODY, Gateway, RequestRecord, ServerLog
from ._routes import ROUTE_GROUPS
from ._store import ReceivedDocument, SelfServiceLink, Store, StoredDocument
from ._variants import Shapes, Variant
from ._windows import API_RATE_LIMITS, SlidingWindows, window_overruns

__all__ = ["FakeOpenfactura", "RequestRecord"]

FINAL_STATES = ("Aceptado", "Rechazado", "Aceptado con Reparos", "Aceptado con Reparo")
UTM = 69_000
"""The sandbox's Unidad Tributaria Mensual in pesos (roughly its 2025-2026 value; the SII
publishes a new one every month)."""
ARTESANO_MONTHLY_CAP = 5 * UTM
PREFIX = "/v2/dte"
"""Where every route lives, like on ``api.haulmer.com``."""


class FakeOpenfactura:
    """A local sandbox of the Openfactura API.

    :param companies: who exists; by default Haulmer's two demo companies and keys.
    :param rate_limits: strict sliding windows per key (default :data:`API_RATE_LIMITS`, the
        API's 3 per second and 100 per minute; ``None`` or ``()``: no limits).
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
        ceiling in pesos (default ``ARTESANO_MONTHLY_CAP``, 5 UTM): an emission that
        takes a company's ``MntTotal`` of ARTESANO documents in the month of its
        ``FchEmis`` above it is refused with ``OF-10`` (``None``: no cap). The reference
        gives the cap (M) but not the error text: the ``issue`` here is ours.
    :param legacy_auth: answer an unknown key like the old gateway of the API's own
        document: ``403 {"message": "Invalid authentication credentials"}`` (default: the
        current ``401`` with ``statusCode``; ``None``: whatever ``variant`` says).
    :param variant: which form of the answers the sources disagree on to send: ``"best"``
        (the default: the best-evidenced form of each, held steady), ``"alternate"`` (the
        other known form of every one of them), or a collection of shape names from
        :data:`~openfactura.testing.SHAPES` to alternate only those. The shapes:
        ``status`` (E2 status as a bare string ``"Aceptado"`` instead of ``{"estado",
        "token"}``), ``status_folio`` (E3 status folio a number, not text), ``cedible``
        (the cedible PDF under ``cedible``, not ``pdf``), ``acteco`` and ``resolucion``
        (``codigoActividadEconomica`` and ``resolucion.numero`` as text, not numbers),
        ``disponible`` and ``folios_dte`` (folio availability's ``disponible`` instead of
        ``disponibles``, ``dte`` as text), ``replay_token`` (the OF-06 token in
        ``details[{"field": "token"}]`` instead of ``error.token``), ``list_token``
        (``token`` instead of ``Token`` in issued rows), ``list_total`` (``total`` as
        text), ``empty_list`` (200 with an empty body instead of 204),
        ``rate_limit_body`` (429 body B ``{"message": "API rate limit exceeded"}`` instead
        of APIM's body A), ``legacy_auth`` (the 403 above), ``purchase_state``
        (``Registrado`` instead of ``Registro``), ``self_service_url`` (``SELF_SERVICE`` as
        the URL text, not ``{"url"}``), ``emission_status`` (201, not 200),
        ``json_numbers`` (the ``json`` read's numbers as text), ``annul_key``
        (``succes`` instead of ``success``), ``taxpayer_unknown`` (an unknown RUT with
        ``actividades: [<all null>]``, ``sucursales: []`` instead of all ``null``),
        ``sync_rcv_body`` (sync-rcv's 200 with an empty body). The evidence for each is in
        ``openfactura/testing/_variants.py``.
    :param clock: wall-clock epoch seconds (injectable: idempotency keys live 24 h,
        statuses may progress with time, received documents register after 8 days).
    :param monotonic: the rate limiter's clock.
    """

    def __init__(
        self,
        *,
        companies: Iterable[Company] = DEMO_COMPANIES,
        rate_limits: Sequence[RateLimit] | None = API_RATE_LIMITS,
        status_reads_until_final: int | None = 1,
        status_delay: float | None = None,
        storage: str | Any | None = None,
        sync_rcv_lock_seconds: float = 600.0,
        unsent_reads: int = 0,
        artesano_monthly_cap: int | None = ARTESANO_MONTHLY_CAP,
        legacy_auth: bool | None = None,
        variant: Variant | Collection[str] = "best",
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
        self.variant = variant
        self.shapes = Shapes(variant)
        self.legacy_auth = (
            self.shapes.alternate("legacy_auth") if legacy_auth is None else legacy_auth
        )
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
            assert fake.window_overruns(API_RATE_LIMITS) == []
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

    # -- fault injection (see openfactura/testing/_faults.py) ------------------------------

    def fault_next(
        self,
        kind: FaultKind,
        count: int = 1,
        *,
        path: str | None = None,
        status: int | None = None,
        seconds: float | None = None,
        after_store: bool = False,
        body: Any = None,
    ) -> None:
        """Plan a fault of ``kind`` (one of :data:`~openfactura.testing.FAULT_KINDS`) for the
        next ``count`` requests under ``path`` that pass the gateway.

        ``"status"`` (``status``, default 503, empty body) and ``"html502"`` answer without
        processing the request, unless ``after_store=True``; ``"delay"`` holds it
        ``seconds``; ``"drop"``, ``"latin1"``, ``"html200"``, ``"truncated"``,
        ``"error200"`` (``body``) and ``"empty200"`` replace the answer of the processed
        request: an emission's document is stored. The named methods below are shorthands::

            for kind in FAULT_KINDS:
                fake.fault_next(kind, path="/v2/dte/document", seconds=0.1)
        """
        self._faults.add(
            kind,
            count,
            path=path,
            status=status,
            seconds=seconds,
            after_store=after_store,
            body=body,
        )

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        path: str | None = None,
        after_store: bool = False,
    ) -> None:
        """Answer the next ``count`` requests (under ``path``) with ``status``, empty body
        (``after_store=True``: after processing them, e.g. a 502 once the document exists)."""
        self.fault_next("status", count, status=status, path=path, after_store=after_store)

    def proxy_502_next(
        self, count: int = 1, *, path: str | None = None, after_store: bool = False
    ) -> None:
        """Answer with a proxy's HTML 502 page (not JSON)."""
        self.fault_next("html502", count, path=path, after_store=after_store)

    def latin1_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Send the next JSON answers as Latin-1 bytes instead of UTF-8."""
        self.fault_next("latin1", count, path=path)

    def delay_next(self, count: int = 1, *, seconds: float, path: str | None = None) -> None:
        """Hold the next answers for ``seconds`` (real time) before sending them."""
        self.fault_next("delay", count, seconds=seconds, path=path)

    def drop_after_store_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Process the next requests (a document *is* stored), then drop the connection."""
        self.fault_next("drop", count, path=path)

    def html_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Process the next requests, then answer 200 with an HTML page instead of JSON."""
        self.fault_next("html200", count, path=path)

    def truncated_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Process the next requests, then answer 200 with their JSON cut in half."""
        self.fault_next("truncated", count, path=path)

    def error_body_next(self, count: int = 1, *, path: str | None = None, body: Any = None) -> None:
        """Process the next requests, then answer 200 with an error body (``body``; default
        ``{"error": {"message": "Error de base de datos", "code": "OF-13"}}``)."""
        self.fault_next("error200", count, path=path, body=body)

    def empty_body_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Process the next requests, then answer 200 with an empty body."""
        self.fault_next("empty200", count, path=path)

    @property
    def pending_faults(self) -> int:
        """How many faulty answers are still planned."""
        return self._faults.pending

    def clear_faults(self) -> None:
        """Forget every planned fault."""
        self._faults.clear()

    # -- lifecycle ------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (mount it yourself, or use ``start()``)."""
        gateway = Gateway(self)
        app = web.Application(middlewares=[gateway.middleware], client_max_size=MAX_BODY)
        app.on_shutdown.append(gateway.release_holds)
        for group in ROUTE_GROUPS:
            group(self).register(app.router, PREFIX)
        return app

    async def start(self) -> str:
        """Start serving on ``host:port`` (port 0: a free one); return ``base_url``."""
        self._runner = web.AppRunner(
            self.app(),
            access_log=None,
            handle_signals=False,
            logger=ServerLog(logging.getLogger("aiohttp.server"), {}),
        )
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

    # -- status progression --------------------------------------------------------------

    def _estado(self, doc: StoredDocument) -> str:
        """What a status read of ``doc`` answers now (``Sin estado``, ``Pendiente``, final)."""
        reads = self.status_reads_until_final
        unsent = self.unsent_reads
        final = doc.settled or (reads is not None and doc.status_reads > unsent + reads)
        if self.status_delay is not None and self._clock() - doc.at >= self.status_delay:
            final = True
        if final:
            return doc.outcome
        return "Sin estado" if doc.status_reads <= unsent else "Pendiente"
