"""What ``emit_many`` yields: one outcome per input document, and its progress snapshots.

Usage::

    async for outcome in client.documents.emit_many(documents, journal="run.db"):
        match outcome:
            case Issued(token=token, folio=folio): ...
            case AlreadyIssued(token=token): ...      # the key had emitted before (OF-06)
            case Invalid(problems=problems): ...      # [(field, issue), ...]; nothing emitted
            case Failed(error=error): ...             # a typed error, after the retries
            case Unknown(key=key): ...                # may exist: run again with the journal
        print(outcome.kind, outcome.index, outcome.id, outcome.as_dict())
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from .._exceptions import APIError, ErrorDetail, OpenfacturaError, ResponseDecodeError

__all__ = [
    "AlreadyIssued",
    "Failed",
    "Invalid",
    "Issued",
    "Outcome",
    "Progress",
    "Unknown",
    "error_record",
]


@attrs.frozen(kw_only=True)
class Outcome:
    """Common to every outcome.

    ``index`` is the document's 0-based position in the input, ``line`` its line in an
    input file (``None`` otherwise), ``id`` the caller's id for it (``None`` if it had
    none) and ``key`` the ``Idempotency-Key`` it was (or would be) sent with.
    ``resumed`` is true when the outcome comes from the journal of an earlier run:
    nothing was sent for it this time.
    """

    kind: ClassVar[str] = ""

    index: int
    key: str
    id: str | None = None
    line: int | None = None
    resumed: bool = False

    @property
    def ok(self) -> bool:
        """True when the document exists (``issued`` or ``already_issued``)."""
        return False

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``kind`` first), e.g. for a results file."""
        out: dict[str, Any] = {"kind": self.kind}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if field.name == "error":
                value = None if value is None else error_record(value)
            elif field.name == "problems":
                value = [list(problem) for problem in value]
            out[field.name] = value
        return out


@attrs.frozen(kw_only=True)
class Issued(Outcome):
    """The document was emitted by this request: its ``token`` and ``folio``."""

    kind: ClassVar[str] = "issued"

    token: str
    folio: int | None = None
    warning: str | None = None
    """The API's non-blocking remark (``WARNING``), if any."""

    @property
    def ok(self) -> bool:
        """True: the document exists."""
        return True


@attrs.frozen(kw_only=True)
class AlreadyIssued(Outcome):
    """The key had already emitted a document (an ``OF-06`` replay): the original ``token``.

    The replay does not say the folio; ``openfactura.bulk.wait`` fills it in the journal.
    """

    kind: ClassVar[str] = "already_issued"

    token: str
    folio: int | None = None

    @property
    def ok(self) -> bool:
        """True: the document exists."""
        return True


@attrs.frozen(kw_only=True)
class Invalid(Outcome):
    """Refused, locally or by the API: ``problems`` lists ``(field, issue)`` pairs.

    Nothing was emitted. ``error`` is the :class:`~openfactura.ValidationError` or
    :class:`~openfactura.InvalidRequestError` (``None`` when read back from a journal).
    """

    kind: ClassVar[str] = "invalid"

    problems: tuple[ErrorDetail, ...] = ()
    error: Exception | None = None


@attrs.frozen(kw_only=True)
class Failed(Outcome):
    """The request failed after the client's retries; ``error`` is the typed exception.

    This request emitted nothing; the next run with the same journal tries again.
    """

    kind: ClassVar[str] = "failed"

    error: Exception


@attrs.frozen(kw_only=True)
class Unknown(Outcome):
    """Whether the document exists cannot be known now; ``key`` is what settles it.

    Run the batch again with the same journal (it re-sends with the same key: a document
    that exists comes back as :class:`AlreadyIssued`). ``needs_reconcile`` is true when the
    entry's first attempt is older than the API's idempotency window, where a re-send
    could duplicate: :func:`openfactura.bulk.reconcile` must look for it first.
    """

    kind: ClassVar[str] = "unknown"

    reason: str
    needs_reconcile: bool = False
    error: Exception | None = None


@attrs.frozen(kw_only=True)
class Progress:
    """A snapshot passed to ``on_progress`` after each outcome.

    ``total`` is the number of documents when the input knows it (a list, an input
    file), else ``None``; ``resumed`` counts outcomes taken from the journal.
    """

    done: int
    issued: int
    already_issued: int
    invalid: int
    failed: int
    unknown: int
    in_flight: int
    resumed: int
    elapsed: float
    total: int | None = None
    budget_rate: float | None = None
    """Requests per second the client's rate limits allow over a long run."""

    @property
    def rate(self) -> float:
        """Outcomes per second so far in this run."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate budget (at the rate so far without limits); ``None``
        when the total is unknown."""
        if self.total is None:
            return None
        left = max(self.total - self.done, 0)
        rate = self.budget_rate or self.rate
        if left == 0:
            return 0.0
        return left / rate if rate > 0 else None


def error_record(error: BaseException) -> dict[str, Any]:
    """An exception as JSON: ``type``, ``code``, ``status``, ``message``, ``details``."""
    details: list[tuple[str, str]] = []
    code: str | None = None
    status: int | None = None
    message = str(error)
    if isinstance(error, APIError):
        code, status, message = error.code, error.status, error.message
        details = [tuple(d) for d in error.details]  # type: ignore[misc]
    elif isinstance(error, ResponseDecodeError):
        status, message = error.status, error.message
        details = [tuple(d) for d in error.problems]  # type: ignore[misc]
    elif isinstance(error, OpenfacturaError) and hasattr(error, "problems"):
        message = str(getattr(error, "message", message))
        details = [tuple(d) for d in error.problems]
    return {
        "type": type(error).__name__,
        "code": code,
        "status": status,
        "message": message,
        "details": [list(d) for d in details],
    }
