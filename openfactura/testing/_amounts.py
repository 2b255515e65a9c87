"""How the sandbox recomputes a document's amounts (reference §3.6), like the API does.

Kept independent of the SDK's own totals engine on purpose: the sandbox is an oracle the
SDK is tested against. CLP amounts are integers, rounded half up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["BOLETAS", "EXEMPT_TYPES", "expected_totals", "line_amount"]

BOLETAS = frozenset({39, 41})
EXEMPT_TYPES = frozenset({34, 41})
IVA_RATE = Decimal(19)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def line_amount(line: dict[str, Any]) -> int:
    """``MontoItem`` = round(qty x price) - discount + surcharge."""
    qty = _dec(line.get("QtyItem", 1) or 1)
    price = _dec(line.get("PrcItem", 0))
    gross = qty * price
    discount = _dec(line.get("DescuentoMonto"))
    if "DescuentoPct" in line and "DescuentoMonto" not in line:
        discount = Decimal(_round(gross * _dec(line["DescuentoPct"]) / 100))
    surcharge = _dec(line.get("RecargoMonto"))
    if "RecargoPct" in line and "RecargoMonto" not in line:
        surcharge = Decimal(_round(gross * _dec(line["RecargoPct"]) / 100))
    return _round(gross) - _round(discount) + _round(surcharge)


def _apply_globals(base: int, globals_: list[dict[str, Any]], exempt: bool) -> int:
    total = Decimal(base)
    for item in globals_:
        if bool(item.get("IndExeDR") == 1) != exempt:
            continue
        value = _dec(item.get("ValorDR"))
        amount = Decimal(base) * value / 100 if item.get("TpoValor") == "%" else value
        total += -amount if item.get("TpoMov") == "D" else amount
    return _round(total)


def expected_totals(tipo: int, dte: dict[str, Any], *, artesano: bool = False) -> dict[str, int]:
    """The ``Totales`` amounts the API expects for ``dte`` (only the keys it checks)."""
    lines = dte.get("Detalle") or []
    globals_ = dte.get("DscRcgGlobal") or []
    affected = sum(line_amount(li) for li in lines if not li.get("IndExe"))
    exempt = sum(line_amount(li) for li in lines if li.get("IndExe") == 1)
    if tipo in EXEMPT_TYPES:
        exempt += affected
        affected = 0
    affected = _apply_globals(affected, globals_, exempt=False)
    exempt = _apply_globals(exempt, globals_, exempt=True)
    if tipo in BOLETAS:
        net = _round(Decimal(affected) / (1 + IVA_RATE / 100))
        iva = affected - net
        total = affected + exempt
        out = {"MntTotal": total}
        if affected:
            out |= {"MntNeto": net, "IVA": iva}
        if exempt:
            out["MntExe"] = exempt
        return out
    iva = 0 if artesano else _round(Decimal(affected) * IVA_RATE / 100)
    out = {"MntTotal": affected + exempt + iva}
    if affected or tipo not in EXEMPT_TYPES:
        out |= {"MntNeto": affected, "IVA": iva}
    if exempt:
        out["MntExe"] = exempt
    return out
