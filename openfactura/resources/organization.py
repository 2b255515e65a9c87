"""``client.organization``: the company behind the API key.

Usage::

    org = await client.organization.get()
    print(org.razon_social, org.actividad_principal)
    folios = await client.organization.folios()
    print(folios.available(33))
"""

from __future__ import annotations

from .._decode import decode
from ..types.organization import Folios
from ..types.organization import Organization as OrganizationRecord
from ._base import AsyncResource, SyncResource

__all__ = ["Organization", "SyncOrganization"]


class Organization(AsyncResource):
    """The issuer data and folios of the key's company (E10, E11)."""

    __slots__ = ()

    async def get(self, *, include_logo: bool = False) -> OrganizationRecord:
        """The company's record: RUT, ``razon_social``, address, ``actividades``, ``sucursales``...

        ``include_logo=True`` asks for the logo too (``extra_fields=logo``), as PNG bytes
        on ``.logo``. Calls ``GET /v2/dte/organization``. Use it to fill an ``Emisor``.

        >>> org = await client.organization.get()  # doctest: +SKIP
        >>> org.razon_social, org.glosa_descriptiva  # doctest: +SKIP

        Raises :class:`AuthenticationError` (bad key), :class:`ResponseDecodeError` (an
        answer without the company's ``rut``) and the usual API errors.
        """
        params = {"extra_fields": "logo"} if include_logo else None
        answer = await self._client._request("GET", "/v2/dte/organization", params=params)
        return decode(answer, OrganizationRecord, "the organization")

    async def folios(self) -> Folios:
        """Document types the company may issue, with folios available and CAF expiry.

        Calls ``GET /v2/dte/organization/document``. The counter is known to lag (Openfactura
        refills folios itself): treat it as a hint.

        >>> (await client.organization.folios()).available(33)  # doctest: +SKIP

        Raises :class:`AuthenticationError`, :class:`ResponseDecodeError` and the usual API
        errors.
        """
        answer = await self._client._request("GET", "/v2/dte/organization/document")
        return decode(answer, Folios, "the folio availability")


class SyncOrganization(SyncResource[Organization]):
    """Blocking :class:`Organization`."""

    __slots__ = ()

    def get(self, *, include_logo: bool = False) -> OrganizationRecord:
        """See :meth:`Organization.get`."""
        return self._run(self._async.get(include_logo=include_logo))

    def folios(self) -> Folios:
        """See :meth:`Organization.folios`."""
        return self._run(self._async.folios())
