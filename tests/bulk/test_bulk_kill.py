"""A real ``openfactura bulk emit`` process killed with SIGKILL at random points, resumed each
time: every input is issued exactly once (the sandbox's store is the witness)."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from bulk_helpers import LIMITS, boleta, names
from cli_process import CliProcess

from openfactura import bulk
from openfactura.testing import FakeOpenfactura

DOCUMENTS = 300
KILLS = 10

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def batch_command(source: Path, journal: Path) -> tuple[object, ...]:
    """The command under test: one JSON line per outcome as it comes, then a summary."""
    return ("bulk", "emit", source, "--journal", journal, "--json")


def batch_env(fake: FakeOpenfactura, tmp_path: Path) -> dict[str, str]:
    """The sandbox's address and key, and its compressed limits for the client too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENFACTURA_")}
    env.update(
        OPENFACTURA_BASE_URL=fake.base_url,
        OPENFACTURA_API_KEY=fake.api_key,
        OPENFACTURA_CONFIG=str(tmp_path / "no-config.toml"),
        OPENFACTURA_RATE_LIMITS=",".join(f"{r.max_calls}/{r.period_seconds:g}" for r in LIMITS),
    )
    return env


def write_batch(path: Path) -> None:
    """300 boletas, one a line; every third has an id, the others are keyed by their line."""
    with path.open("w", encoding="utf-8") as fh:
        for n in range(DOCUMENTS):
            line: dict[str, object] = {"dte": boleta(f"item {n}", 1000 + n)}
            if n % 3 == 0:
                line["id"] = f"order-{n}"
            fh.write(json.dumps(line) + "\n")


def test_sigkill_at_random_points_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    source, journal = tmp_path / "batch.jsonl", tmp_path / "run.db"
    write_batch(source)
    kills = 0
    finished: list[dict[str, object]] = []
    with FakeOpenfactura(rate_limits=LIMITS) as fake:
        env = batch_env(fake, tmp_path)
        while len(finished) < 2:  # the last runs: to the end, then once more (nothing left)
            proc = CliProcess(env, *batch_command(source, journal))
            try:
                if kills < KILLS:
                    if rng.random() < 0.3:
                        time.sleep(rng.uniform(0.0, 0.7))  # anywhere, start-up included
                    else:
                        proc.wait_lines(rng.randint(1, 20))
                        time.sleep(rng.uniform(0.0, 0.02))
                    proc.send_signal(signal.SIGKILL)
                out, err = proc.finish(timeout=120)
            finally:
                proc.kill()
            if proc.returncode == -signal.SIGKILL:
                kills += 1
            else:
                assert proc.returncode == 0, f"seed {seed}: {err}"
                finished.append(json.loads(out.splitlines()[-1])["summary"])

        issued = Counter(names(fake))
        tokens = {doc.token: doc for doc in fake.documents}
        sent = sum(1 for r in fake.requests if r.path == "/v2/dte/document" and not r.rate_limited)
        rate_limited = sum(1 for r in fake.requests if r.rate_limited)
    assert kills >= KILLS
    # What was done before a kill is skipped, not sent again: only what was in flight at
    # each kill (at most `concurrency` documents) is re-sent.
    concurrency = 16  # default_concurrency() for these limits
    assert DOCUMENTS <= sent <= DOCUMENTS + kills * concurrency, f"seed {seed}: {sent} sent"
    assert issued == Counter(f"item {n}" for n in range(DOCUMENTS)), f"seed {seed}"
    assert finished[-1]["resumed"] == DOCUMENTS  # the last run found everything done
    assert finished[-1]["done"] == finished[-1]["total"] == DOCUMENTS
    with bulk.Journal(journal, read_only=True) as done:
        entries = list(done.entries())
        assert (
            done.summary().states.get("issued", 0) + done.summary().states.get("already_issued", 0)
            == DOCUMENTS
        )
    for entry in entries:  # every journaled token is the document of that very input
        assert entry.token in tokens, f"seed {seed}: {entry.key}"
        assert tokens[entry.token].dte["Detalle"][0]["NmbItem"] == f"item {entry.index}"
    print(f"seed {seed}: {kills} kills, {sent} emissions, {rate_limited} answered 429")
