"""The sandbox's state: issued and received documents, folios, idempotency keys, links.

In memory by default. With a ``path`` every change is also written to a SQLite file
(stdlib :mod:`sqlite3`), and a new sandbox on the same file starts where the last one
stopped: ``FakeOpenfactura(storage="sandbox.db")``.

Records are attrs classes whose fields are all JSON values (times are ``float`` seconds
of the sandbox's clock), stored as ``json.dumps(attrs.asdict(record))`` rows keyed by
kind and id.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from typing import Any

import attrs

__all__ = ["ReceivedDocument", "SelfServiceLink", "Store", "StoredDocument"]


def _stamp(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds)


@attrs.define(kw_only=True)
class StoredDocument:
    """An issued document as the sandbox keeps it (``fake.documents``)."""

    token: str
    company_rut: str
    tipo_dte: int
    folio: int
    dte: dict[str, Any]
    at: float
    """When Openfactura received it (sandbox clock, epoch seconds)."""
    idempotency_key: str | None = None
    layout: str = "LETTER"
    status_reads: int = 0
    outcome: str = "Aceptado"
    custom: dict[str, Any] | None = None
    annulled: bool = False
    settled: bool = False
    """Shows its outcome on the next status read (``fake.set_outcome(..., now=True)``)."""
    artesano: bool = False
    """Emitted with ``ivaExceptional: ["ARTESANO"]`` (counts toward the monthly cap)."""

    @property
    def received_at(self) -> dt.datetime:
        """When Openfactura received it (``FchRecepOF``), as a naive local ``datetime``."""
        return _stamp(self.at)

    @property
    def totales(self) -> dict[str, Any]:
        """A copy of the document's ``Totales``, as it was sent (wire names)."""
        return dict(self.dte.get("Encabezado", {}).get("Totales", {}))

    @property
    def fch_emis(self) -> str:
        """The issue date as sent (``"2026-09-30"``), or ``""``."""
        return str(self.dte.get("Encabezado", {}).get("IdDoc", {}).get("FchEmis", ""))

    @property
    def receptor(self) -> dict[str, Any]:
        """A copy of the document's ``Receptor``, as it was sent (wire names)."""
        return dict(self.dte.get("Encabezado", {}).get("Receptor", {}))


@attrs.define(kw_only=True)
class ReceivedDocument:
    """A document another taxpayer issued to a sandbox company (``fake.seed_received``)."""

    id: str
    receiver_rut: str
    issuer_rut: str
    tipo_dte: int
    folio: int
    dte: dict[str, Any]
    fch_recep_of: float
    fch_recep_sii: float | None = None
    fma_pago: int = 0
    tpo_tran_compra: int = 1
    acuses: list[dict[str, Any]] = attrs.Factory(list)
    estado: str | None = None
    """Registry state forced by a test; ``None``: derived from the acuses and the clock."""

    @property
    def totales(self) -> dict[str, Any]:
        """A copy of the document's ``Totales`` (wire names)."""
        return dict(self.dte.get("Encabezado", {}).get("Totales", {}))

    @property
    def fch_emis(self) -> str:
        """The issue date (``"2026-09-30"``), or ``""``."""
        return str(self.dte.get("Encabezado", {}).get("IdDoc", {}).get("FchEmis", ""))

    @property
    def issuer_name(self) -> str | None:
        """The issuer's name (``RznSoc``, or ``RznSocEmisor`` on boletas), if given."""
        emisor = self.dte.get("Encabezado", {}).get("Emisor", {})
        name = emisor.get("RznSoc") or emisor.get("RznSocEmisor")
        return None if name is None else str(name)


@attrs.define(kw_only=True)
class SelfServiceLink:
    """A self-service link (E1-SS): its token is the last segment of ``SELF_SERVICE.url``."""

    token: str
    company_rut: str
    at: float
    state: str
    """What ``GET /selfservice/stateinvoice/{t}`` answers in ``response``."""
    document_token: str | None = None
    emails_sent: int = 0
    customer: dict[str, Any] | None = None


_KINDS: dict[type[Any], str] = {
    StoredDocument: "issued",
    ReceivedDocument: "received",
    SelfServiceLink: "link",
}


