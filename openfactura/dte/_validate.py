"""Local validation: every problem Openfactura would refuse, listed at once, before sending.

Problems are ``(field path, issue)`` pairs (:class:`~openfactura.ErrorDetail`) shaped like
the API's ``details``: ``("Encabezado.Totales.MntNeto", "Monto erróneo : 1000 (expected
1190)")``. Paths use wire names and 0-based list indexes (``Detalle[2].NmbItem``).

Checks: RUT check digits; required fields per document type; ``Folio`` 0; line, reference
and discount numbering; every amount against the totals engine (never "fixed", only
reported), on the side the document's prices are on (``MntBruto``/``IndMntNeto``); numbers
that are not ``Decimal``/``int`` (text, ``bool``, ``float``, ``NaN``); schema lengths and
decimal digits; ``IndExe`` on the lines of exempt documents; ``Referencia`` on notas; dates
in order. An amount the totals engine cannot compute is a problem of the field holding it,
never an exception.

Texts longer than the schema allows are problems by default. :func:`fit_lengths` returns a
copy cut to the limits, warning with :class:`TruncationWarning` for each cut (Openfactura
itself cuts ``NmbItem`` to 80 and ``GiroRecep`` to 40 but refuses other long texts).

Usage::

    from openfactura.dte import validate, ensure_valid

    for field, issue in validate(factura):
        print(field, issue)
    factura = ensure_valid(factura)                 # raises ValidationError listing all
    factura = ensure_valid(factura, truncate=True)  # cut long texts (with a warning) first
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar, overload

import attrs

from .._exceptions import ErrorDetail, ValidationError, shown
from .._fields import DIGITS, EXTRA, MAX_LENGTH, wire_name
from .._rut import Rut, normalize_rut_text
from ._documents import Document, from_wire
from ._enums import TipoDTE
from ._numbers import INT_CEILING, number_problems, range_issue, shape_problems, type_issue
from ._totals import (
    BOLETA_TYPES,
    EXEMPT_LINE_TYPES,
    EXPORT_TYPES,
    compute_totals,
    gross_prices_of,
    line_amount,
)

__all__ = ["TruncationWarning", "ensure_valid", "fit_lengths", "validate"]

D = TypeVar("D", bound=Document)

_NOTAS = frozenset(
    {
        TipoDTE.NOTA_DEBITO,
        TipoDTE.NOTA_CREDITO,
        TipoDTE.NOTA_DEBITO_EXPORTACION,
        TipoDTE.NOTA_CREDITO_EXPORTACION,
    }
)
_FIRST_DTE_DATE = dt.date(2003, 1, 1)
_ENGINE_TOTALS = frozenset(
    {"mnt_neto", "mnt_exe", "tasa_iva", "iva", "mnt_total", "monto_nf", "total_periodo"}
    | {"saldo_anterior", "vlr_pagar"}
)
"""The ``Totales`` fields the totals engine computes (others are the caller's to give)."""


class TruncationWarning(UserWarning):
    """A text was cut to the schema's maximum length by :func:`fit_lengths`."""


def validate(
    doc: Document | Mapping[str, Any], *, iva_exceptional: bool = False
) -> list[ErrorDetail]:
    """Every problem of ``doc`` (a document or a ``dte`` dict) at once; empty when fine."""
    if not isinstance(doc, Document):
        try:
            doc = from_wire(doc)
        except ValidationError as exc:
            return [ErrorDetail(_strip_root(p.field), p.issue) for p in exc.problems]
    problems: list[ErrorDetail] = []
    try:
        _check_fields(doc, "", problems)
        problems.extend(_check_document(doc))
    except ValidationError:
        raise
    except (ArithmeticError, ValueError, TypeError, AttributeError, KeyError) as exc:
        # A part of the wrong kind (a number where the lines or a date are due): say which.
        found = shape_problems(doc) or number_problems(doc)
        return problems + (found or [ErrorDetail("", f"{type(exc).__name__}: {shown(exc)}")])
    try:
        problems.extend(_check_amounts(doc, iva_exceptional))
        problems.extend(_check_commission_totals(doc))
    except ValidationError as exc:
        problems.extend(exc.problems)
    except (ArithmeticError, ValueError, TypeError, AttributeError, KeyError) as exc:
        # A number the arithmetic cannot use: name its field (once) instead of raising.
        seen = {p.field for p in problems}
        found = number_problems(doc) or shape_problems(doc)
        problems.extend(p for p in found if p.field not in seen)
        if not found:
            problems.append(
                ErrorDetail("Encabezado.Totales", f"No se pueden calcular los montos: {shown(exc)}")
            )
    return problems


@overload
def ensure_valid(doc: D, *, truncate: bool = ..., iva_exceptional: bool = ...) -> D: ...
@overload
def ensure_valid(
    doc: Mapping[str, Any], *, truncate: bool = ..., iva_exceptional: bool = ...
) -> Document: ...
def ensure_valid(
    doc: Document | Mapping[str, Any], *, truncate: bool = False, iva_exceptional: bool = False
) -> Document:
    """Return ``doc`` (cut to the schema lengths if ``truncate``) or raise ValidationError.

    A ``dte`` dict is read into its document class first (structure errors are raised as
    ValidationError too), and the document is returned.
    """
    if not isinstance(doc, Document):
        doc = from_wire(doc)
    if truncate:
        doc = fit_lengths(doc)
    problems = validate(doc, iva_exceptional=iva_exceptional)
    if problems:
        raise ValidationError(f"The {type(doc).__name__} has {len(problems)} problem(s)", problems)
    return doc


def fit_lengths(doc: D) -> D:
    """A copy of ``doc`` with every text cut to its schema maximum (one warning per cut)."""
    result: D = _fit(doc, "")
    return result


def _fit(obj: Any, path: str) -> Any:
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(obj)):
        if field.metadata.get(EXTRA):
            continue
        value = getattr(obj, field.name)
        where = _join(path, wire_name(field))
        limit = field.metadata.get(MAX_LENGTH)
        if isinstance(value, str) and limit and len(value) > limit:
            warnings.warn(
                f"{where} cut to {limit} characters (was {len(value)})",
                TruncationWarning,
                stacklevel=4,
            )
            changes[field.name] = value[:limit]
        elif isinstance(value, list):
            new = []
            for index, item in enumerate(value):
                if attrs.has(type(item)):
                    new.append(_fit(item, f"{where}[{index}]"))
                elif isinstance(item, str) and limit and len(item) > limit:
                    warnings.warn(
                        f"{where}[{index}] cut to {limit} characters",
                        TruncationWarning,
                        stacklevel=4,
                    )
                    new.append(item[:limit])
                else:
                    new.append(item)
            if any(a is not b for a, b in zip(new, value, strict=True)):
                changes[field.name] = new
        elif attrs.has(type(value)):
            fitted = _fit(value, where)
            if fitted is not value:
                changes[field.name] = fitted
    return attrs.evolve(obj, **changes) if changes else obj


