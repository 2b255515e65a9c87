"""The fake of ``client.organization``: the key's company (E10) and its folios (E11)."""

from __future__ import annotations

from aiohttp import web

from .._http import answer, b64
from .._png import logo_png
from ._base import Routes, company_of

__all__ = ["OrganizationRoutes"]


class OrganizationRoutes(Routes):
    """``GET /organization[?extra_fields=logo]`` and ``GET /organization/document``."""

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        router.add_get(f"{prefix}/organization", self.get)
        router.add_get(f"{prefix}/organization/document", self.folios)

    async def get(self, request: web.Request) -> web.Response:
        body = company_of(request).organization()
        body["resolucion"]["numero"] = self.shapes.number(
            "resolucion", body["resolucion"]["numero"]
        )
        for activity in body["actividades"]:
            code = activity["codigoActividadEconomica"]
            activity["codigoActividadEconomica"] = self.shapes.number("acteco", code)
        if request.query.get("extra_fields") == "logo":
            body["logo"] = b64(logo_png())
        return answer(body)

    async def folios(self, request: web.Request) -> web.Response:
        company = company_of(request)
        rows = []
        for tipo in company.document_types:
            first, last = company.folio_range(tipo)
            used = self.store.used_folios(company.rut, tipo, first)
            count = "disponible" if self.shapes.alternate("disponible") else "disponibles"
            rows.append(
                {
                    "dte": self.shapes.number("folios_dte", tipo),
                    count: last - first + 1 - used,
                    "vencimiento": "2027-03-01",
                }
            )
        return answer({"rut": company.rut, "documentos": rows})
