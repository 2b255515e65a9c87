"""The API key appears nowhere a user can see, on every public call and every error path.

Every public method of both clients (found by introspection: a new method without a
scenario below fails :func:`test_every_public_method_has_a_scenario`) runs against the
sandbox, then against every error answer (401, 403, 404, 400 with details, 429, 5xx, a
proxy's HTML 502, 200 not JSON, 200 JSON echoing the key, connection refused, reset,
timeout, the call's deadline, cancellation, OutcomeUnknown), with DEBUG logging on.
Every error answer echoes the key in its body and in headers (as given and upper-cased).

Checked for the whole key and any run of more than 4 of its characters: the ``repr`` of
every object returned, ``str``/``repr``/attributes of every exception raised (whole
chain), tracebacks formatted with their locals (this file's own frames left out: they
hold the key), every log record's message and attributes, and every warning.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import functools
import inspect
import logging
import re
import socket
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from examples import BOLETA, EMISOR, RECEPTOR
from keyleaks import Evidence, check_key_is_testable

import openfactura
from openfactura._retry import RetryPolicy
from openfactura.dte import Detalle, Factura, GuiaDespacho
from openfactura.resources._base import AsyncResource, SyncResource
from openfactura.testing import FakeOpenfactura
from openfactura.types import Customer, SelfService

KEY = "Kq7Wz2Rt9Xv4Ns8Lm3Hp6Jy5Gw1Uk0Tx"
"""Not a demo key; every 5-character window holds a non-hex letter (see keyleaks)."""
ISSUER = "76795561-8"  # the sandbox company the key belongs to
SUPPLIER = "76430498-5"
TODAY = dt.date.today()
MOCK_BASE = "http://127.0.0.1:9"  # never reached: aioresponses answers every request
ANY_URL = re.compile(r"^http://127\.0\.0\.1:9/.*$")
HERE = Path(__file__).resolve()
LINE = Detalle(nmb_item="Hosting", qty_item=Decimal(1), prc_item=Decimal(2000))

Api = Any  # an AsyncOpenfactura or an Openfactura
Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


# -- the public surface, found by introspection ------------------------------------------------


def _public_methods(obj: object) -> list[str]:
    names = []
    for name in dir(type(obj)):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(type(obj), name)
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if inspect.isfunction(attr):
            names.append(name)
    return names


def public_surface(client: Api) -> list[str]:
    """``"client.request"``, ``"documents.emit"``, ``"pager.first_page"``...: every public
    method of the client, of each namespace, and of the pager its list methods return."""
    found = [f"client.{name}" for name in _public_methods(client)]
    for name in dir(type(client)):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(type(client), name)
        if isinstance(attr, (functools.cached_property, property)):
            value = getattr(client, name)
            if isinstance(value, (AsyncResource, SyncResource)):
                found += [f"{name}.{method}" for method in _public_methods(value)]
    found += [f"pager.{name}" for name in _public_methods(client.documents.issued())]
    return sorted(found)


# -- one scenario per public method -------------------------------------------------------------


class Ctx:
    """What the scenarios need: a token, folios, a self-service link (from the sandbox run,
    or well-formed stand-ins for the error runs)."""

    def __init__(self) -> None:
        self.token = "ab" * 32
        self.folio = 1001
        self.guia_folio = 1001
        self.received_folio = 2514
        self.link = "http://127.0.0.1:9/selfservice/0123abcd"
        self._keys = iter(range(10**9))

    def key(self) -> str:
        return f"security-{next(self._keys)}"


def factura() -> Factura:
    return Factura.build(emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY)


def boleta_dict() -> dict[str, Any]:
    dte = copy.deepcopy(BOLETA["dte"])
    dte["Encabezado"]["IdDoc"]["FchEmis"] = TODAY.isoformat()
    return dte


ALL_PARTS = ("FOLIO", "PDF", "XML", "TIMBRE", "LOGO", "RESOLUCION")

SCENARIOS: dict[str, Callable[[Api, Ctx], Call]] = {
    "client.request": lambda api, c: (api.request, ("GET", "/v2/dte/organization"), {}),
    "organization.get": lambda api, c: (api.organization.get, (), {"include_logo": True}),
    "organization.folios": lambda api, c: (api.organization.folios, (), {}),
    "taxpayers.get": lambda api, c: (api.taxpayers.get, (SUPPLIER,), {}),
    "documents.emit": lambda api, c: (
        api.documents.emit,
        (factura(),),
        {"response": ALL_PARTS, "idempotency_key": c.key()},
    ),
    "documents.status": lambda api, c: (api.documents.status, (c.token,), {}),
    "documents.get": lambda api, c: (
        api.documents.get,
        (),
        {"rut": ISSUER, "dte_type": 33, "folio": c.folio},
    ),
    "documents.pdf": lambda api, c: (api.documents.pdf, (c.token,), {}),
    "documents.cedible": lambda api, c: (api.documents.cedible, (c.token,), {}),
    "documents.xml": lambda api, c: (api.documents.xml, (c.token,), {}),
    "documents.wait": lambda api, c: (
        api.documents.wait,
        (c.token,),
        {"interval": 0.001, "timeout": 5},
    ),
    "documents.wait_many": lambda api, c: (
        api.documents.wait_many,
        ([c.token],),
        {"interval": 0.001, "timeout": 5},
    ),
    "documents.issued": lambda api, c: (api.documents.issued, (), {"tipo_dte": 33}),
    "documents.received": lambda api, c: (api.documents.received, (), {}),
    "documents.accuse": lambda api, c: (
        api.documents.accuse,
        (SUPPLIER, 33, c.received_folio, "ACD"),
        {},
    ),
    "documents.annul_guia": lambda api, c: (api.documents.annul_guia, (c.guia_folio, TODAY), {}),
    # issue 15's batch emission (branch `bulk`): used once the method exists
    "documents.emit_many": lambda api, c: (api.documents.emit_many, ([factura()],), {}),
    "registry.sales": lambda api, c: (api.registry.sales, (TODAY.year, TODAY.month), {}),
    "registry.purchases": lambda api, c: (
        api.registry.purchases,
        (TODAY.year, TODAY.month),
        {"status": "pending"},
    ),
    "registry.sync_rcv": lambda api, c: (
        api.registry.sync_rcv,
        ("purchase", TODAY.strftime("%Y-%m")),
        {},
    ),
    "self_service.state": lambda api, c: (api.self_service.state, (c.link,), {}),
    "self_service.resend_email": lambda api, c: (api.self_service.resend_email, (c.link,), {}),
    "pager.page": lambda api, c: (api.documents.issued().page, (1,), {}),
    "pager.first_page": lambda api, c: (api.documents.received().first_page, (), {}),
    "pager.pages": lambda api, c: (api.documents.issued(tipo_dte=33).pages, (), {}),
    # issue 16's budget view (what the limiter has seen; no request)
    "client.rate_budget": lambda api, c: (api.rate_budget, (), {}),
    "client.aclose": lambda api, c: (api.aclose, (), {}),
    "client.close": lambda api, c: (api.close, (), {}),
}
CLOSERS = {"client.aclose", "client.close"}
LOCAL = {"client.rate_budget"}
"""Methods that answer from the client's own state (the in-memory limiter): no request, so
no error path of the API's; they still run against the sandbox with everything else."""
"""Run last (after them the client is closed)."""


