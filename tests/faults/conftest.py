"""Fault-matrix fixtures: nothing may leak (sessions, sockets) and nothing may log an ERROR."""

from __future__ import annotations

import gc
import logging
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture
def no_leaks(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Fail the test on a ResourceWarning, an "Unclosed client session/connector" (which
    aiohttp reports through the event loop's exception handler, i.e. the ``asyncio`` logger)
    or any record at ERROR (the sandbox's own errors included), after a garbage collection.

    Yields the list the ERROR records end up in (filled at teardown).
    """
    caplog.set_level(logging.INFO)
    errors: list[logging.LogRecord] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        yield errors
        gc.collect()
    errors.extend(r for r in caplog.records if r.levelno >= logging.ERROR)
    unclosed = [r for r in caplog.records if "Unclosed" in r.getMessage()]
    assert not unclosed, [r.getMessage() for r in unclosed]
    assert not errors, [(r.name, r.getMessage()) for r in errors]
