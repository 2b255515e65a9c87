"""The document types: one class per ``TipoDTE``, with ``build()``, ``validate()``, ``to_wire()``.

Usage::

    from openfactura.dte import Factura, Emisor, Receptor, Detalle

    factura = Factura.build(
        emisor=Emisor(rut_emisor="76795561-8", rzn_soc="HAULMER SPA", giro_emis="VENTAS",
                      acteco=[479100], dir_origen="ARTURO PRAT 527", cmna_origen="Curicó"),
        receptor=Receptor(rut_recep="76430498-5", rzn_soc_recep="HOSTY SPA",
                          giro_recep="INFORMATICA", dir_recep="ARTURO PRAT 527",
                          cmna_recep="Curicó"),
        detalle=[Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))],
    )
    factura.encabezado.totales.mnt_total   # 2380
    factura.validate()                     # [] -- or every problem at once
    factura.to_wire()                      # the ``dte`` object of the emission body
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import attrs

from .._converter import structure, unstructure
from .._exceptions import ErrorDetail, ValidationError, shown
from ._elements import (
    BoletaDetalle,
    BoletaEmisor,
    BoletaEncabezado,
    BoletaFields,
    BoletaIdDoc,
    BoletaReceptor,
    BoletaReferencia,
    BoletaSubTotInfo,
    Comisiones,
    Detalle,
    DscRcgGlobal,
    DTEFields,
    Emisor,
    Encabezado,
    ExportDetalle,
    ExportEmisor,
    ExportEncabezado,
    ExportFields,
    ExportReceptor,
    ExportReferencia,
    IdDoc,
    ImptoReten,
    LiquidacionDetalle,
    LiquidacionFields,
    OtraMoneda,
    Receptor,
    Referencia,
    SubTotInfo,
    TotalesComisiones,
    Transporte,
)
from ._enums import FmaPago, IndServicio, TipoDTE
from ._numbers import number_problems, unwritable
from ._totals import (
    BOLETA_TYPES,
    EXEMPT_LINE_TYPES,
    EXPORT_TYPES,
    compute_totals,
    gross_prices_of,
    with_line_amounts,
)

__all__ = [
    "DOCUMENT_CLASSES",
    "Boleta",
    "BoletaExenta",
    "Document",
    "Factura",
    "FacturaCompra",
    "FacturaExenta",
    "FacturaExportacion",
    "GuiaDespacho",
    "LiquidacionFactura",
    "NotaCredito",
    "NotaCreditoExportacion",
    "NotaDebito",
    "NotaDebitoExportacion",
    "from_wire",
    "to_wire",
]

D = TypeVar("D", bound="Document")


class Document:
    """What every document class has (mixed into the generated field classes).

    ``TIPO`` is the class's ``TipoDTE``. Build one with ``Cls.build(...)`` (totals computed),
    ``Cls(...)`` (everything given), ``Cls.from_wire(data)`` or :func:`from_wire`.
    """

    __slots__ = ()

    TIPO: ClassVar[TipoDTE]

    def to_wire(self) -> dict[str, Any]:
        """The ``dte`` object of the emission body: wire names, SII order, no ``None``.

        :class:`~openfactura.ValidationError` naming the field when a value cannot be
        written (text or ``float`` for an amount, ``NaN``...).
        """
        try:
            out: dict[str, Any] = unstructure(self)
        except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError) as exc:
            raise unwritable(self, exc) from None
        return out

    @classmethod
    def from_wire(cls: type[D], data: Mapping[str, Any]) -> D:
        """Read a ``dte`` object (wire names); ``ValidationError`` if malformed."""
        return structure(data, cls)

    def validate(self, *, iva_exceptional: bool = False) -> list[ErrorDetail]:
        """Every problem the API would refuse, as ``(field path, issue)`` pairs (empty: fine)."""
        from ._validate import validate

        return validate(self, iva_exceptional=iva_exceptional)

    def with_totals(self: D, *, iva_exceptional: bool = False, **options: Any) -> D:
        """A copy with lines numbered, ``MontoItem`` filled in and ``Totales`` recomputed."""
        return _recompute(self, iva_exceptional=iva_exceptional, **options)


def _recompute(doc: D, *, iva_exceptional: bool = False, **options: Any) -> D:
    """``doc`` with its lines and totals computed; ValidationError naming every number
    field the arithmetic cannot use (``NaN``, ``True``, text, ``1e30``...)."""
    problems = number_problems(doc)
    if problems:
        raise ValidationError(
            f"The {type(doc).__name__} has {len(problems)} amount(s) that cannot be used",
            problems,
        )
    tipo = doc.TIPO
    export = tipo in EXPORT_TYPES
    fields: Any = doc
    encabezado = fields.encabezado
    if export:
        options.setdefault("tpo_moneda", encabezado.totales.tpo_moneda)
    else:
        options["gross_prices"] = gross_prices_of(tipo, encabezado.id_doc)
        if "saldo_anterior" not in options:
            options["saldo_anterior"] = encabezado.totales.saldo_anterior
    try:
        detalle = with_line_amounts(fields.detalle, export=export, exempt=tipo in EXEMPT_LINE_TYPES)
        totales: Any = compute_totals(
            tipo,
            detalle,
            getattr(doc, "dsc_rcg_global", ()),
            iva_exceptional=iva_exceptional,
            **options,
        )
        comisiones = getattr(fields, "comisiones", None)
        if comisiones:  # a liquidación: the SII wants the commissions' sums in Totales too
            totales = attrs.evolve(
                totales,
                comisiones=TotalesComisiones(
                    val_com_neto=sum(c.val_com_neto or 0 for c in comisiones),
                    val_com_exe=sum(c.val_com_exe or 0 for c in comisiones),
                    val_com_iva=sum(c.val_com_iva or 0 for c in comisiones),
                ),
            )
    except ValidationError:
        raise
    except (ArithmeticError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise unwritable(doc, exc) from None
    new_encabezado = attrs.evolve(encabezado, totales=totales)
    result: D = attrs.evolve(fields, detalle=detalle, encabezado=new_encabezado)
    return result


def _empty_totals(tipo: TipoDTE, **options: Any) -> Any:
    """Placeholder totals (replaced by ``_recompute``)."""
    return compute_totals(tipo, [], **options)


def _listed(wire: str, items: Any) -> list[Any]:
    """The parts given for a list of the document (any iterable but text or a mapping)."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise ValidationError(
            f"Invalid {wire}", [(wire, f"Debe ser una lista, no {type(items).__name__}")]
        )
    return list(items)


