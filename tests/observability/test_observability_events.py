"""Each event type, from the sandbox's faults and strict windows, exactly as documented.

The expected sequences are worked out by hand from the sandbox's rules: its window of 2
requests per 2 s (a 429 says ``Retry-After: 2``), the retry backoff with the jitter pinned
to 0.5 (``0.5 * min(8, 0.5 * 2**n)``: 0.25 s after the first attempt, 0.5 s after the
second), and a clock that only the code's own sleeps move (so every duration is 0.0).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aioresponses import aioresponses
from examples import FACTURA
from observability_helpers import KEY, START, Clocked, key_pieces

import openfactura
from openfactura import (
    LimiterWaited,
    OutcomeUnknown,
    RateLimit,
    RateLimitPaused,
    RequestFailed,
    RequestStarted,
    ResponseReceived,
    RetryScheduled,
)

EMIT = "/v2/dte/document"
ORG = "/v2/dte/organization"
ORDER_KEY = "order-1001"


def base(operation: str, method: str, path: str, attempt: int) -> dict[str, Any]:
    return {"operation": operation, "method": method, "path": path, "attempt": attempt}


def emit(attempt: int) -> dict[str, Any]:
    return base("documents.emit", "POST", EMIT, attempt)


def org(attempt: int, operation: str = "organization.get") -> dict[str, Any]:
    return base(operation, "GET", ORG, attempt)


def started_emit(attempt: int) -> RequestStarted:
    return RequestStarted(**emit(attempt), idempotency_key=ORDER_KEY, tipo_dte=33)


async def test_an_emission_with_a_429_pause_and_a_retry(clocked: Clocked) -> None:
    events: list[openfactura.Event] = []
    await clocked.fill_window(2)  # another program spent the key's window
    clocked.fake.fail_next(status=503, path=EMIT)  # the next request past the gateway: 503
    client = clocked.client(on_event=events.append)

    result = await client.documents.emit(FACTURA["dte"], idempotency_key=ORDER_KEY)

    (stored,) = clocked.fake.documents  # the sandbox's own record of what it emitted
    assert (result.token, result.folio) == (stored.token, stored.folio)
    assert events == [
        started_emit(1),
        ResponseReceived(**emit(1), status=429, duration=0.0),
        RateLimitPaused(**emit(1), hint=2.0, source="header", pause=2.0),
        RetryScheduled(**emit(1), reason="rate_limited", delay=2.0),
        started_emit(2),  # at +2 s: the window has room; the fault answers 503
        ResponseReceived(**emit(2), status=503, duration=0.0),
        RetryScheduled(**emit(2), reason="server_error", delay=0.5),
        started_emit(3),
        ResponseReceived(
            **emit(3), status=200, duration=0.0, token=stored.token, folio=stored.folio
        ),
    ]
    assert clocked.clock.sleeps == [2.0, 0.5]
    assert not [piece for event in events for piece in key_pieces(repr(event))]


async def test_limiter_waited_names_the_window_that_held_it(clocked: Clocked) -> None:
    clocked.fake.rate_limits = ()  # only the client's limiter counts here
    events: list[openfactura.Event] = []
    limiter = clocked.limiter((RateLimit(1, 1.0), RateLimit(3, 10.0)))
    client = clocked.client(limiter=limiter, on_event=events.append)

    for _ in range(4):
        await client.organization.get()

    waits = [(e.seconds, e.window) for e in events if isinstance(e, LimiterWaited)]
    # By hand: sent at 0, 1, 2 (each held 1 s by 1/1s), then 3/10s holds the 4th until 10.
    assert waits == [(0.0, None), (1.0, "1/1s"), (1.0, "1/1s"), (8.0, "3/10s")]
    assert clocked.clock.now == START + 10.0
    # LimiterWaited comes right before the RequestStarted of its attempt
    kinds = [type(e).__name__ for e in events[:3]]
    assert kinds == ["LimiterWaited", "RequestStarted", "ResponseReceived"]


async def test_waiting_out_the_keys_429_pause_is_a_limiter_wait(clocked: Clocked) -> None:
    events: list[openfactura.Event] = []
    await clocked.fill_window(2)
    client = clocked.client(on_event=events.append, max_retries=0)

    with pytest.raises(openfactura.RateLimitError):
        await client.organization.get()  # 429, not retried: the key stays paused 2 s
    await client.organization.get()  # waits the pause first

    assert events == [
        RequestStarted(**org(1), idempotency_key=None),
        ResponseReceived(**org(1), status=429, duration=0.0),
        RateLimitPaused(**org(1), hint=2.0, source="header", pause=2.0),
        LimiterWaited(**org(1), seconds=2.0, window="pause"),
        RequestStarted(**org(1), idempotency_key=None),
        ResponseReceived(**org(1), status=200, duration=0.0),
    ]


async def test_a_429_without_a_header_hint_and_the_default(clocked: Clocked) -> None:
    """A hint in the body only ("Try again in 3 seconds"), then none at all (1 s)."""
    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    url = f"{clocked.fake.base_url}{ORG}"
    with aioresponses(passthrough=[]) as mocked:
        body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 3 seconds."}
        mocked.get(url, status=429, payload=body)
        mocked.get(url, status=429, body=b"")
        mocked.get(url, payload={"rut": "76795561-8"})
        await client.request("GET", ORG)
    paused = [(e.hint, e.source, e.pause) for e in events if isinstance(e, RateLimitPaused)]
    assert paused == [(3.0, "body", 3.0), (None, "default", 1.0)]


async def test_a_dropped_connection_fails_the_attempt_and_the_emission_is_retried(
    clocked: Clocked,
) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    clocked.fake.drop_after_store_next(path=EMIT)  # stored, then the connection is cut
    client = clocked.client(on_event=events.append)

    result = await client.documents.emit(FACTURA["dte"], idempotency_key=ORDER_KEY)

    (stored,) = clocked.fake.documents
    failed = events[1]
    assert isinstance(failed, RequestFailed)
    assert (failed.error, failed.sent, failed.duration) == ("APIConnectionError", True, 0.0)
    assert failed.detail  # the error's first line (host and what happened)
    assert events[2] == RetryScheduled(**emit(1), reason="connection_error", delay=0.25)
    # the retry finds the document (OF-06 with its token): a replay, no second document
    assert events[3:5] == [
        started_emit(2),
        ResponseReceived(**emit(2), status=400, duration=0.0, code="OF-06", token=stored.token),
    ]
    assert result.replayed and result.token == stored.token


async def test_a_read_whose_connection_died_is_retried_by_the_sdk(clocked: Clocked) -> None:
    """aiohttp's own silent re-send of a GET on a fresh connection is off (it would bypass
    the limiter and the retry policy): the dead connection is a failed attempt, and the
    SDK's policy retries it through the limiter as attempt 2."""
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    clocked.fake.drop_after_store_next(path=ORG)
    client = clocked.client(on_event=events.append)

    await client.organization.get()

    assert [(type(e).__name__, e.attempt) for e in events] == [
        ("RequestStarted", 1),
        ("RequestFailed", 1),
        ("RetryScheduled", 1),
        ("RequestStarted", 2),
        ("ResponseReceived", 2),
    ]
    failed, retry = events[1], events[2]
    assert isinstance(failed, RequestFailed) and failed.error == "APIConnectionError"
    assert failed.sent is True
    assert isinstance(retry, RetryScheduled) and retry.reason == "connection_error"


