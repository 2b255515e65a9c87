"""The renderings of a document the routes hand out: the TED image, the SII XML, the PDF.

Usage::

    timbre(dte)                                   # PNG bytes of the TED barcode
    xml(dte, company, at)                         # ISO-8859-1 XML bytes
    pdf(dte, "LETTER", company, cedible=True)     # PDF bytes
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .._companies import Company
from .._png import logo_png, timbre_png

__all__ = ["pdf", "timbre", "xml"]


def timbre(dte: dict[str, Any]) -> bytes:
    """The TED (timbre) image of ``dte``: a fake barcode seeded by issuer, type and folio."""
    id_doc = dte["Encabezado"]["IdDoc"]
    emisor = dte["Encabezado"]["Emisor"]
    seed = f"{emisor.get('RUTEmisor')}/{id_doc.get('TipoDTE')}/{id_doc.get('Folio')}"
    return timbre_png(seed.encode())


def xml(dte: dict[str, Any], company: Company | None, at: float) -> bytes:
    """The SII XML of ``dte`` signed at ``at`` (``company``: the issuer, if a sandbox one)."""
    from .._xml import document_xml

    emisor = dte["Encabezado"]["Emisor"]
    name = company.razon_social if company else str(emisor.get("RznSoc") or "EMISOR")
    acteco = company.acteco if company else int(emisor.get("Acteco") or 620200)
    tipo = int(dte["Encabezado"]["IdDoc"]["TipoDTE"])
    first = company.folio_range(tipo)[0] if company else 1
    signed = dt.datetime.fromtimestamp(at)
    return document_xml(dte, issuer_name=name, acteco=acteco, caf_first=first, signed_at=signed)


def pdf(
    dte: dict[str, Any],
    layout: str,
    company: Company | None,
    *,
    cedible: bool = False,
    custom: dict[str, Any] | None = None,
) -> bytes:
    """The printed document in ``layout`` (``LETTER``, ``80MM``...), or its cedible copy."""
    from .._pdf import PrintJob, render_pdf

    notes = tuple(
        str(custom[name])
        for name in ("informationNote", "paymentNote")
        if custom and custom.get(name)
    )
    job = PrintJob(
        dte=dte,
        layout=layout,
        cedible=cedible,
        timbre=timbre(dte),
        logo=logo_png() if company is not None else None,
        resolucion=company.resolucion if company else ("2018-03-26", 0),
        notes=notes,
    )
    return render_pdf(job)