def _numbered(items: Sequence[Any], field: str, wire: str) -> list[Any]:
    out = []
    for number, item in enumerate(_listed(wire, items), start=1):
        if attrs.has(type(item)) and getattr(item, field, 0) is None:
            item = attrs.evolve(item, **{field: number})
        out.append(item)  # anything else is reported by validate()
    return out


def _id_doc(
    cls: type[Any],
    id_doc_cls: type[Any],
    fch_emis: dt.date | None,
    id_doc: Mapping[str, Any],
) -> Any:
    return id_doc_cls(tipo_dte=cls.TIPO, folio=0, fch_emis=fch_emis or dt.date.today(), **id_doc)


_BOLETA_REFERENCES = frozenset({"39", "41"})
_NOTA_TYPES = frozenset({TipoDTE.NOTA_DEBITO, TipoDTE.NOTA_CREDITO})


def _price_flags(
    tipo: TipoDTE,
    gross_prices: bool | None,
    referencia: Sequence[Any],
    id_doc: dict[str, Any],
) -> None:
    """Set ``IdDoc.MntBruto`` (facturas, notas, guías) or ``IdDoc.IndMntNeto`` (boletas)
    in ``id_doc`` from ``build(gross_prices=...)``.

    ``None`` keeps the type's default: gross for boletas, net for the rest, except a nota
    that refers to a boleta (``TpoDocRef`` 39 or 41), whose lines are the boleta's gross
    prices. ``mnt_bruto=True`` given as an ``IdDoc`` field is read as ``MntBruto: 1``.
    """
    if tipo in BOLETA_TYPES:
        if gross_prices is not None:
            id_doc["ind_mnt_neto"] = None if gross_prices else 2
        return
    if gross_prices is None and tipo in _NOTA_TYPES:
        codes = (getattr(ref, "tpo_doc_ref", "") for ref in _listed("Referencia", referencia))
        refs = {code for code in codes if isinstance(code, str)}  # code_text made ints text
        if refs & _BOLETA_REFERENCES and "mnt_bruto" not in id_doc:
            gross_prices = True
    if gross_prices is not None:
        id_doc["mnt_bruto"] = 1 if gross_prices else None
    elif id_doc.get("mnt_bruto") is True:
        id_doc["mnt_bruto"] = 1
    elif id_doc.get("mnt_bruto") is False:
        id_doc["mnt_bruto"] = None


