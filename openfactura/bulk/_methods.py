"""``documents.emit_many`` for both clients, mixed into ``Documents`` and ``SyncDocuments``.

Kept here so that ``resources/documents.py`` stays small: the async method hands over to
:mod:`._runner`, the blocking one drives the async one on the client's loop thread (no
second implementation). Importing this module loads nothing heavy (no SQLite yet).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ..resources.documents import Documents, SyncDocuments
    from ._journal import Journal
    from ._outcomes import Outcome, Progress

__all__ = ["EmitMany", "SyncEmitMany"]


class EmitMany:
    """``Documents.emit_many``."""

    __slots__ = ()

    def emit_many(
        self,
        documents: Iterable[Any] | AsyncIterable[Any],
        *,
        concurrency: int | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
        on_progress: Callable[[Progress], object] | None = None,
        validate: bool = True,
        batch: str | None = None,
    ) -> AsyncIterator[Outcome]:
        """Emit a stream of documents, journaled; yield one outcome per input as each ends.

        ``documents`` is any iterable or async iterable, read only as fast as documents
        are sent (a generator is never read ahead of the ``concurrency`` in flight). Each
        element is a model of :mod:`openfactura.dte` or a ``dte`` dict in wire format, an
        ``(id, document)`` pair, or a :class:`~openfactura.bulk.BulkItem` (id and emission
        options); :func:`openfactura.bulk.read_jsonl` and :func:`~openfactura.bulk.read_csv`
        stream input files.

        Each document's ``Idempotency-Key`` is its id (an order number: unique across your
        batches) or, without one, the batch identity plus its position: ``batch=``, else
        the input file's hash, else the journal's identity (a new journal makes one up).
        The same batch run again never emits a document twice; two identical documents
        are still two documents.

        Outcomes come in completion order, one per input: :class:`~openfactura.bulk.Issued`
        (``token``, ``folio``), :class:`~openfactura.bulk.AlreadyIssued` (an ``OF-06`` replay:
        the original ``token``), :class:`~openfactura.bulk.Invalid` (``problems``:
        ``(field, issue)`` pairs, found locally or by the API), :class:`~openfactura.bulk.Failed`
        (``error``, after the client's retries) and :class:`~openfactura.bulk.Unknown` (``key``:
        run again to settle it).

        :param concurrency: emissions in flight (default: enough for the client's rate budget,
            :func:`openfactura.bulk.default_concurrency`).
        :param journal: a :class:`~openfactura.bulk.Journal` or the path of its SQLite file.
            Every key is recorded, durably, before its request leaves, then its outcome.
            Running again with the same journal and input skips what is done (yielding it
            again with ``resumed=True``), re-sends what was in flight with the same key and
            goes on. An entry first sent more than 23 h ago with no answer is not re-sent
            (``Unknown(needs_reconcile=True)``): see :func:`openfactura.bulk.reconcile`.
            Without a journal a temporary one is used and deleted.
        :param on_progress: called with a :class:`~openfactura.bulk.Progress` after each outcome.
        :param validate: check each document locally first (a failing one is ``invalid``
            without a request).

        >>> outcomes = client.documents.emit_many(docs, journal="run.db")
        >>> async for outcome in outcomes:  # doctest: +SKIP
        ...     print(outcome.kind, outcome.id, outcome.as_dict())

        Raises :class:`~openfactura.ValidationError` (bad arguments, at once),
        :class:`~openfactura.bulk.BatchMismatchError` (the journal is another batch's),
        :class:`~openfactura.bulk.JournalBusyError` (another process uses the journal).
        """
        from ._runner import emit_many

        return emit_many(
            cast("Documents", self),
            documents,
            concurrency=concurrency,
            journal=journal,
            on_progress=on_progress,
            validate=validate,
            batch=batch,
        )


class SyncEmitMany:
    """``SyncDocuments.emit_many``."""

    __slots__ = ()

    def emit_many(
        self,
        documents: Iterable[Any] | AsyncIterable[Any],
        *,
        concurrency: int | None = None,
        journal: Journal | str | os.PathLike[str] | None = None,
        on_progress: Callable[[Progress], object] | None = None,
        validate: bool = True,
        batch: str | None = None,
    ) -> Iterator[Outcome]:
        """Like ``Documents.emit_many``: the same arguments and outcomes, as a plain iterator.

        The input is read and ``on_progress`` is called on the client's loop thread: they
        must not call this blocking client themselves.
        """
        sync = cast("SyncDocuments", self)
        return sync._iterate(
            sync._async.emit_many(
                documents,
                concurrency=concurrency,
                journal=journal,
                on_progress=on_progress,
                validate=validate,
                batch=batch,
            )
        )
