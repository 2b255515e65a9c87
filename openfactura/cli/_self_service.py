"""``client.self_service`` on the command line (two undocumented routes)::

openfactura self-service state https://.../abc123
openfactura self-service resend-email abc123
"""

from __future__ import annotations

import click

from . import _common as common
from ._documents import _key_value_table

__all__ = ["register"]


@click.group("self-service", short_help="Follow up self-service links.")
def self_service() -> None:
    """Follow up self-service links (from emit with selfService in the body).

    These routes are undocumented (seen in Haulmer's WHMCS plugin) and may change.
    """


@self_service.command("state", short_help="What became of a self-service link.")
@click.argument("link")
@common.api_options
@click.pass_context
def state(ctx: click.Context, link: str) -> None:
    """What became of LINK (the URL or its last segment)."""
    with common.open_client(ctx) as client:
        result = client.self_service.state(link)
    data = common.to_json(result)
    data["pending"] = result.is_pending
    common.show(
        ctx,
        data,
        lambda c: c.print(
            _key_value_table(
                [
                    ("State", result.response or "-"),
                    ("Meaning", result.description),
                    ("Pending", "yes" if result.is_pending else "no"),
                ],
                title="Self-service link",
            )
        ),
    )


@self_service.command("resend-email", short_help="Send a link's email again.")
@click.argument("link")
@common.api_options
@click.pass_context
def resend_email(ctx: click.Context, link: str) -> None:
    """Send LINK's email to the customer again (not retried: no double email)."""
    with common.open_client(ctx) as client:
        client.self_service.resend_email(link)
    common.show(ctx, {"sent": True, "link": link}, lambda c: c.print("Email sent again."))


def register(cli: click.Group) -> None:
    cli.add_command(self_service)
