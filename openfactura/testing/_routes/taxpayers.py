"""The fake of ``client.taxpayers``: the SII record of any taxpayer (E12)."""

from __future__ import annotations

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
            return answer(self.fake.company(request.match_info["rut"]).taxpayer())
        except KeyError:
            pass
        nulls = dict.fromkeys(("rut", "razonSocial", "email", "telefono", "direccion", "comuna"))
        return answer(nulls | {"actividades": [], "sucursales": []})
