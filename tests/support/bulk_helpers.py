"""Shared pieces of the bulk tests: compressed limits, documents, a sandbox that can hold
emissions in flight (to stop a batch at a chosen point, as a crash would)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from examples import BOLETA

import openfactura
from openfactura import RateLimit
from openfactura.testing import FakeOpenfactura

# The API's 3/s and 100/min, 100 times faster (the sandbox's windows are strict).
LIMITS = (RateLimit(3, 0.01), RateLimit(100, 0.6))

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def boleta(name: str, amount: int = 3000) -> dict[str, Any]:
    """A valid boleta (wire dict) with one line named ``name``, totals worked out by hand:
    a gross price P splits into neto round(P / 1.19) and IVA P - neto."""
    dte = copy.deepcopy(BOLETA["dte"])
    dte["Detalle"][0].update(NmbItem=name, PrcItem=amount, MontoItem=amount)
    neto = round(amount / 1.19)
    dte["Encabezado"]["Totales"] = {
        "MntNeto": neto,
        "IVA": amount - neto,
        "MntTotal": amount,
        "TotalPeriodo": amount,
        "VlrPagar": amount,
    }
    return dte


def names(fake: FakeOpenfactura) -> list[str]:
    """The first line's name of every document the sandbox issued (its witness)."""
    return [doc.dte["Detalle"][0]["NmbItem"] for doc in fake.documents]


class HoldingFake(FakeOpenfactura):
    """A sandbox that holds chosen emissions in flight until ``release()``.

    ``hold(key)`` says, per ``Idempotency-Key``, ``"before"`` (hold before the document is
    stored) or ``"after"`` (store it, then hold the answer) or ``None``. With
    ``release(drop=True)`` the ones held before storing are answered 503 and never stored.
    ``observe(key)``, if given, is called as each emission arrives. The hook is an aiohttp
    middleware inside the sandbox's own (after its gateway: only admitted requests).
    """

    def __init__(
        self,
        hold: Callable[[str], str | None],
        observe: Callable[[str], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.hold = hold
        self.observe = observe
        self.held: list[str] = []
        self.arrived: list[str] = []
        """The key of every emission that reached the sandbox, in arrival order."""
        self._gate = asyncio.Event()
        self._changed = asyncio.Condition()
        self._drop = False

    def app(self) -> web.Application:
        app = super().app()
        app.middlewares.append(self._emissions)
        return app

    async def _hold(self, key: str) -> None:
        async with self._changed:
            self.held.append(key)
            self._changed.notify_all()
        await self._gate.wait()

    async def held_count(self, count: int) -> None:
        """Wait until ``count`` emissions are held."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.held) >= count)

    def release(self, *, drop: bool = False) -> None:
        self._drop = drop
        self._gate.set()

    @web.middleware
    async def _emissions(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or not request.path.endswith("/dte/document"):
            return await handler(request)
        key = request.headers.get("Idempotency-Key", "")
        self.arrived.append(key)
        if self.observe is not None:
            self.observe(key)
        where = self.hold(key)
        if where == "before":
            await self._hold(key)
            if self._drop:
                return web.Response(status=503)
        response = await handler(request)
        if where == "after":
            await self._hold(key)
        return response


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenfactura]:
    async with FakeOpenfactura(rate_limits=LIMITS) as sandbox:
        yield sandbox


@pytest.fixture
async def client(fake: FakeOpenfactura) -> AsyncIterator[openfactura.AsyncOpenfactura]:
    async with openfactura.AsyncOpenfactura(
        fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
    ) as api:
        yield api


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "run.db"
