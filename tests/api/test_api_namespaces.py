"""accuse, annul_guia, organization, taxpayers, registry, self_service."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from aioresponses import aioresponses
from api_mocks import API, body_of, calls

import openfactura
from openfactura.dte import Acuse

ORG = {
    "rut": "76795561-8",
    "razonSocial": "HAULMER CHILE SPA",
    "email": None,
    "telefono": "0 0",
    "direccion": "ARTURO PRAT 527   CURICO",
    "cdgSIISucur": "81303347",
    "glosaDescriptiva": (
        "VENTA AL POR MENOR EN EMPRESAS DE VENTA A DISTANCIA VÍA INTERNET; COMERCIO ELEC"
    ),
    "direccionRegional": "CURICÓ",
    "comuna": "Curicó",
    "ciudad": "Curicó",
    "resolucion": {"fecha": "2018-03-26", "numero": "0"},
    "nombreFantasia": "HAULMER",
    "web": "",
    "sucursales": [],
    "actividades": [
        {
            "giro": "VENTA",
            "actividadEconomica": "VENTA AL POR MENOR",
            "codigoActividadEconomica": 479100,
            "actividadPrincipal": True,
        }
    ],
}


async def test_accuse(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    mocked.post(
        f"{API}/document/received/accuse",
        payload={
            "data": [{"dte": 33, "folio": 2514, "acuse": "ACD"}],
            "code": 0,
            "result": "OK",
            "msg": [{"codResp": 0, "descResp": "Acción Completada OK"}],
        },
    )
    result = await client.documents.accuse("76.795.561-8", 33, 2514, Acuse.ACD)
    ((_, _, call),) = calls(mocked)
    assert body_of(call) == {"dte": 33, "folio": 2514, "rut": "76795561-8", "acuse": "ACD"}
    assert result.result == "OK" and result.msg[0].desc_resp == "Acción Completada OK"


async def test_accuse_is_not_retried_and_validates(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    with pytest.raises(openfactura.ValidationError, match="acuse"):
        await client.documents.accuse("76795561-8", 33, 2514, "OK")
    mocked.post(f"{API}/document/received/accuse", status=503, body="busy")
    with pytest.raises(openfactura.ServerError):
        await client.documents.accuse("76795561-8", 33, 2514, "rcd")
    assert len(calls(mocked)) == 1


async def test_annul_guia_sends_the_example_casing(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(
        f"{API}/anularDTE52", payload={"success": "Se ha anulado el documento Folio: 34972"}
    )
    result = await client.documents.annul_guia(34972, dt.date(2020, 10, 16))
    ((_, _, call),) = calls(mocked)
    assert body_of(call) == {"Dte": 52, "Folio": 34972, "Fecha": "2020-10-16"}
    assert result.message == "Se ha anulado el documento Folio: 34972"
    with pytest.raises(openfactura.ValidationError, match="fecha"):
        await client.documents.annul_guia(34972, "16/10/2020")


async def test_annul_guia_error_and_no_retry(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(
        f"{API}/anularDTE52",
        status=400,
        payload={
            "error": {
                "message": "Validación de Campos",
                "code": "OF-10",
                "details": [{"field": "Folio", "issue": "Documento ya anulado"}],
            }
        },
    )
    with pytest.raises(openfactura.InvalidRequestError, match="ya anulado"):
        await client.documents.annul_guia("34972", "2020-10-16")


async def test_organization(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    logo = b"\x89PNG"
    mocked.get(f"{API}/organization", payload=ORG)
    mocked.get(
        f"{API}/organization?extra_fields=logo",
        payload={**ORG, "logo": base64.b64encode(logo).decode()},
    )
    org = await client.organization.get()
    assert org.razon_social == "HAULMER CHILE SPA" and org.cdg_sii_sucur == "81303347"
    assert org.resolucion is not None and org.resolucion.numero == 0
    assert org.actividad_principal is not None
    assert org.actividad_principal.codigo_actividad_economica == 479100
    assert org.logo is None
    with_logo = await client.organization.get(include_logo=True)
    assert with_logo.logo == logo


async def test_organization_latin1_body(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    raw = json.dumps({**ORG, "glosaDescriptiva": "CONSULTORÍA"}, ensure_ascii=False).encode(
        "latin-1"
    )
    mocked.get(f"{API}/organization", body=raw, content_type="application/json")
    assert (await client.organization.get()).glosa_descriptiva == "CONSULTORÍA"


@pytest.mark.parametrize("key", ["disponibles", "disponible"])
async def test_folios(mocked: aioresponses, client: openfactura.AsyncOpenfactura, key: str) -> None:
    mocked.get(
        f"{API}/organization/document",
        payload={
            "rut": "76795561-8",
            "documentos": [
                {"dte": 33, key: 304938, "vencimiento": "2027-03-01"},
                {"dte": "39", key: "12"},
            ],
        },
    )
    folios = await client.organization.folios()
    assert folios.types == [33, 39]
    assert folios.available(33) == 304938 and folios.available(39) == 12
    assert folios.available(52) is None
    assert folios.documentos[0].vencimiento == dt.date(2027, 3, 1)


async def test_auth_error(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    mocked.get(
        f"{API}/organization",
        status=401,
        payload={
            "statusCode": 401,
            "message": "Access denied due to invalid subscription key. "
            "Make sure to provide a valid key for an active subscription.",
        },
    )
    with pytest.raises(openfactura.AuthenticationError):
        await client.organization.get()


async def test_taxpayer(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    mocked.get(
        f"{API}/taxpayer/76430498-5",
        payload={
            "rut": "76430498-5",
            "razonSocial": "HOSTY SPA",
            "email": "x@hosty.cl",
            "telefono": None,
            "direccion": "ARTURO PRAT 527",
            "comuna": "Curicó",
            "actividades": [
                {
                    "giro": "INFORMATICA",
                    "actividadEconomica": "SERVICIOS",
                    "codigoActividadEconomica": "620200",
                    "actividadPrincipal": True,
                }
            ],
            "sucursales": [
                {
                    "cdgSIISucur": "79457965",
                    "comuna": "Curicó",
                    "direccion": "PRAT",
                    "ciudad": "Curicó",
                    "telefono": None,
                }
            ],
        },
    )
    record = await client.taxpayers.get("76.430.498-5")
    assert record.razon_social == "HOSTY SPA" and record.found
    assert record.actividades[0].codigo_actividad_economica == 620200
    assert record.sucursales[0].cdg_sii_sucur == "79457965"


async def test_unknown_taxpayer_is_not_found(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/taxpayer/11111111-1",
        payload={
            "rut": None,
            "razonSocial": None,
            "email": None,
            "telefono": None,
            "direccion": None,
            "comuna": None,
            "actividades": [],
            "sucursales": [],
        },
    )
    with pytest.raises(openfactura.NotFoundError, match="11111111-1"):
        await client.taxpayers.get(11111111)
    with pytest.raises(openfactura.ValidationError):
        await client.taxpayers.get("11111111-2")


async def test_sales(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    payload = {
        "fechaInicio": "2026-08-01",
        "fechaFinal": "2026-08-31",
        "registros": [
            {
                "tipoDocumento": 33,
                "cantDocumentos": 20,
                "totalMntExe": 0,
                "totalMntNeto": 1615489,
                "totalMntIVA": 306943,
                "totalOtrosImp": 0,
                "totalMntTotal": 1922431,
            }
        ],
    }
    mocked.get(f"{API}/registry/sales/2026/08", payload=payload)
    mocked.get(f"{API}/registry/sales/2026/08/05", payload=payload)
    summary = await client.registry.sales(2026, 8)
    assert summary.fecha_final == dt.date(2026, 8, 31)
    assert summary.registros[0].total_mnt_iva == 306943
    await client.registry.sales(2026, 8, 5)
    assert [u.rsplit("/v2/dte", 1)[1] for _, u, _ in calls(mocked)] == [
        "/registry/sales/2026/08",
        "/registry/sales/2026/08/05",
    ]


@pytest.mark.parametrize(("args"), [(2026, 13), (2026, 0), (2026, 2, 30), (26, 8)])
async def test_registry_dates_are_checked_locally(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, args: tuple[int, ...]
) -> None:
    with pytest.raises(openfactura.ValidationError):
        await client.registry.sales(*args)
    assert not calls(mocked)


async def test_purchases(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    mocked.get(
        f"{API}/registry/purchase/2026/08?status=pending,registered",
        payload=[
            {
                "estado": "Pendiente",
                "fechaInicio": "2026-08-01",
                "fechaFinal": "2026-08-31",
                "registros": [],
            },
            {
                "estado": "Registro",
                "fechaInicio": "2026-08-01",
                "fechaFinal": "2026-08-31",
                "registros": [
                    {"tipoDocumento": 33, "cantDocumentos": "2", "totalMntTotal": "2380"}
                ],
            },
        ],
    )
    blocks = await client.registry.purchases(2026, 8, status=["pending", "Registered"])
    assert [b.state for b in blocks] == ["Pendiente", "Registrado"]
    assert blocks[1].estado == "Registro"
    assert blocks[1].registros[0].total_mnt_total == 2380
    with pytest.raises(openfactura.ValidationError, match="status"):
        await client.registry.purchases(2026, 8, status="registrado")


async def test_registry_flat_error(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/registry/purchase/2026/08/01",
        status=400,
        payload={
            "message": "Validación de Campos.",
            "code": "OF-10",
            "details": {"Error": "Fecha Incorrecta"},
        },
    )
    with pytest.raises(openfactura.InvalidRequestError) as info:
        await client.registry.purchases(2026, 8, 1)
    assert info.value.details == [("Error", "Fecha Incorrecta")]


async def test_sync_rcv(mocked: aioresponses, client: openfactura.AsyncOpenfactura) -> None:
    mocked.post(f"{API}/registry/sync-rcv", status=200, body=b"")
    result = await client.registry.sync_rcv("purchase", "2026-05")
    ((_, _, call),) = calls(mocked)
    assert body_of(call) == {"registro": "purchase", "periodo": 202605}
    assert result.message is None
    with pytest.raises(openfactura.ValidationError, match="registro"):
        await client.registry.sync_rcv("compra", 202605)  # type: ignore[arg-type]
    with pytest.raises(openfactura.ValidationError, match="periodo"):
        await client.registry.sync_rcv("sales", 202613)


async def test_sync_rcv_lock_is_a_rate_limit_error_not_retried(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.post(
        f"{API}/registry/sync-rcv",
        status=429,
        payload={
            "error": {
                "message": "Sincronización en curso",
                "code": "OF-429",
                "details": {"retry_after": 600, "ends_at": "2026-05-28T12:10:00Z"},
            }
        },
    )
    with pytest.raises(openfactura.RateLimitError) as info:
        await client.registry.sync_rcv("sales", dt.date(2026, 5, 1))
    assert info.value.code == "OF-429"
    assert info.value.retry_after == 600 and info.value.ends_at == "2026-05-28T12:10:00Z"
    assert len(calls(mocked)) == 1


@pytest.mark.parametrize(
    "link", ["https://espacio.haulmer.com/autoservicio/AbC123", "AbC123", "https://x/AbC123/"]
)
async def test_self_service_routes(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura, link: str
) -> None:
    mocked.get(f"{API}/selfservice/email/AbC123", status=201, body=b"")
    mocked.get(f"{API}/selfservice/stateinvoice/AbC123", payload={"response": "Factura BAS"})
    assert await client.self_service.resend_email(link) is None
    state = await client.self_service.state(link)
    assert state.response == "Factura BAS" and not state.is_pending
    assert "self-service boleta" in state.description


async def test_resend_email_is_not_repeated_after_a_lost_answer(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    """A GET that sends an email: a retry after a 503 could email the customer twice."""
    mocked.get(f"{API}/selfservice/email/AbC123", status=503, body=b"")
    mocked.get(f"{API}/selfservice/email/AbC123", status=201, body=b"")
    with pytest.raises(openfactura.ServerError):
        await client.self_service.resend_email("AbC123")
    assert len(calls(mocked)) == 1


async def test_self_service_pending_and_bad_link(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(f"{API}/selfservice/stateinvoice/t", payload={"response": "Pendiente"})
    assert (await client.self_service.state("t")).is_pending
    with pytest.raises(openfactura.ValidationError):
        await client.self_service.state("  ")


async def test_gateway_rate_limit_is_retried_then_succeeds(
    mocked: aioresponses, client: openfactura.AsyncOpenfactura
) -> None:
    mocked.get(
        f"{API}/organization",
        status=429,
        payload={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."},
    )
    mocked.get(f"{API}/organization", payload=ORG)
    assert (await client.organization.get()).rut == "76795561-8"
