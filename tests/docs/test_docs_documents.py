"""Every document the "writing documents" pages build is one the API accepts.

These pages took over the README's "Writing documents" section (and its test,
``tests/models/test_models_readme.py``): after running every block of a page, as the block
test does, each DTE model left in the page's namespace must pass ``validate()`` and be
emitted by the sandbox (its own, independent amount engine included). The documents a page
does not emit on purpose are listed below with the reason; documents read back from the API
(a folio already set) are skipped.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest

if importlib.util.find_spec("mkdocs") is None:  # the docs extra (see test_docs_blocks)
    pytest.skip(
        'the docs extra is not installed: pip install -e ".[docs]"', allow_module_level=True
    )

from docs_blocks import PageRun, collect

from openfactura import Openfactura, OpenfacturaWarning
from openfactura.dte import Document
from openfactura.testing import FakeOpenfactura

ROOT = Path(__file__).resolve().parents[2]

PAGES = {
    "docs/guides/documents.md": {
        "exportacion": "export documents are valid but not offered by Openfactura (OF-05)",
    },
    "docs/guides/totals.md": {
        "wrong": "a total changed by hand: the validation example",
        "long_name": "a 95-character NmbItem: the truncation example",
    },
    "docs/getting-started.md": {},
    "docs/guides/reading.md": {},
}


@pytest.mark.parametrize("rel", list(PAGES))
def test_every_document_a_page_builds_is_accepted(rel: str, docs_sandbox: FakeOpenfactura) -> None:
    blocks = collect(ROOT / rel, ROOT)
    run = PageRun(rel, blocks, on_start=lambda _run: docs_sandbox.reset())
    run._start()
    try:
        for block in blocks:
            failure = run._run_one(block)
            assert failure is None, f"{block.id} failed: {failure!r}"
        built = {
            name: value for name, value in run.namespace.items() if isinstance(value, Document)
        }
        assert built, f"{rel} builds no document"
        not_emitted = PAGES[rel]
        accepted = []
        with FakeOpenfactura(rate_limits=None) as fake:
            with Openfactura(fake.api_key, base_url=fake.base_url, rate_limits=None) as client:
                for name, doc in built.items():
                    if name in not_emitted or doc.encabezado.id_doc.folio:  # type: ignore[attr-defined]
                        continue
                    assert doc.validate() == [], name
                    with warnings.catch_warnings():  # a guía without transport data warns
                        warnings.simplefilter("ignore", OpenfacturaWarning)
                        assert client.documents.emit(doc).folio, name
                    accepted.append(name)
        assert accepted
        for name in not_emitted:
            assert name in built, f"{name} is listed for {rel} but the page no longer builds it"
    finally:
        run.close()
