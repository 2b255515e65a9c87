"""The sandbox's routes, one module per API area, mirroring ``openfactura/resources/``.

========================  ==============================================================
``documents.py``          ``client.documents``: reads, accuses, ``anularDTE52``; emission
                          in ``_emit.py``, lists in ``_lists.py``, renderings in
                          ``_render.py``
``organization.py``       ``client.organization``
``taxpayers.py``          ``client.taxpayers``
``registry.py``           ``client.registry``
``self_service.py``       ``client.self_service``
========================  ==============================================================

The gateway in front of them all (keys, rate limits, faults, the request log) is
``openfactura/testing/_gateway.py``.
"""

from __future__ import annotations

from ._base import Routes
from .documents import DocumentRoutes
from .organization import OrganizationRoutes
from .registry import RegistryRoutes
from .self_service import SelfServiceRoutes
from .taxpayers import TaxpayerRoutes

__all__ = ["ROUTE_GROUPS", "Routes"]

ROUTE_GROUPS: tuple[type[Routes], ...] = (
    OrganizationRoutes,
    TaxpayerRoutes,
    DocumentRoutes,
    RegistryRoutes,
    SelfServiceRoutes,
)
"""Every route group, in the order their routes are registered."""
