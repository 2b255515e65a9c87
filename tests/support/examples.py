"""The API reference's example bodies and matching models, shared by the tests.

``FACTURA`` and ``BOLETA`` are the minimal emission bodies the reference quotes as accepted
by the API (``{"response": [...], "dte": {...}}``); ``EMISOR``/``RECEPTOR`` are the same
parties as models.
"""

from __future__ import annotations

from typing import Any

from openfactura.dte import Emisor, Receptor

FACTURA: dict[str, Any] = {
    "response": ["FOLIO"],
    "dte": {
        "Encabezado": {
            "IdDoc": {
                "TipoDTE": 33,
                "Folio": 0,
                "FchEmis": "2026-09-27",
                "TpoTranVenta": 1,
                "FmaPago": 1,
            },
            "Emisor": {
                "RUTEmisor": "76795561-8",
                "RznSoc": "HAULMER SPA",
                "GiroEmis": "VENTA AL POR MENOR POR CORREO, POR INTERNET Y VIA TELEFONICA",
                "Acteco": 479100,
                "DirOrigen": "ARTURO PRAT 527 CURICO",
                "CmnaOrigen": "Curicó",
                "CdgSIISucur": "81303347",
            },
            "Receptor": {
                "RUTRecep": "76430498-5",
                "RznSocRecep": "HOSTY SPA",
                "GiroRecep": "ACTIVIDADES DE CONSULTORIA DE INFORMATIC",
                "DirRecep": "ARTURO PRAT 527",
                "CmnaRecep": "Curicó",
            },
            "Totales": {"MntNeto": 2000, "TasaIVA": "19", "IVA": 380, "MntTotal": 2380},
        },
        "Detalle": [
            {"NroLinDet": 1, "NmbItem": "item", "QtyItem": 1, "PrcItem": 2000, "MontoItem": 2000}
        ],
    },
}

BOLETA: dict[str, Any] = {
    "response": ["FOLIO"],
    "dte": {
        "Encabezado": {
            "IdDoc": {"TipoDTE": 39, "Folio": 0, "FchEmis": "2026-09-27", "IndServicio": 3},
            "Emisor": {
                "RUTEmisor": "76795561-8",
                "RznSocEmisor": "HAULMER SPA",
                "GiroEmisor": "VENTA AL POR MENOR EN EMPRESAS DE VENTA A DISTANCIA VÍA INTERNET; "
                "COMERCIO ELEC",
                "CdgSIISucur": "81303347",
                "DirOrigen": "ARTURO PRAT 527   CURICO",
                "CmnaOrigen": "Curicó",
            },
            "Receptor": {"RUTRecep": "66666666-6"},
            "Totales": {
                "MntNeto": 2521,
                "IVA": 479,
                "MntTotal": 3000,
                "TotalPeriodo": 3000,
                "VlrPagar": 3000,
            },
        },
        "Detalle": [
            {"NroLinDet": 1, "NmbItem": "item", "QtyItem": 1, "PrcItem": 3000, "MontoItem": 3000}
        ],
    },
}


EMISOR = Emisor(
    rut_emisor="76795561-8",
    rzn_soc="HAULMER SPA",
    giro_emis="VENTA AL POR MENOR",
    acteco=[479100],
    dir_origen="ARTURO PRAT 527",
    cmna_origen="Curicó",
)
RECEPTOR = Receptor(
    rut_recep="76430498-5",
    rzn_soc_recep="HOSTY SPA",
    giro_recep="INFORMATICA",
    dir_recep="ARTURO PRAT 527",
    cmna_recep="Curicó",
)
