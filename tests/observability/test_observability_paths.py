"""Path templates: every endpoint of the reference (§2, E1-E13 and U1-U2), by hand."""

from __future__ import annotations

import pytest

from openfactura._paths import answer_fields, document_fields, match

ENDPOINTS = [
    ("POST", "/v2/dte/document", "/v2/dte/document", "documents.emit"),
    ("POST", "/v2/dte/issue", "/v2/dte/issue", "documents.emit"),
    (
        "GET",
        "/v2/dte/document/AbC123/status",
        "/v2/dte/document/{token}/status",
        "documents.status",
    ),
    ("GET", "/v2/dte/document/AbC123/json", "/v2/dte/document/{token}/json", "documents.get"),
    ("GET", "/v2/dte/document/AbC123/xml", "/v2/dte/document/{token}/xml", "documents.xml"),
    ("GET", "/v2/dte/document/AbC123/pdf", "/v2/dte/document/{token}/pdf", "documents.pdf"),
    (
        "GET",
        "/v2/dte/document/AbC123/cedible",
        "/v2/dte/document/{token}/cedible",
        "documents.cedible",
    ),
    (
        "GET",
        "/v2/dte/document/76795561-8/33/2514/status",
        "/v2/dte/document/{rut}/{dte_type}/{folio}/status",
        "documents.status",
    ),
    (
        "GET",
        "/v2/dte/document/76795561-8/33/2514/pdf",
        "/v2/dte/document/{rut}/{dte_type}/{folio}/pdf",
        "documents.pdf",
    ),
    ("POST", "/v2/dte/document/issued", "/v2/dte/document/issued", "documents.issued"),
    ("POST", "/v2/dte/document/received", "/v2/dte/document/received", "documents.received"),
    (
        "POST",
        "/v2/dte/document/received/accuse",
        "/v2/dte/document/received/accuse",
        "documents.accuse",
    ),
    (
        "GET",
        "/v2/dte/registry/sales/2026/08",
        "/v2/dte/registry/sales/{year}/{month}",
        "registry.sales",
    ),
    (
        "GET",
        "/v2/dte/registry/sales/2026/08/05",
        "/v2/dte/registry/sales/{year}/{month}/{day}",
        "registry.sales",
    ),
    (
        "GET",
        "/v2/dte/registry/purchase/2026/08?status=pending",
        "/v2/dte/registry/purchase/{year}/{month}",
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
    ("GET", "/v2/dte/taxpayer/76430498-5", "/v2/dte/taxpayer/{rut}", "taxpayers.get"),
    ("POST", "/v2/dte/anularDTE52", "/v2/dte/anularDTE52", "documents.annul_guia"),
    (
        "GET",
        "/v2/dte/selfservice/email/Zx9",
        "/v2/dte/selfservice/email/{link}",
        "self_service.resend_email",
    ),
    (
        "GET",
        "/v2/dte/selfservice/stateinvoice/Zx9",
        "/v2/dte/selfservice/stateinvoice/{link}",
        "self_service.state",
    ),
]


@pytest.mark.parametrize(("method", "path", "template", "operation"), ENDPOINTS)
def test_every_endpoint_has_its_template(
    method: str, path: str, template: str, operation: str
) -> None:
    route = match(method, path)
    assert (route.template, route.operation) == (template, operation)


def test_an_unknown_path_hides_every_segment_with_a_digit() -> None:
    route = match("GET", "/v2/dte/something/76430498-5/new/abc9?x=1")
    assert (route.template, route.operation) == ("/v2/dte/something/{param}/new/{param}", "request")


def test_document_fields_from_path_and_body() -> None:
    read = match("GET", "/v2/dte/document/76795561-8/33/2514/json")
    assert document_fields(read, None) == (33, 2514, None)
    by_token = match("GET", "/v2/dte/document/AbC123/xml")
    assert document_fields(by_token, None) == (None, None, "AbC123")
    emit = match("POST", "/v2/dte/document")
    body = {"dte": {"Encabezado": {"IdDoc": {"TipoDTE": "39", "Folio": 0}}}}
    assert document_fields(emit, body) == (39, None, None)  # folio 0: the API assigns it
    accuse = match("POST", "/v2/dte/document/received/accuse")
    assert document_fields(accuse, {"dte": 33, "folio": 12, "rut": "1-9"}) == (33, 12, None)
    annul = match("POST", "/v2/dte/anularDTE52")
    assert document_fields(annul, {"Dte": 52, "Folio": 34972}) == (52, 34972, None)
    assert answer_fields(emit, {"TOKEN": "t", "FOLIO": "41"}) == ("t", 41)
    assert answer_fields(read, {"TOKEN": "t"}) == (None, None)  # only an emission's answer