def test_every_public_method_has_a_scenario() -> None:
    clients = [
        openfactura.AsyncOpenfactura(KEY, base_url=MOCK_BASE),
        openfactura.Openfactura(KEY, base_url=MOCK_BASE),
    ]
    try:
        missing = sorted({name for c in clients for name in public_surface(c)} - set(SCENARIOS))
    finally:
        clients[1].close()
    assert missing == [], f"public methods without a security scenario: {missing}"
    assert "documents.emit" in public_surface(clients[0])  # the introspection finds methods


def test_the_detector_finds_runs_of_the_key() -> None:
    check_key_is_testable(KEY)
    seen = Evidence(KEY, own_files=[])
    seen.add_text("whole, lower-cased", f"x {KEY.lower()} y")
    seen.add_text("five characters", f"token={KEY[7:12]}!")
    seen.add_text("five, upper-cased", KEY[20:25].upper())
    seen.add_text("the hint (four)", f"'****{KEY[-4:]}' and {KEY[:4]}-{KEY[4:8]}")
    assert [where.split(":")[0] for where in [leak for leak in seen.leaks()]] == [
        "whole, lower-cased",
        "five characters",
        "five, upper-cased",
    ]


# -- driving a call -----------------------------------------------------------------------------


async def drive_async(call: Call) -> Any:
    fn, args, kwargs = call
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        result = [item async for item in result]
    return result


