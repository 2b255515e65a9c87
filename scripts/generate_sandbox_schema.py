"""Generate ``openfactura/testing/_xsd_rules.py`` (the sandbox's type checks) from the SII XSDs.

Run from the repository root (the output is committed; a test checks it is up to date)::

    python scripts/generate_sandbox_schema.py            # rewrite the module
    python scripts/generate_sandbox_schema.py --check    # exit 1 if it would change

It reads three document trees, ``Documento`` and ``Liquidacion`` of ``DTE_v10.xsd`` and
the ``Documento`` of ``EnvioBOLETA_v11.xsd``'s ``BOLETADefType``, and writes, for every
element, its ``maxOccurs`` and either its children (a complex element) or one rule (a simple
one), with the restriction chains of named types merged:

* ``("int", min, max)``: integers (``max`` also from ``totalDigits``);
* ``("dec", min, max, fraction_digits, total_digits)``: decimals, bounds as text;
* ``("enum", values)``: a code list (``int`` values for integer bases);
* ``("str", max_length)``, ``("date", min, max)``, ``("datetime",)``, ``("rut",)``.

The sandbox is independent of the SDK's models on purpose: this reads the XSDs itself.
The TED, the signature and ``TmstFirma`` (made by Openfactura) are left out.
"""

from __future__ import annotations

import argparse
import pprint
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "tests" / "models" / "schemas"
OUTPUT = ROOT / "openfactura" / "testing" / "_xsd_rules.py"
XS = "{http://www.w3.org/2001/XMLSchema}"
UNBOUNDED = 10**6
SKIPPED = {"TED", "TmstFirma", "Signature"}
INT_BASES = {
    "integer": (None, None),
    "positiveInteger": (1, None),
    "nonNegativeInteger": (0, None),
    "long": (None, None),
    "int": (None, None),
}


class Types:
    """Named simple types of one schema (and the files it includes)."""

    def __init__(self, *paths: Path) -> None:
        self.named: dict[str, ET.Element] = {}
        for path in paths:
            for node in ET.parse(path).getroot().iter(f"{XS}simpleType"):
                if node.get("name"):
                    self.named.setdefault(node.get("name", ""), node)

    def facets(self, simple: ET.Element) -> tuple[str, dict[str, Any]]:
        """(XSD built-in base, facets) of a simpleType, its base chain merged."""
        restriction = simple.find(f"{XS}restriction")
        if restriction is None:
            return "string", {}
        return self._merge(restriction)

    def _merge(self, restriction: ET.Element) -> tuple[str, dict[str, Any]]:
        base = restriction.get("base", "xs:string")
        prefix, _, local = base.rpartition(":")
        if prefix in ("xs", "xsd"):
            builtin, facets = local, {}
        else:
            builtin, facets = self.facets(self.named[local])
            facets = dict(facets)
        enums = [c.get("value", "") for c in restriction if c.tag == f"{XS}enumeration"]
        if enums:
            facets["enumeration"] = enums
        for child in restriction:
            name = child.tag.removeprefix(XS)
            if name not in ("enumeration", "annotation", "pattern"):
                facets[name] = child.get("value")
        return builtin, facets

    def rule(self, element: ET.Element) -> tuple[Any, ...]:
        kind = element.get("type")
        if kind is not None:
            prefix, _, local = kind.rpartition(":")
            if local == "RUTType":
                return ("rut",)
            if prefix in ("xs", "xsd"):
                builtin, facets = local, {}
            else:
                builtin, facets = self.facets(self.named[local])
        else:
            simple = element.find(f"{XS}simpleType")
            if simple is None:
                return ("str", None)
            restriction = simple.find(f"{XS}restriction")
            if restriction is not None and restriction.get("base", "").endswith("RUTType"):
                return ("rut",)
            builtin, facets = self.facets(simple)
        return _rule(builtin, facets)


