"""The printed representation of a sandbox document: a one-page PDF made with fpdf2.

``LETTER`` (the API's default) is a letter page; ``80MM``/``80MMNOLOGO`` is an 80 mm roll
as one long page; ``LETTER_80MM`` is a letter page unless the document does not fit one
(more lines and references than the letter page shows at its normal row height), then an
80 mm roll. It shows what a real printout shows — issuer, the red box with RUT, type
and folio, receiver, lines, references, totals, the timbre and, for the cedible copy, the
receipt box of Ley 19.983 — and says clearly that it comes from a sandbox.

fpdf2 (the ``openfactura[testing]`` extra) is imported when the first PDF is made.

Usage::

    pdf_bytes = render_pdf(PrintJob(dte=dte, layout="LETTER", timbre=timbre_png(b"x")))
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["DTE_NAMES", "PrintJob", "format_rut", "render_pdf"]

DTE_NAMES = {
    33: "FACTURA ELECTRÓNICA",
    34: "FACTURA NO AFECTA O EXENTA ELECTRÓNICA",
    39: "BOLETA ELECTRÓNICA",
    41: "BOLETA EXENTA ELECTRÓNICA",
    43: "LIQUIDACIÓN FACTURA ELECTRÓNICA",
    46: "FACTURA DE COMPRA ELECTRÓNICA",
    52: "GUÍA DE DESPACHO ELECTRÓNICA",
    56: "NOTA DE DÉBITO ELECTRÓNICA",
    61: "NOTA DE CRÉDITO ELECTRÓNICA",
}
SANDBOX_NOTE = "Documento de prueba del sandbox local de openfactura - sin validez tributaria"
RED = (200, 30, 30)


@attrs.frozen(kw_only=True)
class PrintJob:
    """What to print."""

    dte: dict[str, Any]
    layout: str = "LETTER"
    cedible: bool = False
    timbre: bytes | None = None
    logo: bytes | None = None
    resolucion: tuple[str, int] = ("2018-03-26", 0)
    notes: tuple[str, ...] = ()
    compress: bool = True


def format_rut(rut: Any) -> str:
    """``76795561-8`` -> ``76.795.561-8``."""
    text = str(rut or "")
    body, sep, dv = text.partition("-")
    if not body.isdigit():
        return text
    return f"{int(body):,}".replace(",", ".") + sep + dv


def _latin1(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\u2014", "-").encode("latin-1", "replace").decode("latin-1")


def _money(value: Any) -> str:
    try:
        return "$ " + f"{int(value or 0):,}".replace(",", ".")
    except (TypeError, ValueError):
        return _latin1(value)


def _qty(value: Any) -> str:
    text = _latin1(value if value is not None else 1)
    return text[:-2] if text.endswith(".0") else text


# The letter page's lines table: first row's top, regular row height, and the bottom the
# rows must end above (it moves up 6 mm per reference printed under the table).
_LETTER_ROWS_TOP = 88.0
_LETTER_ROW_H = 5.0


def _letter_rows_bottom(refs: list[Any]) -> float:
    return 196.0 - 6 * len(refs)


def _fits_letter(lines: list[Any], refs: list[Any]) -> bool:
    """Whether every line shows on the letter page at the regular row height."""
    return len(lines) * _LETTER_ROW_H <= _letter_rows_bottom(refs) - _LETTER_ROWS_TOP


def render_pdf(job: PrintJob) -> bytes:
    """The PDF file's bytes (always exactly one page)."""
    from fpdf import FPDF

    enc = job.dte.get("Encabezado", {})
    id_doc = enc.get("IdDoc", {})
    tipo = int(id_doc.get("TipoDTE", 0) or 0)
    folio = id_doc.get("Folio", 0)
    lines = list(job.dte.get("Detalle") or [])
    refs = list(job.dte.get("Referencia") or [])
    layout = job.layout.upper()
    roll = layout.startswith("80MM") or (layout == "LETTER_80MM" and not _fits_letter(lines, refs))
    if roll:
        height = 150 + 8 * len(lines) + 8 * len(refs) + 6 * len(job.notes)
        height += 45 if job.cedible else 0
        pdf = FPDF(unit="mm", format=(80, height))
    else:
        pdf = FPDF(unit="mm", format="Letter")
    pdf.set_compression(job.compress)
    pdf.set_auto_page_break(False)
    pdf.set_margins(5 if roll else 12, 6 if roll else 12)
    name = DTE_NAMES.get(tipo, f"DOCUMENTO TRIBUTARIO ELECTRÓNICO {tipo}")
    pdf.set_title(_latin1(f"{name} N° {folio}"))
    pdf.set_creator("openfactura sandbox")
    pdf.add_page()
    draw: Callable[[FPDF, PrintJob, str, list[Any], list[Any]], None]
    draw = _draw_roll if roll else _draw_letter
    draw(pdf, job, name, lines, refs)
    return bytes(pdf.output())


