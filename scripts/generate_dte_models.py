"""Generate ``openfactura/dte/_elements.py`` from the SII's XSDs.

Run from the repository root (the output is committed; CI checks it is up to date)::

    python scripts/generate_dte_models.py            # rewrite the module
    python scripts/generate_dte_models.py --check    # exit 1 if it would change

What it does:

* reads four document trees: ``Documento`` of ``DTE_v10.xsd`` (types 33, 34, 46, 52, 56,
  61), its ``Liquidacion`` (43) and ``Exportaciones`` (110, 111, 112) siblings, and the
  ``Documento`` of ``EnvioBOLETA_v11.xsd``'s ``BOLETADefType`` (39, 41);
* makes one frozen, slotted, keyword-only attrs class per complex element, with one field
  per child element in schema order: Python name ``snake(wire name)``, wire name and
  schema limits in the field metadata, the XSD documentation as the field's docstring;
* shares classes between trees: a liquidación, export or boleta element reuses the
  ``Documento`` class at the same place when that class can carry it (same child names in
  the same order, same types, nothing required missing); otherwise it gets its own class,
  prefixed ``Liquidacion``, ``Export`` or ``Boleta``;
* types: text ``str``, integers ``int``, decimals ``Decimal``, dates ``datetime.date``,
  SII code lists the enums of ``openfactura/dte/_enums.py``; optional elements default to
  ``None``, repeated ones are ``list`` (empty by default when optional).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "tests" / "models" / "schemas"
OUTPUT = ROOT / "openfactura" / "dte" / "_elements.py"

sys.path.insert(0, str(ROOT))
from openfactura._naming import snake  # noqa: E402
from openfactura.dte import _enums  # noqa: E402

XS = "{http://www.w3.org/2001/XMLSchema}"

INT_BASES = {
    "integer",
    "positiveInteger",
    "nonNegativeInteger",
    "negativeInteger",
    "nonPositiveInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
    "long",
    "int",
    "short",
    "byte",
}

# Elements whose codes have an enum; per family where the meaning differs.
ENUMS: dict[str, str] = {
    "TipoDTE": "TipoDTE",
    "TD": "TipoDTE",
    "FmaPago": "FmaPago",
    "TpoTranCompra": "TpoTranCompra",
    "TpoTranVenta": "TpoTranVenta",
    "CodRef": "CodRef",
    "IndTraslado": "IndTraslado",
    "TipoDespacho": "TipoDespacho",
    "IndExe": "IndExe",
    "IndExeDR": "IndExeDR",
    "TpoMov": "TpoMov",
    "TpoValor": "TpoValor",
    "TipoDscto": "TpoValor",
    "TipoRecargo": "TpoValor",
    "MedioPago": "MedioPago",
}
FAMILY_ENUMS: dict[str, dict[str, str]] = {
    "Boleta": {"IndServicio": "IndServicio", "MedioPago": "MedioPagoBoleta"},
}

# Numbers the SDK fills in (line numbers, line amounts, the folio): optional in the models
# so that ``build()`` can compute them; ``validate()`` reports them when still missing.
COMPUTED = {"NroLinDet", "MontoItem", "NroLinDR", "NroLinRef", "NroLinCom", "NroSTI"}
DEFAULT_ZERO = {"Folio"}
# Produced by Openfactura when it signs the document; never sent by clients.
PRODUCED = {"TED", "TmstFirma"}
# Numbers Openfactura wants as JSON text.
AS_TEXT = {"TasaIVA", "CdgSIISucur"}  # as the verified API examples send them
# DTE types written as text ("33"): a TipoDTE or an int given in Python becomes text.
CODE_TEXT = {"TpoDocRef", "TpoDocLiq"}
# Lists written as their only element when they have one (the verified examples send
# ``"Acteco": 479100``), as a list of 2 or more.
ONE_OR_LIST = {"Acteco"}
# Text folios written as a JSON number when they are plain folios of digits (the verified
# nota de crédito sends ``"FolioRef": 109``); an int given in Python is kept as text.
FOLIO_NUMBER = {"FolioRef"}

# Elements Openfactura accepts that the SII schema of a family lacks: (family, parent) ->
# [(name, after sibling, python type, doc)].
EXTENSIONS: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {
    ("Boleta", "IdDoc"): [
        (
            "MedioPago",
            "IndMntNeto",
            "MedioPagoBoleta",
            "Medio de pago (Openfactura, desde 10/02/2026): obligatorio sobre 135 UF.",
        )
    ],
}


@dataclass
class Simple:
    kind: str = "str"  # str | int | decimal | date | datetime
    type_name: str | None = None
    max_length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    codes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Node:
    name: str
    doc: str
    min_occurs: int
    max_occurs: int | None  # None = unbounded
    children: list[Node] | None = None
    simple: Simple | None = None
    py: str = ""  # python type of a leaf (filled per family)
    cls: str = ""  # class name of a complex node (filled by naming)
    parent: Node | None = None

    @property
    def repeated(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1

    @property
    def required(self) -> bool:
        return self.min_occurs > 0


class Schema:
    def __init__(self, *paths: Path) -> None:
        self.types: dict[str, ET.Element] = {}
        self.roots: list[ET.Element] = []
        for path in paths:
            root = ET.parse(path).getroot()
            self.roots.append(root)
            for st in root.findall(f"{XS}simpleType"):
                self.types.setdefault(st.get("name", ""), st)

    def simple_from_type(self, type_name: str) -> Simple:
        local = type_name.split(":")[-1]
        if type_name.startswith("xs:"):
            return Simple(kind=_kind(local))
        st = self.types[local]
        simple = self.simple_from_restriction(st.find(f"{XS}restriction"))
        simple.type_name = local
        return simple

    def simple_from_restriction(self, restriction: ET.Element | None) -> Simple:
        if restriction is None:
            return Simple()
        base = restriction.get("base", "xs:string")
        simple = self.simple_from_type(base)
        simple.type_name = None
        for facet in restriction:
            value = facet.get("value", "")
            tag = facet.tag.replace(XS, "")
            if tag == "maxLength":
                simple.max_length = int(value)
            elif tag == "totalDigits":
                simple.total_digits = int(value)
            elif tag == "fractionDigits":
                simple.fraction_digits = int(value)
            elif tag == "enumeration":
                simple.codes.append((value, _doc(facet)))
        if simple.kind == "decimal" and simple.fraction_digits == 0:
            simple.kind = "int"
        return simple


def _kind(local: str) -> str:
    if local in INT_BASES:
        return "int"
    if local == "decimal":
        return "decimal"
    if local == "date":
        return "date"
    if local == "dateTime":
        return "datetime"
    return "str"


def _doc(el: ET.Element) -> str:
    text = el.findtext(f"{XS}annotation/{XS}documentation") or ""
    return " ".join(text.split())


def parse_element(schema: Schema, el: ET.Element, parent: Node | None = None) -> Node:
    max_raw = el.get("maxOccurs", "1")
    node = Node(
        name=el.get("name", ""),
        doc=_doc(el),
        min_occurs=int(el.get("minOccurs", "1")),
        max_occurs=None if max_raw == "unbounded" else int(max_raw),
        parent=parent,
    )
    if el.get("type"):
        node.simple = schema.simple_from_type(el.get("type", ""))
        return node
    ct = el.find(f"{XS}complexType")
    st = el.find(f"{XS}simpleType")
    if st is not None:
        node.simple = schema.simple_from_restriction(st.find(f"{XS}restriction"))
        return node
    if ct is None:
        node.simple = Simple()
        return node
    content = ct.find(f"{XS}simpleContent")
    if content is not None:
        ext = content.find(f"{XS}extension")
        node.simple = schema.simple_from_type(
            ext.get("base", "xs:string") if ext is not None else "xs:string"
        )
        return node
    node.children = []
    _collect(schema, ct, node, optional=False)
    if not node.children:
        node.children = None
        node.simple = Simple()
    return node


def _collect(schema: Schema, container: ET.Element, node: Node, *, optional: bool) -> None:
    for child in container:
        tag = child.tag.replace(XS, "")
        if tag == "element":
            if child.get("ref"):  # ds:Signature: produced by the signer, never modelled
                continue
            sub = parse_element(schema, child, node)
            if optional:
                sub.min_occurs = 0
            assert node.children is not None
            node.children.append(sub)
        elif tag in ("sequence", "all"):
            _collect(schema, child, node, optional=optional or child.get("minOccurs") == "0")
        elif tag == "choice":
            _collect(schema, child, node, optional=True)


def find_child(el: ET.Element, name: str) -> ET.Element:
    for sub in el.iter(f"{XS}element"):
        if sub.get("name") == name:
            return sub
    raise LookupError(name)


# -- per-family typing -------------------------------------------------------------------


def assign_types(node: Node, family: str) -> None:
    for child in node.children or []:
        if child.children is not None:
            assign_types(child, family)
            continue
        child.py = leaf_type(child, family)
    for name, after, py, doc in EXTENSIONS.get((family, node.name), []):
        assert node.children is not None
        index = next(i for i, c in enumerate(node.children) if c.name == after) + 1
        ext = Node(name=name, doc=doc, min_occurs=0, max_occurs=1, simple=Simple(), parent=node)
        ext.py = py
        node.children.insert(index, ext)


def leaf_type(node: Node, family: str) -> str:
    simple = node.simple or Simple()
    enum_name = FAMILY_ENUMS.get(family, {}).get(node.name) or ENUMS.get(node.name)
    if enum_name == "MedioPago" and family == "Boleta":
        enum_name = None
    if enum_name:
        enum_cls = getattr(_enums, enum_name)
        values = {str(m.value) for m in enum_cls}
        missing = [v for v, _ in simple.codes if v not in values]
        if missing:
            raise SystemExit(f"{family} {node.name}: enum {enum_name} lacks {missing}")
        return enum_name
    if node.name in AS_TEXT:
        return "Decimal"
    return {
        "str": "str",
        "int": "int",
        "decimal": "Decimal",
        "date": "dt.date",
        "datetime": "dt.datetime",
    }[simple.kind]


# -- sharing and naming ----------------------------------------------------------------


def compatible(node: Node, base: Node) -> bool:
    """Can ``base``'s class carry every child of ``node``?"""
    if node.children is None or base.children is None:
        return False
    by_name = {c.name: (i, c) for i, c in enumerate(base.children)}
    last = -1
    present = set()
    for child in node.children:
        if child.name not in by_name:
            return False
        index, other = by_name[child.name]
        if index <= last:
            return False
        last = index
        present.add(child.name)
        if child.repeated != other.repeated:
            return False
        if (child.children is None) != (other.children is None):
            return False
        if child.children is not None:
            if not compatible(child, other):
                return False
        elif child.py != other.py:
            return False
    required = {c.name for c in node.children if c.required}
    return all(c.name in required for c in base.children if c.required and c.name not in COMPUTED)