def _rule(builtin: str, facets: dict[str, Any]) -> tuple[Any, ...]:
    enums = facets.get("enumeration")
    if builtin in INT_BASES:
        if enums:
            return ("enum", tuple(sorted({int(v) for v in enums})))
        low, high = INT_BASES[builtin]
        if "minInclusive" in facets:
            low = int(facets["minInclusive"])
        if "maxInclusive" in facets:
            high = int(facets["maxInclusive"])
        if "totalDigits" in facets:
            cap = 10 ** int(facets["totalDigits"]) - 1
            high = cap if high is None else min(high, cap)
            low = -cap if low is None else low
        return ("int", low, high)
    if builtin == "decimal":
        total = int(facets["totalDigits"]) if "totalDigits" in facets else None
        fraction = int(facets["fractionDigits"]) if "fractionDigits" in facets else None
        return ("dec", facets.get("minInclusive"), facets.get("maxInclusive"), fraction, total)
    if builtin == "date":
        return ("date", facets.get("minInclusive"), facets.get("maxInclusive"))
    if builtin == "dateTime":
        return ("datetime",)
    if enums:
        return ("enum", tuple(enums))
    length = facets.get("maxLength", facets.get("length"))
    return ("str", None if length is None else int(length))


def _children(node: ET.Element) -> list[ET.Element]:
    """Element declarations directly under a complex type's model groups."""
    found: list[ET.Element] = []
    for child in node:
        tag = child.tag.removeprefix(XS)
        if tag == "element":
            found.append(child)
        elif tag in ("sequence", "choice", "all", "complexType", "complexContent"):
            found.extend(_children(child))
    return found


def tree(element: ET.Element, types: Types) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in _children(element):
        name = child.get("name")
        if name is None or name in SKIPPED:
            continue
        raw = child.get("maxOccurs", "1")
        occurs = UNBOUNDED if raw == "unbounded" else int(raw)
        complex_type = child.find(f"{XS}complexType")
        if complex_type is not None:
            out[name] = (occurs, tree(complex_type, types))
        else:
            out[name] = (occurs, types.rule(child))
    return out


def _find(root: ET.Element, complex_name: str, element_name: str) -> ET.Element:
    for complex_type in root.iter(f"{XS}complexType"):
        if complex_type.get("name") == complex_name:
            for element in complex_type.iter(f"{XS}element"):
                if element.get("name") == element_name:
                    return element
    raise LookupError(f"{complex_name}/{element_name}")


def generate() -> str:
    dte_types = Types(SCHEMAS / "SiiTypes_v10.xsd")
    boleta_types = Types(SCHEMAS / "EnvioBOLETA_v11.xsd")
    dte_root = ET.parse(SCHEMAS / "DTE_v10.xsd").getroot()
    boleta_root = ET.parse(SCHEMAS / "EnvioBOLETA_v11.xsd").getroot()
    trees = {
        "Documento": tree(_find(dte_root, "DTEDefType", "Documento"), dte_types),
        "Liquidacion": tree(_find(dte_root, "DTEDefType", "Liquidacion"), dte_types),
        "Boleta": tree(_find(boleta_root, "BOLETADefType", "Documento"), boleta_types),
    }
    body = pprint.pformat(trees, width=96, sort_dicts=False)
    text = f'''"""The SII schemas' element types, for the sandbox's checks of an emission body.

GENERATED by ``scripts/generate_sandbox_schema.py`` from ``DTE_v10.xsd`` (``Documento``,
``Liquidacion``) and ``EnvioBOLETA_v11.xsd`` (``BOLETADefType``). Do not edit.

Each element maps to ``(maxOccurs, children)`` or ``(maxOccurs, rule)``; see the generator's
docstring for the rules.
"""

from typing import Any

TREES: dict[str, dict[str, Any]] = {body}
'''
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(OUTPUT), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the module is stale")
    args = parser.parse_args()
    text = generate()
    current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
    if args.check:
        if text != current:
            print(f"{OUTPUT} is out of date: run scripts/generate_sandbox_schema.py")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
