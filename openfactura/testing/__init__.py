"""A faithful local sandbox of the Openfactura API, for tests, demos and offline work.

Usage::

    from openfactura.testing import FakeOpenfactura

    async with FakeOpenfactura() as fake:
        async with AsyncOpenfactura(fake.api_key, base_url=fake.base_url) as client:
            ...

With the ``openfactura[testing]`` extra installed, pytest gets the fixtures
``openfactura_fake``, ``openfactura_client`` and ``openfactura_sync_client``; the command
``openfactura sandbox --port 8080`` runs the same sandbox as a process.
"""

from __future__ import annotations

from ._companies import DEMO_COMPANIES, Company
from ._faults import FAULT_KINDS, FaultKind
from ._gateway import LOGGER, REQUEST_LOGGER, RequestRecord
from ._server import FakeOpenfactura
from ._store import ReceivedDocument, SelfServiceLink, StoredDocument
from ._variants import SHAPES, Variant
from ._windows import API_RATE_LIMITS, window_overruns

__all__ = [
    "API_RATE_LIMITS",
    "DEMO_COMPANIES",
    "FAULT_KINDS",
    "LOGGER",
    "REQUEST_LOGGER",
    "SHAPES",
    "Company",
    "FakeOpenfactura",
    "FaultKind",
    "ReceivedDocument",
    "RequestRecord",
    "SelfServiceLink",
    "StoredDocument",
    "Variant",
    "window_overruns",
]
