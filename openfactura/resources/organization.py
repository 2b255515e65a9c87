"""``client.organization``: the company behind the API key.

Usage::

    org = await client.organization.get()
    print(org["razonSocial"])
"""

from __future__ import annotations

from typing import Any

from ._base import AsyncResource, SyncResource

__all__ = ["Organization", "SyncOrganization"]


class Organization(AsyncResource):
    """The issuer data of the key's company (GET ``/v2/dte/organization``)."""

    __slots__ = ()

    async def get(self, *, include_logo: bool = False) -> Any:
        """The company's organization record (``rut``, ``razonSocial``, ``actividades``...).

        ``include_logo=True`` adds ``extra_fields=logo``. Calls GET ``/v2/dte/organization``.
        Raises :class:`~openfactura.AuthenticationError` for a bad key.

        >>> org = await client.organization.get()  # doctest: +SKIP
        """
        params = {"extra_fields": "logo"} if include_logo else None
        response = await self._client._request("GET", "/v2/dte/organization", params=params)
        return response.data


class SyncOrganization(SyncResource[Organization]):
    """Blocking :class:`Organization`."""

    __slots__ = ()

    def get(self, *, include_logo: bool = False) -> Any:
        """See :meth:`Organization.get`."""
        return self._run(self._async.get(include_logo=include_logo))
