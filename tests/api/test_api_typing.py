"""mypy --strict sees the same result types on the sync and async clients."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def test_api_result_types_pass_mypy_strict() -> None:
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run(
        [
            "--strict",
            "--ignore-missing-imports",
            "--follow-imports=silent",
            str(HERE / "check_api_types.py"),
        ]
    )
    assert status == 0, out + err
