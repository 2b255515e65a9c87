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
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from ._fork import keep_parent_object

__all__ = ["LoopThread"]

T = TypeVar("T")

_live: weakref.WeakSet[LoopThread] = weakref.WeakSet()


class LoopThread:
    """A lazily started event loop running forever on one daemon thread."""

    def __init__(self, name: str = "openfactura-sync") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._closed = False
        _live.add(self)

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("This client is closed; create a new one.")
            if self._pid != os.getpid():  # forked child: the parent's thread does not exist here
                keep_parent_object(self._loop)
                self._loop, self._thread, self._pid = None, None, os.getpid()
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._serve, args=(loop, ready), name=self._name, daemon=True
                )
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

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
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()  # Ctrl-C cancels the work on the loop thread too
            raise

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
        if loop is not None and thread is not None and self._pid == os.getpid():
            self._check_not_on_loop_thread()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()

    @property
    def closed(self) -> bool:
        return self._closed


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _reset_after_fork() -> None:  # pragma: no cover - exercised in forked children
    for runner in list(_live):
        keep_parent_object(runner._loop)
        runner._loop, runner._thread = None, None
        runner._lock = threading.Lock()
        runner._pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
