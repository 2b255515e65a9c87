"""Developer sessions: ``nox -s tests lint typecheck docs bench`` (``soak`` and ``fuzz`` for
the long runs, ``audit`` for known vulnerabilities in the dependencies, ``fresh_project`` for
the pytest plugin in a new project with only ``openfactura[testing]``).

``nox -s compat`` runs the timing-sensitive tests (deadlines, your own timeout,
cancellation, emission outcomes, the blocking facade) on every Python the package claims
that is installed here; a missing interpreter is skipped, not failed.
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
# A missing interpreter skips its session (nox would fail it when CI=true).
nox.options.error_on_missing_interpreters = False

ROOT = Path(__file__).parent

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
"""Every version in pyproject's classifiers (requires-python >= 3.10)."""


def _find_interpreters() -> None:
    """Put pyenv-installed interpreters (``$PYENV_ROOT/versions/3.X.Y``) on PATH for nox."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    extra = []
    for version in PYTHONS:
        on_path = shutil.which(f"python{version}")
        if on_path and "shims" not in Path(on_path).parts:  # a pyenv shim may not run it
            continue
        found = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin")))
        if found:
            extra.append(found[-1])
    if extra:
        os.environ["PATH"] = os.pathsep.join([*extra, os.environ.get("PATH", "")])


_find_interpreters()

COMPAT_TESTS = [
    "tests/foundation",
    "tests/api/test_api_emission.py",
    "tests/api/test_api_sync.py",
    "tests/faults",
]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (the README's test command)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=PYTHONS)
def compat(session: nox.Session) -> None:
    """Deadlines, cancellation and emission outcomes on each interpreter (missing: skipped)."""
    session.install("-e", ".[test]")
    session.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *COMPAT_TESTS, *session.posargs
    )


@nox.session
def fuzz(session: nox.Session) -> None:
    """Long fuzzing: every property of tests/fuzz with OPENFACTURA_FUZZ_EXAMPLES examples
    each (default 5000; the default test command runs a few hundred)."""
    session.install("-e", ".[test]")
    examples = os.environ.get("OPENFACTURA_FUZZ_EXAMPLES", "5000")
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "tests/fuzz",
        *session.posargs,
        env={"OPENFACTURA_FUZZ_EXAMPLES": examples},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "openfactura")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly: a warning (bad link, missing docstring) fails."""
    session.install("-e", ".[docs]")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(ROOT / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session(reuse_venv=False)  # a new virtualenv every time: nothing left from a run before
def fresh_project(session: nox.Session) -> None:
    """The pytest plugin in a new project with only ``openfactura[testing]`` installed.

    A new virtualenv gets the package from a built wheel (not editable) with the ``testing``
    extra and nothing else; scripts/fresh_project.py then writes the project that
    docs/guides/testing.md shows (configuration, application module, async and blocking
    tests) into an empty directory and runs its pytest. Any failure fails the session.
    """
    session.install(f"{ROOT}[testing]")
    session.run("python", str(ROOT / "scripts" / "fresh_project.py"), *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script; each prints its figures."""
    session.install("-e", ".[bench]")
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        session.log(f"== {script.name}")
        session.run("python", str(script), *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """Mixed traffic through both clients against the sandbox in its own process, in
    compressed time, with faults: 0 x 429, every emission exactly once, memory, sockets and
    threads flat. ``nox -s soak -- --minutes 30`` (default 10; CI runs ``--minutes 2``)."""
    session.install("-e", ".[testing]")
    session.run("python", str(ROOT / "benchmarks" / "soak.py"), *session.posargs)


@nox.session
def soak_limits(session: nox.Session) -> None:
    """Long rate-limit soak against the strict local server with the real limits (minutes)."""
    session.install("-e", ".[bench]")
    session.run(
        "python",
        str(ROOT / "benchmarks" / "bench_transport.py"),
        "--requests",
        "200",
        "--budget-seconds",
        "300",
    )


@nox.session
def audit(session: nox.Session) -> None:
    """pip-audit of the dependency set (openfactura[cli,testing,redis] as installed): a known
    vulnerability fails; no access to the vulnerability service prints "skipped: no
    network" and passes. ``nox -s audit -- --service osv`` asks OSV instead of PyPI."""
    session.install("-e", ".[cli,testing,redis]", "pip-audit")
    session.run("python", str(ROOT / "scripts" / "audit.py"), *session.posargs)
