"""The ``openfactura`` command.

* ``openfactura demo``: with no key and no network, start the embedded sandbox, emit a
  factura, a boleta and a nota de crédito, wait for their status, save their PDFs and XMLs
  into ``./openfactura-demo/`` and print a summary. ``--env development --api-key KEY``
  runs the same flow against Haulmer's development API.
* ``openfactura sandbox [--host 127.0.0.1] [--port 8080] [--storage FILE] [--no-rate-limits]``:
  run the local sandbox of the API until interrupted; point any client at it::

    openfactura sandbox --port 8080 &
    python -c "import openfactura; c = openfactura.Openfactura(
        '928e15a2d14d4a6292345f04960f4bd3', base_url='http://127.0.0.1:8080');
        print(c.organization.get().razon_social); c.close()"
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openfactura", description="Openfactura SDK tools: a local sandbox and a demo."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sandbox = sub.add_parser("sandbox", help="run the local sandbox of the API")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    sandbox.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any)")
    sandbox.add_argument(
        "--storage", type=Path, default=None, help="SQLite file keeping the state across restarts"
    )
    sandbox.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce 3/s and 100/min per key"
    )
    demo = sub.add_parser(
        "demo", help="emit a factura, a boleta and a nota de crédito and save their files"
    )
    demo.add_argument(
        "--env",
        choices=("sandbox", "development"),
        default="sandbox",
        help="sandbox: the embedded local sandbox (default, no network); "
        "development: Haulmer's dev-api.haulmer.com",
    )
    demo.add_argument(
        "--api-key",
        default=None,
        help="key for --env development (default: OPENFACTURA_API_KEY, else the public demo key)",
    )
    demo.add_argument(
        "--out", type=Path, default=Path("openfactura-demo"), help="folder for the PDFs and XMLs"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``openfactura`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        from ._sandbox import run_sandbox

        return run_sandbox(args.host, args.port, args.storage, not args.no_rate_limits)
    from ._demo import run_demo

    return run_demo(env=args.env, api_key=args.api_key, out=args.out)
