"""examples/README.md runs as written, against the sandbox.

The README's batch example and docs/guides/bulk.md (where the full recipe moved) run in the
docs block test (tests/docs), their printed output checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_examples_readme_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    (code,) = python_blocks(text)
    monkeypatch.chdir(ROOT)
    exec(compile(code, "examples/README.md", "exec"), {"__name__": "__main__"})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 9 and all(line.split()[2] == "issued" for line in lines)
