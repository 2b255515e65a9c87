"""``client.taxpayers``: the SII record of any taxpayer.

Usage::

    record = await client.taxpayers.get("76795561-8")
    print(record.razon_social, [a.giro for a in record.actividades])
"""

from __future__ import annotations

from .._decode import decode
from .._exceptions import NotFoundError
from ..types.taxpayer import Taxpayer
from ._base import AsyncResource, SyncResource
from ._common import RutLike, as_rut, segment

__all__ = ["SyncTaxpayers", "Taxpayers"]


class Taxpayers(AsyncResource):
    """Taxpayer look-ups (E12)."""

    __slots__ = ()

    async def get(self, rut: RutLike) -> Taxpayer:
        """The SII record of ``rut`` (``"76795561-8"``, ``"76.795.561-8"``, ``Rut``, body ``int``).

        Calls ``GET /v2/dte/taxpayer/{rut}``. The API answers an unknown RUT with HTTP 200
        and every field ``null`` (``actividades`` too); this method raises
        :class:`NotFoundError` for it instead of returning a half-empty record.

        >>> record = await client.taxpayers.get("76795561-8")  # doctest: +SKIP
        >>> record.razon_social  # doctest: +SKIP

        Raises :class:`NotFoundError` (unknown RUT), :class:`ValidationError` (not a valid
        RUT: nothing sent), :class:`ResponseDecodeError` (not a taxpayer record), and the
        usual API errors.
        """
        value = as_rut("rut", rut)
        answer = await self._client._request("GET", f"/v2/dte/taxpayer/{segment(str(value))}")
        record = decode(answer, Taxpayer, "the taxpayer")
        if not record.found:
            raise NotFoundError(
                f"The SII has no taxpayer with RUT {value}",
                status=answer.status,
                body=answer.data,
                headers=answer.headers,
                hint="Check the RUT; the API answers unknown RUTs with empty fields.",
            )
        return record


class SyncTaxpayers(SyncResource[Taxpayers]):
    """Blocking :class:`Taxpayers`."""

    __slots__ = ()

    def get(self, rut: RutLike) -> Taxpayer:
        """See :meth:`Taxpayers.get`."""
        return self._run(self._async.get(rut))
