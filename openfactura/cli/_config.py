"""``openfactura config``: the configuration in force and where each value comes from.

The config file is TOML; its location is ``--config``, else ``$OPENFACTURA_CONFIG``, else
``config.toml`` in the user config directory (``~/.config/openfactura/config.toml`` on
Linux)::

    api_key = "0123..."          # or OPENFACTURA_API_KEY
    env = "development"          # production | development | a URL; or OPENFACTURA_ENV
    base_url = "http://127.0.0.1:8080"   # beats env; or OPENFACTURA_BASE_URL
    timeout = 30                 # seconds per call
"""

from __future__ import annotations

import click

from . import _common as common
from ._documents import _key_value_table

__all__ = ["register"]


@click.command("config", short_help="Show the configuration in force.")
@common.api_options
@click.pass_context
def config(ctx: click.Context) -> None:
    """Show the configuration in force (the key masked) and where each value comes from.

    \b
    Precedence: flags, then OPENFACTURA_API_KEY / OPENFACTURA_BASE_URL / OPENFACTURA_ENV,
    then the config file (TOML: api_key, env, base_url, timeout), then the defaults.
    """
    settings = common.resolve_settings(ctx)
    data = {
        "config_file": str(settings.config_file),
        "config_file_exists": settings.config_loaded,
        "api_key": settings.key_hint,
        "api_key_source": settings.api_key_source,
        "environment": settings.environment,
        "base_url": settings.base_url,
        "base_url_source": settings.target_source,
        "timeout": settings.timeout,
        "timeout_source": settings.timeout_source,
    }
    common.show(
        ctx,
        data,
        lambda c: c.print(
            _key_value_table(
                [
                    (
                        "Config file",
                        f"{settings.config_file}"
                        + ("" if settings.config_loaded else " (not present)"),
                    ),
                    ("API key", f"{settings.key_hint}  from {settings.api_key_source}"),
                    (
                        "Base URL",
                        f"{settings.base_url}  ({settings.environment or 'custom URL'}, "
                        f"from {settings.target_source})",
                    ),
                    ("Timeout", f"{settings.timeout:g} s  from {settings.timeout_source}"),
                ],
                title="openfactura configuration",
            )
        ),
    )


def register(cli: click.Group) -> None:
    cli.add_command(config)
