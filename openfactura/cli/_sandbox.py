"""``openfactura sandbox``: the local sandbox of the API as a process.

::

    openfactura sandbox --port 8080 --storage sandbox.db
    OPENFACTURA_BASE_URL=http://127.0.0.1:8080 \\
        OPENFACTURA_API_KEY=928e15a2d14d4a6292345f04960f4bd3 openfactura org

Each request is logged on stderr (``--quiet`` to stop it); ``--json`` prints the banner
as one JSON object on stdout (useful with ``--port 0``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import _common as common

if TYPE_CHECKING:
    from ..testing import FakeOpenfactura

__all__ = ["register", "run_sandbox"]

_LOGGER = "openfactura.sandbox"  # the sandbox's logger; requests go to its ".requests" child


def _accepted_keys() -> list[tuple[str, str, str]]:
    """``(key, razon social, rut)`` of every key the sandbox accepts out of the box."""
    try:
        from ..testing import DEMO_COMPANIES
    except ImportError:
        from .._client import DEMO_API_KEYS

        return [(key, "", "") for key in sorted(DEMO_API_KEYS)]
    return [(c.api_key, c.razon_social, str(c.rut)) for c in DEMO_COMPANIES]


class _SandboxCommand(click.Command):
    """Lists the accepted keys at the end of ``--help`` (worked out only when asked)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("API keys the sandbox accepts"):
            for key, name, rut in _accepted_keys():
                formatter.write(f"{'':>{formatter.current_indent}}{key}  {name} {rut}".rstrip())
                formatter.write("\n")
            formatter.write_paragraph()
            formatter.write_text(
                "Haulmer's public demo keys, each tied to its demo company; any other key "
                "gets the API's 401. Point a client at the printed URL with one of them, e.g. "
                "OPENFACTURA_BASE_URL=http://127.0.0.1:8080 "
                "OPENFACTURA_API_KEY=<key> openfactura org."
            )


def _check_storage(storage: Path | None) -> None:
    if storage is None:
        return
    if storage.is_dir():
        raise common.CliError(f"--storage {storage} is a folder, not a file", common.EXIT_USAGE)
    if not storage.parent.is_dir():
        raise common.CliError(
            f"--storage {storage}: folder {storage.parent} does not exist", common.EXIT_USAGE
        )


def _make(
    host: str, port: int, storage: Path | None, rate_limits: bool, variant: str | None
) -> FakeOpenfactura:
    from ..testing import API_RATE_LIMITS, FakeOpenfactura

    options: dict[str, Any] = {}
    if variant is not None:
        options["variant"] = variant
    try:
        return FakeOpenfactura(
            host=host,
            port=port,
            storage=storage,
            rate_limits=API_RATE_LIMITS if rate_limits else None,
            **options,
        )
    except (sqlite3.Error, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise common.CliError(
            f"--storage {storage}: cannot keep the sandbox's state there ({reason})",
            common.EXIT_USAGE,
        ) from None
    except ValueError as exc:  # e.g. an unknown variant
        raise common.CliError(str(exc).split("\n", 1)[0], common.EXIT_USAGE) from None


def _log_requests() -> Callable[[], None]:
    """Show the sandbox's request log (INFO on ``openfactura.sandbox``) on stderr; return
    what undoes it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger(_LOGGER)
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)

    return undo


async def _serve(
    host: str,
    port: int,
    storage: Path | None,
    rate_limits: bool,
    variant: str | None,
    json_banner: bool,
    quiet: bool,
) -> None:
    fake = _make(host, port, storage, rate_limits, variant)
    try:
        await fake.start()
    except OSError as exc:
        await fake.stop()
        fake.close()
        reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise common.CliError(f"cannot listen on {host}:{port}: {reason or exc}") from None
    undo_log: Callable[[], None] | None = None
    try:
        if json_banner:
            common.print_json(_banner(fake, storage), one_line=True)
        else:
            print(f"Openfactura sandbox on {fake.base_url}  (Ctrl-C to stop)", flush=True)
            for company in fake.companies.values():
                print(f"  apikey {company.api_key}  ->  {company.razon_social} {company.rut}")
            if storage is not None:
                print(f"  state kept in {storage} ({len(fake.documents)} documents so far)")
            if variant is not None:
                print(f"  variant {variant}")
        sys.stdout.flush()
        if not quiet:
            undo_log = _log_requests()
        await asyncio.Event().wait()
    finally:
        if undo_log is not None:
            undo_log()
        await fake.stop()
        fake.close()


def _banner(fake: FakeOpenfactura, storage: Path | None) -> dict[str, Any]:
    return {
        "base_url": fake.base_url,
        "api_keys": [
            {"api_key": c.api_key, "rut": str(c.rut), "razon_social": c.razon_social}
            for c in fake.companies.values()
        ],
        "storage": str(storage) if storage is not None else None,
        "documents": len(fake.documents),
    }


def run_sandbox(
    host: str,
    port: int,
    storage: Path | None,
    rate_limits: bool,
    *,
    variant: str | None = None,
    json_banner: bool = False,
    quiet: bool = False,
) -> int:
    """Serve until interrupted; 0 after Ctrl-C. Raises :class:`CliError` for a bad setup."""
    _check_storage(storage)
    try:
        import openfactura.testing  # noqa: F401
    except ImportError as exc:
        raise common.CliError(
            f"the sandbox needs the 'testing' extra ({exc.name} is missing): "
            "pip install 'openfactura[testing]'",
            common.EXIT_USAGE,
        ) from None
    try:
        asyncio.run(_serve(host, port, storage, rate_limits, variant, json_banner, quiet))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


@click.command("sandbox", cls=_SandboxCommand, short_help="Run the local sandbox of the API.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any."
)
@click.option(
    "--storage",
    type=click.Path(path_type=Path),
    help="SQLite file keeping the state (documents, folios, locks) across restarts.",
)
@click.option("--no-rate-limits", is_flag=True, help="Do not enforce 3/s and 100/min per key.")
@click.option(
    "--variant",
    metavar="NAME",
    help="Behave like one variant of the API (see FakeOpenfactura's variant=).",
)
@click.option("--quiet", is_flag=True, help="Do not log each request on stderr.")
@common.json_option
@click.pass_context
def sandbox(
    ctx: click.Context,
    host: str,
    port: int,
    storage: Path | None,
    no_rate_limits: bool,
    variant: str | None,
    quiet: bool,
) -> None:
    """Run the local sandbox of the API until Ctrl-C (no network, no account).

    Every documented route under /v2/dte, with the API's rate limits, validations, error
    codes and status progression. Each request is logged on stderr.
    """
    ctx.exit(
        run_sandbox(
            host,
            port,
            storage,
            not no_rate_limits,
            variant=variant,
            json_banner=common.state(ctx).json,
            quiet=quiet,
        )
    )


def register(cli: click.Group) -> None:
    cli.add_command(sandbox)