# -- generic field checks (RUT, lengths, digits, dates) ------------------------------------


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _strip_root(path: str) -> str:
    return path[2:] if path.startswith("$.") else path.lstrip("$")


@attrs.frozen
class _FieldCheck:
    """What to look at in one field: its checks, and whether it may hold nested models."""

    name: str
    wire: str
    rut: bool
    limit: int | None
    digits: tuple[int, int] | None
    ceiling: Decimal | None
    quantum: Decimal
    nested: bool
    many: bool
    """A list field: an empty one needs no look."""


_SCALARS = frozenset({int, str, bool, Decimal, dt.date, dt.datetime, type(None)})


def _holds_models(type_: Any) -> bool:
    """False when a field's type can only hold scalars (no attrs model inside)."""
    args = typing.get_args(type_)
    if args:
        return any(_holds_models(arg) for arg in args)
    # Models, ``Any`` and anything unforeseen are walked.
    return not (isinstance(type_, type) and (type_ in _SCALARS or issubclass(type_, enum.Enum)))


def _field_checks(cls: type) -> list[_FieldCheck]:
    """The fields of ``cls`` worth a look: fields without any check are skipped."""
    attrs.resolve_types(cls)
    checks = []
    for field in attrs.fields(cls):
        if field.metadata.get(EXTRA):
            continue
        rut = field.converter is normalize_rut_text
        limit = field.metadata.get(MAX_LENGTH)
        digits = field.metadata.get(DIGITS)
        nested = _holds_models(field.type)
        if rut or limit or digits or nested:
            ceiling = Decimal(10) ** digits[0] if digits else None
            quantum = Decimal(1).scaleb(-digits[1]) if digits else Decimal(1)
            many = typing.get_origin(field.type) in (list, tuple)
            checks.append(
                _FieldCheck(
                    field.name, wire_name(field), rut, limit, digits, ceiling, quantum, nested, many
                )
            )
    return checks