class _DTEBuild(Document):
    """``build()`` for facturas, notas, guías and facturas de compra (net lines)."""

    __slots__ = ()

    @classmethod
    def build(
        cls: type[D],
        *,
        emisor: Emisor,
        receptor: Receptor,
        detalle: Sequence[Detalle],
        fch_emis: dt.date | None = None,
        fma_pago: FmaPago | None = None,
        referencia: Sequence[Referencia] = (),
        dsc_rcg_global: Sequence[DscRcgGlobal] = (),
        sub_tot_info: Sequence[SubTotInfo] = (),
        transporte: Transporte | None = None,
        otra_moneda: OtraMoneda | None = None,
        rut_mandante: str | None = None,
        rut_solicita: str | None = None,
        gross_prices: bool | None = None,
        iva_exceptional: bool = False,
        tax_rates: Mapping[str, Decimal] | None = None,
        impto_reten: Sequence[ImptoReten] | None = None,
        saldo_anterior: int | None = None,
        **id_doc: Any,
    ) -> D:
        """Assemble the document and compute its lines and ``Totales``.

        ``Folio`` is 0 (Openfactura assigns it), ``FchEmis`` defaults to today, lines and
        references are numbered, ``MontoItem`` is computed where not given. Any other
        ``IdDoc`` field goes in by its Python name (``tpo_tran_venta=1``,
        ``ind_traslado=IndTraslado.VENTA``...). ``iva_exceptional=True`` is the ARTESANO
        regime: remember to send ``ivaExceptional: ["ARTESANO"]`` with the emission.

        ``gross_prices=True`` says the line prices include IVA (``IdDoc.MntBruto: 1``): the
        totals are then split from the gross sum (``MntNeto = round(gross / 1.19)``, ``IVA``
        the rest). Left out, a nota (56, 61) whose ``Referencia`` is a boleta (39, 41) is
        gross, everything else net. FacturaExenta lines get ``IndExe: 1``. A number that
        cannot be computed (``NaN``, ``True``, text, ``1e30``) raises
        :class:`~openfactura.ValidationError` naming its field.
        """
        if fma_pago is not None:
            id_doc["fma_pago"] = fma_pago
        _price_flags(cls.TIPO, gross_prices, referencia, id_doc)
        doc = cls(  # type: ignore[call-arg]
            encabezado=Encabezado(
                id_doc=_id_doc(cls, IdDoc, fch_emis, id_doc),
                emisor=emisor,
                rut_mandante=rut_mandante,
                receptor=receptor,
                rut_solicita=rut_solicita,
                transporte=transporte,
                totales=_empty_totals(cls.TIPO),
                otra_moneda=otra_moneda,
            ),
            detalle=_listed("Detalle", detalle),
            sub_tot_info=_numbered(sub_tot_info, "nro_sti", "SubTotInfo"),
            dsc_rcg_global=_numbered(dsc_rcg_global, "nro_lin_dr", "DscRcgGlobal"),
            referencia=_numbered(referencia, "nro_lin_ref", "Referencia"),
        )
        return _recompute(
            doc,
            iva_exceptional=iva_exceptional,
            tax_rates=tax_rates,
            impto_reten=impto_reten,
            saldo_anterior=saldo_anterior,
        )


@attrs.frozen(kw_only=True)
class Factura(DTEFields, _DTEBuild):
    """Factura electrónica (33): net lines, ``TasaIVA: "19"``."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.FACTURA


@attrs.frozen(kw_only=True)
class FacturaExenta(DTEFields, _DTEBuild):
    """Factura exenta (34): every line exempt; ``MntExe`` and ``MntTotal`` only."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.FACTURA_EXENTA


@attrs.frozen(kw_only=True)
class FacturaCompra(DTEFields, _DTEBuild):
    """Factura de compra (46), issued by the buyer; IVA retained through ``ImptoReten``.

    Give the retention on the lines (``cod_imp_adic=["15"]`` for total retention).
    """

    TIPO: ClassVar[TipoDTE] = TipoDTE.FACTURA_COMPRA


