"""Soak: mixed traffic for minutes through both clients, one key, the sandbox's strict limits.

The sandbox runs in its own process (``FakeOpenfactura`` with strict sliding windows and
injected faults); this process runs the SDK only, so what is measured here is the SDK:

* async tasks on one event loop (``AsyncOpenfactura``) and threads sharing blocking clients
  (``Openfactura``), all with the same API key, hence one rate budget;
* every kind of call: emissions with an idempotency key, status, json, pdf, xml, waiting for
  the SII, lists, organization, folios, taxpayers, the registry, raw requests;
* time compressed: the API's windows (3 per 1 s and 100 per 60 s) become ``--windows``
  (default 3 per 0.25 s and 100 per 15 s) on the sandbox and the clients alike;
* faults now and then: 503s (a run of them beats the retries: ``OutcomeUnknownError``,
  re-sent with its key), a proxy's HTML 502, store-then-drop, slow answers.

It prints and checks:

* **0 × 429** from the strict windows, and no window overrun in the sandbox's admitted log;
* **every emission issued exactly once**, the sandbox's store as witness: one document per
  idempotency key, with the token the SDK returned (OutcomeUnknown ones re-sent with their
  key until settled; the ledger is kept on disk, not in this process's memory);
* **flat resources**: RSS, traced Python memory (tracemalloc, after a ``gc.collect()``),
  open file descriptors and sockets, and threads, compared between the first and the last
  fifth of the measured run (after a warm-up). The tolerances are far above the noise of a
  loaded machine; a leak of a socket per fault, a thread per call or a few KiB per request
  exceeds them.

Run: ``nox -s soak -- --minutes 30`` (default 10); CI: ``python benchmarks/soak.py --minutes 2``.
Exit status 0 when every check holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import gc
import itertools
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openfactura
from openfactura import RateLimit, dte

ISSUER = "76795561-8"
SUPPLIER = "76430498-5"
DEFAULT_WINDOWS = "3/0.25,100/15"

# -- the sandbox, in its own process --------------------------------------------------------

FAULTS = frozenset(
    {"fail_next", "proxy_502_next", "drop_after_store_next", "delay_next", "seed_received"}
)


def _sandbox_process(conn: Connection, limits: tuple[tuple[int, float], ...]) -> None:
    asyncio.run(_serve_sandbox(conn, limits))


async def _serve_sandbox(conn: Connection, limits: tuple[tuple[int, float], ...]) -> None:
    from openfactura.testing import FakeOpenfactura

    loop = asyncio.get_running_loop()
    windows = tuple(RateLimit(n, w) for n, w in limits)
    async with FakeOpenfactura(rate_limits=windows) as fake:
        conn.send((fake.base_url, fake.api_key))
        while True:
            command, arguments = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                conn.send(None)
                return
            if command == "report":
                conn.send(_report(fake))
            elif command in FAULTS:
                getattr(fake, command)(**arguments)
                conn.send(None)
            else:
                conn.send(ValueError(f"unknown command {command!r}"))


def _report(fake: Any) -> dict[str, Any]:
    statuses = collections.Counter(record.status for record in fake.requests)
    admitted = sorted(record.at for record in fake.requests if not record.rate_limited)
    throttled = []
    for record in fake.requests:
        if record.rate_limited:  # which window was full when it arrived
            full = [
                f"{sum(1 for a in admitted if record.at - w.period_seconds < a <= record.at)}"
                f"/{w.max_calls} in {w.period_seconds:g}s"
                for w in fake.rate_limits
            ]
            throttled.append(f"{record.method} {record.path} at {record.at:.3f}: {', '.join(full)}")
    return {
        "throttled": throttled,
        "documents": [(doc.idempotency_key, doc.token) for doc in fake.documents],
        "requests": len(fake.requests),
        "rate_limited": sum(record.rate_limited for record in fake.requests),
        "statuses": dict(statuses),
        "overruns": [
            (limit.max_calls, limit.period_seconds, start, count)
            for limit, start, count in fake.window_overruns()
        ],
    }


class Sandbox:
    """The sandbox process and its control pipe (thread-safe)."""

    def __init__(self, limits: Sequence[RateLimit]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        spec = tuple((limit.max_calls, limit.period_seconds) for limit in limits)
        self._process = ctx.Process(target=_sandbox_process, args=(child, spec), daemon=True)
        self._process.start()
        self._lock = threading.Lock()
        if not self._conn.poll(60):
            raise RuntimeError("the sandbox process did not start")
        self.base_url, self.api_key = self._conn.recv()

    def call(self, command: str, **arguments: Any) -> Any:
        with self._lock:
            self._conn.send((command, arguments))
            answer = self._conn.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


# -- the workload -------------------------------------------------------------------------------


def _factura() -> dte.Factura:
    emisor = dte.Emisor(
        rut_emisor=ISSUER,
        rzn_soc="HAULMER SPA",
        giro_emis="VENTA AL POR MENOR POR CORREO, POR INTERNET Y VIA TELEFONICA",
        acteco=[479100],
        dir_origen="ARTURO PRAT 527 CURICO",
        cmna_origen="Curicó",
        cdg_sii_sucur=81303347,
    )
    receptor = dte.Receptor(
        rut_recep=SUPPLIER,
        rzn_soc_recep="HOSTY SPA",
        giro_recep="ACTIVIDADES DE CONSULTORIA DE INFORMATIC",
        dir_recep="ARTURO PRAT 527",
        cmna_recep="Curicó",
    )
    line = dte.Detalle(nmb_item="Soak", qty_item=Decimal(2), prc_item=Decimal(1500))
    return dte.Factura.build(
        emisor=emisor, receptor=receptor, detalle=[line], fch_emis=dt.date.today()
    )


class Ledger:
    """Every emission this run settled, on disk: ``key<TAB>token<TAB>attempts``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._keys = itertools.count()
        self._prefix = f"soak-{os.getpid()}-{int(time.time())}"
        path.write_text("")

    def new_key(self) -> str:
        with self._lock:
            return f"{self._prefix}-{next(self._keys)}"

    def record(self, key: str, token: str, attempts: int) -> None:
        with self._lock, self.path.open("a") as out:
            out.write(f"{key}\t{token}\t{attempts}\n")

    def entries(self) -> list[tuple[str, str, int]]:
        rows = [line.split("\t") for line in self.path.read_text().splitlines() if line]
        return [(key, token, int(attempts)) for key, token, attempts in rows]


