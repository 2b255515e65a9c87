"""The SII record of a taxpayer (``GET /taxpayer/{rut}``).

Usage::

    record = await client.taxpayers.get("76795561-8")
    record.razon_social, [a.giro for a in record.actividades]
"""

from __future__ import annotations

from typing import Any

import attrs

from .._fields import extra_field, wire
from ._common import answer_hook
from .organization import Actividad, Sucursal, _principal

__all__ = ["Taxpayer"]


@attrs.frozen(kw_only=True)
class Taxpayer:
    """A taxpayer as the SII knows it (activities and branches included).

    An unknown RUT never becomes a ``Taxpayer``:
    :meth:`~openfactura.resources.taxpayers.Taxpayers.get` raises
    :class:`~openfactura.NotFoundError` for the API's all-``null`` answer.
    """

    rut: str | None = wire("rut", default=None)
    razon_social: str | None = wire("razonSocial", default=None)
    email: str | None = wire("email", default=None)
    telefono: str | None = wire("telefono", default=None)
    direccion: str | None = wire("direccion", default=None)
    comuna: str | None = wire("comuna", default=None)
    actividades: list[Actividad] = wire("actividades", factory=list)
    sucursales: list[Sucursal] = wire("sucursales", factory=list)
    extra: dict[str, Any] = extra_field()

    @property
    def actividad_principal(self) -> Actividad | None:
        """The activity flagged as main (else the first one)."""
        return _principal(self.actividades)

    @property
    def found(self) -> bool:
        """False for the API's answer to an unknown RUT (every field ``null`` or blank)."""
        return bool(self.rut) or bool(self.razon_social)


answer_hook(Taxpayer)
