"""The pip-audit gate (``scripts/audit.py``, run by ``nox -s audit`` and CI): a known
vulnerability fails, no access to the vulnerability service passes with "skipped: no
network", and a broken audit never passes silently. Fed with fake pip-audit results:
nothing here touches the network."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit.py"


def load_gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_gate", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_gate"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gate = load_gate()

CLEAN = {
    "dependencies": [
        {"name": "aiohttp", "version": "3.13.5", "vulns": []},
        {"name": "attrs", "version": "25.4.0", "vulns": []},
    ],
    "fixes": [],
}
VULNERABLE = {
    "dependencies": [
        {"name": "attrs", "version": "25.4.0", "vulns": []},
        {
            "name": "aiohttp",
            "version": "3.9.0",
            "vulns": [
                {
                    "id": "GHSA-5h86-8mv2-jq9f",
                    "fix_versions": ["3.9.2"],
                    "aliases": ["CVE-2024-23334"],
                    "description": "path traversal",
                }
            ],
        },
        {"name": "redis", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ],
    "fixes": [],
}
ALL_UNKNOWN = {  # a mirror answering 404 for every package: nothing was audited
    "dependencies": [
        {
            "name": name,
            "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)",
        }
        for name in ("aiohttp", "attrs", "cattrs")
    ],
    "fixes": [],
}
NO_DNS = textwrap.dedent(
    """\
    Traceback (most recent call last):
      File ".../pip_audit/_service/osv.py", line 70, in query
    requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443):
    Max retries exceeded with url: /v1/query (Caused by NameResolutionError("Failed to
    resolve 'api.osv.dev' ([Errno -2] Name or service not known)"))
    """
)
BLOCKED = (
    "ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed\n"
    "Tip: your network may be blocking this service. Try another service with `-s SERVICE`\n"
)


def run(returncode: int, stdout: Any = "", stderr: str = "") -> Any:
    text = stdout if isinstance(stdout, str) else json.dumps(stdout)
    return gate.AuditRun(returncode, text, stderr)


def test_a_known_vulnerability_fails() -> None:
    verdict = gate.judge(run(1, VULNERABLE))
    assert verdict.exit_code == 1
    assert "aiohttp 3.9.0: GHSA-5h86-8mv2-jq9f" in verdict.message
    assert "CVE-2024-23334" in verdict.message and "fixed in 3.9.2" in verdict.message


@pytest.mark.parametrize("stderr", [NO_DNS, BLOCKED], ids=["no DNS", "service blocked"])
def test_no_access_to_the_vulnerability_service_is_skipped(stderr: str) -> None:
    verdict = gate.judge(run(1, "", stderr))
    assert verdict.exit_code == 0
    assert verdict.message.startswith("skipped: no network")


def test_a_service_that_knows_no_package_audited_nothing_and_says_so() -> None:
    verdict = gate.judge(run(0, ALL_UNKNOWN))
    assert verdict.exit_code == 0
    assert verdict.message.startswith("skipped: no network")
    assert "none of the 3 packages" in verdict.message


def test_a_clean_report_passes_and_counts_the_packages() -> None:
    verdict = gate.judge(run(0, CLEAN))
    assert (verdict.exit_code, verdict.message) == (
        0,
        "ok: no known vulnerabilities in 2 packages",
    )


@pytest.mark.parametrize(
    "broken",
    [
        run(2, "", "usage: pip-audit [-h]\npip-audit: error: unrecognized arguments: --bogus"),
        run(1, "", "/usr/bin/python: No module named pip_audit"),
        run(1, "{not json", "Traceback ...\nKeyError: 'vulns'"),
    ],
    ids=["bad arguments", "not installed", "garbage"],
)
def test_a_broken_audit_never_passes(broken: Any) -> None:
    assert gate.judge(broken).exit_code == 2


def fake_pip_audit(tmp_path: Path, returncode: int, stdout: str, stderr: str = "") -> str:
    """A stand-in pip-audit: checks it is asked for a pinned JSON audit, answers as told."""
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import sys
            args = sys.argv[1:]
            assert "--format" in args and args[args.index("--format") + 1] == "json", args
            assert "--no-deps" in args and "--disable-pip" in args, args
            pins = open(args[args.index("--requirement") + 1]).read().split()
            assert pins and all("==" in pin for pin in pins), pins
            sys.stdout.write({stdout!r})
            sys.stderr.write({stderr!r})
            sys.exit({returncode})
            """
        )
    )
    return f"{sys.executable} {script}"


@pytest.mark.parametrize(
    ("returncode", "stdout", "stderr", "expected"),
    [
        (1, json.dumps(VULNERABLE), "", 1),
        (1, "", NO_DNS, 0),
        (0, json.dumps(CLEAN), "", 0),
    ],
    ids=["vulnerability", "no network", "clean"],
)
def test_the_gate_exit_code_end_to_end(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    returncode: int,
    stdout: str,
    stderr: str,
    expected: int,
) -> None:
    command = fake_pip_audit(tmp_path, returncode, stdout, stderr)
    assert gate.main(["--pip-audit", command]) == expected
    printed = capsys.readouterr().out
    assert "audit: " in printed and ("skipped: no network" in printed) == (
        expected == 0 and bool(stderr)
    )


def test_a_missing_pip_audit_is_an_error_not_a_pass(tmp_path: Path) -> None:
    assert gate.main(["--pip-audit", str(tmp_path / "no-such-pip-audit")]) == 2


def test_the_dependency_set_is_the_package_and_its_extras_not_the_dev_tools() -> None:
    pins = gate.dependency_set("openfactura", ["cli", "redis"])
    # from pyproject.toml: runtime dependencies, the cli extra, the redis extra
    for name in ("aiohttp", "attrs", "cattrs", "aiolimiter", "click", "rich", "redis"):
        assert pins[name] == metadata.version(name)
    assert "yarl" in pins and "multidict" in pins  # aiohttp's own dependencies, recursively
    for tool in ("pytest", "nox", "mypy", "ruff", "hypothesis", "openfactura"):
        assert tool not in pins
    assert "fpdf2" not in pins  # the testing extra was not asked for
    assert "fpdf2" in gate.dependency_set("openfactura", ["testing"])
    assert "click" in gate.dependency_set("openfactura", ["testing"])  # testing needs cli


def test_the_script_runs_as_ci_runs_it(tmp_path: Path) -> None:
    command = fake_pip_audit(tmp_path, 0, json.dumps(CLEAN))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--pip-audit", command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ok: no known vulnerabilities in 2 packages" in done.stdout
