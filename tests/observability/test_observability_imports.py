"""OpenTelemetry is imported only by ``openfactura.otel``; events only when someone listens.

(``import openfactura``'s cost against its dependencies is printed by
benchmarks/bench_import.py; no test times it.)"""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; import sys; print(*sorted(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(out.stdout.split())


def test_import_and_a_client_load_nothing_of_observability() -> None:
    loaded = _modules_after("import openfactura; openfactura.AsyncOpenfactura('k' * 32)")
    assert not [m for m in loaded if m.startswith("opentelemetry")]
    observability = {"openfactura._events", "openfactura._observe", "openfactura.otel"}
    assert not observability & loaded


def test_hooks_and_resources_still_import_no_opentelemetry() -> None:
    code = (
        "import openfactura; c = openfactura.AsyncOpenfactura('k' * 32, on_event=print); "
        "c.documents; openfactura.RequestStarted"
    )
    loaded = _modules_after(code)
    assert "openfactura._events" in loaded
    assert not [m for m in loaded if m.startswith(("opentelemetry", "openfactura.otel"))]


def test_the_otel_module_is_where_opentelemetry_comes_in() -> None:
    loaded = _modules_after("import openfactura.otel")
    assert "opentelemetry.trace" in loaded and "opentelemetry.metrics" in loaded
    assert "opentelemetry.sdk" not in loaded  # the API only: the SDK is the application's
