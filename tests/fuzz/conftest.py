"""The fuzz suite (Hypothesis): whatever comes in, only typed errors come out.

``tests/fuzz`` is the suite's entry point: ``python -m pytest tests/fuzz``. Each property
runs a bounded number of examples in the default test command; a long run gives each of
them ``N`` examples: ``OPENFACTURA_FUZZ_EXAMPLES=N python -m pytest tests/fuzz``, or
``nox -s fuzz`` (5,000 each).

==============================  ================================================================
``test_fuzz_decoders.py``       every answer to every method through a real transport; list
                                pages, status answers, XML, JSON documents, error bodies
``test_fuzz_rut.py``            ``Rut``, ``Rut.is_valid``, ``from_parts``, ``compute_dv``
``test_fuzz_documents.py``      ``build()``/``validate()``/``to_wire()``/``from_wire()`` of the
                                twelve document classes, wire dicts with anything anywhere
``test_fuzz_arguments.py``      every public method's arguments (found by introspection)
``test_fuzz_sandbox.py``        raw HTTP to a real sandbox on loopback, malformed HTTP too
==============================  ================================================================

Fuzz properties that live next to the code they test (not repeated here):
``tests/api/test_api_decode_fuzz.py`` (answer models and error bodies with generic JSON),
``tests/models/test_models_amount_inputs.py`` (hostile amounts in a factura),
``tests/models/test_models_rut.py`` (every valid RUT round-trips),
``tests/sandbox/test_sandbox_hardening.py`` (any value at any place of an emission).
"""

from __future__ import annotations

import pytest
from fuzzing import LONG_RUN


def pytest_report_header(config: pytest.Config) -> str:
    budget = f"{LONG_RUN} examples each" if LONG_RUN else "bounded (OPENFACTURA_FUZZ_EXAMPLES=N)"
    return f"openfactura fuzz budget: {budget}"
