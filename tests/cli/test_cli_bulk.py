"""``openfactura bulk emit|resume|report|reconcile|wait`` end to end against the sandbox.

The sandbox's document store is the witness of what was emitted; ``--json`` output is
parsed line by line (one object per outcome, then ``{"summary": ...}``). Interruptions
are real: SIGINT sent to an ``openfactura bulk emit`` process while the sandbox holds
some of its emissions in flight, then a resume that must issue every input exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import pty
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cli_helpers import DEMO_KEY, Run, no_traceback
from cli_process import CliProcess
from click.testing import CliRunner, Result
from examples import BOLETA

from openfactura import RateLimit, bulk
from openfactura.cli import _common
from openfactura.cli._app import cli
from openfactura.testing import FakeOpenfactura

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
EMISSIONS = "/v2/dte/document"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")


# -- helpers --------------------------------------------------------------------------------


def boleta(name: str, amount: int) -> dict[str, Any]:
    """A valid boleta with one line named ``name``; totals by hand: a gross price P splits
    into neto round(P / 1.19) and IVA P - neto."""
    dte = copy.deepcopy(BOLETA["dte"])
    dte["Detalle"][0].update(NmbItem=name, PrcItem=amount, MontoItem=amount)
    neto = round(amount / 1.19)
    dte["Encabezado"]["Totales"] = {
        "MntNeto": neto,
        "IVA": amount - neto,
        "MntTotal": amount,
        "TotalPeriodo": amount,
        "VlrPagar": amount,
    }
    return dte


def write_batch(path: Path, count: int, *, ids: bool = True) -> Path:
    """``count`` boletas named ``item N``; with ``ids`` every other one has ``order-N``."""
    with path.open("w", encoding="utf-8") as fh:
        for n in range(count):
            line: dict[str, Any] = {"dte": boleta(f"item {n}", 1000 + n)}
            if ids and n % 2 == 0:
                line["id"] = f"order-{n}"
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


def names(fake: FakeOpenfactura) -> Counter[str]:
    """How many documents the sandbox issued per first-line name."""
    return Counter(doc.dte["Detalle"][0]["NmbItem"] for doc in fake.documents)


def emissions(fake: FakeOpenfactura) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == EMISSIONS)


def json_lines(text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Outcome objects and the final summary of a ``--json`` run (every line must parse)."""
    objects = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert objects and "summary" in objects[-1], text
    outcomes = objects[:-1]
    assert all("kind" in o for o in outcomes), text
    return outcomes, objects[-1]["summary"]


def journal_states(path: Path) -> Counter[str]:
    with bulk.Journal(path, read_only=True) as journal:
        return Counter(entry.state for entry in journal.entries())


# -- in-process runs against the conftest sandbox (no rate limits) ---------------------------


