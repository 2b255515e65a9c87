"""The I/O loop: build a request, wait for the rate limiter, send it, decode the answer, retry.

This is the only module that talks to aiohttp. aiohttp exceptions are translated here, at
one boundary, into the SDK's own (:mod:`openfactura._exceptions`), most specific first.

Request flow (one :meth:`Transport.request` call)::

    key's 429 pause -> limiter.acquire(scope) -> send (headers leave: reservation.sent())
        -> decode -> 2xx: return Response
                 |-> 429: pause the key, retry (any method); a hint longer than
                 |        max_rate_limit_wait: raise RateLimitError at once
                 |-> 502/503/504, connection error, timeout:
                 |       backoff + retry if the request is safe
                 '-> other: raise the typed APIError

Time: ``timeout`` is the deadline of the whole call (limiter waits, every attempt, backoff
and 429 pauses included); ``attempt_timeout`` optionally bounds each attempt. A wait that
would end past the deadline is not started: the call fails at once with what it has.

Cancellation (your own ``asyncio.timeout``/``wait_for``, ``task.cancel()``) stays a plain
``CancelledError``, so asyncio turns it into your ``TimeoutError`` on every Python
version. When an emission was possibly sent, that ``CancelledError`` is raised *from* an
:class:`OutcomeUnknownError` with the key: ``OutcomeUnknownError.find(exc)`` gets it back.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import json
import logging
import os
import platform
import re
import sys
import time
from collections.abc import AsyncGenerator, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    DuplicateDocumentError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    ValidationError,
    describe_undecodable,
    make_api_error,
    redact_data,
    shown,
)
from ._fork import keep_parent_object
from ._ratelimit import (
    KEY_PAUSES,
    KeyPausedTooLong,
    Limiter,
    Reservation,
    _pause_cap,
    as_reservation,
    note_hold,
)
from ._retry import (
    DEFAULT_RATE_LIMIT_WAIT,
    RETRYABLE_STATUSES,
    RetryPolicy,
    retry_after_from_headers,
)
from ._version import __version__

if TYPE_CHECKING:  # loaded when someone listens: `import openfactura` stays light
    from ._observe import Observer, RequestWatch

__all__ = [
    "Response",
    "SecretStr",
    "Transport",
    "check_header_value",
    "decode_json",
    "is_loopback_url",
    "logger",
]

T = TypeVar("T")

logger = logging.getLogger("openfactura")

DEFAULT_MAX_RATE_LIMIT_WAIT = 60.0
"""Longest 429 pause a call waits out by default (the API's longest window is a minute)."""

PAUSE_WARNING_SECONDS = 2.0
"""A 429 pause longer than this is logged as a WARNING (once per pause, not per call)."""

_LONGEST_PAUSE = 86_400.0
"""A hint beyond a day (or infinite) pauses the key for a day at most."""

USER_AGENT = (
    f"openfactura-python/{__version__} aiohttp/{aiohttp.__version__} "
    f"{platform.python_implementation()}/{platform.python_version()}"
)


@attrs.frozen
class Response:
    """A decoded 2xx answer. ``data`` is ``None`` for "no content" (204 or an empty body).

    ``replayed`` is true when an emission's ``Idempotency-Key`` had already produced a
    document: ``data`` then holds ``{"TOKEN": <the original token>}``.
    """

    status: int
    headers: Mapping[str, str]
    data: Any
    replayed: bool = False
    idempotency_key: str | None = None


class SecretStr(str):
    """A string whose ``repr`` hides all but its last 4 characters (the API key).

    It is what the transport keeps and puts in the ``apikey`` header, so the key does not
    show up in ``repr()`` of our objects, nor in tracebacks printed with their locals.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'****" + self[-4:] + "'" if len(self) > 8 else "'****'"


class _NotJSONError(Exception):
    def __init__(self, text: str) -> None:
        self.text = text


def decode_json(raw: bytes) -> Any:
    """Decode a JSON body: UTF-8, falling back to Latin-1 (some answers come that way).

    Returns ``None`` for an empty body; raises ``_NotJSONError`` with the text otherwise.
    """
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested thousands of levels deep
        raise _NotJSONError(text) from None


_UNSETTLED_CODES = frozenset({"OF-12", "OF-13", "OF-21", "OF-429"})
"""XML generation, database errors, the RCV lock: the API did not get to a verdict."""

_TRANSIENT_CODES = frozenset({"OF-13", "OF-21"})
"""Database error / database unavailable: retried like a 503 when the request is safe
(reference §4: "yes, with backoff and idempotency"). ``OF-12`` (XML generation) is
retried once ("maybe once, with the same Idempotency-Key")."""


def _processed_by_the_api(error: APIError) -> bool:
    """True when Openfactura itself (not its gateway or a proxy) read and refused the body."""
    code = error.code or ""
    return code.startswith("OF-") and code not in _UNSETTLED_CODES


async def _close_with_loop(
    session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop
) -> AsyncGenerator[None, None]:
    """Suspended at ``yield`` for the session's life; its ``finally`` closes the session.

    An event loop finalizes the async generators started on it in
    ``loop.shutdown_asyncgens()``, which ``asyncio.run()`` calls before closing the loop.
    """
    try:
        yield
    finally:
        if not session.closed and not loop.is_closed():
            await session.close()


def encode_json(body: Any) -> bytes:
    """UTF-8 JSON with accents as they are (like the official plugins send it)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


_BAD_HEADER_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
"""Control characters (CR, LF, NUL...): never valid in an HTTP header value."""


def check_header_value(value: str) -> str | None:
    """What is wrong with ``value`` as an HTTP header value, or ``None`` if it is fine.

    The answer never quotes the value (it may be the API key).
    """
    bad = _BAD_HEADER_CHARS.search(value)
    if bad is None:
        return None
    names = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\x00": "a NUL"}
    char = bad.group()
    return f"contains {names.get(char, f'the control character U+{ord(char):04X}')}"


def is_loopback_url(url: str) -> bool:
    """True when ``url``'s host is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if sys.version_info >= (3, 11):

    class _Expiry:
        """The timer of one :func:`_run_until`: cancels its task at the deadline."""

        __slots__ = ("fired", "task")

        def __init__(self, task: asyncio.Task[Any]) -> None:
            self.task = task
            self.fired = False

        def __call__(self) -> None:
            self.fired = True
            self.task.cancel()

    async def _run_until(deadline: float, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro``; ``_DeadlineError`` if the loop's clock reaches ``deadline``.

        What ``asyncio.timeout_at`` does, with one timer and no context manager: this runs
        once per API call, so it is kept lean.
        """
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always called from a task
            return await coro
        expiry = _Expiry(task)
        cancelling = task.cancelling()
        handle = task.get_loop().call_at(deadline, expiry)
        try:
            result = await coro
        except asyncio.CancelledError:
            # Ours only if our timer fired and no other cancellation is pending.
            if expiry.fired and task.uncancel() <= cancelling:
                raise _DeadlineError from None
            raise
        finally:
            handle.cancel()
        if expiry.fired:  # it fired just as the call ended: take the cancellation back
            task.uncancel()
        return result

else:  # pragma: no cover - Python 3.10

    async def _run_until(deadline: float, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro``; ``_DeadlineError`` if the loop's clock reaches ``deadline``."""
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(coro, max(remaining, 0.0))
        except asyncio.TimeoutError:
            raise _DeadlineError from None


class _DeadlineError(Exception):
    """Our own deadline fired (never leaves this module)."""


class Transport:
    """Owns the ``aiohttp.ClientSession``, the retry loop and the rate-limiter calls.

    One transport per client. The session is created lazily on the running event loop
    (connection pooling included); a session passed in by the caller is used as is and
    never closed by us.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float,
        retry: RetryPolicy,
        attempt_timeout: float | None = None,
        limiter: Limiter | None,
        scope: str,
        session: aiohttp.ClientSession | None = None,
        sleep: Any = asyncio.sleep,
        max_rate_limit_wait: float = DEFAULT_MAX_RATE_LIMIT_WAIT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = SecretStr(api_key)
        # Everything the server sends passes through _send, where any echo of the key is
        # masked before it can reach a decoder, an exception, a repr or a log line.
        self._echo = re.compile(re.escape(api_key.encode("utf-8")), re.IGNORECASE)
        self.timeout = timeout
        """Seconds for a whole call: limiter waits, every attempt, backoff, 429 pauses."""
        self.attempt_timeout = attempt_timeout
        """Seconds for one attempt (``None``: whatever is left of ``timeout``)."""
        self.retry = retry
        self.limiter = limiter
        self._scope = scope
        self._owned = session is None
        self._session = session
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._session_guard: AsyncGenerator[None, None] | None = None
        self._session_pid = os.getpid()
        self._closed = False
        self._sleep = sleep
        self._clock = time.monotonic  # of the key's 429 pauses (tests inject a fake clock)
        self.max_rate_limit_wait = max_rate_limit_wait
        self.observer: Observer | None = None
        """The client's ``on_event`` hooks and tracers (``None``: only logging may listen)."""

    # -- session ----------------------------------------------------------------------------

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("This client is closed; create a new one.")
        if not self._owned:
            assert self._session is not None
            return self._session
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and self._session_pid != os.getpid():
            # Forked child: the parent's session, sockets and loop are not ours to close
            # (closing would unregister the parent's sockets from their shared epoll).
            keep_parent_object(session)
            keep_parent_object(self._session_guard)
            session = self._session_guard = None
        if session is not None and self._session_loop is not loop:
            old = self._session_loop
            if old is not None and not old.is_closed() and old.is_running():
                raise RuntimeError(
                    "This AsyncOpenfactura is in use on another event loop. Use one client per "
                    "event loop, or the blocking Openfactura client from threads."
                )
            self._drop_orphan(session)  # its loop is gone: start afresh on this one
            session = None
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=100, ttl_dns_cache=300)
            session = aiohttp.ClientSession(
                connector=connector,
                # No timer of aiohttp's: each call runs under its own deadline (timeout=)
                # and attempt_timeout, which bound connecting, sending and reading alike.
                timeout=aiohttp.ClientTimeout(total=None),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                request_class=_StampedRequest,
            )
            if hasattr(session, "_retry_connection"):
                # aiohttp (>= 3.10) silently re-sends a GET once when its pooled connection
                # fails: a send the rate limiter never admitted, and a second effect for a
                # GET that is not safe to repeat (resend_email). Retries are ours alone.
                session._retry_connection = False
            self._session = session
            self._session_loop = loop
            self._session_pid = os.getpid()
            # Closes the session while its loop still runs, when the loop shuts down its
            # async generators (asyncio.run() and the sync facade's thread both do), so a
            # client used across several asyncio.run() calls leaves nothing unclosed.
            self._session_guard = _close_with_loop(session, loop)
            await self._session_guard.__anext__()
        return session

    def _drop_orphan(self, session: aiohttp.ClientSession) -> None:
        """Forget a session whose loop ended without closing it (no await is possible now)."""
        guard, self._session_guard = self._session_guard, None
        if guard is not None:
            # Finish the guard here: left to the garbage collector it would try to reach
            # its closed loop.
            closing = guard.aclose()
            try:
                closing.send(None)
            except StopIteration:
                pass
            else:  # pragma: no cover - the guard never waits once its loop is closed
                closing.close()
        if not session.closed:
            connector = session.connector
            session.detach()  # marks it closed: no "Unclosed client session" later
            if connector is not None and not connector.closed:
                # The loop is closed, so this only forgets the pooled connections.
                connector._close()

    async def aclose(self) -> None:
        """Close the session we own (idempotent)."""
        self._closed = True
        session, self._session = self._session, None
        guard, self._session_guard = self._session_guard, None
        if (
            self._owned
            and session is not None
            and not session.closed
            and self._session_pid == os.getpid()
        ):
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:  # pragma: no cover - always called from a coroutine
                running = None
            if self._session_loop is running:
                await session.close()
                if guard is not None:
                    await guard.aclose()
            else:
                self._session_guard = guard
                self._drop_orphan(session)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- the request loop -----------------------------------------------------------------

    def url(self, path: str) -> str:
        if not isinstance(path, str) or path.startswith(("http://", "https://")):
            raise ValidationError(
                "Invalid path",
                [("path", f"{shown(path)}: pass a path such as '/v2/dte/organization'")],
            )
        if not path.startswith("/"):
            path = "/" + path
        if not path.startswith("/v2/"):
            path = "/v2/dte" + path
        return self.base_url + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
        idempotency_key: str | None = None,
        deadline: float | None = None,
        operation: str | None = None,
    ) -> Response:
        """Send one API call with limits and retries; return the decoded 2xx answer.

        ``safe`` says whether repeating the request cannot cause a second effect (default:
        GET/HEAD are safe, and any request carrying ``idempotency_key``). ``deadline`` is
        the event loop's time by which the call must end (default: now + ``timeout``);
        a caller making several requests for one call passes the same deadline to each.
        ``operation`` names the call in events when no SDK method runs it (``"request"``).
        """
        if not isinstance(method, str) or not method.strip():
            raise ValidationError("Invalid method", [("method", f"{shown(method)}: no method")])
        method = method.upper()
        url = self.url(path)
        if headers is not None:
            _check_mapping("headers", headers, (str,))
        if params is not None:
            _check_mapping("params", params, (str, int, float))
        send_headers: dict[str, str] = {"apikey": self._api_key}
        if headers:
            send_headers.update(headers)
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        if len(send_headers) > 1:  # the key alone was checked when the client was built
            _check_headers(send_headers)
        body: bytes | None = None
        if json is not None:
            try:
                body = encode_json(json)
            except (TypeError, ValueError) as exc:  # not JSON: NaN, sets, objects, cycles
                raise ValidationError(
                    "The body cannot be sent as JSON; nothing was sent", [("json", str(exc))]
                ) from None
            send_headers["Content-Type"] = "application/json; charset=utf-8"
        if safe is None:
            safe = method in ("GET", "HEAD") or idempotency_key is not None
        log_path = url[len(self.base_url) :]
        if deadline is None:
            deadline = asyncio.get_running_loop().time() + self.timeout
        watch = None
        if self.observer is not None or logger.isEnabledFor(logging.INFO):
            watch = self._watch(method, log_path, json, idempotency_key, operation)
        state = _Attempts()
        args = (state, method, url, log_path, body, params, send_headers, safe, idempotency_key)
        if watch is None:
            return await self._until_deadline(*args, deadline, None)
        try:
            response = await self._until_deadline(*args, deadline, watch)
        except BaseException as exc:
            watch.finish(exc)
            raise
        watch.finish(None)
        return response

    def _watch(
        self, method: str, log_path: str, body: Any, key: str | None, operation: str | None
    ) -> RequestWatch | None:
        """The events of this request, or ``None`` when nobody listens."""
        from ._observe import RequestWatch, observing

        observer = observing(self.observer)
        if observer is None:
            return None
        limited = self.limiter is not None
        return RequestWatch(observer, self._clock, method, log_path, body, key, limited, operation)

    async def _until_deadline(
        self,
        state: _Attempts,
        method: str,
        url: str,
        log_path: str,
        body: bytes | None,
        params: Mapping[str, str] | None,
        send_headers: Mapping[str, str],
        safe: bool,
        idempotency_key: str | None,
        deadline: float,
        watch: RequestWatch | None,
    ) -> Response:
        """:meth:`_attempts` within ``deadline``; what ran out or was cancelled, explained."""
        try:
            return await _run_until(
                deadline,
                self._attempts(
                    state,
                    method,
                    url,
                    log_path,
                    body,
                    params,
                    send_headers,
                    safe,
                    idempotency_key,
                    deadline,
                    watch,
                ),
            )
        except _DeadlineError:
            error = self._deadline_error(state, method, log_path)
            if idempotency_key is not None and state.maybe_sent:
                raise OutcomeUnknownError(
                    f"The call's timeout ({self.timeout:g}s) ran out during the emission; "
                    "it may or may not have been emitted.",
                    idempotency_key=idempotency_key,
                ) from error
            raise error from state.last_error
        except asyncio.CancelledError as exc:
            if idempotency_key is not None and state.maybe_sent:
                # Stay a plain CancelledError (asyncio turns exactly that class into the
                # caller's TimeoutError), raised from the error that carries the key.
                raise exc from OutcomeUnknownError(
                    "The emission was cancelled while in flight; it may or may not "
                    "have been emitted.",
                    idempotency_key=idempotency_key,
                )
            raise

    def _deadline_error(self, state: _Attempts, method: str, log_path: str) -> APITimeoutError:
        """The error for a call whose deadline passed (what it was doing at that moment)."""
        tries = f"{state.attempt + 1} attempt(s)"
        if state.in_flight:
            doing = f"no answer to attempt {state.attempt + 1}"
        elif state.last_error is not None:
            doing = f"waiting to retry after: {_first_line(state.last_error)}"
        else:
            doing = "waiting for the rate limiter; nothing was sent"
        logger.debug("%s %s gave up at the call's deadline (%s)", method, log_path, doing)
        return APITimeoutError(
            f"The call's timeout of {self.timeout:g}s ran out ({doing}; {tries}). "
            "Raise `timeout=` for slow calls such as large PDFs."
        )

    def _fits(self, deadline: float, wait: float) -> bool:
        """Whether waiting ``wait`` seconds still leaves the deadline ahead of us."""
        return asyncio.get_running_loop().time() + wait < deadline

    async def _attempts(
        self,
        state: _Attempts,
        method: str,
        url: str,
        log_path: str,
        body: bytes | None,
        params: Mapping[str, str] | None,
        send_headers: Mapping[str, str],
        safe: bool,
        idempotency_key: str | None,
        deadline: float,
        watch: RequestWatch | None = None,
    ) -> Response:
        while True:
            if watch is not None:
                watch.admitting()
            try:
                if self.limiter is None and KEY_PAUSES.until(self._scope) <= max(
                    state.paused_through, self._clock()
                ):
                    reservation = None  # no limiter and no 429 pause: nothing to wait for
                else:
                    reservation = await self._admit(state, method, log_path, deadline)
            except RateLimitError as paused:
                if idempotency_key is not None and state.sent_before:
                    raise OutcomeUnknownError(
                        "An earlier attempt of the emission may have reached the API and the "
                        "key is now paused by a 429.",
                        idempotency_key=idempotency_key,
                    ) from paused
                raise
            if watch is not None:
                watch.sending(state.attempt + 1)
            stamp = _SendStamp(self, state, reservation)
            state.maybe_sent = True
            state.in_flight = True
            try:
                try:
                    if self.attempt_timeout is None:  # the call's deadline bounds it
                        status, resp_headers, raw = await self._send(
                            method, url, body, params, send_headers, stamp
                        )
                    else:
                        status, resp_headers, raw = await self._send_within(
                            deadline, method, url, body, params, send_headers, stamp
                        )
                except BaseException as exc:
                    stamp.settle(exc)
                    raise
                stamp.settle(None)
            except _Requeue:
                # Not sent: the key got paused, or the reservation expired, meanwhile.
                state.in_flight = False
                state.maybe_sent = state.sent_before
                state.requeues += 1
                if state.requeues > _MAX_REQUEUES:
                    raise _not_sent_error(
                        "The request could not be sent within its rate-limit reservation."
                    ) from None
                continue
            except APIConnectionError as exc:
                state.in_flight = False
                state.last_error = exc
                sent = not _not_sent(exc)
                state.maybe_sent = state.sent_before or sent
                state.sent_before = state.maybe_sent
                if watch is not None:
                    watch.failed(state.attempt + 1, exc, sent)
                if (safe or not sent) and state.attempt < self.retry.max_retries:
                    delay = self.retry.backoff(state.attempt)
                    if self._fits(deadline, delay):
                        if watch is not None:
                            reason = (
                                "timeout"
                                if isinstance(exc, APITimeoutError)
                                else "connection_error"
                            )
                            watch.retrying(state.attempt + 1, reason, delay)
                        await self._sleep(delay)
                        state.attempt += 1
                        continue
                if idempotency_key is not None and state.maybe_sent:
                    raise OutcomeUnknownError(
                        f"The connection failed during the emission ({exc}).",
                        idempotency_key=idempotency_key,
                    ) from exc
                raise
            state.in_flight = False

            if 200 <= status < 300:
                try:
                    data = self._decode(raw)
                except _NotJSONError as exc:
                    if watch is not None:
                        watch.answered(state.attempt + 1, status, resp_headers)
                    raise ResponseDecodeError(
                        "The API answered with a body that is not JSON: "
                        + " ".join(exc.text.split())[:200],
                        status=status,
                        body=exc.text,
                        problems=[("$", describe_undecodable(exc.text))],
                        headers=resp_headers,
                    ) from None
                if watch is not None:
                    watch.answered(state.attempt + 1, status, resp_headers, data=data)
                return Response(
                    status=status,
                    headers=resp_headers,
                    data=data,
                    idempotency_key=idempotency_key,
                )

            try:
                error_body: Any = self._decode(raw)
            except _NotJSONError as exc:
                error_body = exc.text
            header_hint = retry_after_from_headers(resp_headers)
            error = make_api_error(status, error_body, resp_headers, retry_after=header_hint)
            state.last_error = error
            if watch is not None:
                watch.answered(state.attempt + 1, status, resp_headers, error=error)

            if isinstance(error, RateLimitError) and error.code != "OF-429":
                # A 429 was not processed: no document can have come from this attempt.
                state.maybe_sent = state.sent_before
                hint = given = error.retry_after
                if hint is None or hint != hint:  # no hint (or NaN): the default wait
                    hint = error.retry_after = DEFAULT_RATE_LIMIT_WAIT
                    given = None
                wait = min(max(hint, 0.0), _LONGEST_PAUSE)
                # The pause belongs to the key: every request of it, in this process and
                # (through the limiter, e.g. Redis) in others, waits it out.
                own_until = self._clock() + wait
                until = KEY_PAUSES.hold(self._scope, own_until)
                if self.limiter is not None:
                    await self.limiter.pause(self._scope, wait)
                if watch is not None:
                    source = (
                        "default"
                        if given is None
                        else "header"
                        if header_hint is not None and given == header_hint
                        else "body"
                    )
                    watch.paused(state.attempt + 1, given, source, wait)
                retry = (
                    state.attempt < self.retry.max_retries
                    and wait <= self.max_rate_limit_wait
                    and self._fits(deadline, wait)  # a pause past the deadline: fail now
                )
                if retry:
                    if watch is not None:
                        watch.retrying(state.attempt + 1, "rate_limited", wait)
                    self._log_pause(method, log_path, wait, until)
                    # This request waits its own hint; a longer pause of the key that it has
                    # not waited yet (another request's 429) is waited at the next admission.
                    await self._sleep(wait)
                    state.paused_through = max(state.paused_through, own_until)
                    state.attempt += 1
                    continue
                logger.debug(
                    "%s %s rate limited for %.3fs (max_rate_limit_wait %gs, attempt %d): "
                    "not retried",
                    method,
                    log_path,
                    hint,
                    self.max_rate_limit_wait,
                    state.attempt + 1,
                )
                if idempotency_key is not None and state.sent_before:
                    raise OutcomeUnknownError(
                        "An earlier attempt of the emission may have reached the API and the "
                        f"retries then ran into HTTP {status}.",
                        idempotency_key=idempotency_key,
                    ) from error
                raise error

            if isinstance(error, DuplicateDocumentError) and idempotency_key is not None:
                if error.token:
                    logger.debug(
                        "%s %s replayed: the Idempotency-Key already emitted", method, log_path
                    )
                    return Response(
                        status=status,
                        headers=resp_headers,
                        data={"TOKEN": error.token},
                        replayed=True,
                        idempotency_key=idempotency_key,
                    )
                # The document exists, but the answer does not say which one.
                raise OutcomeUnknownError(
                    "The API says this key already emitted a document (OF-06) but did not "
                    "give its token.",
                    idempotency_key=idempotency_key,
                ) from error

            if status >= 500 or error.code in _UNSETTLED_CODES:
                state.sent_before = True  # no verdict on this attempt's document either way
            else:
                state.maybe_sent = state.sent_before
            transient = status in RETRYABLE_STATUSES or error.code in _TRANSIENT_CODES
            if error.code == "OF-12" and not state.xml_retried:
                transient = state.xml_retried = True
            if transient and safe and state.attempt < self.retry.max_retries:
                delay = self.retry.backoff(state.attempt, header_hint)
                if self._fits(deadline, delay):
                    if watch is not None:
                        watch.retrying(state.attempt + 1, "server_error", delay)
                    await self._sleep(delay)
                    state.attempt += 1
                    continue

            error = self._explain(error, resp_headers, retries=state.attempt, safe=safe)
            if idempotency_key is not None and (
                status >= 500
                or error.code in _UNSETTLED_CODES
                or (state.sent_before and not _processed_by_the_api(error))
            ):
                # Only an answer of the API itself (an OF-xx code: it checked the key first
                # and found no earlier document) rules out an earlier attempt's document;
                # OF-12/13/21 (XML generation, database) say nothing about this one's.
                raise OutcomeUnknownError(
                    f"The emission got HTTP {status}"
                    + (f" {error.code}" if error.code else "")
                    + (" and retries ran out" if state.attempt else "")
                    + "; it may or may not have been emitted.",
                    idempotency_key=idempotency_key,
                ) from error
            raise error

    async def _send_within(
        self,
        deadline: float,
        method: str,
        url: str,
        body: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        stamp: _SendStamp | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One attempt, bounded by ``attempt_timeout`` when that ends before the deadline."""
        if self.attempt_timeout is not None:
            ends = asyncio.get_running_loop().time() + self.attempt_timeout
            if ends < deadline:
                try:
                    return await _run_until(
                        ends, self._send(method, url, body, params, headers, stamp)
                    )
                except _DeadlineError:
                    raise APITimeoutError(
                        f"No answer from the API within attempt_timeout={self.attempt_timeout:g}s."
                    ) from None
        return await self._send(method, url, body, params, headers, stamp)

    def _explain(
        self, error: APIError, headers: Mapping[str, str], *, retries: int, safe: bool
    ) -> APIError:
        """The advice of ``error`` for what this transport really did (retried, paused...)."""
        status = error.status
        if 300 <= status < 400:
            location = next((v for k, v in headers.items() if k.lower() == "location"), None)
            where = f"to {location}" if location else "without a Location"
            redirect = APIError(
                f"The API answered HTTP {status}, a redirect {where}; redirects are not "
                "followed (they would resend the API key elsewhere).",
                status=status,
                body=error.body,
                headers=error.headers,
                hint=f"Check base_url ({self.base_url}): "
                + (
                    "it uses http:// where the API wants https://."
                    if self.base_url.startswith("http://")
                    and (location or "").startswith("https://")
                    else "a wrong host, path or scheme (http:// instead of https://)?"
                ),
            )
            redirect.__cause__ = error
            return redirect
        if isinstance(error, RateLimitError) and error.code == "OF-429":
            return _rehint(
                error,
                "The registry is syncing with the SII: try again after retry_after seconds "
                "(ends_at says when the lock ends). The client does not wait for this lock "
                "nor retry it.",
            )
        if isinstance(error, ServerError):
            if retries:
                advice = f"this request was retried {retries} time(s)."
            elif status in RETRYABLE_STATUSES and not safe:
                advice = "not retried: repeating this request could act twice."
            elif status in RETRYABLE_STATUSES:
                advice = "not retried (max_retries=0, or no time left before the timeout)."
            else:
                advice = f"not retried: HTTP {status} is not a transient failure."
            return _rehint(error, f"A problem on Openfactura's side or a proxy's; {advice}")
        return error

    async def _admit(
        self, state: _Attempts, method: str, log_path: str, deadline: float
    ) -> Reservation | None:
        """Wait out the key's 429 pause, then the limiter; return the request's reservation.

        Raises :class:`RateLimitError` at once if the key is paused for longer than
        ``max_rate_limit_wait``.
        """
        while True:
            await self._wait_key_pause(state, method, log_path, deadline)
            if self.limiter is None:
                return None
            cap = _pause_cap.set(self.max_rate_limit_wait)
            try:
                reservation = as_reservation(await self.limiter.acquire(self._scope))
            except KeyPausedTooLong as exc:  # the limiter saw another process's 429
                raise self._paused_error(exc.remaining) from None
            finally:
                _pause_cap.reset(cap)
            if KEY_PAUSES.until(self._scope) <= max(state.paused_through, self._clock()):
                return reservation
            reservation.release()  # a 429 paused the key while we waited: wait that first

    async def _wait_key_pause(
        self, state: _Attempts, method: str, log_path: str, deadline: float
    ) -> None:
        # Each deadline is slept once (a sleep that returns early, as in tests, still ends
        # the wait); a deadline extended meanwhile by another 429 is slept again.
        while (until := KEY_PAUSES.until(self._scope)) > state.paused_through:
            remaining = until - self._clock()
            if remaining <= 0:
                return
            if remaining > self.max_rate_limit_wait:
                raise self._paused_error(remaining)
            self._log_pause(method, log_path, remaining, until)
            note_hold("pause", remaining)
            await self._sleep(remaining)
            state.paused_through = until

    def _log_pause(self, method: str, log_path: str, wait: float, until: float) -> None:
        if wait > PAUSE_WARNING_SECONDS and KEY_PAUSES.claim_warning(self._scope, until):
            logger.warning(
                "HTTP 429 from the API: every request of this API key waits %.1fs "
                "(the server's hint), starting with %s %s",
                wait,
                method,
                log_path,
            )
        else:
            logger.debug("%s %s waits %.3fs for the key's 429 pause", method, log_path, wait)

    def _paused_error(self, remaining: float) -> RateLimitError:
        return RateLimitError(
            f"This API key is paused by an earlier 429 for {remaining:.1f}s more, longer than "
            f"max_rate_limit_wait={self.max_rate_limit_wait:g}s or than the call's timeout "
            "leaves; the request was not sent.",
            retry_after=remaining,
            status=429,
        )

    async def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        stamp: _SendStamp | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP exchange; aiohttp errors become ours here and nowhere else."""
        session = await self._get_session()
        token = _current_stamp.set(stamp)  # read by _StampedRequest.send, in this task
        try:
            async with session.request(
                method,
                url,
                data=body,
                params=params,
                headers=headers,
                allow_redirects=False,
            ) as resp:
                raw = self._echo.sub(b"****", await resp.read())
                return resp.status, self._safe_headers(resp.headers), raw
        except asyncio.TimeoutError as exc:
            raise APITimeoutError(
                f"No answer from the API within {self.timeout:g}s "
                "(raise `timeout=` if this is a large PDF)."
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            # Chained from the connector error: _not_sent() recognises it by that cause.
            raise APIConnectionError(f"Could not connect to {_host(url)}: {exc.os_error}") from exc
        except aiohttp.ClientPayloadError as exc:
            raise APIConnectionError(f"The answer from {_host(url)} was cut short.") from exc
        except aiohttp.ServerDisconnectedError as exc:
            raise APIConnectionError(
                f"{_host(url)} closed the connection before answering."
            ) from exc
        except aiohttp.ClientError as exc:
            raise APIConnectionError(f"Connection error talking to {_host(url)}: {exc}") from exc
        finally:
            _current_stamp.reset(token)

    def _decode(self, raw: bytes) -> Any:
        """:func:`decode_json`, masking the key again where a JSON escape (``\\u0041``)
        hid it from the byte-level pass of :meth:`_send`."""
        data = decode_json(raw)
        return redact_data(data, self._api_key) if b"\\" in raw else data

    def _safe_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Response headers without cookies or the key (echoes of the key are masked)."""
        if (
            not isinstance(headers, (CIMultiDict, CIMultiDictProxy))  # case-insensitive `in`
            or "set-cookie" in headers
            or "apikey" in headers
        ):
            kept = {k: v for k, v in headers.items() if k.lower() not in ("apikey", "set-cookie")}
        else:
            kept = dict(headers)
        every = "\n".join(kept.values()).encode("utf-8", "surrogateescape")
        if self._echo.search(every) is None:  # the usual case: one search, no copies
            return kept
        return {
            k: self._echo.sub(b"****", v.encode("utf-8", "surrogateescape")).decode(
                "utf-8", "surrogateescape"
            )
            for k, v in kept.items()
        }

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"


class _Attempts:
    """Bookkeeping of one request's attempts (for retries and the emission outcome)."""

    __slots__ = (
        "attempt",
        "in_flight",
        "last_error",
        "maybe_sent",
        "paused_through",
        "requeues",
        "sent_before",
        "xml_retried",
    )

    def __init__(self) -> None:
        self.attempt = 0
        self.maybe_sent = False  # may the current or any earlier attempt have reached the API?
        self.sent_before = False  # did an earlier, finished attempt possibly reach the API?
        self.in_flight = False  # is an attempt waiting for its answer right now?
        self.last_error: Exception | None = None  # what the last finished attempt ran into
        self.paused_through = 0.0  # the latest 429 pause deadline this request waited out
        self.requeues = 0  # times the request went back to the limiter without being sent
        self.xml_retried = False  # has an OF-12 (XML generation) been retried already?


# -- send-time stamping -------------------------------------------------------------------

_MAX_REQUEUES = 8


class _Requeue(Exception):  # noqa: N818 - internal control flow, never leaves the transport
    """Raised just before the headers leave: this request must not leave now; admit it
    again."""


class _SendStamp:
    """Settles one attempt's reservation: stamped when its headers leave, else released.

    :meth:`leaving` runs in :meth:`_StampedRequest.send`, once the connection is ready and
    just before the headers are written, on the sessions the transport makes. A session
    passed in by the caller has no such request class: its request is stamped when the
    answer comes back, later than it left (safe: until then it counts as "now").
    """

    __slots__ = ("_fired", "_reservation", "_state", "_transport")

    def __init__(
        self, transport: Transport, state: _Attempts, reservation: Reservation | None
    ) -> None:
        self._transport = transport
        self._state = state
        self._reservation = reservation
        self._fired = False

    def leaving(self) -> None:
        if self._fired:
            # a second send of the same attempt (aiohttp re-sending on a fresh connection, if
            # it ever does): another request for the gateway, so back through the limiter
            raise _Requeue
        self._fired = True
        transport = self._transport
        now = max(transport._clock(), self._state.paused_through)
        if KEY_PAUSES.until(transport._scope) > now:
            if self._reservation is not None:
                self._reservation.release()
            raise _Requeue  # a 429 paused the key since this request was admitted
        if self._reservation is not None and not self._reservation.sent():
            raise _Requeue  # held past its reservation timeout: the place is gone

    def settle(self, exc: BaseException | None) -> None:
        """After the exchange: settle a reservation the hook did not (``exc``: how it ended)."""
        if self._fired or self._reservation is None:
            return
        self._fired = True
        if exc is None or (not self._transport._owned and not _certainly_not_sent(exc)):
            self._reservation.sent()  # it left, or may have: count it from now
        else:
            self._reservation.release()  # our hook never ran: the headers never left


_current_stamp: contextvars.ContextVar[_SendStamp | None] = contextvars.ContextVar(
    "openfactura_send_stamp", default=None
)
"""The stamp of the attempt this task is sending (set by :meth:`Transport._send`)."""


class _StampedRequest(aiohttp.ClientRequest):
    """aiohttp's request, stamped in the rate limiter when its headers are about to leave.

    ``send`` runs once the connection is ready (a new connection's DNS, TCP and TLS
    handshakes are done) and writes the request line and headers first: the moment the
    windows must count from. Raising :class:`_Requeue` there sends nothing at all.
    """

    async def send(self, conn: Any) -> aiohttp.ClientResponse:
        stamp = _current_stamp.get()
        if stamp is not None:
            stamp.leaving()
        return await super().send(conn)


def _not_sent(error: APIConnectionError) -> bool:
    """The connection could not even be opened: the request certainly did not leave."""
    return isinstance(error.__cause__, aiohttp.ClientConnectorError) or getattr(
        error, "_openfactura_not_sent", False
    )


def _not_sent_error(message: str) -> APIConnectionError:
    """An :class:`APIConnectionError` for a request that certainly never left."""
    error = APIConnectionError(message)
    error._openfactura_not_sent = True  # type: ignore[attr-defined]
    return error


def _certainly_not_sent(exc: BaseException) -> bool:
    return isinstance(exc, APIConnectionError) and _not_sent(exc)


def _check_mapping(name: str, value: Any, kinds: tuple[type, ...]) -> None:
    """``headers``/``params``: a mapping of text to text (params: or numbers), or ``None``."""
    if value is None:
        return
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, kinds) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        kinds_text = " or ".join(kind.__name__ for kind in kinds)
        raise ValidationError(
            f"Invalid {name}; nothing was sent",
            [(name, f"{shown(value)} is not a mapping of str to {kinds_text}")],
        )


def _check_headers(headers: Mapping[str, str]) -> None:
    problems = [
        (name if name != "Idempotency-Key" else "idempotency_key", issue)
        for name, value in headers.items()
        if name != "apikey"  # checked when the client was built
        for issue in [check_header_value(str(value))]
        if issue is not None
    ]
    if problems:
        raise ValidationError("Invalid header value; nothing was sent", problems)


def _rehint(error: APIError, hint: str) -> APIError:
    error.hint = hint
    error.args = (error._render(),)
    return error


def _first_line(error: BaseException) -> str:
    return str(error).split("\n", 1)[0]


def _host(url: str) -> str:
    return url.split("/")[2] if "://" in url else url
