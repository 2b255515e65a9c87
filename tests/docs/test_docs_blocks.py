"""Every code block of README.md and docs/ runs against the local sandbox (see docs_blocks.py).

Skipped when the ``docs`` extra (the frameworks the recipes use) is not installed:
``python -m pip install -e ".[docs]"``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

DOCS_EXTRA = ("fastapi", "httpx", "django", "celery", "gunicorn", "mkdocs", "fpdf", "requests")
_missing = [name for name in DOCS_EXTRA if importlib.util.find_spec(name) is None]
if _missing:
    pytest.skip(
        f"the docs extra is not installed (missing {', '.join(_missing)}): "
        'python -m pip install -e ".[docs]"',
        allow_module_level=True,
    )

from docs_blocks import Block, PageRun, collect_all  # noqa: E402
from known_failing import README_KNOWN_FAILING  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = collect_all(ROOT)


def _param(block: Block) -> object:
    marks = []
    if block.kind == "skip":
        marks.append(pytest.mark.skip(reason=f"marked docs-test: skip {block.reason}".strip()))
    reason = README_KNOWN_FAILING.get(block.id)
    if reason is not None:
        marks.append(pytest.mark.xfail(reason=reason, strict=True, raises=AssertionError))
    return pytest.param(block, id=block.id, marks=marks)


@pytest.fixture(scope="module")
def pages(docs_services: object) -> Iterator[dict[str, PageRun]]:
    runs: dict[str, PageRun] = {}
    yield runs
    for run in runs.values():
        run.close()


@pytest.mark.parametrize("block", [_param(block) for block in BLOCKS])
def test_block_runs(block: Block, pages: dict[str, PageRun], docs_sandbox: object) -> None:
    run = pages.get(block.rel)
    if run is None:
        blocks = [b for b in BLOCKS if b.rel == block.rel]
        run = pages[block.rel] = PageRun(
            block.rel,
            blocks,
            on_start=lambda _run: docs_sandbox.reset(),  # type: ignore[attr-defined]
        )
    run.run_through(block)


def test_known_failing_are_readme_blocks() -> None:
    """The tolerated failures are README blocks that exist: docs/ pages must all pass."""
    ids = {block.id for block in BLOCKS}
    assert [key for key in README_KNOWN_FAILING if not key.startswith("README.md::")] == []
    assert [key for key in README_KNOWN_FAILING if key not in ids] == []
