"""Input files of a batch: JSONL (one document a line) and CSV (one line item a row).

Both are read as a stream (one document in memory at a time). Opening one reads the
file once to know its **identity** (a hash of its bytes: the keys of documents without
an id derive from it and their line) and how many documents it holds (for progress).
``examples/`` has a sample of each format, and ``examples/README.md`` describes them.

Usage::

    batch = read_jsonl("boletas.jsonl")
    batch = read_csv("facturas.csv", defaults={"RUTEmisor": "76795561-8", ...})
    batch = open_input("run.csv")               # by extension
    batch.identity, batch.count
    async for outcome in client.documents.emit_many(batch, journal="run.db"): ...

    batch = resume_input(Journal("run.db"))     # the file a journal was started from

**JSONL**: each non-blank line is a JSON object, either the emission body without
``response`` — ``{"id": "order-1", "dte": {...}, "sendEmail": {...}, "custom": {...},
"ivaExceptional": [...], "customizePage": {...}}``, all but ``dte`` optional — or a bare
``dte`` object (``{"Encabezado": ..., "Detalle": ...}``, no id). The ``dte`` is in the
API's wire format, totals included.

**CSV**: a header row of column names, then one row per line item. Rows with the same
value in the id column (``id`` by default; a blank id continues the document above)
make one document; a document's rows must be next to each other. The other columns are
wire names of ``IdDoc`` (``TipoDTE``, ``FchEmis``, ``FmaPago``...), ``Emisor``
(``RUTEmisor``, ``RznSoc``...), ``Receptor`` (``RUTRecep``, ``RznSocRecep``...) and
``Detalle`` (``NmbItem``, ``QtyItem``, ``PrcItem``, ``DscItem``, ``IndExe``...).
Document fields are read from the document's first row that has them (other rows may
leave them blank); ``defaults=`` fills fields absent from the file. Totals are computed
(as ``Factura.build`` does). Decimals use a dot. Boletas need no ``Receptor`` (the
anonymous ``66666666-6``) and take ``IndServicio`` 3 unless given; their ``Emisor`` may
use the factura names (``RznSoc``, ``GiroEmis``), renamed for them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import attrs

from .._exceptions import ValidationError
from ._items import BulkItem
from ._journal import BatchMismatchError, Journal
from ._keys import file_identity

__all__ = ["BulkInput", "CsvInput", "JsonlInput", "open_input", "read_csv", "read_jsonl"]

_CHUNK = 1 << 20


class BulkInput:
    """An input file: iterate it for :class:`BulkItem` objects (a fresh pass each time).

    ``identity`` is the hash of the file's bytes at opening, ``count`` the number of
    documents in it. :meth:`describe` is what a journal records about it.
    """

    format: ClassVar[str] = ""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"No input file at {self.path}")
        digest = hashlib.sha256()
        self.count = self._scan(digest)
        self.identity = file_identity(digest)

    def _scan(self, digest: Any) -> int:
        raise NotImplementedError

    def __iter__(self) -> Iterator[BulkItem]:
        """The file's documents, read one at a time."""
        raise NotImplementedError

    def options(self) -> dict[str, Any]:
        """The reader's options (recorded in the journal, to open the file again)."""
        return {}

    def describe(self) -> dict[str, Any]:
        """What a journal records about the file (``format``, ``path``, ``identity``...)."""
        return {
            "format": self.format,
            "path": str(self.path.resolve()),
            "identity": self.identity,
            "count": self.count,
            "options": self.options(),
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self.path)!r} documents={self.count}>"


# -- JSONL ------------------------------------------------------------------------------------

_JSONL_OPTIONS = {
    "custom": "custom",
    "sendEmail": "send_email",
    "send_email": "send_email",
    "ivaExceptional": "iva_exceptional",
    "iva_exceptional": "iva_exceptional",
    "customizePage": "customize_page",
    "customize_page": "customize_page",
}
_JSONL_KEYS = frozenset({"id", "dte", "response", *_JSONL_OPTIONS})


