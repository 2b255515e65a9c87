"""`import openfactura` stays light: models, types, resources and the converter load on
first use, and every public name is still there (its cost is printed by
benchmarks/bench_import.py; no test times it)."""

from __future__ import annotations

import subprocess
import sys

import openfactura

LAZY_PREFIXES = (
    "openfactura.dte",
    "openfactura.types",
    "openfactura.resources",
    "openfactura._converter",
    "openfactura._redis_limiter",
    "openfactura._sync",
    "openfactura.testing",
)


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; import sys; print(*sorted(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(out.stdout.split())


def test_import_loads_no_models_types_resources_or_converter() -> None:
    loaded = _modules_after("import openfactura")
    assert "openfactura._client" in loaded
    assert not [m for m in loaded if m.startswith(LAZY_PREFIXES)]
    assert "cattrs" not in loaded  # the converter (and its hooks) wait for the first call


def test_a_client_builds_without_them_and_a_namespace_loads_them() -> None:
    code = "import openfactura; c = openfactura.AsyncOpenfactura('k' * 32)"
    assert not [m for m in _modules_after(code) if m.startswith(LAZY_PREFIXES)]
    loaded = _modules_after(f"{code}; c.organization")
    assert "openfactura.resources.organization" in loaded


def test_every_public_name_is_importable_from_openfactura() -> None:
    from openfactura._redis_limiter import RedisLimiter
    from openfactura._rut import Rut
    from openfactura.types import DocumentStatus, Filter, OpenfacturaWarning

    for name in openfactura.__all__:
        assert getattr(openfactura, name) is not None, name
    assert openfactura.Rut is Rut
    assert openfactura.RedisLimiter is RedisLimiter
    assert (openfactura.DocumentStatus, openfactura.Filter, openfactura.OpenfacturaWarning) == (
        DocumentStatus,
        Filter,
        OpenfacturaWarning,
    )
    assert openfactura.dte.__name__ == "openfactura.dte"
    assert {"Rut", "dte", "types", "resources"} <= set(dir(openfactura))
    code = "from openfactura import " + ", ".join(openfactura.__all__)
    subprocess.run([sys.executable, "-c", code], check=True)
