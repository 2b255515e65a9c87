"""emit_many's five outcomes against the sandbox, which witnesses what was really issued."""

from __future__ import annotations

from pathlib import Path

import pytest
from bulk_helpers import LIMITS, boleta, names

import openfactura
from openfactura import bulk
from openfactura.testing import FakeOpenfactura

EMIT = "/v2/dte/document"


def emissions(fake: FakeOpenfactura) -> int:
    return sum(1 for r in fake.requests if r.path == EMIT and not r.rate_limited)


async def collect(
    client: openfactura.AsyncOpenfactura, items: object, **kwargs: object
) -> list[bulk.Outcome]:
    outcomes = [o async for o in client.documents.emit_many(items, **kwargs)]  # type: ignore[arg-type]
    return sorted(outcomes, key=lambda o: o.index)


async def test_issued_with_token_and_folio_as_the_sandbox_has_them(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    outcomes = await collect(client, [(f"order-{n}", boleta(f"item {n}")) for n in range(5)])
    assert [type(o) for o in outcomes] == [bulk.Issued] * 5
    by_name = {doc.dte["Detalle"][0]["NmbItem"]: doc for doc in fake.documents}
    for n, outcome in enumerate(outcomes):
        assert isinstance(outcome, bulk.Issued)
        stored = by_name[f"item {n}"]
        assert (outcome.token, outcome.folio) == (stored.token, stored.folio)
        assert outcome.key == outcome.id == f"order-{n}" == stored.idempotency_key
        assert outcome.ok and not outcome.resumed
    assert len(fake.documents) == 5


async def test_already_issued_returns_the_original_token(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    first = await client.documents.emit(boleta("earlier"), idempotency_key="order-7")
    outcomes = await collect(client, [("order-7", boleta("earlier")), ("order-8", boleta("new"))])
    seven, eight = outcomes
    assert isinstance(seven, bulk.AlreadyIssued) and seven.token == first.token
    assert isinstance(eight, bulk.Issued)
    assert sorted(names(fake)) == ["earlier", "new"]


async def test_invalid_locally_sends_nothing(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    wrong = boleta("wrong total")
    wrong["Encabezado"]["Totales"]["MntTotal"] = 2999
    outcomes = await collect(client, [wrong, boleta("fine"), 42])
    bad, fine, junk = outcomes
    assert isinstance(bad, bulk.Invalid)
    assert "Encabezado.Totales.MntTotal" in {p.field for p in bad.problems}
    assert isinstance(bad.error, openfactura.ValidationError)
    assert isinstance(fine, bulk.Issued)
    assert isinstance(junk, bulk.Invalid) and junk.problems[0].field == "dte"
    assert emissions(fake) == 1  # only the good one reached the sandbox
    assert names(fake) == ["fine"]


async def test_invalid_by_the_api_carries_its_field_errors(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, journal_path: Path
) -> None:
    wrong = boleta("wrong total")
    wrong["Encabezado"]["Totales"]["MntTotal"] = 2999  # the sandbox's engine says 3000
    (outcome,) = await collect(client, [("order-1", wrong)], validate=False, journal=journal_path)
    assert isinstance(outcome, bulk.Invalid)
    assert isinstance(outcome.error, openfactura.InvalidRequestError)
    assert outcome.error.code == "OF-10"
    assert ("MntTotal", "Monto erróneo : 3000") in outcome.problems
    assert fake.documents == []
    with bulk.Journal(journal_path, read_only=True) as journal:
        entry = journal.get("order-1")
    assert entry is not None and entry.state == "invalid" and entry.maybe_sent_at is None

    # The same document again is not sent again; a corrected one is.
    (again,) = await collect(client, [("order-1", wrong)], validate=False, journal=journal_path)
    assert isinstance(again, bulk.Invalid) and again.resumed
    assert emissions(fake) == 1
    (fixed,) = await collect(client, [("order-1", boleta("wrong total"))], journal=journal_path)
    assert isinstance(fixed, bulk.Issued)
    assert names(fake) == ["wrong total"]


async def test_failed_carries_the_typed_error_and_the_next_run_sends_it(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura, journal_path: Path
) -> None:
    fake.fail_next(1, status=401, path=EMIT)  # refused at the gateway: nothing emitted
    (outcome,) = await collect(client, [("order-1", boleta("a"))], journal=journal_path)
    assert isinstance(outcome, bulk.Failed)
    assert isinstance(outcome.error, openfactura.AuthenticationError)
    assert outcome.as_dict()["error"]["type"] == "AuthenticationError"
    with bulk.Journal(journal_path, read_only=True) as journal:
        entry = journal.get("order-1")
    # This request certainly emitted nothing: no unsettled attempt is left to reconcile.
    assert entry is not None and entry.state == "failed" and entry.maybe_sent_at is None
    (retried,) = await collect(client, [("order-1", boleta("a"))], journal=journal_path)
    assert isinstance(retried, bulk.Issued)
    assert names(fake) == ["a"]


async def test_unknown_carries_the_key_and_the_next_run_settles_it(
    fake: FakeOpenfactura, journal_path: Path
) -> None:
    # No retries: the answer of a document the sandbox stored is lost on the way back.
    async with openfactura.AsyncOpenfactura(
        fake.api_key, base_url=fake.base_url, rate_limits=LIMITS, max_retries=0
    ) as client:
        fake.drop_after_store_next(1, path=EMIT)
        (outcome,) = await collect(client, [boleta("lost answer")], journal=journal_path)
        assert isinstance(outcome, bulk.Unknown)
        assert outcome.key.startswith("bulk-") and not outcome.needs_reconcile
        assert isinstance(outcome.error, openfactura.OutcomeUnknownError)
        assert outcome.error.idempotency_key == outcome.key
        (stored,) = fake.documents

        (settled,) = await collect(client, [boleta("lost answer")], journal=journal_path)
    assert isinstance(settled, bulk.AlreadyIssued)
    assert settled.key == outcome.key and settled.token == stored.token
    assert len(fake.documents) == 1


async def test_progress_counts_every_kind(
    fake: FakeOpenfactura, client: openfactura.AsyncOpenfactura
) -> None:
    wrong = boleta("x")
    wrong["Detalle"][0]["MontoItem"] = 1
    seen: list[bulk.Progress] = []
    items = [boleta("a"), wrong, boleta("b")]
    await collect(client, items, on_progress=seen.append, concurrency=2)
    assert [p.done for p in seen] == [1, 2, 3]
    last = seen[-1]
    assert (last.issued, last.invalid, last.total) == (2, 1, 3)
    assert last.budget_rate == pytest.approx(100 / 0.6)
    assert last.eta == 0.0


async def test_arguments_are_checked_at_once(client: openfactura.AsyncOpenfactura) -> None:
    with pytest.raises(openfactura.ValidationError) as caught:
        client.documents.emit_many([], concurrency=0, batch="no spaces allowed", journal=3)  # type: ignore[arg-type]
    assert {p.field for p in caught.value.problems} == {"concurrency", "batch", "journal"}
