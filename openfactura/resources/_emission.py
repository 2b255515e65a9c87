"""The emission call (``POST /v2/dte/document``): send it, read its answer, complete a replay.

Two rules, for every answer the API (or anything between us and it) can give:

* **No duplicate.** An answer that may mean the document exists ends either in an
  :class:`~openfactura.types.EmissionResult` or in :class:`OutcomeUnknownError` with the
  ``Idempotency-Key``. A 2xx the SDK cannot read (HTML, cut-off JSON, an empty body, an
  ``{"error": ...}`` body, no ``TOKEN``) is the server's failure, a
  :class:`ResponseDecodeError`, raised *from* an ``OutcomeUnknownError``: never a
  ``ValidationError``, which callers treat as "fix the data and emit again" (with a new
  key: a second document).
* **A replay gives what was asked.** When the key had already emitted (``OF-06``, e.g.
  after an automatic retry whose first attempt was stored), the API gives only the token.
  The missing ``FOLIO``, ``PDF`` and ``XML`` are then read by token (``GET .../pdf`` gives
  the PDF and the folio, ``GET .../json`` the folio, ``GET .../xml`` the XML): ordinary
  requests, paced by the rate limiter and inside the same ``timeout``. ``TIMBRE``, ``LOGO``,
  ``RESOLUCION`` and ``SELF_SERVICE`` have no read by token and stay ``None``.

Usage (what :meth:`Documents.emit` does)::

    result = await send_emission(client, body, key, ["FOLIO", "PDF"])
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._decode import decode
from .._exceptions import (
    OpenfacturaError,
    OutcomeUnknownError,
    ResponseDecodeError,
    ValidationError,
    shown,
)
from .._transport import Response, check_header_value
from ..types.documents import DocumentJson, PdfFile, XmlFile
from ..types.emission import EmissionResult
from ._common import segment

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura

__all__ = ["FETCHED_ON_REPLAY", "check_key", "read_emission", "send_emission"]

EMISSION_PATH = "/v2/dte/document"

FETCHED_ON_REPLAY = ("FOLIO", "PDF", "XML")
"""The ``response`` items a replay completes by reading the document by token."""


async def send_emission(
    client: AsyncOpenfactura, body: dict[str, Any], key: str, asked: Sequence[str]
) -> EmissionResult:
    """Emit ``body`` with ``key``; on a replay, fetch the asked-for parts the API left out."""
    deadline = asyncio.get_running_loop().time() + client._transport.timeout
    try:
        answer = await client._request(
            "POST", EMISSION_PATH, json=body, safe=True, idempotency_key=key, deadline=deadline
        )
        result = read_emission(answer, key)
    except ResponseDecodeError as exc:
        raise OutcomeUnknownError(
            f"The API answered the emission with HTTP {exc.status} but the answer cannot be "
            f"read ({exc.message}); the document may or may not exist.",
            idempotency_key=key,
        ) from exc
    if result.replayed:
        result = await _complete_replay(client, result, asked, deadline)
    return result


def read_emission(answer: Response, key: str) -> EmissionResult:
    """The :class:`EmissionResult` of a 2xx answer, or :class:`ResponseDecodeError`."""
    data = answer.data

    def unreadable(message: str, problems: list[tuple[str, str]]) -> ResponseDecodeError:
        return ResponseDecodeError(
            message, status=answer.status, body=data, problems=problems, headers=answer.headers
        )

    if not isinstance(data, dict):
        what = "an empty body" if data is None else f"JSON {type(data).__name__}"
        raise unreadable(
            f"expected the emission result as a JSON object, got {what}",
            [("$", "not a JSON object")],
        )
    if "error" in data:
        raise unreadable(
            "a 2xx emission answer that carries an error", [("error", _short(data["error"]))]
        )
    token = data.get("TOKEN")
    if not isinstance(token, str) or not token.strip():
        issue = "missing" if token is None else f"{_short(token)} is not a token"
        raise unreadable("the emission answer has no TOKEN", [("TOKEN", issue)])
    result = decode(answer, EmissionResult, "the emission result")
    return attrs.evolve(
        result, idempotency_key=answer.idempotency_key or key, replayed=answer.replayed
    )


async def _complete_replay(
    client: AsyncOpenfactura, result: EmissionResult, asked: Sequence[str], deadline: float
) -> EmissionResult:
    """Read by token the FOLIO/PDF/XML a replay did not bring (same deadline, same limits)."""
    want_folio = "FOLIO" in asked and result.folio is None
    want_pdf = "PDF" in asked and result.pdf is None
    want_xml = "XML" in asked and result.xml is None
    if not (want_folio or want_pdf or want_xml):
        return result
    key = result.idempotency_key or ""
    token = segment(result.token)
    changes: dict[str, Any] = {}
    step = "FOLIO"
    try:
        if want_pdf:
            step = "PDF"
            pdf = decode(await _get(client, token, "pdf", deadline), PdfFile, "the PDF")
            if not pdf.content:
                raise ResponseDecodeError(
                    "the pdf answer has no PDF", status=200, problems=[("pdf", "missing")]
                )
            changes["pdf"] = pdf.content
            if want_folio and pdf.folio is not None:
                changes["folio"] = pdf.folio
        if want_folio and "folio" not in changes:
            step = "FOLIO"
            doc = decode(await _get(client, token, "json", deadline), DocumentJson, "the json")
            changes["folio"] = _folio_of(doc)
        if want_xml:
            step = "XML"
            xml = decode(await _get(client, token, "xml", deadline), XmlFile, "the XML")
            if xml.xml is None:
                raise ResponseDecodeError(
                    "the xml answer has no XML", status=200, problems=[("xml", "missing")]
                )
            changes["xml"] = xml.xml
    except asyncio.CancelledError as exc:
        raise exc from _lost_parts(result, step, key, "the call was cancelled")
    except OpenfacturaError as exc:
        raise _lost_parts(result, step, key, str(exc).split("\n", 1)[0]) from exc
    return attrs.evolve(result, **changes)


async def _get(client: AsyncOpenfactura, token: str, value: str, deadline: float) -> Response:
    answer = await client._request("GET", f"{EMISSION_PATH}/{token}/{value}", deadline=deadline)
    if isinstance(answer.data, str) and value == "pdf":
        return attrs.evolve(answer, data={"pdf": answer.data})  # a bare base64 string
    return answer


def _folio_of(doc: DocumentJson) -> int:
    if doc.folio is not None:
        return doc.folio
    id_doc = (doc.json.get("Encabezado") or {}).get("IdDoc") or {}
    folio = id_doc.get("Folio") if isinstance(id_doc, dict) else None
    if isinstance(folio, str) and folio.strip().isdigit():
        folio = int(folio)
    if isinstance(folio, bool) or not isinstance(folio, int) or folio <= 0:
        raise ResponseDecodeError(
            "the document's json has no folio",
            status=200,
            problems=[("json.Encabezado.IdDoc.Folio", f"{_short(folio)} is not a folio")],
        )
    return folio


def _lost_parts(result: EmissionResult, step: str, key: str, why: str) -> OutcomeUnknownError:
    return OutcomeUnknownError(
        f"This key had already emitted the document (token {result.token}), but reading "
        f"its {step} failed: {why}.",
        idempotency_key=key,
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def check_key(idempotency_key: object) -> str:
    """The caller's ``Idempotency-Key`` checked (a header value), or a new random one."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    if not isinstance(idempotency_key, str) or not idempotency_key.strip():
        problem: str | None = f"{shown(idempotency_key)} is not a non-empty string"
    else:
        problem = check_header_value(idempotency_key)
        if problem is None:
            return idempotency_key
    raise ValidationError("Invalid idempotency_key", [("idempotency_key", problem or "invalid")])
