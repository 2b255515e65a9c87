"""The README's batch recipe against the sandbox: bounded in-flight work fed from a
generator, windows kept under compressed limits, each order emitted once, reruns replayed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import attrs
from examples import EMISOR, RECEPTOR

import openfactura
from openfactura import MemoryLimiter, RateLimit
from openfactura.dte import Detalle, Factura
from openfactura.testing import FakeOpenfactura

# A short and a long window, both binding, compressed (the sandbox's clock is real).
LIMITS = (RateLimit(3, 0.05), RateLimit(20, 1.0))
# The client's jitter allowance: 0.1 s, wider than the scheduling hiccups of a loaded test
# machine between the client's send-time stamp and the sandbox thread logging the arrival.
JITTER = 0.1


@attrs.frozen
class Order:
    id: int
    amount: int


def build_factura(order: Order) -> Factura:
    return Factura.build(
        emisor=EMISOR,
        receptor=RECEPTOR,
        detalle=[
            Detalle(nmb_item=f"Pedido {order.id}", qty_item=Decimal(1), prc_item=order.amount)  # type: ignore[arg-type]
        ],
        fch_emis=dt.date(2026, 9, 27),
    )


# -- the recipe, as the README shows it ------------------------------------------------------


async def emit_all(
    client: openfactura.AsyncOpenfactura, orders: Iterable[Order], workers: int = 4
) -> tuple[int, list[tuple[int, Exception]]]:
    """One factura per order: at most ``workers`` in flight, whatever the number of orders."""
    pending = iter(orders)  # a list, a generator, rows streamed from the database...
    emitted, failed = 0, []

    async def worker() -> None:
        nonlocal emitted
        for order in pending:  # the workers share one iterator: each order is taken once
            try:
                await client.documents.emit(
                    build_factura(order), idempotency_key=f"order-{order.id}"
                )
                emitted += 1
            except (openfactura.ValidationError, openfactura.InvalidRequestError) as exc:
                failed.append((order.id, exc))  # fix the data; the others go on
            except openfactura.OutcomeUnknownError as exc:
                failed.append((order.id, exc))  # run the job again: same key, no second copy

    await asyncio.gather(*(worker() for _ in range(workers)))
    return emitted, failed


# ---------------------------------------------------------------------------------------------


def orders(count: int, taken: list[int]) -> Iterator[Order]:
    for number in range(1, count + 1):
        taken.append(number)
        # Order 7 has a float price: refused locally, before anything is sent.
        yield Order(number, 1000 + number) if number != 7 else Order(number, 2.5)  # type: ignore[arg-type]


async def test_batch_emits_each_order_once_within_the_limits() -> None:
    async with FakeOpenfactura(rate_limits=LIMITS) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, limiter=MemoryLimiter(LIMITS, jitter=JITTER)
        ) as client:
            taken: list[int] = []
            emitted, failed = await emit_all(client, orders(30, taken))
            assert taken == list(range(1, 31))  # the generator was read once, in order
            assert emitted == 29
            assert [(order_id, type(exc)) for order_id, exc in failed] == [
                (7, openfactura.ValidationError)
            ]
            assert len(fake.documents) == 29
            names = sorted(d.dte["Detalle"][0]["NmbItem"] for d in fake.documents)
            assert names == sorted(f"Pedido {n}" for n in range(1, 31) if n != 7)

            # The job runs again (say it crashed): every order comes back as a replay.
            again, _ = await emit_all(client, orders(30, []))
            assert again == 29
            assert len(fake.documents) == 29
            # 58 requests: both windows bound, and neither was overrun.
            assert not [r for r in fake.requests if r.rate_limited]  # no 429
            assert fake.window_overruns(LIMITS) == []


async def test_at_most_workers_emissions_are_in_flight() -> None:
    in_flight = peak = 0

    async with FakeOpenfactura(rate_limits=None) as fake:
        async with openfactura.AsyncOpenfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=None
        ) as client:

            class Counting:
                async def emit(self, *args: Any, **kwargs: Any) -> Any:
                    nonlocal in_flight, peak
                    in_flight += 1
                    peak = max(peak, in_flight)
                    try:
                        return await client.documents.emit(*args, **kwargs)
                    finally:
                        in_flight -= 1

            class Proxy:
                documents = Counting()

            emitted, _ = await emit_all(Proxy(), orders(40, []), workers=3)  # type: ignore[arg-type]
    assert emitted == 39
    assert peak == 3
