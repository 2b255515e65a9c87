"""Codes the SII (and Openfactura) define for DTE fields, as enums.

Integer codes are :class:`enum.IntEnum` and text codes are ``str`` enums, so a member
compares equal to its wire value (``TipoDTE.FACTURA == 33``, ``TpoMov.DESCUENTO == "D"``)
and the converter writes the plain value. Member names follow the SII's Spanish wording.

Usage::

    from openfactura.dte import TipoDTE, FmaPago

    TipoDTE(33)            # <TipoDTE.FACTURA: 33>
    FmaPago.CONTADO.value  # 1
"""

from __future__ import annotations

import enum

__all__ = [
    "Acuse",
    "CodRef",
    "FmaPago",
    "IndExe",
    "IndExeDR",
    "IndServicio",
    "IndTraslado",
    "MedioPago",
    "MedioPagoBoleta",
    "ResponseItem",
    "TipoDTE",
    "TipoDespacho",
    "TpoMov",
    "TpoTranCompra",
    "TpoTranVenta",
    "TpoValor",
]


class TipoDTE(enum.IntEnum):
    """``TipoDTE``: the document type."""

    FACTURA = 33
    """Factura electrónica."""
    FACTURA_EXENTA = 34
    """Factura no afecta o exenta electrónica."""
    BOLETA = 39
    """Boleta electrónica."""
    BOLETA_EXENTA = 41
    """Boleta exenta electrónica."""
    LIQUIDACION_FACTURA = 43
    """Liquidación-factura electrónica."""
    FACTURA_COMPRA = 46
    """Factura de compra electrónica (issued by the buyer)."""
    GUIA_DESPACHO = 52
    """Guía de despacho electrónica."""
    NOTA_DEBITO = 56
    """Nota de débito electrónica."""
    NOTA_CREDITO = 61
    """Nota de crédito electrónica."""
    FACTURA_EXPORTACION = 110
    """Factura de exportación electrónica."""
    NOTA_DEBITO_EXPORTACION = 111
    """Nota de débito de exportación electrónica."""
    NOTA_CREDITO_EXPORTACION = 112
    """Nota de crédito de exportación electrónica."""


class FmaPago(enum.IntEnum):
    """``FmaPago``: payment form (the SII assumes ``CREDITO`` when absent)."""

    CONTADO = 1
    CREDITO = 2
    SIN_COSTO = 3


class IndServicio(enum.IntEnum):
    """``IndServicio`` of a boleta (39/41): what the boleta is for. Usually ``VENTAS_Y_SERVICIOS``.

    Facturas use other meanings for the same numbers (1 periodic home services, 2 other
    periodic services, 3 services; exports 4 hotels, 5 international land transport), so
    on facturas the field is a plain ``int``.
    """

    SERVICIOS_PERIODICOS = 1
    SERVICIOS_PERIODICOS_DOMICILIARIOS = 2
    VENTAS_Y_SERVICIOS = 3
    ESPECTACULO_POR_TERCEROS = 4


class TpoTranCompra(enum.IntEnum):
    """``TpoTranCompra``: kind of purchase, from the buyer's side."""

    DEL_GIRO = 1
    SUPERMERCADOS = 2
    BIENES_RAICES = 3
    ACTIVO_FIJO = 4
    IVA_USO_COMUN = 5
    SIN_DERECHO_A_CREDITO = 6
    NO_INCLUIR = 7


class TpoTranVenta(enum.IntEnum):
    """``TpoTranVenta``: kind of sale, from the issuer's side."""

    DEL_GIRO = 1
    ACTIVO_FIJO = 2
    BIENES_RAICES = 3
    NCE_MR = 4


class CodRef(enum.IntEnum):
    """``CodRef``: what a nota does to the referenced document."""

    ANULA = 1
    """Voids the referenced document."""
    CORRIGE_TEXTO = 2
    """Corrects text only (amounts 0)."""
    CORRIGE_MONTOS = 3
    """Corrects amounts."""