@functools.cache
def _checker(cls: type) -> Callable[[Any, str, list[ErrorDetail]], None]:
    """A function checking the fields of a ``cls`` instance, generated once per class.

    The common case (a text within its length, a sound decimal) is decided inline; anything
    else goes to :func:`_check_value`, which says exactly what is wrong.
    """
    env: dict[str, Any] = {"Decimal": Decimal, "slow": _check_value, "walk": _walk}
    lines = ["def check(obj, path, out):"]
    for index, check in enumerate(_field_checks(cls)):
        c = f"c{index}"
        env[c] = check
        lines += [
            f"    v = obj.{check.name}",
            "    if v:" if check.many else "    if v is not None:",
        ]
        if check.nested or check.many:
            lines.append(f"        walk({c}, v, path, out)")
        elif check.ceiling is not None:
            lines.append(
                f"        if v.__class__ is not Decimal or not v.is_finite() or v.is_signed() "
                f"or v >= {c}.ceiling or v.quantize({c}.quantum) != v: walk({c}, v, path, out)"
            )
        elif check.limit and not check.rut:
            lines.append(
                f"        if v.__class__ is not str or len(v) > {check.limit}: "
                f"walk({c}, v, path, out)"
            )
        else:
            lines.append(f"        walk({c}, v, path, out)")
    lines.append("    return None")
    exec(compile("\n".join(lines), f"<check {cls.__qualname__}>", "exec"), env)
    checker: Callable[[Any, str, list[ErrorDetail]], None] = env["check"]
    return checker


def _check_fields(obj: Any, path: str, out: list[ErrorDetail]) -> None:
    """Append the RUT, length and digit problems of every field of ``obj``, nested ones too."""
    cls: Any = obj.__class__
    _checker(cls)(obj, path, out)


def _walk(check: _FieldCheck, value: Any, path: str, out: list[ErrorDetail]) -> None:
    """One field's value in full: its items if a list, its fields if a model, else itself."""
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if check.nested and attrs.has(item.__class__):
                _check_fields(item, f"{_join(path, check.wire)}[{index}]", out)
            else:
                _check_value(check, item, path, f"[{index}]", out)
    elif check.nested and attrs.has(value.__class__):
        _check_fields(value, _join(path, check.wire), out)
    else:
        _check_value(check, value, path, "", out)


def _check_value(
    check: _FieldCheck, value: Any, path: str, index: str, out: list[ErrorDetail]
) -> None:
    if check.rut and not Rut.is_valid(value):
        out.append(ErrorDetail(_join(path, check.wire) + index, _rut_issue(value)))
    if check.limit and isinstance(value, str) and len(value) > check.limit:
        issue = f"Largo máximo {check.limit} caracteres (tiene {len(value)})"
        out.append(ErrorDetail(_join(path, check.wire) + index, issue))
    if check.digits:
        where = _join(path, check.wire) + index
        wrong_type = type_issue(value, "dec")
        if wrong_type is not None:
            out.append(ErrorDetail(where, wrong_type))
        elif check.ceiling is not None:
            out.extend(_check_digits(where, Decimal(value), check.digits))


def _rut_issue(value: Any) -> str:
    try:
        Rut(value)
    except ValidationError as exc:
        return f"RUT inválido: {exc.problems[0].issue}"
    return "RUT inválido"  # pragma: no cover - is_valid said no


def _check_digits(where: str, value: Decimal, digits: tuple[int, int]) -> Iterator[ErrorDetail]:
    integer, fraction = digits
    if not value.is_finite():
        yield ErrorDetail(where, f"Número no válido: {value}")
        return
    sign, _digits, exponent = value.normalize().as_tuple()
    if sign:
        yield ErrorDetail(where, f"Valor negativo no permitido: {value}")
    if isinstance(exponent, int) and -exponent > fraction:
        yield ErrorDetail(where, f"Máximo {fraction} decimales: {value}")
    if abs(value) >= Decimal(10) ** integer:
        yield ErrorDetail(where, f"Máximo {integer} dígitos enteros: {value}")


# -- per-type rules --------------------------------------------------------------------------


