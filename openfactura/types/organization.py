"""The key's company (``GET /organization``) and its folio availability.

Usage::

    org = await client.organization.get()
    org.razon_social, org.actividad_principal, org.resolucion.numero
    folios = await client.organization.folios()
    folios.available(33)
"""

from __future__ import annotations

from typing import Any

import attrs

from .._fields import extra_field, wire
from ._common import Day, Flag, answer_hook

__all__ = ["Actividad", "FolioAvailability", "Folios", "Organization", "Resolucion", "Sucursal"]


@attrs.frozen(kw_only=True)
class Resolucion:
    """The SII authorisation resolution (``{"fecha": "2018-03-26", "numero": 0}``)."""

    fecha: Day = wire("fecha", default=None)
    numero: int | None = wire("numero", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Actividad:
    """An economic activity (``actividades[]``); members may all be ``None`` on the SII side."""

    giro: str | None = wire("giro", default=None)
    actividad_economica: str | None = wire("actividadEconomica", default=None)
    codigo_actividad_economica: int | None = wire("codigoActividadEconomica", default=None)
    actividad_principal: Flag = wire("actividadPrincipal", default=None)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Sucursal:
    """A branch (``sucursales[]``)."""

    cdg_sii_sucur: str | None = wire("cdgSIISucur", default=None)
    direccion: str | None = wire("direccion", default=None)
    comuna: str | None = wire("comuna", default=None)
    ciudad: str | None = wire("ciudad", default=None)
    telefono: str | None = wire("telefono", default=None)
    extra: dict[str, Any] = extra_field()


def _principal(actividades: list[Actividad]) -> Actividad | None:
    for actividad in actividades:
        if actividad.actividad_principal:
            return actividad
    return actividades[0] if actividades else None


@attrs.frozen(kw_only=True)
class Organization:
    """The issuer data of the key's company (``GET /organization``).

    Map it to an ``Emisor``: ``RznSoc`` = ``razon_social``, ``GiroEmis`` =
    ``glosa_descriptiva``, ``Acteco`` = ``actividad_principal.codigo_actividad_economica``,
    ``DirOrigen`` = ``direccion``, ``CmnaOrigen`` = ``comuna``, ``CdgSIISucur`` =
    ``cdg_sii_sucur``. ``logo`` (PNG bytes) only with ``include_logo=True``.
    """

    rut: str | None = wire("rut", default=None)
    razon_social: str | None = wire("razonSocial", default=None)
    email: str | None = wire("email", default=None)
    telefono: str | None = wire("telefono", default=None)
    direccion: str | None = wire("direccion", default=None)
    cdg_sii_sucur: str | None = wire("cdgSIISucur", default=None)
    glosa_descriptiva: str | None = wire("glosaDescriptiva", default=None)
    direccion_regional: str | None = wire("direccionRegional", default=None)
    comuna: str | None = wire("comuna", default=None)
    ciudad: str | None = wire("ciudad", default=None)
    resolucion: Resolucion | None = wire("resolucion", default=None)
    nombre_fantasia: str | None = wire("nombreFantasia", default=None)
    web: str | None = wire("web", default=None)
    sucursales: list[Sucursal] = wire("sucursales", factory=list)
    actividades: list[Actividad] = wire("actividades", factory=list)
    logo: bytes | None = wire("logo", default=None)
    extra: dict[str, Any] = extra_field()

    @property
    def actividad_principal(self) -> Actividad | None:
        """The activity flagged as main (else the first one)."""
        return _principal(self.actividades)


@attrs.frozen(kw_only=True)
class FolioAvailability:
    """Available folios of one document type (``documentos[]`` of ``/organization/document``).

    The API spells the count ``disponibles`` (live) or ``disponible`` (doc); ``available``
    reads either. The counter is known to lag: treat it as a hint.
    """

    dte: int = wire("dte")
    disponibles: int | None = wire("disponibles", default=None)
    disponible: int | None = wire("disponible", default=None)
    vencimiento: Day = wire("vencimiento", default=None)
    extra: dict[str, Any] = extra_field()

    @property
    def available(self) -> int | None:
        """The folio count, whichever spelling the API used."""
        return self.disponibles if self.disponibles is not None else self.disponible


@attrs.frozen(kw_only=True)
class Folios:
    """``GET /organization/document``: the DTE types the company may issue, with folios."""

    rut: str | None = wire("rut", default=None)
    documentos: list[FolioAvailability] = wire("documentos", factory=list)
    extra: dict[str, Any] = extra_field()

    @property
    def types(self) -> list[int]:
        """The authorised document types (``[33, 34, 39, ...]``)."""
        return [doc.dte for doc in self.documentos]

    def available(self, dte_type: int) -> int | None:
        """Folios available for ``dte_type``; ``None`` if the type is not authorised."""
        for doc in self.documentos:
            if doc.dte == int(dte_type):
                return doc.available
        return None


for _model in (Resolucion, Actividad, Sucursal, Organization, FolioAvailability, Folios):
    answer_hook(_model)
