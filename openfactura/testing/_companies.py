"""The sandbox's companies: Haulmer's two public demo keys and their real data (reference §9)."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["DEMO_COMPANIES", "Company"]

DEFAULT_DOCUMENT_TYPES = (33, 34, 39, 41, 43, 46, 52, 56, 61)


@attrs.frozen(kw_only=True)
class Company:
    """A taxpayer the sandbox knows; ``api_key`` authenticates as it.

    >>> Company(api_key="0123abcd" * 4, rut="77777777-7", razon_social="MI EMPRESA SPA",
    ...         giro="SERVICIOS", acteco=620200, direccion="CALLE 1", comuna="Santiago",
    ...         cdg_sii_sucur="1", folio_ranges=((33, 1, 50),))  # doctest: +SKIP
    """

    api_key: str = attrs.field(repr=False)
    rut: str
    razon_social: str
    giro: str
    acteco: int
    direccion: str
    comuna: str
    cdg_sii_sucur: str
    ciudad: str = "CURICO"
    email: str | None = None
    telefono: str = "0 0"
    document_types: tuple[int, ...] = DEFAULT_DOCUMENT_TYPES
    first_folio: int = 1000
    folios_per_type: int = 100_000
    folio_ranges: tuple[tuple[int, int, int], ...] = ()
    """Explicit CAF ranges ``(tipo, first, last)``; other types get
    ``first_folio .. first_folio + folios_per_type - 1``."""
    resolucion: tuple[str, int] = ("2018-03-26", 0)

    def folio_range(self, tipo: int) -> tuple[int, int]:
        """First and last folio the sandbox hands out for ``tipo``."""
        for kind, first, last in self.folio_ranges:
            if kind == tipo:
                return first, last
        return self.first_folio, self.first_folio + self.folios_per_type - 1

    def organization(self) -> dict[str, Any]:
        """The body of ``GET /v2/dte/organization`` (E10)."""
        return {
            "rut": self.rut,
            "razonSocial": self.razon_social,
            "email": self.email,
            "telefono": self.telefono,
            "direccion": self.direccion,
            "cdgSIISucur": self.cdg_sii_sucur,
            "glosaDescriptiva": self.giro,
            "direccionRegional": "CURICÓ",
            "comuna": self.comuna,
            "ciudad": self.ciudad,
            "resolucion": {"fecha": self.resolucion[0], "numero": self.resolucion[1]},
            "nombreFantasia": self.razon_social,
            "web": "",
            "sucursales": [],
            "actividades": [
                {
                    "giro": self.giro,
                    "actividadEconomica": self.giro,
                    "codigoActividadEconomica": self.acteco,
                    "actividadPrincipal": True,
                }
            ],
        }

    def taxpayer(self) -> dict[str, Any]:
        """The body of ``GET /v2/dte/taxpayer/{rut}`` (E12) for this company."""
        return {
            "rut": self.rut,
            "razonSocial": self.razon_social,
            "email": self.email,
            "telefono": self.telefono,
            "direccion": self.direccion,
            "comuna": self.comuna,
            "actividades": self.organization()["actividades"],
            "sucursales": [
                {
                    "cdgSIISucur": self.cdg_sii_sucur,
                    "comuna": self.comuna,
                    "direccion": self.direccion,
                    "ciudad": self.ciudad,
                    "telefono": self.telefono,
                }
            ],
        }


DEMO_COMPANIES: tuple[Company, ...] = (
    Company(
        api_key="928e15a2d14d4a6292345f04960f4bd3",
        rut="76795561-8",
        razon_social="HAULMER SPA",
        giro="VENTA AL POR MENOR EN EMPRESAS DE VENTA A DISTANCIA VÍA INTERNET; COMERCIO ELEC",
        acteco=479100,
        direccion="ARTURO PRAT 527   CURICO",
        comuna="Curicó",
        cdg_sii_sucur="81303347",
    ),
    Company(
        api_key="41eb78998d444dbaa4922c410ef14057",
        rut="76430498-5",
        razon_social="HOSTY SPA",
        giro="EMPRESAS DE SERVICIOS INTEGRALES DE INFORMÁTICA",
        acteco=620200,
        direccion="ARTURO PRAT 527 3 pis OF 1",
        comuna="Curicó",
        cdg_sii_sucur="79457965",
    ),
)
"""Haulmer's two public demo companies with their real data, each with its demo key.

HAULMER SPA (76795561-8, the first: ``fake.api_key``) and HOSTY SPA (76430498-5). Every
sandbox knows them; ``fake.add_company(Company(...))`` adds more.
"""