def test_emit_json_lines_the_witness_agrees_and_a_rerun_sends_nothing(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    jsonl = run("bulk", "emit", EXAMPLES / "bulk-documents.jsonl", "--journal", "j.db", "--json")
    assert jsonl.exit_code == 0, jsonl.output
    outcomes, summary = json_lines(jsonl.stdout)
    by_key = {doc.idempotency_key: doc for doc in fake.documents}
    examples = (EXAMPLES / "bulk-documents.jsonl").read_text(encoding="utf-8").splitlines()
    expected_ids = [json.loads(line).get("id") for line in examples]
    assert Counter(o["id"] for o in outcomes) == Counter(expected_ids)  # some have none
    for outcome in outcomes:
        assert outcome["kind"] == "issued" and not outcome["resumed"]
        assert by_key[outcome["key"]].token == outcome["token"]
        assert by_key[outcome["key"]].folio == outcome["folio"]
    assert summary["total"] == summary["done"] == summary["issued"] == len(expected_ids)
    assert summary["exit_code"] == 0 and summary["interrupted"] is False

    csv = run("bulk", "emit", EXAMPLES / "bulk-documents.csv", "--journal", "c.db", "--json")
    assert csv.exit_code == 0, csv.output
    csv_outcomes, _ = json_lines(csv.stdout)
    assert sorted(o["id"] for o in csv_outcomes) == [f"invoice-200{n}" for n in range(1, 5)]
    assert len(fake.documents) == len(expected_ids) + 4

    sent = emissions(fake)
    again = run("bulk", "emit", EXAMPLES / "bulk-documents.jsonl", "--journal", "j.db", "--json")
    assert again.exit_code == 0, again.output
    repeat, summary = json_lines(again.stdout)
    assert {o["token"] for o in repeat} == {o["token"] for o in outcomes}
    assert all(o["resumed"] for o in repeat) and summary["resumed"] == len(repeat)
    assert emissions(fake) == sent  # nothing was sent again


def test_human_output_summary_table_no_progress_bar_off_a_terminal(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    source = write_batch(tmp_path / "b.jsonl", 12)
    result = run("bulk", "emit", source, "--journal", "run.db", "--output", "results.jsonl")
    assert result.exit_code == 0, result.output
    no_traceback(result)
    assert "Bulk emission" in result.stdout
    assert "│ Issued           │ 12 " in result.stdout
    assert "│ Done             │ 12 of 12 " in result.stdout
    assert "Emitting" not in result.output and "ETA" not in result.output  # no bar
    assert "━" not in result.output
    written = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert sorted(o["token"] for o in written) == sorted(d.token for d in fake.documents)
    assert names(fake) == Counter(f"item {n}" for n in range(12))

    # --output -: the outcome lines own stdout, the table goes to stderr.
    dash = run("bulk", "resume", "--journal", "run.db", "--output", "-")
    assert dash.exit_code == 0, dash.output
    lines = [json.loads(line) for line in dash.stdout.splitlines()]
    assert len(lines) == 12 and all(o["resumed"] for o in lines)
    assert "Bulk emission" in dash.stderr and "│ From the journal │ 12 " in dash.stderr


def test_invalid_documents_exit_3_listed_in_the_summary_and_the_report(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    bad_total = boleta("bad total", 2000)
    bad_total["Encabezado"]["Totales"]["MntTotal"] = 1999
    lines = [
        json.dumps({"id": "ok-1", "dte": boleta("good one", 1500)}),
        "{not json",
        json.dumps({"id": "bad-2", "dte": bad_total}),
        json.dumps({"id": "ok-3", "dte": boleta("good two", 2500)}),
    ]
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run("bulk", "emit", source, "--journal", "run.db", "--json")
    assert result.exit_code == 3, result.output
    outcomes, summary = json_lines(result.stdout)
    kinds = {o["line"]: o["kind"] for o in outcomes}
    assert kinds == {1: "issued", 2: "invalid", 3: "invalid", 4: "issued"}
    bad = next(o for o in outcomes if o["line"] == 3)
    assert any("MntTotal" in field for field, _ in bad["problems"])
    assert summary["invalid"] == 2 and summary["issued"] == 2 and summary["exit_code"] == 3
    assert names(fake) == Counter({"good one": 1, "good two": 1})  # the others never left

    human = run("bulk", "emit", source, "--journal", "run.db")
    assert human.exit_code == 3
    assert "Not issued" in human.stdout and "MntTotal" in human.stdout
    assert "not JSON" in human.stdout
    assert "openfactura bulk report --journal run.db --state invalid" in human.stderr

    report = run("bulk", "report", "--journal", "run.db", "--json")
    assert report.exit_code == 0, report.output
    data = json.loads(report.stdout)
    assert data["summary"]["states"] == {"issued": 2, "invalid": 2}
    assert data["source"]["path"] == str(source.resolve()) and data["runs"] == 2
    assert sorted(e["line"] for e in data["entries"]) == [2, 3]  # default: not issued
    only = run("bulk", "report", "--journal", "run.db", "--state", "invalid", "--json")
    entry = next(e for e in json.loads(only.stdout)["entries"] if e["key"] == "bad-2")
    assert any("MntTotal" in field for field, _ in entry["error"]["details"])
    listed = run("bulk", "report", "--journal", "run.db", "--state", "all", "--json")
    every = json.loads(listed.stdout)
    tokens = {e["token"] for e in every["entries"] if e["state"] == "issued"}
    assert tokens == {d.token for d in fake.documents}
    table = run("bulk", "report", "--journal", "run.db")
    assert "Journal run.db" in table.stdout and "bad-2" in table.stdout
    assert "Settled" in table.stdout and "yes" in table.stdout


def test_bad_input_and_bad_journal_exit_2_before_anything_is_sent(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    source = write_batch(tmp_path / "b.jsonl", 3, ids=False)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "bad.csv").write_text("id,Colour\n1,red\n")
    (tmp_path / "garbage.db").write_bytes(b"this is not a database" * 100)
    cases = [
        ("bulk", "emit", tmp_path / "missing.jsonl", "--journal", "x.db"),
        ("bulk", "emit", tmp_path / "notes.txt", "--journal", "x.db"),
        ("bulk", "emit", tmp_path / "bad.csv", "--journal", "x.db"),
        ("bulk", "emit", source, "--journal", tmp_path / "garbage.db"),
        ("bulk", "emit", source, "--journal", tmp_path),  # a folder
        ("bulk", "emit", source),  # no journal
        ("bulk", "emit", source, "--journal", "x.db", "--concurrency", "0"),
        ("bulk", "emit", source, "--journal", "x.db", "--output", tmp_path / "no" / "r.jsonl"),
        ("bulk", "emit", source, "--journal", "x.db", "--default", "RUTEmisor"),
        ("bulk", "emit", source, "--journal", "x.db", "--output", source),  # its own input
        ("bulk", "resume", "--journal", tmp_path / "missing.db"),
        ("bulk", "report", "--journal", tmp_path / "missing.db"),
        ("bulk", "report", "--journal", tmp_path / "garbage.db"),
        ("bulk", "wait", "--journal", tmp_path / "missing.db"),
        ("bulk", "reconcile", "--journal", tmp_path / "garbage.db"),
    ]
    before = source.read_bytes()
    for args in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        no_traceback(result)
    assert source.read_bytes() == before
    # With --json the error is one JSON line on stdout.
    as_json = run("bulk", "emit", tmp_path / "bad.csv", "--journal", "x.db", "--json")
    (line,) = as_json.stdout.splitlines()
    assert json.loads(line)["error"]["message"].startswith(f"{tmp_path / 'bad.csv'}: ")
    assert "Colour" in json.loads(line)["error"]["message"]

    # A journal of another file, whose documents without an id would get new keys.
    assert run("bulk", "emit", source, "--journal", "run.db").exit_code == 0
    other = write_batch(tmp_path / "other.jsonl", 2, ids=False)
    sent = emissions(fake)
    refused = run("bulk", "emit", other, "--journal", "run.db")
    assert refused.exit_code == 2 and "another batch" in refused.stderr
    assert "openfactura bulk resume --journal run.db" in refused.stderr
    # The batch's own file, changed since: resume refuses it too.
    source.write_text(source.read_text() + json.dumps(boleta("late", 999)) + "\n")
    changed = run("bulk", "resume", "--journal", "run.db")
    assert changed.exit_code == 2 and "changed" in changed.stderr
    # In use by another process (here: an open Journal holding its lock).
    with bulk.Journal(tmp_path / "run.db"):
        busy = run("bulk", "resume", "--journal", "run.db")
    assert busy.exit_code == 2 and "in use" in busy.stderr
    assert emissions(fake) == sent and len(fake.documents) == 3


def test_a_changed_file_whose_documents_all_have_ids_goes_on_safely(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    lines = [json.dumps({"id": f"inv-{n}", "dte": boleta(f"item {n}", 1000 + n)}) for n in range(4)]
    source = tmp_path / "b.jsonl"
    source.write_text("\n".join(lines[:3]) + "\n")
    assert run("bulk", "emit", source, "--journal", "run.db").exit_code == 0
    source.write_text("\n".join(lines) + "\n")  # one more document, fixed in the same file
    result = run("bulk", "emit", source, "--journal", "run.db", "--json")
    assert result.exit_code == 0, result.output
    outcomes, _ = json_lines(result.stdout)
    assert sorted((o["id"], o["resumed"]) for o in outcomes) == [
        ("inv-0", True),
        ("inv-1", True),
        ("inv-2", True),
        ("inv-3", False),
    ]
    assert "is not the file" in result.stderr
    assert names(fake) == Counter(f"item {n}" for n in range(4))


def test_csv_options_and_defaults(run: Run, fake: FakeOpenfactura, tmp_path: Path) -> None:
    source = tmp_path / "lines.csv"
    source.write_text(
        "pedido;TipoDTE;FchEmis;NmbItem;QtyItem;PrcItem\n"
        "p-1;39;2026-09-30;Café;2;1500\n"
        "p-1;;;Té;1;1000\n"
        "p-2;39;2026-09-30;Pan;3;500\n",
        encoding="utf-8",
    )
    issuer = {
        "RUTEmisor": "76795561-8",
        "RznSoc": "HAULMER SPA",
        "GiroEmis": "VENTA AL POR MENOR",
        "DirOrigen": "ARTURO PRAT 527",
        "CmnaOrigen": "Curicó",
        "CdgSIISucur": "81303347",
    }
    args = ["--id-column", "pedido", "--delimiter", ";"]
    for name, value in issuer.items():
        args += ["--default", f"{name}={value}"]
    result = run("bulk", "emit", source, "--journal", "run.db", *args, "--json")
    assert result.exit_code == 0, result.output
    outcomes, _ = json_lines(result.stdout)
    assert sorted(o["id"] for o in outcomes) == ["p-1", "p-2"]
    totals = {d.idempotency_key: d.dte["Encabezado"]["Totales"]["MntTotal"] for d in fake.documents}
    assert totals == {"p-1": 2 * 1500 + 1000, "p-2": 3 * 500}  # computed from the lines
    # The journal recorded the reader's options: resume opens the file the same way.
    again = run("bulk", "resume", "--journal", "run.db", "--json")
    assert again.exit_code == 0, again.output
    assert all(o["resumed"] for o in json_lines(again.stdout)[0])


def test_wait_records_verdicts_saves_files_and_exits_3_on_a_rejection(
    run: Run, fake: FakeOpenfactura, tmp_path: Path
) -> None:
    source = write_batch(tmp_path / "b.jsonl", 4)
    assert run("bulk", "emit", source, "--journal", "run.db").exit_code == 0
    rejected = fake.documents[1]
    fake.set_outcome(rejected.token, "Rechazado")
    result = run(
        "bulk", "wait", "--journal", "run.db", "--save-to", "files", "--interval", "0.01", "--json"
    )
    assert result.exit_code == 3, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    followed, summary = objects[:-1], objects[-1]["summary"]
    by_token = {doc.token: doc for doc in fake.documents}
    assert sorted(f["token"] for f in followed) == sorted(by_token)
    for item in followed:
        doc = by_token[item["token"]]
        assert item["final"] is True and item["folio"] == doc.folio
        assert item["estado"] == ("Rechazado" if doc is rejected else "Aceptado")
        assert Path(item["pdf"]) == Path("files") / f"39-{doc.folio}.pdf"
        assert (tmp_path / item["pdf"]).read_bytes().startswith(b"%PDF")
        assert b"<TipoDTE>39</TipoDTE>" in (tmp_path / item["xml"]).read_bytes()
    assert summary["statuses"] == {"Aceptado": 3, "Rechazado": 1}
    assert summary["rejected"] == 1 and summary["exit_code"] == 3
    report = json.loads(run("bulk", "report", "--journal", "run.db", "--json").stdout)
    assert report["summary"]["sii"] == {"Aceptado": 3, "Rechazado": 1}
    # Done already: nothing left to follow.
    again = run("bulk", "wait", "--journal", "run.db", "--save-to", "files")
    assert again.exit_code == 0 and "Nothing to wait for" in again.stdout


def test_wait_gives_up_on_undecided_documents_with_exit_3(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with FakeOpenfactura(rate_limits=None, status_reads_until_final=None) as fake:
        env = {"OPENFACTURA_BASE_URL": fake.base_url, "OPENFACTURA_API_KEY": DEMO_KEY}
        source = write_batch(tmp_path / "b.jsonl", 2)
        assert invoke(env, "bulk", "emit", source, "--journal", "run.db").exit_code == 0
        result = invoke(
            env, "bulk", "wait", "--journal", "run.db", "--max-wait", "0.2", "--interval", "0.01"
        )
    assert result.exit_code == 3, result.output
    assert "Undecided" in result.stdout and "still undecided" in result.stderr


def test_rate_limits_variable_is_parsed_and_refused_on_the_real_api(
    run: Run, fake: FakeOpenfactura, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _common.Settings(
        api_key=DEMO_KEY,
        api_key_source="test",
        environment=None,
        base_url=fake.base_url,
        target_source="test",
        timeout=30.0,
        timeout_source="test",
        config_file=tmp_path / "none.toml",
        config_loaded=False,
    )
    monkeypatch.setenv("OPENFACTURA_RATE_LIMITS", " 3/0.05, 100/1 ")
    assert _common.rate_limits_override(settings) == {
        "rate_limits": (RateLimit(3, 0.05), RateLimit(100, 1.0))
    }
    monkeypatch.setenv("OPENFACTURA_RATE_LIMITS", "off")
    assert _common.rate_limits_override(settings) == {"rate_limits": None}
    source = write_batch(tmp_path / "b.jsonl", 2)
    for bad in ("3", "3/x", "0/1", "3/-1", "3/inf"):
        monkeypatch.setenv("OPENFACTURA_RATE_LIMITS", bad)
        result = run("bulk", "emit", source, "--journal", "run.db")
        assert result.exit_code == 2 and "OPENFACTURA_RATE_LIMITS" in result.stderr, bad
    monkeypatch.setenv("OPENFACTURA_RATE_LIMITS", "3/0.05")
    production = run("--env", "production", "bulk", "emit", source, "--journal", "run.db")
    assert production.exit_code == 2 and "fixed limits" in production.stderr
    assert fake.documents == []


def test_a_refused_key_stops_the_run_at_once(clean_env: Path, tmp_path: Path) -> None:
    source = write_batch(tmp_path / "b.jsonl", 40)
    with FakeOpenfactura(rate_limits=None) as fake:
        env = {"OPENFACTURA_BASE_URL": fake.base_url, "OPENFACTURA_API_KEY": "not-a-key-0123456789"}
        journal = tmp_path / "run.db"
        result = invoke(env, "bulk", "emit", source, "--journal", journal, "--concurrency", "2")
        sent = emissions(fake)
    assert result.exit_code == 1, result.output
    assert "HTTP 401" in result.stderr and "not-a-key-0123456789" not in result.output
    assert sent <= 4  # the two in flight, not forty
    assert "--journal" in result.stderr and "resume" in result.stderr


# -- processes: SIGINT, and a crash past the 24 h window --------------------------------------


def invoke(env: dict[str, str], *args: Any) -> Result:
    """The command in-process with ``env`` (and the conftest's clean environment)."""
    return CliRunner(env=env).invoke(cli, [str(a) for a in args], prog_name="openfactura")


class GateFake(FakeOpenfactura):
    """A sandbox that holds chosen emissions in flight until :meth:`release`.

    ``hold(key)`` says ``"before"`` (hold before storing the document), ``"after"`` (store
    it, then hold the answer) or ``None``. With ``release(drop=True)`` the ones held
    before storing are answered 503 and never stored.
    """

    def __init__(self, hold: Callable[[str], str | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hold = hold
        self.arrived: list[str] = []
        self.held: list[str] = []
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gate: asyncio.Event | None = None
        self._drop = False

    def app(self) -> web.Application:
        app = super().app()
        app.middlewares.append(self._emissions)
        return app

    def wait_held(self, count: int, timeout: float = 60.0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.held) >= count, timeout), self.held

    def release(self, *, drop: bool = False) -> None:
        self._drop = drop
        self.hold = lambda key: None
        if self._loop is not None and self._gate is not None:
            self._loop.call_soon_threadsafe(self._gate.set)

    @web.middleware
    async def _emissions(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or not request.path.endswith("/dte/document"):
            return await handler(request)
        if self._gate is None:
            self._loop, self._gate = asyncio.get_running_loop(), asyncio.Event()
        key = request.headers.get("Idempotency-Key", "")
        self.arrived.append(key)
        where = self.hold(key)
        if where == "before":
            await self._wait(key)
            if self._drop:
                return web.Response(status=503)
        response = await handler(request)
        if where == "after":
            await self._wait(key)
        return response

    async def _wait(self, key: str) -> None:
        assert self._gate is not None
        with self._changed:
            self.held.append(key)
            self._changed.notify_all()
        await self._gate.wait()


def process_env(fake: FakeOpenfactura, tmp_path: Path, limits: str = "off") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENFACTURA_")}
    env.update(
        OPENFACTURA_BASE_URL=fake.base_url,
        OPENFACTURA_API_KEY=fake.api_key,
        OPENFACTURA_CONFIG=str(tmp_path / "none.toml"),
        OPENFACTURA_RATE_LIMITS=limits,
        COLUMNS="160",
    )
    return env


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_lets_the_documents_in_flight_finish_then_resume_issues_each_once(
    signum: signal.Signals, clean_env: Path, tmp_path: Path
) -> None:
    count, first, slots = 40, 10, 4
    source = write_batch(tmp_path / "b.jsonl", count)
    journal = tmp_path / "run.db"
    with GateFake(lambda key: None, rate_limits=None) as fake:
        # Emissions after the tenth are stored, and their answers held: 4 in flight.
        fake.hold = lambda key: "after" if len(fake.arrived) > first else None
        env = process_env(fake, tmp_path)
        args = ("bulk", "emit", source, "--journal", journal, "--json", "--concurrency", slots)
        proc = CliProcess(env, *args)
        try:
            assert proc.wait_lines(first) == first
            fake.wait_held(slots)
            # bulk report reads the journal while the run holds it.
            during = invoke({}, "bulk", "report", "--journal", journal, "--json")
            assert during.exit_code == 0, during.output
            states = json.loads(during.stdout)["summary"]["states"]
            assert states == {"issued": first, "sending": slots}
            proc.send_signal(signum)
            proc.wait_stderr("Stopping")
            fake.release()  # the answers arrive; the run takes no new document
            out, err = proc.finish()
        finally:
            fake.release()
            proc.kill()
        assert proc.returncode == 128 + signum, err  # 130 after Ctrl-C
        outcomes, summary = json_lines(out)
        assert len(outcomes) == first + slots and {o["kind"] for o in outcomes} == {"issued"}
        assert summary["interrupted"] is True and summary["done"] == first + slots
        assert summary["exit_code"] == 128 + signum
        assert f"Resume with: openfactura bulk resume --journal {journal}" in err
        assert journal_states(journal) == {"issued": first + slots}  # nothing left in flight
        assert len(fake.documents) == first + slots

        resumed = CliProcess(env, "bulk", "resume", "--journal", journal, "--json")
        out, err = resumed.finish()
        assert resumed.returncode == 0, err
        outcomes, summary = json_lines(out)
        assert summary["resumed"] == first + slots and summary["issued"] == count
        assert len(outcomes) == count
        assert len({o["token"] for o in outcomes}) == count
    assert names(fake) == Counter(f"item {n}" for n in range(count))


def test_a_second_ctrl_c_cancels_what_is_in_flight_and_resume_settles_it_by_key(
    clean_env: Path, tmp_path: Path
) -> None:
    count, first, slots = 30, 10, 4

    def hold(key: str) -> str | None:
        arrival = len(fake.arrived)
        if arrival <= first:
            return None
        return "after" if arrival <= first + 2 else "before"  # 2 stored, 2 never

    source = write_batch(tmp_path / "b.jsonl", count)
    journal = tmp_path / "run.db"
    with GateFake(hold, rate_limits=None) as fake:
        env = process_env(fake, tmp_path)
        args = ("bulk", "emit", source, "--journal", journal, "--json", "--concurrency", slots)
        proc = CliProcess(env, *args)
        try:
            assert proc.wait_lines(first) == first
            fake.wait_held(slots)
            in_flight = list(fake.held)
            proc.send_signal(signal.SIGINT)
            proc.wait_stderr("Stopping")
            proc.send_signal(signal.SIGINT)
            out, err = proc.finish()
        finally:
            fake.release(drop=True)
            proc.kill()
        assert proc.returncode == 130, err
        outcomes, summary = json_lines(out)
        assert len(outcomes) == first and summary["interrupted"] is True
        assert "openfactura bulk resume --journal" in err
        assert journal_states(journal) == {"issued": first, "sending": slots}
        stored = {doc.idempotency_key: doc.token for doc in fake.documents}
        assert len(stored) == first + 2 and set(in_flight[:2]) <= set(stored)

        resumed = CliProcess(env, "bulk", "resume", "--journal", journal, "--json")
        out, err = resumed.finish()
        assert resumed.returncode == 0, err
        outcomes, _ = json_lines(out)
        by_key = {o["key"]: o for o in outcomes}
        for key in in_flight[:2]:  # emitted before the cancel: the API gives them back
            assert by_key[key]["kind"] == "already_issued"
            assert by_key[key]["token"] == stored[key]
        for key in in_flight[2:]:  # never stored: emitted now
            assert by_key[key]["kind"] == "issued" and not by_key[key]["resumed"]
    assert names(fake) == Counter(f"item {n}" for n in range(count))


def test_reconcile_through_the_cli_after_25_hours_finds_instead_of_resending(
    clean_env: Path, tmp_path: Path
) -> None:
    now = [time.time()]
    source = tmp_path / "b.jsonl"
    with source.open("w", encoding="utf-8") as fh:
        for n in range(6):
            fh.write(json.dumps({"id": f"order-{n}", "dte": boleta(f"item {n}", 1000 + n)}) + "\n")
    journal = tmp_path / "run.db"
    held = {"order-2": "after", "order-3": "before"}  # 2 is stored, 3 never arrives
    with GateFake(held.get, rate_limits=None, clock=lambda: now[0]) as fake:
        env = process_env(fake, tmp_path)
        args = ("bulk", "emit", source, "--journal", journal, "--json", "--concurrency", 6)
        proc = CliProcess(env, *args)
        try:
            assert proc.wait_lines(4) == 4  # the other four are done (and journaled)
            fake.wait_held(2)
            proc.kill()  # the batch dies with two emissions in flight
        finally:
            fake.release(drop=True)
            proc.kill()
        stored = {doc.idempotency_key: doc for doc in fake.documents}
        assert sorted(stored) == ["order-0", "order-1", "order-2", "order-4", "order-5"]
        assert journal_states(journal) == {"issued": 4, "sending": 2}

        # 25 hours later: the sandbox has forgotten the keys, and the journal's entries
        # are that old (its clock is the wall clock: its records move back instead).
        now[0] += 25 * 3600
        with contextlib.closing(sqlite3.connect(journal)) as db, db:
            db.execute(
                "UPDATE entry SET maybe_sent_at = maybe_sent_at - 90000, "
                "updated_at = updated_at - 90000"
            )
        api = {"OPENFACTURA_BASE_URL": fake.base_url, "OPENFACTURA_API_KEY": fake.api_key}
        sent = emissions(fake)

        again = invoke(api, "bulk", "emit", source, "--journal", journal, "--json")
        assert again.exit_code == 3, again.output
        outcomes, summary = json_lines(again.stdout)
        stale = {o["key"]: o for o in outcomes if o["kind"] == "unknown"}
        assert sorted(stale) == ["order-2", "order-3"]
        assert all(o["needs_reconcile"] for o in stale.values())
        assert summary["needs_reconcile"] == 2
        assert f"openfactura bulk reconcile --journal {journal}" in again.stderr
        assert emissions(fake) == sent  # nothing re-sent blindly
        report = json.loads(invoke(api, "bulk", "report", "--journal", journal, "--json").stdout)
        assert report["summary"]["awaiting_reconcile"] == 2

        found = invoke(api, "bulk", "reconcile", "--journal", journal, "--json")
        assert found.exit_code == 3, found.output  # one is still not found
        data = json.loads(found.stdout)
        verdicts = {r["key"]: r for r in data["reconciled"]}
        assert verdicts["order-2"]["found"] is True and verdicts["order-3"]["found"] is False
        assert verdicts["order-2"]["token"] == stored["order-2"].token
        assert verdicts["order-2"]["folio"] == stored["order-2"].folio
        assert data["released"] == 0
        assert emissions(fake) == sent and len(fake.documents) == 5
        human = invoke(api, "bulk", "reconcile", "--journal", journal)
        assert "--resend" in human.stdout and "not found" in human.stdout

        not_yet = invoke(api, "bulk", "resume", "--journal", journal, "--json")
        assert not_yet.exit_code == 3  # not found is not a permission to send
        assert emissions(fake) == sent

        released = invoke(api, "bulk", "reconcile", "--journal", journal, "--resend", "--json")
        assert released.exit_code == 0, released.output
        assert json.loads(released.stdout)["released"] == 1
        final = invoke(api, "bulk", "resume", "--journal", journal, "--json")
        assert final.exit_code == 0, final.output
        outcomes, _ = json_lines(final.stdout)
        by_key = {o["key"]: o for o in outcomes}
        assert by_key["order-2"]["token"] == stored["order-2"].token
        assert by_key["order-3"]["kind"] == "issued" and not by_key["order-3"]["resumed"]
    assert names(fake) == Counter(f"item {n}" for n in range(6))  # once each


def test_the_progress_bar_shows_on_a_terminal(clean_env: Path, tmp_path: Path) -> None:
    count = 30
    source = write_batch(tmp_path / "b.jsonl", count)
    with FakeOpenfactura(rate_limits=None) as fake:
        master, terminal = pty.openpty()
        env = process_env(fake, tmp_path)
        proc = CliProcess(
            env, "bulk", "emit", source, "--journal", tmp_path / "run.db", stderr=terminal
        )
        os.close(terminal)
        shown = bytearray()
        while True:  # read the terminal until the process closes it
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: no writer left
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        out, _ = proc.finish()
    assert proc.returncode == 0, shown
    text = shown.decode("utf-8", "replace")
    assert "Emitting" in text and f"{count}/{count}" in text
    assert "issued" in text and "failed" in text and "ETA" in text and "/s" in text
    assert "Bulk emission" in out and "Emitting" not in out  # the bar is on stderr only


def _bulk_blocks(relative: str) -> list[Any]:
    """The ``sh`` blocks of a Markdown file that run ``openfactura bulk``, as test params."""
    text = (ROOT / relative).read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    chosen = [b for b in blocks if "openfactura bulk" in b]
    return [pytest.param(b, id=f"{relative}-{n}") for n, b in enumerate(chosen)]


DOCUMENTED = [
    *_bulk_blocks("README.md"),
    *_bulk_blocks("docs/guides/bulk.md"),
    *_bulk_blocks("docs/guides/cli.md"),
]


def test_every_file_documents_the_bulk_commands() -> None:
    ids = [param.id for param in DOCUMENTED]
    assert len([i for i in ids if i.startswith("README")]) == 1  # the batch section
    assert any(i.startswith("docs/guides/bulk.md") for i in ids)
    assert any(i.startswith("docs/guides/cli.md") for i in ids)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("script", DOCUMENTED)
def test_the_documented_bulk_commands_run_against_the_sandbox(script: str, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    scripts = Path(sys.executable).parent  # the venv's openfactura first
    with FakeOpenfactura(rate_limits=None, status_reads_until_final=0) as fake:
        env = process_env(fake, tmp_path)
        env["PATH"] = f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        keys = Counter(doc.idempotency_key for doc in fake.documents)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert keys and set(keys.values()) == {1}  # every document once, however often run
