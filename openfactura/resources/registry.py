"""``client.registry``: the sales and purchase registry (RCV) summaries, and RCV syncs.

Usage::

    sales = await client.registry.sales(2026, 8)            # month
    day = await client.registry.sales(2026, 8, 15)          # one day
    blocks = await client.registry.purchases(2026, 8, status=["pending", "registered"])
    await client.registry.sync_rcv("sales", 202608)
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from typing import Literal

from .._decode import decode, decode_list
from .._exceptions import ValidationError, shown
from ..types.registry import PurchaseSummary, SalesSummary, SyncRcvResult
from ._base import AsyncResource, SyncResource
from ._common import as_int, as_list

__all__ = ["PURCHASE_STATUSES", "Registry", "SyncRegistry"]

PURCHASE_STATUSES = ("pending", "registered", "exclude", "reclaimed")
"""Values of the ``status`` filter of :meth:`Registry.purchases`."""


def _period_path(year: int, month: int, day: int | None) -> str:
    """``"2026/08"`` or ``"2026/08/05"``: the API refuses months without the leading zero."""
    y = as_int("year", year, minimum=1900, maximum=9999)
    m = as_int("month", month, minimum=1, maximum=12)
    if day is None:
        return f"{y:04d}/{m:02d}"
    d = as_int("day", day, minimum=1, maximum=calendar.monthrange(y, m)[1])
    return f"{y:04d}/{m:02d}/{d:02d}"


def _statuses(status: str | Iterable[str] | None) -> str | None:
    if status is None:
        return None
    items = status.split(",") if isinstance(status, str) else as_list("status", status)
    texts = [item if isinstance(item, str) else shown(item) for item in items]
    names = list(dict.fromkeys(text.strip().lower() for text in texts if text.strip()))
    unknown = [name for name in names if name not in PURCHASE_STATUSES]
    if unknown or not names:
        raise ValidationError(
            "Invalid status",
            [
                ("status", f"{shown(name)} is not one of {', '.join(PURCHASE_STATUSES)}")
                for name in unknown
            ]
            or [("status", "empty: pass None for every state")],
        )
    return ",".join(names)


def _periodo(periodo: int | str | dt.date) -> int:
    if isinstance(periodo, dt.date):
        return periodo.year * 100 + periodo.month
    text = (periodo if isinstance(periodo, str) else shown(periodo)).strip()
    text = text.replace("-", "").replace("/", "")
    if isinstance(periodo, bool) or not text.isdigit() or len(text) != 6:
        raise ValidationError(
            "Invalid periodo",
            [("periodo", f"{shown(periodo)} is not a period like 202605 or '2026-05'")],
        )
    value = int(text)
    if not 1 <= value % 100 <= 12 or value // 100 < 1900:
        raise ValidationError(
            "Invalid periodo", [("periodo", f"{shown(periodo)} has no valid month")]
        )
    return value


class Registry(AsyncResource):
    """Sales (E7) and purchase (E8) summaries, and the RCV sync (E9)."""

    __slots__ = ()

    async def sales(self, year: int, month: int, day: int | None = None) -> SalesSummary:
        """Sales totals per document type for a month, or one day of it.

        Calls ``GET /v2/dte/registry/sales/{yyyy}/{MM}[/{dd}]`` (always zero-padded).

        >>> summary = await client.registry.sales(2026, 8)  # doctest: +SKIP
        >>> [(r.tipo_documento, r.total_mnt_total) for r in summary.registros]  # doctest: +SKIP

        Raises :class:`ValidationError` (impossible date: nothing sent),
        :class:`InvalidRequestError` (``OF-10``) and the usual API errors.
        """
        path = f"/v2/dte/registry/sales/{_period_path(year, month, day)}"
        answer = await self._client._request("GET", path)
        return decode(answer, SalesSummary, "the sales summary")

    async def purchases(
        self,
        year: int,
        month: int,
        day: int | None = None,
        *,
        status: str | Iterable[str] | None = None,
    ) -> list[PurchaseSummary]:
        """Purchase totals per state (``Pendiente``, ``Registrado``...) for a month or a day.

        ``status`` keeps some states only: any of ``pending``, ``registered``, ``exclude``,
        ``reclaimed`` (a list or a comma-separated string); ``None`` for all. Calls
        ``GET /v2/dte/registry/purchase/{yyyy}/{MM}[/{dd}]?status=...``.

        >>> blocks = await client.registry.purchases(2026, 8, status="pending")  # doctest: +SKIP
        >>> [(b.state, len(b.registros)) for b in blocks]  # doctest: +SKIP

        Raises :class:`ValidationError`, :class:`InvalidRequestError` and the usual errors.
        """
        path = f"/v2/dte/registry/purchase/{_period_path(year, month, day)}"
        wanted = _statuses(status)
        params = {"status": wanted} if wanted is not None else None
        answer = await self._client._request("GET", path, params=params)
        if answer.data is None:
            return []
        return decode_list(answer, PurchaseSummary, "the purchase summary")

    async def sync_rcv(
        self, registro: Literal["sales", "purchase"], periodo: int | str | dt.date
    ) -> SyncRcvResult:
        """Ask Openfactura to re-read a period of the RCV from the SII (queued, no data back).

        ``registro`` is ``"sales"`` or ``"purchase"``; ``periodo`` a month as ``202605``,
        ``"2026-05"`` or a ``date`` in it. Calls ``POST /v2/dte/registry/sync-rcv``. Not
        retried automatically. Openfactura locks each (company, registro) for a while: a
        second sync raises :class:`RateLimitError` with ``retry_after`` and ``ends_at``.

        >>> await client.registry.sync_rcv("purchase", 202608)  # doctest: +SKIP

        Raises :class:`RateLimitError` (``OF-429``), :class:`ValidationError`,
        :class:`InvalidRequestError` (``OF-10``, period too far ahead).
        """
        if registro not in ("sales", "purchase"):
            raise ValidationError(
                "Invalid registro",
                [("registro", f"{shown(registro)} is not 'sales' or 'purchase'")],
            )
        body = {"registro": registro, "periodo": _periodo(periodo)}
        answer = await self._client._request(
            "POST", "/v2/dte/registry/sync-rcv", json=body, safe=False
        )
        if answer.data is None:  # the documented answer: no body
            return SyncRcvResult()
        return decode(answer, SyncRcvResult, "the sync acknowledgement")


class SyncRegistry(SyncResource[Registry]):
    """Blocking :class:`Registry`."""

    __slots__ = ()

    def sales(self, year: int, month: int, day: int | None = None) -> SalesSummary:
        """See :meth:`Registry.sales`."""
        return self._run(self._async.sales(year, month, day))

    def purchases(
        self,
        year: int,
        month: int,
        day: int | None = None,
        *,
        status: str | Iterable[str] | None = None,
    ) -> list[PurchaseSummary]:
        """See :meth:`Registry.purchases`."""
        return self._run(self._async.purchases(year, month, day, status=status))

    def sync_rcv(
        self, registro: Literal["sales", "purchase"], periodo: int | str | dt.date
    ) -> SyncRcvResult:
        """See :meth:`Registry.sync_rcv`."""
        return self._run(self._async.sync_rcv(registro, periodo))
