"""Fuzzing every public method's arguments: refused locally with a ``ValidationError``, or
sent. Never a bare ``TypeError``/``ValueError`` from the SDK's own checks.

The methods are found by introspection (the fault matrix's ``public_methods``), each
parameter gets hostile values or plausible ones, and the transport's ``_send`` is replaced
by a door that stops the request once every local check passed (its URL, headers and JSON
body were written): nothing is sent anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yarl
from fuzzing import budget, odd_values
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

import openfactura
from openfactura.types import Filter

sys.path.insert(0, str(Path(__file__).parents[1] / "faults"))
from fault_scenarios import public_methods

KEY = "d3ad11e5d3ad11e5d3ad11e5d3ad11e5"


class RequestLeftError(Exception):
    """The call got past every local check."""


plausible = st.one_of(
    st.sampled_from(["76795561-8", "76.795.561-8", "66666666-6", "2026-09-27", "ACD", "purchase"]),
    st.sampled_from([33, 39, 52, 1, 202609, "33", "abc" * 3, "https://x/autoservicio/abc"]),
    st.dates(),
    st.builds(Filter, gte=st.one_of(st.none(), odd_values), lte=st.one_of(st.none(), odd_values)),
    st.tuples(st.one_of(st.none(), st.dates()), st.one_of(st.none(), odd_values)),
    st.lists(st.sampled_from([33, 39, "x", None]), max_size=3),
    st.dictionaries(st.sampled_from(["gte", "lt", "eq", "in", "x"]), odd_values, max_size=2),
)
argument = st.one_of(plausible, odd_values)

SKIP_PARAMETERS = {"self", "dte"}
"""``dte`` is fuzzed with the models (test_fuzz_documents.py)."""


def _methods() -> list[tuple[str, Any]]:
    async def make() -> list[tuple[str, Any]]:
        client = openfactura.AsyncOpenfactura(KEY, rate_limits=None)
        found = []
        for name in sorted(public_methods(client)):
            owner: Any = client
            for part in name.split(".")[:-1]:
                owner = getattr(owner, part)
            found.append((name, getattr(type(owner), name.rsplit(".", 1)[-1])))
        await client.aclose()
        return found

    return asyncio.run(make())


METHODS = _methods()


@st.composite
def calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name, function = draw(st.sampled_from(METHODS))
    kwargs: dict[str, Any] = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name in SKIP_PARAMETERS or parameter.kind in (
            parameter.VAR_POSITIONAL,
            parameter.VAR_KEYWORD,
        ):
            continue
        required = parameter.default is parameter.empty
        if required or draw(st.booleans()):
            kwargs[parameter.name] = draw(argument)
    if name == "documents.emit":
        kwargs["dte"] = {"Encabezado": {"IdDoc": {"TipoDTE": 33}}}
        kwargs["validate"] = False
    return name, kwargs


async def _drive(result: Any) -> None:
    if inspect.iscoroutine(result):
        await result
    elif hasattr(result, "first_page"):  # a pager: nothing is sent until it is used
        await result.first_page()
    elif hasattr(result, "__anext__"):
        with contextlib.suppress(StopAsyncIteration):  # nothing to wait for
            await result.__anext__()


async def _call(name: str, kwargs: dict[str, Any]) -> BaseException | None:
    client = openfactura.AsyncOpenfactura(KEY, rate_limits=None)

    async def door(
        method: str, url: str, body: Any, params: Any, headers: Any, stamp: Any = None
    ) -> Any:
        yarl.URL(url).extend_query(params or {})  # what aiohttp does first with them
        CIMultiDict(headers)
        raise RequestLeftError  # every local check passed: the request would leave now

    client._transport._send = door  # type: ignore[method-assign]
    owner: Any = client
    for part in name.split("."):
        owner = getattr(owner, part)
    try:
        await _drive(owner(**kwargs))
    except (RequestLeftError, openfactura.OpenfacturaError) as exc:
        return exc
    finally:
        await client.aclose()
    return None


@pytest.fixture(scope="module", autouse=True)
def scratch_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Run in a scratch directory: a fuzzed text may be taken as a path (emit_many's
    ``journal="ACD"`` makes a SQLite journal there), never in the project's."""
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("fuzz-arguments"))
    try:
        yield
    finally:
        os.chdir(here)


@budget(800)
@given(call=calls())
def test_every_public_method_refuses_bad_arguments_with_a_typed_error(
    call: tuple[str, dict[str, Any]],
) -> None:
    name, kwargs = call
    outcome = asyncio.run(_call(name, kwargs))
    if isinstance(outcome, openfactura.OpenfacturaError):
        assert isinstance(outcome, openfactura.ValidationError), repr(outcome)
        assert outcome.problems
        str(outcome), repr(outcome)
