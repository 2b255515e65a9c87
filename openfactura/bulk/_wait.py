"""``wait``: follow a batch's documents until the SII decides; optionally save their files.

Every document of the journal with a token and no final SII status yet is polled with
``documents.wait_many`` (a chunk at a time, through the client's rate limiter, so under
the same budget as everything else), and each final status is recorded in the journal.
With ``save_to=`` the PDF and the XML of each decided document are saved there, named by
type and folio (``33-1234.pdf``, ``33-1234.xml``); files already there are kept, so a
second call only fetches what is missing.

Usage::

    async for followed in openfactura.bulk.wait(client, "run.db", save_to="out/"):
        print(followed.folio, followed.estado, followed.pdf)
    for followed in openfactura.bulk.wait(sync_client, "run.db"):   # blocking client
        ...
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union, overload

import attrs

from .._exceptions import ValidationError, WaitTimeoutError
from ._journal import DONE_STATES, Entry, Journal

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura, Openfactura
    from ..types.documents import StatusResult

__all__ = ["Followed", "wait"]


@attrs.frozen(kw_only=True)
class Followed:
    """One document followed up: its last SII ``estado`` and whether it is ``final``.

    ``pdf`` and ``xml`` are the files saved for it (``None`` if not asked for or not
    final yet).
    """

    key: str
    index: int
    id: str | None
    token: str
    folio: int | None
    tipo_dte: int | None
    estado: str | None
    final: bool
    pdf: Path | None = None
    xml: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (paths as text)."""
        out = attrs.asdict(self)
        out["pdf"] = None if self.pdf is None else str(self.pdf)
        out["xml"] = None if self.xml is None else str(self.xml)
        return out


JournalArg = Union[Journal, str, "os.PathLike[str]"]


@overload
def wait(
    client: AsyncOpenfactura,
    journal: JournalArg,
    *,
    save_to: str | os.PathLike[str] | None = ...,
    pdf: bool = ...,
    xml: bool = ...,
    timeout: float = ...,
    interval: float = ...,
    max_interval: float = ...,
    chunk: int = ...,
) -> AsyncIterator[Followed]: ...
@overload
def wait(
    client: Openfactura,
    journal: JournalArg,
    *,
    save_to: str | os.PathLike[str] | None = ...,
    pdf: bool = ...,
    xml: bool = ...,
    timeout: float = ...,
    interval: float = ...,
    max_interval: float = ...,
    chunk: int = ...,
) -> Iterator[Followed]: ...
def wait(
    client: Any,
    journal: JournalArg,
    *,
    save_to: str | os.PathLike[str] | None = None,
    pdf: bool = True,
    xml: bool = True,
    timeout: float = 600.0,
    interval: float = 5.0,
    max_interval: float = 30.0,
    chunk: int = 100,
) -> Any:
    """Poll the batch's undecided documents; yield a :class:`Followed` for each as it ends.

    ``client`` is an :class:`~openfactura.AsyncOpenfactura` (an async iterator comes back)
    or an :class:`~openfactura.Openfactura` (a plain iterator). Documents are polled
    ``chunk`` at a time; ``timeout`` applies to each chunk: the ones still undecided then
    are yielded with ``final=False`` and their last status, and the next call picks them
    up again. ``save_to``: a folder for each decided document's PDF (``pdf=True``) and XML
    (``xml=True``).
    """
    from .._client import Openfactura

    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValidationError("Invalid chunk", [("chunk", f"{chunk!r} is not a positive integer")])
    follow = _follow(
        client._async if isinstance(client, Openfactura) else client,
        journal,
        save_to=None if save_to is None else Path(save_to),
        pdf=pdf,
        xml=xml,
        timeout=timeout,
        interval=interval,
        max_interval=max_interval,
        chunk=chunk,
    )
    if isinstance(client, Openfactura):
        return client._runner.iterate(follow)
    return follow


async def _follow(
    client: AsyncOpenfactura,
    journal_arg: JournalArg,
    *,
    save_to: Path | None,
    pdf: bool,
    xml: bool,
    timeout: float,
    interval: float,
    max_interval: float,
    chunk: int,
) -> AsyncIterator[Followed]:
    owned = not isinstance(journal_arg, Journal)
    journal = (
        journal_arg
        if isinstance(journal_arg, Journal)
        else await asyncio.to_thread(Journal, journal_arg)
    )
    files = save_to is not None and (pdf or xml)
    if save_to is not None:
        await asyncio.to_thread(save_to.mkdir, parents=True, exist_ok=True)
    try:
        batch: list[Entry] = []
        for entry in journal.entries(states=DONE_STATES):
            if entry.token is None:
                continue
            if entry.sii_final:
                if files and _missing_files(entry, save_to, pdf, xml):
                    yield await _saved(client, journal, entry, entry.sii_status, save_to, pdf, xml)
                continue
            batch.append(entry)
            if len(batch) >= chunk:
                async for followed in _poll(
                    client,
                    journal,
                    batch,
                    save_to if files else None,
                    pdf,
                    xml,
                    timeout,
                    interval,
                    max_interval,
                ):
                    yield followed
                batch = []
        if batch:
            async for followed in _poll(
                client,
                journal,
                batch,
                save_to if files else None,
                pdf,
                xml,
                timeout,
                interval,
                max_interval,
            ):
                yield followed
    finally:
        if owned:
            await asyncio.to_thread(journal.close)


