"""The block runner itself: markers, output checks, files, async blocks (no sandbox needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_blocks import BlockFailedError, PageRun, collect

PAGE = """# Title

```python
import asyncio
total = 2 + 3
print("total", total)
```

```output
total 5
```

## Async

```python
await asyncio.sleep(0)
print("awaited", total)
```

<!-- docs-test: skip needs a real key -->
```python
raise RuntimeError("never run")
```

```sh
echo "shell blocks never run"
```

```python title="pkg/helper.py"
VALUE = 42
```

```python
from pkg.helper import VALUE
print(VALUE)
```

```output
4...
```
"""


def _run_all(tmp_path: Path, text: str) -> tuple[list[object], PageRun]:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    blocks = collect(page, tmp_path)
    run = PageRun("page.md", blocks)
    outcomes: list[object] = []
    for block in blocks:
        try:
            run.run_through(block)
        except BlockFailedError as exc:
            outcomes.append(exc)
        else:
            outcomes.append(None)
    return outcomes, run


def test_collects_ids_kinds_and_outputs(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    blocks = collect(page, tmp_path)
    assert [(b.id, b.kind) for b in blocks] == [
        ("page.md::title", "exec"),
        ("page.md::async", "exec"),
        ("page.md::async-2", "skip"),
        ("page.md::async-3", "file"),
        ("page.md::async-4", "exec"),
    ]
    assert blocks[0].output == "total 5\n"
    assert blocks[0].line == 4
    assert blocks[2].reason == "needs a real key"
    assert blocks[3].title == "pkg/helper.py"


def test_a_page_runs_in_one_namespace_with_async_blocks_and_files(tmp_path: Path) -> None:
    outcomes, run = _run_all(tmp_path, PAGE)
    assert outcomes == [None] * 5
    assert run.closed  # closed after its last block


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("```python\nprint('four')\n```\n\n```output\nfive\n```\n", "differs from its output"),
        ("```python\n1 / 0\n```\n", "failed"),
        ("```python\nundefined_name\n```\n", "failed"),
    ],
)
def test_a_failing_block_fails(tmp_path: Path, text: str, message: str) -> None:
    outcomes, _ = _run_all(tmp_path, text)
    assert isinstance(outcomes[0], BlockFailedError)
    chained = f"{outcomes[0]} {outcomes[0].__cause__}"
    assert message in chained


def test_tracebacks_point_into_the_markdown_file(tmp_path: Path) -> None:
    outcomes, _ = _run_all(tmp_path, "# T\n\ntext\n\n```python\nx = 1\n1 / 0\n```\n")
    failure = outcomes[0]
    assert isinstance(failure, BlockFailedError)
    tb = failure.__cause__.__traceback__  # type: ignore[union-attr]
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert tb.tb_frame.f_code.co_filename == str(tmp_path / "page.md")
    assert tb.tb_lineno == 7


def test_unknown_markers_and_stray_output_blocks_are_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- docs-test: skpi -->\n```python\npass\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown docs-test marker"):
        collect(page, tmp_path)
    page.write_text("text\n\n```output\n1\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match="output block that follows no block"):
        collect(page, tmp_path)


def test_indented_blocks_in_tabs_are_collected(tmp_path: Path) -> None:
    text = '=== "async"\n\n    ```python\n    x = 1\n    print(x)\n    ```\n'
    outcomes, run = _run_all(tmp_path, text)
    assert outcomes == [None]
    assert run.blocks[0].code == "x = 1\nprint(x)\n"
