"""``client.taxpayers``: the SII record of any taxpayer.

Usage::

    record = await client.taxpayers.get("76795561-8")
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ._base import AsyncResource, SyncResource

__all__ = ["SyncTaxpayers", "Taxpayers"]


class Taxpayers(AsyncResource):
    """Taxpayer look-ups (GET ``/v2/dte/taxpayer/{rut}``)."""

    __slots__ = ()

    async def get(self, rut: str) -> Any:
        """The SII record of ``rut`` (``"76795561-8"``, with hyphen and check digit).

        >>> await client.taxpayers.get("76795561-8")  # doctest: +SKIP
        """
        path = f"/v2/dte/taxpayer/{quote(str(rut), safe='')}"
        response = await self._client._request("GET", path)
        return response.data


class SyncTaxpayers(SyncResource[Taxpayers]):
    """Blocking :class:`Taxpayers`."""

    __slots__ = ()

    def get(self, rut: str) -> Any:
        """See :meth:`Taxpayers.get`."""
        return self._run(self._async.get(rut))
