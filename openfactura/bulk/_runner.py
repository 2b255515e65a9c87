"""``emit_many``: emit a stream of documents within the rate budget, journaled, crash-safe.

How one document goes (a task per document, at most ``concurrency`` at a time)::

    key (id, or batch + position) -> journal lookup -> done before? yield it again, send nothing
        -> prepare (local checks) -> journal "sending" (durable) -> documents.emit(key)
        -> journal outcome -> yield issued | already_issued | invalid | failed | unknown

The input is pulled only when a slot is free, so a generator is never read ahead of the
documents in flight, and memory stays flat whatever the batch size. Cancelling the
iteration (Ctrl-C, ``break``) leaves the documents in flight journaled as ``sending``:
the next run with the same journal re-sends them with the same key, and a document that
did get emitted comes back as ``already_issued`` with its original token.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sized,
)
from typing import TYPE_CHECKING, Any, Union

from .._exceptions import (
    DuplicateDocumentError,
    ErrorDetail,
    InvalidRequestError,
    OpenfacturaError,
    OutcomeUnknownError,
    ValidationError,
    shown,
)
from ._items import BulkItem, Prepared, as_item, digest_of, prepare, signature_of
from ._journal import BatchMismatchError, Entry, Journal, Signature
from ._keys import business_key, check_identity, position_key
from ._outcomes import (
    AlreadyIssued,
    Failed,
    Invalid,
    Issued,
    Outcome,
    Progress,
    Unknown,
    error_record,
)

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura
    from ..resources.documents import Documents

__all__ = ["JournalLike", "budget_rate", "default_concurrency", "emit_many"]

JournalLike = Union[Journal, str, "os.PathLike[str]", None]
ProgressCallback = Callable[[Progress], object]

_UNSETTLED_CODES = frozenset({"OF-12", "OF-13", "OF-21"})
"""XML generation and database errors: the API did not reach a verdict on the key."""

MAX_CONCURRENCY = 64


def budget_rate(client: AsyncOpenfactura) -> float | None:
    """Requests per second the client's rate limits allow over a long run (``None``: no limits)."""
    limits = getattr(client.limiter, "limits", None)
    if not limits:
        return None
    return float(min(limit.max_calls / limit.period_seconds for limit in limits))


def default_concurrency(client: AsyncOpenfactura) -> int:
    """Enough emissions in flight to keep the rate budget busy while answers take up to
    3 s (5 with the API's 100 per minute), between 2 and 16; 8 without limits."""
    rate = budget_rate(client)
    if rate is None:
        return 8
    return max(2, min(16, math.ceil(rate * 3.0)))


def emit_many(
    documents: Documents,
    items: Iterable[Any] | AsyncIterable[Any],
    *,
    concurrency: int | None = None,
    journal: JournalLike = None,
    on_progress: ProgressCallback | None = None,
    validate: bool = True,
    batch: str | None = None,
) -> AsyncIterator[Outcome]:
    """Emit every document of ``items``; yield one :class:`Outcome` per input as each ends.

    See :meth:`openfactura.resources.documents.Documents.emit_many`. Arguments are checked
    here, at once; nothing is read or sent until the iteration starts.
    """
    problems: list[tuple[str, str]] = []
    given: dict[str, Any] = {
        "concurrency": concurrency,
        "journal": journal,
        "items": items,
        "on_progress": on_progress,
    }
    if concurrency is None:
        concurrency = default_concurrency(documents._client)
    elif (
        isinstance(given["concurrency"], bool)
        or not isinstance(given["concurrency"], int)
        or not 1 <= concurrency <= MAX_CONCURRENCY
    ):
        problems.append(("concurrency", f"{shown(concurrency)} is not an integer from 1 to 64"))
    if journal is not None and not isinstance(given["journal"], (Journal, str, os.PathLike)):
        problems.append(("journal", f"expected a Journal or a path, got {type(journal).__name__}"))
    if on_progress is not None and not callable(given["on_progress"]):
        problems.append(("on_progress", f"{shown(on_progress)} is not callable"))
    if batch is not None:
        try:
            check_identity(batch)
        except ValueError as exc:
            problems.append(("batch", str(exc)))
    if isinstance(given["items"], (str, bytes, bytearray, Mapping)):
        # one document (a wire dict) or a text: iterating it would emit its characters or
        # its keys as documents
        what = "a mapping (one document?)" if isinstance(items, Mapping) else "a text"
        problems.append(("documents", f"{what}: pass an iterable of documents"))
    elif not isinstance(given["items"], (Iterable, AsyncIterable)):
        problems.append(("documents", f"{type(items).__name__} is not iterable"))
    if problems:
        raise ValidationError("Invalid emit_many arguments", problems)
    run = _Run(documents, items, concurrency, journal, on_progress, validate, batch)
    return run.outcomes()


