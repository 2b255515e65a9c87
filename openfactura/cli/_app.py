"""The root ``openfactura`` group and the registry of command modules.

Adding a command group (what the ``bulk`` commands do)
------------------------------------------------------
Write one module ``openfactura/cli/_<name>.py`` with a ``register`` function::

    import click

    from . import _common as common


    @click.group("bulk")
    def bulk() -> None:
        \"\"\"Emit thousands of documents from a file, resumably.\"\"\"


    @bulk.command("report")
    @common.api_options
    @click.pass_context
    def report(ctx: click.Context) -> None:
        ...
        if some_failed:
            ctx.exit(common.EXIT_PARTIAL)


    def register(cli: click.Group) -> None:
        cli.add_command(bulk)

and list ``"_<name>"`` in :data:`COMMAND_MODULES` (``"_bulk"`` is already there: the
module is picked up as soon as it exists). Errors need no handling in the commands: an
:class:`~openfactura.OpenfacturaError` or a :class:`~openfactura.cli._common.CliError`
escaping any command is printed by :func:`~openfactura.cli._common.report_error` and
becomes the exit code.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import Any

import click

from .._version import __version__
from . import _common as common

__all__ = ["COMMAND_MODULES", "OpenfacturaGroup", "cli", "run"]

COMMAND_MODULES = (
    "_documents",
    "_organization",
    "_taxpayers",
    "_registry",
    "_self_service",
    "_config",
    "_demo",
    "_sandbox",
    "_bulk",
)
"""Modules of ``openfactura.cli`` whose ``register(cli)`` adds commands, in help order.
A module listed here that does not exist (yet) is skipped."""

_EPILOG = """\b
Configuration: flags, then OPENFACTURA_API_KEY / OPENFACTURA_BASE_URL / OPENFACTURA_ENV,
then the config file (`openfactura config` shows where it is and what is in force).

\b
Exit codes: 0 ok, 1 API or validation error, 2 usage or configuration error,
3 partial failure of a bulk run.
"""


class OpenfacturaGroup(click.Group):
    """The root group: lists commands in registration order and turns errors into exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        from .._exceptions import OpenfacturaError

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except (OpenfacturaError, common.CliError) as exc:
            ctx.exit(common.report_error(ctx, exc))
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:
            if common.state(ctx).debug:
                raise
            error = common.CliError(
                f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"
            )
            ctx.exit(common.report_error(ctx, error))


def _debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        common.state(ctx).debug = True
        logger = logging.getLogger("openfactura")
        handler = logging.StreamHandler()  # stderr
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)

        def restore() -> None:  # when run in-process (tests), leave logging as it was
            logger.removeHandler(handler)
            logger.setLevel(level)

        ctx.call_on_close(restore)
    return value


@click.group(
    cls=OpenfacturaGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_EPILOG,
)
@click.version_option(__version__, "-V", "--version", prog_name="openfactura")
@common.api_options
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    callback=_debug,
    help="Log requests (DEBUG, the key masked) and show tracebacks of unexpected errors.",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Openfactura from the command line: emit DTEs, read them, list them, and query the
    company, taxpayers and the RCV registry; also a local sandbox and a demo.

    Every command takes --json for scripts.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.{name}":
                continue
            raise
        module.register(cli)


_register()


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (never raises ``SystemExit``)."""
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="openfactura",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    return result if isinstance(result, int) else 0
