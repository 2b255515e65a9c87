"""Fuzzing the RUT parser: whatever it is given, a ``Rut`` or a ``ValidationError``.

The valid side (every body round-trips, the check digit against a naive oracle) is in
``tests/models/test_models_rut.py``; this is the hostile side: any text, any number, any
object, through ``Rut()``, ``Rut.is_valid``, ``Rut.from_parts`` and ``compute_dv``, and
through the SDK's own RUT arguments (``as_rut``, used by every method taking a RUT).
"""

from __future__ import annotations

from typing import Any

from fuzzing import budget, odd_values, typed
from hypothesis import given
from hypothesis import strategies as st

import openfactura
from openfactura import Rut
from openfactura._rut import compute_dv, normalize_rut_text
from openfactura.resources._common import as_rut


def mod11(body: int) -> str:
    """The check digit, worked out the schoolbook way (independent of the SDK)."""
    weights = [2, 3, 4, 5, 6, 7]
    total = sum(int(d) * weights[i % 6] for i, d in enumerate(reversed(str(body))))
    rest = 11 - total % 11
    return {11: "0", 10: "K"}.get(rest, str(rest))


rut_like = st.one_of(
    st.text(alphabet="0123456789kK-. \t", max_size=14),
    st.text(max_size=14),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.from_regex(r"\A[0-9]{1,12}-[0-9kK]\Z"),
    st.sampled_from(["9" * 5000 + "-9", "0" * 5000 + "1-9", "1" * 5000]),
)
anything = st.one_of(rut_like, odd_values)


@budget(600)
@given(value=anything)
def test_rut_is_a_rut_or_a_validation_error(value: Any) -> None:
    result = typed(Rut, value)
    valid = typed(Rut.is_valid, value)
    assert isinstance(valid, bool)
    if isinstance(result, Rut):
        assert valid
        assert 0 < result.body < 10**9 and result.dv == mod11(result.body)
        assert Rut(str(result)) == result
    else:
        assert isinstance(result, openfactura.ValidationError) and result.problems
        assert not valid
    normalized = typed(normalize_rut_text, value)
    assert not isinstance(normalized, openfactura.OpenfacturaError)


@budget(300)
@given(body=anything, dv=st.one_of(st.none(), anything))
def test_from_parts_and_compute_dv_take_anything(body: Any, dv: Any) -> None:
    rut = typed(Rut.from_parts, body, dv)
    digit = typed(compute_dv, body)
    if isinstance(digit, str) and body < 10**12:  # the oracle writes the body out
        assert digit == mod11(body)
    if isinstance(rut, Rut):
        assert rut.body == int(str(body))


@budget(300)
@given(value=anything)
def test_rut_arguments_of_the_sdk(value: Any) -> None:
    result = typed(as_rut, "rut", value)
    assert isinstance(result, (Rut, openfactura.ValidationError))
