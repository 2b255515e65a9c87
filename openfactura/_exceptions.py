"""Every exception the SDK raises. Nothing from aiohttp or cattrs ever reaches the caller.

The hierarchy::

    OpenfacturaError
    ├── ConfigurationError          bad client settings (no API key, demo key on production)
    ├── ValidationError             bad input caught locally, before anything was sent
    ├── APIError                    the API answered with a non-2xx status
    │   ├── AuthenticationError     401 / 403 (missing, invalid or unauthorised key)
    │   │   └── PermissionDeniedError   400 OF-03: the key may not do this
    │   ├── RateLimitError          429 (gateway limit, or the OF-429 RCV sync lock)
    │   ├── InvalidRequestError     400 with an OF code: the request was refused
    │   │   └── DuplicateDocumentError  400 OF-06: this Idempotency-Key already emitted
    │   ├── NotFoundError           404, or OF-22 for an unknown folio
    │   └── ServerError             5xx, or an answer that is not JSON (a proxy's HTML page)
    ├── APIConnectionError          the API could not be reached
    │   └── APITimeoutError         no answer in time
    ├── ResponseDecodeError         a 2xx answer the SDK cannot read (HTML, cut-off JSON, a
    │                               missing field): the server's failure, not the caller's
    ├── OutcomeUnknownError         an emission may or may not have happened: re-send it
    │                               with the same ``idempotency_key``
    ├── WaitTimeoutError            ``documents.wait``/``wait_many`` gave up: the SII has
    │                               not decided yet (also a ``TimeoutError``)
    └── LimiterUnavailableError     the shared rate limiter (Redis) cannot be reached and
                                    ``RedisLimiter(on_redis_error="raise")`` was asked for

Usage::

    try:
        await client.documents.emit(factura)
    except openfactura.InvalidRequestError as exc:
        for field, issue in exc.details:
            print(field, issue)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "ConfigurationError",
    "DuplicateDocumentError",
    "ErrorDetail",
    "InvalidRequestError",
    "LimiterUnavailableError",
    "NotFoundError",
    "OpenfacturaError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseDecodeError",
    "ServerError",
    "ValidationError",
    "WaitTimeoutError",
    "describe_undecodable",
    "error_text",
    "make_api_error",
    "parse_try_again_seconds",
    "redact",
    "redact_data",
    "shown",
]


class ErrorDetail(NamedTuple):
    """One ``(field, issue)`` pair, in the shape of the API's ``details`` entries."""

    field: str
    issue: str


class OpenfacturaError(Exception):
    """Base class of every error raised by this SDK."""


class ConfigurationError(OpenfacturaError, ValueError):
    """The client was configured in a way that cannot work (raised at construction)."""


class ValidationError(OpenfacturaError, ValueError):
    """Input that the API would refuse, found locally before anything was sent.

    ``problems`` lists every problem at once as ``(field path, issue)`` pairs, in the
    same shape as the API's ``details``.
    """

    def __init__(self, message: str, problems: Iterable[tuple[str, str]] = ()) -> None:
        self.problems: list[ErrorDetail] = [ErrorDetail(f, i) for f, i in problems]
        lines = "".join(f"\n  {p.field}: {p.issue}" for p in self.problems)
        super().__init__(f"{message}{lines}")
        self.message = message

    @classmethod
    def from_structure_error(cls, exc: BaseException, target: type) -> ValidationError:
        """Turn a cattrs error (an exception group) into ``$.path: issue`` problems."""
        from cattrs import BaseValidationError, transform_error

        problems: list[tuple[str, str]] = []
        if isinstance(exc, BaseValidationError):
            for line in transform_error(exc, path="$"):
                issue, _, path = line.rpartition(" @ ")
                problems.append((path or "$", issue or line))
        else:
            problems.append(("$", str(exc)))
        name = getattr(target, "__name__", str(target))
        return cls(f"Could not read the data as {name}", problems)


