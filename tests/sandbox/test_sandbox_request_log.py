"""The sandbox's request log: one INFO line per request on ``openfactura.sandbox.requests``,
with the key's window counts, and never the key."""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
import pytest
from examples import FACTURA

from openfactura.testing import REQUEST_LOGGER, FakeOpenfactura

HAULMER = "928e15a2d14d4a6292345f04960f4bd3"


class Clock:
    """A monotonic clock the test moves by hand (the windows' counts are then exact)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    return caplog


async def get(base_url: str, path: str, key: str | None = HAULMER, **kw: Any) -> int:
    headers = {} if key is None else {"apikey": key}
    async with aiohttp.ClientSession() as session:
        method = "POST" if "json" in kw else "GET"
        async with session.request(method, base_url + path, headers=headers, **kw) as resp:
            await resp.read()
            return resp.status


def messages(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.name == REQUEST_LOGGER]


async def test_one_line_per_request_with_the_windows(lines: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    async with FakeOpenfactura(monotonic=clock) as fake:  # the API's 3/1 s and 100/60 s
        assert await get(fake.base_url, "/v2/dte/document", json=FACTURA) == 200
        clock.now += 0.1
        await get(fake.base_url, "/v2/dte/organization")
        clock.now += 0.1
        await get(fake.base_url, "/v2/dte/organization")
        clock.now += 0.1
        assert await get(fake.base_url, "/v2/dte/organization") == 429
        clock.now += 1.0  # the first three leave the 1 s window, not the 60 s one
        await get(fake.base_url, "/v2/dte/organization")
    found = messages(lines.records)
    pattern = r"{} {} {} \d+ms key=…4bd3 win 1s:{}/3 60s:{}/100"
    assert re.fullmatch(pattern.format("POST", "/v2/dte/document", 200, 1, 1), found[0])
    assert re.fullmatch(pattern.format("GET", "/v2/dte/organization", 200, 2, 2), found[1])
    assert re.fullmatch(pattern.format("GET", "/v2/dte/organization", 200, 3, 3), found[2])
    # The refused request is not counted; it says how long to wait (0.7 s, rounded up: 1).
    assert re.fullmatch(
        pattern.format("GET", "/v2/dte/organization", 429, 3, 3) + " limited retry-after=1",
        found[3],
    )
    assert re.fullmatch(pattern.format("GET", "/v2/dte/organization", 200, 1, 4), found[4])
    assert len(found) == 5
    record = next(r for r in lines.records if r.name == REQUEST_LOGGER)
    assert record.levelno == logging.INFO
    assert record.__dict__["windows"] == [
        {"period_s": 1.0, "count": 1, "limit": 3},
        {"period_s": 60.0, "count": 1, "limit": 100},
    ]
    assert (record.__dict__["status"], record.__dict__["key_hint"]) == (200, "4bd3")


async def test_gateway_refusals_faults_and_no_limits(lines: pytest.LogCaptureFixture) -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        await get(fake.base_url, "/v2/dte/organization", key=None)
        await get(fake.base_url, "/v2/dte/organization", key="0" * 28 + "9876")
        fake.truncated_next()
        await get(fake.base_url, "/v2/dte/organization")
        await get(fake.base_url, "/v2/dte/document/a%0Ab/status")
    found = messages(lines.records)
    assert re.fullmatch(r"GET /v2/dte/organization 401 \d+ms key=-", found[0])
    assert re.fullmatch(r"GET /v2/dte/organization 401 \d+ms key=…9876", found[1])
    assert re.fullmatch(
        r"GET /v2/dte/organization 200 \d+ms key=…4bd3 win off fault=truncated", found[2]
    )
    assert found[3].startswith("GET /v2/dte/document/a%0Ab/status 400 ")  # one line, encoded


async def test_the_key_never_appears(lines: pytest.LogCaptureFixture) -> None:
    async with FakeOpenfactura() as fake:
        other = "41eb78998d444dbaa4922c410ef14057"
        for key in (HAULMER, other, "shortkey", None):
            await get(fake.base_url, "/v2/dte/organization", key=key)
        await get(fake.base_url, "/v2/dte/document", json=FACTURA)
    assert len(messages(lines.records)) == 5
    keys = [HAULMER, "41eb78998d444dbaa4922c410ef14057", "shortkey"]
    for record in lines.records:
        text = record.getMessage() + repr(record.__dict__)
        for key in keys:
            runs = {key[i : i + 5] for i in range(len(key) - 4)}
            assert not [run for run in runs if run in text], (key, text)
    assert any(m.endswith("key=…") for m in messages(lines.records))  # "shortkey": nothing shown


async def test_silent_when_nobody_listens(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async with FakeOpenfactura(rate_limits=None) as fake:
        await get(fake.base_url, "/v2/dte/organization")
    assert not [r for r in caplog.records if r.name == REQUEST_LOGGER]
