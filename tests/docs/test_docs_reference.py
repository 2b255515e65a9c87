"""The API reference's strict checks (docs/_ext/griffe_openfactura.py), without building the site.

``nox -s docs`` runs the same checks inside ``mkdocs build --strict``; here they run in the
default suite, in about a second, whenever griffe (the ``docs`` extra) is installed.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

griffe = pytest.importorskip("griffe", reason='the docs extra: pip install -e ".[docs]"')

ROOT = Path(__file__).resolve().parents[2]
LOGGER = "mkdocs.plugins.openfactura_docs"


@pytest.fixture
def ext() -> ModuleType:
    path = ROOT / "docs" / "_ext" / "griffe_openfactura.py"
    spec = importlib.util.spec_from_file_location("griffe_openfactura_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(ext: ModuleType, package: str, search: Path) -> griffe.Module:
    extensions = griffe.load_extensions(ext.OpenfacturaDocs())
    loaded = griffe.load(package, extensions=extensions, search_paths=[str(search)])
    assert isinstance(loaded, griffe.Module)
    return loaded


def test_the_package_has_no_gap_outside_the_allow_list(
    ext: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER):
        _load(ext, "openfactura", ROOT)
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == []


def test_missing_docstrings_and_broken_references_are_reported(
    ext: ModuleType,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    package = tmp_path / "tinypkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            '''
            """A tiny package.

            Usage::

                tinypkg.documented()
            """

            from ._impl import Thing, documented, undocumented

            __all__ = ["Thing", "documented", "undocumented"]
            '''
        )
    )
    (package / "_impl.py").write_text(
        textwrap.dedent(
            '''
            """Implementation."""


            class Thing:
                """A thing; see :meth:`run` and :func:`documented`."""

                def run(self) -> None:
                    """Run; unlike :class:`Nowhere`, which names nothing."""

                def stop(self) -> None:
                    pass


            def documented() -> None:
                """Documented; returns what :class:`TimeoutError` and :func:`asyncio.run` say."""


            def undocumented() -> None:
                pass
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(ext, "PACKAGE", "tinypkg")
    monkeypatch.setattr(ext, "PUBLIC_MODULES", ("tinypkg",))
    monkeypatch.setattr(ext, "PUBLIC_EXTRA", ())
    monkeypatch.setattr(ext, "RENDERED_PRIVATE", ())
    monkeypatch.setattr(ext.known_gaps, "UNDOCUMENTED", frozenset({"tinypkg._impl.gone"}))
    monkeypatch.setattr(ext.known_gaps, "BROKEN_XREFS", frozenset())
    with caplog.at_level(logging.INFO, logger=LOGGER):
        loaded = _load(ext, "tinypkg", tmp_path)
    sys.modules.pop("tinypkg", None)
    problems = sorted(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert problems == [
        "docs/_ext/known_gaps.py UNDOCUMENTED: 'tinypkg._impl.gone' is no longer a gap: "
        "remove it from the list",
        "openfactura API reference: cross-reference 'Nowhere' in the docstring of "
        "tinypkg._impl.Thing.run names nothing public",
        "openfactura API reference: public name tinypkg._impl.Thing.stop has no docstring",
        "openfactura API reference: public name tinypkg._impl.undocumented has no docstring",
    ]
    thing = loaded["_impl"]["Thing"]
    # Roles became autorefs links to canonical paths; reST blocks became fenced code.
    assert thing.docstring.value == (
        "A thing; see [`run()`][tinypkg._impl.Thing.run] and "
        "[`documented()`][tinypkg._impl.documented]."
    )
    documented = loaded["_impl"]["documented"].docstring.value
    assert "`TimeoutError`" in documented and "`asyncio.run()`" in documented
    assert "```python\ntinypkg.documented()\n```" in loaded.docstring.value
