"""Fixtures of tests/bulk/, defined in ``tests/support/bulk_helpers.py``.

The test modules import their helpers from there too: a module named ``conftest`` is
ambiguous when several test folders run together."""

from bulk_helpers import client, fake, journal_path

__all__ = ["client", "fake", "journal_path"]
