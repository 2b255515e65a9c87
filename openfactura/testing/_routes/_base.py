"""Base class of the sandbox's route groups, one per API area (like ``resources/_base.py``).

A route group holds its :class:`~openfactura.testing.FakeOpenfactura` (the state: companies,
documents, clocks, switches) and registers its handlers on the application::

    class OrganizationRoutes(Routes):
        def register(self, router: web.UrlDispatcher, prefix: str) -> None:
            router.add_get(f"{prefix}/organization", self.get)

Handlers find the company of the request's key in ``request[COMPANY]`` (set by the
gateway middleware) and raise :class:`~openfactura.testing._errors.RejectError` to refuse.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from aiohttp import web

from .._companies import Company
from .._gateway import COMPANY

if TYPE_CHECKING:
    from .._server import FakeOpenfactura
    from .._store import Store
    from .._variants import Shapes

__all__ = ["Routes", "company_of"]


def company_of(request: web.Request) -> Company:
    """The company authenticated by the request's ``apikey``."""
    company: Company = request[COMPANY]
    return company


class Routes:
    """One API area of the sandbox."""

    def __init__(self, fake: FakeOpenfactura) -> None:
        self.fake = fake

    @property
    def store(self) -> Store:
        return self.fake._store

    @property
    def shapes(self) -> Shapes:
        """Which form of each ambiguous answer to send (``FakeOpenfactura(variant=...)``)."""
        return self.fake.shapes

    @property
    def lock(self) -> threading.RLock:
        return self.fake._lock

    def now(self) -> float:
        """The sandbox's wall clock (epoch seconds; injectable)."""
        return self.fake._clock()

    def register(self, router: web.UrlDispatcher, prefix: str) -> None:
        raise NotImplementedError
