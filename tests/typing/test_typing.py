"""mypy --strict must see the same signatures on the sync and async clients."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import openfactura

HERE = Path(__file__).parent


def test_assert_type_files_pass_mypy_strict() -> None:
    api = pytest.importorskip("mypy.api")
    files = sorted(str(p) for p in HERE.glob("check_*.py"))
    assert files
    out, err, status = api.run(["--strict", "--no-incremental", "--ignore-missing-imports", *files])
    assert status == 0, out + err


def _public_methods(obj: object) -> dict[str, inspect.Signature]:
    out = {}
    for name in dir(obj):
        if name.startswith("_"):
            continue
        value = getattr(obj, name)
        if callable(value) and not isinstance(value, type):
            out[name] = inspect.signature(value)
    return out


def test_sync_and_async_clients_have_the_same_surface() -> None:
    """Every namespace and method exists on both, with the same parameters."""
    key = "s" * 32
    a = openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:1")
    s = openfactura.Openfactura(key, base_url="http://127.0.0.1:1")
    try:
        # namespaces are cached properties (they have a .func)
        async_ns = {
            n
            for n in dir(type(a))
            if not n.startswith("_") and hasattr(getattr(type(a), n), "func")
        }
        sync_ns = {
            n
            for n in dir(type(s))
            if not n.startswith("_") and hasattr(getattr(type(s), n), "func")
        }
        assert async_ns == sync_ns and async_ns >= {"organization", "taxpayers"}
        for ns in sorted(async_ns):
            am = _public_methods(getattr(a, ns))
            sm = _public_methods(getattr(s, ns))
            assert am.keys() == sm.keys(), ns
            for name in am:
                assert list(am[name].parameters) == list(sm[name].parameters), f"{ns}.{name}"
        top_a = {k for k in _public_methods(a) if k != "aclose"}
        top_s = {k for k in _public_methods(s) if k != "close"}
        assert top_a == top_s
        assert list(inspect.signature(type(a)).parameters) == list(
            inspect.signature(type(s)).parameters
        )
    finally:
        s.close()
