"""One scenario per public method of the async client, for the fault matrix.

A scenario knows how to prepare the sandbox for its method (a document to read, a received
document to accuse, a self-service link...), which request path the injected fault must hit,
how to call the method, and how to check a result against the sandbox's own state (the
oracle: what the sandbox stored, never what the SDK says about it).

``SCENARIOS`` is keyed by ``"namespace.method"`` (``"request"`` for the client's own raw
call). ``public_methods()`` finds every public method by introspection, so a new method
without a scenario here fails the matrix.
"""

from __future__ import annotations

import datetime as dt
import inspect
import warnings
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Literal

import attrs

import openfactura
from openfactura.dte import Detalle, Emisor, Factura, GuiaDespacho, Receptor
from openfactura.resources._base import AsyncResource
from openfactura.testing import FakeOpenfactura
from openfactura.types import Customer, SelfService

Client = openfactura.AsyncOpenfactura
Effect = Literal["emission", "read", "write"]
"""``emission``: safe to repeat with its key; ``read``: safe; ``write``: never repeated."""

TODAY = dt.date.today()
HOSTY = "76430498-5"
SUPPLIER_FOLIO = 2514
EMISOR = Emisor(
    rut_emisor="76795561-8",
    rzn_soc="HAULMER SPA",
    giro_emis="VENTA AL POR MENOR POR CORREO, POR INTERNET Y VIA TELEFONICA",
    acteco=479100,
    dir_origen="ARTURO PRAT 527 CURICO",
    cmna_origen="Curicó",
)
RECEPTOR = Receptor(
    rut_recep=HOSTY,
    rzn_soc_recep="HOSTY SPA",
    giro_recep="ACTIVIDADES DE CONSULTORIA DE INFORMATIC",
    dir_recep="ARTURO PRAT 527",
    cmna_recep="Curicó",
)
LINE = Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))
FACTURA = Factura.build(emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY)
GUIA = GuiaDespacho.build(
    emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY, ind_traslado=1
)
BOLETA_SELF_SERVICE: dict[str, Any] = {
    "Encabezado": {
        "IdDoc": {"TipoDTE": 39, "Folio": 0, "FchEmis": TODAY.isoformat(), "IndServicio": 3},
        "Emisor": {
            "RUTEmisor": "76795561-8",
            "RznSocEmisor": "HAULMER SPA",
            "GiroEmisor": "VENTAS",
            "CdgSIISucur": "81303347",
            "DirOrigen": "ARTURO PRAT 527",
            "CmnaOrigen": "Curicó",
        },
        "Receptor": {"RUTRecep": "66666666-6"},
        "Totales": {
            "MntNeto": 2521,
            "IVA": 479,
            "MntTotal": 3000,
            "TotalPeriodo": 3000,
            "VlrPagar": 3000,
        },
    },
    "Detalle": [
        {"NroLinDet": 1, "NmbItem": "item", "QtyItem": 1, "PrcItem": 3000, "MontoItem": 3000}
    ],
}


@attrs.frozen
class Ctx:
    """What a scenario's setup prepared."""

    token: str = ""
    folio: int = 0
    tokens: tuple[str, ...] = ()
    link: str = ""


Setup = Callable[[FakeOpenfactura, Client], Awaitable[Ctx]]
Call = Callable[[Client, Ctx], Awaitable[Any]]
Check = Callable[[Any, FakeOpenfactura, Ctx], None]


@attrs.frozen
class Scenario:
    name: str
    effect: Effect
    path: Callable[[Ctx], str]
    """The request path prefix the fault is planned for."""
    call: Call
    check: Check
    setup: Setup | None = None
    blocking: Callable[[openfactura.Openfactura, Ctx], Any] | None = None
    """The same call through the blocking client (for the sampled blocking matrix)."""


# -- emit_many, seen as one emission ----------------------------------------------------------


async def emit_through_emit_many(client: Client) -> Any:
    """``emit_many`` of one factura, its outcome turned into what ``emit`` gives: a result,
    or the error (an unknown outcome as :class:`OutcomeUnknownError` with its key)."""
    from openfactura import bulk

    outcomes = [outcome async for outcome in client.documents.emit_many([FACTURA])]
    assert len(outcomes) == 1, outcomes
    (outcome,) = outcomes
    if isinstance(outcome, (bulk.Issued, bulk.AlreadyIssued)):
        return openfactura.types.EmissionResult(
            token=outcome.token,
            folio=outcome.folio,
            idempotency_key=outcome.key,
            replayed=isinstance(outcome, bulk.AlreadyIssued),
        )
    if isinstance(outcome, bulk.Unknown):
        raise openfactura.OutcomeUnknownError(
            outcome.reason, idempotency_key=outcome.key
        ) from outcome.error
    if isinstance(outcome, bulk.Failed):
        raise outcome.error
    raise AssertionError(f"a valid factura came back {outcome!r}")


# -- setups -----------------------------------------------------------------------------------


async def one_factura(fake: FakeOpenfactura, client: Client) -> Ctx:
    result = await client.documents.emit(FACTURA)
    assert result.folio is not None
    return Ctx(token=result.token, folio=result.folio)