async def test_an_attempt_timeout_is_a_failed_attempt_retried_as_timeout(
    clocked: Clocked,
) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    clocked.fake.delay_next(seconds=0.2, path=ORG)  # the server holds it; we give up at 0.05
    client = clocked.client(on_event=events.append, attempt_timeout=0.05)

    await client.organization.get()

    failed, retry = events[1], events[2]
    assert isinstance(failed, RequestFailed) and failed.error == "APITimeoutError"
    assert retry == RetryScheduled(**org(1), reason="timeout", delay=0.25)
    assert isinstance(events[-1], ResponseReceived) and events[-1].status == 200


@pytest.mark.parametrize("fault", ["drop", "502 after store", "truncated"])
async def test_an_emission_without_a_verdict_is_one_outcome_unknown(
    clocked: Clocked, fault: str
) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    if fault == "drop":
        clocked.fake.drop_after_store_next(path=EMIT)
    elif (
        fault == "truncated"
    ):  # a 2xx the SDK cannot read: raised by the emission, not the transport
        clocked.fake.truncated_next(path=EMIT)
    else:
        clocked.fake.fail_next(status=502, after_store=True, path=EMIT)
    client = clocked.client(on_event=events.append, max_retries=0)

    with pytest.raises(openfactura.OutcomeUnknownError) as info:
        await client.documents.emit(FACTURA["dte"], idempotency_key=ORDER_KEY)

    unknown = [e for e in events if isinstance(e, OutcomeUnknown)]
    assert unknown == [
        OutcomeUnknown(
            **emit(1), idempotency_key=ORDER_KEY, reason=info.value.reason.split("\n")[0]
        )
    ]
    assert events[-1] is unknown[0]
    assert len(clocked.fake.documents) == 1  # it does exist: re-send with the key


