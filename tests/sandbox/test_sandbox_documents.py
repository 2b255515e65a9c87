"""The sandbox's renderings and the rest of the API: XML (against the SII's XSDs), PDF,
cedible, received documents and accuses, registry, sync-rcv, anularDTE52, self-service."""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from lxml import etree
from test_sandbox_api import BOLETA, FACTURA, HAULMER

from openfactura import dte
from openfactura.testing import FakeOpenfactura
from openfactura.testing._pdf import PrintJob, render_pdf

SCHEMAS = Path(__file__).parents[1] / "models" / "schemas"
NOW = 1_790_000_000.0  # 2026-09-21, the sandbox's injected clock


@pytest.fixture(scope="module")
def dte_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "DTE_v10.xsd")))


@pytest.fixture(scope="module")
def boleta_schema(tmp_path_factory: pytest.TempPathFactory) -> etree.XMLSchema:
    # EnvioBOLETA_v11.xsd only declares the envelope: give BOLETADefType a root element.
    folder = tmp_path_factory.mktemp("xsd")
    for name in ("EnvioBOLETA_v11.xsd", "xmldsignature_v10.xsd"):
        (folder / name).write_bytes((SCHEMAS / name).read_bytes())
    (folder / "boleta.xsd").write_text(
        '<xs:schema targetNamespace="http://www.sii.cl/SiiDte" '
        'xmlns:SiiDte="http://www.sii.cl/SiiDte" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'elementFormDefault="qualified"><xs:include schemaLocation="EnvioBOLETA_v11.xsd"/>'
        '<xs:element name="DTE" type="SiiDte:BOLETADefType"/></xs:schema>'
    )
    return etree.XMLSchema(etree.parse(str(folder / "boleta.xsd")))


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenfactura]:
    now = [NOW]
    async with FakeOpenfactura(rate_limits=None, clock=lambda: now[0]) as sandbox:
        sandbox.now = now  # type: ignore[attr-defined]
        yield sandbox


@pytest.fixture
async def http(fake: FakeOpenfactura) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession(base_url=fake.base_url) as session:

        async def call(method: str, path: str, **kw: Any) -> tuple[int, Any]:
            headers = {"apikey": HAULMER} | dict(kw.pop("headers", {}))
            async with session.request(method, path, headers=headers, **kw) as resp:
                raw = await resp.read()
                return resp.status, (await resp.json(content_type=None) if raw else None)

        yield call


def _variant(tipo: int, **totales: Any) -> dict[str, Any]:
    body = copy.deepcopy(FACTURA)
    body["dte"]["Encabezado"]["IdDoc"]["TipoDTE"] = tipo
    if totales:
        body["dte"]["Encabezado"]["Totales"] = totales
    return body


NOTA = _variant(61)
NOTA["dte"]["Referencia"] = [
    {
        "NroLinRef": 1,
        "TpoDocRef": "33",
        "FolioRef": 1000,
        "FchRef": "2026-09-27",
        "CodRef": 1,
        "RazonRef": "Anula factura",
    }
]
EXENTA = _variant(34, MntExe=2000, MntTotal=2000)
EXENTA["dte"]["Detalle"][0]["IndExe"] = 1
GUIA = _variant(52)
GUIA["dte"]["Encabezado"]["IdDoc"]["IndTraslado"] = 5
GUIA["dte"]["Encabezado"]["Transporte"] = {
    "Patente": "ABCD12",
    "Chofer": {"RUTChofer": "11111111-1", "NombreChofer": "Juan Pérez"},
    "DirDest": "Calle 2",
    "CmnaDest": "Talca",
}


@pytest.mark.parametrize("body", [FACTURA, NOTA, EXENTA, GUIA], ids=["33", "61", "34", "52"])
async def test_xml_validates_against_dte_v10(
    http: Any, dte_schema: etree.XMLSchema, body: dict[str, Any]
) -> None:
    status, answer = await http("POST", "/v2/dte/document", json=body)
    assert status == 200, answer
    assert "WARNING" not in answer  # the guía carries the Res. 154/2025 transport data
    status, read = await http("GET", f"/v2/dte/document/{answer['TOKEN']}/xml")
    assert status == 200 and read["token"] == answer["TOKEN"]
    raw = base64.b64decode(read["xml"])
    assert raw.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert "Curicó".encode("iso-8859-1") in raw  # Latin-1 bytes, not UTF-8
    doc = etree.fromstring(raw)
    assert dte_schema.validate(doc), dte_schema.error_log
    ns = {"s": "http://www.sii.cl/SiiDte"}
    assert doc.findtext(".//s:IdDoc/s:Folio", namespaces=ns) == str(answer["FOLIO"])
    assert doc.findtext(".//s:TED/s:DD/s:F", namespaces=ns) == str(answer["FOLIO"])
    assert b"SANDBOX" in base64.b64decode(doc.findtext(".//{*}SignatureValue") or "")