class _Run:
    """One call of ``emit_many``."""

    def __init__(
        self,
        documents: Documents,
        items: Iterable[Any] | AsyncIterable[Any],
        concurrency: int,
        journal: JournalLike,
        on_progress: ProgressCallback | None,
        validate: bool,
        batch: str | None,
    ) -> None:
        self.documents = documents
        self.items = items
        self.concurrency = concurrency
        self.journal_arg = journal
        self.on_progress = on_progress
        self.validate = validate
        self.batch = batch
        self.journal: Journal
        self.run = 0
        self.identity = ""
        self.mismatch: str | None = None
        self.claimed: set[str] = set()
        """Keys taken by this run whose journal row does not say so yet."""
        self.counts = dict.fromkeys(
            ("issued", "already_issued", "invalid", "failed", "unknown", "resumed"), 0
        )
        self.done = 0
        self.started = 0.0
        self.total: int | None = None
        self.rate = budget_rate(documents._client)
        self.loop: asyncio.AbstractEventLoop

    # -- the loop ---------------------------------------------------------------------------

    async def outcomes(self) -> AsyncIterator[Outcome]:
        from ._readers import BulkInput

        loop = asyncio.get_running_loop()
        self.loop = loop
        owned = not isinstance(self.journal_arg, Journal)
        if isinstance(self.journal_arg, Journal):
            self.journal = self.journal_arg
        elif self.journal_arg is None:
            self.journal = await asyncio.to_thread(Journal.temporary)
        else:
            self.journal = await asyncio.to_thread(Journal, self.journal_arg)
        pending: set[asyncio.Task[Outcome]] = set()
        try:
            source = self.items.describe() if isinstance(self.items, BulkInput) else None
            wanted = self.batch or (source or {}).get("identity")
            self.run, self.identity = await _wait(self.journal._start_run(wanted, source))
            if wanted is not None and wanted != self.identity:
                self.mismatch = wanted
            if isinstance(self.items, Sized):
                self.total = len(self.items)
            elif isinstance(self.items, BulkInput):
                self.total = self.items.count
            self.started = loop.time()
            pull = _puller(self.items)
            index = 0
            exhausted = False
            while True:
                while not exhausted and len(pending) < self.concurrency:
                    try:
                        value = await pull()
                    except StopAsyncIteration:
                        exhausted = True
                        break
                    decided = self._decide(index, as_item(value))
                    index += 1
                    if isinstance(decided, Outcome):
                        yield self._count(decided, len(pending))
                    else:
                        pending.add(asyncio.ensure_future(decided))
                if not pending:
                    break
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for outcome in sorted((task.result() for task in done), key=_by_index):
                    yield self._count(outcome, len(pending))
        except asyncio.CancelledError as exc:
            # Your own timeout or cancel: still a CancelledError, raised from an
            # OutcomeUnknownError naming the keys of the emissions it cut short (as `emit`
            # does), so OutcomeUnknownError.find(exc) gives them back even without a journal.
            unknown = await _cancel_all(pending)
            pending = set()
            if unknown:
                raise exc from _cut_short(unknown)
            raise
        finally:
            await _cancel_all(pending)
            if owned:
                await asyncio.to_thread(self.journal.close)

    def _count(self, outcome: Outcome, in_flight: int) -> Outcome:
        self.done += 1
        self.counts[outcome.kind] += 1
        if outcome.resumed:
            self.counts["resumed"] += 1
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    done=self.done,
                    in_flight=in_flight,
                    elapsed=self.loop.time() - self.started,
                    total=self.total,
                    budget_rate=self.rate,
                    **self.counts,
                )
            )
        return outcome

    # -- one document -----------------------------------------------------------------------

    def _decide(self, index: int, item: BulkItem) -> Outcome | Any:
        """An outcome known without sending anything, or the coroutine that sends it."""
        common: dict[str, Any] = {"index": index, "line": item.line}
        position = item.line if item.line is not None else index
        if item.id is not None:
            try:
                key = business_key(item.id)
            except ValueError as exc:
                problem = ErrorDetail("id", f"cannot be an Idempotency-Key: {exc}")
                return Invalid(key="", id=str(item.id), problems=(problem,), **common)
            common["id"] = key
        else:
            if self.mismatch is not None:
                raise BatchMismatchError(
                    f"The journal {self.journal.path} belongs to batch {self.identity!r}, not "
                    f"{self.mismatch!r} (the input file changed?). Documents without an id "
                    "are keyed by their batch and position, so sending them with this "
                    "journal could emit them twice; nothing more was sent. Use a new journal "
                    "for a new batch, or give every document an id."
                )
            key = position_key(self.identity, position)
        common["key"] = key
        entry = self.journal.get(key)
        if key in self.claimed or (entry is not None and entry.run == self.run):
            problem = ErrorDetail(
                "id",
                f"{key!r} is the id of an earlier document of this batch: ids are "
                "Idempotency-Keys and must be unique",
            )
            return Invalid(problems=(problem,), **common)
        if entry is not None:
            if entry.done:
                self._touch(key)
                return entry.outcome()
            if entry.state == "not_found":
                self._touch(key)
                return Unknown(
                    reason="reconcile found no document for it; journal.allow_resend() lets "
                    "the next run send it again",
                    **common,
                )
            if self.journal.is_stale(entry):
                self._touch(key)
                return Unknown(
                    reason="first sent more than 23 h ago with no answer: past the API's "
                    "idempotency window a re-send could emit it twice; run "
                    "openfactura.bulk.reconcile first",
                    needs_reconcile=True,
                    **common,
                )
        self.claimed.add(key)
        return self._send(item, entry, common)

    def _touch(self, key: str) -> None:
        self.claimed.add(key)
        self._settle_claim(key, self.journal._touch(key, self.run))

    def _settle_claim(self, key: str, future: Any) -> None:
        """Forget ``key`` in ``claimed`` once the journal row written by ``future`` says so."""

        def done(_: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                self.loop.call_soon_threadsafe(self.claimed.discard, key)

        future.add_done_callback(done)

    async def _send(self, item: BulkItem, entry: Entry | None, common: dict[str, Any]) -> Outcome:
        key: str = common["key"]
        journal = self.journal
        where = {"index": common["index"], "line": item.line, "business_id": common.get("id")}
        prepared = prepare(item, validate=self.validate)
        if not isinstance(prepared, Prepared):
            error = ValidationError(
                f"The document has {len(prepared)} problem(s); nothing was sent", prepared
            )
            future = journal._invalid(
                key,
                run=self.run,
                digest=_digest_of_item(item),
                signature=_signature_of_item(item),
                error=error_record(error),
                **where,
            )
            self._settle_claim(key, future)
            await _wait(future)
            return Invalid(problems=tuple(prepared), error=error, **common)
        if entry is not None and entry.state == "invalid" and entry.digest == prepared.digest:
            # Refused by the API before, and still the same document: not sent again.
            self._settle_claim(key, journal._touch(key, self.run))
            return entry.outcome()
        begun = journal._begin(
            key, run=self.run, digest=prepared.digest, signature=prepared.signature, **where
        )
        self._settle_claim(key, begun)
        before = await _wait(begun)  # on disk before the request leaves
        try:
            result = await self.documents.emit(
                prepared.wire, idempotency_key=key, validate=False, **prepared.options
            )
        except OutcomeUnknownError as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise  # the run is being cancelled: the entry stays "sending"
            await _wait(journal._finish(key, "unknown", error=error_record(exc)))
            return Unknown(reason=exc.reason, error=exc, **common)
        except DuplicateDocumentError as exc:  # OF-06 without the original token
            await _wait(journal._finish(key, "unknown", error=error_record(exc)))
            return Unknown(
                reason="the API says this key already emitted a document but did not give "
                "its token",
                error=exc,
                **common,
            )
        except InvalidRequestError as exc:
            if exc.code in _UNSETTLED_CODES:
                await _wait(journal._finish(key, "failed", error=error_record(exc)))
                return Failed(error=exc, **common)
            # An OF-xx answer: the API checked the key first, so no earlier attempt emitted.
            await _wait(journal._finish(key, "invalid", error=error_record(exc), settled=True))
            return Invalid(problems=tuple(exc.details), error=exc, **common)
        except ValidationError as exc:
            # Everything was checked before sending: this is the answer failing to decode,
            # so the document may exist.
            await _wait(journal._finish(key, "unknown", error=error_record(exc)))
            return Unknown(reason=f"the answer could not be read: {exc}", error=exc, **common)
        except OpenfacturaError as exc:
            # Anything else means no attempt of this request emitted a document.
            await _wait(journal._finish(key, "failed", error=error_record(exc), restore=before))
            return Failed(error=exc, **common)
        token, folio = result.token, result.folio
        if result.replayed:
            await _wait(journal._finish(key, "already_issued", token=token, settled=True))
            return AlreadyIssued(token=token, folio=folio, **common)
        await _wait(
            journal._finish(
                key, "issued", token=token, folio=folio, warning=result.warning, settled=True
            )
        )
        return Issued(token=token, folio=folio, warning=result.warning, **common)


def _by_index(outcome: Outcome) -> int:
    return outcome.index


async def _wait(future: Any) -> Any:
    return await asyncio.wrap_future(future)


def _puller(items: Iterable[Any] | AsyncIterable[Any]) -> Callable[[], Any]:
    """An ``async () -> next item`` over a sync or async iterable (StopAsyncIteration at end)."""
    if isinstance(items, AsyncIterable):
        source = items.__aiter__()

        async def pull_async() -> Any:
            return await source.__anext__()

        return pull_async
    iterator: Iterator[Any] = iter(items)

    async def pull() -> Any:
        try:
            return next(iterator)
        except StopIteration:
            raise StopAsyncIteration from None

    return pull


def _digest_of_item(item: BulkItem) -> str | None:
    document = item.document
    try:
        if hasattr(document, "to_wire"):
            document = document.to_wire()
    except Exception:  # a model that cannot be written: nothing to compare later
        return None
    return digest_of({"document": document, "problems": list(item.problems)}, item.options())


def _signature_of_item(item: BulkItem) -> Signature:
    document = item.document
    try:
        wire = document.to_wire() if hasattr(document, "to_wire") else document
    except Exception:
        return Signature()
    return signature_of(wire) if isinstance(wire, dict) else Signature()


async def _cancel_all(tasks: set[asyncio.Task[Outcome]]) -> list[OutcomeUnknownError]:
    """Cancel ``tasks``; the OutcomeUnknownError behind each emission they cut short."""
    for task in tasks:
        task.cancel()
    unknown: list[OutcomeUnknownError] = []
    for task in tasks:
        # Awaited one by one, not gathered: gather() replaces a cancelled task's
        # CancelledError with a new one, losing the OutcomeUnknownError it was raised from.
        try:
            await task
        except BaseException as exc:  # the task ended: only the key it carries matters
            error = OutcomeUnknownError.find(exc)
            if error is not None:
                unknown.append(error)
    return unknown


def _cut_short(unknown: list[OutcomeUnknownError]) -> OutcomeUnknownError:
    """One error for every emission cut short: ``idempotency_key`` is the first one's, the
    message names them all (each is also journaled as "sending")."""
    if len(unknown) == 1:
        return unknown[0]
    keys = ", ".join(error.idempotency_key for error in unknown)
    return OutcomeUnknownError(
        f"The run was cancelled with {len(unknown)} emissions in flight (keys {keys}); "
        "each may or may not have been emitted. Run the batch again with the same journal "
        "(or the same batch= and ids) to settle them.",
        idempotency_key=unknown[0].idempotency_key,
    )
