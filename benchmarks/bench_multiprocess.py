"""Many processes, one API key: achieved share of the budget and 429s, in-memory vs Redis.

Starts a local ``redis-server`` and a strict sliding-window API stand-in on loopback, then
runs 1, 4 and 8 OS processes that all call the API as fast as their limiter allows.
With the in-memory limiter each process believes it has the whole budget (429s); with
``RedisLimiter`` they share it (no 429, budget spent).

Run: ``python benchmarks/bench_multiprocess.py [--seconds 4]`` (needs ``redis-server``).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from redis_server import RedisServer
from redis_worker import hammer
from strict_server import StrictServer, steady_fraction

from openfactura import RateLimit

# The API's shape (a short and a long window), compressed: 3 per 0.1 s and 20 per 1 s.
LIMITS = (RateLimit(3, 0.1), RateLimit(20, 1.0))


async def run(processes: int, redis_url: str | None, seconds: float) -> tuple[float, int, int]:
    server = StrictServer(LIMITS)
    base = await server.start()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    specs = tuple((lim.max_calls, lim.period_seconds) for lim in LIMITS)
    # Default jitter allowance (30 ms): requests are counted when their headers leave, so
    # process scheduling between admission and send no longer needs a margin of its own.
    procs = [
        ctx.Process(target=hammer, args=(base, redis_url, specs, seconds, 3, results))
        for _ in range(processes)
    ]
    try:
        for proc in procs:
            proc.start()
        for proc in procs:
            await asyncio.to_thread(proc.join, 120)
    finally:
        await server.stop()
    for _ in procs:
        results.get(timeout=5)
    return steady_fraction(server.accepted, LIMITS[1]), server.rejected, len(server.accepted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed: apt-get install redis-server")
        return
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp))
        redis.start()
        try:
            print(
                f"limits {LIMITS[0].max_calls}/{LIMITS[0].period_seconds}s and "
                f"{LIMITS[1].max_calls}/{LIMITS[1].period_seconds}s shared by N processes"
            )
            print(
                f"{'processes':>9} | {'in-memory: budget  429s':>24} | {'Redis: budget  429s':>20}"
            )
            for n in (1, 4, 8):
                mem = asyncio.run(run(n, None, args.seconds))
                red = asyncio.run(run(n, redis.url, args.seconds))
                print(f"{n:>9} | {mem[0]:>17.2f} {mem[1]:>5} | {red[0]:>13.2f} {red[1]:>5}")
            print("budget = share of the long window's budget actually accepted by the server;")
            print("with in-memory limiters the extra attempts come back as 429s.")
        finally:
            redis.kill()


if __name__ == "__main__":
    main()
