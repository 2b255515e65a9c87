"""Bulk emission: thousands of documents within the rate budget, crash-safe, never twice.

``client.documents.emit_many`` streams any iterable (or async iterable) of documents,
emits them with deterministic idempotency keys and journals each one in SQLite before its
request leaves, so a batch killed at any moment resumes where it stopped without emitting
anything twice::

    import openfactura
    from openfactura import bulk

    async with openfactura.AsyncOpenfactura() as client:
        documents = bulk.read_jsonl("boletas.jsonl")       # or read_csv, or any iterable
        async for outcome in client.documents.emit_many(documents, journal="run.db"):
            print(outcome.kind, outcome.id, getattr(outcome, "token", None))

        await bulk.reconcile(client, "run.db")             # entries past the 24 h window
        async for followed in bulk.wait(client, "run.db", save_to="out/"):
            print(followed.folio, followed.estado)

    bulk.Journal("run.db", read_only=True).summary()       # a report, any time

Where things are (one concern per module): ``_runner.py`` (emit_many), ``_journal.py``
and ``journal_schema.sql`` (the journal), ``_writer.py`` (its writer thread), ``_keys.py``
(idempotency keys), ``_items.py`` (the input forms), ``_readers.py`` (JSONL and CSV files),
``_reconcile.py``, ``_wait.py`` (follow-up), ``_outcomes.py`` (what is yielded),
``_methods.py`` (``documents.emit_many`` on both clients).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._items import BulkItem
    from ._journal import (
        IDEMPOTENCY_WINDOW,
        RESEND_WINDOW,
        BatchMismatchError,
        Entry,
        Journal,
        JournalBusyError,
        JournalSummary,
    )
    from ._outcomes import AlreadyIssued, Failed, Invalid, Issued, Outcome, Progress, Unknown
    from ._readers import (
        BulkInput,
        CsvInput,
        JsonlInput,
        open_input,
        read_csv,
        read_jsonl,
        resume_input,
    )
    from ._reconcile import Reconciled, reconcile
    from ._runner import default_concurrency
    from ._wait import Followed, wait

# Loaded on first use: the clients import this package (for emit_many), and SQLite and
# csv are only needed once a batch runs.
_WHERE = {
    "BulkItem": "_items",
    "IDEMPOTENCY_WINDOW": "_journal",
    "RESEND_WINDOW": "_journal",
    "BatchMismatchError": "_journal",
    "Entry": "_journal",
    "Journal": "_journal",
    "JournalBusyError": "_journal",
    "JournalSummary": "_journal",
    "AlreadyIssued": "_outcomes",
    "Failed": "_outcomes",
    "Invalid": "_outcomes",
    "Issued": "_outcomes",
    "Outcome": "_outcomes",
    "Progress": "_outcomes",
    "Unknown": "_outcomes",
    "BulkInput": "_readers",
    "CsvInput": "_readers",
    "JsonlInput": "_readers",
    "open_input": "_readers",
    "read_csv": "_readers",
    "read_jsonl": "_readers",
    "resume_input": "_readers",
    "Reconciled": "_reconcile",
    "reconcile": "_reconcile",
    "default_concurrency": "_runner",
    "Followed": "_wait",
    "wait": "_wait",
}

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "RESEND_WINDOW",
    "AlreadyIssued",
    "BatchMismatchError",
    "BulkInput",
    "BulkItem",
    "CsvInput",
    "Entry",
    "Failed",
    "Followed",
    "Invalid",
    "Issued",
    "Journal",
    "JournalBusyError",
    "JournalSummary",
    "JsonlInput",
    "Outcome",
    "Progress",
    "Reconciled",
    "Unknown",
    "default_concurrency",
    "open_input",
    "read_csv",
    "read_jsonl",
    "reconcile",
    "resume_input",
    "wait",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'openfactura.bulk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
