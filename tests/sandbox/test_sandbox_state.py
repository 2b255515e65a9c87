"""Sandbox state and configuration: SQLite persistence, companies/keys, folio ranges,
the sliding-window checker, delays, the sync (threaded) sandbox."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_sandbox_api import BOLETA, FACTURA, HAULMER

import openfactura
from openfactura import RateLimit
from openfactura.testing import DEMO_COMPANIES, FakeOpenfactura, window_overruns


async def _post(fake: FakeOpenfactura, path: str, body: Any, key: str = HAULMER) -> Any:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}{path}", json=body, headers={"apikey": key}) as r:
            return r.status, await r.json(content_type=None)


async def _get(fake: FakeOpenfactura, path: str, key: str = HAULMER) -> Any:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.base_url}{path}", headers={"apikey": key}) as r:
            return r.status, await r.json(content_type=None)


async def test_sqlite_storage_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    async with FakeOpenfactura(storage=db, rate_limits=None) as first:
        headers = {"Idempotency-Key": "order-1"}
        async with aiohttp.ClientSession() as s:
            async with s.post(
                f"{first.base_url}/v2/dte/document",
                json=FACTURA,
                headers={"apikey": HAULMER} | headers,
            ) as r:
                emitted = await r.json()
        await _post(first, "/v2/dte/document", BOLETA)
        first.seed_received(issuer_rut="76430498-5", issuer_name="HOSTY SPA", folio=7)
        first.set_outcome(emitted["TOKEN"], "Rechazado")
    async with FakeOpenfactura(storage=db, rate_limits=None) as second:
        assert second.documents[0].token == emitted["TOKEN"]
        assert second.document(emitted["TOKEN"]).outcome == "Rechazado"
        assert len(second.received) == 1
        _, again = await _post(second, "/v2/dte/document", FACTURA)
        assert again["FOLIO"] == emitted["FOLIO"] + 1  # folio counters persisted
        async with aiohttp.ClientSession() as s:
            async with s.post(
                f"{second.base_url}/v2/dte/document",
                json=FACTURA,
                headers={"apikey": HAULMER, "Idempotency-Key": "order-1"},
            ) as r:
                replay = await r.json()
        assert replay["error"]["token"] == emitted["TOKEN"]  # idempotency keys too
        status, read = await _get(second, f"/v2/dte/document/{emitted['TOKEN']}/json")
        assert status == 200 and read["json"]["Encabezado"]["IdDoc"]["Folio"] == emitted["FOLIO"]
        second.reset()
    async with FakeOpenfactura(storage=db, rate_limits=None) as third:
        assert third.documents == []  # reset() also cleared the file


async def test_extra_keys_companies_and_folio_ranges() -> None:
    import attrs

    tiny = attrs.evolve(DEMO_COMPANIES[1], api_key="f" * 32, folio_ranges=((33, 500, 501),))
    async with FakeOpenfactura(companies=[DEMO_COMPANIES[0], tiny], rate_limits=None) as fake:
        fake.add_api_key("a" * 32, "76795561-8")
        status, org = await _get(fake, "/v2/dte/organization", key="a" * 32)
        assert status == 200 and org["rut"] == "76795561-8"
        body: Any = {
            **FACTURA,
            "dte": {**FACTURA["dte"], "Encabezado": {**FACTURA["dte"]["Encabezado"]}},
        }
        body["dte"]["Encabezado"]["Emisor"] = {
            **FACTURA["dte"]["Encabezado"]["Emisor"],
            "RUTEmisor": "76430498-5",
        }
        folios = [(await _post(fake, "/v2/dte/document", body, key="f" * 32))[1] for _ in range(3)]
        assert [f.get("FOLIO") for f in folios[:2]] == [500, 501]
        assert folios[2]["error"]["code"] == "OF-07"
        _, avail = await _get(fake, "/v2/dte/organization/document", key="f" * 32)
        assert avail["documentos"][0] == {"dte": 33, "disponibles": 0, "vencimiento": "2027-03-01"}
        # a key of another company cannot emit as HAULMER
        status, err = await _post(fake, "/v2/dte/document", FACTURA, key="f" * 32)
        assert status == 400 and err["error"]["details"][0]["field"] == "RUTEmisor"


def test_window_checker() -> None:
    limits = [RateLimit(3, 1.0)]
    assert window_overruns([0.0, 0.5, 0.9, 1.0], limits) == []  # (t-1, t] half-open
    assert window_overruns([0.0, 0.5, 0.9, 0.99], limits) == [(limits[0], 0.0, 4)]


async def test_strict_windows_never_overrun_and_429s_are_not_counted() -> None:
    limits = (RateLimit(3, 0.05), RateLimit(10, 0.3))
    async with FakeOpenfactura(rate_limits=limits) as fake:
        async with aiohttp.ClientSession() as session:

            async def one() -> tuple[int, str | None]:
                async with session.get(
                    f"{fake.base_url}/v2/dte/organization", headers={"apikey": HAULMER}
                ) as r:
                    return r.status, r.headers.get("Retry-After")

            results = await asyncio.gather(*(one() for _ in range(40)))
        assert {status for status, _ in results} == {200, 429}
        assert all(float(x) > 0 and "." in x for status, x in results if status == 429 and x)
        assert fake.window_overruns() == []
        admitted = [r for r in fake.requests if not r.rate_limited]
        assert len(admitted) == sum(1 for status, _ in results if status == 200)


async def test_sdk_client_keeps_to_the_real_limits_without_429() -> None:
    limits = (RateLimit(3, 0.02), RateLimit(100, 1.2))
    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            HAULMER, base_url=fake.base_url, rate_limits=limits
        ) as client:
            await asyncio.gather(*(client.request("GET", "/organization") for _ in range(15)))
        assert fake.window_overruns(limits) == []
        assert fake.window_overruns([RateLimit(1, 10.0)])  # and the checker does see traffic


async def test_delay_fault_and_client_timeout() -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        fake.delay_next(seconds=0.3, path="/v2/dte/organization")
        async with aiohttp.ClientSession() as session:
            with pytest.raises(asyncio.TimeoutError):
                async with session.get(
                    f"{fake.base_url}/v2/dte/organization",
                    headers={"apikey": HAULMER},
                    timeout=aiohttp.ClientTimeout(total=0.05),
                ):
                    pass
        status, _ = await _get(fake, "/v2/dte/organization")
        assert status == 200


def test_threaded_sandbox_with_blocking_client() -> None:
    with FakeOpenfactura(rate_limits=None) as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")
        with openfactura.Openfactura(fake.api_key, base_url=fake.base_url) as client:
            data = client.request("POST", "/document", json=FACTURA)
        assert fake.documents[0].token == data["TOKEN"]
        assert "928e15a2" not in repr(fake.companies[fake.api_key])  # key kept out of reprs
