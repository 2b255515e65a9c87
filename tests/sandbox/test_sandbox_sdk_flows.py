"""The typed SDK end to end against the sandbox: models -> emission -> status -> lists.

The sandbox recomputes amounts with its own engine, so these flows also cross-check the
SDK's totals engine against an independent implementation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from examples import EMISOR, RECEPTOR

import openfactura
from openfactura.dte import (
    Boleta,
    BoletaDetalle,
    BoletaEmisor,
    CodRef,
    Detalle,
    DscRcgGlobal,
    Factura,
    NotaCredito,
    Referencia,
    TpoMov,
    TpoValor,
)
from openfactura.testing import FakeOpenfactura

TODAY = dt.date(2026, 9, 27)


@pytest.fixture
async def sdk() -> AsyncIterator[tuple[FakeOpenfactura, openfactura.AsyncOpenfactura]]:
    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            yield fake, client


def factura(*lines: Detalle, **kw: object) -> Factura:
    return Factura.build(
        emisor=EMISOR, receptor=RECEPTOR, detalle=list(lines), fch_emis=TODAY, **kw
    )


@pytest.mark.parametrize(
    "doc",
    [
        factura(Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))),
        factura(
            Detalle(nmb_item="A", qty_item=Decimal(3), prc_item=Decimal("333.33")),
            Detalle(
                nmb_item="B", qty_item=Decimal(2), prc_item=Decimal(990), descuento_pct=Decimal(10)
            ),
            Detalle(nmb_item="Exento", qty_item=Decimal(1), prc_item=Decimal(500), ind_exe=1),
        ),
        factura(
            Detalle(nmb_item="C", qty_item=Decimal(7), prc_item=Decimal(1234)),
            dsc_rcg_global=[
                DscRcgGlobal(
                    tpo_mov=TpoMov.DESCUENTO, tpo_valor=TpoValor.PORCENTAJE, valor_dr=Decimal(10)
                )
            ],
        ),
        Boleta.build(
            emisor=BoletaEmisor(
                rut_emisor="76795561-8",
                rzn_soc_emisor="HAULMER SPA",
                giro_emisor="VENTAS",
                cdg_sii_sucur=81303347,
                dir_origen="ARTURO PRAT 527",
                cmna_origen="Curicó",
            ),
            detalle=[BoletaDetalle(nmb_item="Café", qty_item=Decimal(3), prc_item=Decimal(1990))],
            fch_emis=TODAY,
        ),
    ],
    ids=["factura", "mixed-lines", "global-discount", "boleta"],
)
async def test_models_are_accepted_by_the_independent_engine(
    sdk: tuple[FakeOpenfactura, openfactura.AsyncOpenfactura], doc: Factura | Boleta
) -> None:
    fake, client = sdk
    result = await client.documents.emit(doc)
    stored = fake.document(result.token)
    assert result.folio == stored.folio
    assert stored.totales["MntTotal"] == doc.encabezado.totales.mnt_total


async def test_emit_wait_list_and_nota(
    sdk: tuple[FakeOpenfactura, openfactura.AsyncOpenfactura],
) -> None:
    fake, client = sdk
    first = await client.documents.emit(
        factura(Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))),
        idempotency_key="order-1",
    )
    replay = await client.documents.emit(
        factura(Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))),
        idempotency_key="order-1",
    )
    assert replay.replayed and replay.token == first.token
    assert len(fake.documents) == 1

    client.documents._sleep = _no_sleep  # type: ignore[attr-defined]
    status = await client.documents.wait(first.token, interval=0.01)
    assert status.estado.is_final and status.estado.is_accepted

    nota = NotaCredito.build(
        emisor=EMISOR,
        receptor=RECEPTOR,
        detalle=[Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))],
        referencia=[
            Referencia(
                tpo_doc_ref="33",
                folio_ref=str(first.folio),
                fch_ref=TODAY,
                cod_ref=CodRef.ANULA,
                razon_ref="Anula factura",
            )
        ],
        fch_emis=TODAY,
    )
    credit = await client.documents.emit(nota)
    fake.set_outcome(credit.token, "Rechazado")
    status = await client.documents.wait(credit.token, interval=0.01)
    assert status.estado.is_final and not status.estado.is_accepted

    rows = [row async for row in client.documents.issued(fch_emis=(TODAY, TODAY))]
    assert sorted(r.folio for r in rows) == sorted([first.folio, credit.folio])
    only_notas = [row async for row in client.documents.issued(tipo_dte=61)]
    assert [r.folio for r in only_notas] == [credit.folio]


async def _no_sleep(_: float) -> None:
    return None


def test_blocking_client_end_to_end() -> None:
    with FakeOpenfactura(rate_limits=None) as fake:
        with openfactura.Openfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            result = client.documents.emit(
                factura(Detalle(nmb_item="X", qty_item=Decimal(1), prc_item=Decimal(1000)))
            )
            org = client.organization.get()
            rows = list(client.documents.issued())
    assert str(org.rut) == "76795561-8"
    assert [r.token for r in rows] == [result.token]
