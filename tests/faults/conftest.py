"""Fault-matrix fixtures: nothing may leak (sessions, sockets) and nothing may log an ERROR."""

from __future__ import annotations

import logging
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest


@pytest.fixture
def no_leaks(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[logging.LogRecord]]:
    """Fail the test when an ``aiohttp.ClientSession`` made during it is still open at its
    end, on a ``ResourceWarning`` (an error here: one raised in a finalizer reaches pytest
    as an unraisable exception, an error in this project's configuration), on an
    "Unclosed client session/connector" report (aiohttp sends it to the event loop's
    exception handler, i.e. the ``asyncio`` logger) and on any record at ERROR, the
    sandbox's own errors included.

    Every session is tracked when it is made rather than found by a garbage collection
    after the test (which takes longer than most cases of the matrix).

    Yields the list the ERROR records end up in (filled at teardown).
    """
    caplog.set_level(logging.INFO)
    sessions: list[weakref.ref[aiohttp.ClientSession]] = []
    original = aiohttp.ClientSession.__init__

    def tracked(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        sessions.append(weakref.ref(self))

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", tracked)
    errors: list[logging.LogRecord] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        yield errors
    still_open = [
        session
        for ref in sessions
        if (session := ref()) is not None
        and (not session.closed or (session.connector is not None and not session.connector.closed))
    ]
    assert not still_open, f"{len(still_open)} session(s) left open"
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    errors.extend(r for r in records if r.levelno >= logging.ERROR)
    unclosed = [r for r in records if "Unclosed" in r.getMessage()]
    assert not unclosed, [r.getMessage() for r in unclosed]
    assert not errors, [(r.name, r.getMessage()) for r in errors]
