"""The two clients: :class:`AsyncOpenfactura` and its blocking twin :class:`Openfactura`.

Usage::

    async with openfactura.AsyncOpenfactura() as client:      # key from OPENFACTURA_API_KEY
        org = await client.organization.get()

    with openfactura.Openfactura(environment="development") as client:
        org = client.organization.get()

Both take the same arguments and expose the same namespaces and methods; the blocking
one runs the async client's coroutines on a private event-loop thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import aiohttp
import attrs

from ._exceptions import ConfigurationError
from ._ratelimit import (
    DEFAULT_RATE_LIMITS,
    KEY_PAUSES,
    Limiter,
    RateLimit,
    limiter_scope,
    shared_memory_limiter,
)
from ._retry import RetryPolicy
from ._transport import (
    DEFAULT_MAX_RATE_LIMIT_WAIT,
    Response,
    SecretStr,
    Transport,
    check_header_value,
    is_loopback_url,
)

if TYPE_CHECKING:  # imported on first use of a namespace: `import openfactura` stays light
    from ._budget import RateBudget
    from ._events import Event
    from ._sync import LoopThread
    from .resources.documents import Documents, SyncDocuments
    from .resources.organization import Organization, SyncOrganization
    from .resources.registry import Registry, SyncRegistry
    from .resources.self_service import SelfServiceLinks, SyncSelfServiceLinks
    from .resources.taxpayers import SyncTaxpayers, Taxpayers

__all__ = ["DEMO_API_KEYS", "ENVIRONMENTS", "AsyncOpenfactura", "Environment", "Openfactura"]

Environment = Literal["production", "development"]

ENVIRONMENTS: Mapping[str, str] = {
    "production": "https://api.haulmer.com",
    "development": "https://dev-api.haulmer.com",
}

DEMO_API_KEYS = frozenset({"928e15a2d14d4a6292345f04960f4bd3", "41eb78998d444dbaa4922c410ef14057"})
"""Haulmer's public demo keys: they only work on development and are never sent to production."""


def _hooks(on_event: Any) -> tuple[Callable[[Event], object], ...]:
    """``on_event=`` as a tuple of callables (one callable, or several)."""
    if on_event is None:
        return ()
    hooks = (on_event,) if callable(on_event) else tuple(on_event)
    for hook in hooks:
        if not callable(hook):
            raise ConfigurationError(
                f"on_event takes a callable (or several) of one event, got {type(hook).__name__}"
            )
    return hooks


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _mask(api_key: str) -> str:
    return "****" + api_key[-4:] if len(api_key) > 8 else "****"


def _resolve(
    api_key: str | None,
    environment: str | None,
    base_url: str | None,
    allow_insecure_http: bool = False,
) -> tuple[str, str, str]:
    """(api_key, environment, base_url) from arguments and the environment variables.

    Arguments beat ``OPENFACTURA_*`` variables; at each level a base URL beats an
    environment name (``OPENFACTURA_BASE_URL`` over ``OPENFACTURA_ENV``). A demo key is
    never sent to production, nor another key to the development host (which only knows
    the demo keys); a custom URL (a local sandbox, a proxy) takes any key.
    """
    raw = api_key if api_key is not None else os.environ.get("OPENFACTURA_API_KEY")
    del api_key  # from here on only the masked SecretStr exists in this frame
    key = SecretStr((raw or "").strip())
    del raw
    if not key:
        raise ConfigurationError(
            "No Openfactura API key: pass api_key=... or set OPENFACTURA_API_KEY. "
            "(For a local sandbox without a key, see `openfactura demo` and "
            "openfactura.testing.FakeOpenfactura.)"
        )
    problem = check_header_value(key)
    if problem is not None:  # the key goes into a header: refuse it now, without quoting it
        raise ConfigurationError(
            f"The API key {problem}: check how it was read (a trailing newline in a file "
            "or an environment variable?)."
        )
    if base_url is None and environment is None:
        base_url = os.environ.get("OPENFACTURA_BASE_URL") or None
    env = environment or os.environ.get("OPENFACTURA_ENV") or "production"
    env = env.strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"Unknown environment {env!r}: use 'production' or 'development'.")
    url = base_url or ENVIRONMENTS[env]
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base_url must start with http:// or https://, got {url!r}")
    url = url.rstrip("/")
    if url.startswith("http://") and not allow_insecure_http and not is_loopback_url(url):
        raise ConfigurationError(
            f"base_url {url!r} is plain http:// to another machine: the API key and your "
            "documents would travel unencrypted. Use https://; http:// is allowed for "
            "loopback (127.0.0.1, localhost, a local sandbox), or pass "
            "allow_insecure_http=True for a network you trust."
        )
    host = (urlsplit(url).hostname or "").lower()
    if key in DEMO_API_KEYS and host == urlsplit(ENVIRONMENTS["production"]).hostname:
        raise ConfigurationError(
            "That is one of Haulmer's public demo keys, which only work on development: "
            "pass environment='development' (or set OPENFACTURA_ENV=development)."
        )
    if key not in DEMO_API_KEYS and host == urlsplit(ENVIRONMENTS["development"]).hostname:
        raise ConfigurationError(
            f"{ENVIRONMENTS['development']} only accepts Haulmer's public demo keys "
            f"({', '.join(sorted(DEMO_API_KEYS))}), and this key is not one of them: use "
            "environment='production' for your own key, or a demo key on development."
        )
    return key, env, url


