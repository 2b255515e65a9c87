"""The API's endpoints as path templates: what telemetry shows instead of a filled path.

A filled path may hold a RUT (``/v2/dte/taxpayer/76430498-5``), personal data when it is a
person's. Events, spans, metrics and log records carry the template
(``/v2/dte/taxpayer/{rut}``) and, apart, the few identifiers a trace needs to find a
document: the token, the document type and the folio (never the RUT).

Usage::

    route = match("GET", "/v2/dte/document/76795561-8/33/2514/status")
    route.template   # '/v2/dte/document/{rut}/{dte_type}/{folio}/status'
    route.operation  # 'documents.status'
    route.params     # {'rut': '76795561-8', 'dte_type': '33', 'folio': '2514', ...}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["EMISSION_TEMPLATE", "Route", "answer_fields", "document_fields", "match"]

EMISSION_TEMPLATE = "/v2/dte/document"

_VALUES = {
    "status": "documents.status",
    "json": "documents.get",
    "xml": "documents.xml",
    "pdf": "documents.pdf",
    "cedible": "documents.cedible",
}
_VALUE = "(?P<value>status|json|xml|pdf|cedible)"
_SEGMENT = "[^/]+"


class Route:
    """One endpoint a request matched: its template, the SDK call it belongs to, its params."""

    __slots__ = ("operation", "params", "template")

    def __init__(self, template: str, operation: str, params: Mapping[str, str]) -> None:
        self.template = template
        self.operation = operation
        self.params = params

    def __repr__(self) -> str:
        return f"Route({self.template!r}, {self.operation!r})"


# (method, pattern, template, operation): the reference's endpoints (E1-E13, U1-U2). A
# template's "<value>" is the literal value of the path (status, pdf...), not a parameter.
_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("POST", "/v2/dte/document", EMISSION_TEMPLATE, "documents.emit"),
    ("POST", "/v2/dte/issue", "/v2/dte/issue", "documents.emit"),
    ("POST", "/v2/dte/document/issued", "/v2/dte/document/issued", "documents.issued"),
    ("POST", "/v2/dte/document/received", "/v2/dte/document/received", "documents.received"),
    (
        "POST",
        "/v2/dte/document/received/accuse",
        "/v2/dte/document/received/accuse",
        "documents.accuse",
    ),
    ("GET", f"/v2/dte/document/(?P<token>{_SEGMENT})/{_VALUE}", "/v2/dte/document/{token}", ""),
    (
        "GET",
        rf"/v2/dte/document/(?P<rut>{_SEGMENT})/(?P<dte_type>\d+)/(?P<folio>\d+)/{_VALUE}",
        "/v2/dte/document/{rut}/{dte_type}/{folio}",
        "",
    ),
    (
        "GET",
        r"/v2/dte/registry/sales/\d{4}/\d{1,2}",
        "/v2/dte/registry/sales/{year}/{month}",
        "registry.sales",
    ),
    (
        "GET",
        r"/v2/dte/registry/sales/\d{4}/\d{1,2}/\d{1,2}",
        "/v2/dte/registry/sales/{year}/{month}/{day}",
        "registry.sales",
    ),
    (
        "GET",
        r"/v2/dte/registry/purchase/\d{4}/\d{1,2}",
        "/v2/dte/registry/purchase/{year}/{month}",
        "registry.purchases",
    ),
    (
        "GET",
        r"/v2/dte/registry/purchase/\d{4}/\d{1,2}/\d{1,2}",
        "/v2/dte/registry/purchase/{year}/{month}/{day}",
        "registry.purchases",
    ),
    ("POST", "/v2/dte/registry/sync-rcv", "/v2/dte/registry/sync-rcv", "registry.sync_rcv"),
    ("GET", "/v2/dte/organization", "/v2/dte/organization", "organization.get"),
    (
        "GET",
        "/v2/dte/organization/document",
        "/v2/dte/organization/document",
        "organization.folios",
    ),
    ("GET", f"/v2/dte/taxpayer/{_SEGMENT}", "/v2/dte/taxpayer/{rut}", "taxpayers.get"),
    ("POST", "/v2/dte/anularDTE52", "/v2/dte/anularDTE52", "documents.annul_guia"),
    (
        "GET",
        f"/v2/dte/selfservice/email/{_SEGMENT}",
        "/v2/dte/selfservice/email/{link}",
        "self_service.resend_email",
    ),
    (
        "GET",
        f"/v2/dte/selfservice/stateinvoice/{_SEGMENT}",
        "/v2/dte/selfservice/stateinvoice/{link}",
        "self_service.state",
    ),
)
_COMPILED = tuple(
    (method, re.compile(pattern), template, operation)
    for method, pattern, template, operation in _TABLE
)
_DIGITS = re.compile(r"\d")


def match(method: str, path: str) -> Route:
    """The route of ``path`` (relative to the host, no query). An unknown path gets a
    generic template: every segment holding a digit becomes ``{param}``."""
    path = path.split("?", 1)[0]
    for known_method, pattern, template, operation in _COMPILED:
        if known_method != method:
            continue
        found = pattern.fullmatch(path)
        if found is None:
            continue
        params = found.groupdict()
        value = params.get("value")
        if value is not None:
            return Route(f"{template}/{value}", _VALUES[value], params)
        return Route(template, operation, params)
    segments = path.split("/")
    generic = "/".join(
        "{param}" if _DIGITS.search(part) and i > 1 else part for i, part in enumerate(segments)
    )
    return Route(generic, "request", {})


def _int(value: Any) -> int | None:
    """A positive whole number (a folio of 0 asks the API to assign one: ``None``)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def document_fields(route: Route, body: Any) -> tuple[int | None, int | None, str | None]:
    """``(tipo_dte, folio, token)`` a request names, from its path and JSON body."""
    params = route.params
    tipo = _int(params.get("dte_type"))
    folio = _int(params.get("folio"))
    token = params.get("token")
    if isinstance(body, Mapping):
        if route.operation == "documents.emit":
            dte = body.get("dte")
            header = dte.get("Encabezado") if isinstance(dte, Mapping) else None
            id_doc = header.get("IdDoc") if isinstance(header, Mapping) else None
            if isinstance(id_doc, Mapping):
                tipo = _int(id_doc.get("TipoDTE"))
                folio = _int(id_doc.get("Folio"))
        elif route.operation == "documents.accuse":
            tipo, folio = _int(body.get("dte")), _int(body.get("folio"))
        elif route.operation == "documents.annul_guia":
            tipo, folio = _int(body.get("Dte")), _int(body.get("Folio"))
    return tipo, folio, token


def answer_fields(route: Route, data: Any) -> tuple[str | None, int | None]:
    """``(token, folio)`` an emission's 2xx answer gives (``None`` for other answers)."""
    if route.operation != "documents.emit" or not isinstance(data, Mapping):
        return None, None
    token = data.get("TOKEN")
    return (token if isinstance(token, str) and token else None), _int(data.get("FOLIO"))
