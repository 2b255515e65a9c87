"""``client.self_service``: follow-up of self-service links (two **undocumented** routes).

A self-service link comes from an emission with ``self_service=...``
(``result.self_service_url``). These methods take that URL or its last path segment.

Usage::

    state = await client.self_service.state(result.self_service_url)
    await client.self_service.resend_email(result.self_service_url)
"""

from __future__ import annotations

from collections.abc import Mapping

from .._decode import decode
from .._exceptions import ResponseDecodeError, error_text
from ..types.self_service import SelfServiceState
from ._base import AsyncResource, SyncResource
from ._common import link_token, segment

__all__ = ["SelfServiceLinks", "SyncSelfServiceLinks"]


class SelfServiceLinks(AsyncResource):
    """Self-service links (U1, U2: seen only in Haulmer's WHMCS plugin, not in the docs)."""

    __slots__ = ()

    async def resend_email(self, link: str) -> None:
        """Send the link's email to the customer again.

        **Undocumented route** (``GET /v2/dte/selfservice/email/{t}``, used by Haulmer's
        WHMCS plugin); it may change without notice. Any 2xx answer is success, except one
        whose body is an error (:class:`ResponseDecodeError`). It is not retried once it
        may have reached the API (the customer would get the email twice).

        >>> await client.self_service.resend_email("https://.../abc123")  # doctest: +SKIP

        Raises :class:`ValidationError` (empty link), :class:`NotFoundError` and the usual
        API errors.
        """
        path = f"/v2/dte/selfservice/email/{segment(link_token(link))}"
        # A GET with an effect: repeated after a lost answer it would send the email twice.
        answer = await self._client._request("GET", path, safe=False)
        data = answer.data
        error = data.get("error") if isinstance(data, Mapping) else None
        if isinstance(error, (str, Mapping)) and error:
            raise ResponseDecodeError(
                f"The API answered HTTP {answer.status} with an error instead of sending the email",
                status=answer.status,
                body=data,
                problems=[("$.error", error_text(data) or "no message")],
                headers=answer.headers,
            )

    async def state(self, link: str) -> SelfServiceState:
        """What became of the link: ``Boleta AM``/``AS``, ``Factura AS``/``BAM``/``BAS``, pending.

        **Undocumented route** (``GET /v2/dte/selfservice/stateinvoice/{t}``, used by
        Haulmer's WHMCS plugin); it may change without notice.

        >>> (await client.self_service.state(url)).is_pending  # doctest: +SKIP

        Raises :class:`ValidationError`, :class:`NotFoundError` and the usual API errors.
        """
        path = f"/v2/dte/selfservice/stateinvoice/{segment(link_token(link))}"
        answer = await self._client._request("GET", path)
        return decode(answer, SelfServiceState, "the self-service link's state")


class SyncSelfServiceLinks(SyncResource[SelfServiceLinks]):
    """Blocking :class:`SelfServiceLinks`."""

    __slots__ = ()

    def resend_email(self, link: str) -> None:
        """See :meth:`SelfServiceLinks.resend_email`."""
        return self._run(self._async.resend_email(link))

    def state(self, link: str) -> SelfServiceState:
        """See :meth:`SelfServiceLinks.state`."""
        return self._run(self._async.state(link))