async def two_facturas(fake: FakeOpenfactura, client: Client) -> Ctx:
    first = await client.documents.emit(FACTURA)
    second = await client.documents.emit(FACTURA)
    return Ctx(token=first.token, tokens=(first.token, second.token))


async def one_guia(fake: FakeOpenfactura, client: Client) -> Ctx:
    with warnings.catch_warnings():  # the sandbox warns about the guía's transfer type
        warnings.simplefilter("ignore", openfactura.OpenfacturaWarning)
        result = await client.documents.emit(GUIA)
    assert result.folio is not None
    return Ctx(token=result.token, folio=result.folio)


async def a_received_document(fake: FakeOpenfactura, client: Client) -> Ctx:
    fake.seed_received(
        issuer_rut=HOSTY,
        issuer_name="HOSTY SPA",
        folio=SUPPLIER_FOLIO,
        fch_emis=TODAY.isoformat(),
        mnt_neto=1000,
    )
    return Ctx(folio=SUPPLIER_FOLIO)


async def a_self_service_link(fake: FakeOpenfactura, client: Client) -> Ctx:
    result = await client.documents.emit(
        BOLETA_SELF_SERVICE,
        self_service=SelfService(issue_boleta=True, allow_factura=True),
        customer=Customer(full_name="Ana Pérez", email="ana@example.cl"),
    )
    assert result.self_service_url
    return Ctx(token=result.token, link=result.self_service_url)


# -- checks (oracle: the sandbox's state) -------------------------------------------------------


def _stored(fake: FakeOpenfactura, token: str) -> Any:
    return fake.document(token)


