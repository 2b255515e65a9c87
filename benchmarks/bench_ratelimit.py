"""Rate-limit benchmark: how much of the API's budget the client spends, and never more.

Against a strict sliding-window server on loopback (``tests/support/strict_server.py``,
which answers 429 as the gateway does), it prints:

1. **one process**: 25 tasks, 250 calls, windows (3, 0.25 s) + (100, 15 s): 429s (target
   0), the most arrivals in any window (target: no overrun), the strict budget (target
   >= 0.97) and how far apart the first 3 arrivals are (target <= 60 ms);
2. **default limits** (3/s, 100/min): a burst of 30 calls after idle; server time from the
   first to the last arrival (target <= 10.3 s), 429s (target 0);
3. the same two **through a TLS proxy** that holds each new connection's handshake for a
   random 0-1 s (a certificate trusted for the run): 0 x 429 and no overrun;
4. **Redis**, 4 OS processes on one key, windows (3, 0.25 s) + (12, 6 s): 0 x 429, no
   overrun, budget >= 0.95; and the same with the default limits (about 70 s; skip it
   with ``--quick``);
5. **rate_limits=None**: a 429 whose body says "Try again in 3 seconds" keeps every other
   request of the key away from the server for 2.9 to 4.5 s.

The strict budget: (the span a perfect client needs for the same number of calls under the
same windows, bursts included) / (the measured first-to-last arrival span).

Run: ``python benchmarks/bench_ratelimit.py [--quick]`` (Redis parts need ``redis-server``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from strict_server import StrictServer, strict_budget

import openfactura
from openfactura import DEFAULT_RATE_LIMITS, RateLimit

KEY = "c" * 32
ONE_PROCESS = (RateLimit(3, 0.25), RateLimit(100, 15.0))
REDIS_LIMITS = (RateLimit(3, 0.25), RateLimit(12, 6.0))


def _windows(server: StrictServer) -> str:
    return ", ".join(
        f"{server.max_in_window(lim.period_seconds)}/{lim.max_calls} in {lim.period_seconds:g}s"
        for lim in server.limits
    )


def _overrun(server: StrictServer) -> bool:
    return any(server.max_in_window(lim.period_seconds) > lim.max_calls for lim in server.limits)


async def _calls(base_url: str, limits: Sequence[RateLimit], calls: int, tasks: int) -> int:
    """``calls`` calls from ``tasks`` tasks of one client; returns the 429s it got."""
    limited = 0
    counter = itertools.count()
    async with openfactura.AsyncOpenfactura(
        KEY, base_url=base_url, rate_limits=limits, max_retries=0
    ) as client:

        async def worker() -> None:
            nonlocal limited
            while next(counter) < calls:
                try:
                    await client.request("GET", "/v2/dte/organization")
                except openfactura.RateLimitError:
                    limited += 1

        await asyncio.gather(*(worker() for _ in range(tasks)))
    return limited


async def _with_server(
    limits: Sequence[RateLimit], calls: int, tasks: int, proxy: object | None = None
) -> tuple[StrictServer, int]:
    server = StrictServer(limits)
    base = await server.start()
    try:
        if proxy is not None:
            from tls_proxy import HandshakeDelayProxy

            assert isinstance(proxy, HandshakeDelayProxy)
            host, port = base.split("//")[1].split(":")
            proxy.target = (host, int(port))
            base = await proxy.start()
        try:
            limited = await _calls(base, limits, calls, tasks)
        finally:
            if proxy is not None:
                await proxy.stop()
    finally:
        await server.stop()
    return server, limited


async def one_process(label: str = "", proxy: object | None = None) -> None:
    server, limited = await _with_server(ONE_PROCESS, 250, 25, proxy)
    accepted = server.accepted
    first3 = (accepted[2] - accepted[0]) * 1000
    print(
        f"[one process{label}] 25 tasks, 250 calls, (3, 0.25 s) + (100, 15 s): "
        f"{len(accepted)} accepted in {accepted[-1] - accepted[0]:.2f}s; 429s: "
        f"{server.rejected + limited} (target 0); max in a window: {_windows(server)}"
        f"{' OVERRUN' if _overrun(server) else ''}; strict budget "
        f"{strict_budget(accepted, ONE_PROCESS):.3f} (target >= 0.97); first 3 arrivals "
        f"within {first3:.1f} ms (target <= 60{', not expected: new handshakes' if label else ''})"
    )


async def default_burst(label: str = "", proxy: object | None = None) -> None:
    server, limited = await _with_server(DEFAULT_RATE_LIMITS, 30, 30, proxy)
    accepted = server.accepted
    print(
        f"[defaults{label}] burst of 30 after idle: server time {accepted[-1] - accepted[0]:.2f}s "
        f"(target <= 10.3; strict budget {strict_budget(accepted, DEFAULT_RATE_LIMITS):.3f}); "
        f"429s: {server.rejected + limited} (target 0); max in a window: {_windows(server)}"
        f"{' OVERRUN' if _overrun(server) else ''}"
    )


async def pause_without_limiter() -> None:
    """rate_limits=None; the first request after 0.5 s gets 'Try again in 3 seconds'.

    Six tasks, 8 ms apart, each sending its next request when the previous one returns
    (50 ms): without a pause of the key, the next request would arrive within 8 ms."""
    arrivals: list[float] = []
    rejected: list[float] = []
    started = time.monotonic()

    async def handle(request: web.Request) -> web.Response:
        now = time.monotonic()
        arrivals.append(now)
        if not rejected and now >= started + 0.5:
            rejected.append(now)
            return web.json_response(
                {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 3 seconds."},
                status=429,
            )
        await asyncio.sleep(0.05)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/v2/dte/organization", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stop_at = started + 5.0
    try:
        async with openfactura.AsyncOpenfactura(
            KEY, base_url=f"http://127.0.0.1:{port}", rate_limits=None
        ) as client:

            async def worker(k: int) -> None:
                await asyncio.sleep(0.008 * k)  # staggered: no two requests leave together
                while time.monotonic() < stop_at:
                    await client.request("GET", "/v2/dte/organization")

            await asyncio.gather(*(worker(k) for k in range(6)))
    finally:
        await runner.cleanup()
    t429 = rejected[0]
    gap = min(t for t in arrivals if t > t429) - t429
    print(
        f"[429 pause, rate_limits=None] 6 tasks, 'Try again in 3 seconds': no request of the "
        f"key reached the server for {gap:.2f}s after the 429 (target 2.9 to 4.5)"
    )


# -- TLS: a child process that trusts the proxy's throwaway CA ------------------------------


def tls_runs() -> None:
    from tls_proxy import make_certificates

    with tempfile.TemporaryDirectory() as tmp:
        ca_file = make_certificates(Path(tmp))
        # aiohttp builds its default SSL context when imported: a child process that trusts
        # the throwaway CA from its start (SSL_CERT_FILE), and nothing else is touched.
        env = {**os.environ, "SSL_CERT_FILE": str(ca_file), "OPENFACTURA_BENCH_CERTS": tmp}
        subprocess.run([sys.executable, __file__, "--tls-child"], env=env, check=True)


def tls_child() -> None:
    from tls_proxy import HandshakeDelayProxy, server_context

    context = server_context(Path(os.environ["OPENFACTURA_BENCH_CERTS"]))

    async def both() -> None:
        for seed, run in ((1, one_process), (2, default_burst)):
            proxy = HandshakeDelayProxy(("127.0.0.1", 0), context, max_delay=1.0, seed=seed)
            await run(" via TLS proxy, 0-1 s handshakes", proxy)
            print(
                f"    ({len(proxy.delays)} new connections, handshake delays "
                f"{min(proxy.delays):.2f}-{max(proxy.delays):.2f}s)"
            )

    asyncio.run(both())


# -- Redis: 4 processes, one key ------------------------------------------------------------


async def redis_processes(
    redis_url: str, limits: Sequence[RateLimit], calls: int, label: str
) -> None:
    from redis_worker import burst

    server = StrictServer(limits)
    base = await server.start()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    go = ctx.Event()
    readies = [ctx.Event() for _ in range(4)]
    specs = tuple((lim.max_calls, lim.period_seconds) for lim in limits)
    per_process = calls // 4
    procs = [
        ctx.Process(target=burst, args=(base, redis_url, specs, per_process, 3, ready, go, results))
        for ready in readies
    ]
    try:
        for proc in procs:
            proc.start()
        for ready in readies:
            await asyncio.to_thread(ready.wait, 120)
        go.set()
        for proc in procs:
            await asyncio.to_thread(proc.join, 600)
    finally:
        await server.stop()
    outcomes = [results.get(timeout=5) for _ in procs]
    limited = sum(limited for _, limited in outcomes)
    accepted = server.accepted
    print(
        f"[redis {label}] 4 processes x 3 tasks, {per_process * 4} calls: "
        f"{len(accepted)} accepted in {accepted[-1] - accepted[0]:.2f}s; 429s: "
        f"{server.rejected + limited} (target 0); max in a window: {_windows(server)}"
        f"{' OVERRUN' if _overrun(server) else ''}; strict budget "
        f"{strict_budget(accepted, limits):.3f} (target >= 0.95)"
    )


def redis_runs(quick: bool) -> None:
    if shutil.which("redis-server") is None:
        print("[redis] skipped: redis-server is not installed (apt-get install redis-server)")
        return
    from redis_server import RedisServer

    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp))
        redis.start()
        try:
            asyncio.run(redis_processes(redis.url, REDIS_LIMITS, 60, "(3, 0.25 s) + (12, 6 s)"))
            if not quick:
                asyncio.run(redis_processes(redis.url, DEFAULT_RATE_LIMITS, 112, "defaults"))
        finally:
            redis.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the long Redis defaults run")
    parser.add_argument(
        "--only",
        choices=["one", "defaults", "tls", "redis", "pause"],
        action="append",
        help="run only these parts (repeatable)",
    )
    parser.add_argument("--tls-child", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.tls_child:
        tls_child()
        return
    parts = set(args.only or ["one", "defaults", "tls", "redis", "pause"])
    if "one" in parts:
        asyncio.run(one_process())
    if "defaults" in parts:
        asyncio.run(default_burst())
    if "tls" in parts:
        tls_runs()
    if "redis" in parts:
        redis_runs(args.quick)
    if "pause" in parts:
        asyncio.run(pause_without_limiter())


if __name__ == "__main__":
    main()
