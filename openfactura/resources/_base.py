"""Base classes of the resource namespaces (``client.documents``, ``client.organization``...).

An async resource holds its client and does the work. Its sync twin holds the async
resource and a :class:`~openfactura._sync.LoopThread` and only forwards: each sync method
is one line, ``return self._run(self._async.method(...))``, so there is never a second
implementation of anything.

Every public ``async def`` of an async resource runs as one observed call named after it
(``documents.emit``): the events of its requests name it, and ``openfactura.otel`` gives it
one span (:mod:`openfactura._observe`). Nothing is observed unless someone listens.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._observe import observed

if TYPE_CHECKING:
    from .._client import AsyncOpenfactura
    from .._sync import LoopThread

__all__ = ["AsyncResource", "SyncResource"]

T = TypeVar("T")
A = TypeVar("A", bound="AsyncResource")


class AsyncResource:
    """One API area, bound to an :class:`~openfactura.AsyncOpenfactura`."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncOpenfactura) -> None:
        self._client = client

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        area = cls.__module__.rsplit(".", 1)[-1]  # the namespace: documents, registry...
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(value):
                setattr(cls, name, observed(f"{area}.{name}", value))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class SyncResource(Generic[A]):
    """The blocking twin of an :class:`AsyncResource`."""

    __slots__ = ("_async", "_runner")

    def __init__(self, async_resource: A, runner: LoopThread) -> None:
        self._async = async_resource
        self._runner = runner

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coro)

    def _iterate(self, iterator: AsyncIterator[T]) -> Iterator[T]:
        return self._runner.iterate(iterator)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} (blocking)>"
