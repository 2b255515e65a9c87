"""Answers of the document reads and lists: status, document JSON, PDF, XML, list pages.

Usage::

    status = await client.documents.status(token)
    if status.is_final: ...
    pdf = await client.documents.pdf(token)
    pdf.save("factura.pdf")
    async for row in client.documents.issued(fch_emis=("2026-09-01", "2026-09-30")):
        print(row.folio, row.mnt_total, row.token)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import ResponseDecodeError, ValidationError
from .._fields import extra_field, wire
from ._common import Day, DocumentStatus, Timestamp, XmlText, answer_hook, write_file

if TYPE_CHECKING:
    from ..dte import Document

__all__ = [
    "AcuseEvent",
    "DocumentJson",
    "IssuedDocument",
    "IssuedPage",
    "PdfFile",
    "ReceivedDocument",
    "ReceivedPage",
    "StatusResult",
    "XmlFile",
]


def _read_server_document(read: Callable[[Any], Document], data: Any, body: Any) -> Document:
    """``read(data)``; the API's document that the models refuse is the server's failure."""
    try:
        return read(data)
    except ValidationError as exc:
        raise ResponseDecodeError(
            f"Could not read the API's document: {exc.message}",
            status=200,
            body=body,
            problems=exc.problems,
        ) from exc


@attrs.frozen(kw_only=True)
class StatusResult:
    """``GET /document/{token}/status`` (or ``/{rut}/{type}/{folio}/status``).

    ``estado`` is a :class:`DocumentStatus` (a ``str``); ``is_final`` tells whether the SII
    has decided. ``token`` comes with reads by token, ``folio`` with reads by folio. The
    API may also answer with the bare status text (``"Aceptado"``); both are read.
    """

    estado: DocumentStatus = wire("estado")
    token: str | None = wire("token", default=None)
    folio: int | None = wire("folio", default=None)
    extra: dict[str, Any] = extra_field()

    @property
    def is_final(self) -> bool:
        """``Aceptado``, ``Aceptado con Reparo(s)`` or ``Rechazado``."""
        return self.estado.is_final


@attrs.frozen(kw_only=True)
class DocumentJson:
    """``GET .../json``: the document as Openfactura stores it, plus reception times.

    ``json`` is the DTE tree as the API returns it (numbers may come back as strings and
    accented text may be mis-encoded, as the API does); ``fch_recep_of`` is when
    Openfactura received it, ``fch_recep_sii`` when the SII did (``None`` until known).
    """

    json: dict[str, Any] = wire("json", factory=dict)
    token: str | None = wire("token", default=None)
    folio: int | None = wire("folio", default=None)
    fch_recep_sii: Timestamp = wire("FchRecepSII", default=None)
    fch_recep_of: Timestamp = wire("FchRecepOF", default=None)
    extra: dict[str, Any] = extra_field()

    def to_document(self) -> Document:
        """The ``json`` tree read into the DTE models (:func:`openfactura.dte.from_wire`).

        Raises :class:`~openfactura.ResponseDecodeError` if the API's tree cannot be read.
        """
        from ..dte import from_wire

        return _read_server_document(from_wire, self.json, self.json)


@attrs.frozen(kw_only=True)
class PdfFile:
    """A PDF from ``GET .../pdf`` or ``.../cedible``: ``content`` is the decoded bytes.

    >>> pdf.save("factura-600625.pdf")                   # doctest: +SKIP
    >>> pdf.save("factura-600625.pdf", overwrite=True)   # doctest: +SKIP
    """

    pdf: bytes | None = wire("pdf", default=None)
    cedible: bytes | None = wire("cedible", default=None)
    folio: int | None = wire("folio", default=None)
    token: str | None = wire("token", default=None)
    extra: dict[str, Any] = extra_field()

    @property
    def content(self) -> bytes:
        """The PDF bytes (the answer's ``pdf``, or ``cedible`` for some cedible answers)."""
        return self.pdf if self.pdf is not None else self.cedible or b""

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the PDF to ``path``; ``FileExistsError`` if it exists and not ``overwrite``."""
        return write_file(path, self.content, overwrite=overwrite)


@attrs.frozen(kw_only=True)
class XmlFile:
    """The signed XML from ``GET .../xml``: ``content`` is text, ``raw`` its ISO-8859-1 bytes."""

    xml: XmlText | None = wire("xml", default=None)
    token: str | None = wire("token", default=None)
    folio: int | None = wire("folio", default=None)
    extra: dict[str, Any] = extra_field()

    @property
    def content(self) -> str:
        """The XML document as text (decoded from ISO-8859-1)."""
        return str(self.xml or "")

    @property
    def raw(self) -> bytes:
        """The XML document as ISO-8859-1 bytes, as its declaration says."""
        return self.xml.raw if self.xml is not None else b""

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the ISO-8859-1 bytes to ``path``; refuse to replace a file unless asked."""
        return write_file(path, self.raw, overwrite=overwrite)

    def parse(self) -> Document:
        """Read the XML into the DTE models (:func:`openfactura.dte.parse_xml`).

        Raises :class:`~openfactura.ResponseDecodeError` if the API's XML cannot be read.
        """
        from ..dte import parse_xml

        return _read_server_document(parse_xml, self.raw, self.content)


@attrs.frozen(kw_only=True)
class IssuedDocument:
    """One row of ``POST /document/issued``. ``rut_recep`` is the receiver's RUT body."""

    rut_recep: int | None = wire("RUTRecep", default=None)
    dv: str | None = wire("DV", default=None)
    rzn_soc_recep: str | None = wire("RznSocRecep", default=None)
    tipo_dte: int = wire("TipoDTE")
    folio: int = wire("Folio")
    fch_emis: Day = wire("FchEmis", default=None)
    fecha_recibido: Timestamp = wire("FechaRecibido", default=None)
    mnt_exe: int | None = wire("MntExe", default=None)
    mnt_neto: int | None = wire("MntNeto", default=None)
    iva: int | None = wire("IVA", default=None)
    mnt_total: int | None = wire("MntTotal", default=None)
    fma_pago: int | None = wire("FmaPago", default=None)
    token: str | None = wire("Token", default=None)
    """The document token (the API spells the key ``Token`` or ``token``; both are read)."""
    extra: dict[str, Any] = extra_field()

    @property
    def receptor_rut(self) -> str | None:
        """The receiver's RUT as ``"66666666-6"``."""
        if self.rut_recep is None:
            return None
        return f"{self.rut_recep}-{self.dv}" if self.dv else str(self.rut_recep)


@attrs.frozen(kw_only=True)
class AcuseEvent:
    """One entry of a received document's ``Acuses``."""

    cod_evento: str | None = wire("codEvento", default=None)
    fecha_evento: str | None = wire("fechaEvento", default=None)
    estado: str | None = wire("estado", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class ReceivedDocument:
    """One row of ``POST /document/received``. ``rut_emisor`` is the supplier's RUT body."""

    rut_emisor: int | None = wire("RUTEmisor", default=None)
    dv: str | None = wire("DV", default=None)
    rzn_soc: str | None = wire("RznSoc", default=None)
    tipo_dte: int = wire("TipoDTE")
    folio: int = wire("Folio")
    fch_emis: Day = wire("FchEmis", default=None)
    fch_recep_sii: Timestamp = wire("FchRecepSII", default=None)
    fch_recep_of: Timestamp = wire("FchRecepOF", default=None)
    mnt_exe: int | None = wire("MntExe", default=None)
    mnt_neto: int | None = wire("MntNeto", default=None)
    iva: int | None = wire("IVA", default=None)
    mnt_total: int | None = wire("MntTotal", default=None)
    acuses: list[AcuseEvent] | None = wire("Acuses", default=None)
    fma_pago: int | None = wire("FmaPago", default=None)
    tpo_tran_compra: int | None = wire("TpoTranCompra", default=None)
    token: str | None = wire("Token", default=None)
    """The document token when the API gives one (``Token`` or ``token``; both are read)."""
    extra: dict[str, Any] = extra_field()

    @property
    def emisor_rut(self) -> str | None:
        """The supplier's RUT as ``"76795561-8"`` (what accuse/status by folio take)."""
        if self.rut_emisor is None:
            return None
        return f"{self.rut_emisor}-{self.dv}" if self.dv else str(self.rut_emisor)


@attrs.frozen(kw_only=True)
class IssuedPage:
    """One page (up to 30 rows) of issued documents."""

    current_page: int = wire("current_page", default=1)
    last_page: int = wire("last_page", default=1)
    total: int = wire("total", default=0)
    data: list[IssuedDocument] = wire("data", factory=list)
    extra: dict[str, Any] = extra_field()

    @property
    def is_last(self) -> bool:
        """No page follows this one (``current_page >= last_page``)."""
        return self.current_page >= self.last_page


@attrs.frozen(kw_only=True)
class ReceivedPage:
    """One page (up to 30 rows) of received documents."""

    current_page: int = wire("current_page", default=1)
    last_page: int = wire("last_page", default=1)
    total: int = wire("total", default=0)
    data: list[ReceivedDocument] = wire("data", factory=list)
    extra: dict[str, Any] = extra_field()

    @property
    def is_last(self) -> bool:
        """No page follows this one (``current_page >= last_page``)."""
        return self.current_page >= self.last_page


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return True
    return isinstance(value, str) and value.strip().isdigit()


def _no_more_pages(data: dict[str, Any]) -> None:
    """``"last_page": "N/A"`` (or any non-number): the API's way of saying "no more pages"."""
    last = data.get("last_page")
    if last is not None and not _is_number(last):
        data["last_page"] = data.get("current_page", 1)


_TOKEN = {"Token": "token", "TOKEN": "token"}
_ROW_TOKEN = {"token": "Token", "TOKEN": "Token"}

answer_hook(StatusResult, scalar="estado", aliases=_TOKEN)
answer_hook(DocumentJson, aliases=_TOKEN)
answer_hook(PdfFile, scalar="pdf", aliases=_TOKEN)
answer_hook(XmlFile, aliases=_TOKEN)
answer_hook(IssuedDocument, aliases=_ROW_TOKEN)
answer_hook(AcuseEvent)
answer_hook(ReceivedDocument, aliases=_ROW_TOKEN)
answer_hook(IssuedPage, prepare=_no_more_pages)
answer_hook(ReceivedPage, prepare=_no_more_pages)