def drive_sync(call: Call) -> Any:
    fn, args, kwargs = call
    result = fn(*args, **kwargs)
    if isinstance(result, Iterator) or type(result).__name__ == "SyncPager":
        result = list(result)
    return result


def surface_without_closers(client: Api) -> list[str]:
    return [name for name in public_surface(client) if name not in CLOSERS]


def surface_that_sends(client: Api) -> list[str]:
    return [name for name in surface_without_closers(client) if name not in LOCAL]


def closer_of(client: Api) -> str:
    (name,) = [name for name in public_surface(client) if name in CLOSERS]
    return name


# -- the error answers (each echoes the key) ----------------------------------------------------

ECHO_HEADERS = {
    "X-Echo": KEY,
    "WWW-Authenticate": f'apikey realm="{KEY.upper()}"',
    "X-Request-Key": f"apikey={KEY}; path=/",
}


def _answer(status: int, **kw: Any) -> dict[str, Any]:
    headers = {**ECHO_HEADERS, **kw.pop("headers", {})}
    return {"status": status, "headers": headers, **kw}


ERROR_ANSWERS: dict[str, dict[str, Any]] = {
    "401": _answer(
        401,
        payload={"statusCode": 401, "message": f"Access denied: invalid subscription key {KEY}."},
    ),
    "403 legacy": _answer(403, payload={"message": f"Invalid authentication credentials {KEY}"}),
    "404": _answer(404, payload={"statusCode": 404, "message": f"Resource not found ({KEY})"}),
    "400 with details": _answer(
        400,
        payload={
            "error": {
                "message": f"Validación de Campos para {KEY}",
                "code": "OF-10",
                "details": [
                    {"field": "apikey", "issue": KEY},
                    {"field": KEY.upper(), "issue": f"echo {KEY.lower()}"},
                ],
            }
        },
    ),
    "400 flat": _answer(
        400, payload={"message": "Validación de Campos.", "code": "OF-10", "details": {KEY: KEY}}
    ),
    "429": _answer(
        429,
        payload={"statusCode": 429, "message": f"Rate limit for {KEY}. Try again in 0 seconds."},
        headers={"Retry-After": "0.001"},
    ),
    "500": _answer(500, body=f"Internal Server Error: apikey={KEY}"),
    "502 html": _answer(502, body=f"<html><body>502 Bad Gateway {KEY}</body></html>"),
    "503 json": _answer(503, payload={"error": {"message": f"down for {KEY}", "code": "OF-13"}}),
    "200 not json": _answer(200, body=f"<html>login first, {KEY}</html>"),
    "200 json echo": _answer(
        200,
        payload={
            "message": f"hello {KEY}",
            "error": {"message": KEY},
            "TOKEN": KEY,
            "rut": KEY,
            "razonSocial": KEY.upper(),
            "estado": KEY,
            "data": [{"Folio": KEY}],
        },
    ),
    "reset": {"exception": aiohttp.ServerDisconnectedError()},
    "timeout": {"exception": asyncio.TimeoutError()},
}
HANGING = ("deadline", "cancel")
"""Answers that never come: the call's own deadline ends it, or the caller cancels it."""


class VirtualClock:
    """``documents.wait``'s clock: it moves only when the waiting sleeps (no real time)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def quiet(client: Api, *, max_retries: int = 1) -> Api:
    """No real sleeping: retries, 429 pauses and waits for the SII return at once."""
    inner = client._async if isinstance(client, openfactura.Openfactura) else client

    async def no_sleep(_: float) -> None:
        return None

    inner._transport._sleep = no_sleep
    inner._transport.retry = RetryPolicy(max_retries=max_retries, jitter=lambda: 0.0)
    clock = VirtualClock()
    inner.documents._clock = clock
    inner.documents._sleep = clock.sleep
    return client


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Hang:
    """An answer that never comes; ``entered`` is set once a request reached it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.reached = asyncio.Event()  # the same, for a waiter on the test's own loop

        async def callback(url: Any, **kwargs: Any) -> None:  # aioresponses wants a function
            self.entered.set()
            self.reached.set()
            await asyncio.Event().wait()

        self.answer = {"callback": callback}


