"""The fake of ``client.registry``: sales (E7) and purchase (E8) summaries, RCV syncs (E9).

The summaries are computed from the sandbox's documents (:mod:`.._registry` has the rules).
"""

from __future__ import annotations

import datetime as dt
import math

from aiohttp import web

from .._errors import RejectError, fields_error, flat
from .._http import answer, read_body
from .._registry import PURCHASE_STATES, period, purchase_state, summarise
from ._base import Routes, company_of

__all__ = ["RegistryRoutes"]


class RegistryRoutes(Routes):
    """``GET /registry/sales|purchase/{yyyy}/{MM}[/{dd}]`` and ``POST /registry/sync-rcv``."""

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        router.add_get(prefix + "/registry/sales/{year}/{month}", self.sales)
        router.add_get(prefix + "/registry/sales/{year}/{month}/{day}", self.sales)
        router.add_get(prefix + "/registry/purchase/{year}/{month}", self.purchases)
        router.add_get(prefix + "/registry/purchase/{year}/{month}/{day}", self.purchases)
        router.add_post(f"{prefix}/registry/sync-rcv", self.sync_rcv)

    async def sales(self, request: web.Request) -> web.Response:
        company = company_of(request)
        info = request.match_info
        start, end = period(info["year"], info["month"], info.get("day"))
        docs = [
            (d.tipo_dte, d.totales)
            for d in self.fake.documents
            if d.company_rut == company.rut and d.tipo_dte != 52 and start <= d.fch_emis <= end
        ]
        return answer({"fechaInicio": start, "fechaFinal": end, "registros": summarise(docs)})

    async def purchases(self, request: web.Request) -> web.Response:
        company = company_of(request)
        info = request.match_info
        start, end = period(info["year"], info["month"], info.get("day"))
        wanted = list(PURCHASE_STATES)
        status = request.query.get("status")
        if status:
            wanted = [part.strip() for part in status.split(",") if part.strip()]
            if any(part not in PURCHASE_STATES for part in wanted):
                raise RejectError(400, flat("Estado Incorrecto"))
        now = self.now()
        blocks = []
        for key in wanted:
            estado = PURCHASE_STATES[key]
            docs = [
                (d.tipo_dte, d.totales)
                for d in self.fake.received
                if d.receiver_rut == company.rut
                and start <= d.fch_emis <= end
                and purchase_state(d.estado, d.acuses, d.fch_recep_of, now) == estado
            ]
            if estado == "Registro" and self.shapes.alternate("purchase_state"):
                estado = "Registrado"  # the doc's spelling (dev answers Registro)
            blocks.append(
                {
                    "estado": estado,
                    "fechaInicio": start,
                    "fechaFinal": end,
                    "registros": summarise(docs),
                }
            )
        return answer(blocks)

    async def sync_rcv(self, request: web.Request) -> web.Response:
        """``POST /registry/sync-rcv``.

        Assumption (the API does not publish it): the lock answer is HTTP 429 in the wrapped
        shape, ``{"error": {"message", "code": "OF-429", "details": {"retry_after": N,
        "ends_at": "<ISO datetime>"}}}``, and success is 200 ``{"message", "code"}``.
        """
        company = company_of(request)
        body = await read_body(request)
        body = body if isinstance(body, dict) else {}
        registro = body.get("registro")
        if registro not in ("sales", "purchase"):
            raise fields_error(("registro", f"{registro} es Incorrecto"))
        periodo = body.get("periodo")
        text = str(periodo)
        if not (isinstance(periodo, int | str) and text.isdigit() and len(text) == 6):
            raise fields_error(("periodo", "Periodo Incorrecto"))
        year, month = int(text[:4]), int(text[4:])
        today = dt.date.fromtimestamp(self.now())
        if not 1 <= month <= 12:
            raise fields_error(("periodo", "Periodo Incorrecto"))
        if (year * 12 + month) - (today.year * 12 + today.month) > 2:
            raise fields_error(("periodo", "Periodo fuera de rango"))
        now = self.now()
        until = self.store.sync_locked_until(company.rut, registro)
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
        self.store.lock_sync(company.rut, registro, now + self.fake.sync_rcv_lock_seconds)
        if self.shapes.alternate("sync_rcv_body"):
            return web.Response(status=200)
        return answer({"message": "Sincronización encolada", "code": "OK"})