def _check_document(doc: Any) -> Iterator[ErrorDetail]:
    tipo = doc.TIPO
    enc = doc.encabezado
    id_doc = enc.id_doc
    if id_doc.tipo_dte != tipo:
        yield ErrorDetail(
            "Encabezado.IdDoc.TipoDTE",
            f"{int(id_doc.tipo_dte)} no corresponde a {type(doc).__name__} ({int(tipo)})",
        )
    if id_doc.folio != 0:
        yield ErrorDetail("Encabezado.IdDoc.Folio", "Debe ser 0: Openfactura asigna el folio")
    if id_doc.fch_emis < _FIRST_DTE_DATE:
        yield ErrorDetail("Encabezado.IdDoc.FchEmis", f"Fecha Incorrecta: {id_doc.fch_emis}")
    desde = getattr(id_doc, "periodo_desde", None)
    hasta = getattr(id_doc, "periodo_hasta", None)
    if desde and hasta and desde > hasta:
        yield ErrorDetail("Encabezado.IdDoc.PeriodoHasta", "Anterior a PeriodoDesde")
    venc = getattr(id_doc, "fch_venc", None)
    if venc and venc < id_doc.fch_emis:
        yield ErrorDetail("Encabezado.IdDoc.FchVenc", "Anterior a FchEmis")

    boleta = tipo in BOLETA_TYPES
    if boleta:
        for name in ("RznSocEmisor", "GiroEmisor", "CdgSIISucur", "DirOrigen", "CmnaOrigen"):
            yield from _required(enc.emisor, name, "Encabezado.Emisor")
    else:
        for name in ("RznSoc", "GiroEmis", "DirOrigen", "CmnaOrigen"):
            yield from _required(enc.emisor, name, "Encabezado.Emisor")
        # GiroRecep is required by the generic table but not forced by the API (§8, 14).
        for name in ("RznSocRecep", "DirRecep", "CmnaRecep"):
            yield from _required(enc.receptor, name, "Encabezado.Receptor")
        if not enc.emisor.acteco:
            yield ErrorDetail("Encabezado.Emisor.Acteco", "Requerido")
    if tipo == TipoDTE.FACTURA and doc.detalle and all(ln.ind_exe for ln in doc.detalle):
        yield ErrorDetail(
            "Detalle", "Ninguna línea afecta a IVA: emita una factura exenta (FacturaExenta, 34)"
        )
    if tipo == TipoDTE.GUIA_DESPACHO and id_doc.ind_traslado is None:
        yield ErrorDetail("Encabezado.IdDoc.IndTraslado", "Requerido en guías de despacho (52)")
    if tipo in _NOTAS and not doc.referencia:
        yield ErrorDetail("Referencia", f"Requerida en notas ({int(tipo)})")
    if tipo in _NOTAS:
        yield from _check_cod_ref(doc)
    if tipo == TipoDTE.LIQUIDACION_FACTURA and not doc.comisiones:
        yield ErrorDetail("Comisiones", "Requeridas en liquidaciones-factura (43)")
    mnt_bruto = getattr(id_doc, "mnt_bruto", None)
    if mnt_bruto is not None and (mnt_bruto.__class__ is not int or mnt_bruto != 1):
        yield ErrorDetail(
            "Encabezado.IdDoc.MntBruto", f"Debe ser 1 u omitirse (tiene {mnt_bruto!r})"
        )
    ind_mnt_neto = getattr(id_doc, "ind_mnt_neto", None)
    if ind_mnt_neto is not None and (ind_mnt_neto.__class__ is not int or ind_mnt_neto != 2):
        yield ErrorDetail(
            "Encabezado.IdDoc.IndMntNeto", f"Debe ser 2 u omitirse (tiene {ind_mnt_neto!r})"
        )
    exempt_lines = tipo in EXEMPT_LINE_TYPES

    limit = 1000 if boleta else 60
    export = tipo in EXPORT_TYPES
    if not doc.detalle:
        yield ErrorDetail("Detalle", "Requerido: al menos una línea")
    elif len(doc.detalle) > limit:
        yield ErrorDetail("Detalle", f"Máximo {limit} líneas (tiene {len(doc.detalle)})")
    for index, line in enumerate(doc.detalle):
        where = f"Detalle[{index}]"
        if line.nro_lin_det != index + 1:
            yield ErrorDetail(f"{where}.NroLinDet", f"Debe ser {index + 1}")
        if line.monto_item is None:
            yield ErrorDetail(f"{where}.MontoItem", "Requerido")
        if not line.nmb_item:
            yield ErrorDetail(f"{where}.NmbItem", "Requerido")
        if exempt_lines and line.ind_exe is None:
            yield ErrorDetail(
                f"{where}.IndExe", f"Requerido en documentos exentos ({int(tipo)}): 1 (exento)"
            )
        yield from _positive_line_amounts(line, where, export)
    for section, number_field, wire in (
        ("dsc_rcg_global", "nro_lin_dr", "NroLinDR"),
        ("referencia", "nro_lin_ref", "NroLinRef"),
        ("comisiones", "nro_lin_com", "NroLinCom"),
    ):
        for index, item in enumerate(getattr(doc, section, ())):
            if getattr(item, number_field) != index + 1:
                section_wire = {"dsc_rcg_global": "DscRcgGlobal"}.get(section, section.capitalize())
                yield ErrorDetail(f"{section_wire}[{index}].{wire}", f"Debe ser {index + 1}")
    if tipo in _NOTAS or tipo not in BOLETA_TYPES:
        for index, ref in enumerate(doc.referencia):
            if getattr(ref, "fch_ref", None) and ref.fch_ref > id_doc.fch_emis + dt.timedelta(1):
                yield ErrorDetail(f"Referencia[{index}].FchRef", "Posterior a FchEmis")


