"""The command line guide's examples (docs/guides/cli.md, moved there from the README) run as
written: the shell tour against a sandbox (the variables of the block before it pointing at
it), the TOML block as a config file."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import DEMO_KEY
from click.testing import CliRunner

from openfactura.cli._app import cli
from openfactura.testing import FakeOpenfactura

GUIDE = Path(__file__).parents[2] / "docs" / "guides" / "cli.md"


def _section() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), flags=re.DOTALL)


def test_the_not_run_block_is_marked_and_sets_what_the_next_one_uses() -> None:
    section = _section()
    first = _blocks("sh")[0]
    assert "<!-- not-run" in section[: section.index(first)]
    assert "openfactura sandbox --port 8080" in first
    assert f"OPENFACTURA_API_KEY={DEMO_KEY}" in first


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_shell_example_runs_against_the_sandbox(tmp_path: Path) -> None:
    script = _blocks("sh")[1]
    scripts = Path(sys.executable).parent  # the venv's openfactura and python come first
    with FakeOpenfactura(rate_limits=None, status_reads_until_final=1) as fake:
        env = dict(
            os.environ,
            PATH=f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}",
            OPENFACTURA_BASE_URL=fake.base_url,
            OPENFACTURA_API_KEY=DEMO_KEY,
            OPENFACTURA_CONFIG=str(tmp_path / "none.toml"),
            COLUMNS="160",
        )
        env.pop("OPENFACTURA_ENV", None)
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert len(fake.documents) == 1  # emitted twice with one key: one document
        assert fake.documents[0].idempotency_key == "order-1234"
    assert (tmp_path / "factura.pdf").read_bytes().startswith(b"%PDF")
    assert b"<TipoDTE>33</TipoDTE>" in (tmp_path / "factura.xml").read_bytes()
    assert "HAULMER SPA" in proc.stdout and "Aceptado" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_the_toml_example_is_a_valid_config(tmp_path: Path) -> None:
    (config,) = _blocks("toml")
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    path.chmod(0o600)
    result = CliRunner(
        env={"OPENFACTURA_API_KEY": None, "OPENFACTURA_ENV": None, "OPENFACTURA_BASE_URL": None}
    ).invoke(cli, ["--config", str(path), "config", "--json"])
    assert result.exit_code == 0, result.output
    assert '"api_key_source": "config file' in result.stdout
    assert '"base_url": "https://api.haulmer.com"' in result.stdout
