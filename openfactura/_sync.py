"""The blocking facade's engine: one private event loop on a daemon thread per client.

The sync client runs the very same coroutines as the async one; this module only decides
*where* they run. It works from plain scripts, from many threads at once, and from inside
a running event loop (a Jupyter cell, an async view calling legacy sync code), because the
coroutine always runs on our own loop thread, never on the caller's.

Usage::

    runner = LoopThread("openfactura-sync")
    value = runner.run(some_coroutine())       # blocks until done
    for item in runner.iterate(async_iterator):  # async iterator -> plain iterator
        ...
    runner.close()                              # stops the loop and joins the thread

A runner still open when the interpreter exits (a module-level client never closed, as in
a Django app) is stopped at exit, so its session and connections close quietly instead
of printing "Unclosed client session" warnings.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from ._exceptions import OutcomeUnknownError
from ._fork import keep_parent_object

__all__ = ["LoopThread"]

T = TypeVar("T")

_live: weakref.WeakSet[LoopThread] = weakref.WeakSet()
_CLOSED_MIDWAY = "The client was closed while this call was in flight."
_EXIT_GRACE = 5.0
"""Seconds a loop thread gets at interpreter exit to close its sessions."""


class LoopThread:
    """A lazily started event loop running forever on one daemon thread."""

    def __init__(self, name: str = "openfactura-sync") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._closed = False
        self._finalizer: weakref.finalize[Any, Any] | None = None
        _live.add(self)

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("This client is closed; create a new one.")
            if self._pid != os.getpid():  # forked child: the parent's thread does not exist here
                self._forget_parent_loop()
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._serve, args=(loop, ready), name=self._name, daemon=True
                )
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
                # A client dropped without close() stops its loop when it is collected; the
                # thread then closes the session and connections, as close() would.
                self._finalizer = weakref.finalize(self, _stop_loop, loop)
                self._finalizer.atexit = False
            return self._loop

    def _forget_parent_loop(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()  # the parent's loop is not ours to stop
            self._finalizer = None
        keep_parent_object(self._loop)
        self._loop, self._thread, self._pid = None, None, os.getpid()

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    def _check_not_on_loop_thread(self) -> None:
        if self._thread is not None and threading.current_thread() is self._thread:
            raise RuntimeError(
                "A blocking Openfactura call was made from inside its own event-loop thread "
                "(for example from a callback of this client); it would deadlock. Use "
                "AsyncOpenfactura with `await` there."
            )

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop thread and block until it returns (or raises)."""
        try:
            self._check_not_on_loop_thread()
            loop = self._ensure_loop()
        except BaseException:
            coro.close()
            raise
        future = asyncio.run_coroutine_threadsafe(_not_cancelled(coro), loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()  # Ctrl-C cancels the work on the loop thread too
            raise
        except concurrent.futures.CancelledError:  # cancelled before it even started
            raise RuntimeError(_CLOSED_MIDWAY) from None

    def iterate(self, iterator: AsyncIterator[T]) -> Iterator[T]:
        """Drive an async iterator step by step as a plain iterator (closed in ``finally``)."""

        async def step() -> tuple[bool, T | None]:
            try:
                return True, await iterator.__anext__()
            except StopAsyncIteration:
                return False, None

        try:
            while True:
                more, item = self.run(step())
                if not more:
                    return
                yield item  # type: ignore[misc]
        finally:
            aclose: Callable[[], Awaitable[None]] | None = getattr(iterator, "aclose", None)
            if aclose is not None and self._loop is not None and not self._closed:
                self.run(_await(aclose()))

    def close(self, final: Coroutine[Any, Any, None] | None = None) -> None:
        """Run ``final`` (e.g. closing the HTTP session), stop the loop, join the thread."""
        if final is not None:
            if self._loop is not None and not self._closed and self._pid == os.getpid():
                self.run(final)
            else:
                final.close()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
        if loop is not None and thread is not None and self._pid == os.getpid():
            self._check_not_on_loop_thread()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    def _stop_at_exit(self) -> None:
        """Stop the loop (its thread then closes what it owns) and wait a little for it."""
        with self._lock:
            if self._closed or self._pid != os.getpid():
                return
            self._closed = True
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
        if loop is not None and thread is not None and thread.is_alive():
            with contextlib.suppress(RuntimeError):  # its loop closed in between
                loop.call_soon_threadsafe(loop.stop)
            thread.join(_EXIT_GRACE)


async def _not_cancelled(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; if the loop cancels it (the client was closed meanwhile), say so.

    A blocking caller cannot use a cancellation: it gets an error it can act on instead,
    and an emission cut short keeps its idempotency key (``OutcomeUnknownError``).
    """
    try:
        return await coro
    except asyncio.CancelledError as exc:
        lost = OutcomeUnknownError.find(exc)
        if lost is not None:
            raise OutcomeUnknownError(lost.reason, idempotency_key=lost.idempotency_key) from exc
        raise RuntimeError(_CLOSED_MIDWAY) from exc


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _stop_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Stop a dropped client's loop from whatever thread collected the client."""
    if not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # closed in between
            loop.call_soon_threadsafe(loop.stop)


def _reset_after_fork() -> None:  # pragma: no cover - exercised in forked children
    for runner in list(_live):
        runner._lock = threading.Lock()
        runner._forget_parent_loop()


def _stop_all_at_exit() -> None:
    """Close the blocking clients nobody closed (daemon threads die silently otherwise)."""
    for runner in list(_live):
        runner._stop_at_exit()


atexit.register(_stop_all_at_exit)

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
