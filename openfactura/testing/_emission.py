"""How the sandbox checks an emission body, like ``POST /v2/dte/document`` does.

Order of the checks (each failing check answers at once, no folio consumed):

1. ``dte`` missing -> ``OF-01``; ``Encabezado``/``IdDoc``/``Emisor``/``Receptor``/``Totales``
   or ``Detalle`` missing, a ``TipoDTE`` that is not a number, or top-level options of the
   wrong type (``response``, ``ivaExceptional`` not lists of text; ``custom``,
   ``sendEmail``, ``selfService``, ``customer`` not objects) -> ``OF-08`` (schema);
2. export types 110-112, or a type the company has no folios for -> ``OF-05``;
3. every element against the SII schema's type, range, code list and repetitions
   (:mod:`._schema`): ``OF-08`` with one detail per problem;
4. ``Folio`` not 0, ``RUTEmisor`` not the key's company, a RUT with a wrong check digit,
   bad dates, ``TasaIVA`` other than 19, ``DscItem`` over 1000, required per-type fields ->
   ``OF-10`` with one detail per problem;
5. notas 56/61 without ``Referencia`` -> ``OF-09``;
6. every amount recomputed (:mod:`._amounts`) -> ``OF-10`` ``Monto erróneo : <expected>``;
   an amount the schema wants non-negative that comes out negative (a global discount
   larger than the lines, a line discount larger than its price) -> ``OF-10``
   ``Monto negativo : <amount>``.

``null`` is an absent element. What passes is normalised like Openfactura does: ``NmbItem``
cut to 80 characters without em dashes, ``GiroRecep`` cut to 40, boleta
``TotalPeriodo``/``VlrPagar`` filled in.
"""

from __future__ import annotations

import decimal
from typing import Any

from ._amounts import BOLETAS, expected_totals, line_amount
from ._companies import Company
from ._errors import RejectError, fields_error, wrapped
from ._schema import FIELDS, as_decimal, check_tree, tree_for

__all__ = ["EXPORT_TYPES", "GUIA_WARNING", "validate_emission"]

EXPORT_TYPES = frozenset({110, 111, 112})
GUIA_WARNING = (
    "Guía de despacho sin datos de transporte (Res. Ex. SII N° 154/2025): informar chofer, "
    "patente, origen y destino."
)
IVA_RATE = 19
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
_OPTION_LISTS = ("response", "ivaExceptional")
_OPTION_OBJECTS = ("custom", "sendEmail", "selfService", "customer", "customizePage")


def schema_error(*details: tuple[str, str]) -> RejectError:
    """400 ``OF-08`` "Validación de Esquema" with ``(field, issue)`` details."""
    return RejectError(
        400,
        wrapped(
            "Validación de Esquema",
            "OF-08",
            [{"field": field, "issue": issue} for field, issue in details],
        ),
    )


def _required(*fields: str) -> RejectError:
    return schema_error(*((field, "Elemento requerido") for field in fields))


