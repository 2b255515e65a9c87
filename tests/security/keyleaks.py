"""Looking for an API key in everything a user can see: reprs, messages, tracebacks, logs.

A leak is the whole key (any letter case) or any run of more than 4 consecutive characters
of it (as given, upper-cased or lower-cased: the forms a server echo takes). Four is the
limit because the SDK shows the key's last four characters as its hint (``'****abcd'``).

Usage::

    seen = Evidence(KEY, own_files={Path(__file__)})
    seen.add_object("organization.get", result)
    seen.add_exception("organization.get 401", exc)
    seen.add_records(caplog.records)
    assert seen.leaks() == []
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

RUN = 5
"""The shortest run of the key that counts as a leak."""


def check_key_is_testable(key: str) -> None:
    """Every 5-character window of ``key`` holds a letter that is not a hex digit.

    So no hex token, hash or digest can match a run of it by chance (the documents' tokens
    and the limiter's scope are hex), and a finding is a real leak.
    """
    for i in range(len(key) - RUN + 1):
        window = key[i : i + RUN].lower()
        assert any(c.isalpha() and c not in "abcdef" for c in window), window


class Detector:
    """Finds the key, or a run of more than 4 of its characters, in a text."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._whole = re.compile(re.escape(key), re.IGNORECASE)
        grams = {
            form[i : i + RUN]
            for form in (key, key.upper(), key.lower())
            for i in range(len(form) - RUN + 1)
        }
        self._runs = re.compile("|".join(re.escape(g) for g in sorted(grams)))

    def find(self, text: str) -> str | None:
        """The leaked piece of the key in ``text``, or ``None``."""
        whole = self._whole.search(text)
        if whole is not None:
            return whole.group()
        run = self._runs.search(text)
        return None if run is None else run.group()


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception behind it (cause, context, group members), once each."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]  # type: ignore[list-item]
        pending += list(getattr(current, "exceptions", ()) or ())


def _drop_frames(te: traceback.TracebackException, own: set[Path], seen: set[int]) -> None:
    if id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list(
        [frame for frame in te.stack if Path(frame.filename).resolve() not in own]
    )
    for inner in (te.__cause__, te.__context__, *(getattr(te, "exceptions", None) or ())):
        if inner is not None:
            _drop_frames(inner, own, seen)


def traceback_with_locals(exc: BaseException, own_files: set[Path]) -> str:
    """The formatted traceback (whole chain) with every frame's locals, minus ``own_files``."""
    te = traceback.TracebackException.from_exception(exc, capture_locals=True)
    _drop_frames(te, own_files, set())
    return "".join(te.format())


def safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a repr that fails is itself worth seeing
        return f"<repr failed: {type(exc).__name__}: {exc}>"


def safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception as exc:
        return f"<str failed: {type(exc).__name__}: {exc}>"


class Evidence:
    """Every text collected from a run, each with where it came from."""

    def __init__(self, key: str, *, own_files: Iterable[Path]) -> None:
        self.detector = Detector(key)
        self.own_files = {Path(p).resolve() for p in own_files}
        self.texts: list[tuple[str, str]] = []

    def add_text(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def add_object(self, where: str, value: Any) -> None:
        """``repr`` of a returned object (for an exception: everything about it)."""
        if isinstance(value, BaseException):
            self.add_exception(where, value)
            return
        self.add_text(f"{where}: repr", safe_repr(value))

    def add_exception(self, where: str, exc: BaseException) -> None:
        """``str``, ``repr`` and attributes of the whole chain, and its traceback with every
        frame's locals (a superset of the plain traceback, less the test's own frames)."""
        for link in exception_chain(exc):
            name = type(link).__name__
            self.add_text(f"{where}: str({name})", safe_str(link))
            self.add_text(f"{where}: repr({name})", safe_repr(link))
            self.add_text(f"{where}: vars({name})", safe_repr(getattr(link, "__dict__", {})))
            self.add_text(f"{where}: {name}.args", safe_repr(link.args))
        self.add_text(f"{where}: traceback with locals", traceback_with_locals(exc, self.own_files))

    def add_records(self, records: Iterable[logging.LogRecord]) -> None:
        """Each log record's message and every attribute (``extra=`` ones included)."""
        for record in records:
            where = f"log {record.name}:{record.levelname} {record.msg!r:.60}"
            self.add_text(f"{where}: message", safe_str(record.getMessage()))
            for name, value in vars(record).items():
                self.add_text(f"{where}: .{name}", f"{safe_repr(value)} {safe_str(value)}")
            if record.exc_info and record.exc_info[1] is not None:
                self.add_exception(f"{where}: exc_info", record.exc_info[1])

    def leaks(self) -> list[str]:
        """Where the key (or a run of it) was seen, with a little context."""
        found = []
        for where, text in self.texts:
            piece = self.detector.find(text)
            if piece is not None:
                at = text.find(piece)
                context = text[max(0, at - 60) : at + len(piece) + 20]
                found.append(f"{where}: {piece!r} in ...{context!r}...")
        return found
