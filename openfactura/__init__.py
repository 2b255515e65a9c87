"""openfactura: the async-first Python SDK for the Openfactura electronic invoicing API.

Usage::

    import openfactura

    async with openfactura.AsyncOpenfactura() as client:   # OPENFACTURA_API_KEY
        org = await client.organization.get()

    with openfactura.Openfactura() as client:              # blocking twin
        org = client.organization.get()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._client import DEMO_API_KEYS, AsyncOpenfactura, Openfactura
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    DuplicateDocumentError,
    ErrorDetail,
    InvalidRequestError,
    LimiterUnavailableError,
    NotFoundError,
    OpenfacturaError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    ValidationError,
    WaitTimeoutError,
)
from ._ratelimit import DEFAULT_RATE_LIMITS, Limiter, MemoryLimiter, RateLimit, Reservation
from ._version import __version__

if TYPE_CHECKING:
    from . import dte, otel, resources, types  # noqa: F401  (submodules, loaded on first use)
    from ._budget import RateBudget, WindowBudget
    from ._events import (
        Event,
        LimiterWaited,
        OutcomeUnknown,
        RateLimitPaused,
        RequestFailed,
        RequestStarted,
        ResponseReceived,
        RetryScheduled,
    )
    from ._redis_limiter import RedisLimiter
    from ._rut import Rut
    from .types import DocumentStatus, Filter, OpenfacturaWarning

# Imported on first use, so that `import openfactura` costs little more than its
# dependencies (serverless cold starts, every CLI command): name -> module.
_LAZY = {
    "DocumentStatus": ".types",
    "Filter": ".types",
    "OpenfacturaWarning": ".types",
    "RedisLimiter": "._redis_limiter",  # needs the optional `redis` package
    "Rut": "._rut",
    "RateBudget": "._budget",
    "WindowBudget": "._budget",
    **{
        name: "._events"
        for name in (
            "Event",
            "LimiterWaited",
            "OutcomeUnknown",
            "RateLimitPaused",
            "RequestFailed",
            "RequestStarted",
            "ResponseReceived",
            "RetryScheduled",
        )
    },
}
_LAZY_MODULES = frozenset({"dte", "otel", "resources", "types"})

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "DEMO_API_KEYS",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncOpenfactura",
    "AuthenticationError",
    "ConfigurationError",
    "DocumentStatus",
    "DuplicateDocumentError",
    "ErrorDetail",
    "Event",
    "Filter",
    "InvalidRequestError",
    "Limiter",
    "LimiterUnavailableError",
    "LimiterWaited",
    "MemoryLimiter",
    "NotFoundError",
    "Openfactura",
    "OpenfacturaError",
    "OpenfacturaWarning",
    "OutcomeUnknown",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateBudget",
    "RateLimit",
    "RateLimitError",
    "RateLimitPaused",
    "RedisLimiter",
    "RequestFailed",
    "RequestStarted",
    "Reservation",
    "ResponseDecodeError",
    "ResponseReceived",
    "RetryScheduled",
    "Rut",
    "ServerError",
    "ValidationError",
    "WaitTimeoutError",
    "WindowBudget",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'openfactura' has no attribute {name!r}")
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_LAZY_MODULES})
