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
from typing import Any

from aiohttp import web

from ._errors import RejectError, wrapped

__all__ = ["answer", "b64", "dumps", "read_body", "stamp"]


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
    """The request's JSON body (``None`` without one); invalid JSON is ``OF-08``."""
    if not request.can_read_body:
        return None
    try:
        return await request.json()
    except ValueError:
        raise RejectError(
            400,
            wrapped(
                "Validación de Esquema", "OF-08", [{"field": "body", "issue": "JSON inválido"}]
            ),
        ) from None
