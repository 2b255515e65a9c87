"""Fuzzing the decoders: whatever JSON the server sends, the SDK answers with a model or a
typed error, never a ``KeyError``/``TypeError``/``ValueError`` of its own."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import openfactura
from openfactura._decode import _IDENTITY, decode, decode_list
from openfactura._exceptions import make_api_error
from openfactura._transport import Response
from openfactura.types import PurchaseSummary

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "N/A", "nan", "Aceptado", "33", "%PDF", "PGh0bWw+", "JVBERi0x"]),
)
KEYS = st.sampled_from(
    [
        "TOKEN",
        "token",
        "Token",
        "estado",
        "pdf",
        "cedible",
        "xml",
        "json",
        "data",
        "current_page",
        "last_page",
        "total",
        "TipoDTE",
        "Folio",
        "rut",
        "razonSocial",
        "actividades",
        "documentos",
        "dte",
        "disponibles",
        "registros",
        "error",
        "message",
        "code",
        "details",
        "retry_after",
        "validationErrors",
        "success",
        "response",
    ]
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=6)
    ),
    max_leaves=25,
)
ANSWERS = sorted(_IDENTITY, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", ANSWERS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None)
@given(data=JSON)
def test_any_answer_is_a_model_or_a_decode_error(cls: type, data: Any) -> None:
    response = Response(status=200, headers={}, data=data)
    try:
        result = (
            decode_list(response, cls, "x")
            if cls is PurchaseSummary
            else decode(response, cls, "x")
        )
    except openfactura.ResponseDecodeError as exc:
        error = exc
    else:
        assert result is not None
        return
    assert error.status == 200 and error.problems
    str(error), repr(error)


@settings(max_examples=300, deadline=None)
@given(status=st.sampled_from([400, 401, 403, 404, 429, 500, 502]), body=JSON)
def test_any_error_body_gives_a_typed_error_with_text(status: int, body: Any) -> None:
    error = make_api_error(status, body, retry_after=None)
    assert isinstance(error, openfactura.APIError) and error.status == status
    assert isinstance(error.message, str) and error.message
    assert all(isinstance(f, str) and isinstance(i, str) for f, i in error.details)
    if isinstance(error, openfactura.RateLimitError) and error.retry_after is not None:
        assert math.isfinite(error.retry_after) and error.retry_after >= 0
    str(error), repr(error)
