"""Shared test configuration.

The sandbox's pytest plugin (``openfactura.testing.pytest_plugin``) is normally loaded
through its ``pytest11`` entry point once the package is installed; when the tests run
from a source tree that is not installed, load it here instead.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from openfactura._ratelimit import KEY_PAUSES

# Shared test helpers (strict sliding-window server, virtual-time loop...) live in support/.
sys.path.insert(0, str(Path(__file__).parent / "support"))


def _plugin_present() -> bool:
    try:
        return importlib.util.find_spec("openfactura.testing.pytest_plugin") is not None
    except ModuleNotFoundError:
        return False


if not entry_points(group="pytest11", name="openfactura") and _plugin_present():
    pytest_plugins = ["openfactura.testing.pytest_plugin"]


@pytest.fixture(autouse=True)
def _forget_429_pauses() -> Iterator[None]:
    """A 429 pauses its key for the whole process: tests reuse keys, so forget pauses."""
    yield
    KEY_PAUSES.clear()
