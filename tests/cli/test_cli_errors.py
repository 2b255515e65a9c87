"""Exit codes, error printing, --version, help, the missing extra, and issue 14 item 10
(a port in use, a bad --storage, demo --env development offline: one line, no traceback)."""

from __future__ import annotations

import socket
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from cli_helpers import Run, json_out, no_traceback
from click.testing import CliRunner, Result

import openfactura
from openfactura.cli import MISSING_EXTRA, _common, main
from openfactura.cli._app import cli


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="openfactura")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- the console script itself -------------------------------------------------------------


@pytest.mark.parametrize("missing", ["click", "rich"])
def test_missing_extra_is_one_line_and_exit_2(
    missing: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # "import click" now fails
    assert main(["org"]) == 2
    captured = capsys.readouterr()
    assert captured.err == MISSING_EXTRA + "\n" and captured.out == ""
    assert "pip install 'openfactura[cli]'" in MISSING_EXTRA


def test_missing_extra_in_a_real_process(tmp_path: Path) -> None:
    # A base install: click cannot be imported at all.
    (tmp_path / "click.py").write_text("raise ImportError('not installed')\n")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
        "from openfactura.cli import main; sys.exit(main())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == MISSING_EXTRA and proc.stdout == ""


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"openfactura, version {version('openfactura')}"
    assert main([]) == 0  # no arguments: the help
    out = capsys.readouterr().out
    assert out.startswith("Usage: openfactura") and "Exit codes: 0 ok" in out
    for command in (
        "emit",
        "status",
        "get",
        "wait",
        "issued",
        "received",
        "accuse",
        "annul-guia",
        "taxpayer",
        "org",
        "folios",
        "sales",
        "purchases",
        "sync-rcv",
        "self-service",
        "config",
        "demo",
        "sandbox",
    ):
        assert f"  {command} " in out, command


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err
    assert main(["status", "--nope"]) == 2
    assert main(["sales", "2026"]) == 2


def test_sandbox_help_lists_the_keys_it_accepts() -> None:
    result = invoke("sandbox", "--help")
    assert result.exit_code == 0
    assert "API keys the sandbox accepts" in result.stdout
    for company in openfactura.testing.DEMO_COMPANIES:
        assert company.api_key in result.stdout and company.razon_social in result.stdout


# -- errors of the API and of the machine -------------------------------------------------


def test_unreachable_api_is_one_line(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_common, "_CLIENT_OPTIONS", {"rate_limits": None, "max_retries": 0})
    url = f"http://127.0.0.1:{closed_port()}"
    result = invoke("org", "--env", url, "--api-key", "0123456789abcdef0123456789abcdef")
    assert result.exit_code == 1
    no_traceback(result)
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    assert "0123456789abcdef" not in result.output


def test_unexpected_errors_are_one_line_unless_debug(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openfactura.resources.organization import Organization

    async def broken(self: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Organization, "get", broken)
    result = run("org")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: unexpected RuntimeError: boom (run with --debug for the traceback)"
    )
    debug = run("--debug", "org")
    assert isinstance(debug.exception, RuntimeError)


def test_port_in_use_is_one_line(clean_env: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("sandbox", "--port", port)
    assert result.exit_code == 1
    no_traceback(result)
    assert result.stderr == f"Error: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_bad_storage_paths_are_one_line(clean_env: Path, tmp_path: Path) -> None:
    port = closed_port()
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("these are not the rows you are looking for\n" * 100)
    cases = {
        tmp_path / "missing" / "state.db": "does not exist",
        tmp_path: "is a folder",
        not_sqlite: "cannot keep the sandbox's state there",
    }
    for storage, message in cases.items():
        result = invoke("sandbox", "--port", port, "--storage", storage)
        assert result.exit_code == 2, (storage, result.output)
        no_traceback(result)
        assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr


def test_demo_against_development_offline_is_one_line(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(
        openfactura._client.ENVIRONMENTS,  # type: ignore[attr-defined]
        "development",
        f"http://127.0.0.1:{closed_port()}",
    )
    monkeypatch.setattr(_common, "_CLIENT_OPTIONS", {"max_retries": 0})
    result = invoke("demo", "--env", "development", "--out", tmp_path / "out")
    assert result.exit_code == 1
    no_traceback(result)
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("Error: ")
    as_json = invoke("demo", "--env", "development", "--out", tmp_path / "out", "--json")
    assert json_out(as_json)["error"]["type"] == "APIConnectionError"
