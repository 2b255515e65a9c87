"""openfactura: the async-first Python SDK for the Openfactura electronic invoicing API.

Usage::

    import openfactura

    async with openfactura.AsyncOpenfactura() as client:   # OPENFACTURA_API_KEY
        org = await client.organization.get()

    with openfactura.Openfactura() as client:              # blocking twin
        org = client.organization.get()
"""

from __future__ import annotations

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
from ._ratelimit import DEFAULT_RATE_LIMITS, Limiter, MemoryLimiter, RateLimit
from ._rut import Rut
from ._version import __version__
from .types import DocumentStatus, Filter, OpenfacturaWarning

if TYPE_CHECKING:
    from ._redis_limiter import RedisLimiter

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
    "Filter",
    "InvalidRequestError",
    "Limiter",
    "LimiterUnavailableError",
    "MemoryLimiter",
    "NotFoundError",
    "Openfactura",
    "OpenfacturaError",
    "OpenfacturaWarning",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RedisLimiter",
    "ResponseDecodeError",
    "Rut",
    "ServerError",
    "ValidationError",
    "WaitTimeoutError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # RedisLimiter needs the optional `redis` package: import it only when asked for.
    if name == "RedisLimiter":
        from ._redis_limiter import RedisLimiter

        return RedisLimiter
    raise AttributeError(f"module 'openfactura' has no attribute {name!r}")
