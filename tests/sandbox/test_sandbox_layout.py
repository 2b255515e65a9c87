"""The sandbox's shape: one routes module per API area, mirroring ``openfactura/resources/``,
and rate limits of its own (from the reference, not from the SDK)."""

from __future__ import annotations

import ast
from pathlib import Path

import openfactura
from openfactura.testing import API_RATE_LIMITS, FakeOpenfactura

PACKAGE = Path(openfactura.__file__).parent
TESTING = PACKAGE / "testing"


def test_each_resource_module_has_its_routes_module() -> None:
    areas = {p.stem for p in (PACKAGE / "resources").glob("*.py") if not p.stem.startswith("_")}
    assert areas == {"documents", "organization", "registry", "self_service", "taxpayers"}
    routes = {p.stem for p in (TESTING / "_routes").glob("*.py") if not p.stem.startswith("_")}
    assert routes == areas


def test_the_server_module_holds_no_route() -> None:
    tree = ast.parse((TESTING / "_server.py").read_text(encoding="utf-8"))
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"add_get", "add_post", "add_route"}


def test_the_sandbox_does_not_take_its_limits_from_the_sdk() -> None:
    for path in TESTING.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert "DEFAULT_RATE_LIMITS" not in names, path


def test_the_default_limits_are_the_references() -> None:
    # Reference §1.4 (H): 3 requests per second and 100 per minute, per key.
    expected = [(3, 1.0), (100, 60.0)]
    assert [(lim.max_calls, lim.period_seconds) for lim in API_RATE_LIMITS] == expected
    fake = FakeOpenfactura()
    assert [(lim.max_calls, lim.period_seconds) for lim in fake.rate_limits] == expected
    fake.close()


def test_the_schema_rules_are_generated_from_the_current_xsds() -> None:
    import subprocess
    import sys

    script = PACKAGE.parent / "scripts" / "generate_sandbox_schema.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