def mock_everything(mocked: aioresponses, answer: dict[str, Any]) -> None:
    for method in ("GET", "POST"):
        mocked.add(ANY_URL, method, repeat=True, **answer)


def request_count(mocked: aioresponses) -> int:
    return sum(len(calls) for calls in mocked.requests.values())


TYPED = (openfactura.OpenfacturaError, asyncio.CancelledError)


# -- the async client -------------------------------------------------------------------------


async def run_happy_path_async(seen: Evidence) -> None:
    async with FakeOpenfactura(rate_limits=None) as fake:
        fake.add_api_key(KEY, ISSUER)
        seen.add_object("sandbox", fake)
        client = quiet(openfactura.AsyncOpenfactura(KEY, base_url=fake.base_url, rate_limits=None))
        seen.add_object("client", client)
        ctx = await setup_sandbox_ctx_async(client, fake, seen)
        for name in surface_without_closers(client):
            result = await drive_async(SCENARIOS[name](client, ctx))
            seen.add_object(f"async {name} (sandbox)", result)
        for value in (client.documents, client.organization, client.limiter, client.base_url):
            seen.add_object("async client parts", value)
        await drive_async(SCENARIOS[closer_of(client)](client, ctx))
        seen.add_object("async client closed", client)


async def setup_sandbox_ctx_async(
    client: openfactura.AsyncOpenfactura, fake: FakeOpenfactura, seen: Evidence
) -> Ctx:
    ctx = Ctx()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        emitted = await client.documents.emit(factura(), response=ALL_PARTS)
        guia = await client.documents.emit(
            GuiaDespacho.build(
                emisor=EMISOR, receptor=RECEPTOR, detalle=[LINE], fch_emis=TODAY, ind_traslado=1
            )
        )
        link = await client.documents.emit(
            boleta_dict(),
            self_service=SelfService(issue_boleta=True, allow_factura=True),
            customer=Customer(full_name="Ana Pérez", email="ana@example.cl"),
        )
    return _fill_ctx(ctx, fake, seen, emitted, guia, link, caught)


def _fill_ctx(
    ctx: Ctx,
    fake: FakeOpenfactura,
    seen: Evidence,
    emitted: Any,
    guia: Any,
    link: Any,
    caught: list[warnings.WarningMessage],
) -> Ctx:
    for result in (emitted, guia, link):
        seen.add_object("setup emission", result)
    for warning in caught:
        seen.add_text("warning", f"{warning.message!s} {warning.message!r}")
    assert emitted.folio and guia.folio and link.self_service_url
    ctx.token, ctx.folio, ctx.guia_folio = emitted.token, emitted.folio, guia.folio
    ctx.link = link.self_service_url
    fake.seed_received(
        issuer_rut=SUPPLIER,
        issuer_name="HOSTY SPA",
        folio=ctx.received_folio,
        fch_emis=TODAY.isoformat(),
        mnt_neto=1000,
    )
    return ctx


