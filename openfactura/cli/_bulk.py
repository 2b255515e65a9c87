"""``openfactura bulk``: emit thousands of documents from a file, crash-safe and resumable.

::

    openfactura bulk emit boletas.jsonl --journal run.db --output results.jsonl
    openfactura bulk report --journal run.db                 # any time, even during a run
    openfactura bulk resume --journal run.db                 # after a crash, a kill, Ctrl-C
    openfactura bulk reconcile --journal run.db [--resend]   # entries in flight > 24 h ago
    openfactura bulk wait --journal run.db --save-to pdfs/   # the SII's verdicts, the files

Each command is a thin layer over :mod:`openfactura.bulk`: ``bulk emit`` and ``bulk
resume`` run ``documents.emit_many`` over an input file with a journal (every key on disk
before its request leaves), ``bulk report`` reads the journal (read-only: it works during
a run), ``bulk reconcile`` and ``bulk wait`` call :func:`openfactura.bulk.reconcile` and
:func:`openfactura.bulk.wait`.

Output: a progress bar on stderr when it is a terminal (not with ``--json``), a summary
table at the end; ``--json`` prints one JSON object per line on stdout (one per outcome,
then ``{"summary": {...}}``; an error is ``{"error": {...}}``). Ctrl-C (or SIGTERM) once:
no new documents are taken and the ones in flight finish; twice: they are cancelled and
stay journaled as in flight (``bulk resume`` re-sends them with their key). Exit codes: 0
every document issued, 1 an API or configuration error stopped the run, 2 usage (a bad
input file or journal), 3 some documents invalid, failed or unknown, 130 interrupted
(143 after SIGTERM).

Testing against a sandbox with compressed windows: ``OPENFACTURA_RATE_LIMITS`` (see
:func:`openfactura.cli._common.rate_limits_override`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shlex
import signal
import sqlite3
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, cast

import attrs
import click

from . import _common as common

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.table import Table

    from .._client import AsyncOpenfactura
    from ..bulk import BulkInput, Entry, Journal, Outcome, Progress

__all__ = ["register"]

KINDS = ("issued", "already_issued", "invalid", "failed", "unknown")
STATES = (
    "sending",
    "issued",
    "already_issued",
    "invalid",
    "failed",
    "unknown",
    "not_found",
    "released",
)
"""Journal entry states (``journal_schema.sql``)."""
_PENDING_STATES = tuple(s for s in STATES if s not in ("issued", "already_issued"))
_SHOWN = 20
"""Problem outcomes listed under the summary table (all of them are in the journal)."""
_LOG_EVERY = 30.0
"""Seconds between progress lines on stderr when it is not a terminal."""


def _journal_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--journal",
        "journal_path",
        required=True,
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The batch's journal (SQLite): every key before its request leaves, then its "
        "outcome. One journal per input file.",
    )(func)


def _run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--output",
            "-o",
            "output",
            metavar="FILE|-",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help="Write each outcome as a JSON line to FILE (replaced; - for stdout), "
            "those of earlier runs included (resumed: true).",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 64),
            metavar="N",
            help="Emissions in flight, 1 to 64 (default: enough to keep the rate budget busy: "
            "5 with the API's limits).",
        ),
        click.option(
            "--no-validate", is_flag=True, help="Skip the local checks (the API still checks)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _resume_command(journal_path: Path, command: str = "resume") -> str:
    return f"openfactura bulk {command} --journal {shlex.quote(str(journal_path))}"


# -- errors ---------------------------------------------------------------------------------


def _fail(ctx: click.Context, exc: BaseException, **extra: Any) -> NoReturn:
    """Print ``exc`` (stderr; ``{"error": ...}`` as one JSON line with ``--json``) and exit."""
    st = common.state(ctx)
    record = common._error_record(exc)
    click.echo(common._mask(common._human(record), st.secrets), err=True)
    if st.json:
        text = json.dumps({"error": record, **extra}, default=common._json_default)
        common.print_json(json.loads(common._mask(text, st.secrets)), one_line=True)
    ctx.exit(common.exit_code_for(exc))


@contextlib.contextmanager
def _one_line_errors(ctx: click.Context) -> Iterator[None]:
    """Errors of a streaming command as one JSON line (the stream stays JSON lines)."""
    from .._exceptions import OpenfacturaError

    try:
        yield
    except (OpenfacturaError, common.CliError) as exc:
        _fail(ctx, exc)


def _note(text: str) -> None:
    """A message on stderr, one line per paragraph (never wrapped: commands stay whole)."""
    click.echo(text, err=True)


def _open_journal(path: Path, *, read_only: bool = False, must_exist: bool = False) -> Journal:
    """The journal at ``path``; a file that cannot be one is a usage error (exit 2)."""
    from ..bulk import Journal

    if (read_only or must_exist) and not path.is_file():
        raise common.CliError(f"no journal at {path}", common.EXIT_USAGE)
    try:
        journal = Journal(path, read_only=read_only)
    except sqlite3.DatabaseError as exc:
        raise common.CliError(f"{path} is not a bulk journal ({exc})", common.EXIT_USAGE) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = f"cannot open the journal {path}: {reason}"
        raise common.CliError(message, common.EXIT_USAGE) from None
    try:
        journal.meta("identity")  # another SQLite file has no such table
    except sqlite3.DatabaseError as exc:
        journal.close()
        raise common.CliError(f"{path} is not a bulk journal ({exc})", common.EXIT_USAGE) from None
    return journal


def _open_input(path: Path, options: dict[str, Any]) -> BulkInput:
    """The input file; one that cannot be read as a batch is a usage error (exit 2)."""
    from .._exceptions import ValidationError
    from ..bulk import open_input

    try:
        return open_input(path, **options)
    except ValidationError as exc:
        details = "; ".join(f"{p.field}: {p.issue}" for p in exc.problems)
        raise common.CliError(
            f"{path}: {exc.message}" + (f" ({details})" if details else ""), common.EXIT_USAGE
        ) from None
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8...
        raise common.CliError(f"cannot read {path}: {exc}", common.EXIT_USAGE) from None


def _check_batch(journal: Journal, batch: BulkInput) -> None:
    """Refuse a journal of another file when documents without an id would get new keys."""
    identity = journal.identity
    if identity is None or identity == batch.identity:
        return
    started = (journal.source or {}).get("path")
    if any(item.id is None for item in batch):
        raise common.CliError(
            f"{journal.path} is the journal of another batch"
            + (f" ({started})" if started else "")
            + f", and {batch.path} has documents without an id: they are keyed by the "
            "file's hash and line, so they could be emitted twice. Use a new journal for a "
            "new file (or give every document an id); to go on with the batch of this "
            f"journal, run: {_resume_command(journal.path)}",
            common.EXIT_USAGE,
        )
    _note(
        f"note: {batch.path} is not the file {journal.path} was started from"
        + (f" ({started})" if started else "")
        + "; every document has an id (its key), so nothing is emitted twice."
    )


# -- a run ----------------------------------------------------------------------------------


@attrs.define
class _Tally:
    """What a run yielded: counts per kind, and the first problems (for the summary)."""

    total: int
    counts: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(KINDS, 0))
    resumed: int = 0
    needs_reconcile: int = 0
    shown: list[Outcome] = attrs.field(factory=list)
    started: float = attrs.field(factory=time.monotonic)
    elapsed: float = 0.0
    interrupted: int | None = None
    """The signal that stopped the run, if one did."""
    error: BaseException | None = None
    """An error that stopped the run (the API refused the key)."""

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    @property
    def not_issued(self) -> int:
        return self.counts["invalid"] + self.counts["failed"] + self.counts["unknown"]

    def add(self, outcome: Outcome) -> None:
        from ..bulk import Unknown

        self.counts[outcome.kind] += 1
        self.resumed += outcome.resumed
        if not outcome.ok:
            if isinstance(outcome, Unknown) and outcome.needs_reconcile:
                self.needs_reconcile += 1
            if len(self.shown) < _SHOWN:
                self.shown.append(outcome)

    def exit_code(self) -> int:
        if self.interrupted is not None:
            return 128 + self.interrupted
        if self.error is not None:
            return common.exit_code_for(self.error)
        return common.EXIT_PARTIAL if self.not_issued else common.EXIT_OK

    def as_dict(self, batch: BulkInput, journal_path: Path) -> dict[str, Any]:
        data: dict[str, Any] = {
            "input": str(batch.path),
            "journal": str(journal_path),
            "total": self.total,
            "done": self.done,
            **self.counts,
            "resumed": self.resumed,
            "needs_reconcile": self.needs_reconcile,
            "elapsed": round(self.elapsed, 3),
            "interrupted": self.interrupted is not None,
            "exit_code": self.exit_code(),
        }
        if self.error is not None:
            data["error"] = common._error_record(self.error)
        return data


class _Stop:
    """Ctrl-C or SIGTERM during a run: the first stops taking documents (the ones in flight
    finish), the second cancels those too (they stay journaled as in flight)."""

    def __init__(self, notify: Callable[[str], None]) -> None:
        self.notify = notify
        self.signum: int | None = None
        self.reason: str | None = None
        self.signals = 0
        self.task: asyncio.Future[Any] | None = None

    @property
    def requested(self) -> bool:
        return self.reason is not None

    def request(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    def on_signal(self, signum: int) -> None:
        self.signals += 1
        if self.signals == 1:
            self.signum = signum
            self.request(signal.Signals(signum).name)
            self.notify(
                "Stopping: no new documents; waiting for the ones in flight (press Ctrl-C "
                "again to stop at once: they stay journaled as in flight and are re-sent "
                "with their key on resume)."
            )
        elif self.task is not None and not self.task.done():
            self.task.cancel()

    @contextlib.contextmanager
    def installed(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        """Handle SIGINT and SIGTERM on ``loop`` (where the loop can: not on Windows)."""
        handled: list[int] = []
        for wanted in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(wanted, self.on_signal, int(wanted))
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # Windows, or not the main thread: KeyboardInterrupt as usual
            handled.append(wanted)
        try:
            yield
        finally:
            for signum in handled:
                loop.remove_signal_handler(signum)


def _until(batch: BulkInput, stop: _Stop) -> BulkInput:
    """``batch``, ending early once a stop is requested (same identity, same keys)."""
    from ..bulk import BulkInput

    class Until(BulkInput):
        def __init__(self) -> None:  # no second scan of the file
            self.path = batch.path
            self.count = batch.count
            self.identity = batch.identity

        def describe(self) -> dict[str, Any]:
            return batch.describe()

        def options(self) -> dict[str, Any]:
            return batch.options()

        def __iter__(self) -> Iterator[Any]:
            for item in batch:
                if stop.requested:
                    return
                yield item

    return Until()


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class _Display:
    """A run's progress on stderr: a rich bar on a terminal; else a line every 30 s (none
    with ``--json``)."""

    def __init__(self, *, bar: bool, lines: bool, label: str) -> None:
        self.console = common.error_console()
        self.bar: Bar | None = None
        self.task: Any = None
        self.lines = lines
        self.label = label
        self.last_line = time.monotonic()
        if bar:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("issued [green]{task.fields[issued]}[/]"),
                TextColumn("failed [red]{task.fields[failed]}[/]"),
                TextColumn("{task.fields[rate]}/s"),
                TextColumn("ETA {task.fields[eta]}"),
                console=self.console,
            )

    def start(self, total: int, budget: float | None) -> None:
        if self.bar is None:
            return
        self.bar.start()
        eta = total / budget if budget else None
        self.task = self.bar.add_task(
            self.label, total=total, issued=0, failed=0, rate="0.0", eta=_duration(eta)
        )

    def update(self, progress: Progress) -> None:
        issued = progress.issued + progress.already_issued
        failed = progress.invalid + progress.failed + progress.unknown
        if self.bar is not None:
            self.bar.update(
                self.task,
                completed=progress.done,
                issued=issued,
                failed=failed,
                rate=f"{progress.rate:.1f}",
                eta=_duration(progress.eta),
            )
        elif self.lines and time.monotonic() - self.last_line >= _LOG_EVERY:
            self.last_line = time.monotonic()
            total = "?" if progress.total is None else str(progress.total)
            self.say(
                f"{progress.done}/{total} done, {issued} issued, {failed} failed, "
                f"{progress.rate:.1f}/s, ETA {_duration(progress.eta)}"
            )

    def say(self, text: str) -> None:
        """A message on stderr (above the bar, if there is one)."""
        if self.bar is not None:
            self.bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            _note(text)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@attrs.define
class _Sink:
    """Where outcome lines go: ``--output FILE`` and/or stdout (``--json``, ``--output -``)."""

    path: Path | None
    stdout: bool
    file: IO[str] | None = None

    def check(self) -> None:
        """Refuse, before anything is sent, an output file that could not be written."""
        if self.path is not None and not self.path.parent.is_dir():
            message = f"--output: folder {self.path.parent} does not exist"
            raise common.CliError(message, common.EXIT_USAGE)

    def open(self, *keep: Path) -> None:
        """Create the output file (replacing it), unless it is one of ``keep``."""
        if self.path is None:
            return
        if any(self.path.resolve() == other.resolve() for other in keep):
            message = f"--output {self.path} is the batch's input or journal"
            raise common.CliError(message, common.EXIT_USAGE)
        try:
            self.file = self.path.open("w", encoding="utf-8")
        except OSError as exc:
            message = f"cannot write {self.path}: {exc.strerror}"
            raise common.CliError(message, common.EXIT_USAGE) from None

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def write(self, data: dict[str, Any]) -> None:
        line = json.dumps(data, ensure_ascii=False, default=common._json_default)
        if self.file is not None:
            self.file.write(line + "\n")
            self.file.flush()
        if self.stdout:
            click.echo(line)


def _budget(client: AsyncOpenfactura) -> float | None:
    from ..bulk._runner import budget_rate

    return budget_rate(client)


def _is_key_refused(outcome: Outcome) -> BaseException | None:
    """The API refused the key itself (401/403): every other document would fail alike."""
    from .._exceptions import AuthenticationError
    from ..bulk import Failed

    if isinstance(outcome, Failed) and isinstance(outcome.error, AuthenticationError):
        return outcome.error
    return None


async def _emit(
    ctx: click.Context,
    journal_path: Path,
    get_batch: Callable[[Journal], BulkInput],
    *,
    must_exist: bool,
    concurrency: int | None,
    validate: bool,
    sink: _Sink,
    display: _Display,
    stop: _Stop,
) -> tuple[BulkInput, _Tally]:
    async with common.open_async_client(ctx) as client:
        journal = _open_journal(journal_path, must_exist=must_exist)
        try:
            batch = get_batch(journal)
            sink.open(batch.path, journal_path)
            tally = _Tally(total=batch.count)
            outcomes = client.documents.emit_many(
                _until(batch, stop),
                journal=journal,
                concurrency=concurrency,
                validate=validate,
                on_progress=display.update,
            )

            async def consume() -> None:
                generator = cast("AsyncGenerator[Outcome, None]", outcomes)
                async with contextlib.aclosing(generator) as stream:
                    async for outcome in stream:
                        tally.add(outcome)
                        sink.write(outcome.as_dict())
                        refused = _is_key_refused(outcome)
                        if refused is not None and tally.error is None:
                            tally.error = refused
                            stop.request("the API refused the key")
                            display.say("The API refused the key: stopping the run.")

            display.start(batch.count, _budget(client))
            task = asyncio.ensure_future(consume())
            stop.task = task
            with stop.installed(asyncio.get_running_loop()):
                try:
                    await task
                except asyncio.CancelledError:
                    if stop.signals < 2:
                        raise
            if stop.signum is not None:
                tally.interrupted = stop.signum
            tally.elapsed = time.monotonic() - tally.started
            return batch, tally
        finally:
            display.stop()
            await asyncio.to_thread(journal.close)


def _run(
    ctx: click.Context,
    journal_path: Path,
    get_batch: Callable[[Journal], BulkInput],
    *,
    must_exist: bool,
    output: Path | None,
    concurrency: int | None,
    validate: bool,
) -> NoReturn:
    """Run a batch (``bulk emit``, ``bulk resume``), print the summary, exit with its code."""
    json_mode = common.state(ctx).json
    to_stdout = output is not None and str(output) == "-"
    sink = _Sink(path=None if to_stdout else output, stdout=json_mode or to_stdout)
    sink.check()
    terminal = common.error_console().is_terminal
    display = _Display(bar=terminal and not json_mode, lines=not json_mode, label="Emitting")
    stop = _Stop(display.say)
    try:
        try:
            batch, tally = asyncio.run(
                _emit(
                    ctx,
                    journal_path,
                    get_batch,
                    must_exist=must_exist,
                    concurrency=concurrency,
                    validate=validate,
                    sink=sink,
                    display=display,
                    stop=stop,
                )
            )
        except KeyboardInterrupt:  # no signal handlers here (Windows): cancelled as a whole
            _note(
                "Interrupted: the documents in flight stay journaled as in flight. Resume "
                f"with: {_resume_command(journal_path)}"
            )
            ctx.exit(common.EXIT_INTERRUPTED)
    finally:
        sink.close()
    _report_run(ctx, batch, journal_path, tally, json_mode=json_mode, stdout_taken=to_stdout)
    ctx.exit(tally.exit_code())


def _why(outcome: Outcome) -> str:
    from ..bulk import Failed, Invalid, Unknown, _outcomes

    if isinstance(outcome, Invalid):
        return "; ".join(f"{p.field}: {p.issue}" for p in outcome.problems) or "invalid"
    if isinstance(outcome, Failed):
        record = _outcomes.error_record(outcome.error)
        code = f"{record['code']} " if record.get("code") else ""
        return f"{code}{record['message']}"
    if isinstance(outcome, Unknown):
        return outcome.reason
    return ""


def _report_run(
    ctx: click.Context,
    batch: BulkInput,
    journal_path: Path,
    tally: _Tally,
    *,
    json_mode: bool,
    stdout_taken: bool,
) -> None:
    from rich.table import Table

    if tally.error is not None:
        record = common._error_record(tally.error)
        click.echo(common._mask(common._human(record), common.state(ctx).secrets), err=True)
    if json_mode:
        common.print_json({"summary": tally.as_dict(batch, journal_path)}, one_line=True)
    else:
        console = common.error_console() if stdout_taken else common.console()
        counts = tally.counts
        rate = tally.done / tally.elapsed if tally.elapsed > 0 else 0.0
        console.print(
            _pairs_table(
                [
                    ("Input", batch.path),
                    ("Journal", journal_path),
                    ("Issued", counts["issued"]),
                    ("Already issued", counts["already_issued"]),
                    ("Invalid", counts["invalid"]),
                    ("Failed", counts["failed"]),
                    ("Unknown", counts["unknown"]),
                    ("From the journal", f"{tally.resumed} (done in an earlier run: not sent)"),
                    ("Done", f"{tally.done} of {tally.total}"),
                    ("Time", f"{tally.elapsed:.1f} s ({rate:.1f} documents/s)"),
                ],
                title="Bulk emission",
            )
        )
        if tally.shown:
            table = Table(
                title=f"Not issued (first {len(tally.shown)} of {tally.not_issued})"
                if tally.not_issued > len(tally.shown)
                else "Not issued",
                title_justify="left",
            )
            for column in ("Line", "Id / key", "Outcome", "Why"):
                table.add_column(column, overflow="fold")
            for outcome in tally.shown:
                table.add_row(
                    str(outcome.line if outcome.line is not None else outcome.index),
                    outcome.id or outcome.key or "-",
                    outcome.kind,
                    _why(outcome),
                )
            console.print(table)
    for hint in _hints(tally, journal_path):
        _note(hint)


def _hints(tally: _Tally, journal_path: Path) -> list[str]:
    if tally.interrupted is not None:
        return [
            f"Interrupted: {tally.done} of {tally.total} documents done. Resume with: "
            f"{_resume_command(journal_path)}"
        ]
    hints: list[str] = []
    if tally.error is not None:
        hints.append(f"Fix the key, then resume with: {_resume_command(journal_path)}")
        return hints
    retry = tally.counts["failed"] + tally.counts["unknown"] - tally.needs_reconcile
    if retry:
        hints.append(
            f"{retry} document(s) failed or are unknown: try them again (same keys: nothing "
            f"is emitted twice) with: {_resume_command(journal_path)}"
        )
    if tally.needs_reconcile:
        hints.append(
            f"{tally.needs_reconcile} document(s) were sent more than 23 h ago with no "
            "answer: a re-send could duplicate them. Look for them first: "
            f"{_resume_command(journal_path, 'reconcile')}"
        )
    if tally.counts["invalid"]:
        hints.append(
            f"{tally.counts['invalid']} document(s) are invalid; their problems: "
            f"{_resume_command(journal_path, 'report')} --state invalid"
        )
    return hints


def _pairs_table(rows: list[tuple[str, Any]], title: str | None = None) -> Table:
    """A two-column table (name, value), values right-aligned."""
    from rich.table import Table

    table = Table(show_header=False, title=title, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, str(value))
    return table


# -- the commands ---------------------------------------------------------------------------


@click.group("bulk", short_help="Emit thousands of documents from a file, resumably.")
def bulk() -> None:
    """Emit a batch of documents from a JSONL or CSV file, within the API's rate budget,
    surviving any crash and never emitting a document twice.

    \b
    openfactura bulk emit boletas.jsonl --journal run.db --output results.jsonl
    openfactura bulk report --journal run.db        # any time, even during a run
    openfactura bulk resume --journal run.db        # after a crash, a kill or Ctrl-C
    openfactura bulk reconcile --journal run.db     # entries in flight more than 24 h ago
    openfactura bulk wait --journal run.db --save-to pdfs/

    The input formats are described in examples/README.md. Exit codes: 0 every document
    issued, 1 an API or configuration error stopped the run, 2 a bad input file or
    journal, 3 some documents invalid, failed or unknown, 130 interrupted.
    """


def _csv_defaults(values: tuple[str, ...]) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint="--default")
        defaults[name.strip()] = text
    return defaults


@bulk.command("emit", short_help="Emit every document of a JSONL or CSV file.")
@click.argument(
    "input_path",
    metavar="INPUT.(jsonl|csv)",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@_journal_option
@_run_options
@click.option(
    "--id-column", metavar="NAME", help="CSV: the column grouping rows into documents (id)."
)
@click.option(
    "--default",
    "defaults",
    multiple=True,
    metavar="NAME=VALUE",
    help="CSV: a field the file does not carry (the API's name), e.g. RUTEmisor=76795561-8. "
    "Repeat for several.",
)
@click.option("--delimiter", metavar="CHAR", help="CSV: the cell separator (default ,).")
@common.api_options
@click.pass_context
def emit(
    ctx: click.Context,
    input_path: Path,
    journal_path: Path,
    output: Path | None,
    concurrency: int | None,
    no_validate: bool,
    id_column: str | None,
    defaults: tuple[str, ...],
    delimiter: str | None,
) -> None:
    """Emit every document of INPUT (JSONL: one document a line; CSV: one line item a
    row, grouped by the id column), journaled in --journal.

    A document's Idempotency-Key is its id, or the file's hash and its line. Run the same
    command again (or bulk resume) after a crash, a kill or Ctrl-C: what is done is
    skipped, what was in flight is re-sent with the same key, nothing is emitted twice.

    A progress bar shows on a terminal (done, issued, failed, rate, and the time left at
    the rate budget); a summary table ends the run. With --json: one JSON object per
    outcome on stdout, then {"summary": {...}}.
    """
    with _one_line_errors(ctx):
        options: dict[str, Any] = {}
        if id_column is not None:
            options["id_column"] = id_column
        if defaults:
            options["defaults"] = _csv_defaults(defaults)
        if delimiter is not None:
            options["delimiter"] = delimiter
        batch = _open_input(input_path, options)

        def checked(journal: Journal) -> BulkInput:
            _check_batch(journal, batch)
            return batch

        _run(
            ctx,
            journal_path,
            checked,
            must_exist=False,
            output=output,
            concurrency=concurrency,
            validate=not no_validate,
        )


def _journal_input(journal: Journal) -> BulkInput:
    from ..bulk import BatchMismatchError, resume_input

    try:
        return resume_input(journal)
    except LookupError as exc:
        raise common.CliError(
            f"{exc} Resume it with the code that started it (emit_many with this journal).",
            common.EXIT_USAGE,
        ) from None
    except FileNotFoundError as exc:
        raise common.CliError(
            f"{exc}: the batch's input file is gone. Restore it (the same bytes), or run "
            f"openfactura bulk emit FILE --journal {shlex.quote(str(journal.path))}",
            common.EXIT_USAGE,
        ) from None
    except BatchMismatchError as exc:
        raise common.CliError(str(exc), common.EXIT_USAGE) from None


@bulk.command("resume", short_help="Carry on with a batch after a crash or Ctrl-C.")
@_journal_option
@_run_options
@common.api_options
@click.pass_context
def resume(
    ctx: click.Context,
    journal_path: Path,
    output: Path | None,
    concurrency: int | None,
    no_validate: bool,
) -> None:
    """Carry on with the batch of --journal: its input file again (it must not have
    changed), what is done skipped, what was in flight re-sent with the same key.

    The same as running bulk emit again with the same file and journal.
    """
    with _one_line_errors(ctx):
        _run(
            ctx,
            journal_path,
            _journal_input,
            must_exist=True,
            output=output,
            concurrency=concurrency,
            validate=not no_validate,
        )


@bulk.command("report", short_help="What a batch's journal says (also during a run).")
@_journal_option
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([*STATES, "all"]),
    help="List the entries in this state (repeat for several; all: every entry). "
    "Default: those not issued.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    metavar="N",
    help="List at most N entries (0: all; default 50 in a table, all with --json).",
)
@common.json_option
@click.pass_context
def report(
    ctx: click.Context, journal_path: Path, states: tuple[str, ...], limit: int | None
) -> None:
    """Counts per state and SII status, and the entries of the chosen states, from the
    journal (read-only: safe while a run goes on)."""
    json_mode = common.state(ctx).json
    wanted: tuple[str, ...] | None = (
        None if "all" in states else (tuple(states) if states else _PENDING_STATES)
    )
    if limit is None:
        limit = 0 if json_mode else 50
    journal = _open_journal(journal_path, read_only=True)
    try:
        try:
            summary = journal.summary()
            source = journal.source
            runs = journal.meta("runs")
            entries: list[Entry] = []
            for entry in journal.entries(states=wanted):
                if limit and len(entries) >= limit:
                    break
                entries.append(entry)
            listed = sum(summary.states.get(s, 0) for s in (wanted or summary.states))
        except sqlite3.DatabaseError as exc:
            raise common.CliError(
                f"cannot read the journal {journal_path}: {exc}", common.EXIT_USAGE
            ) from None
    finally:
        journal.close()
    data = {
        "journal": str(journal_path),
        "source": source,
        "runs": int(runs) if runs else 0,
        "summary": summary.as_dict(),
        "entries": [entry.as_dict() for entry in entries],
    }

    def human(console: Console) -> None:
        from rich.table import Table

        rows: list[tuple[str, Any]] = []
        if source is not None:
            rows.append(("Input", f"{source.get('path')} ({source.get('count')} documents)"))
        rows.append(("Runs", data["runs"]))
        rows.append(("Journaled", summary.total))
        rows += [(state, summary.states[state]) for state in STATES if state in summary.states]
        rows += [(f"SII: {status}", n) for status, n in sorted(summary.sii.items())]
        if summary.awaiting_reconcile:
            rows.append(("Awaiting reconcile", summary.awaiting_reconcile))
        rows.append(("Settled", "yes" if summary.settled else "no"))
        console.print(_pairs_table(rows, title=f"Journal {journal_path}"))
        if not entries:
            return
        if not states:
            title = "Not issued"
        elif wanted is None:
            title = "Entries"
        else:
            title = f"Entries: {', '.join(wanted)}"
        if len(entries) < listed:
            title += f" (first {len(entries)} of {listed}; --limit 0 for all)"
        table = Table(title=title, title_justify="left")
        for column in ("Line", "Key", "State", "Token / folio", "Error"):
            table.add_column(column, overflow="fold")
        for entry in entries:
            error = entry.error or {}
            problems = "; ".join(f"{f}: {i}" for f, i in error.get("details") or [])
            why = " ".join(str(p) for p in (error.get("code"), error.get("message")) if p)
            table.add_row(
                str(entry.line if entry.line is not None else entry.index),
                entry.key,
                entry.state + (f" ({entry.sii_status})" if entry.sii_status else ""),
                f"{entry.token} / {entry.folio}" if entry.token else "-",
                problems or why or "-",
            )
        console.print(table)

    common.show(ctx, data, human)


@bulk.command("reconcile", short_help="Look for documents left in flight past 24 h.")
@_journal_option
@click.option(
    "--resend",
    is_flag=True,
    help="Let the next bulk resume send again the entries not found (with their key).",
)
@common.api_options
@click.pass_context
def reconcile(ctx: click.Context, journal_path: Path, resend: bool) -> None:
    """Settle the entries left in flight more than 23 h ago (the API forgets a key after
    24 h, so re-sending them could emit twice): look for each document in the issued
    list (receiver, type, date, total) and record it as issued or not found.

    Entries not found are sent again only when asked: --resend, then bulk resume.
    """
    from ..bulk import reconcile as reconcile_journal

    async def run() -> list[Any]:
        async with common.open_async_client(ctx) as client:
            journal = _open_journal(journal_path, must_exist=True)
            try:
                return await reconcile_journal(client, journal)
            finally:
                await asyncio.to_thread(journal.close)

    found = asyncio.run(run())
    released = 0
    journal = _open_journal(journal_path, must_exist=True)
    try:
        if resend:
            released = journal.allow_resend()
        summary = journal.summary()
    finally:
        journal.close()
    missing = [r for r in found if r.found is False]
    unsearchable = [r for r in found if r.found is None]
    left = summary.states.get("not_found", 0) + len(unsearchable)
    data = {
        "reconciled": [r.as_dict() for r in found],
        "released": released,
        "summary": summary.as_dict(),
    }

    def human(console: Console) -> None:
        from rich.table import Table

        if not found:
            console.print("Nothing to reconcile: no entry was left in flight more than 23 h ago.")
        else:
            table = Table(title=f"Reconciled ({journal_path})", title_justify="left")
            for column in ("Key", "Found", "Token", "Folio"):
                table.add_column(column, overflow="fold")
            for r in found:
                verdict = {True: "yes: issued", False: "no", None: "cannot search"}[r.found]
                table.add_row(r.key, verdict, r.token or "-", str(r.folio or "-"))
            console.print(table)
        if missing and not resend:
            console.print(
                f"{len(missing)} not found: they were not emitted. To send them again: "
                f"{_resume_command(journal_path, 'reconcile')} --resend, then "
                f"{_resume_command(journal_path)}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if released:
            console.print(
                f"{released} released: {_resume_command(journal_path)} sends them again.",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if unsearchable:
            console.print(
                f"{len(unsearchable)} cannot be searched (the journal lacks their type, "
                "date, receiver or total): check them by hand.",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    common.show(ctx, data, human)
    if left:
        ctx.exit(common.EXIT_PARTIAL)


@bulk.command("wait", short_help="Follow a batch's documents until the SII decides.")
@_journal_option
@click.option(
    "--save-to",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Save each decided document's PDF and XML here, named by type and folio "
    "(33-1234.pdf); files already there are kept.",
)
@click.option("--no-pdf", is_flag=True, help="With --save-to: not the PDFs.")
@click.option("--no-xml", is_flag=True, help="With --save-to: not the XMLs.")
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up on the documents still undecided after this long (per 100 documents); "
    "run it again later for those.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="First pause between polls (grows x1.5 up to 30 s).",
)
@common.api_options
@click.pass_context
def wait(
    ctx: click.Context,
    journal_path: Path,
    save_to: Path | None,
    no_pdf: bool,
    no_xml: bool,
    max_wait: float,
    interval: float,
) -> None:
    """Poll every issued document of the journal until the SII decides (within the rate
    budget), record each final status in the journal, and with --save-to save the files.

    A second run only does what is left. With --json: one JSON object per document on
    stdout, then {"summary": {...}}. Exit code 3 if any document was rejected or is still
    undecided.
    """
    from ..bulk import wait as follow

    json_mode = common.state(ctx).json
    sink = _Sink(path=None, stdout=json_mode)
    statuses: dict[str, int] = {}
    counts = {"followed": 0, "final": 0, "rejected": 0, "undecided": 0}
    errors = common.error_console()

    async def run() -> None:
        from rich.status import Status

        from ..types import DocumentStatus

        async with common.open_async_client(ctx) as client:
            journal = _open_journal(journal_path, must_exist=True)
            spinner = (
                Status("Waiting for the SII...", console=errors)
                if errors.is_terminal and not json_mode
                else None
            )
            try:
                if spinner is not None:
                    spinner.start()
                async for followed in follow(
                    client,
                    journal,
                    save_to=save_to,
                    pdf=not no_pdf,
                    xml=not no_xml,
                    timeout=max_wait,
                    interval=interval,
                    max_interval=max(30.0, interval),
                ):
                    counts["followed"] += 1
                    if followed.final:
                        counts["final"] += 1
                        estado = str(followed.estado)
                        statuses[estado] = statuses.get(estado, 0) + 1
                        counts["rejected"] += DocumentStatus(estado).is_rejected
                    else:
                        counts["undecided"] += 1
                    sink.write(followed.as_dict())
                    if spinner is not None:
                        spinner.update(
                            f"Waiting for the SII: {counts['final']} decided, "
                            f"{counts['undecided']} undecided"
                        )
            finally:
                if spinner is not None:
                    spinner.stop()
                await asyncio.to_thread(journal.close)

    with _one_line_errors(ctx):
        try:
            asyncio.run(run())
        except KeyboardInterrupt:
            raise common.CliError(
                "interrupted: the statuses seen so far are in the journal; run it again "
                "to follow the rest",
                common.EXIT_INTERRUPTED,
            ) from None
    code = common.EXIT_PARTIAL if counts["rejected"] or counts["undecided"] else common.EXIT_OK
    if json_mode:
        common.print_json(
            {
                "summary": {
                    **counts,
                    "statuses": statuses,
                    "journal": str(journal_path),
                    "saved_to": None if save_to is None else str(save_to),
                    "exit_code": code,
                }
            },
            one_line=True,
        )
    else:
        rows: list[tuple[str, Any]] = [(f"SII: {s}", n) for s, n in sorted(statuses.items())]
        rows.append(("Undecided", counts["undecided"]))
        rows.insert(0, ("Followed", counts["followed"]))
        if save_to is not None:
            rows.append(("Files in", save_to))
        if counts["followed"] == 0:
            common.console().print("Nothing to wait for: every issued document is decided.")
        else:
            common.console().print(_pairs_table(rows, title="SII verdicts"))
        if counts["undecided"]:
            _note(
                f"{counts['undecided']} still undecided: run it again later "
                f"({_resume_command(journal_path, 'wait')})"
            )
    ctx.exit(code)


def register(cli: click.Group) -> None:
    cli.add_command(bulk)