def _check_cod_ref(doc: Any) -> Iterator[ErrorDetail]:
    """A nota that voids (``CodRef`` 1) or corrects text (2) refers to one document; a text
    correction carries no amounts (reference §3.4)."""
    codes = [int(ref.cod_ref) for ref in doc.referencia if getattr(ref, "cod_ref", None)]
    if len(codes) > 1 and ({1, 2} & set(codes)):
        yield ErrorDetail("Referencia", "CodRef 1 (anula) y 2 (corrige texto) van en una sola")
    total = doc.encabezado.totales.mnt_total
    if 2 in codes and total:
        yield ErrorDetail(
            "Encabezado.Totales.MntTotal",
            f"Una corrección de texto (CodRef 2) va con montos 0 (tiene {total})",
        )


_LINE_PESOS = (
    ("descuento_monto", "DescuentoMonto"),
    ("recargo_monto", "RecargoMonto"),
    ("monto_item", "MontoItem"),
)
"""The ``int`` amounts of a line (its Decimal fields are checked with the schema digits)."""


def _positive_line_amounts(line: Any, where: str, export: bool) -> Iterator[ErrorDetail]:
    """The schema's line amounts: whole pesos as ``int`` (export lines are in their currency,
    with decimals), quantity and price above 0, discounts above 0, no negative line (a
    discount larger than the line)."""
    for name, wire in () if export else _LINE_PESOS:
        value = getattr(line, name, None)
        if value is not None and (
            value.__class__ is not int or not -INT_CEILING < value < INT_CEILING
        ):
            issue = type_issue(value, "int") or range_issue(value, None)
            if issue is not None:
                yield ErrorDetail(f"{where}.{wire}", issue)
    try:
        for name, wire in _POSITIVE:
            value = getattr(line, name, None)
            if value is not None and value == 0 and value.__class__ is not bool:
                yield ErrorDetail(f"{where}.{wire}", "Debe ser mayor que 0 (omítalo si no aplica)")
    except ArithmeticError:
        pass  # a signalling NaN: reported by the field checks
    monto = line.monto_item
    if (monto.__class__ is int or (monto.__class__ is Decimal and monto.is_finite())) and monto < 0:
        yield ErrorDetail(f"{where}.MontoItem", f"Valor negativo no permitido: {monto}")


_POSITIVE = (
    ("qty_item", "QtyItem"),
    ("prc_item", "PrcItem"),
    ("descuento_monto", "DescuentoMonto"),
    ("recargo_monto", "RecargoMonto"),
)


def _is_number(value: Any) -> bool:
    """An ``int`` or a finite ``Decimal`` (safe to compare), not a ``bool``."""
    cls = value.__class__
    return cls is int or (cls is Decimal and value.is_finite())


def _required(obj: Any, wire: str, path: str) -> Iterator[ErrorDetail]:
    name = _python_names(obj.__class__).get(wire)
    if name is not None and getattr(obj, name) in (None, ""):
        yield ErrorDetail(f"{path}.{wire}", "Requerido")


@functools.cache
def _python_names(cls: Any) -> dict[str, str]:
    """Wire name -> Python name of the fields of ``cls``."""
    return {wire_name(field): field.name for field in attrs.fields(cls)}