def walk_bfs(root: Node) -> list[Node]:
    out: list[Node] = []
    queue = deque([root])
    while queue:
        node = queue.popleft()
        out.append(node)
        queue.extend(c for c in node.children or [] if c.children is not None)
    return out


def path_of(node: Node) -> tuple[str, ...]:
    parts: list[str] = []
    current: Node | None = node
    while current is not None and current.parent is not None:
        parts.append(current.name)
        current = current.parent
    return tuple(reversed(parts))


def name_classes(
    root: Node, prefix: str, taken: dict[str, Node], base_index: dict[tuple[str, ...], Node]
) -> None:
    for node in walk_bfs(root):
        if node is root:
            continue
        base = base_index.get(path_of(node))
        if prefix and base is not None and compatible(node, base):
            node.cls = base.cls
            continue
        name = prefix + node.name
        if name in taken:
            assert node.parent is not None
            name = prefix + node.parent.name + node.name
        assert name not in taken, name
        taken[name] = node
        node.cls = name


# -- code generation ---------------------------------------------------------------------


def field_code(child: Node) -> list[str]:
    wire_name = child.name
    py_name = snake(wire_name)
    simple = child.simple or Simple()
    item = child.cls if child.children is not None else child.py
    kwargs: list[str] = []
    if child.repeated:
        annotation = f"list[{item}]"
        if not child.required:
            kwargs.append("factory=list")
    elif child.name in DEFAULT_ZERO:
        annotation = item
        kwargs.append("default=0")
    elif child.required and child.name not in COMPUTED | PRODUCED:
        annotation = item
    else:
        annotation = f"{item} | None"
        kwargs.append("default=None")
    if child.children is None:
        if simple.type_name == "RUTType":
            kwargs.append("converter=normalize_rut_text")
        if child.name in CODE_TEXT | FOLIO_NUMBER:
            kwargs.append("converter=code_text")
        if simple.max_length and child.py == "str":
            kwargs.append(f"max_length={simple.max_length}")
        if child.py == "Decimal" and simple.total_digits:
            fraction = simple.fraction_digits or 0
            kwargs.append(f"digits=({simple.total_digits - fraction}, {fraction})")
        if child.name in AS_TEXT:
            kwargs.append("as_text=True")
        if child.name in FOLIO_NUMBER:
            kwargs.append("folio_number=True")
    if child.name in ONE_OR_LIST:
        kwargs.append("one_or_list=True")
    call = f'wire("{wire_name}"' + "".join(f", {k}" for k in kwargs) + ")"
    line = f"    {py_name}: {annotation} = {call}"
    if len(line) > 100:
        inner = "".join(f"        {k},\n" for k in [f'"{wire_name}"', *kwargs])
        line = f"    {py_name}: {annotation} = wire(\n{inner}    )"
    return [*line.split("\n"), *docstring(child)]


