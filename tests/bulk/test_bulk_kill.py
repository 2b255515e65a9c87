"""A real batch process killed with SIGKILL at random points, resumed each time: every input
is issued exactly once (the sandbox's store is the witness)."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import LIMITS, boleta, names

from openfactura import bulk
from openfactura.testing import FakeOpenfactura

WORKER = Path(__file__).with_name("bulk_worker.py")
DOCUMENTS = 300
KILLS = 10

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def worker_command(base_url: str, source: Path, journal: Path) -> list[str]:
    """The batch command under test (later: ``openfactura bulk emit``)."""
    return [sys.executable, str(WORKER), base_url, str(source), str(journal)]


def write_batch(path: Path) -> None:
    """300 boletas, one a line; every third has an id, the others are keyed by their line."""
    with path.open("w", encoding="utf-8") as fh:
        for n in range(DOCUMENTS):
            line: dict[str, object] = {"dte": boleta(f"item {n}", 1000 + n)}
            if n % 3 == 0:
                line["id"] = f"order-{n}"
            fh.write(json.dumps(line) + "\n")


def read_lines(proc: subprocess.Popen[str], count: int, timeout: float = 60.0) -> int:
    """Read up to ``count`` outcome lines; fewer if the process ends first."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    got = 0
    while got < count:
        ready, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            raise AssertionError("the batch process stopped making progress")
        if not proc.stdout.readline():
            break  # it ended
        got += 1
    return got


def test_sigkill_at_random_points_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    source, journal = tmp_path / "batch.jsonl", tmp_path / "run.db"
    write_batch(source)
    env = {**os.environ, "OPENFACTURA_API_KEY": ""}
    kills = finished = 0
    with FakeOpenfactura(rate_limits=LIMITS) as fake:
        env["OPENFACTURA_API_KEY"] = fake.api_key
        command = worker_command(fake.base_url, source, journal)
        while finished < 2:  # the last runs: to the end, then once more (nothing left)
            proc = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )
            try:
                if kills < KILLS:
                    if rng.random() < 0.3:
                        time.sleep(rng.uniform(0.0, 0.7))  # anywhere, start-up included
                    else:
                        read_lines(proc, rng.randint(1, 20))
                        time.sleep(rng.uniform(0.0, 0.02))
                    proc.send_signal(signal.SIGKILL)
                _, err = proc.communicate(timeout=120)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if proc.returncode == -signal.SIGKILL:
                kills += 1
            else:
                assert proc.returncode == 0, f"seed {seed}: {err}"
                finished += 1

        issued = Counter(names(fake))
        tokens = {doc.token: doc for doc in fake.documents}
        sent = sum(1 for r in fake.requests if r.path == "/v2/dte/document" and not r.rate_limited)
    assert kills >= KILLS
    # What was done before a kill is skipped, not sent again: only what was in flight at
    # each kill (at most `concurrency` documents) is re-sent.
    concurrency = 16  # default_concurrency() for these limits
    assert DOCUMENTS <= sent <= DOCUMENTS + kills * concurrency, f"seed {seed}: {sent} sent"
    assert issued == Counter(f"item {n}" for n in range(DOCUMENTS)), f"seed {seed}"
    with bulk.Journal(journal, read_only=True) as done:
        entries = list(done.entries())
        assert (
            done.summary().states.get("issued", 0) + done.summary().states.get("already_issued", 0)
            == DOCUMENTS
        )
    for entry in entries:  # every journaled token is the document of that very input
        assert entry.token in tokens, f"seed {seed}: {entry.key}"
        assert tokens[entry.token].dte["Detalle"][0]["NmbItem"] == f"item {entry.index}"
