"""Griffe extension of the docs build (``mkdocs.yml`` loads it for mkdocstrings).

The package's docstrings are written in Sphinx style (``:param x:``, ``:class:`Rut```,
``Usage::`` literal blocks, ``>>>`` examples). This extension, run once the package is loaded:

1. turns every role (``:class:``, ``:meth:``, ``:func:``, ``:exc:``, ``:attr:``, ``:mod:``,
   ``:data:``, ``:obj:``) into an autorefs link to the object's canonical path, resolved in
   the docstring's own scope like Sphinx does. The link then fails the strict build if the
   object is not rendered on some page. A role that names nothing at all is reported here;
   a name outside the package (``asyncio.timeout``, ``TimeoutError``) becomes plain code;
2. turns ``Usage::`` literal blocks and ``>>>`` examples into fenced code blocks;
3. checks that every public name has a docstring: modules, and everything in the
   ``__all__`` of the public modules below (classes with their public methods and
   properties, functions, module constants). Attributes of a class are documented by
   their class and are not checked one by one.

Problems are logged as warnings on the ``mkdocs`` logger, so ``mkdocs build --strict``
fails on them, except those listed in ``known_gaps.py`` (the one allow-list).
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import griffe

_HERE = Path(__file__).parent
sys.path.insert(0, str(_HERE))
try:
    import known_gaps
finally:
    sys.path.remove(str(_HERE))

logger = logging.getLogger("mkdocs.plugins.openfactura_docs")

PACKAGE = "openfactura"

PUBLIC_MODULES = (
    "openfactura",
    "openfactura.types",
    "openfactura.dte",
    "openfactura.testing",
    "openfactura.testing.pytest_plugin",
    "openfactura.resources.documents",
    "openfactura.resources.organization",
    "openfactura.resources.taxpayers",
    "openfactura.resources.registry",
    "openfactura.resources.self_service",
    # In progress on other branches: checked as soon as they exist.
    "openfactura.bulk",
    "openfactura.otel",
)
"""Modules whose ``__all__`` is the public API (a missing one is skipped)."""

PUBLIC_EXTRA = (
    # Returned by public methods (documents.issued/received), defined in a private module.
    "openfactura.resources._pagination.AsyncPager",
    "openfactura.resources._pagination.SyncPager",
)
"""Public objects that no public module exports."""

RENDERED_PRIVATE = ("openfactura._exceptions",)
"""Private modules whose own docstring the reference pages show."""

_ROLE = re.compile(
    r":(?:py:)?(?P<kind>class|meth|func|exc|attr|mod|data|obj|const):"
    r"`(?P<tilde>~?)(?P<body>[^`]+)`"
)
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$")
_DOCTEST_SKIP = re.compile(r"\s*#\s*doctest:.*$")


class OpenfacturaDocs(griffe.Extension):
    """See the module docstring."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != PACKAGE:
            return
        collection = loader.modules_collection
        public = _public_paths(collection)
        broken: set[tuple[str, str]] = set()
        checked = public | set(RENDERED_PRIVATE)
        for obj in _walk(pkg):
            if obj.docstring is not None:
                found: set[tuple[str, str]] = set()
                obj.docstring.value = _markdown(obj, obj.docstring.value, collection, public, found)
                if obj.path in checked:  # private docstrings are not on the site
                    broken |= found
        _report(
            broken,
            known_gaps.BROKEN_XREFS,
            "cross-reference {1!r} in the docstring of {0} names nothing public",
            "BROKEN_XREFS",
        )
        _report(
            set(_undocumented(collection)),
            known_gaps.UNDOCUMENTED,
            "public name {} has no docstring",
            "UNDOCUMENTED",
        )


# -- walking ---------------------------------------------------------------------------------


