"""Every namespace of the SDK against the sandbox, as the guides show them (async and sync)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from examples import EMISOR, RECEPTOR

import openfactura
from openfactura.dte import Detalle, Factura, GuiaDespacho
from openfactura.testing import FakeOpenfactura
from openfactura.types import Customer, Filter, SelfService

TODAY = dt.date.today()
LINE = Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def client() -> AsyncIterator[tuple[FakeOpenfactura, openfactura.AsyncOpenfactura]]:
    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as c:
            c.documents._sleep = _no_sleep  # type: ignore[attr-defined]
            yield fake, c


async def test_documents_read_wait_save(
    client: tuple[FakeOpenfactura, openfactura.AsyncOpenfactura], tmp_path: Path
) -> None:
    _fake, c = client
    factura = Factura.build(emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY)
    result = await c.documents.emit(factura, response=("FOLIO", "XML", "TIMBRE"))
    assert result.xml is not None and "<Folio>" in str(result.xml)
    assert result.timbre and result.timbre.startswith(b"\x89PNG")
    status = await c.documents.status(result.token)
    assert not status.estado.is_final  # Pendiente on the first read
    final = await c.documents.wait(result.token, interval=0.01)
    assert final.estado.is_accepted
    doc = await c.documents.get(rut="76795561-8", dte_type=33, folio=result.folio)
    assert doc.to_document().encabezado.totales.mnt_total == 2380
    pdf = await c.documents.pdf(result.token)
    target = pdf.save(tmp_path / "factura.pdf")
    assert Path(target).read_bytes().startswith(b"%PDF")  # noqa: ASYNC240
    with pytest.raises(FileExistsError):
        pdf.save(tmp_path / "factura.pdf")
    xml = await c.documents.xml(result.token)
    assert xml.parse().encabezado.id_doc.folio == result.folio
    cedible = await c.documents.cedible(result.token)
    assert cedible.content.startswith(b"%PDF")
    tokens = [result.token, (await c.documents.emit(factura)).token]
    done = [s async for s in c.documents.wait_many(tokens, interval=0.01)]
    assert sorted(s.token for s in done if s.token) == sorted(tokens)


async def test_lists_received_accuse_and_annul(
    client: tuple[FakeOpenfactura, openfactura.AsyncOpenfactura],
) -> None:
    fake, c = client
    fake.seed_received(
        issuer_rut="76430498-5",
        issuer_name="HOSTY SPA",
        folio=2514,
        fch_emis=TODAY.isoformat(),
        mnt_neto=1000,
    )
    page = await c.documents.received(fch_recep_of=Filter(gte=TODAY)).first_page()
    assert page.total == 1
    row = page.data[0]
    assert row.folio == 2514
    accused = await c.documents.accuse("76430498-5", 33, 2514, "ACD")
    assert accused is not None
    guia = GuiaDespacho.build(
        emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY, ind_traslado=1
    )
    with pytest.warns(openfactura.OpenfacturaWarning):
        emitted = await c.documents.emit(guia)
    annulled = await c.documents.annul_guia(emitted.folio, TODAY)
    assert str(emitted.folio) in str(annulled.success)
    with pytest.raises(openfactura.InvalidRequestError):
        await c.documents.annul_guia(emitted.folio, TODAY)  # once only
    rows = [r async for r in c.documents.issued(tipo_dte=52, folio=emitted.folio)]
    assert [r.token for r in rows] == [emitted.token]


async def test_organization_taxpayers_registry_self_service(
    client: tuple[FakeOpenfactura, openfactura.AsyncOpenfactura],
) -> None:
    _fake, c = client
    org = await c.organization.get(include_logo=True)
    assert org.razon_social == "HAULMER SPA" and org.logo
    folios = await c.organization.folios()
    assert folios.available(33)
    hosty = await c.taxpayers.get("76.430.498-5")
    assert hosty.razon_social == "HOSTY SPA"
    await c.documents.emit(
        Factura.build(emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY)
    )
    sales = await c.registry.sales(TODAY.year, TODAY.month)
    assert sum(r.cant_documentos for r in sales.registros if r.tipo_documento == 33) == 1
    purchases = await c.registry.purchases(TODAY.year, TODAY.month)
    assert isinstance(purchases, list)
    await c.registry.sync_rcv("purchase", int(TODAY.strftime("%Y%m")))
    with pytest.raises(openfactura.RateLimitError) as info:
        await c.registry.sync_rcv("purchase", int(TODAY.strftime("%Y%m")))
    assert info.value.retry_after and info.value.ends_at
    boleta_dict = {
        "Encabezado": {
            "IdDoc": {"TipoDTE": 39, "Folio": 0, "FchEmis": TODAY.isoformat(), "IndServicio": 3},
            "Emisor": {
                "RUTEmisor": "76795561-8",
                "RznSocEmisor": "HAULMER SPA",
                "GiroEmisor": "VENTAS",
                "CdgSIISucur": "81303347",
                "DirOrigen": "ARTURO PRAT 527",
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
    }
    result = await c.documents.emit(
        boleta_dict,
        self_service=SelfService(issue_boleta=True, allow_factura=True),
        customer=Customer(full_name="Ana Pérez", email="ana@example.cl"),
    )
    assert result.self_service_url
    state = await c.self_service.state(result.self_service_url)
    assert state is not None
    await c.self_service.resend_email(result.self_service_url)


def test_the_blocking_client_has_the_same_flows(tmp_path: Path) -> None:
    with FakeOpenfactura(rate_limits=None) as fake:
        with openfactura.Openfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as sync:
            result = sync.documents.emit(
                Factura.build(emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY)
            )
            assert sync.documents.status(result.token).token == result.token
            sync.documents.pdf(result.token).save(tmp_path / "f.pdf")
            assert [r.folio for r in sync.documents.issued()] == [result.folio]
            assert [p.total for p in sync.documents.issued().pages()] == [1]
            assert sync.registry.sales(TODAY.year, TODAY.month).registros


@pytest.mark.parametrize("variant", ["best", "alternate"])
async def test_an_unknown_taxpayer_is_not_found(variant: str) -> None:
    async with FakeOpenfactura(rate_limits=None, variant=variant) as fake:  # type: ignore[arg-type]
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as c:
            with pytest.raises(openfactura.NotFoundError):
                await c.taxpayers.get("11111111-1")