class JsonlInput(BulkInput):
    """One document a line (see the module's description)."""

    format = "jsonl"

    def _scan(self, digest: Any) -> int:
        count = 0
        with self.path.open("rb") as fh:
            for raw in fh:
                digest.update(raw)
                if raw.strip():
                    count += 1
        return count

    def __iter__(self) -> Iterator[BulkItem]:
        """The file's documents, one line at a time."""
        with self.path.open("r", encoding="utf-8-sig", newline=None) as fh:
            for number, text in enumerate(fh, start=1):
                if text.strip():
                    yield _jsonl_item(text, number)


def _jsonl_item(text: str, line: int) -> BulkItem:
    try:
        data = json.loads(text)
    except ValueError as exc:
        return BulkItem(None, line=line, problems=((f"line {line}", f"not JSON: {exc}"),))
    if not isinstance(data, dict):
        return BulkItem(None, line=line, problems=((f"line {line}", "expected a JSON object"),))
    if "dte" not in data:
        if "Encabezado" in data:
            return BulkItem(data, line=line)
        return BulkItem(
            None,
            line=line,
            problems=((f"line {line}", 'expected {"id": ..., "dte": {...}} or a dte object'),),
        )
    problems = [(key, "unknown field") for key in data if key not in _JSONL_KEYS]
    ident = data.get("id")
    if ident is not None and (isinstance(ident, bool) or not isinstance(ident, (str, int))):
        problems.append(("id", f"{ident!r} is not a text or an integer"))
        ident = None
    options = {_JSONL_OPTIONS[k]: v for k, v in data.items() if k in _JSONL_OPTIONS}
    return BulkItem(data["dte"], id=ident, line=line, problems=tuple(problems), **options)


def read_jsonl(path: str | Path) -> JsonlInput:
    """Open a JSONL input (one document a line); ``FileNotFoundError`` if missing."""
    return JsonlInput(path)


# -- CSV --------------------------------------------------------------------------------------


def _scalar_fields(*classes: type) -> dict[str, None]:
    """Wire names of the fields of ``classes`` a CSV cell can hold (no nested elements)."""
    from .._fields import EXTRA, wire_name

    def scalar(hint: Any) -> bool:
        if attrs.has(hint):
            return False
        return all(scalar(arg) for arg in typing.get_args(hint))

    names: dict[str, None] = {}
    for cls in classes:
        hints = typing.get_type_hints(cls)
        for field in attrs.fields(cls):
            if not field.metadata.get(EXTRA) and scalar(hints[field.name]):
                names[wire_name(field)] = None
    return names


def _sections() -> dict[str, str]:
    from ..dte import (
        BoletaDetalle,
        BoletaEmisor,
        BoletaIdDoc,
        BoletaReceptor,
        Detalle,
        Emisor,
        IdDoc,
        Receptor,
    )

    where: dict[str, str] = {}
    for section, classes in (
        ("IdDoc", (IdDoc, BoletaIdDoc)),
        ("Emisor", (Emisor, BoletaEmisor)),
        ("Receptor", (Receptor, BoletaReceptor)),
        ("Detalle", (Detalle, BoletaDetalle)),
    ):
        for name in _scalar_fields(*classes):
            where.setdefault(name, section)
    for computed in ("Folio", "NroLinDet"):
        where.pop(computed, None)
    return where


_BOLETAS = frozenset({39, 41})
# Emisor names of facturas -> of boletas (a CSV may use either; each type gets its own).
_BOLETA_EMISOR = {"RznSoc": "RznSocEmisor", "GiroEmis": "GiroEmisor"}