def check_emission(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert isinstance(result, openfactura.types.EmissionResult)
    doc = _stored(fake, result.token)
    assert result.folio == doc.folio, (result.folio, doc.folio)


def check_status(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert result.token == ctx.token
    assert str(result.estado) in ("Sin estado", "Pendiente", "Aceptado"), result.estado


def check_final(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert result.token == ctx.token and result.is_final
    assert str(result.estado) == _stored(fake, ctx.token).outcome


def check_many_final(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert sorted(r.token for r in result) == sorted(ctx.tokens)
    assert all(r.is_final for r in result)


def check_json(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert result.json["Encabezado"]["IdDoc"]["Folio"] == _stored(fake, ctx.token).folio


def check_pdf(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert result.content.startswith(b"%PDF")


def check_xml(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert f"<Folio>{_stored(fake, ctx.token).folio}</Folio>" in result.content


def check_issued(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert sorted(row.token for row in result) == sorted(d.token for d in fake.documents)


def check_received(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert [(row.folio, row.tipo_dte) for row in result] == [
        (d.folio, d.tipo_dte) for d in fake.received
    ]


def check_accuse(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert isinstance(result, openfactura.types.AccuseResult)


def check_annulment(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert str(ctx.folio) in str(result.message)


def check_organization(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    company = next(iter(fake.companies.values()))
    assert str(result.rut).upper() == company.rut.upper()


def check_folios(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert result.available(33)


def check_taxpayer(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert result.razon_social == "HOSTY SPA"


def check_sales(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    counted = sum(r.cant_documentos for r in result.registros if r.tipo_documento == 33)
    assert counted == sum(1 for d in fake.documents if d.tipo_dte == 33)


def check_purchases(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert isinstance(result, list)


def check_sync(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert isinstance(result, openfactura.types.SyncRcvResult)


def check_none(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    assert result is None


def check_state(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    link = fake.self_service_links[ctx.link.rstrip("/").rsplit("/", 1)[-1]]
    assert result.response == link.state


def check_raw_organization(result: Any, fake: FakeOpenfactura, ctx: Ctx) -> None:
    company = next(iter(fake.companies.values()))
    assert isinstance(result, dict) and str(result["rut"]).upper() == company.rut.upper()


# -- calls ------------------------------------------------------------------------------------


async def _rows(pager: Any) -> list[Any]:
    return [row async for row in pager]


async def _all(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


def _doc(value: str) -> Callable[[Ctx], str]:
    return lambda ctx: f"/v2/dte/document/{ctx.token}/{value}"


def _fixed(path: str) -> Callable[[Ctx], str]:
    return lambda ctx: path


PERIOD = int(TODAY.strftime("%Y%m"))

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario(
            "documents.emit",
            "emission",
            _fixed("/v2/dte/document"),
            lambda c, ctx: c.documents.emit(FACTURA, response=("FOLIO",)),
            check_emission,
            blocking=lambda c, ctx: c.documents.emit(FACTURA, response=("FOLIO",)),
        ),
        Scenario(
            "documents.emit_many",
            "emission",
            _fixed("/v2/dte/document"),
            lambda c, ctx: emit_through_emit_many(c),
            check_emission,
        ),
        Scenario(
            "documents.status",
            "read",
            _doc("status"),
            lambda c, ctx: c.documents.status(ctx.token),
            check_status,
            one_factura,
            blocking=lambda c, ctx: c.documents.status(ctx.token),
        ),
        Scenario(
            "documents.get",
            "read",
            _doc("json"),
            lambda c, ctx: c.documents.get(ctx.token),
            check_json,
            one_factura,
        ),
        Scenario(
            "documents.pdf",
            "read",
            _doc("pdf"),
            lambda c, ctx: c.documents.pdf(ctx.token),
            check_pdf,
            one_factura,
        ),
        Scenario(
            "documents.cedible",
            "read",
            _doc("cedible"),
            lambda c, ctx: c.documents.cedible(ctx.token),
            check_pdf,
            one_factura,
        ),
        Scenario(
            "documents.xml",
            "read",
            _doc("xml"),
            lambda c, ctx: c.documents.xml(ctx.token),
            check_xml,
            one_factura,
        ),
        Scenario(
            "documents.wait",
            "read",
            _doc("status"),
            lambda c, ctx: c.documents.wait(ctx.token, timeout=30, interval=0.01),
            check_final,
            one_factura,
        ),
        Scenario(
            "documents.wait_many",
            "read",
            _doc("status"),
            lambda c, ctx: _all(c.documents.wait_many(ctx.tokens, timeout=30, interval=0.01)),
            check_many_final,
            two_facturas,
        ),
        Scenario(
            "documents.issued",
            "read",
            _fixed("/v2/dte/document/issued"),
            lambda c, ctx: _rows(c.documents.issued()),
            check_issued,
            one_factura,
            blocking=lambda c, ctx: list(c.documents.issued()),
        ),
        Scenario(
            "documents.received",
            "read",
            _fixed("/v2/dte/document/received"),
            lambda c, ctx: _rows(c.documents.received()),
            check_received,
            a_received_document,
        ),
        Scenario(
            "documents.accuse",
            "write",
            _fixed("/v2/dte/document/received/accuse"),
            lambda c, ctx: c.documents.accuse(HOSTY, 33, ctx.folio, "ACD"),
            check_accuse,
            a_received_document,
        ),
        Scenario(
            "documents.annul_guia",
            "write",
            _fixed("/v2/dte/anularDTE52"),
            lambda c, ctx: c.documents.annul_guia(ctx.folio, TODAY),
            check_annulment,
            one_guia,
        ),
        Scenario(
            "organization.get",
            "read",
            _fixed("/v2/dte/organization"),
            lambda c, ctx: c.organization.get(),
            check_organization,
            blocking=lambda c, ctx: c.organization.get(),
        ),
        Scenario(
            "organization.folios",
            "read",
            _fixed("/v2/dte/organization/document"),
            lambda c, ctx: c.organization.folios(),
            check_folios,
        ),
        Scenario(
            "taxpayers.get",
            "read",
            _fixed("/v2/dte/taxpayer/"),
            lambda c, ctx: c.taxpayers.get(HOSTY),
            check_taxpayer,
        ),
        Scenario(
            "registry.sales",
            "read",
            _fixed("/v2/dte/registry/sales/"),
            lambda c, ctx: c.registry.sales(TODAY.year, TODAY.month),
            check_sales,
            one_factura,
        ),
        Scenario(
            "registry.purchases",
            "read",
            _fixed("/v2/dte/registry/purchase/"),
            lambda c, ctx: c.registry.purchases(TODAY.year, TODAY.month),
            check_purchases,
            a_received_document,
        ),
        Scenario(
            "registry.sync_rcv",
            "write",
            _fixed("/v2/dte/registry/sync-rcv"),
            lambda c, ctx: c.registry.sync_rcv("purchase", PERIOD),
            check_sync,
            blocking=lambda c, ctx: c.registry.sync_rcv("purchase", PERIOD),
        ),
        Scenario(
            "self_service.resend_email",
            "write",
            _fixed("/v2/dte/selfservice/email/"),
            lambda c, ctx: c.self_service.resend_email(ctx.link),
            check_none,
            a_self_service_link,
            blocking=lambda c, ctx: c.self_service.resend_email(ctx.link),
        ),
        Scenario(
            "self_service.state",
            "read",
            _fixed("/v2/dte/selfservice/stateinvoice/"),
            lambda c, ctx: c.self_service.state(ctx.link),
            check_state,
            a_self_service_link,
        ),
        Scenario(
            "request",
            "read",
            _fixed("/v2/dte/organization"),
            lambda c, ctx: c.request("GET", "/v2/dte/organization"),
            check_raw_organization,
        ),
    ]
}

LIFECYCLE = frozenset({"aclose", "rate_budget"})
"""Public methods of the client that are not API calls (``rate_budget`` reads the limiter)."""


def _public_methods(obj: Any) -> list[str]:
    return [
        name
        for name, value in inspect.getmembers(type(obj))
        if not name.startswith("_") and inspect.isfunction(value)
    ]


def public_methods(client: Client) -> set[str]:
    """``"namespace.method"`` for every public method of every namespace of ``client``, and
    the client's own public calls (``"request"``)."""
    found = {name for name in _public_methods(client) if name not in LIFECYCLE}
    for name in dir(client):
        if name.startswith("_"):
            continue
        value = getattr(client, name)
        if isinstance(value, AsyncResource):
            found |= {f"{name}.{method}" for method in _public_methods(value)}
    return found
