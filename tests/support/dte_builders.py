"""Builders of sample DTE parts for the model tests (one valid emisor, receptor, line...)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from openfactura.dte import BoletaDetalle, BoletaEmisor, Detalle, Emisor, Receptor

SCHEMAS = Path(__file__).parent.parent / "models" / "schemas"
FCH = dt.date(2026, 9, 27)


def make_emisor() -> Emisor:
    return Emisor(
        rut_emisor="76795561-8",
        rzn_soc="HAULMER SPA",
        giro_emis="VENTA AL POR MENOR POR CORREO, POR INTERNET Y VIA TELEFONICA",
        acteco=[479100],
        dir_origen="ARTURO PRAT 527 CURICO",
        cmna_origen="Curicó",
        cdg_sii_sucur=81303347,
    )


def make_receptor() -> Receptor:
    return Receptor(
        rut_recep="76430498-5",
        rzn_soc_recep="HOSTY SPA",
        giro_recep="ACTIVIDADES DE CONSULTORIA DE INFORMATIC",
        dir_recep="ARTURO PRAT 527",
        cmna_recep="Curicó",
    )


def make_boleta_emisor() -> BoletaEmisor:
    return BoletaEmisor(
        rut_emisor="76795561-8",
        rzn_soc_emisor="HAULMER SPA",
        giro_emisor="VENTA AL POR MENOR EN EMPRESAS DE VENTA A DISTANCIA",
        cdg_sii_sucur=81303347,
        dir_origen="ARTURO PRAT 527   CURICO",
        cmna_origen="Curicó",
    )


def line(name: str = "item", qty: str = "1", prc: str = "2000", **kw: object) -> Detalle:
    return Detalle(nmb_item=name, qty_item=Decimal(qty), prc_item=Decimal(prc), **kw)  # type: ignore[arg-type]


def boleta_line(
    name: str = "item", qty: str = "1", prc: str = "3000", **kw: object
) -> BoletaDetalle:
    return BoletaDetalle(nmb_item=name, qty_item=Decimal(qty), prc_item=Decimal(prc), **kw)  # type: ignore[arg-type]
