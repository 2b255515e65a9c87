"""A batch run as its own process, for the SIGKILL test: ``python bulk_worker.py BASE_URL
INPUT JOURNAL`` (the API key in ``OPENFACTURA_API_KEY``). Prints ``<kind> <index>`` per
outcome as it comes, flushed, so the test can kill it at a chosen point.

Once the ``openfactura bulk emit`` command exists, the test can run it instead.
"""

from __future__ import annotations

import asyncio
import sys

import openfactura
from openfactura import RateLimit, bulk

LIMITS = (RateLimit(3, 0.01), RateLimit(100, 0.6))  # as the test's sandbox


async def main(base_url: str, source: str, journal: str) -> None:
    async with openfactura.AsyncOpenfactura(
        base_url=base_url, rate_limits=LIMITS, max_retries=10
    ) as client:
        async for outcome in client.documents.emit_many(bulk.open_input(source), journal=journal):
            print(outcome.kind, outcome.index, flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