class IndTraslado(enum.IntEnum):
    """``IndTraslado`` of a guía de despacho (52): why the goods move."""

    VENTA = 1
    VENTA_POR_EFECTUAR = 2
    CONSIGNACION = 3
    ENTREGA_GRATUITA = 4
    TRASLADO_INTERNO = 5
    OTROS_TRASLADOS = 6
    GUIA_DEVOLUCION = 7
    TRASLADO_EXPORTACION = 8
    VENTA_EXPORTACION = 9


class TipoDespacho(enum.IntEnum):
    """``TipoDespacho`` of a guía de despacho: who carries the goods."""

    POR_CUENTA_DEL_RECEPTOR = 1
    POR_EMISOR_A_INSTALACIONES_DEL_CLIENTE = 2
    POR_EMISOR_A_OTRAS_INSTALACIONES = 3


class IndExe(enum.IntEnum):
    """``IndExe`` of a detail line."""

    EXENTO = 1
    """Exempt or not subject to IVA (goes to ``MntExe``)."""
    NO_FACTURABLE = 2
    """Not billable (goes to ``MontoNF``, outside ``MntTotal``)."""
    GARANTIA_DEPOSITO = 3
    NO_CONSTITUYE_VENTA = 4
    ITEM_A_REBAJAR = 5
    NO_FACTURABLE_NEGATIVO = 6


class IndExeDR(enum.IntEnum):
    """``IndExeDR`` of a global discount/surcharge: which amounts it applies to."""

    EXENTO = 1
    NO_FACTURABLE = 2


class TpoMov(str, enum.Enum):
    """``TpoMov`` of a global discount/surcharge."""

    DESCUENTO = "D"
    RECARGO = "R"


class TpoValor(str, enum.Enum):
    """``TpoValor`` (also ``TipoDscto``/``TipoRecargo``): a percentage or an amount."""

    PORCENTAJE = "%"
    MONTO = "$"


class MedioPago(str, enum.Enum):
    """``MedioPago`` of a factura (text codes)."""

    CHEQUE = "CH"
    CHEQUE_A_FECHA = "CF"
    LETRA = "LT"
    EFECTIVO = "EF"
    PAGO_CUENTA_CORRIENTE = "PE"
    TARJETA_CREDITO = "TC"
    OTRO = "OT"


class MedioPagoBoleta(enum.IntEnum):
    """``MedioPago`` of a boleta (required by Openfactura above 135 UF)."""

    EFECTIVO = 1
    PAGO_ELECTRONICO = 2
    TRANSFERENCIA = 3
    CHEQUE = 4
    OTRO = 5


class Acuse(str, enum.Enum):
    """Answer to a received document (``acuse`` of the accuse endpoint)."""

    ACD = "ACD"
    """Accepts the content."""
    RCD = "RCD"
    """Claims against the content."""
    ERM = "ERM"
    """Acknowledges receipt of goods or services."""
    RFP = "RFP"
    """Claims a partial shortfall of goods."""
    RFT = "RFT"
    """Claims a total shortfall of goods."""


class ResponseItem(str, enum.Enum):
    """Items of the emission body's ``response`` list (what the API sends back)."""

    TOKEN = "TOKEN"
    FOLIO = "FOLIO"
    PDF = "PDF"
    XML = "XML"
    TIMBRE = "TIMBRE"
    LOGO = "LOGO"
    RESOLUCION = "RESOLUCION"
    LETTER = "LETTER"
    """PDF layout: letter (default)."""
    ROLL_80MM = "80MM"
    """PDF layout: 80 mm roll."""
    ROLL_80MM_NO_LOGO = "80MMNOLOGO"
    """PDF layout: 80 mm roll without logo."""
    LETTER_80MM = "LETTER_80MM"
    """PDF layout: letter, or 80 mm when it does not fit one page."""
    SELF_SERVICE = "SELF_SERVICE"
