"""The DTE (documento tributario electrónico) as typed models.

One class per document type, built from lines with totals computed, validated locally,
written in the API's wire format, and read back from JSON or XML::

    from decimal import Decimal
    from openfactura.dte import Factura, Emisor, Receptor, Detalle

    factura = Factura.build(emisor=emisor, receptor=receptor,
                            detalle=[Detalle(nmb_item="Hosting", qty_item=Decimal(1),
                                             prc_item=Decimal(2000))])
    factura.validate()        # [] or [ErrorDetail(field, issue), ...]
    factura.to_wire()         # {"Encabezado": {...}, "Detalle": [...]}

    doc = from_wire(data)     # picks Factura/Boleta/... from IdDoc.TipoDTE
    doc = parse_xml(xml)      # same, from the SII XML

Document classes: :class:`Factura` (33), :class:`FacturaExenta` (34), :class:`Boleta` (39),
:class:`BoletaExenta` (41), :class:`LiquidacionFactura` (43), :class:`FacturaCompra` (46),
:class:`GuiaDespacho` (52), :class:`NotaDebito` (56), :class:`NotaCredito` (61),
:class:`FacturaExportacion` (110), :class:`NotaDebitoExportacion` (111),
:class:`NotaCreditoExportacion` (112).
"""

from __future__ import annotations

from ._documents import (
    DOCUMENT_CLASSES,
    Boleta,
    BoletaExenta,
    Document,
    Factura,
    FacturaCompra,
    FacturaExenta,
    FacturaExportacion,
    GuiaDespacho,
    LiquidacionFactura,
    NotaCredito,
    NotaCreditoExportacion,
    NotaDebito,
    NotaDebitoExportacion,
    document_class,
    from_wire,
    to_wire,
)
from ._elements import *  # noqa: F403
from ._elements import __all__ as _element_names
from ._enums import (
    Acuse,
    CodRef,
    FmaPago,
    IndExe,
    IndExeDR,
    IndServicio,
    IndTraslado,
    MedioPago,
    MedioPagoBoleta,
    ResponseItem,
    TipoDespacho,
    TipoDTE,
    TpoMov,
    TpoTranCompra,
    TpoTranVenta,
    TpoValor,
)
from ._totals import IVA_RATE, RETAINED_TAX_CODES, TAX_RATES, compute_totals, line_amount
from ._validate import TruncationWarning, ensure_valid, fit_lengths, validate
from ._xml import parse_xml, parse_xml_all

__all__ = [
    "DOCUMENT_CLASSES",
    "IVA_RATE",
    "RETAINED_TAX_CODES",
    "TAX_RATES",
    "Acuse",
    "Boleta",
    "BoletaExenta",
    "CodRef",
    "Document",
    "Factura",
    "FacturaCompra",
    "FacturaExenta",
    "FacturaExportacion",
    "FmaPago",
    "GuiaDespacho",
    "IndExe",
    "IndExeDR",
    "IndServicio",
    "IndTraslado",
    "LiquidacionFactura",
    "MedioPago",
    "MedioPagoBoleta",
    "NotaCredito",
    "NotaCreditoExportacion",
    "NotaDebito",
    "NotaDebitoExportacion",
    "ResponseItem",
    "TipoDTE",
    "TipoDespacho",
    "TpoMov",
    "TpoTranCompra",
    "TpoTranVenta",
    "TpoValor",
    "TruncationWarning",
    "compute_totals",
    "document_class",
    "ensure_valid",
    "fit_lengths",
    "from_wire",
    "line_amount",
    "parse_xml",
    "parse_xml_all",
    "to_wire",
    "validate",
    *_element_names,
]