# A liquidación-factura: HAULMER sold HOSTY's goods on commission and settles the sale.
LIQUIDACION = _variant(
    43,
    MntNeto=100000,
    TasaIVA="19",
    IVA=19000,
    Comisiones={"ValComNeto": 10000, "ValComExe": 0, "ValComIVA": 1900},
    MntTotal=119000,  # the sandbox (like the SDK) does not take the commissions off
)
LIQUIDACION["dte"]["Detalle"] = [
    {
        "NroLinDet": 1,
        "TpoDocLiq": "33",
        "NmbItem": "Venta por cuenta de HOSTY SPA",
        "QtyItem": 2,
        "PrcItem": 50000,
        "MontoItem": 100000,
    }
]
LIQUIDACION["dte"]["Comisiones"] = [
    {
        "NroLinCom": 1,
        "TipoMovim": "C",
        "Glosa": "Comisión por venta",
        "TasaComision": 10,
        "ValComNeto": 10000,
        "ValComExe": 0,
        "ValComIVA": 1900,
    }
]
BARE_LIQUIDACION = _variant(43)  # no TpoDocLiq, Comisiones, receiver's giro or address
for _name in ("GiroRecep", "DirRecep", "CmnaRecep"):
    del BARE_LIQUIDACION["dte"]["Encabezado"]["Receptor"][_name]


@pytest.mark.parametrize("body", [LIQUIDACION, BARE_LIQUIDACION], ids=["full", "bare"])
async def test_liquidacion_xml_is_a_valid_liquidacion_element(
    http: Any, dte_schema: etree.XMLSchema, body: dict[str, Any]
) -> None:
    status, answer = await http("POST", "/v2/dte/document", json=body)
    assert status == 200, answer
    _, read = await http("GET", f"/v2/dte/document/{answer['TOKEN']}/xml")
    doc = etree.fromstring(base64.b64decode(read["xml"]))
    assert dte_schema.validate(doc), dte_schema.error_log
    ns = {"s": "http://www.sii.cl/SiiDte"}
    liq = doc.find("s:Liquidacion", ns)
    assert liq is not None and doc.find("s:Documento", ns) is None
    assert liq.get("ID") == f"F{answer['FOLIO']}T43"
    assert liq.findtext("s:Encabezado/s:IdDoc/s:TipoDTE", namespaces=ns) == "43"
    assert liq.findtext("s:Detalle/s:TpoDocLiq", namespaces=ns) == "33"
    assert liq.findtext("s:TED/s:DD/s:TD", namespaces=ns) == "43"
    reference = doc.find(".//{*}Reference")
    assert reference is not None and reference.get("URI") == f"#{liq.get('ID')}"
    if body is LIQUIDACION:
        totals = "s:Encabezado/s:Totales/s:Comisiones/s:ValComIVA"
        assert liq.findtext(totals, namespaces=ns) == "1900"
        assert liq.findtext("s:Comisiones/s:Glosa", namespaces=ns) == "Comisión por venta"


async def test_boleta_xml_validates_against_the_boleta_schema(
    http: Any, boleta_schema: etree.XMLSchema
) -> None:
    _, answer = await http("POST", "/v2/dte/document", json=BOLETA | {"response": ["XML"]})
    raw = base64.b64decode(answer["XML"])  # asked at emission this time
    doc = etree.fromstring(raw)
    assert boleta_schema.validate(doc), boleta_schema.error_log
    _, read = await http("GET", f"/v2/dte/document/76795561-8/39/{_folio(doc)}/xml")
    assert set(read) == {"xml"}  # by folio: no token key


def _folio(doc: Any) -> str:
    return str(doc.findtext(".//{http://www.sii.cl/SiiDte}Folio"))


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


