"""Checked by mypy --strict (test_bulk_typing.py); never executed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from typing_extensions import assert_type

import openfactura
from openfactura import bulk


async def async_side(client: openfactura.AsyncOpenfactura, journal: bulk.Journal) -> None:
    outcomes = client.documents.emit_many([{"Encabezado": {}}], journal="run.db")
    assert_type(outcomes, AsyncIterator[bulk.Outcome])
    assert_type(await bulk.reconcile(client, journal), list[bulk.Reconciled])
    assert_type(bulk.wait(client, "run.db", save_to="out"), AsyncIterator[bulk.Followed])


def sync_side(client: openfactura.Openfactura, journal: bulk.Journal) -> None:
    outcomes = client.documents.emit_many([("order-1", {"Encabezado": {}})], concurrency=4)
    assert_type(outcomes, Iterator[bulk.Outcome])
    assert_type(bulk.reconcile(client, journal), list[bulk.Reconciled])
    assert_type(bulk.wait(client, journal), Iterator[bulk.Followed])
    assert_type(journal.summary(), bulk.JournalSummary)
    assert_type(bulk.read_csv("x.csv"), bulk.CsvInput)
