"""The bulk journal: a SQLite file (WAL) recording every key before it is sent, then its fate.

The schema is in ``journal_schema.sql`` next to this module. Writes go through one
writer thread (:mod:`._writer`) and are awaited with ``asyncio.wrap_future``, so the event
loop never waits for the disk; reads (one primary-key lookup per document) use their own
connection, which WAL lets run alongside the writer.

Usage::

    journal = Journal("run.db")               # created if missing; one process at a time
    async for outcome in client.documents.emit_many(docs, journal=journal): ...
    journal.summary().states                   # {"issued": 9990, "invalid": 10}
    for entry in journal.entries(states=["unknown"]):
        print(entry.key, entry.error)
    journal.close()

    Journal("run.db", read_only=True)          # a report while a run is going on
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import attrs

from .._exceptions import ConfigurationError, ErrorDetail
from ._outcomes import AlreadyIssued, Invalid, Issued, Outcome
from ._writer import SQLiteWriter, Write

__all__ = [
    "DONE_STATES",
    "IDEMPOTENCY_WINDOW",
    "RESEND_WINDOW",
    "BatchMismatchError",
    "Entry",
    "Journal",
    "JournalBusyError",
    "JournalSummary",
]

SCHEMA_VERSION = 1

IDEMPOTENCY_WINDOW = 24 * 3600.0
"""How long the API remembers an ``Idempotency-Key`` (its answer is ``OF-06`` meanwhile)."""

RESEND_WINDOW = 23 * 3600.0
"""An unsettled entry is re-sent with its key only this long after its first attempt: an
hour short of the API's 24 h, for clock skew and for the time a re-send takes to arrive.
After that it waits for :func:`openfactura.bulk.reconcile`."""

DONE_STATES = frozenset({"issued", "already_issued"})

_COLUMNS = (
    "key, idx, line, business_id, run, state, attempts, maybe_sent_at, updated_at, digest, "
    "tipo_dte, fch_emis, rut_recep, mnt_total, token, folio, warning, error, reconciled, "
    "sii_status, sii_final, status_at, pdf_path, xml_path"
)


class JournalBusyError(ConfigurationError):
    """Another process (or another :class:`Journal` object) is writing this journal."""


class BatchMismatchError(ConfigurationError):
    """The journal belongs to another batch (for example, the input file changed).

    Documents without an id are keyed by the batch identity and their position; sending
    them with another batch's journal could emit them twice, so nothing is sent.
    """


@attrs.frozen(kw_only=True)
class Signature:
    """What identifies a document in the issued list, for reconcile."""

    tipo_dte: int | None = None
    fch_emis: str | None = None
    rut_recep: str | None = None
    mnt_total: int | None = None


@attrs.frozen(kw_only=True)
class Entry:
    """One document of the batch as the journal has it (see ``journal_schema.sql``)."""

    key: str
    index: int
    line: int | None
    business_id: str | None
    run: int
    state: str
    attempts: int
    maybe_sent_at: float | None
    updated_at: float
    digest: str | None
    signature: Signature
    token: str | None
    folio: int | None
    warning: str | None
    error: dict[str, Any] | None
    reconciled: bool
    sii_status: str | None
    sii_final: bool | None
    status_at: float | None
    pdf_path: str | None
    xml_path: str | None

    @property
    def done(self) -> bool:
        """The document exists (``issued`` or ``already_issued``)."""
        return self.state in DONE_STATES

    @property
    def problems(self) -> tuple[ErrorDetail, ...]:
        """The ``(field, issue)`` pairs of the recorded error (for an ``invalid`` entry)."""
        details = (self.error or {}).get("details") or []
        return tuple(ErrorDetail(str(f), str(i)) for f, i in details)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the signature's fields inline), e.g. for a report."""
        out = attrs.asdict(self, recurse=False)
        out.update(attrs.asdict(out.pop("signature")))
        return out

    def outcome(self) -> Outcome:
        """The recorded outcome of a finished entry (``resumed=True``)."""
        common: dict[str, Any] = {
            "index": self.index,
            "key": self.key,
            "id": self.business_id,
            "line": self.line,
            "resumed": True,
        }
        if self.state == "issued":
            assert self.token is not None
            return Issued(token=self.token, folio=self.folio, warning=self.warning, **common)
        if self.state == "already_issued":
            assert self.token is not None
            return AlreadyIssued(token=self.token, folio=self.folio, **common)
        if self.state == "invalid":
            return Invalid(problems=self.problems, **common)
        raise ValueError(f"entry {self.key!r} is not finished ({self.state})")


