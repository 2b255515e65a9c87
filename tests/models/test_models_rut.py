from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

import openfactura
from openfactura._converter import structure, unstructure
from openfactura._rut import Rut


def mod11_dv(body: int) -> str:
    """The SII check digit, written out plainly: digits from the right times 2, 3, ... 7,
    2, 3...; 11 minus the sum's remainder by 11; 11 is "0" and 10 is "K"."""
    digits = [int(ch) for ch in str(body)]
    weights = [2, 3, 4, 5, 6, 7]
    total = sum(d * weights[i % 6] for i, d in enumerate(reversed(digits)))
    rest = 11 - total % 11
    return {11: "0", 10: "K"}.get(rest, str(rest))


# RUTs published with their check digits (reference §9 and the SII's anonymous consumer),
# and hand-checked ones that cover "0" and "K".
KNOWN = {
    76795561: "8",  # HAULMER SPA
    76430498: "5",  # HOSTY SPA
    66666666: "6",  # consumidor final
    55555555: "5",  # extranjero
    10000013: "K",  # 3·2+1·3+0·4+0·5+0·6+0·7+0·2+1·3 = 12; 11 - 1 = 10 -> K
    11111111: "1",
    1000005: "K",
    10000004: "0",  # 4·2+1·3 = 11; 11 - 0 = 11 -> 0
}


def test_the_oracle_agrees_with_the_known_ruts() -> None:
    assert {body: mod11_dv(body) for body in KNOWN} == KNOWN


@pytest.mark.parametrize(("body", "dv"), sorted(KNOWN.items()))
def test_known_ruts(body: int, dv: str) -> None:
    assert Rut.from_parts(body).dv == dv
    assert Rut.is_valid(f"{body}-{dv}")
    assert not Rut.is_valid(f"{body}-{'1' if dv != '1' else '2'}")


@pytest.mark.parametrize("text", ["76.795.561-8", "76795561-8", "767955618", " 76795561-8 "])
def test_parses_every_spelling(text: str) -> None:
    rut = Rut(text)
    assert str(rut) == "76795561-8"
    assert rut.body == 76795561
    assert rut.dv == "8"
    assert rut.format(dots=True) == "76.795.561-8"
    assert rut.format() == "76795561-8"


@pytest.mark.parametrize("text", ["10.000.013-k", "10000013-K", "10000013k"])
def test_k_in_either_case(text: str) -> None:
    assert Rut(text).dv == "K"
    assert str(Rut(text)) == "10000013-K"


@pytest.mark.parametrize("bad", ["76795561-7", "abc", "", "-8", "76795561-X", "0-0"])
def test_invalid_raises_naming_the_value(bad: str) -> None:
    with pytest.raises(openfactura.ValidationError) as info:
        Rut(bad)
    assert repr(bad) in str(info.value)
    assert not Rut.is_valid(bad)


def test_wrong_check_digit_says_which_is_expected() -> None:
    with pytest.raises(openfactura.ValidationError, match="expected 8"):
        Rut("76795561-7")


def test_value_semantics() -> None:
    a, b = Rut("76.795.561-8"), Rut("767955618")
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    assert Rut("66666666-6") < Rut("76795561-8")
    assert a != "76795561-8"
    assert repr(a) == "Rut('76795561-8')"
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(AttributeError):
        a._body = 1  # type: ignore[misc]


def test_from_parts_and_known_ruts() -> None:
    assert Rut.from_parts(76795561) == Rut("76795561-8")
    assert Rut.is_valid("76430498-5")
    assert Rut.is_valid("66666666-6")
    assert Rut.is_valid(Rut("66666666-6"))
    assert not Rut.is_valid(None)


def test_converter_hooks() -> None:
    assert structure("76.795.561-8", Rut) == Rut("76795561-8")
    assert unstructure(Rut("767955618")) == "76795561-8"
    with pytest.raises(openfactura.ValidationError):
        structure("76795561-7", Rut)


@given(st.integers(min_value=1, max_value=99_999_999))
def test_every_body_round_trips(body: int) -> None:
    rut = Rut.from_parts(body)
    assert Rut(rut.format(dots=True)) == rut
    assert Rut(f"{body}{rut.dv.lower()}") == rut
    assert rut.dv == mod11_dv(body)
    wrong = next(d for d in "0123456789K" if d != rut.dv)
    assert not Rut.is_valid(f"{body}-{wrong}")


@pytest.mark.parametrize("text", ["²-2", "1²-2", "76795561-٨", "７６７９５５６１-8"])
def test_digits_other_than_ascii_are_invalid_not_a_crash(text: str) -> None:
    assert Rut.is_valid(text) is False
    with pytest.raises(openfactura.ValidationError):
        Rut(text)


@pytest.mark.parametrize("body", [-5, 0, True])
def test_check_digit_of_an_impossible_body_is_refused_at_once(body: int) -> None:
    from openfactura._rut import compute_dv

    with pytest.raises(openfactura.ValidationError):
        compute_dv(body)
    with pytest.raises(openfactura.ValidationError):
        Rut.from_parts(body)