def docstring(child: Node) -> list[str]:
    simple = child.simple or Simple()
    text = f"``{child.name}``"
    if child.doc:
        text += f": {child.doc.rstrip('.')}."
    notes: list[str] = []
    if child.children is None:
        if simple.type_name == "RUTType":
            notes.append("A RUT; a :class:`~openfactura.Rut` is accepted.")
        if simple.max_length and child.py == "str":
            notes.append(f"At most {simple.max_length} characters.")
        if child.name in AS_TEXT:
            notes.append('Sent as text, e.g. ``"19"``.')
        if child.name in CODE_TEXT:
            notes.append('A :class:`TipoDTE` or an int is accepted and sent as text (``"33"``).')
        if child.name in FOLIO_NUMBER:
            notes.append(
                "An int is accepted; a plain folio of digits is sent as a number (``109``), "
                'any other text as text (``"OC-2231"``, ``"00109"``).'
            )
        if simple.codes and child.py in ("str", "int"):
            codes = ", ".join(
                f"{v}" + (f" = {d.rstrip('.')}" if d else "") for v, d in simple.codes
            )
            notes.append(f"Codes: {codes}.")
    if child.repeated:
        notes.append(f"Up to {child.max_occurs} entries." if child.max_occurs else "Repeated.")
    if child.name in ONE_OR_LIST:
        notes.append("Sent as a number when there is one (``479100``), as a list for more.")
    if child.name in COMPUTED:
        notes.append("Filled in by ``build()``.")
    if child.name in PRODUCED:
        notes.append("Produced by Openfactura when it signs the document; never send it.")
    if notes:
        text += (" " if child.doc else ": ") + " ".join(notes)
    text = text.replace('"""', "'''").replace("\\", "\\\\")
    wrapped = textwrap.wrap(text, width=90, break_long_words=False, break_on_hyphens=False)
    if len(wrapped) == 1 and len(wrapped[0]) <= 88:
        return [f'    """{wrapped[0]}"""']
    return ['    """' + wrapped[0], *(f"    {w}" for w in wrapped[1:]), '    """']