def _entry(row: tuple[Any, ...]) -> Entry:
    (
        key,
        idx,
        line,
        business_id,
        run,
        state,
        attempts,
        maybe_sent_at,
        updated_at,
        digest,
        tipo_dte,
        fch_emis,
        rut_recep,
        mnt_total,
        token,
        folio,
        warning,
        error,
        reconciled,
        sii_status,
        sii_final,
        status_at,
        pdf_path,
        xml_path,
    ) = row
    return Entry(
        key=key,
        index=idx,
        line=line,
        business_id=business_id,
        run=run,
        state=state,
        attempts=attempts,
        maybe_sent_at=maybe_sent_at,
        updated_at=updated_at,
        digest=digest,
        signature=Signature(
            tipo_dte=tipo_dte, fch_emis=fch_emis, rut_recep=rut_recep, mnt_total=mnt_total
        ),
        token=token,
        folio=folio,
        warning=warning,
        error=None if error is None else json.loads(error),
        reconciled=bool(reconciled),
        sii_status=sii_status,
        sii_final=None if sii_final is None else bool(sii_final),
        status_at=status_at,
        pdf_path=pdf_path,
        xml_path=xml_path,
    )


@attrs.frozen(kw_only=True)
class JournalSummary:
    """Counts of a journal: ``states`` per entry state, ``sii`` per final SII status."""

    states: dict[str, int]
    sii: dict[str, int]
    awaiting_reconcile: int
    """Unsettled entries whose first attempt is past :data:`RESEND_WINDOW` and that
    reconcile has not looked for yet."""

    @property
    def total(self) -> int:
        """How many entries the journal has."""
        return sum(self.states.values())

    @property
    def done(self) -> int:
        """How many documents exist (``issued`` and ``already_issued`` entries)."""
        return sum(n for state, n in self.states.items() if state in DONE_STATES)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, e.g. for a report."""
        return {
            "total": self.total,
            "done": self.done,
            "settled": self.settled,
            "states": dict(self.states),
            "sii": dict(self.sii),
            "awaiting_reconcile": self.awaiting_reconcile,
        }

    @property
    def settled(self) -> bool:
        """Every entry is issued, already issued or invalid: nothing left to send."""
        return all(state in DONE_STATES or state == "invalid" for state in self.states)


def _schema() -> str:
    return resources.files(__package__).joinpath("journal_schema.sql").read_text("utf-8")


class Journal:
    """A batch's journal file. Only one process writes it at a time: a lock is held on
    ``<path>.lock`` (released by the system when the process ends, however it ends).

    :param path: the SQLite file (created with its schema if missing).
    :param clock: epoch seconds, for the 24 h idempotency window (injectable in tests).
    :param durable: commit each key with ``synchronous=FULL`` before its request leaves
        (it survives a power cut); outcomes are committed with ``NORMAL`` (they survive
        the process dying; one lost to a power cut only means the document is re-sent with
        its key, and comes back as ``already_issued``). ``False``: ``NORMAL`` for all.
    :param read_only: only read (no lock, no writer): reports during a run.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], float] = time.time,
        durable: bool = True,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.read_only = read_only
        self._temporary_dir: str | None = None
        self._lock_file: IO[bytes] | None = None
        self._writer: SQLiteWriter | None = None
        self._read_lock = threading.Lock()
        self._closed = False
        if read_only:
            if not self.path.exists():
                raise FileNotFoundError(f"No journal at {self.path}")
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self._reader = sqlite3.connect(
                uri, uri=True, check_same_thread=False, isolation_level=None
            )
            return
        self._lock_file = _take_lock(self.path)
        try:
            self._writer = SQLiteWriter(
                lambda: _connect_writer(self.path),
                name="openfactura-journal",
                durable="FULL" if durable else "NORMAL",
            )
            self._reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except BaseException:
            self._release_lock()
            raise

    @classmethod
    def temporary(cls) -> Journal:
        """A throw-away journal in a temporary folder, deleted on :meth:`close`.

        What ``emit_many`` uses when no journal is given: the same bookkeeping (a repeated
        id is still found) without keeping anything.
        """
        folder = tempfile.mkdtemp(prefix="openfactura-bulk-")
        journal = cls(Path(folder) / "journal.db", durable=False)
        journal._temporary_dir = folder
        if journal._writer is not None:  # nothing to keep: no syncing at all
            journal._writer._modes = {True: "OFF", False: "OFF"}
        return journal

    # -- reads (any thread, synchronous: each is one indexed lookup) ------------------------

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        if self._closed:
            raise RuntimeError("The journal is closed.")
        with self._read_lock:
            return self._reader.execute(sql, tuple(args)).fetchall()

    def meta(self, name: str) -> str | None:
        """A fact about the batch (``identity``, ``source``, ``runs``, ``created``)."""
        rows = self._query("SELECT value FROM batch WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    @property
    def identity(self) -> str | None:
        """The batch identity in the keys of documents without an id (``None``: not set yet)."""
        return self.meta("identity")

    @property
    def source(self) -> dict[str, Any] | None:
        """The input file the batch was started from: ``format``, ``path``, ``identity``..."""
        text = self.meta("source")
        return None if text is None else dict(json.loads(text))

    def get(self, key: str) -> Entry | None:
        """The entry of ``key``, if any."""
        rows = self._query(f"SELECT {_COLUMNS} FROM entry WHERE key = ?", (key,))
        return _entry(rows[0]) if rows else None

    def find_token(self, token: str) -> Entry | None:
        """The entry whose document has ``token``, if any."""
        rows = self._query(f"SELECT {_COLUMNS} FROM entry WHERE token = ? LIMIT 1", (token,))
        return _entry(rows[0]) if rows else None

    def entries(self, *, states: Iterable[str] | None = None, page: int = 500) -> Iterator[Entry]:
        """Entries in input order (optionally only these ``states``), read a page at a time."""
        wanted = None if states is None else sorted(set(states))
        where = "" if wanted is None else f"AND state IN ({', '.join('?' * len(wanted))})"
        after: tuple[int, str] = (-1, "")
        while True:
            rows = self._query(
                f"SELECT {_COLUMNS} FROM entry WHERE (idx, key) > (?, ?) {where} "
                "ORDER BY idx, key LIMIT ?",
                (*after, *(wanted or ()), page),
            )
            for row in rows:
                yield _entry(row)
            if len(rows) < page:
                return
            after = (rows[-1][1], rows[-1][0])

    def summary(self) -> JournalSummary:
        """How many entries are in each state, and each final SII status."""
        states = dict(self._query("SELECT state, COUNT(*) FROM entry GROUP BY state"))
        sii = dict(
            self._query(
                "SELECT sii_status, COUNT(*) FROM entry WHERE sii_final = 1 GROUP BY sii_status"
            )
        )
        stale = self._query(
            "SELECT COUNT(*) FROM entry WHERE maybe_sent_at IS NOT NULL AND maybe_sent_at <= ? "
            "AND state NOT IN ('issued', 'already_issued', 'not_found')",
            (self.clock() - RESEND_WINDOW,),
        )[0][0]
        return JournalSummary(states=states, sii=sii, awaiting_reconcile=int(stale))

    def is_stale(self, entry: Entry) -> bool:
        """An unsettled attempt of ``entry`` is past :data:`RESEND_WINDOW`: reconcile first."""
        return (
            entry.maybe_sent_at is not None
            and not entry.done
            and self.clock() - entry.maybe_sent_at >= RESEND_WINDOW
        )

    # -- writes (through the writer thread) -------------------------------------------------

    def submit(self, write: Write, *, durable: bool = False) -> Future[Any]:
        """Queue a write; the future completes once it is committed (on disk, if
        ``durable``; else safe from the process dying, on disk by the next durable one)."""
        if self._writer is None:
            raise RuntimeError("This journal was opened read-only.")
        return self._writer.submit(write, durable=durable)

    def allow_resend(self, keys: Iterable[str] | None = None) -> int:
        """Let the next run send again entries reconcile did not find (all, or ``keys``).

        Returns how many entries were released. Their key is reused: the API forgot it
        after 24 h, and it protects the new attempt for the next 24 h.
        """
        chosen = None if keys is None else list(keys)
        now = self.clock()

        def release(db: sqlite3.Connection) -> int:
            sql = (
                "UPDATE entry SET state = 'released', maybe_sent_at = NULL, updated_at = ? "
                "WHERE state = 'not_found'"
            )
            if chosen is None:
                return db.execute(sql, (now,)).rowcount
            return sum(db.execute(sql + " AND key = ?", (now, key)).rowcount for key in chosen)

        return int(self.submit(release, durable=True).result())

    # -- the bulk modules' writes (each returns a future; await asyncio.wrap_future) ---------

    def _start_run(self, wanted: str | None, source: dict[str, Any] | None) -> Future[Any]:
        """Count a new run; set the identity (``wanted``, else random) and source if unset.

        The future's result is ``(run number, the journal's identity)``.
        """
        import uuid

        def start(db: sqlite3.Connection) -> tuple[int, str]:
            row = db.execute("SELECT value FROM batch WHERE name = 'identity'").fetchone()
            identity = row[0] if row else (wanted or uuid.uuid4().hex[:24])
            db.execute("INSERT OR IGNORE INTO batch VALUES ('identity', ?)", (identity,))
            if source is not None:
                text = json.dumps(source, ensure_ascii=False)
                db.execute("INSERT OR IGNORE INTO batch VALUES ('source', ?)", (text,))
            row = db.execute("SELECT value FROM batch WHERE name = 'runs'").fetchone()
            run = int(row[0]) + 1 if row else 1
            db.execute("INSERT OR REPLACE INTO batch VALUES ('runs', ?)", (str(run),))
            return run, str(identity)

        return self.submit(start, durable=True)

    def _begin(
        self,
        key: str,
        *,
        index: int,
        line: int | None,
        business_id: str | None,
        run: int,
        digest: str,
        signature: Signature,
    ) -> Future[Any]:
        """Record that a request for ``key`` is about to leave (state ``sending``).

        The future's result is the entry's ``maybe_sent_at`` before this attempt.
        """
        now = self.clock()
        sig = (signature.tipo_dte, signature.fch_emis, signature.rut_recep, signature.mnt_total)

        def begin(db: sqlite3.Connection) -> float | None:
            row = db.execute("SELECT maybe_sent_at FROM entry WHERE key = ?", (key,)).fetchone()
            db.execute(
                "INSERT INTO entry (key, idx, line, business_id, run, state, attempts, "
                "maybe_sent_at, updated_at, digest, tipo_dte, fch_emis, rut_recep, mnt_total) "
                "VALUES (?, ?, ?, ?, ?, 'sending', 1, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET idx = excluded.idx, line = excluded.line, "
                "business_id = excluded.business_id, run = excluded.run, state = 'sending', "
                "attempts = entry.attempts + 1, "
                "maybe_sent_at = COALESCE(entry.maybe_sent_at, excluded.maybe_sent_at), "
                "updated_at = excluded.updated_at, digest = excluded.digest, "
                "tipo_dte = excluded.tipo_dte, fch_emis = excluded.fch_emis, "
                "rut_recep = excluded.rut_recep, mnt_total = excluded.mnt_total, "
                "error = NULL, reconciled = 0",
                (key, index, line, business_id, run, now, now, digest, *sig),
            )
            return None if row is None else row[0]

        return self.submit(begin, durable=True)  # on disk before the request leaves

    def _finish(
        self,
        key: str,
        state: str,
        *,
        token: str | None = None,
        folio: int | None = None,
        warning: str | None = None,
        error: dict[str, Any] | None = None,
        settled: bool = False,
        restore: float | object | None = ...,
    ) -> Future[Any]:
        """Record the outcome of the request begun for ``key``.

        ``settled``: the answer rules out any earlier document of this key (a token, or an
        ``OF-xx`` refusal: the API checked the key first); ``maybe_sent_at`` is cleared.
        ``restore``: this request certainly reached nobody; ``maybe_sent_at`` goes back to
        its value before the attempt.
        """
        now = self.clock()
        text = None if error is None else json.dumps(error, ensure_ascii=False)

        def finish(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE entry SET state = ?, token = COALESCE(?, token), "
                "folio = COALESCE(?, folio), warning = ?, error = ?, updated_at = ? "
                "WHERE key = ?",
                (state, token, folio, warning, text, now, key),
            )
            if settled:
                db.execute("UPDATE entry SET maybe_sent_at = NULL WHERE key = ?", (key,))
            elif restore is not ...:
                db.execute("UPDATE entry SET maybe_sent_at = ? WHERE key = ?", (restore, key))

        return self.submit(finish)

    def _invalid(
        self,
        key: str,
        *,
        index: int,
        line: int | None,
        business_id: str | None,
        run: int,
        digest: str | None,
        signature: Signature,
        error: dict[str, Any],
    ) -> Future[Any]:
        """Record a document refused before sending (it keeps an unsettled earlier attempt:
        such an entry stays as it was, so reconcile still sees it)."""
        now = self.clock()
        text = json.dumps(error, ensure_ascii=False)
        sig = (signature.tipo_dte, signature.fch_emis, signature.rut_recep, signature.mnt_total)

        def invalid(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO entry (key, idx, line, business_id, run, state, updated_at, "
                "digest, tipo_dte, fch_emis, rut_recep, mnt_total, error) "
                "VALUES (?, ?, ?, ?, ?, 'invalid', ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET run = excluded.run, "
                "updated_at = excluded.updated_at, error = excluded.error, "
                "state = CASE WHEN entry.maybe_sent_at IS NULL "
                "AND entry.state NOT IN ('issued', 'already_issued') "
                "THEN 'invalid' ELSE entry.state END, "
                "digest = CASE WHEN entry.maybe_sent_at IS NULL THEN excluded.digest "
                "ELSE entry.digest END",
                (key, index, line, business_id, run, now, digest, *sig, text),
            )

        return self.submit(invalid)

    def _touch(self, key: str, run: int) -> Future[Any]:
        """Mark ``key`` as taken by this run (a repeated id is then recognised)."""
        return self.submit(
            lambda db: db.execute("UPDATE entry SET run = ? WHERE key = ?", (run, key))
        )

    def _reconciled(self, key: str, token: str | None, folio: int | None) -> Future[Any]:
        """Reconcile found the document (``token``) or not (``None``)."""
        now = self.clock()

        def record(db: sqlite3.Connection) -> None:
            if token is None:
                db.execute(
                    "UPDATE entry SET state = 'not_found', reconciled = 1, updated_at = ? "
                    "WHERE key = ?",
                    (now, key),
                )
            else:
                db.execute(
                    "UPDATE entry SET state = 'issued', token = ?, folio = ?, reconciled = 1, "
                    "maybe_sent_at = NULL, error = NULL, updated_at = ? WHERE key = ?",
                    (token, folio, now, key),
                )

        return self.submit(record)

    def _status(self, key: str, estado: str, final: bool, folio: int | None = None) -> Future[Any]:
        """The SII status ``wait`` saw for the entry's document."""
        now = self.clock()
        return self.submit(
            lambda db: db.execute(
                "UPDATE entry SET sii_status = ?, sii_final = ?, status_at = ?, "
                "folio = COALESCE(folio, ?) WHERE key = ?",
                (estado, int(final), now, folio, key),
            )
        )

    def _files(self, key: str, pdf: str | None, xml: str | None, folio: int | None) -> Future[Any]:
        """Where ``wait`` saved the entry's PDF and XML."""
        return self.submit(
            lambda db: db.execute(
                "UPDATE entry SET pdf_path = COALESCE(?, pdf_path), "
                "xml_path = COALESCE(?, xml_path), folio = COALESCE(folio, ?) WHERE key = ?",
                (pdf, xml, folio, key),
            )
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Commit what is queued and close the file (idempotent). A temporary journal is
        deleted."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        with self._read_lock:
            self._reader.close()
        self._release_lock()
        if self._temporary_dir is not None:
            shutil.rmtree(self._temporary_dir, ignore_errors=True)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                _unlock(self._lock_file)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = " read-only" if self.read_only else ""
        return f"<Journal {str(self.path)!r}{mode}>"


def _connect_writer(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA busy_timeout = 10000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ConfigurationError(
                f"{path} is a journal of a newer openfactura (schema {version}); upgrade."
            )
        if version < SCHEMA_VERSION:
            db.executescript(_schema())
            db.execute(
                "INSERT OR IGNORE INTO batch (name, value) VALUES ('created', ?)",
                (repr(time.time()),),
            )
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.close()
        raise
    return db


def _take_lock(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(f"{path}.lock", "a+b")  # noqa: SIM115 - held open until close()
    try:
        _lock(handle)
    except OSError:
        handle.close()
        raise JournalBusyError(
            f"The journal {path} is in use by another process (or another Journal object): "
            "one batch run per journal at a time."
        ) from None
    return handle


try:  # POSIX: an advisory lock that the system drops when the process dies (SIGKILL too)
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
