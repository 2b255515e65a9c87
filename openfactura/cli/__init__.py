"""The ``openfactura`` command (extra ``openfactura[cli]``: click and rich).

One module per command group; each has a ``register(cli)`` function that the root group
(:mod:`openfactura.cli._app`) calls. What the commands share (configuration, the client,
``--json`` output, error printing, exit codes) is in :mod:`openfactura.cli._common`.

========================  ===========================================================
module                    commands
========================  ===========================================================
``_documents``            ``emit``, ``status``, ``get``, ``wait``, ``issued``,
                          ``received``, ``accuse``, ``annul-guia``
``_organization``         ``org``, ``folios``
``_taxpayers``            ``taxpayer``
``_registry``             ``sales``, ``purchases``, ``sync-rcv``
``_self_service``         ``self-service state``, ``self-service resend-email``
``_config``               ``config``
``_demo``                 ``demo``
``_sandbox``              ``sandbox``
``_bulk``                 ``bulk emit``, ``bulk resume``, ``bulk report``,
                          ``bulk reconcile``, ``bulk wait``
========================  ===========================================================

Exit codes: 0 ok, 1 API or validation error, 2 usage or configuration error, 3 partial
failure of a bulk run, 130 interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

MISSING_EXTRA = (
    "openfactura: the command line needs the 'cli' extra: pip install 'openfactura[cli]'"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``openfactura`` console script; returns the exit code."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError:
        print(MISSING_EXTRA, file=sys.stderr)
        return 2
    from ._app import run

    return run(argv)
