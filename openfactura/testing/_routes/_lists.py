"""Lists of issued (E4) and received (E5) documents: operator filters, 30 rows a page.

The fake's side of ``client.documents.issued()``/``received()`` (whose filters live in
``resources/_filters.py`` and pages in ``resources/_pagination.py``):

* each filter is an operator object (``{"FchEmis": {"gte": "2025-01-01"}}``) with ``eq``,
  ``lt``, ``gt``, ``lte``, ``gte``, ``ne``; anything else is the flat ``OF-10``
  "Operador no encontrado" (``in``: "debe ser un número", like the API);
* unknown filters are ignored; no match, or a page past the last, is 204 with no body.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .._errors import RejectError, flat
from .._http import answer, read_body, stamp
from .._store import ReceivedDocument, StoredDocument
from ._base import Routes, company_of

__all__ = ["OPERATORS", "PAGE_SIZE", "DocumentLists", "rut_parts"]

OPERATORS = frozenset({"eq", "lt", "gt", "lte", "gte", "ne"})
PAGE_SIZE = 30
Fields = dict[str, tuple[Callable[[Any], Any], bool]]
"""Filter name -> (value of a row, numeric operand?)."""


def rut_parts(rut: Any) -> tuple[int | None, str | None]:
    """``("76430498-5")`` -> ``(76430498, "5")``."""
    body, _, dv = str(rut or "").replace(".", "").partition("-")
    return (int(body) if body.isdigit() else None), (dv.upper() or None)


class DocumentLists(Routes):
    """``POST /document/issued`` and ``POST /document/received``."""

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        router.add_post(f"{prefix}/document/issued", self.issued)
        router.add_post(f"{prefix}/document/received", self.received)

    async def issued(self, request: web.Request) -> web.Response:
        company = company_of(request)
        fields: Fields = {
            "RUTRecep": (lambda d: rut_parts(d.receptor.get("RUTRecep"))[0], True),
            "FchEmis": (lambda d: d.fch_emis, False),
            "TipoDTE": (lambda d: d.tipo_dte, True),
        }
        rows = [d for d in self.fake.documents if d.company_rut == company.rut]
        token_key = "token" if self.shapes.alternate("list_token") else "Token"
        return await self._list(request, rows, fields, lambda d: _issued_row(d, token_key))

    async def received(self, request: web.Request) -> web.Response:
        company = company_of(request)
        fields: Fields = {
            "RUTEmisor": (lambda d: rut_parts(d.issuer_rut)[0], True),
            "FchEmis": (lambda d: d.fch_emis, False),
            "TipoDTE": (lambda d: d.tipo_dte, True),
            "FchRecepOF": (lambda d: stamp(d.fch_recep_of)[:10], False),
            "FchRecepSII": (
                lambda d: None if d.fch_recep_sii is None else stamp(d.fch_recep_sii)[:10],
                False,
            ),
        }
        rows = [d for d in self.fake.received if d.receiver_rut == company.rut]
        return await self._list(request, rows, fields, _received_row)

    async def _list(
        self,
        request: web.Request,
        rows: list[Any],
        fields: Fields,
        render: Callable[[Any], dict[str, Any]],
    ) -> web.Response:
        try:
            body = await read_body(request)
        except RejectError:
            body = None
        body = body if isinstance(body, dict) else {}
        checks: list[tuple[Callable[[Any], Any], str, Any]] = []
        for name, (getter, numeric) in fields.items():
            if name not in body:
                continue
            condition = body[name]
            if not isinstance(condition, dict) or not condition:
                return answer(flat("Operador no encontrado"), status=400)
            for op, operand in condition.items():
                if op not in OPERATORS:
                    if op == "in":
                        return answer(flat(f"{name} debe ser un número"), status=400)
                    return answer(flat("Operador no encontrado"), status=400)
                if numeric:
                    try:
                        operand = int(operand)
                    except (TypeError, ValueError):
                        return answer(flat(f"{name} debe ser un número"), status=400)
                elif not isinstance(operand, str):
                    return answer(flat("Fecha Incorrecta"), status=400)
                checks.append((getter, op, operand))
        try:
            page = int(body.get("Page", 1))
        except (TypeError, ValueError):
            page = 1
        selected = [row for row in rows if all(_compare(g(row), op, v) for g, op, v in checks)]
        total = len(selected)
        last_page = max(1, math.ceil(total / PAGE_SIZE))
        if total == 0 or page < 1 or page > last_page:
            return web.Response(status=200 if self.shapes.alternate("empty_list") else 204)
        chunk = selected[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return answer(
            {
                "current_page": page,
                "last_page": last_page,
                "total": str(total) if self.shapes.alternate("list_total") else total,
                "data": [render(row) for row in chunk],
            }
        )


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


def _issued_row(doc: StoredDocument, token_key: str = "Token") -> dict[str, Any]:
    receptor = doc.receptor
    rut, dv = rut_parts(receptor.get("RUTRecep"))
    totales = doc.totales
    return {
        "RUTRecep": rut,
        "DV": dv,
        "RznSocRecep": receptor.get("RznSocRecep"),
        "TipoDTE": doc.tipo_dte,
        "Folio": doc.folio,
        "FchEmis": doc.fch_emis,
        "FechaRecibido": stamp(doc.at),
        "MntExe": _int(totales.get("MntExe")),
        "MntNeto": _int(totales.get("MntNeto")),
        "IVA": _int(totales.get("IVA")),
        "MntTotal": _int(totales.get("MntTotal")),
        "FmaPago": _int(doc.dte["Encabezado"]["IdDoc"].get("FmaPago")),
        token_key: doc.token,
    }


def _received_row(doc: ReceivedDocument) -> dict[str, Any]:
    rut, dv = rut_parts(doc.issuer_rut)
    totales = doc.totales
    return {
        "RUTEmisor": rut,
        "DV": dv,
        "RznSoc": doc.issuer_name,
        "TipoDTE": doc.tipo_dte,
        "Folio": doc.folio,
        "FchEmis": doc.fch_emis,
        "FchRecepSII": "" if doc.fch_recep_sii is None else stamp(doc.fch_recep_sii),
        "FchRecepOF": stamp(doc.fch_recep_of),
        "MntExe": _int(totales.get("MntExe")),
        "MntNeto": _int(totales.get("MntNeto")),
        "IVA": _int(totales.get("IVA")),
        "MntTotal": _int(totales.get("MntTotal")),
        "Acuses": list(doc.acuses) or None,
        "FmaPago": doc.fma_pago,
        "TpoTranCompra": doc.tpo_tran_compra,
    }