class AsyncOpenfactura:
    """The asyncio client. One ``aiohttp.ClientSession`` per client, created lazily.

    :param api_key: falls back to ``OPENFACTURA_API_KEY``. Required.
    :param environment: ``"production"`` (default) or ``"development"``; falls back to
        ``OPENFACTURA_ENV``.
    :param base_url: overrides both (the local sandbox and tests use it). ``http://`` only
        for loopback hosts, unless ``allow_insecure_http=True``.
    :param timeout: seconds for a whole call (default 30, like the official plugins):
        rate-limiter waits, every attempt, backoff and 429 pauses included. An emission
        that asks for parts to fetch after a replay spends the same budget.
    :param attempt_timeout: seconds for one attempt (default ``None``: whatever is left of
        ``timeout``). Set it below ``timeout`` to leave room for retries after a hang.
    :param max_retries: retries after the first attempt (429, and for safe requests
        connection errors, timeouts and 502/503/504), within ``timeout``.
    :param rate_limits: client-side limits, default 3/s and 100/min; ``None`` disables.
        Every client of this process with the same key and host shares one budget.
    :param limiter: a :class:`~openfactura.Limiter` to use instead (e.g. a
        ``RedisLimiter`` shared by many processes); overrides ``rate_limits``.
    :param max_rate_limit_wait: the longest 429 pause (the server's hint) a call waits
        out, default 60 s; a longer one raises :class:`~openfactura.RateLimitError` at once
        with the server's ``retry_after``.
    :param session: your own ``aiohttp.ClientSession`` (we never close it).
    :param allow_insecure_http: allow an ``http://`` ``base_url`` to a non-loopback host
        (the key would travel unencrypted). TLS certificates are always verified.
    :param on_event: a callable, or several, called with each event of every request
        (:class:`~openfactura.RequestStarted`, :class:`~openfactura.ResponseReceived`...),
        on the event loop, as it happens: keep it quick. One that raises is logged once and
        ignored. See :mod:`openfactura.otel` for traces and metrics.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        environment: Environment | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        attempt_timeout: float | None = None,
        max_retries: int = 3,
        rate_limits: Sequence[RateLimit] | None = DEFAULT_RATE_LIMITS,
        limiter: Limiter | None = None,
        session: aiohttp.ClientSession | None = None,
        allow_insecure_http: bool = False,
        max_rate_limit_wait: float = DEFAULT_MAX_RATE_LIMIT_WAIT,
        on_event: Callable[[Event], object] | Iterable[Callable[[Event], object]] | None = None,
    ) -> None:
        api_key = None if api_key is None else SecretStr(api_key)  # masked in tracebacks
        key, env, url = _resolve(api_key, environment, base_url, allow_insecure_http)
        hooks = _hooks(on_event)
        if not _positive_number(timeout):
            raise ConfigurationError(f"timeout must be a positive number, got {timeout!r}")
        if attempt_timeout is not None and not _positive_number(attempt_timeout):
            raise ConfigurationError(
                f"attempt_timeout must be a positive number or None, got {attempt_timeout!r}"
            )
        if not (isinstance(max_rate_limit_wait, (int, float)) and max_rate_limit_wait >= 0):
            raise ConfigurationError(
                f"max_rate_limit_wait must be >= 0 seconds, got {max_rate_limit_wait!r}"
            )
        if max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, got {max_retries!r}")
        self.environment: str = env
        self.base_url: str = url
        self._key_hint = _mask(key)
        if limiter is None and rate_limits is not None:
            limits = tuple(rate_limits)
            if not all(isinstance(limit, RateLimit) for limit in limits):
                raise ConfigurationError("rate_limits must be a sequence of RateLimit(...)")
            limiter = shared_memory_limiter(limits) if limits else None
        self.limiter: Limiter | None = limiter
        self._transport = Transport(
            base_url=url,
            api_key=key,
            timeout=float(timeout),
            attempt_timeout=None if attempt_timeout is None else float(attempt_timeout),
            retry=RetryPolicy(max_retries=max_retries),
            limiter=limiter,
            scope=limiter_scope(key, url),
            session=session,
            max_rate_limit_wait=float(max_rate_limit_wait),
        )
        if os.environ.get("OPENFACTURA_LOG") or hooks:
            from ._observe import Observer, log_from_env

            log_from_env()
            if hooks:
                self._transport.observer = Observer(hooks)

    # -- namespaces ---------------------------------------------------------------------------

    @cached_property
    def documents(self) -> Documents:
        """Emit, read, list, wait for DTEs: :class:`~openfactura.resources.documents.Documents`."""
        from .resources.documents import Documents

        return Documents(self)

    @cached_property
    def registry(self) -> Registry:
        """Sales/purchase registry: :class:`~openfactura.resources.registry.Registry`."""
        from .resources.registry import Registry

        return Registry(self)

    @cached_property
    def self_service(self) -> SelfServiceLinks:
        """Self-service links: :class:`~openfactura.resources.self_service.SelfServiceLinks`."""
        from .resources.self_service import SelfServiceLinks

        return SelfServiceLinks(self)

    @cached_property
    def organization(self) -> Organization:
        """The key's company: :class:`~openfactura.resources.organization.Organization`."""
        from .resources.organization import Organization

        return Organization(self)

    @cached_property
    def taxpayers(self) -> Taxpayers:
        """SII taxpayer records: :class:`~openfactura.resources.taxpayers.Taxpayers`."""
        from .resources.taxpayers import Taxpayers

        return Taxpayers(self)

    # -- raw access -------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Call an endpoint the SDK does not cover yet; return the decoded JSON (or ``None``).

        ``path`` is relative to the host (``"/v2/dte/organization"``); a path without the
        ``/v2/`` prefix gets ``/v2/dte`` in front (``"/organization"``). Limits, retries
        and error mapping are the same as for every other call.

        >>> await client.request("GET", "/v2/dte/organization/document")  # doctest: +SKIP
        """
        response = await self._request(
            method, path, json=json, params=params, headers=headers, operation="request"
        )
        return response.data

    async def _request(
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
        return await self._transport.request(
            method,
            path,
            json=json,
            params=params,
            headers=headers,
            safe=safe,
            idempotency_key=idempotency_key,
            deadline=deadline,
            operation=operation,
        )

    # -- rate budget ------------------------------------------------------------------------

    async def rate_budget(self) -> RateBudget:
        """This key's rate budget now: per window, the requests in it, its capacity and the
        seconds until the next slot; and the key's 429 pause left.

        A :class:`~openfactura.MemoryLimiter` (the default) answers for this process; a
        :class:`~openfactura.RedisLimiter` for every process sharing it (one round trip to
        Redis). Without a limiter, or with one that has no ``budget()``, there are no
        windows, only the pause.

        >>> budget = await client.rate_budget()  # doctest: +SKIP
        >>> [(w.label, w.in_window, w.capacity) for w in budget.windows]  # doctest: +SKIP
        [('3/1s', 1, 3), ('100/60s', 41, 100)]
        """
        from ._budget import RateBudget

        transport = self._transport
        budget_of = getattr(self.limiter, "budget", None)
        if budget_of is not None:
            budget: RateBudget = await budget_of(transport._scope)
        else:
            budget = RateBudget(windows=(), paused_for=0.0, shared=False)
        paused = KEY_PAUSES.until(transport._scope) - transport._clock()
        if paused > budget.paused_for:
            budget = attrs.evolve(budget, paused_for=paused)
        return budget

    # -- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the HTTP session (if we created it). Idempotent."""
        await self._transport.aclose()

    @property
    def closed(self) -> bool:
        """``True`` once :meth:`aclose` has run (the client cannot send any more)."""
        return self._transport.closed

    async def __aenter__(self) -> AsyncOpenfactura:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        base_url = getattr(self, "base_url", None)
        hint = getattr(self, "_key_hint", "****")
        return f"{type(self).__name__}(base_url={base_url!r}, api_key={hint!r})"