def class_code(node: Node, name: str, used_by: list[str], is_root: bool) -> list[str]:
    lines = ["", "", "@attrs.frozen(kw_only=True)", f"class {name}:"]
    if is_root:
        doc = f"The fields of the document (the ``dte`` object) of {used_by[0]}."
    else:
        doc = f"``{node.name}``"
        if node.doc:
            doc += f": {node.doc.rstrip('.')}."
        doc += f" Used by {', '.join(used_by)}."
    wrapped = textwrap.wrap(doc, width=92, break_long_words=False)
    if len(wrapped) == 1 and len(wrapped[0]) <= 88:
        lines.append(f'    """{wrapped[0]}"""')
    else:
        lines.extend(['    """' + wrapped[0], *(f"    {w}" for w in wrapped[1:]), '    """'])
    lines.append("")
    for child in node.children or []:
        lines.extend(field_code(child))
    lines.append("    extra: dict[str, Any] = extra_field()")
    lines.append('    """Elements this SDK does not know yet, kept as given and sent back."""')
    return lines


def generate() -> str:
    dte_schema = Schema(SCHEMAS / "DTE_v10.xsd", SCHEMAS / "SiiTypes_v10.xsd")
    bol_schema = Schema(SCHEMAS / "EnvioBOLETA_v11.xsd", SCHEMAS / "SiiTypes_v10.xsd")
    dte_root = ET.parse(SCHEMAS / "DTE_v10.xsd").getroot()
    bol_root = ET.parse(SCHEMAS / "EnvioBOLETA_v11.xsd").getroot()
    dte_type = next(c for c in dte_root if c.get("name") == "DTEDefType")
    bol_type = next(c for c in bol_root if c.get("name") == "BOLETADefType")
    families = [
        (
            "",
            "DTEFields",
            find_child(dte_type, "Documento"),
            dte_schema,
            "facturas, guías and notas (33, 34, 46, 52, 56, 61)",
        ),
        (
            "Liquidacion",
            "LiquidacionFields",
            find_child(dte_type, "Liquidacion"),
            dte_schema,
            "liquidaciones-factura (43)",
        ),
        (
            "Export",
            "ExportFields",
            find_child(dte_type, "Exportaciones"),
            dte_schema,
            "export documents (110, 111, 112)",
        ),
        (
            "Boleta",
            "BoletaFields",
            find_child(bol_type, "Documento"),
            bol_schema,
            "boletas (39, 41)",
        ),
    ]
    roots: list[tuple[Node, str]] = []
    taken: dict[str, Node] = {}
    base_index: dict[tuple[str, ...], Node] = {}
    used_by: dict[str, list[str]] = {}
    for prefix, root_name, element, schema, label in families:
        root = parse_element(schema, element)
        assign_types(root, prefix or "DTE")
        root.cls = root_name
        name_classes(root, prefix, taken, base_index)
        if not prefix:
            base_index = {path_of(n): n for n in walk_bfs(root) if n is not root}
        for node in walk_bfs(root):
            used_by.setdefault(node.cls, []).append(label)
        roots.append((root, label))

    emitted: set[str] = set()
    body: list[str] = []
    all_names: list[str] = []

    def emit(node: Node, is_root: bool = False) -> None:
        for child in node.children or []:
            if child.children is not None:
                emit(child)
        if node.cls in emitted:
            return
        emitted.add(node.cls)
        all_names.append(node.cls)
        body.extend(class_code(node, node.cls, used_by[node.cls], is_root))

    for root, _label in roots:
        emit(root, True)

    enum_names = sorted(
        {
            n.py
            for root, _l in roots
            for n in _leaves(root)
            if n.py[:1].isupper() and n.py != "Decimal"
        }
    )
    header = f'''
"""The DTE document tree: one attrs class per element of the SII schemas.

GENERATED by ``scripts/generate_dte_models.py`` from ``DTE_v10.xsd`` (``Documento``,
``Liquidacion``, ``Exportaciones``) and ``EnvioBOLETA_v11.xsd`` (``BOLETADefType``). Do not
edit by hand: change the generator and run it again.

Every field is ``snake(wire name)``; its wire name, schema limits and documentation are in
the field's metadata and docstring. Elements are in schema order, which is the order they
are written in. Documento classes are shared by the liquidación, export and boleta trees
wherever they can carry them; the others have a ``Liquidacion``/``Export``/``Boleta`` prefix.

Usage::

    from openfactura.dte import Detalle

    Detalle(nmb_item="Servicio de hosting", qty_item=Decimal(1), prc_item=Decimal(10_000))
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from .._fields import code_text, extra_field, wire
from .._rut import normalize_rut_text
from ._enums import (
{"".join(f"    {n},{chr(10)}" for n in enum_names)})

__all__ = [
{"".join(f'    "{n}",{chr(10)}' for n in sorted(all_names))}]
'''
    return header + "\n".join(body) + "\n"


def _leaves(node: Node) -> list[Node]:
    out: list[Node] = []
    for child in node.children or []:
        if child.children is None:
            out.append(child)
        else:
            out.extend(_leaves(child))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args()
    code = generate()
    ruff = str(Path(sys.executable).parent / "ruff")
    fixed = subprocess.run(
        [ruff, "check", "--fix", "--select", "I,RUF022", "--stdin-filename", str(OUTPUT), "-"],
        input=code,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    formatted = subprocess.run(
        [ruff, "format", "--stdin-filename", str(OUTPUT), "-"],
        input=fixed,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != formatted:
            print(f"{OUTPUT} is out of date: run scripts/generate_dte_models.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(formatted, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
