"""Sales and purchase registry summaries (E7/E8), computed from the sandbox's documents.

* Period paths: ``{yyyy}/{MM}[/{dd}]`` with a **zero-padded** month (and day); anything
  else is the flat ``OF-10`` "Fecha Incorrecta", as on the real API.
* Sales: issued documents grouped by type (guías 52 are not sales and stay out; voided
  guías too), dated by ``FchEmis``.
* Purchases: received documents grouped by registry state — ``Pendiente`` until an accuse
  or 8 days after the reception (``Registro``, the development environment's spelling),
  ``Reclamado`` after a claim (``RCD``/``RFP``/``RFT``), ``No_incluir`` when a test says
  so — dated by ``FchEmis``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from ._errors import RejectError, flat

__all__ = [
    "PURCHASE_STATES",
    "period",
    "purchase_state",
    "summarise",
]

PURCHASE_STATES = {
    "pending": "Pendiente",
    "registered": "Registro",
    "exclude": "No_incluir",
    "reclaimed": "Reclamado",
}
CLAIMS = frozenset({"RCD", "RFP", "RFT"})
ACCEPTS = frozenset({"ACD", "ERM"})
AUTO_REGISTER_SECONDS = 8 * 24 * 3600.0

_YEAR, _TWO = re.compile(r"^\d{4}$"), re.compile(r"^\d{2}$")


def period(year: str, month: str, day: str | None) -> tuple[str, str]:
    """``(fechaInicio, fechaFinal)`` of a period path, or the flat "Fecha Incorrecta"."""
    bad = RejectError(400, flat("Fecha Incorrecta"))
    if not _YEAR.match(year) or not _TWO.match(month) or (day is not None and not _TWO.match(day)):
        raise bad
    y, m = int(year), int(month)
    if not 1 <= m <= 12:
        raise bad
    if day is None:
        last = calendar.monthrange(y, m)[1]
        return f"{y:04d}-{m:02d}-01", f"{y:04d}-{m:02d}-{last:02d}"
    try:
        date = dt.date(y, m, int(day))
    except ValueError:
        raise bad from None
    return date.isoformat(), date.isoformat()


def purchase_state(
    forced: str | None, acuses: list[dict[str, Any]], received_at: float, now: float
) -> str:
    """The registry state of a received document."""
    if forced:
        return forced
    codes = [str(acuse.get("codEvento")) for acuse in acuses]
    if any(code in CLAIMS for code in codes):
        return "Reclamado"
    if any(code in ACCEPTS for code in codes) or now - received_at >= AUTO_REGISTER_SECONDS:
        return "Registro"
    return "Pendiente"


def summarise(documents: Iterable[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """``registros``: per type, count and summed amounts of ``(tipo, Totales)`` pairs."""
    groups: dict[int, dict[str, int]] = {}
    for tipo, totales in documents:
        group = groups.setdefault(
            tipo,
            {
                "tipoDocumento": tipo,
                "cantDocumentos": 0,
                "totalMntExe": 0,
                "totalMntNeto": 0,
                "totalMntIVA": 0,
                "totalOtrosImp": 0,
                "totalMntTotal": 0,
            },
        )
        group["cantDocumentos"] += 1
        group["totalMntExe"] += _int(totales.get("MntExe"))
        group["totalMntNeto"] += _int(totales.get("MntNeto"))
        group["totalMntIVA"] += _int(totales.get("IVA"))
        group["totalMntTotal"] += _int(totales.get("MntTotal"))
        taxes = totales.get("ImptoReten") or []
        if isinstance(taxes, dict):
            taxes = [taxes]
        group["totalOtrosImp"] += sum(_int(tax.get("MontoImp")) for tax in taxes)
    return [groups[tipo] for tipo in sorted(groups)]


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
