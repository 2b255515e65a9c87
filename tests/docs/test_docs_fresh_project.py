"""``nox -s fresh_project`` runs the project the testing guide shows (scripts/fresh_project.py):
the files it writes are the guide's, with async and blocking tests of the plugin's fixtures.
The session itself (a new virtualenv with only ``openfactura[testing]``) runs in ``.ci/run``."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fresh() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fresh_project", ROOT / "scripts" / "fresh_project.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_project_is_the_guides(fresh: ModuleType) -> None:
    files = fresh.project_files()
    assert set(files) == {
        "pyproject.toml",
        "billing.py",
        "tests/test_billing.py",
        "tests/test_errors.py",
    }
    guide = (ROOT / "docs" / "guides" / "testing.md").read_text(encoding="utf-8")
    for body in files.values():
        assert body in guide
    tests = files["tests/test_billing.py"] + files["tests/test_errors.py"]
    assert re.search(r"^async def test_\w+\(openfactura_client", tests, re.M)
    assert re.search(r"^def test_\w+\(openfactura_sync_client", tests, re.M)
    assert 'asyncio_default_fixture_loop_scope = "function"' in files["pyproject.toml"]


def test_a_section_without_its_files_is_refused(fresh: ModuleType, tmp_path: Path) -> None:
    guide = tmp_path / "testing.md"
    guide.write_text(
        '## With pytest, from a fresh project\n\n```toml title="pyproject.toml"\n```\n'
    )
    with pytest.raises(SystemExit, match="no longer shows"):
        fresh.project_files(guide)


def test_the_session_exists_and_ci_runs_it() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert "def fresh_project(" in noxfile
    assert 'session.install(f"{ROOT}[testing]")' in noxfile
    assert "python -m nox -s fresh_project" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
