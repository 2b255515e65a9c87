"""The SII XML of a sandbox document: ISO-8859-1, with a clearly fake TED and signature.

Facturas, notas and guías (33, 34, 46, 52, 56, 61) follow ``DTE_v10.xsd`` (element
``DTE/Documento``); liquidaciones-factura (43) follow its ``DTE/Liquidacion`` element;
boletas (39, 41) follow ``BOLETADefType`` of ``EnvioBOLETA_v11.xsd``,
the SII's boleta schema. Elements come out in schema order whatever the JSON order was;
JSON keys the schema does not know are left out (the API would not print them either).
Required elements the JSON may lack (``RznSocRecep`` of an anonymous boleta, the issuer's
``Acteco`` on a boleta body; a liquidación's ``GiroRecep``/``DirRecep``/``CmnaRecep``,
``TpoDocLiq`` and ``ValComExe``) are filled from the sandbox's data or with placeholders.

The TED (timbre) and ``ds:Signature`` are structurally valid but **fake**: the CAF key,
``FRMA``, ``FRMT`` and ``SignatureValue`` say ``OPENFACTURA SANDBOX`` in base64, like the
real development environment's simulated CAF they cannot be verified. ``DigestValue`` is
the real SHA-1 of the ``Documento`` (``Liquidacion``) element as serialized here (not
canonicalised).

Usage::

    xml_bytes = document_xml(dte, issuer_name="HAULMER SPA", acteco=479100, caf_first=1000)
    base64.b64encode(xml_bytes)      # what GET /document/{token}/xml answers
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

__all__ = ["BOLETA_TYPES", "LIQUIDACION", "document_xml"]

SII = "http://www.sii.cl/SiiDte"
DS = "http://www.w3.org/2000/09/xmldsig#"
BOLETA_TYPES = frozenset({39, 41})
LIQUIDACION = 43

# (name, children) in schema order; children None for a simple element, with max length
# for strings where a long value would break the schema.
Spec = tuple[tuple[str, Any], ...]


def _simple(*names: str) -> Spec:
    return tuple((name, None) for name in names)


_CDG_ITEM: Spec = (("TpoCodigo", 10), ("VlrCodigo", 35))
_IMPTO: Spec = (("TipoImp", None), ("TasaImp", None), ("MontoImp", None))

_DTE_IDDOC: Spec = (
    *_simple("TipoDTE", "Folio", "FchEmis", "IndNoRebaja", "TipoDespacho", "IndTraslado"),
    *_simple("TpoImpresion", "IndServicio", "MntBruto", "TpoTranCompra", "TpoTranVenta"),
    *_simple("FmaPago", "FmaPagExp", "FchCancel", "MntCancel", "SaldoInsol"),
    ("MntPagos", (("FchPago", None), ("MntPago", None), ("GlosaPagos", 40))),
    ("PeriodoDesde", None),
    ("PeriodoHasta", None),
    ("MedioPago", None),
    ("TpoCtaPago", None),
    ("NumCtaPago", 20),
    ("BcoPago", 40),
    ("TermPagoCdg", 4),
    ("TermPagoGlosa", 100),
    ("TermPagoDias", None),
    ("FchVenc", None),
)
_DTE_EMISOR: Spec = (
    ("RUTEmisor", None),
    ("RznSoc", 100),
    ("GiroEmis", 80),
    ("Telefono", 20),
    ("CorreoEmisor", 80),
    ("Acteco", None),
    ("GuiaExport", (("CdgTraslado", None), ("FolioAut", None), ("FchAut", None))),
    ("Sucursal", 20),
    ("CdgSIISucur", None),
    ("DirOrigen", 70),
    ("CmnaOrigen", 20),
    ("CiudadOrigen", 20),
    ("CdgVendedor", 60),
    ("IdAdicEmisor", 20),
)
_DTE_RECEPTOR: Spec = (
    ("RUTRecep", None),
    ("CdgIntRecep", 20),
    ("RznSocRecep", 100),
    ("GiroRecep", 40),
    ("Contacto", 80),
    ("CorreoRecep", 80),
    ("DirRecep", 70),
    ("CmnaRecep", 20),
    ("CiudadRecep", 20),
    ("DirPostal", 70),
    ("CmnaPostal", 20),
    ("CiudadPostal", 20),
)
_DTE_TRANSPORTE: Spec = (
    ("Patente", 8),
    ("RUTTrans", None),
    ("Chofer", (("RUTChofer", None), ("NombreChofer", 30))),
    ("DirDest", 70),
    ("CmnaDest", 20),
    ("CiudadDest", 20),
)
_DTE_TOTALES: Spec = (
    ("MntNeto", None),
    ("MntExe", None),
    ("MntBase", None),
    ("MntMargenCom", None),
    ("TasaIVA", None),
    ("IVA", None),
    ("IVAProp", None),
    ("IVATerc", None),
    ("ImptoReten", _IMPTO),
    ("IVANoRet", None),
    ("CredEC", None),
    ("GrntDep", None),
    ("MntTotal", None),
    ("MontoNF", None),
    ("MontoPeriodo", None),
    ("SaldoAnterior", None),
    ("VlrPagar", None),
)
_DTE_DETALLE: Spec = (
    ("NroLinDet", None),
    ("CdgItem", _CDG_ITEM),
    ("IndExe", None),
    ("NmbItem", 80),
    ("DscItem", 1000),
    ("QtyRef", None),
    ("UnmdRef", 4),
    ("PrcRef", None),
    ("QtyItem", None),
    ("FchElabor", None),
    ("FchVencim", None),
    ("UnmdItem", 4),
    ("PrcItem", None),
    ("DescuentoPct", None),
    ("DescuentoMonto", None),
    ("RecargoPct", None),
    ("RecargoMonto", None),
    ("CodImpAdic", None),
    ("MontoItem", None),
)
_DSC_RCG: Spec = (
    ("NroLinDR", None),
    ("TpoMov", None),
    ("GlosaDR", 45),
    ("TpoValor", None),
    ("ValorDR", None),
    ("IndExeDR", None),
)
_DTE_REFERENCIA: Spec = (
    ("NroLinRef", None),
    ("TpoDocRef", 3),
    ("IndGlobal", None),
    ("FolioRef", None),
    ("RUTOtr", None),
    ("FchRef", None),
    ("CodRef", None),
    ("RazonRef", 90),
)
_COMISIONES: Spec = (
    ("NroLinCom", None),
    ("TipoMovim", None),
    ("Glosa", 60),
    ("TasaComision", None),
    ("ValComNeto", None),
    ("ValComExe", None),
    ("ValComIVA", None),
)
_DTE_DOC: Spec = (
    (
        "Encabezado",
        (
            ("IdDoc", _DTE_IDDOC),
            ("Emisor", _DTE_EMISOR),
            ("RUTMandante", None),
            ("Receptor", _DTE_RECEPTOR),
            ("RUTSolicita", None),
            ("Transporte", _DTE_TRANSPORTE),
            ("Totales", _DTE_TOTALES),
        ),
    ),
    ("Detalle", _DTE_DETALLE),
    ("DscRcgGlobal", _DSC_RCG),
    ("Referencia", _DTE_REFERENCIA),
    ("Comisiones", _COMISIONES),
)

# ``DTE/Liquidacion`` (type 43): no guía/export fields, ``TpoDocLiq`` on every line, the
# commissions both summed in ``Totales`` and itemised in ``Comisiones``; no ``DscRcgGlobal``.
_LIQ_IDDOC: Spec = tuple(
    item
    for item in _DTE_IDDOC
    if item[0] not in ("IndNoRebaja", "TipoDespacho", "IndTraslado", "TpoImpresion", "FmaPagExp")
)
_LIQ_EMISOR: Spec = tuple(
    item for item in _DTE_EMISOR if item[0] not in ("GuiaExport", "IdAdicEmisor")
)
_LIQ_TOTALES: Spec = (
    *_simple("MntNeto", "MntExe", "TasaIVA", "IVA", "IVAProp", "IVATerc"),
    ("ImptoReten", _IMPTO),
    ("Comisiones", _simple("ValComNeto", "ValComExe", "ValComIVA")),
    *_simple("MntTotal", "MontoPeriodo", "SaldoAnterior", "VlrPagar"),
)
_LIQ_DETALLE: Spec = (
    ("NroLinDet", None),
    ("CdgItem", _CDG_ITEM),
    ("TpoDocLiq", 3),
    ("IndExe", None),
    ("NmbItem", 80),
    ("DscItem", 1000),
    ("QtyRef", None),
    ("UnmdRef", 4),
    ("PrcRef", None),
    ("QtyItem", None),
    ("Subcantidad", (("SubQty", None), ("SubCod", 35))),
    ("FchElabor", None),
    ("FchVencim", None),
    ("UnmdItem", 4),
    ("PrcItem", None),
    ("CodImpAdic", None),
    ("MontoItem", None),
)
_SUBTOT: Spec = (
    ("NroSTI", None),
    ("GlosaSTI", 40),
    *_simple("OrdenSTI", "SubTotNetoSTI", "SubTotIVASTI", "SubTotAdicSTI", "SubTotExeSTI"),
    *_simple("ValSubtotSTI", "LineasDeta"),
)
_LIQ_REFERENCIA: Spec = (
    ("NroLinRef", None),
    ("TpoDocRef", 3),
    ("IndGlobal", None),
    ("FolioRef", 18),
    ("FchRef", None),
    ("CodRef", None),
    ("RazonRef", 90),
)
_LIQ_DOC: Spec = (
    (
        "Encabezado",
        (
            ("IdDoc", _LIQ_IDDOC),
            ("Emisor", _LIQ_EMISOR),
            ("Receptor", _DTE_RECEPTOR),
            ("Totales", _LIQ_TOTALES),
        ),
    ),
    ("Detalle", _LIQ_DETALLE),
    ("SubTotInfo", _SUBTOT),
    ("Referencia", _LIQ_REFERENCIA),
    ("Comisiones", _COMISIONES),
)

_BOL_DOC: Spec = (
    (
        "Encabezado",
        (
            (
                "IdDoc",
                _simple(
                    "TipoDTE",
                    "Folio",
                    "FchEmis",
                    "IndServicio",
                    "IndMntNeto",
                    "PeriodoDesde",
                    "PeriodoHasta",
                    "FchVenc",
                ),
            ),
            (
                "Emisor",
                (
                    ("RUTEmisor", None),
                    ("RznSocEmisor", 100),
                    ("GiroEmisor", 80),
                    ("CdgSIISucur", None),
                    ("DirOrigen", 70),
                    ("CmnaOrigen", 20),
                    ("CiudadOrigen", 20),
                ),
            ),
            (
                "Receptor",
                (
                    ("RUTRecep", None),
                    ("CdgIntRecep", 20),
                    ("RznSocRecep", 100),
                    ("Contacto", 80),
                    ("DirRecep", 70),
                    ("CmnaRecep", 20),
                    ("CiudadRecep", 20),
                ),
            ),
            (
                "Totales",
                _simple(
                    "MntNeto",
                    "MntExe",
                    "IVA",
                    "MntTotal",
                    "MontoNF",
                    "TotalPeriodo",
                    "SaldoAnterior",
                    "VlrPagar",
                ),
            ),
        ),
    ),
    (
        "Detalle",
        (
            ("NroLinDet", None),
            ("CdgItem", _CDG_ITEM),
            ("IndExe", None),
            ("NmbItem", 80),
            ("DscItem", 1000),
            ("QtyItem", None),
            ("UnmdItem", 4),
            ("PrcItem", None),
            ("DescuentoPct", None),
            ("DescuentoMonto", None),
            ("RecargoPct", None),
            ("RecargoMonto", None),
            ("MontoItem", None),
        ),
    ),
    ("DscRcgGlobal", _DSC_RCG),
    (
        "Referencia",
        (
            ("NroLinRef", None),
            ("TpoDocRef", 3),
            ("FolioRef", 18),
            ("CodRef", 18),
            ("RazonRef", 90),
        ),
    ),
)


def _q(name: str) -> str:
    return f"{{{SII}}}{name}"


def _text(value: Any, max_length: int | None) -> str:
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, float | Decimal):
        text = format(Decimal(str(value)).normalize(), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = str(value)
    return text[:max_length] if isinstance(max_length, int) else text


def _fill(parent: ET.Element, spec: Spec, data: dict[str, Any]) -> None:
    for name, children in spec:
        value = data.get(name)
        if value is None or value == "":
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(children, tuple):
                if isinstance(item, dict):
                    _fill(ET.SubElement(parent, _q(name)), children, item)
            elif not isinstance(item, dict | list):
                ET.SubElement(parent, _q(name)).text = _text(item, children)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _add(parent: ET.Element, name: str, text: Any = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, name, attrib)
    if text is not None:
        element.text = str(text)
    return element


def _normalised(dte: dict[str, Any], tipo: int, issuer_name: str, acteco: int) -> dict[str, Any]:
    """A copy with the elements the schema requires present, named as the schema names them."""
    enc = dict(dte.get("Encabezado", {}))
    emisor = dict(enc.get("Emisor", {}))
    receptor = dict(enc.get("Receptor", {}))
    if tipo in BOLETA_TYPES:
        emisor.setdefault("RznSocEmisor", emisor.get("RznSoc") or issuer_name)
        emisor.setdefault("GiroEmisor", emisor.get("GiroEmis"))
    else:
        emisor.setdefault("RznSoc", emisor.get("RznSocEmisor") or issuer_name)
        emisor.setdefault("GiroEmis", emisor.get("GiroEmisor") or "SIN GIRO")
        emisor.setdefault("Acteco", acteco)
        receptor.setdefault("RznSocRecep", "SIN RAZON SOCIAL")
    enc["Emisor"] = emisor
    enc["Receptor"] = receptor
    out = dict(dte) | {"Encabezado": enc}
    if tipo == LIQUIDACION:
        # The Liquidacion element requires what a factura's Receptor may omit.
        emisor.setdefault("DirOrigen", "SIN DIRECCION")
        for name, placeholder in (
            ("GiroRecep", "SIN GIRO"),
            ("DirRecep", "SIN DIRECCION"),
            ("CmnaRecep", "SIN COMUNA"),
        ):
            if receptor.get(name) in (None, ""):
                receptor[name] = placeholder
        out["Detalle"] = [
            line | {"TpoDocLiq": line.get("TpoDocLiq") or "33"} if isinstance(line, dict) else line
            for line in dte.get("Detalle") or []
        ]
        out["Comisiones"] = [
            {"ValComNeto": 0, "ValComExe": 0} | item if isinstance(item, dict) else item
            for item in dte.get("Comisiones") or []
        ]
    return out


def document_xml(
    dte: dict[str, Any],
    *,
    issuer_name: str,
    acteco: int,
    caf_first: int = 1,
    signed_at: dt.datetime | None = None,
) -> bytes:
    """The document as the SII's XML, encoded ISO-8859-1 (``DTE`` root element)."""
    ET.register_namespace("", SII)
    ET.register_namespace("ds", DS)
    id_doc = dte["Encabezado"]["IdDoc"]
    tipo, folio = int(id_doc["TipoDTE"]), int(id_doc["Folio"])
    data = _normalised(dte, tipo, issuer_name, acteco)
    stamp = (signed_at or dt.datetime.now()).replace(microsecond=0).isoformat()
    doc_id = f"F{folio}T{tipo}"

    root = ET.Element(_q("DTE"), {"version": "1.0"})
    if tipo == LIQUIDACION:
        element, spec = "Liquidacion", _LIQ_DOC
    else:
        element, spec = "Documento", _BOL_DOC if tipo in BOLETA_TYPES else _DTE_DOC
    documento = ET.SubElement(root, _q(element), {"ID": doc_id})
    _fill(documento, spec, data)

    enc = data["Encabezado"]
    emisor, receptor = enc["Emisor"], enc["Receptor"]
    lines = data.get("Detalle") or [{}]
    first_item = str(lines[0].get("NmbItem") or "ITEM")
    ted = _add(documento, _q("TED"), version="1.0")
    dd = _add(ted, _q("DD"))
    _add(dd, _q("RE"), emisor.get("RUTEmisor"))
    _add(dd, _q("TD"), tipo)
    _add(dd, _q("F"), folio)
    _add(dd, _q("FE"), id_doc.get("FchEmis"))
    _add(dd, _q("RR"), receptor.get("RUTRecep"))
    _add(dd, _q("RSR"), _text(receptor.get("RznSocRecep") or "CONSUMIDOR FINAL", 40))
    _add(dd, _q("MNT"), int(enc.get("Totales", {}).get("MntTotal", 0) or 0))
    _add(dd, _q("IT1"), _text(first_item, 40))
    caf = _add(dd, _q("CAF"), version="1.0")
    da = _add(caf, _q("DA"))
    _add(da, _q("RE"), emisor.get("RUTEmisor"))
    _add(da, _q("RS"), _text(issuer_name, 40))
    _add(da, _q("TD"), tipo)
    rng = _add(da, _q("RNG"))
    _add(rng, _q("D"), caf_first)
    _add(rng, _q("H"), max(caf_first + 99_999, folio))
    _add(da, _q("FA"), "2018-03-26")
    rsapk = _add(da, _q("RSAPK"))
    _add(rsapk, _q("M"), _b64(b"OPENFACTURA SANDBOX: SIMULATED CAF, NOT AN SII KEY"))
    _add(rsapk, _q("E"), "Aw==")
    _add(da, _q("IDK"), 100)
    _add(caf, _q("FRMA"), _b64(b"OPENFACTURA SANDBOX CAF SIGNATURE"), algoritmo="SHA1withRSA")
    _add(dd, _q("TSTED"), stamp)
    dd_bytes = ET.tostring(dd, encoding="ISO-8859-1")
    frmt = b"OPENFACTURA SANDBOX TIMBRE " + hashlib.sha1(dd_bytes).hexdigest().encode()
    _add(ted, _q("FRMT"), _b64(frmt), algoritmo="SHA1withRSA")
    _add(documento, _q("TmstFirma"), stamp)

    digest = hashlib.sha1(ET.tostring(documento, encoding="ISO-8859-1")).digest()
    ds = f"{{{DS}}}"
    signature = _add(root, f"{ds}Signature")
    signed_info = _add(signature, f"{ds}SignedInfo")
    _add(
        signed_info,
        f"{ds}CanonicalizationMethod",
        Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    )
    _add(signed_info, f"{ds}SignatureMethod", Algorithm=f"{DS}rsa-sha1")
    reference = _add(signed_info, f"{ds}Reference", URI=f"#{doc_id}")
    _add(reference, f"{ds}DigestMethod", Algorithm=f"{DS}sha1")
    _add(reference, f"{ds}DigestValue", _b64(digest))
    _add(signature, f"{ds}SignatureValue", _b64(b"OPENFACTURA SANDBOX: NOT A REAL SIGNATURE"))
    key_info = _add(signature, f"{ds}KeyInfo")
    rsa = _add(_add(key_info, f"{ds}KeyValue"), f"{ds}RSAKeyValue")
    _add(rsa, f"{ds}Modulus", _b64(b"OPENFACTURA SANDBOX FAKE MODULUS"))
    _add(rsa, f"{ds}Exponent", "AQAB")
    x509 = _add(key_info, f"{ds}X509Data")
    _add(x509, f"{ds}X509Certificate", _b64(b"OPENFACTURA SANDBOX: NO CERTIFICATE"))
    body = ET.tostring(root, encoding="unicode")
    declaration = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    comment = "<!-- Openfactura sandbox: simulated CAF; TED and signature are fake. -->\n"
    return (declaration + comment + body).encode("iso-8859-1", errors="xmlcharrefreplace")
