"""Reading a 2xx answer into its model, or saying exactly why it cannot be read.

Everything the server sends goes through :func:`decode` (or :func:`decode_list`). A body
the SDK cannot read is the server's failure, so the error is
:class:`~openfactura.ResponseDecodeError` (status, body, ``$.path: issue`` problems), never
the caller's :class:`~openfactura.ValidationError` and never a half-empty model:

* not the expected JSON (an empty body, a list where an object was due, a string...);
* an error body with a 2xx status (``{"error": {"message": ..., "code": "OF-13"}}``);
* none of the fields that identify the answer (an emission without ``TOKEN``, an
  organization without ``rut``): see ``_IDENTITY``;
* a value the models refuse (a list row without ``TipoDTE``, ``xml`` that is not base64);
* a ``pdf`` that is not a PDF (an HTML error page, base64-encoded).

How each field is read (aliases, ``null`` as absent, bare strings...) is the converter's
business: see :func:`openfactura.types._common.answer_hook`.

Usage::

    answer = await self._client._request("GET", "/v2/dte/organization")
    return decode(answer, Organization, "the organization")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from ._converter import _problems, converter
from ._exceptions import ResponseDecodeError, error_text
from ._fields import wire_name
from ._transport import Response
from .types.accuse import AccuseResult
from .types.annulment import AnnulmentResult
from .types.documents import (
    DocumentJson,
    IssuedPage,
    PdfFile,
    ReceivedPage,
    StatusResult,
    XmlFile,
)
from .types.emission import EmissionResult
from .types.organization import Folios, Organization
from .types.registry import PurchaseSummary, SalesSummary
from .types.self_service import SelfServiceState
from .types.taxpayer import Taxpayer

__all__ = ["decode", "decode_list"]

T = TypeVar("T")


@attrs.frozen
class _Identity:
    """The keys that make an answer what it claims to be: at least one must be there.

    ``null_ok``: present with ``null`` is still an answer (the taxpayer record of an
    unknown RUT has every field ``null``; an empty list page may say ``data: null``).
    """

    keys: tuple[str, ...]
    null_ok: bool = False


_IDENTITY: dict[type, _Identity] = {
    EmissionResult: _Identity(("TOKEN", "token", "Token")),
    StatusResult: _Identity(("estado",)),
    DocumentJson: _Identity(("json",)),
    PdfFile: _Identity(("pdf", "cedible")),
    XmlFile: _Identity(("xml",)),
    IssuedPage: _Identity(("data",), null_ok=True),
    ReceivedPage: _Identity(("data",), null_ok=True),
    Organization: _Identity(("rut", "razonSocial")),
    Folios: _Identity(("documentos",), null_ok=True),
    Taxpayer: _Identity(("rut", "razonSocial"), null_ok=True),
    SalesSummary: _Identity(("registros", "fechaInicio", "fechaFinal"), null_ok=True),
    PurchaseSummary: _Identity(("estado", "registros"), null_ok=True),
    AccuseResult: _Identity(("data", "code", "result", "msg"), null_ok=True),
    AnnulmentResult: _Identity(("success", "succes")),
    SelfServiceState: _Identity(("response",), null_ok=True),
}

_PDF_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {
    PdfFile: (("pdf", "pdf"), ("cedible", "cedible")),
    EmissionResult: (("pdf", "PDF"),),
}
"""Fields holding a PDF: ``(attribute, wire name)``. Their bytes must be a PDF."""


def decode(response: Response, cls: type[T], what: str) -> T:
    """``response.data`` read as ``cls``, or :class:`ResponseDecodeError` saying why not.

    ``what`` names the answer in the error message (``"the organization"``).
    """
    data = response.data
    if data is None:
        raise _error(response, what, [("$", "the answer is empty")])
    return _one(response, data, cls, what, "$")


def decode_list(response: Response, cls: type[T], what: str) -> list[T]:
    """A JSON array of ``cls`` (a single object is read as a one-item list)."""
    data = response.data
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        kind = "empty" if data is None else f"a JSON {type(data).__name__}, not an array"
        raise _error(response, what, [("$", f"the answer is {kind}")])
    return [_one(response, item, cls, what, f"$[{i}]") for i, item in enumerate(data)]


def _one(response: Response, data: Any, cls: type[T], what: str, path: str) -> T:
    if isinstance(data, Mapping):
        _check_identity(response, data, cls, what, path)
    try:
        result: T = converter.structure(data, cls)
    except ResponseDecodeError:
        raise
    except Exception as exc:  # whatever the models refuse in server data is the server's
        raise _error(response, what, _problems(exc, path, _issue)) from exc
    for attribute, wire in _PDF_FIELDS.get(cls, ()):
        content = getattr(result, attribute)
        if content is not None and b"%PDF" not in content[:1024]:
            issue = f"not a PDF (the decoded bytes start {bytes(content[:40])!r})"
            raise _error(response, what, [(f"{path}.{wire}", issue)])
    return result


def _check_identity(
    response: Response, data: Mapping[str, Any], cls: type, what: str, path: str
) -> None:
    identity = _IDENTITY.get(cls)
    if identity is None:
        identified = True
    elif identity.null_ok:
        identified = any(key in data for key in identity.keys)
    else:
        identified = any(data.get(key) not in (None, "") for key in identity.keys)
    error = data.get("error")
    if (
        isinstance(error, (str, Mapping))
        and error
        and (identity is None or not identified)
        and "error" not in _wire_names(cls)
    ):
        raise _error(
            response,
            what,
            [(f"{path}.error", error_text(data) or "no message")],
            message=f"The API answered HTTP {response.status} with an error instead of {what}",
        )
    if not identified:
        said = error_text(data)
        issue = f"none of {', '.join(identity.keys if identity else ())} is there" + (
            f" (the API says: {said})" if said else ""
        )
        raise _error(response, what, [(path, issue)])


def _wire_names(cls: type) -> set[str]:
    return {wire_name(field) for field in attrs.fields(cls)} if attrs.has(cls) else set()


def _issue(exc: BaseException, type_: Any) -> str:
    """One leaf problem in words: the hook's own words when it gave some."""
    if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], str):
        return exc.args[0]
    from cattrs.v import format_exception

    return format_exception(exc, type_)


def _error(
    response: Response,
    what: str,
    problems: list[tuple[str, str]],
    *,
    message: str | None = None,
) -> ResponseDecodeError:
    return ResponseDecodeError(
        message or f"Could not read the API's answer as {what}",
        status=response.status,
        body=response.data,
        problems=problems,
        headers=response.headers,
    )
