"""The totals engine: line amounts and ``Totales`` computed the way Openfactura checks them.

Openfactura recomputes every amount and refuses a document whose totals differ (``OF-10``,
``Monto erróneo``). These are the SII's rules (reference §3.6); every CLP amount is an
``int`` rounded half **up** with ``Decimal`` (never ``float``, never banker's rounding):

1. line: ``MontoItem = round(QtyItem × PrcItem) − DescuentoMonto + RecargoMonto``, where a
   percentage gives ``round(QtyItem × PrcItem × pct / 100)``;
2. facturas, notas, guías, liquidaciones (net lines): ``MntNeto`` = lines without
   ``IndExe`` ± global discounts/surcharges without ``IndExeDR`` (``%`` of that sum, or
   ``$``); ``MntExe`` = ``IndExe`` 1 lines ± ``IndExeDR`` 1; ``IVA = round(MntNeto × 19 %)``;
   additional taxes (``CodImpAdic`` on lines, ``ImptoReten`` in the totals) add to
   ``MntTotal``, retained IVA subtracts; not billable lines (``IndExe`` 2) go to
   ``MontoNF``, outside ``MntTotal``;
3. boletas (gross lines): ``MntTotal`` = all billable lines; ``MntNeto = round((MntTotal −
   MntExe) / 1.19)``; ``IVA = MntTotal − MntExe − MntNeto``; ``TotalPeriodo = MntTotal +
   MontoNF`` and ``VlrPagar = TotalPeriodo + SaldoAnterior``;
4. ``ivaExceptional: ["ARTESANO"]`` makes ``IVA`` 0.

Which side the line prices are on is the document's own flag: a factura, nota or guía with
``IdDoc.MntBruto = 1`` has **gross** lines (IVA included) and is totalled like a boleta
from the gross sum (discounts and surcharges on the gross side too): ``MntNeto =
round(gross affected / 1.19)``, ``IVA = gross affected − MntNeto``, ``MntTotal = gross
affected + MntExe``. A boleta with ``IdDoc.IndMntNeto = 2`` has **net** lines and is
totalled like a factura (``IVA = round(MntNeto × 19 %)``, ``MntTotal = MntNeto + IVA +
MntExe``). Gross lines cannot carry additional or retained taxes (their gross would hide
several rates): such a document is refused.

Lines with ``IndExe`` 3, 4 or 5 (deposits, not a sale, item to deduct) are left out of every
total. Export documents (110-112) total their lines, all exempt, in their currency with 4
decimals.

Usage::

    from openfactura.dte import compute_totals, TipoDTE

    totales = compute_totals(TipoDTE.FACTURA, detalle)   # -> Totales(mnt_neto=..., ...)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from .._exceptions import ValidationError
from ._elements import BoletaTotales, ExportTotales, ImptoReten, Totales
from ._enums import IndExe, IndExeDR, TipoDTE, TpoMov, TpoValor

__all__ = [
    "BOLETA_TYPES",
    "EXPORT_TYPES",
    "IVA_RATE",
    "RETAINED_TAX_CODES",
    "TAX_RATES",
    "compute_totals",
    "gross_prices_of",
    "line_amount",
    "round_clp",
]

IVA_RATE = Decimal(19)
"""The IVA rate in percent; written as ``TasaIVA: "19"``."""

BOLETA_TYPES = frozenset({TipoDTE.BOLETA, TipoDTE.BOLETA_EXENTA})
EXPORT_TYPES = frozenset(
    {
        TipoDTE.FACTURA_EXPORTACION,
        TipoDTE.NOTA_DEBITO_EXPORTACION,
        TipoDTE.NOTA_CREDITO_EXPORTACION,
    }
)
EXEMPT_TYPES = frozenset({TipoDTE.FACTURA_EXENTA, TipoDTE.BOLETA_EXENTA}) | EXPORT_TYPES
EXEMPT_LINE_TYPES = frozenset({TipoDTE.FACTURA_EXENTA, TipoDTE.BOLETA_EXENTA})
"""Exempt documents whose every line carries ``IndExe: 1`` on the wire (reference §3.3)."""

TAX_RATES: Mapping[str, Decimal] = {
    "15": Decimal(19),  # IVA retenido total (factura de compra)
    "17": Decimal(5),  # IVA anticipado faenamiento carne
    "18": Decimal(5),  # IVA anticipado carne
    "19": Decimal(12),  # IVA anticipado harina
    "23": Decimal(15),  # impuesto adicional Art. 37 a) b) c)
    "24": Decimal("31.5"),  # licores, pisco, destilados
    "25": Decimal("20.5"),  # vinos
    "26": Decimal("20.5"),  # cervezas y bebidas alcohólicas
    "27": Decimal(10),  # bebidas analcohólicas y minerales
    "271": Decimal(18),  # bebidas analcohólicas con elevado contenido de azúcares
    "44": Decimal(15),  # impuesto adicional Art. 37 e) h) i) l)
    "45": Decimal(50),  # pirotecnia
}
"""Rates (percent) of the additional/retained tax codes the SDK knows; pass others to
``build(tax_rates={...})``."""

RETAINED_TAX_CODES = frozenset(
    "15 16 30 31 32 33 34 36 37 38 39 40 41 46 47 48 49 53 301 321 331 341 361 371 481".split()  # noqa: SIM905
)
"""``CodImpAdic``/``TipoImp`` codes of retained IVA: they are subtracted from ``MntTotal``."""

_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_CENT4 = Decimal("0.0001")


def gross_prices_of(tipo: TipoDTE | int, id_doc: Any) -> bool:
    """Whether the lines of a document of type ``tipo`` with this ``IdDoc`` are gross.

    Boletas are gross unless ``IndMntNeto`` is 2; every other type is net unless
    ``MntBruto`` is 1.
    """
    if tipo in BOLETA_TYPES:
        return getattr(id_doc, "ind_mnt_neto", None) != 2
    return getattr(id_doc, "mnt_bruto", None) == 1


def _net_of_gross(gross: Any, iva_exceptional: bool) -> int:
    """``MntNeto`` of a gross affected sum: ``round(gross / (1 + 19/100))``, half up."""
    if iva_exceptional:
        return int(gross)
    return round_clp(Decimal(gross) * _HUNDRED / (_HUNDRED + IVA_RATE))


def round_clp(value: Decimal | int) -> int:
    """Round to whole pesos, half up (``2.5`` -> ``3``, ``-2.5`` -> ``-3``)."""
    if value.__class__ is int:
        return value
    return int(Decimal(value).quantize(_ONE, rounding=ROUND_HALF_UP))


def _round(value: Decimal, export: bool) -> Decimal | int:
    if export:
        return value.quantize(_CENT4, rounding=ROUND_HALF_UP)
    return round_clp(value)


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def line_parts(line: Any, *, export: bool = False) -> tuple[Any, Any, Any] | None:
    """``(base, discount, surcharge)`` of a line from quantity and price, or None without price."""
    prc = getattr(line, "prc_item", None)
    if prc is None:
        return None
    qty = getattr(line, "qty_item", None)
    gross = _dec(prc) * (_dec(qty) if qty is not None else Decimal(1))
    base = _round(gross, export)
    discount: Any = getattr(line, "descuento_monto", None)
    if discount is None and getattr(line, "descuento_pct", None) is not None:
        discount = _round(gross * _dec(line.descuento_pct) / _HUNDRED, export)
    surcharge: Any = getattr(line, "recargo_monto", None)
    if surcharge is None and getattr(line, "recargo_pct", None) is not None:
        surcharge = _round(gross * _dec(line.recargo_pct) / _HUNDRED, export)
    return base, discount, surcharge


def line_amount(line: Any, *, export: bool = False) -> Any:
    """The ``MontoItem`` a line must carry (computed from its price), or its own ``MontoItem``.

    Works for every detail class (``Detalle``, ``BoletaDetalle``...).
    """
    parts = line_parts(line, export=export)
    if parts is None:
        return line.monto_item if line.monto_item is not None else 0
    base, discount, surcharge = parts
    return base - (discount or 0) + (surcharge or 0)


def _effective_amount(line: Any, export: bool) -> Any:
    # A line's own MontoItem wins for totals: a wrong line is reported on the line, not again
    # on every total.
    if line.monto_item is not None:
        return line.monto_item
    return line_amount(line, export=export)


def _category(line: Any, tipo: TipoDTE) -> str:
    ind = line.ind_exe
    if ind in (IndExe.NO_FACTURABLE, IndExe.NO_FACTURABLE_NEGATIVO):
        return "nf"
    if ind in (IndExe.GARANTIA_DEPOSITO, IndExe.NO_CONSTITUYE_VENTA, IndExe.ITEM_A_REBAJAR):
        return "skip"
    if ind == IndExe.EXENTO or tipo in EXEMPT_TYPES:
        return "exe"
    return "afecto"


def _apply_global(
    sums: dict[str, Any], dsc_rcg_global: Sequence[Any], tipo: TipoDTE, export: bool
) -> dict[str, Any]:
    out = dict(sums)
    for dr in dsc_rcg_global:
        ind = getattr(dr, "ind_exe_dr", None)
        if ind == IndExeDR.NO_FACTURABLE:
            key = "nf"
        elif ind == IndExeDR.EXENTO or tipo in EXEMPT_TYPES:
            key = "exe"
        else:
            key = "afecto"
        value = _dec(dr.valor_dr)
        if dr.tpo_valor == TpoValor.PORCENTAJE:
            amount = _round(_dec(sums[key]) * value / _HUNDRED, export)
        else:
            amount = _round(value, export)
        out[key] = out[key] - amount if dr.tpo_mov == TpoMov.DESCUENTO else out[key] + amount
    return out


def compute_totals(
    tipo: TipoDTE | int,
    detalle: Sequence[Any],
    dsc_rcg_global: Sequence[Any] = (),
    *,
    gross_prices: bool | None = None,
    iva_exceptional: bool = False,
    tax_rates: Mapping[str, Decimal] | None = None,
    impto_reten: Sequence[ImptoReten] | None = None,
    saldo_anterior: int | None = None,
    tpo_moneda: str = "DOLAR USA",
) -> Totales | BoletaTotales | ExportTotales:
    """Compute the ``Totales`` of a document of type ``tipo`` from its lines.

    ``gross_prices`` says whether the line prices include IVA (``None``: the type's default,
    gross for boletas and for notas over a boleta, net for the rest, unless ``IdDoc`` says
    ``MntBruto=1`` or ``IndMntNeto=2``). ``tax_rates``
    (percent by ``CodImpAdic`` code) completes :data:`TAX_RATES` for lines with additional
    or retained taxes; ``impto_reten`` uses given ``ImptoReten`` entries instead of
    computing them. ``iva_exceptional`` is the ARTESANO regime (IVA 0). Returns the totals
    class of the document's family; :class:`~openfactura.ValidationError` for a tax code
    without a known rate, or for taxes on gross lines.
    """
    tipo = TipoDTE(tipo)
    export = tipo in EXPORT_TYPES
    boleta = tipo in BOLETA_TYPES
    gross = boleta if gross_prices is None else gross_prices
    zero: Any = Decimal(0) if export else 0
    sums: dict[str, Any] = {"afecto": zero, "exe": zero, "nf": zero, "skip": zero}
    tax_bases: dict[str, Any] = {}
    for line in detalle:
        category = _category(line, tipo)
        amount = _effective_amount(line, export)
        sums[category] += amount
        if category == "afecto":
            for code in getattr(line, "cod_imp_adic", None) or ():
                tax_bases[str(code)] = tax_bases.get(str(code), 0) + amount
    adjusted = _apply_global(sums, dsc_rcg_global, tipo, export)

    if export:
        exe = adjusted["exe"] + adjusted["afecto"]
        return ExportTotales(tpo_moneda=tpo_moneda, mnt_exe=exe, mnt_total=exe)

    if boleta:
        exe = adjusted["exe"]
        total = adjusted["afecto"] + exe
        neto: int | None = None
        iva: int | None = None
        if tipo == TipoDTE.BOLETA and adjusted["afecto"]:
            if gross:
                neto = _net_of_gross(adjusted["afecto"], iva_exceptional)
                iva = adjusted["afecto"] - neto
            else:  # IndMntNeto 2: net lines, IVA on top
                neto = adjusted["afecto"]
                iva = 0 if iva_exceptional else round_clp(Decimal(neto) * IVA_RATE / _HUNDRED)
                total = neto + iva + exe
        nf = adjusted["nf"] or None
        periodo = total + (nf or 0)
        return BoletaTotales(
            mnt_neto=neto,
            mnt_exe=exe or None,
            iva=iva,
            mnt_total=total,
            monto_nf=nf,
            total_periodo=periodo,
            saldo_anterior=saldo_anterior,
            vlr_pagar=periodo + (saldo_anterior or 0),
        )

    exe = adjusted["exe"]
    afecto = adjusted["afecto"] if tipo not in EXEMPT_TYPES else 0
    has_afecto = bool(afecto) or any(_category(ln, tipo) == "afecto" for ln in detalle)
    if gross:
        if tax_bases or impto_reten:
            raise ValidationError(
                "Gross line prices cannot carry additional or retained taxes",
                [
                    (
                        "Encabezado.IdDoc.MntBruto",
                        "Montos brutos con impuestos adicionales o retenidos: informe las "
                        "líneas en neto",
                    )
                ],
            )
        neto = _net_of_gross(afecto, iva_exceptional)
        iva = afecto - neto
    else:
        neto = afecto
        iva = 0 if iva_exceptional else round_clp(Decimal(neto) * IVA_RATE / _HUNDRED)
    if impto_reten is None:
        rates = {**TAX_RATES, **(tax_rates or {})}
        taxes = []
        for code, base in tax_bases.items():
            if code not in rates:
                raise ValidationError(
                    f"No rate known for tax code {code}",
                    [
                        (
                            "Encabezado.Totales.ImptoReten",
                            f"no rate known for tax code {code}: pass "
                            f"tax_rates={{'{code}': Decimal(...)}}",
                        )
                    ],
                )
            taxes.append(
                ImptoReten(
                    tipo_imp=code,
                    tasa_imp=rates[code],
                    monto_imp=round_clp(Decimal(base) * rates[code] / _HUNDRED),
                )
            )
        impto_reten = taxes
    added = sum(t.monto_imp for t in impto_reten if str(t.tipo_imp) not in RETAINED_TAX_CODES)
    retained = sum(t.monto_imp for t in impto_reten if str(t.tipo_imp) in RETAINED_TAX_CODES)
    total = neto + exe + iva + added - retained
    return Totales(
        mnt_neto=neto if has_afecto else None,
        mnt_exe=exe or None,
        tasa_iva=IVA_RATE if has_afecto else None,
        iva=iva if has_afecto else None,
        impto_reten=list(impto_reten),
        mnt_total=total,
        monto_nf=adjusted["nf"] or None,
        saldo_anterior=saldo_anterior,
        vlr_pagar=total + saldo_anterior if saldo_anterior is not None else None,
    )


def with_line_amounts(
    detalle: Sequence[Any], *, export: bool = False, exempt: bool = False
) -> list[Any]:
    """Lines numbered 1..n with ``MontoItem`` (and percentage discount amounts) filled in.

    ``exempt`` (documents 34 and 41) marks every line without an ``IndExe`` as exempt
    (``IndExe: 1``). Values the caller already gave are kept as they are (``validate()``
    checks them).
    """
    out = []
    for number, line in enumerate(detalle, start=1):
        changes: dict[str, Any] = {}
        if line.nro_lin_det is None:
            changes["nro_lin_det"] = number
        if exempt and line.ind_exe is None:
            changes["ind_exe"] = IndExe.EXENTO
        parts = line_parts(line, export=export)
        if parts is not None:
            _base, discount, surcharge = parts
            # A percentage that rounds to 0 pesos leaves no amount: the schema's amounts
            # are positive.
            pct = getattr(line, "descuento_pct", None)
            if pct is not None and line.descuento_monto is None and discount:
                changes["descuento_monto"] = discount
            pct = getattr(line, "recargo_pct", None)
            if pct is not None and line.recargo_monto is None and surcharge:
                changes["recargo_monto"] = surcharge
        if line.monto_item is None:
            changes["monto_item"] = line_amount(line, export=export)
        out.append(attrs.evolve(line, **changes) if changes else line)
    return out