async def test_pdf_is_one_real_page_in_the_layout_chosen_at_emission(
    http: Any, fake: FakeOpenfactura
) -> None:
    _, letter = await http("POST", "/v2/dte/document", json=FACTURA)
    roll_body = BOLETA | {"response": ["FOLIO", "80MM", "PDF", "TIMBRE", "LOGO", "RESOLUCION"]}
    _, roll = await http("POST", "/v2/dte/document", json=roll_body)
    assert base64.b64decode(roll["TIMBRE"]).startswith(b"\x89PNG")
    assert base64.b64decode(roll["LOGO"]).startswith(b"\x89PNG")
    assert roll["RESOLUCION"] == {"fecha": "2018-03-26", "numero": 0}
    status, read = await http("GET", f"/v2/dte/document/{letter['TOKEN']}/pdf")
    assert status == 200 and read["folio"] == letter["FOLIO"]
    pdf = base64.b64decode(read["pdf"])
    assert pdf.startswith(b"%PDF-") and _pages(pdf) == 1
    assert re.search(rb"/MediaBox\s*\[0 0 612\.00 792\.00\]", pdf)  # letter
    roll_pdf = base64.b64decode(roll["PDF"])
    assert _pages(roll_pdf) == 1
    assert re.search(rb"/MediaBox\s*\[0 0 226\.77 ", roll_pdf)  # 80 mm wide
    assert fake.document(roll["TOKEN"]).layout == "80MM"


def _factura_with_lines(count: int) -> dict[str, Any]:
    body = copy.deepcopy(FACTURA)
    line = body["dte"]["Detalle"][0]
    body["dte"]["Detalle"] = [line | {"NroLinDet": n + 1} for n in range(count)]
    net = 2000 * count
    body["dte"]["Encabezado"]["Totales"] = {
        "MntNeto": net,
        "TasaIVA": "19",
        "IVA": net * 19 // 100,
        "MntTotal": net * 119 // 100,
    }
    return body


@pytest.mark.parametrize(
    ("count", "media_box"),
    [(3, rb"\[0 0 612\.00 792\.00\]"), (40, rb"\[0 0 226\.77 ")],
    ids=["fits-letter", "falls-back-to-80mm"],
)
async def test_letter_80mm_falls_back_to_a_roll_when_letter_does_not_fit(
    http: Any, count: int, media_box: bytes
) -> None:
    body = _factura_with_lines(count) | {"response": ["FOLIO", "LETTER_80MM", "PDF"]}
    status, answer = await http("POST", "/v2/dte/document", json=body)
    assert status == 200, answer
    for pdf in (
        base64.b64decode(answer["PDF"]),
        base64.b64decode((await http("GET", f"/v2/dte/document/{answer['TOKEN']}/pdf"))[1]["pdf"]),
    ):
        assert _pages(pdf) == 1
        assert re.search(rb"/MediaBox\s*" + media_box, pdf)


def test_letter_80mm_threshold_counts_references() -> None:
    dte = _factura_with_lines(20)["dte"]
    assert b"612.00 792.00" in render_pdf(PrintJob(dte=dte, layout="LETTER_80MM", compress=False))
    dte["Referencia"] = [
        {"NroLinRef": n + 1, "TpoDocRef": "801", "FolioRef": str(n), "FchRef": "2026-09-01"}
        for n in range(3)
    ]
    roll = render_pdf(PrintJob(dte=dte, layout="LETTER_80MM", compress=False))
    assert re.search(rb"/MediaBox\s*\[0 0 226\.77 ", roll)
    # plain LETTER never falls back: it squeezes the rows onto the letter page
    assert b"612.00 792.00" in render_pdf(PrintJob(dte=dte, compress=False))


def test_pdf_shows_type_folio_parties_lines_and_totals() -> None:
    dte = copy.deepcopy(FACTURA["dte"])
    dte["Encabezado"]["IdDoc"]["Folio"] = 4242
    dte["Detalle"] = [dte["Detalle"][0] | {"NmbItem": f"Producto {n}"} for n in range(60)]
    for cedible in (False, True):
        pdf = render_pdf(PrintJob(dte=dte, cedible=cedible, compress=False))
        assert _pages(pdf) == 1  # 60 lines still fit one letter page (SII rule)
        for text in (b"FACTURA ELECTR", b"4242", b"HAULMER SPA", b"HOSTY SPA", b"76.430.498-5"):
            assert text in pdf
        assert b"Producto 0" in pdf and b"$ 2.380" in pdf
        assert (b"CEDIBLE" in pdf) is cedible


