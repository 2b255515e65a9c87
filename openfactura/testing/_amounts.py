"""How the sandbox recomputes a document's amounts (reference §3.6), like the API does.

Kept independent of the SDK's own totals engine on purpose: the sandbox is an oracle the
SDK is tested against. CLP amounts are integers, rounded half up. The rules:

* a line is ``round(QtyItem × PrcItem)`` less its discount, plus its surcharge (each a
  rounded percentage of ``QtyItem × PrcItem`` or an amount); a line without a price
  carries its own ``MontoItem``;
* lines without ``IndExe`` are affected (net on facturas and notas, gross on boletas),
  ``IndExe: 1`` exempt; not billable lines (2, 6) and the rest (3, 4, 5) are outside the
  checked totals; on exempt documents (34, 41) every billable line is exempt;
* each global discount or surcharge (``DscRcgGlobal``), rounded on its own, changes the
  affected sum (no ``IndExeDR``; the exempt sum on exempt documents) or the exempt sum
  (``IndExeDR: 1``); ``IndExeDR: 2`` (not billable) changes neither; a ``%`` applies to the
  sum before any global change;
* facturas: ``IVA = round(MntNeto × 19 %)``; ``MntTotal`` adds the additional taxes of
  ``Totales.ImptoReten`` and subtracts the retained IVA ones;
* boletas: ``MntNeto = round(gross / 1.19)``, ``IVA`` the rest;
* which side the lines are on is the document's flag in ``IdDoc``: ``MntBruto: 1`` makes
  the lines of a factura or nota gross (totalled like a boleta: the affected sum, after
  the global discounts, is the gross; ``MntTotal`` = gross + exempt), ``IndMntNeto: 2``
  makes the lines of a boleta net (totalled like a factura);
* ``ivaExceptional: ["ARTESANO"]``: ``IVA`` 0 (on gross lines the whole gross is net).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["BOLETAS", "EXEMPT_TYPES", "RETAINED_CODES", "expected_totals", "line_amount"]

BOLETAS = frozenset({39, 41})
EXEMPT_TYPES = frozenset({34, 41})
IVA_RATE = Decimal(19)
RETAINED_CODES = frozenset(
    {15, 16, 30, 31, 32, 33, 34, 36, 37, 38, 39, 40, 41, 46, 47, 48, 49, 53}
    | {301, 321, 331, 341, 361, 371, 481}
)
"""SII codes of retained IVA (subtracted from ``MntTotal``); other codes are added."""


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def line_amount(line: dict[str, Any]) -> int:
    """``MontoItem`` = round(qty x price) - discount + surcharge (or the line's own amount)."""
    if line.get("PrcItem") in (None, ""):
        return _round(_dec(line.get("MontoItem")))
    qty = _dec(line["QtyItem"]) if "QtyItem" in line else Decimal(1)
    gross = qty * _dec(line["PrcItem"])
    discount = _dec(line.get("DescuentoMonto"))
    if "DescuentoPct" in line and "DescuentoMonto" not in line:
        discount = Decimal(_round(gross * _dec(line["DescuentoPct"]) / 100))
    surcharge = _dec(line.get("RecargoMonto"))
    if "RecargoPct" in line and "RecargoMonto" not in line:
        surcharge = Decimal(_round(gross * _dec(line["RecargoPct"]) / 100))
    return _round(gross) - _round(discount) + _round(surcharge)


def _sums(tipo: int, dte: dict[str, Any]) -> tuple[int, int]:
    """(affected, exempt) after the global discounts and surcharges."""
    affected = exempt = 0
    for line in dte.get("Detalle") or []:
        indicator = line.get("IndExe")
        if indicator in (None, ""):
            affected += line_amount(line)
        elif str(indicator) == "1":
            exempt += line_amount(line)
    if tipo in EXEMPT_TYPES:
        affected, exempt = 0, exempt + affected
    before = {"affected": affected, "exempt": exempt}
    after = dict(before)
    for item in dte.get("DscRcgGlobal") or []:
        indicator = str(item.get("IndExeDR") or "")
        if indicator == "2":
            continue
        target = "exempt" if indicator == "1" or tipo in EXEMPT_TYPES else "affected"
        value = _dec(item.get("ValorDR"))
        if item.get("TpoValor") == "%":
            value = before[target] * value / 100
        amount = _round(value)
        after[target] += -amount if item.get("TpoMov") == "D" else amount
    return after["affected"], after["exempt"]


def _taxes(dte: dict[str, Any]) -> int:
    """Additional taxes less retained IVA, as ``Totales.ImptoReten`` declares them."""
    totales = (dte.get("Encabezado") or {}).get("Totales") or {}
    entries = totales.get("ImptoReten") or []
    if isinstance(entries, dict):
        entries = [entries]
    net = 0
    for entry in entries:
        try:
            code = int(str(entry.get("TipoImp")))
        except ValueError:
            code = 0
        amount = _round(_dec(entry.get("MontoImp")))
        net += -amount if code in RETAINED_CODES else amount
    return net


def _flag(id_doc: Any, name: str) -> str:
    value = id_doc.get(name) if isinstance(id_doc, dict) else None
    return "" if value is None else str(value).strip()


def _gross_lines(tipo: int, dte: dict[str, Any]) -> bool:
    """Boletas: gross unless ``IndMntNeto`` is 2. The rest: net unless ``MntBruto`` is 1."""
    id_doc = (dte.get("Encabezado") or {}).get("IdDoc")
    if tipo in BOLETAS:
        return _flag(id_doc, "IndMntNeto") != "2"
    return _flag(id_doc, "MntBruto") == "1"


def expected_totals(tipo: int, dte: dict[str, Any], *, artesano: bool = False) -> dict[str, int]:
    """The ``Totales`` amounts the API expects for ``dte`` (only the keys it checks)."""
    affected, exempt = _sums(tipo, dte)
    if _gross_lines(tipo, dte):
        # The affected sum includes IVA: split it (MntNeto rounded, IVA the remainder).
        net = affected if artesano else _round(Decimal(affected) / (1 + IVA_RATE / 100))
        iva = affected - net
        total = affected + exempt
    else:
        net = affected
        iva = 0 if artesano else _round(Decimal(affected) * IVA_RATE / 100)
        total = affected + iva + exempt
    if tipo not in BOLETAS:
        total += _taxes(dte)
    out = {"MntTotal": total}
    if affected or (tipo not in BOLETAS and tipo not in EXEMPT_TYPES):
        out |= {"MntNeto": net, "IVA": iva}
    if exempt:
        out["MntExe"] = exempt
    return out
