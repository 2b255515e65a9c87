"""Sandbox behaviours the reference documents at lower confidence, each behind a switch:
the legacy 403 for a bad key, ``Sin estado`` before ``Pendiente``, the ARTESANO monthly cap.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from api_mocks import FakeClock
from examples import EMISOR, RECEPTOR

import openfactura
from openfactura.dte import Detalle, Factura
from openfactura.testing import FakeOpenfactura

TODAY = dt.date(2026, 9, 27)


def factura(price: int, day: dt.date = TODAY, *, artesano: bool = True) -> Factura:
    return Factura.build(
        emisor=EMISOR,
        receptor=RECEPTOR,
        detalle=[Detalle(nmb_item="Cerámica", qty_item=Decimal(1), prc_item=Decimal(price))],
        fch_emis=day,
        iva_exceptional=artesano,
    )


async def test_legacy_gateway_answers_403_and_the_sdk_reads_it_as_authentication() -> None:
    async with FakeOpenfactura(rate_limits=None, legacy_auth=True) as fake:
        async with openfactura.AsyncOpenfactura(
            "0" * 32, base_url=fake.base_url, rate_limits=None
        ) as client:
            with pytest.raises(openfactura.AuthenticationError) as info:
                await client.organization.get()
    assert info.value.status == 403
    assert info.value.message == "Invalid authentication credentials"
    assert fake.requests[-1].status == 403


async def test_default_gateway_still_answers_401() -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            "0" * 32, base_url=fake.base_url, rate_limits=None
        ) as client:
            with pytest.raises(openfactura.AuthenticationError) as info:
                await client.organization.get()
    assert info.value.status == 401


async def test_sin_estado_comes_before_pendiente_and_is_not_final() -> None:
    async with FakeOpenfactura(
        rate_limits=None, unsent_reads=2, status_reads_until_final=1
    ) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            token = (await client.documents.emit(factura(1000, artesano=False))).token
            seen = [await client.documents.status(token) for _ in range(4)]
            doc = await client.documents.get(token)
    estados = [result.estado for result in seen]
    assert estados == ["Sin estado", "Sin estado", "Pendiente", "Aceptado"]
    assert [e.is_final for e in estados] == [False, False, False, True]
    assert doc.fch_recep_sii is not None  # final by then


async def test_wait_goes_through_sin_estado() -> None:
    async with FakeOpenfactura(rate_limits=None, unsent_reads=1) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            clock = FakeClock()
            client.documents._clock, client.documents._sleep = clock, clock.sleep
            token = (await client.documents.emit(factura(1000, artesano=False))).token
            result = await client.documents.wait(token, timeout=30, interval=1)
    assert result.estado == "Aceptado"
    assert clock.sleeps == [1, 1.5]  # Sin estado, Pendiente, then the outcome


async def test_artesano_sales_above_five_utm_in_a_month_are_refused() -> None:
    cap = 100_000
    async with FakeOpenfactura(rate_limits=None, artesano_monthly_cap=cap) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            await client.documents.emit(factura(60_000), iva_exceptional="ARTESANO")
            with pytest.raises(openfactura.InvalidRequestError) as info:
                await client.documents.emit(factura(50_000), iva_exceptional="ARTESANO")
            # Another month has its own cap; documents outside the regime do not count.
            await client.documents.emit(
                factura(50_000, dt.date(2026, 10, 1)), iva_exceptional="ARTESANO"
            )
            plain = Factura.build(
                emisor=EMISOR,
                receptor=RECEPTOR,
                detalle=[Detalle(nmb_item="x", qty_item=Decimal(1), prc_item=Decimal(90_000))],
                fch_emis=TODAY,
            )
            await client.documents.emit(plain)
            await client.documents.emit(factura(40_000), iva_exceptional="ARTESANO")
    assert info.value.code == "OF-10"
    assert [d.field for d in info.value.details] == ["ivaExceptional"]
    assert "110000" in info.value.details[0].issue
    assert len(fake.documents) == 4


async def test_artesano_cap_can_be_turned_off() -> None:
    async with FakeOpenfactura(rate_limits=None, artesano_monthly_cap=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:
            for _ in range(2):
                await client.documents.emit(factura(1_000_000), iva_exceptional="ARTESANO")
    assert len(fake.documents) == 2