@attrs.frozen(kw_only=True)
class GuiaDespacho(DTEFields, _DTEBuild):
    """Guía de despacho (52): ``IndTraslado`` required (``build(..., ind_traslado=...)``)."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.GUIA_DESPACHO


@attrs.frozen(kw_only=True)
class NotaDebito(DTEFields, _DTEBuild):
    """Nota de débito (56): ``Referencia`` to the corrected document required."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.NOTA_DEBITO


@attrs.frozen(kw_only=True)
class NotaCredito(DTEFields, _DTEBuild):
    """Nota de crédito (61): ``Referencia`` required (``CodRef`` 1 voids, 2 text, 3 amounts)."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.NOTA_CREDITO


@attrs.frozen(kw_only=True)
class LiquidacionFactura(LiquidacionFields, Document):
    """Liquidación-factura (43): lines carry ``TpoDocLiq``; ``Comisiones`` required."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.LIQUIDACION_FACTURA

    @classmethod
    def build(
        cls,
        *,
        emisor: Emisor,
        receptor: Receptor,
        detalle: Sequence[LiquidacionDetalle],
        comisiones: Sequence[Comisiones],
        fch_emis: dt.date | None = None,
        referencia: Sequence[Referencia] = (),
        sub_tot_info: Sequence[SubTotInfo] = (),
        **id_doc: Any,
    ) -> LiquidacionFactura:
        """Assemble a liquidación-factura and compute its lines and ``Totales``."""
        doc = cls(
            encabezado=Encabezado(
                id_doc=_id_doc(cls, IdDoc, fch_emis, id_doc),
                emisor=emisor,
                receptor=receptor,
                totales=_empty_totals(cls.TIPO),
            ),
            detalle=_listed("Detalle", detalle),
            sub_tot_info=_numbered(sub_tot_info, "nro_sti", "SubTotInfo"),
            referencia=_numbered(referencia, "nro_lin_ref", "Referencia"),
            comisiones=_numbered(comisiones, "nro_lin_com", "Comisiones"),
        )
        return _recompute(doc)


class _ExportBuild(Document):
    """``build()`` for export documents (110, 111, 112): amounts in ``tpo_moneda``."""

    __slots__ = ()

    @classmethod
    def build(
        cls: type[D],
        *,
        emisor: ExportEmisor,
        receptor: ExportReceptor,
        detalle: Sequence[ExportDetalle],
        tpo_moneda: str,
        fch_emis: dt.date | None = None,
        referencia: Sequence[ExportReferencia] = (),
        dsc_rcg_global: Sequence[DscRcgGlobal] = (),
        transporte: Transporte | None = None,
        otra_moneda: OtraMoneda | None = None,
        **id_doc: Any,
    ) -> D:
        """Assemble an export document; ``tpo_moneda`` is the SII currency (``"DOLAR USA"``)."""
        doc = cls(  # type: ignore[call-arg]
            encabezado=ExportEncabezado(
                id_doc=_id_doc(cls, IdDoc, fch_emis, id_doc),
                emisor=emisor,
                receptor=receptor,
                transporte=transporte,
                totales=_empty_totals(cls.TIPO, tpo_moneda=tpo_moneda),
                otra_moneda=otra_moneda,
            ),
            detalle=_listed("Detalle", detalle),
            dsc_rcg_global=_numbered(dsc_rcg_global, "nro_lin_dr", "DscRcgGlobal"),
            referencia=_numbered(referencia, "nro_lin_ref", "Referencia"),
        )
        return _recompute(doc, tpo_moneda=tpo_moneda)


@attrs.frozen(kw_only=True)
class FacturaExportacion(ExportFields, _ExportBuild):
    """Factura de exportación (110). Openfactura does not document exports (expect ``OF-05``)."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.FACTURA_EXPORTACION


@attrs.frozen(kw_only=True)
class NotaDebitoExportacion(ExportFields, _ExportBuild):
    """Nota de débito de exportación (111); ``Referencia`` required."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.NOTA_DEBITO_EXPORTACION


