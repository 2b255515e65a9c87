"""How the sandbox checks an emission body, like ``POST /v2/dte/document`` does.

Order of the checks (each failing check answers at once, no folio consumed):

1. ``dte`` missing -> ``OF-01``; ``Encabezado``/``IdDoc``/``Emisor``/``Receptor``/``Totales``
   or ``Detalle`` missing -> ``OF-08`` (schema);
2. export types 110-112, or a type the company has no folios for -> ``OF-05``;
3. ``Folio`` not 0, ``RUTEmisor`` not the key's company, bad dates, ``DscItem`` over 1000,
   required per-type fields -> ``OF-10`` with one detail per problem;
4. notas 56/61 without ``Referencia`` -> ``OF-09``;
5. every amount recomputed (:mod:`._amounts`) -> ``OF-10`` ``Monto erróneo : <expected>``.

What passes is normalised like Openfactura does: ``NmbItem`` cut to 80 characters without
em dashes, ``GiroRecep`` cut to 40, boleta ``TotalPeriodo``/``VlrPagar`` filled in.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from ._amounts import BOLETAS, expected_totals, line_amount
from ._companies import Company
from ._errors import RejectError, fields_error, wrapped

__all__ = ["EXPORT_TYPES", "GUIA_WARNING", "validate_emission"]

EXPORT_TYPES = frozenset({110, 111, 112})
GUIA_WARNING = (
    "Guía de despacho sin datos de transporte (Res. Ex. SII N° 154/2025): informar chofer, "
    "patente, origen y destino."
)
_RUT = re.compile(r"^\d{1,8}-[\dkK]$")
_EMISOR_REQUIRED = ("RUTEmisor", "RznSoc", "GiroEmis", "Acteco", "DirOrigen", "CmnaOrigen")
_BOLETA_EMISOR_REQUIRED = (
    "RUTEmisor",
    "RznSocEmisor",
    "GiroEmisor",
    "CdgSIISucur",
    "DirOrigen",
    "CmnaOrigen",
)
_RECEPTOR_REQUIRED = ("RUTRecep", "RznSocRecep")  # GiroRecep, Contacto: not forced (§8.14)


def _schema_error(*fields: str) -> RejectError:
    return RejectError(
        400,
        wrapped(
            "Validación de Esquema",
            "OF-08",
            [{"field": field, "issue": "Elemento requerido"} for field in fields],
        ),
    )


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return len(str(value)) == 10


def validate_emission(
    company: Company, body: Any, *, self_service: bool = False, artesano: bool = False
) -> tuple[dict[str, Any], int, str | None]:
    """The normalised ``dte``, its type and the ``WARNING`` text (or raise :class:`RejectError`)."""
    if not isinstance(body, dict) or not isinstance(body.get("dte"), dict):
        raise RejectError(
            400, wrapped("Datos requeridos", "OF-01", [{"field": "dte", "issue": "Requerido"}])
        )
    dte: dict[str, Any] = copy.deepcopy(body["dte"])
    enc = dte.get("Encabezado")
    if self_service and isinstance(enc, dict):
        # Self-service links: no TipoDTE/Folio/Receptor needed (a boleta, if any, is anonymous).
        id_doc = enc.setdefault("IdDoc", {})
        if isinstance(id_doc, dict):
            id_doc.setdefault("TipoDTE", 39)
            id_doc.setdefault("Folio", 0)
        enc.setdefault("Receptor", {"RUTRecep": "66666666-6"})
    parts = ("IdDoc", "Emisor", "Receptor", "Totales")
    missing = [
        f"Encabezado.{part}"
        for part in parts
        if not isinstance(enc, dict) or not isinstance(enc.get(part), dict)
    ]
    lines = dte.get("Detalle")
    if not isinstance(lines, list) or not lines or not all(isinstance(li, dict) for li in lines):
        missing.append("Detalle")
    if missing:
        raise _schema_error(*missing)
    assert isinstance(enc, dict) and isinstance(lines, list)
    id_doc, emisor, receptor, totales = (enc[part] for part in parts)
    try:
        tipo = int(id_doc.get("TipoDTE"))
    except (TypeError, ValueError):
        raise _schema_error("TipoDTE") from None
    if tipo in EXPORT_TYPES or tipo not in company.document_types:
        raise RejectError(400, wrapped(f"Tipo de DTE {tipo} no soportado", "OF-05"))

    problems: list[tuple[str, str]] = []
    if id_doc.get("Folio") not in (0, "0"):
        problems.append(("Folio", "El folio debe ser 0"))
    if not _is_date(id_doc.get("FchEmis")):
        problems.append(("FchEmis", "Fecha Incorrecta"))
    rut_emisor = str(emisor.get("RUTEmisor", "")).replace(".", "").upper()
    if rut_emisor != company.rut.upper():
        problems.append(("RUTEmisor", f"Rut incorrecto : {rut_emisor}"))
    boleta = tipo in BOLETAS
    for name in _BOLETA_EMISOR_REQUIRED if boleta else _EMISOR_REQUIRED:
        if name != "RUTEmisor" and emisor.get(name) in (None, ""):
            if not boleta and name in ("RznSoc", "GiroEmis") and emisor.get(name + "Emisor"):
                continue
            problems.append((name, "Requerido"))
    if boleta and id_doc.get("IndServicio") in (None, ""):
        problems.append(("IndServicio", "Requerido"))
    for name in ("RUTRecep",) if boleta else _RECEPTOR_REQUIRED:
        if receptor.get(name) in (None, ""):
            problems.append((name, "Requerido"))
    if receptor.get("RUTRecep") and not _RUT.match(str(receptor["RUTRecep"]).replace(".", "")):
        problems.append(("RUTRecep", f"Rut incorrecto : {receptor['RUTRecep']}"))
    if tipo == 52 and id_doc.get("IndTraslado") in (None, ""):
        problems.append(("IndTraslado", "Requerido"))
    for line in lines:
        if len(str(line.get("DscItem", ""))) > 1000:
            problems.append(("DscItem", "Largo máximo 1000"))
        if line.get("NmbItem") in (None, ""):
            problems.append(("NmbItem", "Requerido"))
    if problems:
        raise fields_error(*problems)
    if tipo in (56, 61) and not dte.get("Referencia"):
        raise RejectError(
            400,
            wrapped(
                "Validación de Relación",
                "OF-09",
                [{"field": "Referencia", "issue": "Referencia requerida"}],
            ),
        )
    for name, expected in expected_totals(tipo, dte, artesano=artesano).items():
        sent = totales.get(name)
        try:
            ok = sent is not None and int(sent) == expected
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append((name, f"Monto erróneo : {expected}"))
    for line in lines:
        expected_line = line_amount(line)
        try:
            ok = int(line.get("MontoItem")) == expected_line
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(("MontoItem", f"Monto erróneo : {expected_line}"))
    if problems:
        raise fields_error(*problems)

    for line in lines:
        line["NmbItem"] = str(line["NmbItem"]).replace("\u2014", "")[:80]
    if "GiroRecep" in receptor:
        receptor["GiroRecep"] = str(receptor["GiroRecep"])[:40]
    if boleta:
        totales.setdefault("TotalPeriodo", totales.get("MntTotal"))
        totales.setdefault("VlrPagar", totales.get("MntTotal"))
    transporte = enc.get("Transporte")
    warning = None
    if tipo == 52 and not (isinstance(transporte, dict) and transporte.get("Chofer")):
        warning = GUIA_WARNING
    return dte, tipo, warning