async def test_cedible_for_facturas_and_not_for_boletas(http: Any) -> None:
    _, factura = await http("POST", "/v2/dte/document", json=FACTURA)
    status, read = await http("GET", f"/v2/dte/document/76795561-8/33/{factura['FOLIO']}/cedible")
    assert status == 200 and base64.b64decode(read["pdf"]).startswith(b"%PDF")
    _, boleta = await http("POST", "/v2/dte/document", json=BOLETA)
    status, err = await http("GET", f"/v2/dte/document/{boleta['TOKEN']}/cedible")
    assert status == 400
    assert err == {
        "error": {
            "message": "Validación de Campos",
            "code": "OF-10",
            "details": [{"field": "Documento", "issue": "Documento sin cedible"}],
        }
    }


async def test_status_progresses_with_time_when_asked(http: Any) -> None:
    now = [NOW]
    async with FakeOpenfactura(
        rate_limits=None, status_reads_until_final=None, status_delay=180, clock=lambda: now[0]
    ) as fake:
        async with aiohttp.ClientSession(fake.base_url, headers={"apikey": HAULMER}) as s:
            async with s.post("/v2/dte/document", json=FACTURA) as r:
                token = (await r.json())["TOKEN"]
            for advance, estado in ((0, "Pendiente"), (100, "Pendiente"), (80, "Aceptado")):
                now[0] += advance
                async with s.get(f"/v2/dte/document/{token}/status") as r:
                    assert (await r.json())["estado"] == estado
            async with s.get(f"/v2/dte/document/{token}/json") as r:
                assert (await r.json())["FchRecepSII"]  # the SII has it now
        fake.set_outcome(token, "Aceptado con Reparos", now=True)
        assert fake._estado(fake.document(token)) == "Aceptado con Reparos"


async def test_received_documents_list_filters_and_accuse(http: Any, fake: FakeOpenfactura) -> None:
    status, _ = await http("POST", "/v2/dte/document/received", json={})
    assert status == 204
    for folio in range(1, 33):
        fake.seed_received(
            issuer_rut="76430498-5",
            issuer_name="HOSTY SPA",
            folio=folio,
            fch_emis="2026-09-10",
            mnt_neto=1000,
        )
    fake.seed_received(
        issuer_rut="11111111-1", issuer_name="OTRO", folio=9, tipo_dte=34, mnt_exe=500
    )
    _, page = await http("POST", "/v2/dte/document/received", json={})
    assert (page["total"], page["last_page"], len(page["data"])) == (33, 2, 30)
    row = page["data"][0]
    assert row["RUTEmisor"] == 76430498 and row["DV"] == "5" and row["RznSoc"] == "HOSTY SPA"
    assert (row["MntNeto"], row["IVA"], row["MntTotal"], row["Acuses"]) == (1000, 190, 1190, None)
    _, exentas = await http(
        "POST", "/v2/dte/document/received", json={"TipoDTE": {"eq": 34}, "Page": 1}
    )
    assert [r["Folio"] for r in exentas["data"]] == [9]
    status, err = await http("POST", "/v2/dte/document/received", json={"RUTEmisor": [1]})
    assert status == 400 and err["details"] == {"Error": "Operador no encontrado"}

    accuse = {"dte": 33, "folio": 2, "rut": "76430498-5", "acuse": "ACD"}
    status, answer = await http("POST", "/v2/dte/document/received/accuse", json=accuse)
    assert status == 200 and answer["data"] == [{"dte": 33, "folio": 2, "acuse": "ACD"}]
    assert fake.received[1].acuses[0]["codEvento"] == "ACD"
    status, err = await http(
        "POST", "/v2/dte/document/received/accuse", json=accuse | {"acuse": "XYZ"}
    )
    assert status == 400 and err["error"]["code"] == "OF-10"
    status, err = await http(
        "POST", "/v2/dte/document/received/accuse", json=accuse | {"folio": 999}
    )
    assert status == 400 and err["error"]["code"] == "OF-22"
    _, read = await http("GET", "/v2/dte/document/76430498-5/33/2/json")
    assert read["folio"] == 2 and read["json"]["Encabezado"]["Emisor"]["RznSoc"] == "HOSTY SPA"