class CsvInput(BulkInput):
    """One row per line item, grouped by the id column (see the module's description)."""

    format = "csv"

    def __init__(
        self,
        path: str | Path,
        *,
        id_column: str = "id",
        defaults: Mapping[str, Any] | None = None,
        delimiter: str = ",",
    ) -> None:
        self.id_column = id_column
        self.defaults = {str(k): v for k, v in (defaults or {}).items()}
        self.delimiter = delimiter
        self._where = _sections()
        unknown = [name for name in self.defaults if name not in self._where]
        if unknown:
            raise ValidationError(
                "Unknown fields in defaults",
                [(name, "not a field of IdDoc, Emisor, Receptor or Detalle") for name in unknown],
            )
        super().__init__(path)

    def options(self) -> dict[str, Any]:
        """The reader's options (recorded in the journal, to open the file again)."""
        return {"id_column": self.id_column, "defaults": self.defaults, "delimiter": self.delimiter}

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        with self.path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            for row in reader:
                yield reader.line_num, row

    def _header(self, rows: Iterator[tuple[int, list[str]]]) -> list[str]:
        try:
            _, header = next(rows)
        except StopIteration:
            raise ValidationError(
                f"{self.path} is empty", [("header", "expected a row of column names")]
            ) from None
        header = [name.strip() for name in header]
        problems = [
            (
                name or f"column {n}",
                "unknown column: not a field of IdDoc, Emisor, Receptor or Detalle",
            )
            for n, name in enumerate(header, start=1)
            if name != self.id_column and name not in self._where
        ]
        if self.id_column not in header:
            problems.append((self.id_column, "the id column is missing"))
        if len(set(header)) != len(header):
            problems.append(("header", "a column name appears twice"))
        if problems:
            raise ValidationError(f"{self.path} cannot be read as a batch", problems)
        return header

    def _scan(self, digest: Any) -> int:
        with self.path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
        return sum(1 for _ in self._groups())

    def _groups(self) -> Iterator[tuple[str, list[tuple[int, dict[str, str]]]]]:
        rows = self._rows()
        header = self._header(rows)
        current: str | None = None
        group: list[tuple[int, dict[str, str]]] = []
        for line, row in rows:
            if not any(cell.strip() for cell in row):
                continue
            cells = {
                name: cell.strip() for name, cell in zip(header, row, strict=False) if cell.strip()
            }
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                cells["\x00extra"] = "1"
            ident = cells.pop(self.id_column, None)
            if ident is not None and ident != current:
                if group:
                    yield str(current), group
                current, group = ident, []
            elif current is None:
                current = ""
            group.append((line, cells))
        if group:
            yield str(current), group

    def __iter__(self) -> Iterator[BulkItem]:
        """The file's documents, one group of rows at a time."""
        for ident, rows in self._groups():
            yield self._item(ident, rows)

    def _item(self, ident: str, rows: list[tuple[int, dict[str, str]]]) -> BulkItem:
        from ..dte import from_wire

        first = rows[0][0]
        problems: list[tuple[str, str]] = []
        if not ident:
            problems.append((f"line {first}", "no id: the first row of a document needs one"))
        sections: dict[str, dict[str, Any]] = {"IdDoc": {}, "Emisor": {}, "Receptor": {}}
        seen: dict[str, int] = {}
        lines: list[dict[str, Any]] = []
        for line, cells in rows:
            if cells.pop("\x00extra", None):
                problems.append((f"line {line}", "more cells than columns"))
            detail: dict[str, Any] = {}
            for name, value in cells.items():
                section = self._where[name]
                if section == "Detalle":
                    detail[name] = value
                elif name not in sections[section]:
                    sections[section][name] = value
                    seen[name] = line
                elif sections[section][name] != value:
                    problems.append(
                        (
                            name,
                            f"line {line} says {value!r}, line {seen[name]} said "
                            f"{sections[section][name]!r}",
                        )
                    )
            if detail:
                lines.append(detail)
        for name, value in self.defaults.items():
            section = self._where[name]
            if section != "Detalle":
                sections[section].setdefault(name, value)
        if problems:
            return BulkItem(None, id=ident or None, line=first, problems=tuple(problems))
        dte = _wire(
            sections, lines, {k: v for k, v in self.defaults.items() if self._where[k] == "Detalle"}
        )
        try:
            document = from_wire(dte).with_totals()
        except ValidationError as exc:
            found = tuple((_csv_field(p.field), p.issue) for p in exc.problems)
            return BulkItem(None, id=ident or None, line=first, problems=found)
        return BulkItem(document, id=ident, line=first)


