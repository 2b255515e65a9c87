"""Shared pieces of the fuzz suite: example budgets, hostile values, the typed-error rule.

Budgets: every property runs a bounded number of examples in the default test command
(the suite stays fast); ``OPENFACTURA_FUZZ_EXAMPLES=N`` gives every property of
``tests/fuzz`` ``N`` examples instead (``nox -s fuzz`` runs 5,000 each), for long runs::

    OPENFACTURA_FUZZ_EXAMPLES=20000 python -m pytest tests/fuzz -q
"""

from __future__ import annotations

import decimal
import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import openfactura

T = TypeVar("T")

LONG_RUN = int(os.environ.get("OPENFACTURA_FUZZ_EXAMPLES", "0") or 0)
"""Examples per property for a long run (0: each property's own bounded budget)."""


def budget(examples: int) -> settings:
    """Settings for a property: ``examples`` examples, or the long run's count."""
    return settings(
        max_examples=LONG_RUN or examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


UNTYPED: tuple[type[BaseException], ...] = (
    KeyError,
    TypeError,
    ValueError,
    decimal.InvalidOperation,
    RecursionError,
    AttributeError,
    IndexError,
    LookupError,
    OverflowError,
    UnicodeError,
    AssertionError,
)
"""What must never come out of the SDK (its own errors that inherit from ``ValueError``,
``ValidationError`` and ``ResponseDecodeError``, are typed and fine)."""


def typed(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | openfactura.OpenfacturaError:
    """``call(...)``'s result, or the :class:`~openfactura.OpenfacturaError` it raised.

    Anything else propagates and fails the property (Hypothesis then shrinks it).
    """
    try:
        return call(*args, **kwargs)
    except openfactura.OpenfacturaError as exc:
        str(exc), repr(exc)  # an error that cannot even be shown is no better
        return exc


# -- hostile values ---------------------------------------------------------------------------

odd_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "nan",
            "Infinity",
            "-inf",
            "1e400",
            "1e-400",
            "0x10",
            "１２",
            "٣",
            "9" * 5000,
            "-" * 3,
            "76795561-8",
            "76.795.561-K",
            "2026-02-30",
            "\x00",
            "\ud800",
            "<a>",
            "%PDF-1.4",
        ]
    ),
)
odd_numbers = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 2**63, -(2**63), 10**30]),
    # more digits than int() and str() convert by default (sys.get_int_max_str_digits())
    st.integers(min_value=4301, max_value=5000).map(lambda n: -(10**n) if n % 2 else 10**n),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([decimal.Decimal("sNaN"), decimal.Decimal("1e999999"), decimal.Decimal("-0")]),
)
odd_scalars = st.one_of(
    st.none(), st.booleans(), odd_numbers, odd_text, st.binary(max_size=8), st.just(object())
)
odd_values = st.recursive(
    odd_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=6), inner, max_size=3),
        st.tuples(inner),
    ),
    max_leaves=6,
)
"""Anything a caller might pass by mistake (JSON or not)."""

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", "N/A", "nan", "Aceptado", "33", "%PDF", "PGh0bWw+", "9" * 5000]),
)


def json_values(keys: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """JSON values, objects keyed by ``keys`` (default: any short text)."""
    names = keys if keys is not None else st.text(max_size=8)
    return st.recursive(
        json_scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(names, inner, max_size=5)
        ),
        max_leaves=20,
    )
