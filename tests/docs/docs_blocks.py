"""Collect the code blocks of the README and of ``docs/``, and run them like a reader would.

Conventions (also written down in ``docs/contributing-docs.md``):

* A fenced block whose language is ``python`` (or ``py``) is **run**. The blocks of one
  Markdown file run in order, in one namespace, like the cells of a notebook: a later block
  may use what an earlier one defined. Top-level ``await``, ``async with`` and ``async for``
  work: the file has its own event loop for them.
* ``<!-- docs-test: skip REASON -->`` on the line before a fence: the block is not run.
  Blocks in any other language (``sh``, ``toml``, ``text``, ``json``...) are never run.
* A fence with ``title="path"`` (Material shows it as the block's title) is a **file**: it is
  written into the file's project directory (a fresh temporary directory, which is the
  current directory and first on ``sys.path`` while the file's blocks run), not executed.
  Later blocks import it or read it.
* A fence (usually ``sh``) preceded by ``<!-- docs-test: pytest -->`` runs ``pytest`` in that
  project directory, in a new process, and must pass.
* A fenced ``output`` block right after a block is what that block prints: the printed text
  must match it (``...`` matches anything, as in doctest's ``ELLIPSIS``).

Tracebacks point into the Markdown file at the block's own line numbers.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import doctest
import gc
import importlib
import inspect
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<action>[\w-]+)\s*(?P<reason>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
TITLE = re.compile(r"""title\s*=\s*(?:"([^"]*)"|'([^']*)')""")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
PYTHON = frozenset({"python", "py", "python3"})
ACTIONS = frozenset({"skip", "pytest"})
PAGE_LOGGERS = ("openfactura", "openfactura.sandbox", "openfactura.sandbox.requests")
"""Loggers (besides the root) a page may configure: their level and handlers are restored."""


@dataclass(frozen=True)
class Block:
    """One fenced block of a Markdown file that the docs test cares about."""

    file: Path
    rel: str
    line: int
    """1-based line of the block's first code line."""
    id: str
    """``<file>::<heading slug>[-n]``: stable while other sections change."""
    kind: str
    """``exec`` (run it), ``file`` (write it), ``pytest`` (run pytest) or ``skip``."""
    code: str
    title: str | None = None
    reason: str = ""
    output: str | None = None


def slugify(text: str) -> str:
    """The heading's anchor, as MkDocs and GitHub make it (near enough to be stable)."""
    text = re.sub(r"[`*_\[\]()<>]", "", text.lower())
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s]+", "-", text.strip()) or "top"


def collect(path: Path, root: Path) -> list[Block]:
    """The blocks of one Markdown file, in order."""
    rel = path.relative_to(root).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    counts: dict[str, int] = {}
    slug = "top"
    i = 0
    while i < len(lines):
        heading = HEADING.match(lines[i])
        if heading:
            slug = slugify(heading.group(2))
            i += 1
            continue
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].strip()
        body, end = _fence_body(lines, i + 1, indent, fence)
        language = info.split()[0].lower() if info else ""
        title_match = TITLE.search(info)
        title = (title_match.group(1) or title_match.group(2)) if title_match else None
        marker = _marker_before(lines, i)
        if marker is not None and marker[0] not in ACTIONS:
            raise ValueError(f"{rel}:{i + 1}: unknown docs-test marker {marker[0]!r}")
        output, after = _output_after(lines, end + 1)
        kind = None
        if marker is not None and marker[0] == "skip":
            kind = "skip"
        elif marker is not None and marker[0] == "pytest":
            kind = "pytest"
        elif title is not None:
            kind = "file"
        elif language in PYTHON:
            kind = "exec"
        elif language == "output":
            raise ValueError(f"{rel}:{i + 1}: an output block that follows no block")
        if kind is not None:
            counts[slug] = counts.get(slug, 0) + 1
            block_id = f"{rel}::{slug}" + (f"-{counts[slug]}" if counts[slug] > 1 else "")
            blocks.append(
                Block(
                    file=path,
                    rel=rel,
                    line=i + 2,
                    id=block_id,
                    kind=kind,
                    code="\n".join(body) + "\n",
                    title=title,
                    reason=marker[1] if marker else "",
                    output=output,
                )
            )
        i = after if output is not None else end + 1
    return blocks


def _fence_body(lines: list[str], start: int, indent: str, fence: str) -> tuple[list[str], int]:
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    body: list[str] = []
    j = start
    while j < len(lines) and not closing.match(lines[j]):
        line = lines[j]
        body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
        j += 1
    return body, j


def _marker_before(lines: list[str], i: int) -> tuple[str, str] | None:
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    match = MARKER.match(lines[j]) if j >= 0 else None
    return (match["action"], match["reason"]) if match else None


def _output_after(lines: list[str], j: int) -> tuple[str | None, int]:
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines):
        return None, j
    opening = FENCE.match(lines[j])
    if not opening or opening["info"].strip().split()[:1] != ["output"]:
        return None, j
    body, end = _fence_body(lines, j + 1, opening["indent"], opening["fence"])
    return "\n".join(body) + "\n", end + 1


def collect_all(root: Path) -> list[Block]:
    """README.md and every page under docs/ (the API reference pages hold no code)."""
    files = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    return [block for path in files if path.exists() for block in collect(path, root)]


# -- running ------------------------------------------------------------------------------------


class BlockFailedError(AssertionError):
    """A block raised, printed something else than its output block, or its pytest failed."""


