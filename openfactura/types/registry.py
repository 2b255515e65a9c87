"""Sales and purchase registry summaries (RCV) and the RCV sync acknowledgement.

Usage::

    sales = await client.registry.sales(2026, 8)
    for row in sales.registros:
        print(row.tipo_documento, row.cant_documentos, row.total_mnt_total)
"""

from __future__ import annotations

from typing import Any

import attrs

from .._fields import extra_field, wire
from ._common import Day, answer_hook

__all__ = ["PurchaseSummary", "RegistryTotals", "SalesSummary", "SyncRcvResult"]


@attrs.frozen(kw_only=True)
class RegistryTotals:
    """Totals of one document type in a registry period (``registros[]``)."""

    tipo_documento: int = wire("tipoDocumento")
    cant_documentos: int | None = wire("cantDocumentos", default=None)
    total_mnt_exe: int | None = wire("totalMntExe", default=None)
    total_mnt_neto: int | None = wire("totalMntNeto", default=None)
    total_mnt_iva: int | None = wire("totalMntIVA", default=None)
    total_otros_imp: int | None = wire("totalOtrosImp", default=None)
    total_mnt_total: int | None = wire("totalMntTotal", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SalesSummary:
    """``GET /registry/sales/{yyyy}/{MM}[/{dd}]``: totals per document type."""

    fecha_inicio: Day = wire("fechaInicio", default=None)
    fecha_final: Day = wire("fechaFinal", default=None)
    registros: list[RegistryTotals] = wire("registros", factory=list)
    extra: dict[str, Any] = extra_field()


_STATE_NAMES = {"registro": "Registrado", "registrado": "Registrado"}


@attrs.frozen(kw_only=True)
class PurchaseSummary:
    """One state's block of ``GET /registry/purchase/...`` (the answer is a list of these).

    ``estado`` is the API's text (``Pendiente``, ``Registrado``, ``No_incluir``,
    ``Reclamado``; the dev environment says ``Registro``); ``state`` normalises
    ``Registro`` to ``Registrado``.
    """

    estado: str | None = wire("estado", default=None)
    fecha_inicio: Day = wire("fechaInicio", default=None)
    fecha_final: Day = wire("fechaFinal", default=None)
    registros: list[RegistryTotals] = wire("registros", factory=list)
    extra: dict[str, Any] = extra_field()

    @property
    def state(self) -> str | None:
        """``estado`` with ``Registro`` read as ``Registrado``."""
        if self.estado is None:
            return None
        return _STATE_NAMES.get(self.estado.strip().casefold(), self.estado)


@attrs.frozen(kw_only=True)
class SyncRcvResult:
    """``POST /registry/sync-rcv``: the sync was queued. The API documents no fields for
    success (``message``/``code`` when present); anything it sends is kept in ``extra``."""

    message: str | None = wire("message", default=None)
    code: str | None = wire("code", default=None)
    extra: dict[str, Any] = extra_field()


for _model in (RegistryTotals, SalesSummary, PurchaseSummary, SyncRcvResult):
    answer_hook(_model)
