"""The fake of ``client.taxpayers``: the SII record of any taxpayer (E12)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._http import answer
from ._base import Routes

__all__ = ["TaxpayerRoutes"]


class TaxpayerRoutes(Routes):
    """``GET /taxpayer/{rut}``: the sandbox's companies are known, any other RUT is not."""

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        router.add_get(prefix + "/taxpayer/{rut}", self.get)

    async def get(self, request: web.Request) -> web.Response:
        try:
            record = self.fake.company(request.match_info["rut"]).taxpayer()
        except KeyError:
            return answer(self._unknown())
        for activity in record["actividades"]:
            code = activity["codigoActividadEconomica"]
            activity["codigoActividadEconomica"] = self.shapes.number("acteco", code)
        return answer(record)

    def _unknown(self) -> dict[str, Any]:
        """An unknown RUT: HTTP 200 and every field ``null`` (reference E12)."""
        nulls: dict[str, Any] = dict.fromkeys(
            ("rut", "razonSocial", "email", "telefono", "direccion", "comuna")
        )
        if self.shapes.alternate("taxpayer_unknown"):
            activity = dict.fromkeys(
                ("giro", "actividadEconomica", "codigoActividadEconomica", "actividadPrincipal")
            )
            return nulls | {"actividades": [activity], "sucursales": []}
        return nulls | {"actividades": None, "sucursales": None}
