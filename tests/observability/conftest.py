"""Fixtures of tests/observability/, defined in ``tests/support/observability_helpers.py``.

The test modules import their helpers from there too: a module named ``conftest`` is
ambiguous when several test folders run together."""

from observability_helpers import clocked, clocked_thread

__all__ = ["clocked", "clocked_thread"]