async def test_sales_and_purchase_registry(http: Any, fake: FakeOpenfactura) -> None:
    for body in (FACTURA, FACTURA, BOLETA, GUIA):
        await http("POST", "/v2/dte/document", json=body)
    status, sales = await http("GET", "/v2/dte/registry/sales/2026/09")
    assert status == 200
    assert (sales["fechaInicio"], sales["fechaFinal"]) == ("2026-09-01", "2026-09-30")
    assert sales["registros"] == [
        {
            "tipoDocumento": 33,
            "cantDocumentos": 2,
            "totalMntExe": 0,
            "totalMntNeto": 4000,
            "totalMntIVA": 760,
            "totalOtrosImp": 0,
            "totalMntTotal": 4760,
        },
        {
            "tipoDocumento": 39,
            "cantDocumentos": 1,
            "totalMntExe": 0,
            "totalMntNeto": 2521,
            "totalMntIVA": 479,
            "totalOtrosImp": 0,
            "totalMntTotal": 3000,
        },
    ]  # the guía is not a sale
    _, day = await http("GET", "/v2/dte/registry/sales/2026/09/28")
    assert day["registros"] == [] and day["fechaInicio"] == "2026-09-28"
    for path in ("/v2/dte/registry/sales/2026/9", "/v2/dte/registry/purchase/2026/13"):
        status, err = await http("GET", path)
        assert (status, err) == (
            400,
            {
                "message": "Validación de Campos.",
                "code": "OF-10",
                "details": {"Error": "Fecha Incorrecta"},
            },
        )
    fake.seed_received(
        issuer_rut="76430498-5", issuer_name="H", folio=1, fch_emis="2026-09-01", mnt_neto=100
    )
    fake.seed_received(
        issuer_rut="76430498-5", issuer_name="H", folio=2, fch_emis="2026-09-01", mnt_neto=100
    )
    fake.seed_received(
        issuer_rut="76430498-5",
        issuer_name="H",
        folio=3,
        fch_emis="2026-09-01",
        mnt_neto=100,
        estado="No_incluir",
    )
    await http(
        "POST",
        "/v2/dte/document/received/accuse",
        json={"dte": 33, "folio": 2, "rut": "76430498-5", "acuse": "RCD"},
    )
    _, states = await http("GET", "/v2/dte/registry/purchase/2026/09")
    counts = {s["estado"]: sum(r["cantDocumentos"] for r in s["registros"]) for s in states}
    assert counts == {"Pendiente": 1, "Registro": 0, "No_incluir": 1, "Reclamado": 1}
    fake.now[0] += 8 * 24 * 3600  # type: ignore[attr-defined]
    _, states = await http("GET", "/v2/dte/registry/purchase/2026/09?status=registered,pending")
    assert [s["estado"] for s in states] == ["Registro", "Pendiente"]
    assert states[0]["registros"][0]["cantDocumentos"] == 1  # registered after 8 days
    status, err = await http("GET", "/v2/dte/registry/purchase/2026/09?status=bogus")
    assert status == 400 and "error" not in err


async def test_sync_rcv_has_its_own_lock(http: Any, fake: FakeOpenfactura) -> None:
    body = {"registro": "sales", "periodo": 202609}
    status, answer = await http("POST", "/v2/dte/registry/sync-rcv", json=body)
    assert status == 200 and answer["code"] == "OK"
    status, err = await http("POST", "/v2/dte/registry/sync-rcv", json=body)
    assert status == 429
    assert err["error"]["code"] == "OF-429"
    assert err["error"]["details"]["retry_after"] == 600
    assert err["error"]["details"]["ends_at"].startswith("2026-09-")
    status, _ = await http(
        "POST", "/v2/dte/registry/sync-rcv", json=body | {"registro": "purchase"}
    )
    assert status == 200  # per (company, registro)
    fake.now[0] += 601  # type: ignore[attr-defined]
    status, _ = await http("POST", "/v2/dte/registry/sync-rcv", json=body)
    assert status == 200
    for bad in (
        {"registro": "compra", "periodo": 202609},
        {"registro": "sales", "periodo": 202701},
    ):
        status, err = await http("POST", "/v2/dte/registry/sync-rcv", json=bad)
        assert status == 400 and err["error"]["code"] == "OF-10"


