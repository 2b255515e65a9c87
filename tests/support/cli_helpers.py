"""Fixtures of the command-line tests: a sandbox on its own thread and a runner pointed at it.

``run(*args)`` invokes the ``openfactura`` command in-process (click's ``CliRunner``) with
``OPENFACTURA_BASE_URL``/``OPENFACTURA_API_KEY`` set to the sandbox, no config file, and
the rate limits off on both sides so a suite of commands takes seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from openfactura.cli import _common
from openfactura.cli._app import cli
from openfactura.testing import FakeOpenfactura

DEMO_KEY = "928e15a2d14d4a6292345f04960f4bd3"

Run = Callable[..., Result]


@pytest.fixture
def fake() -> Iterator[FakeOpenfactura]:
    with FakeOpenfactura(rate_limits=None) as sandbox:
        yield sandbox


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No OPENFACTURA_* variable from the machine; the config file is ``tmp/config.toml``."""
    for name in (
        "OPENFACTURA_API_KEY",
        "OPENFACTURA_ENV",
        "OPENFACTURA_BASE_URL",
        "OPENFACTURA_CONFIG",
        "OPENFACTURA_RATE_LIMITS",
    ):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("OPENFACTURA_CONFIG", str(config))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(_common, "_CLIENT_OPTIONS", {"rate_limits": None})
    return config


@pytest.fixture
def run(
    fake: FakeOpenfactura, clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Run:
    monkeypatch.setenv("OPENFACTURA_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENFACTURA_API_KEY", DEMO_KEY)
    monkeypatch.chdir(tmp_path)

    def invoke(*args: Any, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], input=input, prog_name="openfactura")

    return invoke


def json_out(result: Result) -> Any:
    """stdout parsed as one JSON document (it must hold nothing else)."""
    return json.loads(result.stdout)


def no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