async def run_error_paths_async(seen: Evidence) -> None:
    ctx = Ctx()
    probe = openfactura.AsyncOpenfactura(KEY, base_url=MOCK_BASE, rate_limits=None)
    names = surface_that_sends(probe)
    for kind, answer in ERROR_ANSWERS.items():
        client = quiet(openfactura.AsyncOpenfactura(KEY, base_url=MOCK_BASE, rate_limits=None))
        with aioresponses() as mocked:
            mock_everything(mocked, answer)
            for name in names:
                before = request_count(mocked)
                await collect_async(seen, f"async {name} / {kind}", SCENARIOS[name](client, ctx))
                assert request_count(mocked) > before, f"{name} / {kind} sent nothing"
            await client.aclose()
    for kind in HANGING:
        timeout = 0.01 if kind == "deadline" else 30.0
        client = quiet(
            openfactura.AsyncOpenfactura(
                KEY, base_url=MOCK_BASE, rate_limits=None, timeout=timeout, max_retries=0
            )
        )
        for name in names:
            hang = Hang()
            with aioresponses() as mocked:
                mock_everything(mocked, hang.answer)
                call = SCENARIOS[name](client, ctx)
                if kind == "deadline":
                    await collect_async(seen, f"async {name} / deadline", call)
                else:
                    task = asyncio.ensure_future(drive_async(call))
                    reached = asyncio.ensure_future(hang.reached.wait())
                    await asyncio.wait({task, reached}, return_when=asyncio.FIRST_COMPLETED)
                    reached.cancel()
                    task.cancel()
                    await collect_async(seen, f"async {name} / cancelled", task)
            assert hang.entered.is_set(), f"{name} / {kind} sent nothing"
        await client.aclose()
    refused = quiet(
        openfactura.AsyncOpenfactura(
            KEY, base_url=f"http://127.0.0.1:{closed_port()}", rate_limits=None
        )
    )
    for name in names:
        await collect_async(seen, f"async {name} / refused", SCENARIOS[name](refused, ctx))
    await refused.aclose()
    await probe.aclose()


async def collect_async(seen: Evidence, where: str, call: Call | Awaitable[Any]) -> None:
    try:
        work = call if inspect.isawaitable(call) else drive_async(call)
        result = await asyncio.wait_for(work, 10)
    except TYPED as exc:
        seen.add_exception(where, exc)
    except BaseException as exc:  # an untyped error is a finding too (and may hold the key)
        seen.add_exception(where, exc)
        raise AssertionError(f"{where}: untyped {type(exc).__name__}: {exc}") from exc
    else:
        seen.add_object(where, result)


async def test_the_async_client_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen = Evidence(KEY, own_files=[HERE])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await run_happy_path_async(seen)
        await run_error_paths_async(seen)
    for warning in caught:
        seen.add_text("warning", f"{warning.message!s} {warning.message!r}")
    seen.add_records(caplog.records)
    assert any("/v2/dte/document" in r.getMessage() for r in caplog.records)  # DEBUG was on
    assert any("OutcomeUnknownError" in where for where, _ in seen.texts) or any(
        "OutcomeUnknownError" in text for _, text in seen.texts
    )
    leaks = seen.leaks()
    assert leaks == [], f"{len(leaks)} leak(s) of the API key:\n" + "\n".join(leaks[:30])


# -- the blocking client --------------------------------------------------------------------------


def run_happy_path_sync(seen: Evidence) -> None:
    with FakeOpenfactura(rate_limits=None) as fake:
        fake.add_api_key(KEY, ISSUER)
        client = quiet(openfactura.Openfactura(KEY, base_url=fake.base_url, rate_limits=None))
        seen.add_object("sync client", client)
        ctx = Ctx()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            emitted = client.documents.emit(factura(), response=ALL_PARTS)
            guia = client.documents.emit(
                GuiaDespacho.build(
                    emisor=EMISOR,
                    receptor=RECEPTOR,
                    detalle=[LINE],
                    fch_emis=TODAY,
                    ind_traslado=1,
                )
            )
            link = client.documents.emit(
                boleta_dict(),
                self_service=SelfService(issue_boleta=True, allow_factura=True),
                customer=Customer(full_name="Ana Pérez", email="ana@example.cl"),
            )
        _fill_ctx(ctx, fake, seen, emitted, guia, link, caught)
        for name in surface_without_closers(client):
            seen.add_object(f"sync {name} (sandbox)", drive_sync(SCENARIOS[name](client, ctx)))
        for value in (client.documents, client.registry, client.limiter):
            seen.add_object("sync client parts", value)
        drive_sync(SCENARIOS[closer_of(client)](client, ctx))
        seen.add_object("sync client closed", client)


def collect_sync(seen: Evidence, where: str, call: Call) -> None:
    try:
        result = drive_sync(call)
    except openfactura.OpenfacturaError as exc:
        seen.add_exception(where, exc)
    except BaseException as exc:
        seen.add_exception(where, exc)
        raise AssertionError(f"{where}: untyped {type(exc).__name__}: {exc}") from exc
    else:
        seen.add_object(where, result)