async def test_a_replay_gives_the_original_token_on_the_response_received(
    clocked: Clocked,
) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    first = await client.documents.emit(FACTURA["dte"], idempotency_key=ORDER_KEY)
    events.clear()

    again = await client.documents.emit(FACTURA["dte"], idempotency_key=ORDER_KEY)

    assert again.replayed
    answer = events[1]
    assert isinstance(answer, ResponseReceived)
    assert (answer.status, answer.code, answer.token) == (400, "OF-06", first.token)
    # the replay's FOLIO is read by token within the same call: same operation
    assert [e.path for e in events if isinstance(e, RequestStarted)] == [
        EMIT,
        "/v2/dte/document/{token}/json",
    ]
    assert {e.operation for e in events} == {"documents.emit"}
    read = [e for e in events if isinstance(e, RequestStarted)][1]
    assert read.token == first.token


async def test_paths_are_templates_and_the_document_is_named_apart(clocked: Clocked) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    result = await client.documents.emit(FACTURA["dte"])
    events.clear()

    await client.documents.status(rut="76795561-8", dte_type=33, folio=result.folio)
    await client.documents.pdf(result.token)
    await client.taxpayers.get("76430498-5")

    started = [e for e in events if isinstance(e, RequestStarted)]
    assert [(e.operation, e.path, e.tipo_dte, e.folio, e.token) for e in started] == [
        (
            "documents.status",
            "/v2/dte/document/{rut}/{dte_type}/{folio}/status",
            33,
            result.folio,
            None,
        ),
        ("documents.pdf", "/v2/dte/document/{token}/pdf", None, None, result.token),
        ("taxpayers.get", "/v2/dte/taxpayer/{rut}", None, None, None),
    ]
    text = " ".join(repr(event) for event in events)
    assert "76795561" not in text and "76430498" not in text  # no RUT in any event


async def test_operation_names_the_sdk_call_raw_requests_pagers_and_nested_calls(
    clocked: Clocked,
) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    result = await client.documents.emit(FACTURA["dte"])

    client.documents._sleep = clocked.clock.sleep  # wait()'s polls, on the fake clock
    client.documents._clock = clocked.clock

    await client.request("GET", "/v2/dte/organization/document")
    await client.documents.issued().first_page()
    await client.documents.wait(result.token, interval=1.0)  # Pendiente, then final

    operations = [e.operation for e in events if isinstance(e, RequestStarted)]
    assert operations == [
        "documents.emit",
        "request",
        "documents.issued",
        "documents.status",  # wait() polls through status(): each poll is its own call
        "documents.status",
    ]


async def test_the_gateways_request_id_is_on_the_response(clocked: Clocked) -> None:
    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    with aioresponses() as mocked:
        headers = {"X-Request-Id": "gw-7f3a"}
        mocked.get(f"{clocked.fake.base_url}{ORG}", payload={"rut": "1-9"}, headers=headers)
        await client.request("GET", ORG)
    (answer,) = [e for e in events if isinstance(e, ResponseReceived)]
    assert answer.request_id == "gw-7f3a"


async def test_an_error_answer_carries_the_apis_code(clocked: Clocked) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    with pytest.raises(openfactura.NotFoundError) as info:
        await client.documents.status(rut="76795561-8", dte_type=33, folio=999_999)
    (answer,) = [e for e in events if isinstance(e, ResponseReceived)]
    assert (answer.status, answer.code) == (info.value.status, info.value.code)
    assert answer.code == "OF-22"


async def test_a_hook_that_raises_is_logged_once_and_ignored(
    clocked: Clocked, caplog: pytest.LogCaptureFixture
) -> None:
    clocked.fake.rate_limits = ()
    caplog.set_level(logging.WARNING, logger="openfactura")
    seen: list[openfactura.Event] = []

    def broken(event: openfactura.Event) -> None:
        raise ValueError("a bug in the hook")

    client = clocked.client(on_event=[broken, seen.append])
    for _ in range(3):
        assert (await client.organization.get()).rut == "76795561-8"

    assert len(seen) == 6  # the second hook got every event
    warnings = [r for r in caplog.records if r.name == "openfactura"]
    assert len(warnings) == 1
    assert "broken" in warnings[0].getMessage() and "ValueError" in warnings[0].getMessage()
    assert warnings[0].exc_info is not None  # with the hook's traceback


