"""The fault matrix's columns: each fault, how to plan it, and what each cell may end in.

The rows (one scenario per public method) are in ``fault_scenarios.py``; the async matrix
is ``test_faults_matrix.py``, the blocking sample ``test_faults_blocking.py``.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
from fault_scenarios import Scenario

import openfactura
from openfactura.testing import FakeOpenfactura
from openfactura.testing._faults import DEFAULT_ERROR_BODY

Mode = Literal["plain", "deadline", "cancel", "own_timeout"]

LONG = 10.0
"""The client's ``timeout`` where the fault is not about time (never reached)."""
SHORT = 0.25
"""The client's ``timeout`` under the ``deadline`` column."""
EMISSION_HOLD = SHORT + 0.25
"""How long the sandbox holds an emission (``deadline``, ``cancel``, ``own-timeout``): past
the client's timeout, then processed and stored like the real API, which does not know
that the client left."""
HUNG = 3600.0
"""A hold that never ends within the test: a hung API (every call but the emission)."""
SLACK = 1.5
"""How far past its deadline a call may end on a loaded machine (a hang is unbounded)."""
SAFETY = LONG + 10.0
"""After this many seconds a call is declared hung and the case fails."""
EMISSION_PATH = "/v2/dte/document"


@attrs.frozen
class Column:
    """One fault of the matrix: what to plan in the sandbox and how to run the call."""

    name: str
    kind: str
    """The sandbox's fault kind it plans (see ``openfactura.testing.FAULT_KINDS``)."""
    mode: Mode = "plain"
    status: int | None = None
    after_store: bool = False

    def plan(self, fake: FakeOpenfactura, path: str, effect: str) -> None:
        seconds = None
        if self.kind == "delay":
            seconds = EMISSION_HOLD if effect == "emission" else HUNG
        fake.fault_next(
            self.kind,  # type: ignore[arg-type]
            path=path,
            status=self.status,
            seconds=seconds,
            after_store=self.after_store,
        )


COLUMNS = [
    Column("store-then-drop", "drop"),
    Column("deadline", "delay", mode="deadline"),
    Column("502", "status", status=502),
    Column("502-proxy-html", "html502"),
    Column("503", "status", status=503),
    Column("503-after-store", "status", status=503, after_store=True),
    Column("200-html", "html200"),
    Column("200-truncated", "truncated"),
    Column("200-error-body", "error200"),
    Column("200-empty", "empty200"),
    Column("200-latin1", "latin1"),
    Column("cancel", "delay", mode="cancel"),
    Column("own-timeout", "delay", mode="own_timeout"),
]

OK = "ok"
Outcomes = frozenset[str]


def expected(scenario: Scenario, column: Column) -> Outcomes:
    """What a method may end in under a fault: ``"ok"`` or exception class names.

    Reads are retried after a lost answer or a 502/503 (the retry gets the answer); writes
    are not (the caller decides); an emission is retried with its key (a replay when the
    first attempt was stored). A 2xx the SDK cannot read is a ``ResponseDecodeError``, and
    for an emission an ``OutcomeUnknownError`` (the document may exist).
    """
    effect = scenario.effect
    name = column.name
    if column.mode == "cancel":
        return frozenset({"CancelledError"})
    if column.mode == "own_timeout":
        return frozenset({"TimeoutError"})
    if column.mode == "deadline":
        return frozenset({"OutcomeUnknownError" if effect == "emission" else "APITimeoutError"})
    if name == "200-latin1":
        return frozenset({OK})
    if name in ("200-html", "200-truncated", "200-error-body", "200-empty"):
        if effect == "emission":
            return frozenset({"OutcomeUnknownError"})
        if name == "200-empty" and scenario.name in EMPTY_IS_AN_ANSWER:
            return frozenset({OK})
        if name == "200-error-body" and scenario.name == "request":
            return frozenset({OK})  # raw access: the decoded JSON, whatever it says
        return frozenset({"ResponseDecodeError"})
    # store-then-drop, 502, 503 (before or after the work was done)
    if effect == "write":
        return frozenset({"APIConnectionError" if name == "store-then-drop" else "ServerError"})
    return frozenset({OK})


EMPTY_IS_AN_ANSWER = {
    # A 200 with an empty body is a known form of "no rows" (the sandbox's ``empty_list``
    # variant) and of "nothing to say" (resend_email, purchases, the raw request).
    "documents.issued": "no rows",
    "documents.received": "no rows",
    "registry.purchases": "no blocks",
    "self_service.resend_email": "done",
    "registry.sync_rcv": "queued (the documented answer has no body)",
    "request": "None",
}


def check_odd_answer(scenario: Scenario, column: Column, value: Any) -> bool:
    """The results that are right for an odd answer and not the usual one (checked here)."""
    if column.name == "200-empty" and scenario.name in EMPTY_IS_AN_ANSWER:
        if scenario.name == "registry.sync_rcv":
            assert value == openfactura.types.SyncRcvResult()
        else:
            assert value in (None, []), value
        return True
    if column.name == "200-error-body" and scenario.name == "request":
        assert value == DEFAULT_ERROR_BODY
        return True
    return False


@attrs.define
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def label(self) -> str:
        return OK if self.error is None else type(self.error).__name__
