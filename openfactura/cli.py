"""The ``openfactura`` command.

``openfactura sandbox [--host 127.0.0.1] [--port 8080] [--no-rate-limits]`` runs the local
sandbox of the API until interrupted; point any client at it::

    openfactura sandbox --port 8080 &
    python -c "import openfactura; c = openfactura.Openfactura(
        '928e15a2d14d4a6292345f04960f4bd3', base_url='http://127.0.0.1:8080');
        print(c.organization.get().razon_social); c.close()"
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openfactura", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sandbox = sub.add_parser("sandbox", help="run the local sandbox of the API")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    sandbox.add_argument("--port", type=int, default=8080)
    sandbox.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce 3/s and 100/min per key"
    )
    return parser


async def _serve(host: str, port: int, rate_limits: bool) -> None:
    from .testing import DEMO_COMPANIES, FakeOpenfactura

    kwargs = {} if rate_limits else {"rate_limits": None}
    async with FakeOpenfactura(host=host, port=port, **kwargs) as fake:  # type: ignore[arg-type]
        print(f"Openfactura sandbox on {fake.base_url}  (Ctrl-C to stop)", flush=True)
        for company in DEMO_COMPANIES:
            print(f"  apikey {company.api_key}  ->  {company.razon_social} {company.rut}")
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        try:
            asyncio.run(_serve(args.host, args.port, not args.no_rate_limits))
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