async def _poll(
    client: AsyncOpenfactura,
    journal: Journal,
    entries: list[Entry],
    save_to: Path | None,
    pdf: bool,
    xml: bool,
    timeout: float,
    interval: float,
    max_interval: float,
) -> AsyncIterator[Followed]:
    by_token = {entry.token: entry for entry in entries if entry.token}
    try:
        async for status in client.documents.wait_many(
            list(by_token), timeout=timeout, interval=interval, max_interval=max_interval
        ):
            entry = by_token[_token_of(status, by_token)]
            await asyncio.wrap_future(journal._status(entry.key, str(status.estado), True))
            if save_to is not None:
                yield await _saved(client, journal, entry, str(status.estado), save_to, pdf, xml)
            else:
                yield _followed(entry, str(status.estado), True)
    except WaitTimeoutError as exc:
        for token in exc.tokens:
            entry = by_token[token]
            estado = exc.statuses.get(token)
            if estado is not None:
                await asyncio.wrap_future(journal._status(entry.key, estado, False))
            yield _followed(entry, estado, False)


def _token_of(status: StatusResult, by_token: dict[str, Entry]) -> str:
    if status.token in by_token:
        return status.token
    raise LookupError(f"wait_many answered for an unknown token {status.token!r}")


def _followed(
    entry: Entry, estado: str | None, final: bool, pdf: Path | None = None, xml: Path | None = None
) -> Followed:
    assert entry.token is not None
    return Followed(
        key=entry.key,
        index=entry.index,
        id=entry.business_id,
        token=entry.token,
        folio=entry.folio,
        tipo_dte=entry.signature.tipo_dte,
        estado=estado,
        final=final,
        pdf=pdf,
        xml=xml,
    )


def _name(entry: Entry, folio: int | None) -> str:
    tipo = entry.signature.tipo_dte
    number = folio if folio is not None else entry.key
    return f"{tipo}-{number}" if tipo is not None else str(number)


def _missing_files(entry: Entry, save_to: Path | None, pdf: bool, xml: bool) -> bool:
    if save_to is None:
        return False
    if entry.folio is None:
        return True
    stem = save_to / _name(entry, entry.folio)
    return (pdf and not stem.with_suffix(".pdf").exists()) or (
        xml and not stem.with_suffix(".xml").exists()
    )


async def _saved(
    client: AsyncOpenfactura,
    journal: Journal,
    entry: Entry,
    estado: str | None,
    save_to: Path | None,
    pdf: bool,
    xml: bool,
) -> Followed:
    """Fetch and save the entry's missing files (named by type and folio), record them."""
    assert entry.token is not None and save_to is not None
    token = entry.token
    folio = entry.folio
    pdf_bytes: bytes | None = None
    if folio is None:
        if pdf:  # the PDF answer says the folio: one request for both
            answer = await client.documents.pdf(token)
            folio, pdf_bytes = answer.folio, answer.content
        if folio is None:
            document = await client.documents.get(token)
            folio = document.folio or _folio_of(document.json)
    stem = save_to / _name(entry, folio)
    pdf_path = xml_path = None
    if pdf:
        pdf_path = stem.with_suffix(".pdf")
        if not pdf_path.exists():
            if pdf_bytes is None:
                pdf_bytes = (await client.documents.pdf(token)).content
            await asyncio.to_thread(_write, pdf_path, pdf_bytes)
    if xml:
        xml_path = stem.with_suffix(".xml")
        if not xml_path.exists():
            raw = (await client.documents.xml(token)).raw
            await asyncio.to_thread(_write, xml_path, raw)
    await asyncio.wrap_future(
        journal._files(
            entry.key,
            None if pdf_path is None else str(pdf_path),
            None if xml_path is None else str(xml_path),
            folio,
        )
    )
    followed = _followed(entry, estado, True, pdf_path, xml_path)
    return attrs.evolve(followed, folio=folio)


def _folio_of(tree: dict[str, Any]) -> int | None:
    try:
        return int(tree["Encabezado"]["IdDoc"]["Folio"])
    except (KeyError, TypeError, ValueError):
        return None


def _write(path: Path, content: bytes) -> None:
    """Write atomically: a killed process never leaves half a file under the final name."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    os.replace(partial, path)