@dataclass
class Tally:
    """Counters shared by every worker (ints only: no growth)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    resent: int = 0
    replayed: int = 0
    unsettled: int = 0
    untyped: list[str] = field(default_factory=list)

    def count(self, name: str) -> None:
        with self.lock:
            self.calls[name] += 1

    def error(self, name: str, exc: BaseException) -> None:
        with self.lock:
            self.errors[f"{name}: {type(exc).__name__}"] += 1
            if not isinstance(exc, openfactura.OpenfacturaError) and len(self.untyped) < 20:
                self.untyped.append(f"{name}: {type(exc).__name__}: {exc}")


class Recent:
    """The last tokens issued (bounded), for the reads."""

    def __init__(self) -> None:
        self._tokens: collections.deque[str] = collections.deque(maxlen=64)
        self._lock = threading.Lock()

    def add(self, token: str) -> None:
        with self._lock:
            self._tokens.append(token)

    def pick(self, rng: random.Random) -> str | None:
        with self._lock:
            return rng.choice(self._tokens) if self._tokens else None


Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]
READS: list[tuple[str, int, Callable[[Any, str | None], Call | None]]] = [
    # (name, weight, call): the call gets the client and a recent token (None: skip)
    ("status", 14, lambda c, t: t and (c.documents.status, (t,), {})),
    ("json", 5, lambda c, t: t and (c.documents.get, (t,), {})),
    ("pdf", 3, lambda c, t: t and (c.documents.pdf, (t,), {})),
    ("xml", 3, lambda c, t: t and (c.documents.xml, (t,), {})),
    ("wait", 4, lambda c, t: t and (c.documents.wait, (t,), {"interval": 0.05, "timeout": 10})),
    ("issued", 5, lambda c, t: (c.documents.issued(tipo_dte=33).first_page, (), {})),
    ("received", 3, lambda c, t: (c.documents.received().first_page, (), {})),
    ("organization", 8, lambda c, t: (c.organization.get, (), {})),
    ("folios", 4, lambda c, t: (c.organization.folios, (), {})),
    ("taxpayer", 4, lambda c, t: (c.taxpayers.get, (SUPPLIER,), {})),
    ("sales", 4, lambda c, t: (c.registry.sales, (dt.date.today().year, 1), {})),
    ("request", 4, lambda c, t: (c.request, ("GET", "/v2/dte/organization"), {})),
]
EMIT_WEIGHT = 30
NAMES = ["emit"] + [name for name, _, _ in READS]
WEIGHTS = [EMIT_WEIGHT] + [weight for _, weight, _ in READS]
MAX_SENDS = 30


@dataclass
class Workload:
    ledger: Ledger
    tally: Tally
    recent: Recent
    factura: dte.Factura = field(default_factory=_factura)

    def pick(self, rng: random.Random) -> str:
        return rng.choices(NAMES, WEIGHTS)[0]

    def settled(self, key: str, result: Any, sends: int) -> None:
        self.ledger.record(key, result.token, sends)
        self.recent.add(result.token)
        with self.tally.lock:
            self.tally.resent += sends - 1
            self.tally.replayed += bool(result.replayed)

    async def emit_async(self, client: openfactura.AsyncOpenfactura) -> None:
        key = self.ledger.new_key()
        for sends in range(1, MAX_SENDS + 1):
            try:
                result = await client.documents.emit(self.factura, idempotency_key=key)
            except openfactura.OutcomeUnknownError as exc:
                self.tally.error("emit", exc)
                if exc.idempotency_key != key:
                    self.tally.untyped.append(f"OutcomeUnknownError without its key {key}")
                continue
            self.settled(key, result, sends)
            return
        with self.tally.lock:
            self.tally.unsettled += 1

    def emit_sync(self, client: openfactura.Openfactura) -> None:
        key = self.ledger.new_key()
        for sends in range(1, MAX_SENDS + 1):
            try:
                result = client.documents.emit(self.factura, idempotency_key=key)
            except openfactura.OutcomeUnknownError as exc:
                self.tally.error("emit", exc)
                if exc.idempotency_key != key:
                    self.tally.untyped.append(f"OutcomeUnknownError without its key {key}")
                continue
            self.settled(key, result, sends)
            return
        with self.tally.lock:
            self.tally.unsettled += 1

    def read(self, name: str, client: Any, rng: random.Random) -> Call | None:
        for read_name, _, make in READS:
            if read_name == name:
                return make(client, self.recent.pick(rng)) or None
        raise KeyError(name)

    async def async_worker(
        self, client: openfactura.AsyncOpenfactura, seed: int, stop: float
    ) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            name = self.pick(rng)
            try:
                if name == "emit":
                    await self.emit_async(client)
                else:
                    call = self.read(name, client, rng)
                    if call is None:
                        continue
                    fn, args, kwargs = call
                    await fn(*args, **kwargs)
                self.tally.count(name)
            except Exception as exc:
                self.tally.error(name, exc)

    def sync_worker(self, client: openfactura.Openfactura, seed: int, stop: float) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            name = self.pick(rng)
            try:
                if name == "emit":
                    self.emit_sync(client)
                else:
                    call = self.read(name, client, rng)
                    if call is None:
                        continue
                    fn, args, kwargs = call
                    fn(*args, **kwargs)
                self.tally.count(name)
            except Exception as exc:
                self.tally.error(name, exc)


async def prime(
    workload: Workload,
    client: openfactura.AsyncOpenfactura,
    blocking: openfactura.Openfactura,
    out: Callable[[str], None],
) -> None:
    """Every kind of call once, one at a time, before the load: the sandbox process loads
    its PDF and XML machinery now, not while stamping the arrivals of a busy window."""
    started = time.monotonic()
    await workload.emit_async(client)
    await asyncio.to_thread(workload.emit_sync, blocking)
    rng = random.Random(0)
    for name, _, _ in READS:
        for api in (client, blocking):
            call = workload.read(name, api, rng)
            assert call is not None
            fn, args, kwargs = call
            if api is client:
                await fn(*args, **kwargs)
            else:
                await asyncio.to_thread(fn, *args, **kwargs)
            workload.tally.count(name)
    out(
        f"primed: every kind of call once through both clients in {time.monotonic() - started:.1f}s"
    )


# -- faults --------------------------------------------------------------------------------------


def inject_faults(
    sandbox: Sandbox, every: float, stop: threading.Event, seed: int, max_retries: int
) -> collections.Counter[str]:
    """Every ``every`` seconds, one fault somewhere (returns what was injected)."""
    rng = random.Random(seed)
    done: collections.Counter[str] = collections.Counter()
    paths = ["/v2/dte/document", "/v2/dte/organization", "/v2/dte/taxpayer", None]
    plans: list[tuple[str, str, dict[str, Any]]] = [
        ("503", "fail_next", {"count": 1, "status": 503}),
        # an outage of the document routes longer than the client's retries: emissions in
        # flight end OutcomeUnknown and are re-sent with their key
        ("document outage", "fail_next", {"count": 4 * (max_retries + 1), "status": 503}),
        ("html 502", "proxy_502_next", {}),
        # stored, answer lost: the emission's retry is a replay (OF-06) of the same document
        ("store then drop", "drop_after_store_next", {"count": 2, "path": "/v2/dte/document"}),
        ("slow answer", "delay_next", {"seconds": 0.3}),
    ]
    while not stop.wait(every):
        label, command, arguments = rng.choice(plans)
        arguments = dict(arguments)
        arguments.setdefault("path", rng.choice(paths))
        if label == "document outage":
            arguments["path"] = "/v2/dte/document"
        sandbox.call(command, **arguments)
        done[label] += 1
    return done


# -- resources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    at: float
    rss: int
    traced: int
    fds: int
    sockets: int
    threads: int


def _rss() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak is the best we have
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _descriptors() -> tuple[int, int]:
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return -1, -1
    sockets = 0
    for name in names:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                sockets += 1
    return len(names), sockets


def take_sample(started: float) -> Sample:
    gc.collect()
    fds, sockets = _descriptors()
    return Sample(
        at=time.monotonic() - started,
        rss=_rss(),
        traced=tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else -1,
        fds=fds,
        sockets=sockets,
        threads=threading.active_count(),
    )


@dataclass(frozen=True)
class Growth:
    """One resource, first fifth of the run against the last fifth."""

    name: str
    first: float
    last: float
    allowed: float
    unit: str

    @property
    def grew(self) -> float:
        return self.last - self.first

    @property
    def ok(self) -> bool:
        return self.grew <= self.allowed


MIB = 1024 * 1024
TOLERANCES: dict[str, tuple[float, float, str]] = {
    # resource: (absolute allowance, allowance as a share of the first fifth, unit)
    "rss": (48 * MIB, 0.25, "MiB"),
    "traced": (4 * MIB, 0.25, "MiB"),
    "fds": (8, 0.25, ""),
    "sockets": (8, 0.25, ""),
    "threads": (2, 0.0, ""),
}


def judge_growth(samples: Sequence[Sample]) -> list[Growth]:
    """Median of the last fifth of the samples against the first fifth (for memory), or
    against the first fifth's highest value (for counts), within a generous tolerance."""
    fifth = max(1, len(samples) // 5)
    head, tail = samples[:fifth], samples[-fifth:]
    out = []
    for name, (absolute, share, unit) in TOLERANCES.items():
        first_values = [getattr(s, name) for s in head]
        last_values = [getattr(s, name) for s in tail]
        if min(first_values + last_values) < 0:
            continue  # not measurable on this platform
        first = statistics.median(first_values) if unit == "MiB" else float(max(first_values))
        last = float(statistics.median(last_values))
        out.append(Growth(name, first, last, max(absolute, share * first), unit))
    return out


# -- the witness --------------------------------------------------------------------------------


def check_exactly_once(
    ledger: Sequence[tuple[str, str, int]], documents: Sequence[tuple[str | None, str]]
) -> list[str]:
    """Problems found comparing the SDK's settled emissions with the sandbox's store."""
    problems = []
    by_key: dict[str | None, list[str]] = collections.defaultdict(list)
    for key, token in documents:
        by_key[key].append(token)
    keys = [key for key, _, _ in ledger]
    if len(set(keys)) != len(keys):
        problems.append("the ledger has a key twice")
    for key, token, _ in ledger:
        stored = by_key.get(key, [])
        if stored != [token]:
            problems.append(f"{key}: sandbox holds {stored}, the SDK returned {token}")
    extra = sorted(str(key) for key in set(by_key) - set(keys))
    if extra:
        problems.append(f"{len(extra)} document key(s) no emission settled: {extra[:5]}")
    return problems[:20]


# -- the run --------------------------------------------------------------------------------


@dataclass
class Config:
    seconds: float = 600.0
    warmup: float = 10.0
    tasks: int = 6
    threads: int = 4
    sync_clients: int = 2
    windows: tuple[RateLimit, ...] = (RateLimit(3, 0.25), RateLimit(100, 15.0))
    # The client's allowance for the spread between a request's send and the sandbox's
    # stamp of its arrival. The sandbox is a Python process on a (possibly loaded) CI
    # machine whose loop stamps arrivals when it gets to them: wider than a real network's
    # few tens of ms (the SDK's default), so it is set here, as the rate-limit guide says to.
    jitter: float = 0.1
    fault_every: float = 2.0
    max_retries: int = 3
    seed: int = 14
    check_growth: bool = True
    sample_every: float | None = None


@dataclass
class Result:
    ok: bool
    lines: list[str]
    report: dict[str, Any]
    growth: list[Growth]
    problems: list[str]


def run(config: Config, out: Callable[[str], None] = print) -> Result:
    """Run the soak; print the figures through ``out``; return the verdict."""
    sandbox = Sandbox(config.windows)
    workdir = Path(tempfile.mkdtemp(prefix="openfactura-soak-"))
    try:
        return asyncio.run(_run(config, sandbox, workdir, out))
    finally:
        sandbox.close()
        with contextlib.suppress(OSError):
            (workdir / "ledger.tsv").unlink()
            workdir.rmdir()


async def _run(
    config: Config, sandbox: Sandbox, workdir: Path, out: Callable[[str], None]
) -> Result:
    for n in range(3):
        sandbox.call(
            "seed_received",
            issuer_rut=SUPPLIER,
            issuer_name="HOSTY SPA",
            folio=100 + n,
            mnt_neto=1000 + n,
        )
    tracemalloc.start()
    workload = Workload(Ledger(workdir / "ledger.tsv"), Tally(), Recent())
    windows = ", ".join(f"{w.max_calls}/{w.period_seconds:g}s" for w in config.windows)
    out(
        f"soak: {config.seconds:g}s (+{config.warmup:g}s warm-up), {config.tasks} async tasks, "
        f"{config.threads} threads on {config.sync_clients} blocking client(s), one key, "
        f"windows {windows}, a fault every {config.fault_every:g}s, seed {config.seed}"
    )
    common: dict[str, Any] = {
        "base_url": sandbox.base_url,
        "limiter": openfactura.MemoryLimiter(config.windows, jitter=config.jitter),
        "max_retries": config.max_retries,
    }
    client = openfactura.AsyncOpenfactura(sandbox.api_key, **common)
    blocking = [
        openfactura.Openfactura(sandbox.api_key, **common) for _ in range(config.sync_clients)
    ]
    stop_faults = threading.Event()
    injected: collections.Counter[str] = collections.Counter()

    def faults() -> None:
        injected.update(
            inject_faults(sandbox, config.fault_every, stop_faults, config.seed, config.max_retries)
        )

    fault_thread = threading.Thread(target=faults, name="soak-faults", daemon=True)
    samples: list[Sample] = []
    every = config.sample_every or max(0.25, config.seconds / 200)
    try:
        await prime(workload, client, blocking[0], out)
        began = time.monotonic()
        measure_from = began + config.warmup
        stop = measure_from + config.seconds

        async def sampler() -> None:
            await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
            while time.monotonic() < stop:
                samples.append(take_sample(measure_from))
                await asyncio.sleep(every)
            samples.append(take_sample(measure_from))

        threads = [
            threading.Thread(
                target=workload.sync_worker,
                args=(blocking[i % len(blocking)], config.seed * 1000 + i, stop),
                name=f"soak-sync-{i}",
            )
            for i in range(config.threads)
        ]
        fault_thread.start()
        for thread in threads:
            thread.start()
        await asyncio.gather(
            sampler(),
            *(
                workload.async_worker(client, config.seed * 1000 + 500 + i, stop)
                for i in range(config.tasks)
            ),
        )
        for thread in threads:
            await asyncio.to_thread(thread.join)
    finally:
        stop_faults.set()
        if fault_thread.is_alive():
            fault_thread.join()
        await client.aclose()
        for sync_client in blocking:
            sync_client.close()
    elapsed = time.monotonic() - began
    tracemalloc.stop()
    report = sandbox.call("report")
    return _verdict(config, workload, report, samples, injected, elapsed, out)


def _verdict(
    config: Config,
    workload: Workload,
    report: dict[str, Any],
    samples: list[Sample],
    injected: collections.Counter[str],
    elapsed: float,
    out: Callable[[str], None],
) -> Result:
    tally = workload.tally
    ledger = workload.ledger.entries()
    problems: list[str] = []
    lines: list[str] = []
    binding = min(w.rate for w in config.windows)
    lines.append(
        f"requests seen by the sandbox: {report['requests']} in {elapsed:.1f}s "
        f"({report['requests'] / elapsed:.2f}/s, {report['requests'] / elapsed / binding:.0%} "
        f"of the tightest window's rate); statuses {dict(sorted(report['statuses'].items()))}"
    )
    lines.append(
        f"calls completed: {sum(tally.calls.values())} {dict(sorted(tally.calls.items()))}"
    )
    lines.append(f"faults injected: {sum(injected.values())} {dict(sorted(injected.items()))}")
    lines.append(f"errors seen by callers: {dict(sorted(tally.errors.items())) or 'none'}")
    lines.append(
        f"emissions settled: {len(ledger)} ({tally.resent} re-sent after OutcomeUnknownError, "
        f"{tally.replayed} replays); documents in the sandbox: {len(report['documents'])}"
    )
    lines.append(f"429 answers: {report['rate_limited']}; window overruns: {report['overruns']}")
    if report["rate_limited"]:
        problems.append(f"{report['rate_limited']} request(s) answered 429 by the strict windows")
        lines += [f"  429: {line}" for line in report["throttled"][:10]]
    if report["overruns"]:
        problems.append(f"window overruns: {report['overruns'][:5]}")
    if tally.unsettled:
        problems.append(f"{tally.unsettled} emission(s) still unknown after {MAX_SENDS} sends")
    if tally.untyped:
        problems.append(f"untyped errors: {tally.untyped}")
    unexpected = [
        name
        for name in tally.errors
        if not name.endswith(
            # what the injected faults cause once the client's retries are spent
            (
                "OutcomeUnknownError",
                "ServerError",
                "APIConnectionError",
                "APITimeoutError",
                "WaitTimeoutError",
            )
        )
    ]
    if unexpected:
        problems.append(f"errors no injected fault explains: {unexpected}")
    if not ledger:
        problems.append("no emission settled")
    problems += check_exactly_once(ledger, report["documents"])
    growth = judge_growth(samples) if samples else []
    lines.append(
        f"resources over {len(samples)} samples, first fifth -> last fifth of the run "
        "(memory: medians; counts: first fifth's highest -> last fifth's median):"
    )
    for g in growth:
        scale = MIB if g.unit == "MiB" else 1
        lines.append(
            f"  {g.name:8} {g.first / scale:9.2f} -> {g.last / scale:9.2f} {g.unit:3} "
            f"(grew {g.grew / scale:+.2f}, allowed {g.allowed / scale:.2f}) "
            + ("ok" if g.ok else "GREW")
        )
        if config.check_growth and not g.ok:
            problems.append(f"{g.name} grew by {g.grew / scale:.2f}{g.unit}")
    for line in lines:
        out(line)
    out("soak: OK" if not problems else "soak: FAILED\n  " + "\n  ".join(problems))
    return Result(not problems, lines, report, growth, problems)


def parse_windows(text: str) -> tuple[RateLimit, ...]:
    """``"3/0.25,100/15"`` -> ``(RateLimit(3, 0.25), RateLimit(100, 15.0))``."""
    limits = []
    for part in text.split(","):
        calls, _, seconds = part.strip().partition("/")
        limits.append(RateLimit(int(calls), float(seconds)))
    return tuple(limits)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="measured duration (default 10)")
    length.add_argument("--seconds", type=float, help="measured duration in seconds")
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default 10%%, ≤15)")
    parser.add_argument("--tasks", type=int, default=6, help="async tasks (default 6)")
    parser.add_argument("--threads", type=int, default=4, help="threads (default 4)")
    parser.add_argument("--sync-clients", type=int, default=2)
    parser.add_argument("--windows", default=DEFAULT_WINDOWS, help="calls/seconds,...")
    parser.add_argument(
        "--jitter", type=float, default=0.1, help="client's arrival allowance, s (default 0.1)"
    )
    parser.add_argument("--fault-every", type=float, default=2.0, help="seconds between faults")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else 60 * (args.minutes or 10.0)
    warmup = args.warmup if args.warmup is not None else min(15.0, max(2.0, seconds / 10))
    config = Config(
        seconds=seconds,
        warmup=warmup,
        tasks=args.tasks,
        threads=args.threads,
        sync_clients=args.sync_clients,
        windows=parse_windows(args.windows),
        jitter=args.jitter,
        fault_every=args.fault_every,
        seed=args.seed,
    )
    return 0 if run(config).ok else 1


if __name__ == "__main__":
    sys.exit(main())
