"""``openfactura sandbox``: the local sandbox as a process."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

__all__ = ["run_sandbox"]


async def _serve(host: str, port: int, storage: Path | None, rate_limits: bool) -> None:
    from .._ratelimit import DEFAULT_RATE_LIMITS
    from ..testing import FakeOpenfactura

    fake = FakeOpenfactura(
        host=host,
        port=port,
        storage=storage,
        rate_limits=DEFAULT_RATE_LIMITS if rate_limits else None,
    )
    async with fake:
        print(f"Openfactura sandbox on {fake.base_url}  (Ctrl-C to stop)", flush=True)
        for company in fake.companies.values():
            print(f"  apikey {company.api_key}  ->  {company.razon_social} {company.rut}")
        if storage is not None:
            print(f"  state kept in {storage} ({len(fake.documents)} documents so far)")
        sys.stdout.flush()
        await asyncio.Event().wait()


def run_sandbox(host: str, port: int, storage: Path | None, rate_limits: bool) -> int:
    try:
        asyncio.run(_serve(host, port, storage, rate_limits))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0
