"""The soak's verdict (``benchmarks/soak.py``), fed hand-made runs: what must fail fails.

The soak itself runs for minutes (``nox -s soak``, 2 minutes in CI); here only its
judgement is checked: resource growth between the first and last fifth, the
exactly-once witness, and the 429/overrun/unsettled rules.
"""

from __future__ import annotations

import collections
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from openfactura import RateLimit

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "soak.py"
MIB = 1024 * 1024


def load_soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak_script"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


soak = load_soak()


def samples(n: int = 100, **growth: float) -> list[Any]:
    """``n`` samples, flat with a little noise, plus ``growth`` per sample for some fields."""
    base = {"rss": 50 * MIB, "traced": 1 * MIB, "fds": 20, "sockets": 10, "threads": 9}
    noise = [0, 1, -1, 2, 0, -2, 1, 0]
    out = []
    for i in range(n):
        wobble = noise[i % len(noise)]
        values = {
            "rss": base["rss"] + wobble * 2 * MIB,
            "traced": base["traced"] + wobble * 50_000,
            "fds": base["fds"] + wobble,
            "sockets": base["sockets"] + wobble,
            "threads": base["threads"] + (1 if i % 7 == 0 else 0),  # a thread comes and goes
        }
        for name, per_sample in growth.items():
            values[name] += per_sample * i
        out.append(soak.Sample(at=float(i), **{k: int(v) for k, v in values.items()}))
    return out


def grown(result: list[Any]) -> set[str]:
    return {g.name for g in result if not g.ok}


def test_flat_resources_with_noise_pass() -> None:
    result = soak.judge_growth(samples())
    assert grown(result) == set()
    assert {g.name for g in result} == {"rss", "traced", "fds", "sockets", "threads"}


@pytest.mark.parametrize(
    ("field", "per_sample"),
    [
        ("traced", 80_000),  # 8 MB over the run: about 8 KiB a request at 1000 requests
        ("rss", 1 * MIB),
        ("sockets", 0.25),  # one more socket every 4 samples: a leak per fault
        ("fds", 0.25),
        ("threads", 0.1),  # a thread every 10 samples
    ],
)
def test_clear_growth_fails(field: str, per_sample: float) -> None:
    assert grown(soak.judge_growth(samples(**{field: per_sample}))) == {field}


def test_growth_is_measured_from_the_first_fifth_to_the_last() -> None:
    flat_then_jump = samples()
    for sample in flat_then_jump[-20:]:  # the last fifth only: 6 more sockets
        object.__setattr__(sample, "sockets", sample.sockets + 12)
    (sockets,) = [g for g in soak.judge_growth(flat_then_jump) if g.name == "sockets"]
    # first fifth's highest (10 + 2) against the last fifth's median (10 + 12)
    assert (sockets.first, sockets.last, sockets.ok) == (12.0, 22.0, False)


LEDGER = [("k1", "t1", 1), ("k2", "t2", 3), ("k3", "t3", 1)]


def test_exactly_once_holds_when_the_store_matches_the_ledger() -> None:
    assert soak.check_exactly_once(LEDGER, [("k1", "t1"), ("k3", "t3"), ("k2", "t2")]) == []


@pytest.mark.parametrize(
    ("documents", "problem"),
    [
        ([("k1", "t1"), ("k2", "t2"), ("k2", "t9"), ("k3", "t3")], "k2: sandbox holds"),
        ([("k1", "t1"), ("k3", "t3")], "k2: sandbox holds []"),
        ([("k1", "t1"), ("k2", "tX"), ("k3", "t3")], "the SDK returned t2"),
        ([("k1", "t1"), ("k2", "t2"), ("k3", "t3"), ("k4", "t4")], "no emission settled"),
        ([("k1", "t1"), ("k2", "t2"), ("k3", "t3"), (None, "t5")], "no emission settled"),
    ],
    ids=["duplicate", "missing", "other token", "unknown key", "no key"],
)
def test_exactly_once_catches(documents: list[tuple[str | None, str]], problem: str) -> None:
    problems = soak.check_exactly_once(LEDGER, documents)
    assert any(problem in p for p in problems), problems


def verdict(tmp_path: Path, **report: Any) -> Any:
    workload = soak.Workload(soak.Ledger(tmp_path / "ledger.tsv"), soak.Tally(), soak.Recent())
    for key, token, sends in LEDGER:
        workload.ledger.record(key, token, sends)
    full = {
        "documents": [(key, token) for key, token, _ in LEDGER],
        "requests": 300,
        "rate_limited": 0,
        "statuses": {200: 300},
        "overruns": [],
        "throttled": [],
    }
    full.update(report)
    config = soak.Config(windows=(RateLimit(3, 0.25), RateLimit(100, 15.0)))
    lines: list[str] = []
    return soak._verdict(
        config, workload, full, samples(), collections.Counter(), 45.0, lines.append
    )


def test_a_clean_run_passes(tmp_path: Path) -> None:
    assert verdict(tmp_path).ok


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        ({"rate_limited": 1, "throttled": ["GET /x at 1.0: 3/3 in 0.25s"]}, "answered 429"),
        ({"overruns": [(3, 0.25, 1.0, 4)]}, "window overruns"),
        ({"documents": [("k1", "t1"), ("k2", "t2")]}, "k3: sandbox holds []"),
    ],
    ids=["a 429", "an overrun", "a lost emission"],
)
def test_a_bad_run_fails(tmp_path: Path, report: dict[str, Any], problem: str) -> None:
    result = verdict(tmp_path, **report)
    assert not result.ok
    assert any(problem in p for p in result.problems), result.problems


def test_parse_windows() -> None:
    assert soak.parse_windows("3/0.25, 100/15") == (RateLimit(3, 0.25), RateLimit(100, 15.0))