# -- amounts ---------------------------------------------------------------------------------


def _check_amounts(doc: Any, iva_exceptional: bool) -> Iterator[ErrorDetail]:
    export = doc.TIPO in EXPORT_TYPES
    for index, line in enumerate(doc.detalle):
        if line.monto_item is None or line.prc_item is None:
            continue
        expected = line_amount(line, export=export)
        if expected != line.monto_item:
            yield _mismatch(f"Detalle[{index}].MontoItem", line.monto_item, expected)
    totales = doc.encabezado.totales
    for name, wire in (
        ("mnt_neto", "MntNeto"),
        ("mnt_exe", "MntExe"),
        ("iva", "IVA"),
        ("mnt_total", "MntTotal"),
    ):
        value: Any = getattr(totales, name, None)
        if _is_number(value) and value < 0:
            yield ErrorDetail(f"Encabezado.Totales.{wire}", f"Valor negativo no permitido: {value}")
    options: dict[str, Any] = {}
    if export:
        options["tpo_moneda"] = totales.tpo_moneda
    else:
        options["gross_prices"] = gross_prices_of(doc.TIPO, doc.encabezado.id_doc)
        options["saldo_anterior"] = totales.saldo_anterior
        if doc.TIPO not in BOLETA_TYPES and totales.impto_reten:
            options["impto_reten"] = totales.impto_reten
    try:
        expected_totals = compute_totals(
            doc.TIPO,
            doc.detalle,
            getattr(doc, "dsc_rcg_global", ()),
            iva_exceptional=iva_exceptional,
            **options,
        )
    except ValidationError as exc:
        yield from exc.problems
        return
    for field in attrs.fields(type(totales)):
        if field.name not in _ENGINE_TOTALS:
            continue  # GrntDep, CredEC, MontoPeriodo...: given by the caller, not computed
        given = getattr(totales, field.name)
        expected_value = getattr(expected_totals, field.name, None)
        if field.name == "tasa_iva":
            if (given is None) != (expected_value is None) or (
                given is not None and Decimal(given) != expected_value
            ):
                yield ErrorDetail(
                    "Encabezado.Totales.TasaIVA",
                    f"Debe ser {expected_value}" if expected_value else "No corresponde",
                )
            continue
        if (given or 0) != (expected_value or 0):
            yield _mismatch(f"Encabezado.Totales.{wire_name(field)}", given, expected_value)
    if doc.TIPO not in BOLETA_TYPES and not export:
        given_taxes = {str(t.tipo_imp): t.monto_imp for t in totales.impto_reten}
        computed = expected_totals
        if "impto_reten" in options:  # the taxes the lines carry, not the ones given
            try:
                computed = compute_totals(doc.TIPO, doc.detalle, getattr(doc, "dsc_rcg_global", ()))
            except ValidationError:
                return
        for tax in getattr(computed, "impto_reten", []):
            if tax.tipo_imp in given_taxes and given_taxes[tax.tipo_imp] != tax.monto_imp:
                yield _mismatch(
                    f"Encabezado.Totales.ImptoReten[{tax.tipo_imp}].MontoImp",
                    given_taxes[tax.tipo_imp],
                    tax.monto_imp,
                )
            elif tax.tipo_imp not in given_taxes:
                yield ErrorDetail(
                    "Encabezado.Totales.ImptoReten", f"Falta el impuesto {tax.tipo_imp}"
                )


def _check_commission_totals(doc: Any) -> Iterator[ErrorDetail]:
    """A liquidación's ``Totales.Comisiones`` against the sums of its ``Comisiones`` lines."""
    given = getattr(doc.encabezado.totales, "comisiones", None)
    lines = getattr(doc, "comisiones", None)
    if given is None or not lines:
        return
    for name, wire in (
        ("val_com_neto", "ValComNeto"),
        ("val_com_exe", "ValComExe"),
        ("val_com_iva", "ValComIVA"),
    ):
        expected = sum(getattr(line, name) or 0 for line in lines)
        if (getattr(given, name) or 0) != expected:
            path = f"Encabezado.Totales.Comisiones.{wire}"
            yield _mismatch(path, getattr(given, name), expected)


def _mismatch(path: str, given: Any, expected: Any) -> ErrorDetail:
    return ErrorDetail(
        path, f"Monto erróneo : {given} (expected {expected if expected is not None else 'none'})"
    )