@attrs.frozen(kw_only=True)
class NotaCreditoExportacion(ExportFields, _ExportBuild):
    """Nota de crédito de exportación (112); ``Referencia`` required."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.NOTA_CREDITO_EXPORTACION


class _BoletaBuild(Document):
    """``build()`` for boletas (39, 41): gross lines (IVA included), boleta ``Emisor`` names."""

    __slots__ = ()

    @classmethod
    def build(
        cls: type[D],
        *,
        emisor: BoletaEmisor,
        detalle: Sequence[BoletaDetalle],
        receptor: BoletaReceptor | None = None,
        fch_emis: dt.date | None = None,
        ind_servicio: IndServicio = IndServicio.VENTAS_Y_SERVICIOS,
        referencia: Sequence[BoletaReferencia] = (),
        dsc_rcg_global: Sequence[DscRcgGlobal] = (),
        sub_tot_info: Sequence[BoletaSubTotInfo] = (),
        gross_prices: bool | None = None,
        iva_exceptional: bool = False,
        saldo_anterior: int | None = None,
        **id_doc: Any,
    ) -> D:
        """Assemble a boleta; the receptor defaults to the anonymous consumer ``66666666-6``.

        Boleta lines are gross (IVA included); ``gross_prices=False`` says they are net
        (``IdDoc.IndMntNeto: 2``): ``IVA = round(MntNeto × 19 %)`` goes on top. BoletaExenta
        lines get ``IndExe: 1``.
        """
        _price_flags(cls.TIPO, gross_prices, referencia, id_doc)
        doc = cls(  # type: ignore[call-arg]
            encabezado=BoletaEncabezado(
                id_doc=_id_doc(
                    cls, BoletaIdDoc, fch_emis, {"ind_servicio": ind_servicio, **id_doc}
                ),
                emisor=emisor,
                receptor=receptor or BoletaReceptor(rut_recep="66666666-6"),
                totales=_empty_totals(cls.TIPO),
            ),
            detalle=_listed("Detalle", detalle),
            sub_tot_info=_numbered(sub_tot_info, "nro_sti", "SubTotInfo"),
            dsc_rcg_global=_numbered(dsc_rcg_global, "nro_lin_dr", "DscRcgGlobal"),
            referencia=_numbered(referencia, "nro_lin_ref", "Referencia"),
        )
        return _recompute(doc, iva_exceptional=iva_exceptional, saldo_anterior=saldo_anterior)


@attrs.frozen(kw_only=True)
class Boleta(BoletaFields, _BoletaBuild):
    """Boleta electrónica (39): gross lines; ``MntNeto``/``IVA`` split off; no ``TasaIVA``."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.BOLETA


@attrs.frozen(kw_only=True)
class BoletaExenta(BoletaFields, _BoletaBuild):
    """Boleta exenta electrónica (41): exempt gross lines; ``MntExe`` and ``MntTotal``."""

    TIPO: ClassVar[TipoDTE] = TipoDTE.BOLETA_EXENTA


DOCUMENT_CLASSES: Mapping[TipoDTE, type[Document]] = {
    cls.TIPO: cls
    for cls in (
        Factura,
        FacturaExenta,
        Boleta,
        BoletaExenta,
        LiquidacionFactura,
        FacturaCompra,
        GuiaDespacho,
        NotaDebito,
        NotaCredito,
        FacturaExportacion,
        NotaDebitoExportacion,
        NotaCreditoExportacion,
    )
}
"""The document class of each ``TipoDTE``."""


def document_class(tipo: TipoDTE | int | str) -> type[Document]:
    """The class for a ``TipoDTE`` value; :class:`~openfactura.ValidationError` if unknown."""
    try:
        return DOCUMENT_CLASSES[TipoDTE(int(tipo))]
    except (ValueError, KeyError, TypeError, OverflowError):  # junk, None, infinity...
        raise ValidationError(
            "Unknown document type",
            [("Encabezado.IdDoc.TipoDTE", f"{shown(tipo)} is not a supported TipoDTE")],
        ) from None


def from_wire(data: Mapping[str, Any]) -> Document:
    """Read a ``dte`` object (as sent or as the API's ``json`` returns it) into its class.

    The class is chosen from ``Encabezado.IdDoc.TipoDTE``; unknown elements are kept.
    """
    if isinstance(data, Document):
        return data
    try:
        tipo = data["Encabezado"]["IdDoc"]["TipoDTE"]
    except (KeyError, TypeError):
        raise ValidationError(
            "Not a DTE", [("Encabezado.IdDoc.TipoDTE", "required to pick the document type")]
        ) from None
    return structure(data, document_class(tipo))


def to_wire(doc: Document | Mapping[str, Any]) -> dict[str, Any]:
    """The ``dte`` object for the emission body; a plain dict is returned as given."""
    if isinstance(doc, Document):
        return doc.to_wire()
    return dict(doc)
