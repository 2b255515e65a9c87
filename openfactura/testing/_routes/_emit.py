"""Emission (E1, and its undocumented alias ``/issue``): the fake of ``documents.emit``.

In order: an ``Idempotency-Key`` seen in the last 24 h answers ``OF-06`` with the first
document's token (no new folio); the body is checked like the API does
(:func:`.._emission.validate_emission`); ARTESANO documents are held to their monthly cap;
a self-service emission without a boleta only makes a link; otherwise the next folio of the
type is taken, the document stored, and the ``response`` items asked for are rendered.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from .._companies import Company
from .._emission import validate_emission
from .._errors import RejectError, fields_error, wrapped
from .._gateway import STORED
from .._http import answer, b64, read_body
from .._png import logo_png
from .._store import SelfServiceLink, StoredDocument
from . import _render
from ._base import Routes, company_of

__all__ = ["IDEMPOTENCY_TTL", "Emission"]

IDEMPOTENCY_TTL = 24 * 3600.0
LAYOUTS = ("80MMNOLOGO", "80MM", "LETTER_80MM", "LETTER")
"""``response`` items choosing the PDF layout, the first one asked for wins."""


def _amount(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


class Emission(Routes):
    """``POST /document`` and ``POST /issue``."""

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        router.add_post(f"{prefix}/document", self.emit)
        router.add_post(f"{prefix}/issue", self.emit)

    async def emit(self, request: web.Request) -> web.Response:
        company = company_of(request)
        body = await read_body(request)
        idem = request.headers.get("Idempotency-Key")
        now = self.now()
        if idem:
            seen = self.store.recall_key(company.rut, idem)
            if seen is not None and now - seen[1] < IDEMPOTENCY_TTL:
                raise RejectError(400, self.shapes.replay(seen[0]))
        self_service = isinstance(body, dict) and "selfService" in body
        regimes = body.get("ivaExceptional") if isinstance(body, dict) else None
        artesano = isinstance(regimes, list) and "ARTESANO" in regimes
        dte, tipo, warning = validate_emission(
            company, body, self_service=self_service, artesano=artesano
        )
        if artesano and self.fake.artesano_monthly_cap is not None:
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
                self.store.add_link(link)
                request[STORED] = link.token
                if idem:
                    self.store.remember_key(company.rut, idem, link.token, now)
                result: dict[str, Any] = {"TOKEN": link.token}
                if "SELF_SERVICE" in asked:
                    result["SELF_SERVICE"] = self._link_answer(link)
                return self._success(result)
        with self.lock:
            first, last = company.folio_range(tipo)
            if self.store.used_folios(company.rut, tipo, first) > last - first:
                raise RejectError(
                    400,
                    wrapped(
                        "Validación de Folios",
                        "OF-07",
                        [{"field": "Folio", "issue": f"Sin folios disponibles para DTE {tipo}"}],
                    ),
                )
            folio = self.store.next_folio(company.rut, tipo, first)
        dte["Encabezado"]["IdDoc"]["Folio"] = folio
        layout = next((choice for choice in LAYOUTS if choice in asked), "LETTER")
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
        self.store.add_document(stored)
        request[STORED] = stored.token
        if idem:
            self.store.remember_key(company.rut, idem, stored.token, now)
        result = {"TOKEN": stored.token}
        if "FOLIO" in asked:
            result["FOLIO"] = folio
        if "RESOLUCION" in asked:
            result["RESOLUCION"] = {
                "fecha": company.resolucion[0],
                "numero": self.shapes.number("resolucion", company.resolucion[1]),
            }
        if "TIMBRE" in asked:
            result["TIMBRE"] = b64(_render.timbre(stored.dte))
        if "LOGO" in asked:
            result["LOGO"] = b64(logo_png())
        if "XML" in asked:
            result["XML"] = b64(_render.xml(stored.dte, company, now))
        if "PDF" in asked:
            result["PDF"] = b64(_render.pdf(stored.dte, stored.layout, company, custom=custom))
        if link is not None:
            link.document_token = stored.token
            self.store.add_link(link)
            if "SELF_SERVICE" in asked:
                result["SELF_SERVICE"] = self._link_answer(link)
        if warning:
            result["WARNING"] = warning
        return self._success(result)

    def _success(self, result: dict[str, Any]) -> web.Response:
        return answer(result, 201 if self.shapes.alternate("emission_status") else 200)

    def _link_answer(self, link: SelfServiceLink) -> Any:
        url = self._link_url(link)
        return url if self.shapes.alternate("self_service_url") else {"url": url}

    def _check_artesano_cap(self, company: Company, dte: dict[str, Any]) -> None:
        cap = self.fake.artesano_monthly_cap
        assert cap is not None
        month = str(dte["Encabezado"]["IdDoc"].get("FchEmis", ""))[:7]
        total = _amount(dte["Encabezado"]["Totales"].get("MntTotal"))
        for doc in self.fake.documents:
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
        return f"{self.fake.base_url}/autoservicio/{link.token}"
