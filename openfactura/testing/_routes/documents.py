"""The fake of ``client.documents``: emission, reads, lists, accuses, voiding a guía.

* ``POST /document`` (and ``/issue``): :mod:`._emit`;
* ``GET /document/{token}/{value}`` (E2) and ``GET /document/{rut}/{type}/{folio}/{value}``
  (E3): ``status``, ``json``, ``xml``, ``pdf``, ``cedible`` of issued documents, and by
  folio of received ones;
* ``POST /document/issued`` and ``/document/received``: :mod:`._lists`;
* ``POST /document/received/accuse`` (E6) and ``POST /anularDTE52`` (E13).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .._amounts import BOLETAS
from .._companies import Company
from .._errors import fields_error, not_found
from .._http import answer, b64, read_body, stamp
from .._store import ReceivedDocument, StoredDocument
from . import _render
from ._base import Routes, company_of
from ._emit import Emission
from ._lists import DocumentLists

__all__ = ["ACUSES", "NOT_FINAL_STATES", "READ_VALUES", "DocumentRoutes"]

ACUSES = frozenset({"ACD", "RCD", "ERM", "RFP", "RFT"})
READ_VALUES = ("status", "json", "xml", "pdf", "cedible")
NOT_FINAL_STATES = ("Pendiente", "Sin estado")


class DocumentRoutes(Routes):
    """Every ``/document...`` route, and ``/anularDTE52``."""

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        Emission(self.fake).register(router, prefix)
        DocumentLists(self.fake).register(router, prefix)
        router.add_post(f"{prefix}/document/received/accuse", self.accuse)
        router.add_get(prefix + "/document/{token}/{value}", self.read_by_token)
        router.add_get(prefix + "/document/{rut}/{type}/{folio}/{value}", self.read_by_folio)
        router.add_post(f"{prefix}/anularDTE52", self.annul_guia)

    # -- reads ------------------------------------------------------------------------------

    async def read_by_token(self, request: web.Request) -> web.Response:
        """``GET /document/{token}/{value}`` (E2).

        An unknown token (or another company's) answers like an unknown folio on E3: HTTP
        400, shape W, ``OF-22`` "Problema al procesar los datos" with the details ``problema``,
        ``dte`` and ``folio``. The reasoning: the reference has no observation of its own of
        an E2 read of an unknown token; it says E2's errors are "as E3" (M), and E3's only
        observed not-found answer is that ``OF-22`` (CLI, dev, M). So the sandbox sends
        exactly E3's answer, in both variants. ``dte`` and ``folio`` are empty: the path
        names neither, and the token is not a folio (the text of ``problema`` is ours; the
        API's is not published). The SDK reads it as :class:`~openfactura.NotFoundError`.
        """
        company = company_of(request)
        token, value = request.match_info["token"], request.match_info["value"]
        doc = self.store.by_token.get(token)
        if doc is None or doc.company_rut != company.rut:
            raise not_found("", "")
        return self._read_issued(doc, value, company, by_token=True)

    async def read_by_folio(self, request: web.Request) -> web.Response:
        company = company_of(request)
        rut = request.match_info["rut"].replace(".", "").upper()
        tipo, folio = request.match_info["type"], request.match_info["folio"]
        value = request.match_info["value"]
        for doc in self.fake.documents:
            if (
                doc.company_rut.upper() == rut == company.rut.upper()
                and str(doc.tipo_dte) == tipo
                and str(doc.folio) == folio
            ):
                return self._read_issued(doc, value, company, by_token=False)
        for received in self.fake.received:
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
            self.store.save(doc)
            estado = self.fake._estado(doc)
            if by_token:
                return answer(
                    estado if self.shapes.alternate("status") else {"estado": estado} | ident
                )
            return answer({"estado": estado, "folio": self._status_folio(doc.folio)})
        if value == "json":
            final = self.fake._estado(doc) not in NOT_FINAL_STATES
            return answer(
                {"json": self.shapes.json_document(doc.dte)}
                | ident
                | {"FchRecepSII": stamp(doc.at) if final else "", "FchRecepOF": stamp(doc.at)}
            )
        if value == "xml":
            xml = b64(_render.xml(doc.dte, company, doc.at))
            return answer({"xml": xml} | ({"token": doc.token} if by_token else {}))
        pdf = _render.pdf(
            doc.dte, doc.layout, company, cedible=value == "cedible", custom=doc.custom
        )
        if value == "cedible":
            return answer(self.shapes.cedible(b64(pdf), doc.folio))
        return answer({"pdf": b64(pdf), "folio": doc.folio})

    def _status_folio(self, folio: int) -> int | str:
        """E3 ``status`` gives the folio as text (observed); the alternate, a number."""
        return folio if self.shapes.alternate("status_folio") else str(folio)

    def _read_received(self, doc: ReceivedDocument, value: str) -> web.Response:
        self._check_value(value, doc.tipo_dte)
        if value == "status":
            return answer({"estado": "Aceptado", "folio": self._status_folio(doc.folio)})
        if value == "json":
            sii = "" if doc.fch_recep_sii is None else stamp(doc.fch_recep_sii)
            return answer(
                {
                    "json": self.shapes.json_document(doc.dte),
                    "folio": doc.folio,
                    "FchRecepSII": sii,
                    "FchRecepOF": stamp(doc.fch_recep_of),
                }
            )
        if value == "xml":
            return answer({"xml": b64(_render.xml(doc.dte, None, doc.fch_recep_of))})
        pdf = _render.pdf(doc.dte, "LETTER", None, cedible=value == "cedible")
        if value == "cedible":
            return answer(self.shapes.cedible(b64(pdf), doc.folio))
        return answer({"pdf": b64(pdf), "folio": doc.folio})

    # -- accuse and annul ---------------------------------------------------------------------

    async def accuse(self, request: web.Request) -> web.Response:
        company = company_of(request)
        body = await read_body(request)
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
        for doc in self.fake.received:
            if (
                doc.receiver_rut == company.rut
                and doc.issuer_rut.upper() == rut
                and (doc.tipo_dte, doc.folio) == (tipo, folio)
            ):
                doc.acuses.append(
                    {
                        "codEvento": acuse,
                        "fechaEvento": stamp(self.now())[:19],
                        "estado": "Realizado",
                    }
                )
                self.store.save(doc)
                return answer(
                    {
                        "data": [{"dte": tipo, "folio": folio, "acuse": acuse}],
                        "code": 200,
                        "result": "OK",
                        "msg": [{"codResp": 0, "descResp": "Acción Completada OK"}],
                    }
                )
        raise not_found(tipo, folio)

    async def annul_guia(self, request: web.Request) -> web.Response:
        company = company_of(request)
        body = await read_body(request)
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
        for doc in self.fake.documents:
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
                self.store.save(doc)
                key = "succes" if self.shapes.alternate("annul_key") else "success"
                return answer({key: f"Se ha anulado el documento Folio: {doc.folio}"})
        raise not_found(52, folio)