class APIError(OpenfacturaError):
    """The API answered with a non-2xx status.

    Attributes: ``status`` (HTTP status), ``code`` (``"OF-10"``... or ``None`` for gateway
    errors), ``message`` (the API's words), ``details`` (list of :class:`ErrorDetail`
    whatever shape the body had), ``body`` (the decoded body, or its text),
    ``headers`` (response headers, the API key is never among them).
    """

    hint: str = ""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        details: Iterable[tuple[str, str]] = (),
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.details: list[ErrorDetail] = [ErrorDetail(str(f), str(i)) for f, i in details]
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        if hint is not None:
            self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"HTTP {self.status}"
        if self.code:
            head += f" {self.code}"
        text = f"{head}: {self.message}"
        if self.details:
            text += "".join(f"\n  {d.field}: {d.issue}" for d in self.details)
        if self.hint:
            text += f"\n  -> {self.hint}"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r})"
        )


class AuthenticationError(APIError):
    """401/403: the API key is missing, invalid, inactive or not allowed."""

    hint = (
        "Check the API key (OPENFACTURA_API_KEY) and the environment: production keys do "
        "not work on development (dev-api.haulmer.com) and the public demo keys only work there."
    )


class PermissionDeniedError(AuthenticationError):
    """400 ``OF-03``: the key's user may not perform this action for this company."""

    hint = "Ask the company owner for a key with permission to emit documents."


class RateLimitError(APIError):
    """429: too many requests. ``retry_after`` seconds to wait; ``ends_at`` for OF-429."""

    hint = "Wait retry_after seconds before trying again (the client already paused its requests)."

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        ends_at: dt.datetime | str | None = None,
        **kwargs: Any,
    ) -> None:
        self.retry_after = retry_after
        self.ends_at = ends_at
        super().__init__(message, **kwargs)


class InvalidRequestError(APIError):
    """400 with an ``OF-xx`` code: the API refused the request. See ``details``."""

    hint = "Fix the fields listed above; the document was not emitted."


class DuplicateDocumentError(InvalidRequestError):
    """400 ``OF-06``: this Idempotency-Key already produced a document; ``token`` is its token.

    ``documents.emit`` turns it into a successful, replayed result; you only see it from
    :meth:`AsyncOpenfactura.request`.
    """

    hint = "The document already exists: use its token instead of emitting again."

    def __init__(self, message: str, *, token: str | None = None, **kwargs: Any) -> None:
        self.token = token
        super().__init__(message, **kwargs)


class NotFoundError(APIError):
    """404 (unknown route) or ``OF-22`` (no document with that folio)."""

    hint = "Check the token, RUT, document type and folio."


class ServerError(APIError):
    """5xx, or a body that is not JSON (for example a proxy's HTML 502 page)."""

    hint = "A problem on Openfactura's side; safe requests were already retried."