def _walk(obj: griffe.Object) -> Iterator[griffe.Object]:
    """Every object defined in the package (aliases are visited where they are defined)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)  # type: ignore[arg-type]


def _public_objects(
    collection: griffe.ModulesCollection,
) -> Iterator[tuple[str, griffe.Object | griffe.Alias | None]]:
    """(path, object) for each public name: the exports of the public modules and extras."""
    for name in PUBLIC_MODULES:
        if not _module_exists(name):
            continue
        module = collection[name]
        yield name, module
        for export in _exports(module):
            member = module.members.get(export)
            yield f"{name}.{export}", member
    for path in PUBLIC_EXTRA:
        try:
            yield path, collection[path]
        except KeyError:
            continue


def _public_paths(collection: griffe.ModulesCollection) -> set[str]:
    """Canonical paths a docstring may link to: public objects and their public members."""
    paths: set[str] = set()

    def add(obj: griffe.Object | griffe.Alias, depth: int) -> None:
        try:
            target = obj.final_target if obj.is_alias else obj  # type: ignore[union-attr]
        except griffe.AliasResolutionError:
            return
        if target.path in paths or not target.path.startswith(PACKAGE):
            return
        paths.add(target.path)
        if target.is_class and depth:
            for name, member in target.members.items():
                if not name.startswith("_") and not member.is_alias:
                    add(member, depth - 1)

    for _path, obj in _public_objects(collection):
        if obj is not None:
            add(obj, 0 if obj.kind is griffe.Kind.MODULE else 2)
    return paths


def _undocumented(collection: griffe.ModulesCollection) -> Iterator[str]:
    seen: set[str] = set()

    def check(obj: griffe.Object | griffe.Alias) -> Iterator[str]:
        try:
            target = obj.final_target if obj.is_alias else obj  # type: ignore[union-attr]
        except griffe.AliasResolutionError:
            return
        path = target.path
        if path in seen or not path.startswith(PACKAGE):
            return
        seen.add(path)
        if not (target.docstring and target.docstring.value.strip()):
            yield path
        if target.is_class:
            for name, member in target.members.items():
                if name.startswith("_") or member.is_alias:
                    continue
                if member.is_function or "property" in member.labels:
                    yield from check(member)

    for path, obj in _public_objects(collection):
        if obj is None:
            yield f"{path} (in __all__ but not defined)"
        else:
            yield from check(obj)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _exports(module: griffe.Module) -> list[str]:
    exports = module.exports
    if exports is None:  # no __all__: what the module defines itself, not what it imports
        return [
            name
            for name, member in module.members.items()
            if not name.startswith("_") and not member.is_alias
        ]
    return [str(name) for name in exports]


def _report(found: set[Any], allowed: frozenset[Any], text: str, list_name: str) -> None:
    where = f"docs/_ext/known_gaps.py {list_name}"
    for item in sorted(found - allowed, key=str):
        args = item if isinstance(item, tuple) else (item,)
        logger.warning("openfactura API reference: " + text.format(*args))
    for item in sorted(allowed - found, key=str):
        logger.warning(f"{where}: {item!r} is no longer a gap: remove it from the list")
    if found & allowed:
        logger.info(f"{len(found & allowed)} known gap(s) tolerated by {where}")


# -- docstring text: Sphinx/reST -> Markdown ---------------------------------------------------


def _markdown(
    obj: griffe.Object,
    text: str,
    collection: griffe.ModulesCollection,
    public: set[str],
    broken: set[tuple[str, str]],
) -> str:
    text = _blocks(text)

    def link(match: re.Match[str]) -> str:
        body = match["body"].strip()
        titled = _TITLED.match(body)
        target = (titled["target"] if titled else body).strip().lstrip(".").rstrip("()")
        shown = titled["title"] if titled else target
        if match["tilde"] and not titled:
            shown = target.rsplit(".", 1)[-1]
        if match["kind"] in ("meth", "func") and not titled:
            shown += "()"
        path = _resolve(obj, target, collection)
        if path is None and _is_external(target):
            return f"`{shown}`"  # the standard library or a dependency: no site to link to
        if path is not None and not path.startswith(PACKAGE):
            return f"`{shown}`"
        if path is None or path not in public:
            broken.add((obj.path, target))
            return f"`{shown}`"  # reported; the text stays readable
        return f"[`{shown}`][{path}]"

    return _ROLE.sub(link, text)


def _is_external(name: str) -> bool:
    """A builtin (``TimeoutError``) or a name in another importable package (``asyncio.run``)."""
    first = name.partition(".")[0]
    if first == PACKAGE:
        return False
    if "." not in name:
        return hasattr(builtins, name)
    return _module_exists(first)


def _resolve(obj: griffe.Object, target: str, collection: griffe.ModulesCollection) -> str | None:
    """The canonical path ``target`` names in ``obj``'s scope, like Sphinx would find it."""
    first, _, rest = target.partition(".")
    if first == PACKAGE:
        return _lookup(collection, target)
    scope: griffe.Object | None = obj
    while scope is not None:
        try:
            base = scope.resolve(first)
        except griffe.NameResolutionError:
            base = None
        if base is not None:
            if not base.startswith(PACKAGE):
                return base  # an import from outside the package
            found = _lookup(collection, f"{base}.{rest}" if rest else base)
            if found is not None:
                return found
        scope = scope.parent
    return None


def _lookup(collection: griffe.ModulesCollection, path: str) -> str | None:
    try:
        found = collection[path]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    try:
        return str(found.final_target.path) if found.is_alias else str(found.path)
    except griffe.AliasResolutionError:
        return None


def _blocks(text: str) -> str:
    """``Usage::`` literal blocks and ``>>>`` examples become fenced code blocks."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.endswith("::") and not stripped.startswith((":", ">>>")):
            # A literal block: the indented lines after a blank one.
            indent = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            block: list[str] = []
            while j < len(lines) and (
                not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
            ):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
            if block:
                head = stripped[:-2].rstrip()
                if head:
                    out.append(" " * indent + head + ":")
                out.append("")
                code = _dedent(block)
                out.append(" " * indent + "```" + _language(code))
                out.extend((" " * indent + c).rstrip() for c in code)
                out.append(" " * indent + "```")
                out.append("")
                i = j
                continue
        if stripped.startswith(">>>"):
            indent = len(line) - len(line.lstrip())
            block = []
            j = i
            while j < len(lines) and lines[j].strip():
                block.append(_DOCTEST_SKIP.sub("", lines[j][indent:]))
                j += 1
            if out and out[-1].strip():
                out.append("")
            out.append(" " * indent + "```pycon")
            out.extend(" " * indent + b for b in block)
            out.append(" " * indent + "```")
            i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _dedent(block: list[str]) -> list[str]:
    width = min(len(b) - len(b.lstrip()) for b in block if b.strip())
    return [b[width:] for b in block]


def _language(code: list[str]) -> str:
    try:
        compile(
            "\n".join(code), "<doc>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        )
    except SyntaxError:
        return "text"
    return "python"