def _without_nulls(value: Any) -> Any:
    """A copy of the JSON ``value`` without the ``null`` members of its objects (``null`` is
    absent); its objects and lists are new, so the body sent is never changed."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _check_options(body: dict[str, Any]) -> None:
    problems = [
        (name, "Debe ser una lista de textos")
        for name in _OPTION_LISTS
        if body.get(name) is not None
        and not (isinstance(body[name], list) and all(isinstance(item, str) for item in body[name]))
    ]
    problems += [
        (name, "Debe ser un objeto")
        for name in _OPTION_OBJECTS
        if body.get(name) is not None and not isinstance(body[name], dict)
    ]
    if problems:
        raise schema_error(*problems)


def _tipo(id_doc: dict[str, Any]) -> int:
    number = as_decimal(id_doc.get("TipoDTE"))
    if number is None or number != number.to_integral_value() or not 0 < number < 1000:
        raise schema_error(("TipoDTE", "Tipo de dato inválido"))
    return int(number)


def _non_negative(tree: dict[str, Any], part: str, name: str) -> bool:
    """Whether the schema types ``Totales.<name>`` (or ``Detalle.<name>``) non-negative."""
    node = tree["Detalle"][1] if part == "Detalle" else tree["Encabezado"][1]["Totales"][1]
    rule = node.get(name, (1, ("int", None, None)))[1]
    return rule[0] == "int" and rule[1] is not None and rule[1] >= 0


def validate_emission(
    company: Company, body: Any, *, self_service: bool = False, artesano: bool = False
) -> tuple[dict[str, Any], int, str | None]:
    """The normalised ``dte``, its type and the ``WARNING`` text (or raise :class:`RejectError`)."""
    if not isinstance(body, dict) or not isinstance(body.get("dte"), dict):
        raise RejectError(
            400, wrapped("Datos requeridos", "OF-01", [{"field": "dte", "issue": "Requerido"}])
        )
    _check_options(body)
    dte: dict[str, Any] = _without_nulls(body["dte"])  # a copy: new objects and lists
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
        raise _required(*missing)
    assert isinstance(enc, dict) and isinstance(lines, list)
    id_doc, emisor, receptor, totales = (enc[part] for part in parts)
    tipo = _tipo(id_doc)
    if tipo in EXPORT_TYPES or tipo not in company.document_types:
        raise RejectError(400, wrapped(f"Tipo de DTE {tipo} no soportado", "OF-05"))

    tree = tree_for(tipo)
    found = check_tree(dte, tree)
    schema = [(field, issue) for code, field, issue in found if code != FIELDS]
    if schema:
        raise schema_error(*schema)
    problems: list[tuple[str, str]] = [(field, issue) for _, field, issue in found]
    if id_doc.get("Folio") not in (0, "0"):
        problems.append(("Folio", "El folio debe ser 0"))
    if "FchEmis" not in id_doc:
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
    if tipo == 52 and id_doc.get("IndTraslado") in (None, ""):
        problems.append(("IndTraslado", "Requerido"))
    rate = as_decimal(totales.get("TasaIVA"))
    if rate is not None and rate != IVA_RATE:
        problems.append(("TasaIVA", f"Tasa incorrecta : {IVA_RATE}"))
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
    problems = _amount_problems(tipo, dte, tree, artesano=artesano)
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


def _amount_problems(
    tipo: int, dte: dict[str, Any], tree: dict[str, Any], *, artesano: bool
) -> list[tuple[str, str]]:
    """The amounts the API recomputes, against the ones sent (types already checked)."""
    totales = dte["Encabezado"]["Totales"]
    problems: list[tuple[str, str]] = []
    # Schema-valid values can still multiply past the default 28 digits (a 999 % surcharge
    # on a 10^27 sum): compute with room to spare; nothing here is a float.
    with decimal.localcontext() as context:
        context.prec = 80
        try:
            expected = expected_totals(tipo, dte, artesano=artesano)
            lines = [line_amount(line) for line in dte["Detalle"]]
        except ArithmeticError:
            return [("MntTotal", "Monto fuera de rango")]
    for name, amount in expected.items():
        if amount < 0 and _non_negative(tree, "Totales", name):
            problems.append((name, f"Monto negativo : {amount}"))
            continue
        sent = as_decimal(totales.get(name))
        if sent is None or sent != amount:
            problems.append((name, f"Monto erróneo : {amount}"))
    for line, amount in zip(dte["Detalle"], lines, strict=True):
        if amount < 0 and _non_negative(tree, "Detalle", "MontoItem"):
            problems.append(("MontoItem", f"Monto negativo : {amount}"))
            continue
        sent = as_decimal(line.get("MontoItem"))
        if sent is None or sent != amount:
            problems.append(("MontoItem", f"Monto erróneo : {amount}"))
    return problems