class ResponseDecodeError(OpenfacturaError):
    """The API answered (usually 2xx) with something the SDK cannot read.

    An HTML page, cut-off JSON, an empty body, a JSON object without the fields that
    identify the answer (an emission without ``TOKEN``), a ``pdf`` that is not a PDF...
    This is the server's failure, never the caller's: it is not a :class:`ValidationError`.
    After an emission it may mean the document exists, so ``documents.emit`` raises
    :class:`OutcomeUnknownError` (with the key) instead, chained from this error.

    Attributes: ``status`` (HTTP status), ``body`` (the raw answer as text, truncated to
    :attr:`MAX_BODY` characters, the API key masked), ``problems`` (what was wrong, as
    ``(field path, issue)`` pairs), ``headers``.
    """

    MAX_BODY = 2000

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        problems: Iterable[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.body: str | None = _body_text(body, self.MAX_BODY)
        self.problems: list[ErrorDetail] = [ErrorDetail(str(f), str(i)) for f, i in problems]
        self.headers: dict[str, str] = dict(headers or {})
        lines = "".join(f"\n  {p.field}: {p.issue}" for p in self.problems)
        super().__init__(f"HTTP {status}: {message}{lines}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


def _body_text(body: Any, limit: int) -> str | None:
    """The body as text for an error: bytes decoded, JSON re-dumped, truncated."""
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        text = bytes(body).decode("utf-8", errors="replace")
    elif isinstance(body, str):
        text = body
    else:
        import json

        try:
            text = json.dumps(body, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(body)
    return text if len(text) <= limit else text[:limit] + "…"


def shown(value: object) -> str:
    """``repr(value)`` for an error message, or what it is when Python refuses to write it
    out (an ``int`` of thousands of digits, see ``sys.get_int_max_str_digits``)."""
    try:
        return repr(value)
    except ValueError:  # such a number, maybe inside a container
        return f"a {type(value).__name__} too large to show"


def redact(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` (any letter case) replaced by ``****``.

    Used on everything the server sends back, so a key echoed in an error message never
    reaches an exception, a ``repr`` or a log line.
    """
    if not secret or len(secret) < 5:
        return text
    return re.sub(re.escape(secret), "****", text, flags=re.IGNORECASE)


def redact_data(data: Any, secret: str) -> Any:
    """Decoded JSON with :func:`redact` applied to every string in it (keys included).

    The transport masks the key in the raw bytes; a JSON escape (``\\u0041``, ``\\/``)
    hides it from that byte-level pass, so answers with escapes are masked again here.
    """
    if isinstance(data, str):
        return redact(data, secret)
    if isinstance(data, list):
        return [redact_data(item, secret) for item in data]
    if isinstance(data, dict):
        return {redact(str(k), secret): redact_data(v, secret) for k, v in data.items()}
    return data


class APIConnectionError(OpenfacturaError):
    """The API could not be reached (DNS, refused connection, TLS, connection reset)."""


class APITimeoutError(APIConnectionError):
    """The API did not answer within the client's timeout."""


class OutcomeUnknownError(OpenfacturaError):
    """An emission was sent but its outcome cannot be known.

    The connection dropped after the body left, retries ran out, or the task was
    cancelled. Re-send the same document with ``idempotency_key=exc.idempotency_key``: if
    the first attempt did emit, the API answers with the original token (a replay) and no
    second document is created.
    """

    def __init__(self, message: str, *, idempotency_key: str) -> None:
        self.idempotency_key = idempotency_key
        self.reason = message
        """What happened, without the advice on re-sending."""
        super().__init__(
            f"{message} Re-send with idempotency_key={idempotency_key!r} to get the original "
            "document if it was emitted, without creating a second one."
        )

    @classmethod
    def find(cls, exc: BaseException | None) -> OutcomeUnknownError | None:
        """The :class:`OutcomeUnknownError` behind ``exc``: itself, or in its cause/context chain.

        Your own timeout or a cancellation stays a ``TimeoutError``/``CancelledError`` (as
        asyncio requires); when it cut an emission short, the error with the key is in
        that exception's chain::

            try:
                async with asyncio.timeout(5):
                    await client.documents.emit(factura)
            except TimeoutError as exc:
                lost = openfactura.OutcomeUnknownError.find(exc)
                if lost is not None:
                    retry_later(lost.idempotency_key)
        """
        seen: set[int] = set()
        pending = [exc]
        while pending:
            current = pending.pop()
            if current is None or id(current) in seen:
                continue
            if isinstance(current, cls):
                return current
            seen.add(id(current))
            pending += [current.__context__, current.__cause__]
        return None


class LimiterUnavailableError(OpenfacturaError):
    """The shared rate limiter's store (Redis) is unreachable and falling back was refused."""


# -- mapping an answer to an exception (no I/O) --------------------------------------------

_TRY_AGAIN = re.compile(r"(\d+(?:\.\d+)?)\s*second", re.IGNORECASE)


def parse_try_again_seconds(message: str | None) -> float | None:
    """``"Rate limit is exceeded. Try again in 7 seconds."`` -> ``7.0``."""
    if not message:
        return None
    match = _TRY_AGAIN.search(message)
    return float(match.group(1)) if match else None


def _seconds(value: Any) -> float | None:
    """A wait in seconds from a body's ``retry_after``; junk, NaN, infinity, < 0 -> None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


# Where the human text of an error lives, in the order it is looked for: the API's wrapped
# and flat shapes (``message``), gateways and frameworks (``error`` as text, ``detail`` and
# ``title`` of RFC 9457 problem details, ``error_description``...).
_TEXT_KEYS = ("message", "error", "detail", "title", "error_description", "description")
# Lists of field problems: the API's ``details``, ``validationErrors``, Laravel's ``errors``.
_DETAIL_KEYS = ("details", "validationErrors", "errors")
_FIELD_KEYS = ("field", "property", "path", "name", "key", "param", "parameter")
_ISSUE_KEYS = ("issue", "message", "error", "msg", "description", "detail", "reason")


def _text(value: Any, depth: int = 0) -> str:
    """The human text in ``value``: a string as is, else the text of its known keys."""
    if isinstance(value, str):
        return value.strip()
    if depth > 4:
        return ""
    if isinstance(value, Mapping):
        for key in _TEXT_KEYS:
            text = _text(value.get(key), depth + 1)
            if text:
                return text
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(t for t in (_text(item, depth + 1) for item in value) if t)
    return ""


def _issue(value: Any) -> str:
    text = _text(value)
    if text or value is None:
        return text
    return str(value)


def _detail_pairs(raw: Any) -> list[tuple[str, str]]:
    """``(field, issue)`` pairs from any of the detail shapes the API and gateways use."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return []
    if isinstance(raw, Mapping):
        if any(k in raw for k in _FIELD_KEYS) and any(k in raw for k in _ISSUE_KEYS):
            return _detail_pairs([raw])
        return [(str(k), _issue(v)) for k, v in raw.items()]
    if isinstance(raw, (list, tuple)):
        out: list[tuple[str, str]] = []
        for item in raw:
            if isinstance(item, Mapping):
                field = next((item[k] for k in _FIELD_KEYS if item.get(k) is not None), None)
                issue = next((item[k] for k in _ISSUE_KEYS if item.get(k) is not None), None)
                if field is not None or issue is not None:
                    out.append(("" if field is None else _issue(field), _issue(issue)))
                else:
                    out.extend((str(k), _issue(v)) for k, v in item.items())
            else:
                out.append(("", _issue(item)))
        return out
    return [("", _issue(raw))]


def _error_payload(body: Any) -> dict[str, Any]:
    """The object holding ``message``/``code``/``details``: ``error`` when it wraps them,
    else the body itself; a ``message`` that is itself an object is looked into too."""
    if isinstance(body, list):
        return {"details": body}  # a bare list of problems
    if not isinstance(body, Mapping):
        return {}
    payload: dict[str, Any] = dict(body)
    inner = payload.get("error")
    if isinstance(inner, Mapping):
        payload.pop("error")
        payload = {**payload, **inner}  # shape W: {"error": {...}}
    nested = payload.get("message")
    if isinstance(nested, Mapping):  # {"message": {"message": ..., "code": ...}}
        payload = {**payload, **{k: v for k, v in nested.items() if k != "message"}}
        payload["message"] = nested.get("message")
    return payload


def error_text(body: Any) -> str:
    """The human text of an error body, whatever its shape (``""`` when it has none)."""
    return _text(_error_payload(body)) if isinstance(body, Mapping) else _text(body)


def make_api_error(
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    *,
    retry_after: float | None = None,
) -> APIError:
    """Build the right :class:`APIError` for a non-2xx answer, whatever the body shape.

    Shapes understood: wrapped ``{"error": {"message", "code", "details": [...]}}``, flat
    ``{"message", "code", "details": {...}}``, gateway ``{"statusCode", "message"}``,
    ``{"error": "text"}``, ``{"message": {"message": ...}}``, problem details
    (``detail``/``title``), ``validationErrors``/``errors`` lists and a bare list (read
    as ``details``), and anything else (text, HTML) which becomes a :class:`ServerError`
    or the status's class. The message is never empty when the body has any text.

    For a 429, ``retry_after`` is the wait the server asked for, exactly: the body's
    ``retry_after``, else the ``retry_after`` given (the ``Retry-After`` header), else the
    "Try again in X seconds" of the message. A value that is not a finite number of
    seconds >= 0 (``"nan"``, ``"inf"``, ``-5``, junk) is ignored.
    """
    payload = _error_payload(body)
    raw_details: Any = None
    details: list[tuple[str, str]] = []
    for key in _DETAIL_KEYS:
        if payload.get(key) not in (None, "", [], {}):
            raw_details = payload[key] if raw_details is None else raw_details
            details += _detail_pairs(payload[key])
    message = _text({k: payload.get(k) for k in _TEXT_KEYS})
    if isinstance(payload.get("message"), (list, tuple)):
        # {"message": ["a must be...", ...], "error": "Bad Request"}: the list is the details.
        details += _detail_pairs(payload["message"])
        message = _text(payload.get("error")) or message
    if not message and details:
        message = "; ".join(issue for _, issue in details if issue)[:300]
    if not message:
        message = _fallback_message(status, body)
    code = payload.get("code")
    code = str(code) if code not in (None, "") and not isinstance(code, (Mapping, list)) else None
    common: dict[str, Any] = {
        "status": status,
        "code": code,
        "details": details,
        "body": body,
        "headers": headers,
    }

    if status == 429 or code == "OF-429":
        extra = raw_details if isinstance(raw_details, Mapping) else {}
        wait = _seconds(extra.get("retry_after", payload.get("retry_after")))
        if wait is None:
            wait = _seconds(retry_after)
        if wait is None:
            wait = parse_try_again_seconds(message)
        ends_at = extra.get("ends_at", payload.get("ends_at"))
        return RateLimitError(message, retry_after=wait, ends_at=ends_at, **common)
    if status in (401, 403):
        return AuthenticationError(message, **common)
    if code == "OF-03":
        return PermissionDeniedError(message, **common)
    if code == "OF-06":
        token = payload.get("token")
        if not isinstance(token, str) or not token:
            token = next((issue for field, issue in details if field.lower() == "token"), None)
        return DuplicateDocumentError(message, token=token, **common)
    if status == 404 or code == "OF-22":
        return NotFoundError(message, **common)
    if status >= 500 or not isinstance(body, (Mapping, list)):
        return ServerError(message, **common)
    if 400 <= status < 500:
        return InvalidRequestError(message, **common)
    return APIError(message, **common)


def _fallback_message(status: int, body: Any) -> str:
    if isinstance(body, str) and body.strip():
        snippet = " ".join(re.sub(r"<[^>]+>", " ", body).split())[:200]
        return f"Unexpected non-JSON answer: {snippet}"
    if _has_text(body):
        import json

        snippet = json.dumps(body, ensure_ascii=False, default=str)[:200]
        return f"Unexpected error answer: {snippet}"
    return f"HTTP {status} without an error message"


def _has_text(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if depth > 8:
        return False
    if isinstance(value, Mapping):
        return any(_has_text(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_text(v, depth + 1) for v in value)
    return False


def describe_undecodable(text: str) -> str:
    """What a 2xx body that is not JSON looks like, for a :class:`ResponseDecodeError`."""
    head = text.lstrip()[:1]
    if head == "<":
        return "an HTML/XML page, not JSON"
    if head in ("{", "["):
        return "JSON cut short or malformed"
    return "text, not JSON"


class WaitTimeoutError(OpenfacturaError, TimeoutError):
    """``documents.wait``/``wait_many`` ran out of time before a final status.

    ``tokens`` are the documents still undecided; ``statuses`` maps each to its last known
    status text (``"Pendiente"``, ``"Sin estado"``...); ``timeout`` is the time allowed.
    Nothing is wrong with the documents: the SII usually answers within minutes, so
    waiting again later is fine.
    """

    def __init__(
        self, message: str, *, tokens: Iterable[str], statuses: Mapping[str, str], timeout: float
    ) -> None:
        self.tokens: list[str] = list(tokens)
        self.statuses: dict[str, str] = dict(statuses)
        self.timeout = timeout
        super().__init__(message)
