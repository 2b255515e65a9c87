"""Strict writer: each worked example of reference §3.3, emitted through the models, is the
reference's body exactly (key order aside): same keys, same values, same JSON types.

The bodies are the reference's, copied once into ``tests/support/examples.py`` (factura,
boleta) and here (the nota de crédito: "the factura body with ``TipoDTE: 61`` plus
``Referencia`` after ``Detalle``"). The documents are built from their parts with
``build()``, as a user would, and sent through ``documents.emit`` to a mocked API; the body
on the wire is what is compared. Reading stays tolerant: every shape is read back.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
from aioresponses import aioresponses
from examples import BOLETA, FACTURA

import openfactura
from openfactura import dte

EMIT = "https://dev-api.haulmer.com/v2/dte/document"
TOKEN = "c1c13d37566dbdab5a984ab5ebf5e461fba577a3084e44a52151d25a7ded63a8"
FCH = dt.date(2026, 9, 27)

NOTA_CREDITO: dict[str, Any] = copy.deepcopy(FACTURA)
NOTA_CREDITO["dte"]["Encabezado"]["IdDoc"]["TipoDTE"] = 61
NOTA_CREDITO["dte"]["Referencia"] = [
    {
        "NroLinRef": 1,
        "TpoDocRef": "33",
        "FolioRef": 109,
        "FchRef": "2026-09-27",
        "CodRef": 1,
        "RazonRef": "Anula factura",
    }
]


def factura_parts() -> dict[str, Any]:
    return {
        "emisor": dte.Emisor(
            rut_emisor="76795561-8",
            rzn_soc="HAULMER SPA",
            giro_emis="VENTA AL POR MENOR POR CORREO, POR INTERNET Y VIA TELEFONICA",
            acteco=[479100],
            dir_origen="ARTURO PRAT 527 CURICO",
            cmna_origen="Curicó",
            cdg_sii_sucur=Decimal(81303347),
        ),
        "receptor": dte.Receptor(
            rut_recep="76430498-5",
            rzn_soc_recep="HOSTY SPA",
            giro_recep="ACTIVIDADES DE CONSULTORIA DE INFORMATIC",
            dir_recep="ARTURO PRAT 527",
            cmna_recep="Curicó",
        ),
        "detalle": [dte.Detalle(nmb_item="item", qty_item=Decimal(1), prc_item=Decimal(2000))],
        "fch_emis": FCH,
        "tpo_tran_venta": dte.TpoTranVenta.DEL_GIRO,
        "fma_pago": dte.FmaPago.CONTADO,
    }


def build_factura() -> dte.Document:
    return dte.Factura.build(**factura_parts())


def build_nota() -> dte.Document:
    ref = dte.Referencia(
        tpo_doc_ref=dte.TipoDTE.FACTURA,
        folio_ref=109,
        fch_ref=FCH,
        cod_ref=dte.CodRef.ANULA,
        razon_ref="Anula factura",
    )
    return dte.NotaCredito.build(**factura_parts(), referencia=[ref])


def build_boleta() -> dte.Document:
    return dte.Boleta.build(
        emisor=dte.BoletaEmisor(
            rut_emisor="76795561-8",
            rzn_soc_emisor="HAULMER SPA",
            giro_emisor="VENTA AL POR MENOR EN EMPRESAS DE VENTA A DISTANCIA VÍA INTERNET; "
            "COMERCIO ELEC",
            cdg_sii_sucur=Decimal(81303347),
            dir_origen="ARTURO PRAT 527   CURICO",
            cmna_origen="Curicó",
        ),
        detalle=[dte.BoletaDetalle(nmb_item="item", qty_item=Decimal(1), prc_item=Decimal(3000))],
        fch_emis=FCH,
    )


EXAMPLES = {
    "factura": (FACTURA, build_factura),
    "boleta": (BOLETA, build_boleta),
    "nota de crédito": (NOTA_CREDITO, build_nota),
}


def canonical(body: Any) -> str:
    """The JSON text with sorted keys: equal bytes mean the same keys, values and types
    (``109`` is not ``"109"``, ``[479100]`` is not ``479100``, ``1`` is not ``1.0``)."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[openfactura.AsyncOpenfactura]:
    async with openfactura.AsyncOpenfactura(
        "928e15a2d14d4a6292345f04960f4bd3", environment="development", rate_limits=None
    ) as c:
        yield c


@pytest.mark.parametrize("name", list(EXAMPLES))
async def test_each_worked_example_goes_out_as_the_reference_body(
    name: str, mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    reference, build = EXAMPLES[name]
    mocked.post(EMIT, payload={"TOKEN": TOKEN, "FOLIO": 1})
    await client.documents.emit(build())
    ((call,),) = mocked.requests.values()
    sent = json.loads(call.kwargs["data"])
    assert canonical(sent) == canonical(reference)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_worked_example_reads_and_writes_back_unchanged(name: str) -> None:
    reference, _ = EXAMPLES[name]
    doc = dte.from_wire(reference["dte"])
    assert doc.validate() == []
    assert canonical(doc.to_wire()) == canonical(reference["dte"])


def test_acteco_is_a_number_for_one_code_and_a_list_for_more() -> None:
    emisor = factura_parts()["emisor"]
    assert openfactura._converter.unstructure(emisor)["Acteco"] == 479100
    two = openfactura._converter.unstructure(
        dte.Emisor(
            rut_emisor="76795561-8",
            rzn_soc="X",
            giro_emis="Y",
            acteco=[479100, 620200],
            dir_origen="Z",
            cmna_origen="W",
        )
    )
    assert two["Acteco"] == [479100, 620200]


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("109", 109),
        (109, 109),
        ("0", 0),
        ("00109", "00109"),
        ("OC-2231", "OC-2231"),
        ("12345678901", "12345678901"),
    ],
)
def test_folio_ref_is_a_number_when_it_is_a_plain_folio(given: Any, sent: Any) -> None:
    ref = dte.Referencia(tpo_doc_ref="801", folio_ref=given, fch_ref=FCH)
    assert isinstance(ref.folio_ref, str)
    out = openfactura._converter.unstructure(ref)["FolioRef"]
    assert out == sent and type(out) is type(sent)


@pytest.mark.parametrize("acteco", [479100, [479100], "479100", ["479100"]])
@pytest.mark.parametrize("folio", [109, "109"])
def test_reading_accepts_every_shape(acteco: Any, folio: Any) -> None:
    data = copy.deepcopy(NOTA_CREDITO["dte"])
    data["Encabezado"]["Emisor"]["Acteco"] = acteco
    data["Referencia"][0]["FolioRef"] = folio
    doc = dte.from_wire(data)
    assert isinstance(doc, dte.NotaCredito)
    assert doc.encabezado.emisor.acteco == [479100]
    assert doc.referencia[0].folio_ref == "109"
    assert canonical(doc.to_wire()) == canonical(NOTA_CREDITO["dte"])
