"""Fixtures of the model tests (the builders live in tests/support/dte_builders.py)."""

from __future__ import annotations

import pytest
from dte_builders import make_boleta_emisor, make_emisor, make_receptor

from openfactura.dte import BoletaEmisor, Emisor, Receptor


@pytest.fixture
def emisor() -> Emisor:
    return make_emisor()


@pytest.fixture
def receptor() -> Receptor:
    return make_receptor()


@pytest.fixture
def boleta_emisor() -> BoletaEmisor:
    return make_boleta_emisor()
