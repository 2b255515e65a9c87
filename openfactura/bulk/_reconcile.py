"""``reconcile``: settle journal entries too old to re-send, by looking for their documents.

The API remembers an ``Idempotency-Key`` for 24 h. An entry whose request may have
reached the API and got no answer (the process died, the connection dropped) is re-sent
with its key by the next run, and a document that exists comes back as a replay. Past
the window that is no longer safe: the API has forgotten the key and would emit a second
document. Such an entry is never re-sent blindly; ``reconcile`` searches the issued list
(``documents.issued``) by the document's type, issue date and receiver's RUT, keeps the
rows with its total whose token no other entry of the journal has, and marks the entry
``issued`` (with the token and folio found) or ``not_found``. A ``not_found`` entry is sent
again only when asked: ``journal.allow_resend()``, then run the batch again.

Several unsettled entries with the same type, date, receiver and total (identical
boletas) are matched to the unclaimed rows in order: that many of them are ``issued``, the
rest ``not_found``.

Usage::

    found = await openfactura.bulk.reconcile(client, "run.db")     # AsyncOpenfactura
    found = openfactura.bulk.reconcile(sync_client, "run.db")      # Openfactura
    [(r.key, r.found, r.token) for r in found]
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Union, overload

import attrs

from ._journal import DONE_STATES, Entry, Journal, Signature

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura, Openfactura

__all__ = ["Reconciled", "reconcile"]


@attrs.frozen(kw_only=True)
class Reconciled:
    """What reconcile concluded for one entry.

    ``found`` is ``True`` (the document exists: ``token``, ``folio``), ``False`` (no
    unclaimed document matches) or ``None`` (the entry lacks what the search needs:
    type, date, receiver or total; it is left as it was).
    """

    key: str
    index: int
    id: str | None
    found: bool | None
    token: str | None = None
    folio: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return attrs.asdict(self)


JournalArg = Union[Journal, str, "os.PathLike[str]"]


@overload
def reconcile(client: AsyncOpenfactura, journal: JournalArg) -> Awaitable[list[Reconciled]]: ...
@overload
def reconcile(client: Openfactura, journal: JournalArg) -> list[Reconciled]: ...
def reconcile(client: Any, journal: JournalArg) -> Any:
    """Look for the documents of the entries past the idempotency window; record each.

    ``client`` is an :class:`~openfactura.AsyncOpenfactura` (then ``await`` the result) or
    an :class:`~openfactura.Openfactura` (the result comes back directly). ``journal`` is
    a :class:`Journal` or its path. Every search goes through the client's rate limiter.
    """
    from .._client import Openfactura

    if isinstance(client, Openfactura):
        return client._runner.run(_reconcile(client._async, journal))
    return _reconcile(client, journal)


async def _reconcile(client: AsyncOpenfactura, journal_arg: JournalArg) -> list[Reconciled]:
    owned = not isinstance(journal_arg, Journal)
    journal = (
        journal_arg
        if isinstance(journal_arg, Journal)
        else await asyncio.to_thread(Journal, journal_arg)
    )
    try:
        groups: dict[Signature, list[Entry]] = {}
        for entry in journal.entries():
            if entry.state not in DONE_STATES and journal.is_stale(entry):
                groups.setdefault(entry.signature, []).append(entry)
        results: list[Reconciled] = []
        for signature, entries in groups.items():
            entries.sort(key=lambda e: (e.maybe_sent_at or 0.0, e.index))
            if None in (
                signature.tipo_dte,
                signature.fch_emis,
                signature.rut_recep,
                signature.mnt_total,
            ):
                results.extend(
                    Reconciled(key=e.key, index=e.index, id=e.business_id, found=None)
                    for e in entries
                )
                continue
            candidates = await _candidates(client, journal, signature)
            for number, entry in enumerate(entries):
                token, folio = candidates[number] if number < len(candidates) else (None, None)
                await asyncio.wrap_future(journal._reconciled(entry.key, token, folio))
                results.append(
                    Reconciled(
                        key=entry.key,
                        index=entry.index,
                        id=entry.business_id,
                        found=token is not None,
                        token=token,
                        folio=folio,
                    )
                )
        results.sort(key=lambda r: r.index)
        return results
    finally:
        if owned:
            await asyncio.to_thread(journal.close)


async def _candidates(
    client: AsyncOpenfactura, journal: Journal, signature: Signature
) -> list[tuple[str, int]]:
    """Issued documents with ``signature`` that no entry of the journal claims, oldest first."""
    found: list[tuple[Any, int, str]] = []
    rows = client.documents.issued(
        rut_recep=signature.rut_recep, fch_emis=signature.fch_emis, tipo_dte=signature.tipo_dte
    )
    async for row in rows:
        if row.token is None or row.mnt_total != signature.mnt_total:
            continue
        if journal.find_token(row.token) is not None:
            continue
        found.append((row.fecha_recibido or "", row.folio, row.token))
    found.sort(key=lambda item: (str(item[0]), item[1]))
    return [(token, folio) for _, folio, token in found]
