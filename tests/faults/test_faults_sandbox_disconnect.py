"""The sandbox when the client leaves: quiet, faithful, and it still stops at once.

A client that gives up on a held request (``delay_next``) or hangs up in the middle of its
body is an everyday event for a server: no ERROR, no traceback, no 500. An emission whose
body had arrived is processed and stored like the real API would (it does not know the
client left), so a re-send with the same ``Idempotency-Key`` is a replay. And a held
request never keeps the sandbox from stopping (aiohttp would wait a minute for it).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
import pytest
from fault_scenarios import FACTURA

import openfactura
from openfactura.dte import to_wire
from openfactura.testing import FakeOpenfactura

HAULMER = "928e15a2d14d4a6292345f04960f4bd3"
BODY = json.dumps({"response": ["FOLIO"], "dte": to_wire(FACTURA)}).encode()
STOP_BOUND = 10.0
"""A stop waiting for a held request takes aiohttp's shutdown timeout (60 s): a hang."""


async def _answered(fake: FakeOpenfactura, count: int) -> None:
    """Until the sandbox has answered ``count`` requests (bounded by the loop's clock)."""
    loop = asyncio.get_running_loop()
    ends = loop.time() + 10
    while len(fake.requests) < count:
        assert loop.time() < ends, "the sandbox never finished the request"
        await asyncio.sleep(0.01)


async def test_an_emission_the_client_gave_up_on_is_stored_and_replays(
    no_leaks: list[logging.LogRecord],
) -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        fake.delay_next(seconds=0.3, path="/v2/dte/document")
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, timeout=0.1, rate_limits=None
        ) as client:
            with pytest.raises(openfactura.OutcomeUnknownError) as info:
                await client.documents.emit(FACTURA)
            await _answered(fake, 1)
            assert [r.status for r in fake.requests] == [200]
            assert len(fake.documents) == 1  # processed although nobody was listening
            again = await client.documents.emit(FACTURA, idempotency_key=info.value.idempotency_key)
        assert again.replayed and again.token == fake.documents[0].token
        assert again.folio == fake.documents[0].folio
        assert len(fake.documents) == 1


async def test_a_client_hanging_up_in_the_middle_of_its_body_is_quiet(
    no_leaks: list[logging.LogRecord], caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        host, port = fake.base_url.removeprefix("http://").split(":")
        _reader, writer = await asyncio.open_connection(host, int(port))
        head = (
            "POST /v2/dte/document HTTP/1.1\r\n"
            f"Host: {host}\r\napikey: {HAULMER}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n"
        )
        writer.write(head.encode() + BODY[: len(BODY) // 2])
        await writer.drain()
        await asyncio.sleep(0.05)  # the sandbox is waiting for the rest of the body
        writer.close()
        await writer.wait_closed()
        await _answered(fake, 1)
        assert fake.documents == []
        record = fake.requests[0]
        assert record.path == "/v2/dte/document" and record.status < 500
    assert not [r for r in caplog.records if r.exc_info], "a traceback in the log"


@pytest.mark.parametrize("leave", ["gone", "waiting"])
async def test_a_held_request_never_keeps_the_sandbox_from_stopping(
    leave: str, no_leaks: list[logging.LogRecord]
) -> None:
    fake = FakeOpenfactura(rate_limits=None)
    await fake.start()
    try:
        fake.delay_next(seconds=3600, path="/v2/dte/organization")
        session = aiohttp.ClientSession()
        request = asyncio.ensure_future(
            session.get(f"{fake.base_url}/v2/dte/organization", headers={"apikey": HAULMER})
        )
        while fake.pending_faults:  # noqa: ASYNC110 - the sandbox has no event for it
            await asyncio.sleep(0.005)
        if leave == "gone":  # the client gave up and closed its connection
            request.cancel()
            await session.close()
        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.wait_for(fake.stop(), STOP_BOUND)
        assert loop.time() - started < STOP_BOUND
        if leave == "waiting":  # the client still waiting gets an answer or a closed line
            try:
                response: Any = await request
                response.release()
            except aiohttp.ClientError:
                pass
            await session.close()
    finally:
        await fake.stop()
        fake.close()