def _wire(
    sections: dict[str, dict[str, Any]], lines: list[dict[str, Any]], line_defaults: dict[str, Any]
) -> dict[str, Any]:
    id_doc, emisor, receptor = sections["IdDoc"], sections["Emisor"], sections["Receptor"]
    id_doc = {"Folio": 0, **id_doc}
    id_doc.setdefault("FchEmis", dt.date.today().isoformat())
    try:
        boleta = int(id_doc.get("TipoDTE", 0)) in _BOLETAS
    except ValueError:
        boleta = False
    if boleta:
        id_doc.setdefault("IndServicio", 3)
        receptor.setdefault("RUTRecep", "66666666-6")
        for factura_name, boleta_name in _BOLETA_EMISOR.items():
            if factura_name in emisor:
                emisor.setdefault(boleta_name, emisor.pop(factura_name))
        emisor.pop("Acteco", None)
    else:
        for factura_name, boleta_name in _BOLETA_EMISOR.items():
            if boleta_name in emisor:
                emisor.setdefault(factura_name, emisor.pop(boleta_name))
    return {
        "Encabezado": {
            "IdDoc": id_doc,
            "Emisor": emisor,
            "Receptor": receptor,
            "Totales": {"MntTotal": 0},  # computed by with_totals()
        },
        "Detalle": [{**line_defaults, **line} for line in lines],
    }


def _csv_field(path: str) -> str:
    """``$.Encabezado.Receptor.RUTRecep`` -> ``Encabezado.Receptor.RUTRecep``."""
    return path[2:] if path.startswith("$.") else path


def read_csv(
    path: str | Path,
    *,
    id_column: str = "id",
    defaults: Mapping[str, Any] | None = None,
    delimiter: str = ",",
) -> CsvInput:
    """Open a CSV input (one row per line item, grouped by ``id_column``).

    ``defaults`` gives fields the file does not carry (wire names, e.g. the ``Emisor``).
    Raises :class:`~openfactura.ValidationError` for unknown columns, ``FileNotFoundError``.
    """
    return CsvInput(path, id_column=id_column, defaults=defaults, delimiter=delimiter)


def open_input(path: str | Path, **options: Any) -> BulkInput:
    """A JSONL (``.jsonl``, ``.ndjson``) or CSV (``.csv``) input, by the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        if options:
            raise ValidationError(
                "Options for a JSONL input", [(name, "only for CSV") for name in options]
            )
        return read_jsonl(path)
    if suffix == ".csv":
        return read_csv(path, **options)
    raise ValidationError(
        "Unknown input format", [("path", f"{str(path)!r}: expected .jsonl, .ndjson or .csv")]
    )


def resume_input(journal: Journal) -> BulkInput:
    """Open again the input file ``journal``'s batch was started from.

    Raises ``LookupError`` if the batch did not come from a file, ``FileNotFoundError``
    if the file is gone, :class:`BatchMismatchError` if it changed since.
    """
    source = journal.source
    if source is None:
        raise LookupError(f"The journal {journal.path} was not started from an input file.")
    openers: dict[str, type[JsonlInput] | type[CsvInput]] = {"jsonl": JsonlInput, "csv": CsvInput}
    opener = openers.get(str(source.get("format")))
    if opener is None:
        raise LookupError(f"Unknown input format in {journal.path}: {source.get('format')!r}")
    batch: BulkInput = opener(source["path"], **source.get("options", {}))
    if batch.identity != source.get("identity"):
        raise BatchMismatchError(
            f"{source['path']} changed since the batch started (its hash differs): keys of "
            "documents without an id would not match. Restore the file, or start a new "
            "journal."
        )
    return batch
