"""The README's batch recipe and examples/README.md run as written, against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def section(text: str, title: str) -> str:
    start = text.index(title)
    following = text.find("\n### ", start + len(title))
    return text[start : following if following != -1 else len(text)]


def test_the_readme_batch_recipe_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = python_blocks(section(readme, "### Emit a batch of thousands"))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out
    assert printed.count("Aceptado") == 12
    assert sorted(p.name for p in (tmp_path / "batch-2026-09").iterdir())[:2] == [
        "39-1000.pdf",
        "39-1000.xml",
    ]
    assert (tmp_path / "batch-2026-09.db").exists()


def test_the_examples_readme_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    (code,) = python_blocks(text)
    monkeypatch.chdir(ROOT)
    exec(compile(code, "examples/README.md", "exec"), {"__name__": "__main__"})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 9 and all(line.split()[2] == "issued" for line in lines)
