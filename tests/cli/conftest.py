"""Fixtures of tests/cli/, defined in ``tests/support/cli_helpers.py``.

The test modules import their helpers from there too: a module named ``conftest`` is
ambiguous when several test folders run together."""

from cli_helpers import clean_env, fake, run

__all__ = ["clean_env", "fake", "run"]
