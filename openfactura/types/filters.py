"""Filters of the document lists, in the API's operator form.

The lists take each filter as an operator object: ``{"FchEmis": {"gte": "2026-09-01",
"lte": "2026-09-30"}}``, ``{"TipoDTE": {"eq": 39}}``. Python callers rarely need to
write that: a plain value means ``eq``, a ``(start, end)`` pair of dates is an inclusive
range, and :class:`Filter` covers the other operators::

    client.documents.issued(tipo_dte=39)                                  # eq
    client.documents.issued(fch_emis=("2026-09-01", "2026-09-30"))        # gte + lte
    client.documents.issued(fch_emis=Filter(gte=date(2026, 9, 1)))        # open range
    client.documents.issued(tipo_dte=Filter(ne=39))
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["OPERATORS", "Filter"]

OPERATORS = ("eq", "ne", "lt", "gt", "lte", "gte")
"""The only operators the API knows (there is no ``in``)."""


@attrs.frozen(kw_only=True)
class Filter:
    """Operator filter on one list field. Unset operators are left out.

    Several operators combine (``Filter(gte=a, lte=b)``). Values are what the field takes:
    dates (``date`` or ``"YYYY-MM-DD"``), integers, or RUTs (``"76795561-8"``, ``Rut``,
    or the body as ``int``).
    """

    eq: Any = None
    ne: Any = None
    lt: Any = None
    gt: Any = None
    lte: Any = None
    gte: Any = None

    @classmethod
    def between(cls, start: Any, end: Any) -> Filter:
        """Inclusive range ``start <= value <= end`` (either end may be ``None``)."""
        return cls(gte=start, lte=end)

    def operators(self) -> dict[str, Any]:
        """The set operators, in a stable order: ``{"gte": ..., "lte": ...}``."""
        return {op: getattr(self, op) for op in OPERATORS if getattr(self, op) is not None}
