"""The fake of ``client.self_service``: the two undocumented link routes (U1, U2).

Links are made by an emission with ``selfService`` (see :mod:`._emit`); their token is the
last path segment of ``SELF_SERVICE.url``.
"""

from __future__ import annotations

from aiohttp import web

from .._errors import RejectError, wrapped
from .._http import answer
from .._store import SelfServiceLink
from ._base import Routes, company_of

__all__ = ["SelfServiceRoutes"]


class SelfServiceRoutes(Routes):
    """``GET /selfservice/email/{t}`` and ``GET /selfservice/stateinvoice/{t}``."""

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        router.add_get(prefix + "/selfservice/email/{t}", self.resend_email)
        router.add_get(prefix + "/selfservice/stateinvoice/{t}", self.state)

    def _link(self, request: web.Request) -> SelfServiceLink:
        company = company_of(request)
        link = self.store.links.get(request.match_info["t"])
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

    async def resend_email(self, request: web.Request) -> web.Response:
        link = self._link(request)
        link.emails_sent += 1
        self.store.save(link)
        return answer({"message": "Correo enviado"})

    async def state(self, request: web.Request) -> web.Response:
        return answer({"response": self._link(request).state})
