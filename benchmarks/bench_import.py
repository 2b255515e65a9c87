"""Import-time benchmark: ``import openfactura`` against importing its runtime dependencies.

Each run is a fresh interpreter that times one import statement (interpreter start-up not
included), with bytecode already cached as an installed wheel has it. Runs are paired (the
SDK and its dependencies back to back, in alternating order) and the median of the
per-pair ratios is printed (target <= 1.10), then the SDK's own modules that cost the most.

Run: ``python benchmarks/bench_import.py [--pairs 21]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

DEPENDENCIES = "import aiohttp, attrs, cattrs, aiolimiter"
SDK = "import openfactura"

_TIMER = "import time; _t = time.perf_counter(); {statement}; print(time.perf_counter() - _t)"


def timed(statement: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement=statement)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


def own_modules() -> list[tuple[int, str]]:
    """``-X importtime`` self times (µs) of the openfactura modules an import loads."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", SDK], check=True, capture_output=True, text=True
    )
    rows = []
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and "openfactura" in parts[2]:
            rows.append((int(parts[0].split(":")[1]), parts[2].strip()))
    return sorted(rows, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=21)
    args = parser.parse_args()
    # Compile and cache the bytecode of everything first (as a wheel install does).
    subprocess.run([sys.executable, "-c", f"{SDK}; {DEPENDENCIES}"], check=True)
    ratios, sdk_times, dep_times = [], [], []
    for i in range(args.pairs):
        if i % 2:
            sdk, deps = timed(SDK), timed(DEPENDENCIES)
        else:
            deps, sdk = timed(DEPENDENCIES), timed(SDK)
        sdk_times.append(sdk)
        dep_times.append(deps)
        ratios.append(sdk / deps)
    print(
        f"[import] openfactura {statistics.median(sdk_times) * 1000:.1f} ms, its dependencies "
        f"({DEPENDENCIES[7:]}) {statistics.median(dep_times) * 1000:.1f} ms: ratio "
        f"{statistics.median(ratios):.3f} (median of {args.pairs} paired runs; target <= 1.10)"
    )
    modules = own_modules()
    print(
        f"[import] openfactura modules loaded by `import openfactura`: {len(modules)}; "
        "the costliest (self time): "
        + ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in modules[:5])
    )


if __name__ == "__main__":
    main()