def run_error_paths_sync(seen: Evidence) -> None:
    ctx = Ctx()
    probe = openfactura.Openfactura(KEY, base_url=MOCK_BASE, rate_limits=None)
    names = surface_that_sends(probe)
    probe.close()
    for kind, answer in ERROR_ANSWERS.items():
        with quiet(openfactura.Openfactura(KEY, base_url=MOCK_BASE, rate_limits=None)) as client:
            with aioresponses() as mocked:
                mock_everything(mocked, answer)
                for name in names:
                    before = request_count(mocked)
                    collect_sync(seen, f"sync {name} / {kind}", SCENARIOS[name](client, ctx))
                    assert request_count(mocked) > before, f"{name} / {kind} sent nothing"
    with quiet(
        openfactura.Openfactura(
            KEY, base_url=MOCK_BASE, rate_limits=None, timeout=0.01, max_retries=0
        )
    ) as client:
        for name in names:
            with aioresponses() as mocked:
                mock_everything(mocked, Hang().answer)
                collect_sync(seen, f"sync {name} / deadline", SCENARIOS[name](client, ctx))
    for name in names:  # a blocking call cannot be cancelled: closing the client ends it
        client = quiet(openfactura.Openfactura(KEY, base_url=MOCK_BASE, rate_limits=None))
        hang = Hang()
        outcome: list[BaseException | Any] = []

        def call(client: Api = client, name: str = name, outcome: list[Any] = outcome) -> None:
            try:
                outcome.append(drive_sync(SCENARIOS[name](client, ctx)))
            except BaseException as exc:
                outcome.append(exc)

        with aioresponses() as mocked:
            mock_everything(mocked, hang.answer)
            worker = threading.Thread(target=call)
            worker.start()
            assert hang.entered.wait(10), f"{name} / closed midway sent nothing"
            client.close()
            worker.join(10)
        assert not worker.is_alive(), f"{name} hung after close()"
        (result,) = outcome
        where = f"sync {name} / closed midway"
        seen.add_object(where, result)
        assert isinstance(result, (openfactura.OpenfacturaError, RuntimeError)), where
    with quiet(
        openfactura.Openfactura(KEY, base_url=f"http://127.0.0.1:{closed_port()}", rate_limits=None)
    ) as refused:
        for name in names:
            collect_sync(seen, f"sync {name} / refused", SCENARIOS[name](refused, ctx))


def test_the_blocking_client_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen = Evidence(KEY, own_files=[HERE])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_happy_path_sync(seen)
        run_error_paths_sync(seen)
    for warning in caught:
        seen.add_text("warning", f"{warning.message!s} {warning.message!r}")
    seen.add_records(caplog.records)
    assert any("/v2/dte/document" in r.getMessage() for r in caplog.records)  # DEBUG was on
    leaks = seen.leaks()
    assert leaks == [], f"{len(leaks)} leak(s) of the API key:\n" + "\n".join(leaks[:30])


def test_construction_errors_never_show_the_key(caplog: pytest.LogCaptureFixture) -> None:
    """Refused settings: the key in a bad place (demo host), a key with a line break."""
    caplog.set_level(logging.DEBUG)
    seen = Evidence(KEY, own_files=[HERE])
    attempts: list[Callable[[], Any]] = []
    for factory in (openfactura.AsyncOpenfactura, openfactura.Openfactura):
        attempts += [
            functools.partial(factory, KEY, environment="development"),
            functools.partial(factory, f"{KEY[:16]}\r\n{KEY[16:]}", environment="production"),
            functools.partial(factory, KEY, base_url="http://10.1.2.3"),
            functools.partial(factory, KEY, timeout=-1),
            functools.partial(factory, KEY, environment="staging"),  # type: ignore[arg-type]
        ]
    for number, attempt in enumerate(attempts):
        with pytest.raises(openfactura.ConfigurationError) as info:
            attempt()
        seen.add_exception(f"construction #{number}", info.value)
    seen.add_records(caplog.records)
    leaks = seen.leaks()
    assert leaks == [], "\n".join(leaks)