@dataclass
class PageRun:
    """The state of one Markdown file's run: its namespace, event loop and project dir."""

    rel: str
    blocks: list[Block]
    on_start: Any = None
    namespace: dict[str, Any] = field(default_factory=dict)
    done: dict[str, BaseException | None] = field(default_factory=dict)
    project: Path | None = None
    loop: asyncio.AbstractEventLoop | None = None
    closed: bool = False
    logging_state: list[tuple[logging.Logger, int, list[logging.Handler]]] = field(
        default_factory=list
    )

    def run_through(self, block: Block) -> None:
        """Run every block of the file up to ``block`` (those not run yet), then ``block``."""
        if self.project is None:
            self._start()
        for earlier in self.blocks:
            if earlier.id not in self.done:
                self.done[earlier.id] = self._run_one(earlier)
            if earlier.id == block.id:
                break
        failure = self.done[block.id]
        if block is self.blocks[-1] or all(b.id in self.done for b in self.blocks):
            self.close()
        if failure is not None:
            earlier_failures = [
                b.id
                for b in self.blocks[: self.blocks.index(block)]
                if self.done.get(b.id) is not None
            ]
            note = (
                f" (earlier blocks of this file failed too: {', '.join(earlier_failures)})"
                if earlier_failures
                else ""
            )
            raise BlockFailedError(f"{block.id} (line {block.line}) failed{note}") from failure

    def _start(self) -> None:
        self.project = Path(tempfile.mkdtemp(prefix="docs-test-"))
        # A page may configure logging (basicConfig, levels): undone when it closes.
        self.logging_state = [
            (logger, logger.level, list(logger.handlers))
            for logger in map(logging.getLogger, ("", *PAGE_LOGGERS))
        ]
        self.namespace.update({"__name__": "__main__", "__builtins__": __builtins__})
        if self.on_start is not None:
            self.on_start(self)

    def _run_one(self, block: Block) -> BaseException | None:
        if block.kind == "skip":
            return None
        assert self.project is not None
        try:
            with _inside(self.project):
                if block.kind == "file":
                    self._write(block)
                elif block.kind == "pytest":
                    self._pytest(block)
                else:
                    self._exec(block)
        except BaseException as exc:  # a block may raise anything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            return exc
        return None

    def _write(self, block: Block) -> None:
        assert self.project is not None and block.title is not None
        target = self.project / block.title
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.code, encoding="utf-8")
        for name, module in list(sys.modules.items()):  # a rewritten module is re-imported
            if _is_inside(getattr(module, "__file__", None), self.project):
                del sys.modules[name]
        importlib.invalidate_caches()

    def _pytest(self, block: Block) -> None:
        assert self.project is not None
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=self.project,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            raise BlockFailedError(
                f"pytest failed in the page's project:\n{proc.stdout}{proc.stderr}"
            )
        if block.output is not None:
            _check_output(block, proc.stdout)

    def _exec(self, block: Block) -> None:
        # Padding puts the code at its own line numbers: tracebacks show the Markdown file.
        source = "\n" * (block.line - 1) + block.code
        code = compile(
            source, str(block.file), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            if code.co_flags & inspect.CO_COROUTINE:
                if self.loop is None:
                    self.loop = asyncio.new_event_loop()
                coro = eval(code, self.namespace)
                self.loop.run_until_complete(coro)
            else:
                exec(code, self.namespace)
        text = printed.getvalue()
        sys.stdout.write(text)  # shown by pytest on failure
        if block.output is not None:
            _check_output(block, text)

    def close(self) -> None:
        """Close what the blocks left open (clients, the loop), forget the file's modules."""
        if self.closed:
            return
        self.closed = True
        import openfactura

        values = list(self.namespace.values())
        if self.project is not None:  # clients kept in the page's own modules
            for module in list(sys.modules.values()):
                if _is_inside(getattr(module, "__file__", None), self.project):
                    values.extend(vars(module).values())
        for value in values:
            with contextlib.suppress(Exception):
                if isinstance(value, openfactura.Openfactura):
                    value.close()
                elif isinstance(value, openfactura.AsyncOpenfactura) and not value.closed:
                    loop = self.loop or asyncio.new_event_loop()
                    loop.run_until_complete(value.aclose())
                    if loop is not self.loop:
                        loop.close()
        if self.loop is not None:
            loop = self.loop
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
        self.namespace.clear()
        for logger, level, handlers in self.logging_state:
            logger.setLevel(level)
            logger.handlers[:] = handlers
        if self.project is not None:
            for name, module in list(sys.modules.items()):
                if _is_inside(getattr(module, "__file__", None), self.project):
                    del sys.modules[name]
            shutil.rmtree(self.project, ignore_errors=True)
        gc.collect()


def _check_output(block: Block, got: str) -> None:
    want = block.output or ""
    checker = doctest.OutputChecker()
    normalised = "\n".join(line.rstrip() for line in got.splitlines()) + "\n"
    if not checker.check_output(want, normalised, doctest.ELLIPSIS):
        raise BlockFailedError(
            f"{block.id}: printed output differs from its output block\n"
            + checker.output_difference(doctest.Example("", want), normalised, doctest.ELLIPSIS)
        )


@contextlib.contextmanager
def _inside(project: Path) -> Iterator[None]:
    old_cwd = os.getcwd()
    os.chdir(project)
    sys.path.insert(0, str(project))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(project))
        os.chdir(old_cwd)


def _is_inside(path: str | None, folder: Path) -> bool:
    if not path:
        return False
    prefixes = (str(folder) + os.sep, str(folder.resolve()) + os.sep)
    return path.startswith(prefixes)