class Openfactura:
    """The blocking client: same arguments, namespaces and methods as :class:`AsyncOpenfactura`.

    Safe to share between threads, and usable from inside a running event loop. Close it
    (or use ``with``) to stop its loop thread and session.

    >>> with Openfactura(environment="development") as client:  # doctest: +SKIP
    ...     client.organization.get()
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        environment: Environment | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        attempt_timeout: float | None = None,
        max_retries: int = 3,
        rate_limits: Sequence[RateLimit] | None = DEFAULT_RATE_LIMITS,
        limiter: Limiter | None = None,
        session: aiohttp.ClientSession | None = None,
        allow_insecure_http: bool = False,
        max_rate_limit_wait: float = DEFAULT_MAX_RATE_LIMIT_WAIT,
        on_event: Callable[[Event], object] | Iterable[Callable[[Event], object]] | None = None,
    ) -> None:
        if session is not None:
            # A session belongs to the event loop it was made on; this client's coroutines
            # run on its own private loop, where that session cannot be used.
            raise ConfigurationError(
                "session= is for AsyncOpenfactura: the blocking client runs its own event "
                "loop and makes its own session there."
            )
        api_key = None if api_key is None else SecretStr(api_key)  # masked in tracebacks
        self._async = AsyncOpenfactura(
            api_key,
            environment=environment,
            base_url=base_url,
            timeout=timeout,
            attempt_timeout=attempt_timeout,
            max_retries=max_retries,
            rate_limits=rate_limits,
            limiter=limiter,
            session=session,
            allow_insecure_http=allow_insecure_http,
            max_rate_limit_wait=max_rate_limit_wait,
            on_event=on_event,
        )
        from ._sync import LoopThread  # only the blocking client needs its loop thread

        self._runner: LoopThread = LoopThread("openfactura-sync")

    @property
    def environment(self) -> str:
        """``"production"`` or ``"development"`` (a ``base_url`` given too sets the URL)."""
        return self._async.environment

    @property
    def base_url(self) -> str:
        """The URL every request goes to (e.g. ``https://api.haulmer.com``)."""
        return self._async.base_url

    @property
    def limiter(self) -> Limiter | None:
        """The rate limiter in use; ``None`` with ``rate_limits=None`` and no ``limiter=``."""
        return self._async.limiter

    @cached_property
    def documents(self) -> SyncDocuments:
        """Blocking :class:`~openfactura.resources.documents.Documents`."""
        from .resources.documents import SyncDocuments

        return SyncDocuments(self._async.documents, self._runner)

    @cached_property
    def registry(self) -> SyncRegistry:
        """Blocking :class:`~openfactura.resources.registry.Registry`."""
        from .resources.registry import SyncRegistry

        return SyncRegistry(self._async.registry, self._runner)

    @cached_property
    def self_service(self) -> SyncSelfServiceLinks:
        """Blocking :class:`~openfactura.resources.self_service.SelfServiceLinks`."""
        from .resources.self_service import SyncSelfServiceLinks

        return SyncSelfServiceLinks(self._async.self_service, self._runner)

    @cached_property
    def organization(self) -> SyncOrganization:
        """Blocking :class:`~openfactura.resources.organization.Organization`."""
        from .resources.organization import SyncOrganization

        return SyncOrganization(self._async.organization, self._runner)

    @cached_property
    def taxpayers(self) -> SyncTaxpayers:
        """Blocking :class:`~openfactura.resources.taxpayers.Taxpayers`."""
        from .resources.taxpayers import SyncTaxpayers

        return SyncTaxpayers(self._async.taxpayers, self._runner)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """See :meth:`AsyncOpenfactura.request`."""
        return self._runner.run(
            self._async.request(method, path, json=json, params=params, headers=headers)
        )

    def rate_budget(self) -> RateBudget:
        """See :meth:`AsyncOpenfactura.rate_budget`."""
        return self._runner.run(self._async.rate_budget())

    def close(self) -> None:
        """Close the session and stop the loop thread. Idempotent."""
        if self._runner.closed:
            return
        self._runner.close(self._async.aclose())

    @property
    def closed(self) -> bool:
        """``True`` once :meth:`close` has run (its loop thread is stopped)."""
        return self._runner.closed

    def __enter__(self) -> Openfactura:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        inner = getattr(self, "_async", None)
        base_url = getattr(inner, "base_url", None)
        hint = getattr(inner, "_key_hint", "****")
        return f"{type(self).__name__}(base_url={base_url!r}, api_key={hint!r})"
