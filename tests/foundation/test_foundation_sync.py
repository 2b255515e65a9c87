"""The blocking facade: scripts, inside a running loop, many threads, clean shutdown."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aiohttp import web

import openfactura
from openfactura._sync import LoopThread

KEY = "fedcba9876543210fedcba9876543210"


class ThreadedServer:
    """A tiny API on its own thread, so callers on any loop (or none) can reach it."""

    def __init__(self) -> None:
        self.hits = 0
        self.base_url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _start(self) -> str:
        async def org(request: web.Request) -> web.Response:
            self.hits += 1
            return web.json_response(
                {"rut": "76795561-8", "thread": threading.current_thread().name}
            )

        app = web.Application()
        app.router.add_get("/v2/dte/organization", org)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        self.base_url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer() as srv:
        yield srv


def sdk_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("openfactura")]


def test_plain_script_use(server: ThreadedServer) -> None:
    with openfactura.Openfactura(KEY, base_url=server.base_url, rate_limits=None) as client:
        org = client.request("GET", "/v2/dte/organization")
        assert org["rut"] == "76795561-8"
        assert client.request("GET", "/organization")["rut"] == "76795561-8"
    assert client.closed
    assert sdk_threads() == []


async def test_from_inside_a_running_event_loop(server: ThreadedServer) -> None:
    """An async view calling legacy sync code: the call blocks this loop but still completes."""
    client = openfactura.Openfactura(KEY, base_url=server.base_url, rate_limits=None)
    try:
        assert asyncio.get_running_loop().is_running()
        assert client.request("GET", "/v2/dte/organization")["rut"] == "76795561-8"
    finally:
        client.close()
    assert sdk_threads() == []


def test_sixteen_threads_share_one_client(server: ThreadedServer) -> None:
    before = server.hits
    with openfactura.Openfactura(KEY, base_url=server.base_url, rate_limits=None) as client:
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda _: client.request("GET", "/organization"), range(64)))
        assert len(sdk_threads()) == 1  # one private loop thread for all callers
    assert all(r["rut"] == "76795561-8" for r in results)
    assert server.hits - before == 64
    assert sdk_threads() == []


def test_close_is_idempotent_and_final(server: ThreadedServer) -> None:
    client = openfactura.Openfactura(KEY, base_url=server.base_url, rate_limits=None)
    client.request("GET", "/v2/dte/organization")
    session = client._async._transport._session
    client.close()
    client.close()
    assert session is not None and session.closed
    assert sdk_threads() == []
    with pytest.raises(RuntimeError, match="closed"):
        client.request("GET", "/v2/dte/organization")


def test_a_client_dropped_without_close_stops_its_thread_and_closes_its_session(
    server: ThreadedServer,
) -> None:
    import gc

    def use_and_drop() -> tuple[threading.Thread, Any]:
        client = openfactura.Openfactura(KEY, base_url=server.base_url, rate_limits=None)
        client.request("GET", "/v2/dte/organization")
        thread = client._runner.thread
        assert thread is not None and thread.is_alive()
        return thread, client._async._transport._session

    thread, session = use_and_drop()
    gc.collect()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert session is not None and session.closed


async def test_the_blocking_client_refuses_a_session_of_another_loop() -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        with pytest.raises(openfactura.ConfigurationError, match="AsyncOpenfactura"):
            openfactura.Openfactura(KEY, base_url="http://127.0.0.1:9", session=session)
    assert sdk_threads() == []


def test_calls_in_flight_when_the_client_closes_get_errors_they_can_act_on() -> None:
    runner = LoopThread("openfactura-test")
    started = threading.Semaphore(0)

    async def slow_get() -> None:
        started.release()
        await asyncio.Event().wait()  # until the client closes

    async def slow_emission() -> None:
        started.release()
        try:
            await asyncio.Event().wait()  # until the client closes
        except asyncio.CancelledError as exc:
            # What the transport does: the cancellation stays one, raised from the key.
            raise exc from openfactura.OutcomeUnknownError("Cut short.", idempotency_key="k-9")

    outcomes: dict[str, BaseException] = {}

    def call(name: str, make: Any) -> None:
        try:
            runner.run(make())
        except BaseException as exc:
            outcomes[name] = exc

    threads = [
        threading.Thread(target=call, args=("get", slow_get)),
        threading.Thread(target=call, args=("emit", slow_emission)),
    ]
    for thread in threads:
        thread.start()
    assert started.acquire(timeout=5) and started.acquire(timeout=5)
    runner.close()
    for thread in threads:
        thread.join(5)
    assert isinstance(outcomes["get"], RuntimeError)
    assert "closed" in str(outcomes["get"])
    emit = outcomes["emit"]
    assert type(emit) is openfactura.OutcomeUnknownError  # not a CancelledError any more
    assert emit.idempotency_key == "k-9"
    assert str(emit).count("Re-send") == 1


def test_calling_from_its_own_loop_thread_fails_fast() -> None:
    runner = LoopThread("openfactura-test")

    async def reenter() -> int:
        return runner.run(asyncio.sleep(0, result=1))

    with pytest.raises(RuntimeError, match="deadlock"):
        runner.run(reenter())
    runner.close()
    assert sdk_threads() == []


def test_async_iterators_become_plain_iterators() -> None:
    runner = LoopThread("openfactura-test")
    closed: list[bool] = []

    async def pages() -> AsyncIterator[int]:
        try:
            for i in range(5):
                await asyncio.sleep(0)
                yield i
        finally:
            closed.append(True)

    assert list(runner.iterate(pages())) == [0, 1, 2, 3, 4]
    iterator = runner.iterate(pages())
    assert next(iterator) == 0
    iterator.close()  # abandoning early still closes the async generator on its loop
    assert closed == [True, True]
    runner.close()


def test_errors_propagate_unchanged(server: ThreadedServer) -> None:
    with openfactura.Openfactura(KEY, base_url=server.base_url, rate_limits=None) as client:
        with pytest.raises(openfactura.NotFoundError):
            client.request("GET", "/v2/dte/nowhere")


def _use_in_child(client: openfactura.Openfactura, out: object) -> None:
    out.put(client.request("GET", "/v2/dte/organization")["rut"])  # type: ignore[attr-defined]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_client_used_before_fork_works_in_the_child(server: ThreadedServer) -> None:
    """gunicorn --preload / Celery prefork: the child gets a fresh loop thread and session."""
    import multiprocessing
    import warnings

    ctx = multiprocessing.get_context("fork")
    with openfactura.Openfactura(KEY, base_url=server.base_url) as client:
        client.request(
            "GET", "/v2/dte/organization"
        )  # loop thread, session and limiter now exist in the parent
        queue = ctx.Queue()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            child = ctx.Process(target=_use_in_child, args=(client, queue))
            child.start()
        child.join(30)
        assert child.exitcode == 0
        assert queue.get(timeout=5) == "76795561-8"
        assert (
            client.request("GET", "/v2/dte/organization")["rut"] == "76795561-8"
        )  # the parent is unaffected
