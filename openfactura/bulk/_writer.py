"""The journal's writer thread: SQLite writes off the event loop, committed in groups.

Every write is a small function of a ``sqlite3.Connection``, submitted from any thread;
the writer runs whatever has queued up in **one** transaction and commits it, then
resolves each write's future. A caller on an event loop awaits ``asyncio.wrap_future(...)``,
so the loop never waits for the disk, and concurrent writes share one commit (group
commit). A transaction holding a ``durable`` write is committed with the ``durable``
synchronous mode (``FULL``: on disk when the commit returns, and with it every earlier
commit, the WAL being one sequential file); the others with the ``lazy`` one (``NORMAL``:
safe from the process dying, synced at the next durable commit or checkpoint).

Usage::

    writer = SQLiteWriter(connect, "journal")   # connect() -> sqlite3.Connection (own thread)
    future = writer.submit(lambda db: db.execute("INSERT ..."), durable=True)
    await asyncio.wrap_future(future)         # durable once this returns
    writer.close()                            # drains the queue, joins the thread
"""

from __future__ import annotations

import concurrent.futures
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["SQLiteWriter", "Write"]

Write = Callable[[sqlite3.Connection], Any]

_STOP = object()


class SQLiteWriter:
    """One daemon thread owning the write connection of one SQLite file."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        name: str,
        *,
        durable: str = "FULL",
        lazy: str = "NORMAL",
    ) -> None:
        self._modes = {True: durable, False: lazy}
        self._mode = ""
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, args=(connect,), name=name, daemon=True)
        self._thread.start()
        self._ready.result()  # the connection is open (or its error is raised here)

    def submit(self, write: Write, *, durable: bool = False) -> concurrent.futures.Future[Any]:
        """Queue ``write``; the future holds its result once committed (or its error).

        ``durable``: its commit must survive a power cut, not only the process dying.
        """
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("The journal is closed.")
            self._queue.put((write, future, durable))
        return future

    def close(self) -> None:
        """Commit what is queued, close the connection and join the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- the thread -------------------------------------------------------------------------

    def _serve(self, connect: Callable[[], sqlite3.Connection]) -> None:
        try:
            db = connect()
        except BaseException as exc:
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        try:
            stop = False
            while not stop:
                batch = [self._queue.get()]
                while True:  # everything queued meanwhile joins this transaction
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if _STOP in batch:
                    stop = True
                    batch = [item for item in batch if item is not _STOP]
                if batch:
                    self._commit(db, batch)
        finally:
            db.close()

    def _commit(
        self,
        db: sqlite3.Connection,
        queued: list[tuple[Write, concurrent.futures.Future[Any], bool]],
    ) -> None:
        mode = self._modes[any(durable for _, _, durable in queued)]
        if mode != self._mode:
            db.execute(f"PRAGMA synchronous = {mode}")
            self._mode = mode
        batch = [(write, future) for write, future, _ in queued]
        # A write whose waiter was cancelled still runs (every write is safe on its own);
        # once marked running, a future can no longer be cancelled under our feet.
        live = [future.set_running_or_notify_cancel() for _, future in batch]
        results: list[Any] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            for write, _ in batch:
                results.append(write(db))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            # One write failed: run them one by one so only the culprit gets the error.
            for (write, future), running in zip(batch, live, strict=True):
                try:
                    db.execute("BEGIN IMMEDIATE")
                    result = write(db)
                    db.execute("COMMIT")
                except BaseException as exc:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    if running:
                        future.set_exception(exc)
                else:
                    if running:
                        future.set_result(result)
            return
        for (_, future), running, result in zip(batch, live, results, strict=True):
            if running:
                future.set_result(result)
