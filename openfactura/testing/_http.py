"""What every sandbox route shares: JSON answers, request bodies, the API's timestamps.

Usage::

    return answer({"TOKEN": token})            # 200 JSON, UTF-8, accents kept
    body = await read_body(request)            # parsed JSON (None without a body)
    stamp(fake_clock())                        # "2025-04-11 23:00:27.0427"
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from typing import Any

from aiohttp import web

from ._errors import RejectError, wrapped

__all__ = ["MAX_DEPTH", "answer", "b64", "dumps", "read_body", "stamp"]

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects a body may have (a DTE needs 5)."""


def dumps(value: Any) -> str:
    """JSON text as the API sends it (non-ASCII characters kept)."""
    return json.dumps(value, ensure_ascii=False)


def answer(body: Any, status: int = 200) -> web.Response:
    """A JSON answer."""
    return web.json_response(body, status=status, dumps=dumps)


def stamp(seconds: float) -> str:
    """``2025-04-11 23:00:27.0427``: the API's reception timestamps."""
    return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S.%f")[:-2]


def b64(data: bytes) -> str:
    """Base64 text of ``data`` (XML, PDF and PNG fields)."""
    return base64.b64encode(data).decode("ascii")


async def read_body(request: web.Request) -> Any:
    """The request's JSON body (``None`` without one).

    Strict JSON, like the API's parser: text that is not JSON, the non-standard ``NaN`` and
    ``Infinity``, a number too large for a float (``1e400``), a lone UTF-16 surrogate
    (``"\\ud800"``, which no UTF-8 text can hold) or nesting deeper than :data:`MAX_DEPTH`
    is ``OF-08`` "JSON inválido", never a crash.
    """
    if not request.body_exists:
        return None
    try:
        text = await request.text()
        value = json.loads(text, parse_constant=_refuse, parse_float=_finite)
    except (ValueError, RecursionError):
        raise _invalid() from None
    if not _acceptable(value):
        raise _invalid()
    return value


def _invalid() -> RejectError:
    return RejectError(
        400,
        wrapped("Validación de Esquema", "OF-08", [{"field": "body", "issue": "JSON inválido"}]),
    )


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} does not fit a number")
    return number


def _acceptable(value: Any) -> bool:
    """No nesting deeper than :data:`MAX_DEPTH`, no lone UTF-16 surrogate (``"\\ud800"``)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not _utf8(item):
                return False
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return False
            if isinstance(item, dict):
                if not all(_utf8(key) for key in item):
                    return False
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
    return True


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
