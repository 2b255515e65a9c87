"""The blocking twin: the same emit_many (a plain iterator), reconcile and wait, by the same
code on the client's loop thread."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bulk_helpers import LIMITS, boleta, names

import openfactura
from openfactura import bulk
from openfactura.resources.documents import Documents, SyncDocuments
from openfactura.testing import FakeOpenfactura


def test_the_signatures_match() -> None:
    sync = inspect.signature(SyncDocuments.emit_many)
    async_ = inspect.signature(Documents.emit_many)
    assert list(sync.parameters.values()) == list(async_.parameters.values())
    assert "Iterator[Outcome]" in str(sync.return_annotation)
    assert "AsyncIterator[Outcome]" in str(async_.return_annotation)


def test_the_blocking_client_emits_resumes_and_follows_up(tmp_path: Path) -> None:
    journal_path = tmp_path / "run.db"
    threads: set[str] = set()

    def orders() -> Iterator[tuple[str, dict[str, Any]]]:
        for n in range(5):
            threads.add(threading.current_thread().name)
            yield f"order-{n}", boleta(f"item {n}")

    with FakeOpenfactura(rate_limits=LIMITS) as fake:
        with openfactura.Openfactura(
            fake.api_key, base_url=fake.base_url, rate_limits=LIMITS
        ) as client:
            outcomes = client.documents.emit_many(orders(), journal=journal_path, concurrency=2)
            assert isinstance(outcomes, Iterator)
            first = sorted(outcomes, key=lambda o: o.index)
            assert [type(o) for o in first] == [bulk.Issued] * 5
            assert threads == {"openfactura-sync"}  # read on the client's loop thread

            # Stopping early (a break) closes the async side; the rest is journaled.
            for _ in client.documents.emit_many(orders(), journal=journal_path):
                break
            again = list(client.documents.emit_many(orders(), journal=journal_path))
            assert all(o.resumed for o in again) and len(again) == 5

            assert bulk.reconcile(client, journal_path) == []  # nothing past the window
            client._async.documents._sleep = _no_wait
            followed = list(bulk.wait(client, journal_path))
            assert sorted((f.id, f.estado) for f in followed) == [
                (f"order-{n}", "Aceptado") for n in range(5)
            ]
    assert sorted(names(fake)) == [f"item {n}" for n in range(5)]


async def _no_wait(seconds: float) -> None:
    return None