class Store:
    """All the sandbox's data, optionally mirrored into SQLite (thread-safe)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self._lock = threading.RLock()
        self.documents: list[StoredDocument] = []
        self.by_token: dict[str, StoredDocument] = {}
        self.received: list[ReceivedDocument] = []
        self.links: dict[str, SelfServiceLink] = {}
        self.folios: dict[str, int] = {}  # "rut/tipo" -> next folio
        self.idempotency: dict[str, list[Any]] = {}  # "rut/key" -> [token, at]
        self.sync_locks: dict[str, float] = {}  # "rut/registro" -> locked until
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS sandbox (kind TEXT NOT NULL, id TEXT NOT NULL, "
                "seq INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, id))"
            )
            self._load()

    # -- persistence --------------------------------------------------------------------------

    def _load(self) -> None:
        assert self._db is not None
        rows = self._db.execute("SELECT kind, id, value FROM sandbox ORDER BY seq").fetchall()
        for kind, key, value in rows:
            data = json.loads(value)
            if kind == "issued":
                doc = StoredDocument(**data)
                self.documents.append(doc)
                self.by_token[doc.token] = doc
            elif kind == "received":
                self.received.append(ReceivedDocument(**data))
            elif kind == "link":
                self.links[key] = SelfServiceLink(**data)
            elif kind == "folio":
                self.folios[key] = int(data)
            elif kind == "idempotency":
                self.idempotency[key] = list(data)
            elif kind == "sync":
                self.sync_locks[key] = float(data)

    def _write(self, kind: str, key: str, value: Any) -> None:
        if self._db is None:
            return
        text = json.dumps(value, ensure_ascii=False)
        self._db.execute(
            "INSERT INTO sandbox (kind, id, seq, value) VALUES (?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM sandbox), ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value",
            (kind, key, text),
        )

    def save(self, record: StoredDocument | ReceivedDocument | SelfServiceLink) -> None:
        """Write (or rewrite) a record after a change."""
        key = record.token if isinstance(record, StoredDocument | SelfServiceLink) else record.id
        with self._lock:
            self._write(_KINDS[type(record)], key, attrs.asdict(record))

    # -- operations ---------------------------------------------------------------------------

    def add_document(self, doc: StoredDocument) -> None:
        with self._lock:
            self.documents.append(doc)
            self.by_token[doc.token] = doc
            self.save(doc)

    def add_received(self, doc: ReceivedDocument) -> None:
        with self._lock:
            self.received.append(doc)
            self.save(doc)

    def add_link(self, link: SelfServiceLink) -> None:
        with self._lock:
            self.links[link.token] = link
            self.save(link)

    def next_folio(self, rut: str, tipo: int, first: int) -> int:
        """Take the next folio of ``tipo`` for the company ``rut``."""
        key = f"{rut}/{tipo}"
        with self._lock:
            folio = self.folios.get(key, first)
            self.folios[key] = folio + 1
            self._write("folio", key, folio + 1)
            return folio

    def used_folios(self, rut: str, tipo: int, first: int) -> int:
        with self._lock:
            return self.folios.get(f"{rut}/{tipo}", first) - first

    def remember_key(self, rut: str, key: str, token: str, at: float) -> None:
        with self._lock:
            self.idempotency[f"{rut}/{key}"] = [token, at]
            self._write("idempotency", f"{rut}/{key}", [token, at])

    def recall_key(self, rut: str, key: str) -> tuple[str, float] | None:
        with self._lock:
            seen = self.idempotency.get(f"{rut}/{key}")
            return None if seen is None else (str(seen[0]), float(seen[1]))

    def lock_sync(self, rut: str, registro: str, until: float) -> None:
        with self._lock:
            self.sync_locks[f"{rut}/{registro}"] = until
            self._write("sync", f"{rut}/{registro}", until)

    def sync_locked_until(self, rut: str, registro: str) -> float | None:
        with self._lock:
            return self.sync_locks.get(f"{rut}/{registro}")

    def clear(self) -> None:
        """Forget everything (also in the SQLite file)."""
        with self._lock:
            self.documents.clear()
            self.by_token.clear()
            self.received.clear()
            self.links.clear()
            self.folios.clear()
            self.idempotency.clear()
            self.sync_locks.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM sandbox")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
