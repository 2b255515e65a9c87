"""Developer sessions: ``nox -s tests lint typecheck docs bench`` (``soak`` for the long runs)."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (the README's test command)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


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


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script; each prints its figures."""
    session.install("-e", ".[bench]")
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        session.log(f"== {script.name}")
        session.run("python", str(script), *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
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
