"""mypy --strict sees the same events, hooks and budget on both clients."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_observability_types_pass_mypy_strict() -> None:
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run(
        [
            "--strict",
            "--ignore-missing-imports",
            "--follow-imports=silent",
            str(HERE / "check_observability_types.py"),
        ]
    )
    assert status == 0, out + err
