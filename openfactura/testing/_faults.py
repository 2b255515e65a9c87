"""Fault injection for the sandbox: the failures a client meets in production, on demand.

One rule for every fault: it applies to the next ``count`` requests whose path starts with
``path`` (any path when ``None``) that passed the gateway (a known key, within the rate
limits), in the order the faults were planned. Each request takes at most one fault of each
phase:

=================  =========  =============================================================
kind               phase      what the client gets
=================  =========  =============================================================
``"status"``       before     ``status`` (default 503) with an empty body; the request is
                              not processed (``after_store=True``: processed first)
``"html502"``      before     a proxy's HTML "502 Bad Gateway" page (``after_store``: idem)
``"delay"``        delay      the answer ``seconds`` late; the request is still processed
                              even if the client gave up meanwhile (like a real server)
``"drop"``         after      nothing: the connection is cut once the request was processed
``"latin1"``       after      the JSON answer as Latin-1 bytes instead of UTF-8
``"html200"``      after      200 with an HTML page instead of the answer
``"truncated"``    after      200 with the answer's JSON cut in half
``"error200"``     after      200 with an error body (``body``; default ``{"error":
                              {"message": "Error de base de datos", "code": "OF-13"}}``)
``"empty200"``     after      200 with an empty body
=================  =========  =============================================================

"after" faults replace the answer of a processed request: for an emission the document
**is stored** (the worst case: it exists, and the answer says nothing usable about it).
A "delay" reads the request's body before holding it, so a client that gives up meanwhile
does not undo it (an emission is stored), and stopping the sandbox ends every hold at once.

Usage (methods of :class:`~openfactura.testing.FakeOpenfactura`)::

    fake.fault_next("truncated", path="/v2/dte/document")    # any kind, by name
    fake.fail_next(2, status=503, path="/v2/dte/organization")
    fake.fail_next(status=502, after_store=True)           # processed, then 502
    fake.proxy_502_next()
    fake.delay_next(seconds=0.2)
    fake.drop_after_store_next(path="/v2/dte/document")
    fake.latin1_next()
    fake.html_next(); fake.truncated_next(); fake.error_body_next(); fake.empty_body_next()
    fake.pending_faults                                    # how many are still planned
"""

from __future__ import annotations

import threading
from typing import Any, Literal

import attrs

__all__ = [
    "DEFAULT_ERROR_BODY",
    "FAULT_KINDS",
    "HTML_PAGE",
    "PROXY_502",
    "Fault",
    "FaultKind",
    "Faults",
]

FaultKind = Literal[
    "status",
    "html502",
    "delay",
    "drop",
    "latin1",
    "html200",
    "truncated",
    "error200",
    "empty200",
]
"""The kinds of fault :meth:`FakeOpenfactura.fault_next` injects (see the module docstring)."""
FAULT_KINDS: tuple[FaultKind, ...] = (
    "status",
    "html502",
    "delay",
    "drop",
    "latin1",
    "html200",
    "truncated",
    "error200",
    "empty200",
)
"""Every kind of fault (for parametrised fault-matrix tests)."""
Phase = Literal["before", "delay", "after"]

PROXY_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
"""What nginx-style proxies answer when the upstream is down (not JSON)."""
HTML_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Openfactura</title></head>\n"
    "<body><h1>Servicio en mantención</h1><p>Intente más tarde.</p></body></html>\n"
)
"""The 200 HTML page of ``"html200"`` (a maintenance page where JSON was expected)."""
DEFAULT_ERROR_BODY: dict[str, Any] = {
    "error": {"message": "Error de base de datos", "code": "OF-13"}
}
"""The 200 body of ``"error200"`` unless ``body=`` says otherwise."""


@attrs.define(kw_only=True)
class Fault:
    """One planned fault (``remaining`` requests still to get it)."""

    kind: FaultKind
    remaining: int
    status: int = 503
    seconds: float = 0.0
    path: str | None = None
    after_store: bool = False
    body: Any = None

    @property
    def phase(self) -> Phase:
        if self.kind == "delay":
            return "delay"
        if self.kind in ("status", "html502") and not self.after_store:
            return "before"
        return "after"

    def matches(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)


class Faults:
    """The pending faults, consumed in the order they were planned (thread-safe)."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: FaultKind,
        count: int = 1,
        *,
        status: int | None = None,
        seconds: float | None = None,
        path: str | None = None,
        after_store: bool = False,
        body: Any = None,
    ) -> None:
        """Plan ``count`` faults of ``kind`` (see the module's table)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if kind == "delay" and (seconds is None or seconds < 0):
            raise ValueError("a delay needs seconds >= 0")
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status (100-599)")
        fault = Fault(
            kind=kind,
            remaining=count,
            status=503 if status is None else status,
            seconds=seconds or 0.0,
            path=path,
            after_store=after_store,
            body=DEFAULT_ERROR_BODY if body is None else body,
        )
        with self._lock:
            self._pending.append(fault)

    def take(self, phase: Phase, path: str) -> Fault | None:
        """The first pending fault of ``phase`` for ``path``, counted as used (or ``None``)."""
        with self._lock:
            for fault in self._pending:
                if fault.phase == phase and fault.remaining > 0 and fault.matches(path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._pending.remove(fault)
                    return fault
        return None

    @property
    def pending(self) -> int:
        """How many faulty answers are still planned."""
        with self._lock:
            return sum(fault.remaining for fault in self._pending)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