def _issuer(enc: dict[str, Any]) -> dict[str, str]:
    emisor = enc.get("Emisor", {})
    return {
        "rut": format_rut(emisor.get("RUTEmisor")),
        "name": _latin1(emisor.get("RznSoc") or emisor.get("RznSocEmisor")),
        "giro": _latin1(emisor.get("GiroEmis") or emisor.get("GiroEmisor")),
        "address": _latin1(
            " ".join(
                str(part) for part in (emisor.get("DirOrigen"), emisor.get("CmnaOrigen")) if part
            )
        ),
        "comuna": _latin1(str(emisor.get("CmnaOrigen") or "").upper()),
    }


def _totals(enc: dict[str, Any]) -> list[tuple[str, str]]:
    totales = enc.get("Totales", {})
    rows = []
    for key, label in (
        ("MntNeto", "Monto neto"),
        ("MntExe", "Monto exento"),
        ("IVA", f"IVA {totales.get('TasaIVA', 19)}%"),
    ):
        if totales.get(key) not in (None, ""):
            rows.append((label, _money(totales[key])))
    rows.append(("TOTAL", _money(totales.get("MntTotal"))))
    return rows


def _draw_letter(pdf: FPDF, job: PrintJob, name: str, lines: list[Any], refs: list[Any]) -> None:
    enc = job.dte.get("Encabezado", {})
    id_doc, receptor = enc.get("IdDoc", {}), enc.get("Receptor", {})
    issuer = _issuer(enc)
    left = pdf.l_margin
    width = pdf.w - 2 * left
    # Issuer (left) and the SII's red box (right).
    x_text = left
    if job.logo:
        pdf.image(io.BytesIO(job.logo), x=left, y=12, w=18)
        x_text = left + 22
    box_x, box_w = pdf.w - left - 72, 72
    pdf.set_xy(x_text, 12)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(95, 6, issuer["name"][:60], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    for text in (issuer["giro"], issuer["address"]):
        pdf.set_x(x_text)
        pdf.multi_cell(box_x - x_text - 4, 4, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RED)
    pdf.set_text_color(*RED)
    pdf.set_line_width(0.8)
    pdf.rect(box_x, 12, box_w, 30)
    pdf.set_font("Helvetica", "B", 11)
    pdf.set_xy(box_x, 14)
    pdf.cell(box_w, 7, f"R.U.T.: {issuer['rut']}", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 9 if len(name) > 24 else 11)
    pdf.multi_cell(box_w, 6, _latin1(name), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(box_w, 7, f"N° {folio_text(id_doc)}", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 8)
    pdf.set_xy(box_x, 43)
    pdf.cell(box_w, 5, f"S.I.I. - {issuer['comuna']}", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    # Receiver.
    y: float = 52
    pdf.rect(left, y, width, 26)
    pdf.set_font("Helvetica", "", 8)
    rows = [
        ("Señor(es)", receptor.get("RznSocRecep") or "CONSUMIDOR FINAL"),
        ("R.U.T.", format_rut(receptor.get("RUTRecep"))),
        ("Giro", receptor.get("GiroRecep") or ""),
        ("Dirección", " ".join(str(receptor.get(k) or "") for k in ("DirRecep", "CmnaRecep"))),
        ("Fecha emisión", id_doc.get("FchEmis", "")),
    ]
    for i, (label, value) in enumerate(rows):
        pdf.set_xy(left + 2, y + 1 + i * 5)
        pdf.set_font("Helvetica", "B", 8)
        pdf.cell(26, 5, _latin1(label) + ":")
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(width - 30, 5, _latin1(value)[:110])
    # Lines.
    y = _LETTER_ROWS_TOP - 6
    cols = [("Descripción", width - 95), ("Cant.", 20), ("Precio", 25), ("Desc.", 20)]
    cols.append(("Monto", 30))
    pdf.set_fill_color(235, 235, 235)
    pdf.set_xy(left, y)
    pdf.set_font("Helvetica", "B", 8)
    for label, w in cols:
        pdf.cell(w, 6, _latin1(label), border=1, fill=True, align="C")
    y += 6
    bottom = _letter_rows_bottom(refs)
    row_h = (
        _LETTER_ROW_H if _fits_letter(lines, refs) else max(3.2, (bottom - y) / max(len(lines), 1))
    )
    fits = int((bottom - y) // row_h)
    shown = lines if len(lines) <= fits else lines[: fits - 1]
    pdf.set_font("Helvetica", "", 8 if row_h >= 4.5 else 6)
    for line in shown:
        pdf.set_xy(left, y)
        desc = str(line.get("NmbItem", ""))
        if line.get("IndExe") == 1:
            desc += " (exento)"
        values = [
            desc,
            _qty(line.get("QtyItem")),
            _money(line.get("PrcItem")),
            _money(line.get("DescuentoMonto")) if line.get("DescuentoMonto") else "",
            _money(line.get("MontoItem")),
        ]
        for (_, w), value in zip(cols, values, strict=True):
            align = "L" if value is values[0] else "R"
            pdf.cell(w, row_h, _latin1(value)[:95], border="LR", align=align)
        y += row_h
    if len(shown) < len(lines):
        pdf.set_xy(left, y)
        pdf.cell(width, row_h, f"... y {len(lines) - len(shown)} líneas más", border="LR")
        y += row_h
    pdf.line(left, y, left + width, y)
    # References.
    if refs:
        y += 2
        pdf.set_font("Helvetica", "B", 8)
        pdf.set_xy(left, y)
        pdf.cell(width, 5, "Referencias:")
        pdf.set_font("Helvetica", "", 8)
        for ref in refs:
            y += 5
            pdf.set_xy(left + 2, y)
            tipo_ref = ref.get("TpoDocRef")
            ref_name = (
                DTE_NAMES.get(int(tipo_ref), f"Documento {tipo_ref}")
                if str(tipo_ref).isdigit()
                else f"Documento {tipo_ref}"
            )
            text = (
                f"{ref_name} N° {ref.get('FolioRef')} del {ref.get('FchRef')}"
                f" - {ref.get('RazonRef') or ''}"
            )
            pdf.cell(width - 4, 5, _latin1(text))
    # Timbre (left), totals (right).
    y = 202
    if job.timbre:
        pdf.image(io.BytesIO(job.timbre), x=left, y=y, w=70)
    pdf.set_font("Helvetica", "", 7)
    pdf.set_xy(left, y + 17)
    fecha, numero = job.resolucion
    pdf.multi_cell(
        70,
        3.5,
        f"Timbre Electrónico SII\nRes. {numero} de {fecha[:4]} - Verifique documento: www.sii.cl",
        align="C",
    )
    totals_x = pdf.w - left - 70
    pdf.set_xy(totals_x, y)
    for label, value in _totals(enc):
        pdf.set_font("Helvetica", "B" if label == "TOTAL" else "", 9)
        pdf.set_x(totals_x)
        pdf.cell(35, 6, _latin1(label), border=1)
        pdf.cell(35, 6, value, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    note_y = pdf.get_y() + 2
    for note in job.notes:
        pdf.set_xy(totals_x, note_y)
        pdf.set_font("Helvetica", "I", 7)
        pdf.multi_cell(70, 3.5, _latin1(note)[:200])
        note_y = pdf.get_y()
    if job.cedible:
        _receipt_box(pdf, left + 75, 240, width - 75)
    pdf.set_xy(left, pdf.h - 12)
    pdf.set_font("Helvetica", "I", 7)
    pdf.set_text_color(120, 120, 120)
    pdf.cell(width, 4, SANDBOX_NOTE, align="C")


def _receipt_box(pdf: FPDF, x: float, y: float, w: float) -> None:
    pdf.set_text_color(0, 0, 0)
    pdf.rect(x, y, w, 24)
    pdf.set_font("Helvetica", "B", 7)
    pdf.set_xy(x + 1, y + 1)
    pdf.cell(w - 2, 3.5, "ACUSE DE RECIBO")
    pdf.set_font("Helvetica", "", 6.5)
    for i, label in enumerate(("Nombre:", "R.U.T.:", "Fecha:", "Recinto:", "Firma:")):
        pdf.set_xy(x + 1, y + 5 + i * 3.3)
        pdf.cell(w - 2, 3.3, label + " " + "_" * 30)
    pdf.set_xy(x + 1, y + 21.5)
    pdf.set_font("Helvetica", "", 5)
    pdf.cell(
        w - 2,
        2.5,
        "El acuse de recibo ... acredita que la entrega de mercaderías o servicios "
        "ha sido recibida (Ley 19.983).",
    )
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_text_color(*RED)
    pdf.set_xy(x, y + 24.5)
    pdf.cell(w, 7, "CEDIBLE", align="R")
    pdf.set_text_color(0, 0, 0)


def folio_text(id_doc: dict[str, Any]) -> str:
    return _latin1(id_doc.get("Folio", ""))


def _draw_roll(pdf: FPDF, job: PrintJob, name: str, lines: list[Any], refs: list[Any]) -> None:
    enc = job.dte.get("Encabezado", {})
    id_doc, receptor = enc.get("IdDoc", {}), enc.get("Receptor", {})
    issuer = _issuer(enc)
    width = pdf.w - 2 * pdf.l_margin
    if job.logo and job.layout.upper() != "80MMNOLOGO":
        pdf.image(io.BytesIO(job.logo), x=(pdf.w - 14) / 2, y=pdf.get_y(), w=14)
        pdf.set_y(pdf.get_y() + 16)

    def text(value: str, size: float = 7, style: str = "", align: str = "C") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(
            width, size * 0.5, _latin1(value), align=align, new_x="LMARGIN", new_y="NEXT"
        )

    text(issuer["name"], 9, "B")
    text(issuer["giro"], 6)
    text(issuer["address"], 6)
    pdf.ln(2)
    pdf.set_draw_color(*RED)
    pdf.set_text_color(*RED)
    top = pdf.get_y()
    text(f"R.U.T.: {issuer['rut']}", 8, "B")
    text(name, 8, "B")
    text(f"N° {folio_text(id_doc)}", 8, "B")
    pdf.rect(pdf.l_margin, top - 1, width, pdf.get_y() - top + 2)
    pdf.ln(2)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    text(f"S.I.I. - {issuer['comuna']}", 7, "B")
    pdf.ln(2)
    text(f"Fecha emisión: {id_doc.get('FchEmis', '')}", 7, align="L")
    text(
        f"Receptor: {receptor.get('RznSocRecep') or 'CONSUMIDOR FINAL'} "
        f"({format_rut(receptor.get('RUTRecep'))})",
        7,
        align="L",
    )
    pdf.ln(1)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    for line in lines:
        text(f"{line.get('NmbItem', '')}", 7, align="L")
        pdf.set_font("Helvetica", "", 7)
        pdf.cell(width / 2, 3.5, f"{_qty(line.get('QtyItem'))} x {_money(line.get('PrcItem'))}")
        pdf.cell(width / 2, 3.5, _money(line.get("MontoItem")), align="R")
        pdf.ln(4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    for ref in refs:
        text(
            f"Ref.: doc. {ref.get('TpoDocRef')} N° {ref.get('FolioRef')} {ref.get('FchRef')}",
            6,
            align="L",
        )
    for label, value in _totals(enc):
        pdf.set_font("Helvetica", "B" if label == "TOTAL" else "", 8)
        pdf.cell(width / 2, 4.5, _latin1(label))
        pdf.cell(width / 2, 4.5, value, align="R")
        pdf.ln(4.5)
    for note in job.notes:
        text(note, 6, "I")
    pdf.ln(2)
    if job.timbre:
        pdf.image(io.BytesIO(job.timbre), x=pdf.l_margin, y=pdf.get_y(), w=width)
        pdf.set_y(pdf.get_y() + width * 0.3 + 2)
    fecha, numero = job.resolucion
    text(f"Timbre Electrónico SII - Res. {numero} de {fecha[:4]}", 6)
    text("Verifique documento: www.sii.cl", 6)
    if job.cedible:
        pdf.ln(2)
        _receipt_box(pdf, pdf.l_margin, pdf.get_y(), width)
        pdf.ln(34)
    pdf.ln(2)
    text(SANDBOX_NOTE, 5, "I")