async def test_anular_guia_once_in_either_casing(http: Any, fake: FakeOpenfactura) -> None:
    _, guia = await http("POST", "/v2/dte/document", json=GUIA)
    body = {"Dte": 52, "Folio": guia["FOLIO"], "Fecha": "2026-09-27"}
    status, answer = await http("POST", "/v2/dte/anularDTE52", json=body)
    assert (status, answer) == (
        200,
        {"success": f"Se ha anulado el documento Folio: {guia['FOLIO']}"},
    )
    assert fake.document(guia["TOKEN"]).annulled
    lower = {"dte": 52, "folio": guia["FOLIO"], "fecha": "2026-09-27"}
    status, err = await http("POST", "/v2/dte/anularDTE52", json=lower)
    assert status == 400
    assert err["error"]["details"] == [
        {"field": "Folio", "issue": "El documento ya se encuentra anulado"}
    ]
    status, err = await http("POST", "/v2/dte/anularDTE52", json=body | {"Dte": 33})
    assert status == 400 and err["error"]["code"] == "OF-10"


async def test_self_service_links(http: Any, fake: FakeOpenfactura) -> None:
    body: dict[str, Any] = {
        "response": ["SELF_SERVICE", "FOLIO"],
        "selfService": {"issueBoleta": False, "allowFactura": True},
        "customer": {"fullName": "Ana", "email": "ana@example.com"},
        "dte": copy.deepcopy(BOLETA["dte"]),
    }
    del body["dte"]["Encabezado"]["Receptor"]
    del body["dte"]["Encabezado"]["IdDoc"]["TipoDTE"]
    status, answer = await http("POST", "/v2/dte/document", json=body)
    assert status == 200 and "FOLIO" not in answer  # no boleta yet
    t = answer["SELF_SERVICE"]["url"].rsplit("/", 1)[-1]
    assert fake.documents == []
    _, state = await http("GET", f"/v2/dte/selfservice/stateinvoice/{t}")
    assert state == {"response": "Pendiente"}
    status, _ = await http("GET", f"/v2/dte/selfservice/email/{t}")
    assert status == 200 and fake.self_service_links[t].emails_sent == 1
    fake.set_self_service_state(answer["SELF_SERVICE"]["url"], "Factura AS")
    _, state = await http("GET", f"/v2/dte/selfservice/stateinvoice/{t}")
    assert state == {"response": "Factura AS"}
    body["selfService"]["issueBoleta"] = True
    _, issued = await http("POST", "/v2/dte/document", json=body)
    assert issued["FOLIO"] == fake.documents[0].folio and fake.documents[0].tipo_dte == 39
    t2 = issued["SELF_SERVICE"]["url"].rsplit("/", 1)[-1]
    _, state = await http("GET", f"/v2/dte/selfservice/stateinvoice/{t2}")
    assert state == {"response": "Boleta AM"}
    status, err = await http("GET", "/v2/dte/selfservice/stateinvoice/nope")
    assert status == 400 and err["error"]["code"] == "OF-22"


@pytest.mark.parametrize(
    "body",
    [FACTURA, NOTA, EXENTA, GUIA, LIQUIDACION, BOLETA],
    ids=["33", "61", "34", "52", "43", "39"],
)
async def test_parse_xml_reads_back_the_emitted_document(
    http: Any, fake: FakeOpenfactura, body: dict[str, Any]
) -> None:
    """The sandbox's XML (writer) read by ``dte.parse_xml`` (reader): the same document."""
    status, answer = await http("POST", "/v2/dte/document", json=body)
    assert status == 200, answer
    _, read = await http("GET", f"/v2/dte/document/{answer['TOKEN']}/xml")
    parsed = dte.parse_xml(base64.b64decode(read["xml"]))
    emitted = dte.from_wire(fake.documents[-1].dte)
    # The XML adds the signing time, which Openfactura sets and clients never send.
    assert parsed.tmst_firma is not None and emitted.tmst_firma is None  # type: ignore[attr-defined]
    assert parsed.to_wire()["TmstFirma"] == parsed.tmst_firma.isoformat()  # type: ignore[attr-defined]
    parsed = attrs.evolve(parsed, tmst_firma=None)
    assert type(parsed) is type(emitted)
    assert parsed.to_wire() == emitted.to_wire()
    assert parsed == emitted
