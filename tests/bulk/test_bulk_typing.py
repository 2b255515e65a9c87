"""mypy --strict sees the same results from emit_many, reconcile and wait on both clients."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_bulk_types_pass_mypy_strict() -> None:
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run(
        [
            "--strict",
            "--ignore-missing-imports",
            "--follow-imports=silent",
            str(HERE / "check_bulk_types.py"),
        ]
    )
    assert status == 0, out + err
