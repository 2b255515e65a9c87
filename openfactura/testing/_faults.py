"""Fault injection for the sandbox: the failures a client meets in production, on demand.

Usage (methods of :class:`~openfactura.testing.FakeOpenfactura`)::

    fake.fail_next(2, status=503, path="/v2/dte/organization")   # two 503s, then normal
    fake.proxy_502_next()                  # a proxy's HTML "502 Bad Gateway" page
    fake.delay_next(seconds=0.2)           # hold the answer (a client timeout test)
    fake.drop_after_store_next(path="/v2/dte/document")   # stored, answer lost
    fake.latin1_next()                     # JSON sent as Latin-1 bytes, not UTF-8

Each fault applies to the next ``count`` requests whose path starts with ``path`` (any
path when ``None``) that passed the gateway's key and rate-limit checks.
"""

from __future__ import annotations

import threading
from typing import Literal

import attrs

__all__ = ["PROXY_502", "FaultKind", "Faults"]

FaultKind = Literal["status", "html502", "latin1", "delay", "drop"]

PROXY_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
"""What nginx-style proxies answer when the upstream is down (not JSON)."""


@attrs.define(kw_only=True)
class _Fault:
    kind: FaultKind
    remaining: int
    status: int = 500
    seconds: float = 0.0
    path: str | None = None

    def matches(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)


class Faults:
    """The pending faults, consumed in the order they were planned (thread-safe)."""

    def __init__(self) -> None:
        self._pending: list[_Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: FaultKind,
        count: int,
        *,
        status: int = 500,
        seconds: float = 0.0,
        path: str | None = None,
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._pending.append(
                _Fault(kind=kind, remaining=count, status=status, seconds=seconds, path=path)
            )

    def take(self, kind: FaultKind, path: str) -> _Fault | None:
        """The first pending fault of ``kind`` for ``path``, counted as used (or ``None``)."""
        with self._lock:
            for fault in self._pending:
                if fault.kind == kind and fault.remaining > 0 and fault.matches(path):
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
