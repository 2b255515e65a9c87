"""A faithful local sandbox of the Openfactura API, for tests, demos and offline work.

Usage::

    from openfactura.testing import FakeOpenfactura

    async with FakeOpenfactura() as fake:
        async with AsyncOpenfactura(fake.api_key, base_url=fake.base_url) as client:
            ...

    FakeOpenfactura(variant="alternate")      # the other known form of every ambiguous answer
    fake.truncated_next(path="/v2/dte/document")   # faults: see FAULT_KINDS
    logging.getLogger(REQUEST_LOGGER).setLevel(logging.INFO)   # one line per request

With the ``openfactura[testing]`` extra installed, pytest gets the fixtures
``openfactura_fake``, ``openfactura_client`` and ``openfactura_sync_client``; the command
``openfactura sandbox --port 8080`` runs the same sandbox as a process.

Layout: ``_server.py`` (``FakeOpenfactura``: state, switches, faults, lifecycle),
``_gateway.py`` (keys, rate limits, faults, the request log, the last resort),
``_routes/`` (one module per API area, like ``openfactura/resources/``), ``_emission.py`` and
``_schema.py`` (what an emission must be), ``_amounts.py`` (the independent amount engine),
``_variants.py`` (the ambiguous answer shapes), ``_faults.py``, ``_store.py``, ``_xml.py``,
``_pdf.py``.
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
