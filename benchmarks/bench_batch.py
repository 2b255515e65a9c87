"""Batch emission: memory stays flat whatever the number of documents.

Runs the README's batch recipe (a few workers sharing one iterator of orders) against the
local sandbox in its own process for growing batch sizes, and prints the client process's
peak traced memory (tracemalloc) for each: the figure must not grow with the batch. It runs
twice: limits off, then with the rate limiter on (the API's windows compressed 1000 times,
so the limiter's bookkeeping is exercised at full speed). It also prints documents per
second.

Run: ``python benchmarks/bench_batch.py [--sizes 250 1000 4000] [--workers 4]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import sys
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from dte_builders import make_emisor, make_receptor

import openfactura
from openfactura import RateLimit, dte

EMISOR, RECEPTOR = make_emisor(), make_receptor()


def build_factura(number: int) -> dte.Factura:
    return dte.Factura.build(
        emisor=EMISOR,
        receptor=RECEPTOR,
        detalle=[
            dte.Detalle(
                nmb_item=f"Pedido {number}", qty_item=Decimal(1), prc_item=Decimal(1000 + number)
            )
        ],
        fch_emis=dt.date(2026, 9, 27),
    )


async def emit_all(
    client: openfactura.AsyncOpenfactura, orders: Iterable[int], workers: int
) -> int:
    pending = iter(orders)
    emitted = 0

    async def worker() -> None:
        nonlocal emitted
        for number in pending:
            await client.documents.emit(build_factura(number), idempotency_key=f"order-{number}")
            emitted += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return emitted


def _serve(queue: multiprocessing.Queue[tuple[str, str]]) -> None:
    from openfactura.testing import FakeOpenfactura

    async def serve() -> None:
        async with FakeOpenfactura(rate_limits=None) as fake:
            queue.put((fake.base_url, fake.api_key))
            await asyncio.Event().wait()

    asyncio.run(serve())


def orders(start: int, count: int) -> Iterator[int]:
    yield from range(start, start + count)


async def run(
    base_url: str, key: str, sizes: list[int], workers: int, limits: tuple[RateLimit, ...] | None
) -> None:
    async with openfactura.AsyncOpenfactura(key, base_url=base_url, rate_limits=limits) as client:
        start = 10_000_000 if limits else 0
        await emit_all(client, orders(start, 20), workers)  # warm up: session, hooks, caches
        start += 1000
        print(f"{'documents':>10}{'seconds':>10}{'docs/s':>10}{'peak traced memory':>22}")
        for size in sizes:
            tracemalloc.start()
            tracemalloc.reset_peak()
            began = time.perf_counter()
            emitted = await emit_all(client, orders(start, size), workers)
            seconds = time.perf_counter() - began
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert emitted == size
            start += size
            print(f"{size:>10}{seconds:>10.2f}{size / seconds:>10.0f}{peak / 1024:>19.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[tuple[str, str]] = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(queue,), daemon=True)
    proc.start()
    try:
        base_url, key = queue.get(timeout=60)
        print("limits off")
        asyncio.run(run(base_url, key, args.sizes, args.workers, None))
        print("rate limiter on: 3 per 1 ms and 100 per 60 ms (the API's windows / 1000)")
        limits = (RateLimit(3, 0.001), RateLimit(100, 0.06))
        asyncio.run(run(base_url, key, args.sizes, args.workers, limits))
    finally:
        proc.terminate()
        proc.join()
    print("(tracemalloc slows the runs down; the memory column is the figure that matters)")


if __name__ == "__main__":
    main()