def test_on_event_is_validated_and_the_same_on_both_clients() -> None:
    with pytest.raises(openfactura.ConfigurationError, match="on_event"):
        openfactura.AsyncOpenfactura("k" * 32, on_event=["not callable"])  # type: ignore[list-item]
    with openfactura.Openfactura("k" * 32, on_event=print) as client:
        assert client._async._transport.observer is not None
        assert client._async._transport.observer.hooks == (print,)


def test_the_blocking_client_emits_the_same_events(clocked_thread: Clocked) -> None:
    events: list[openfactura.Event] = []
    with openfactura.Openfactura(
        KEY, base_url=clocked_thread.fake.base_url, rate_limits=None, on_event=events.append
    ) as client:
        clocked_thread.tune(client)
        clocked_thread.fake.fail_next(status=503, path=ORG)
        client.organization.get()
    assert events == [
        RequestStarted(**org(1), idempotency_key=None),
        ResponseReceived(**org(1), status=503, duration=0.0),
        RetryScheduled(**org(1), reason="server_error", delay=0.25),
        RequestStarted(**org(2), idempotency_key=None),
        ResponseReceived(**org(2), status=200, duration=0.0),
    ]


async def test_without_listeners_no_event_is_built(
    clocked: Clocked, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No hook, no tracer, the logger below INFO: the transport builds no watch at all."""
    from openfactura import _observe

    caplog.set_level(logging.WARNING, logger="openfactura")

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an event was prepared with nobody listening")

    monkeypatch.setattr(_observe.RequestWatch, "__init__", forbidden)
    monkeypatch.setattr(_observe, "_open", forbidden)
    client = clocked.client()
    await client.organization.get()
    clocked.fake.fail_next(status=503, path=ORG)
    await client.organization.get()


def test_events_are_frozen_and_slotted() -> None:
    event = RequestStarted(**org(1), idempotency_key=None)
    with pytest.raises(AttributeError):
        event.attempt = 2  # type: ignore[misc]
    assert not hasattr(event, "__dict__")
    assert event.as_dict() == {
        **org(1),
        "idempotency_key": None,
        "tipo_dte": None,
        "folio": None,
        "token": None,
    }


async def test_concurrent_calls_keep_their_own_operation(clocked: Clocked) -> None:
    clocked.fake.rate_limits = ()
    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    await asyncio.gather(
        client.organization.get(), client.organization.folios(), client.request("GET", ORG)
    )
    pairs = {(e.operation, e.path) for e in events if isinstance(e, RequestStarted)}
    assert pairs == {
        ("organization.get", ORG),
        ("organization.folios", "/v2/dte/organization/document"),
        ("request", ORG),
    }


async def test_an_observed_emissions_warning_still_points_at_the_caller(clocked: Clocked) -> None:
    """The call scope adds a frame between emit() and its caller; the warning skips it."""
    import warnings

    from openfactura.types import OpenfacturaWarning

    events: list[openfactura.Event] = []
    client = clocked.client(on_event=events.append)
    answer = {"TOKEN": "t0k3n", "FOLIO": 7, "WARNING": "Guía sin datos de transporte"}
    with aioresponses() as mocked, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mocked.post(f"{clocked.fake.base_url}{EMIT}", payload=answer)
        await client.documents.emit(FACTURA["dte"])
    (warning,) = [w for w in caught if issubclass(w.category, OpenfacturaWarning)]
    assert warning.filename == __file__
    assert events  # it was observed


async def test_an_observed_call_cancelled_before_it_starts_leaves_nothing_behind(
    clocked: Clocked,
) -> None:
    """No "coroutine was never awaited": the method's coroutine is made inside the call."""
    import gc
    import warnings

    client = clocked.client(on_event=lambda event: None)

    async def cancel_at_once() -> bool:
        task = asyncio.ensure_future(client.organization.get())
        task.cancel()
        await asyncio.wait([task])
        return task.cancelled()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert await cancel_at_once()
        gc.collect()
    assert [str(w.message) for w in caught] == []
