"""Money: parsing what cashiers type, formatting, arithmetic, bounds and allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.domain.errors import CurrencyMismatch, DomainError, InvalidAmount
from pos.domain.money import MAX_MINOR, Money, allocate, exponent, round_half_up

# -- parse: valid input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1,250", 125_000),
        ("1250.5", 125_050),
        ("0.50", 50),
        ("  12 ", 1_200),
        ("-3.00", -300),
        ("1,234,567.89", 123_456_789),
        ("0", 0),
        (".5", 50),
        ("7.", 700),
        ("\t42.10\n", 4_210),
    ],
)
def test_parse_accepts_what_cashiers_type(text: str, minor: int) -> None:
    """Typical typed amounts become the exact number of cents, in KES by default."""
    assert Money.parse(text) == Money(minor, "KES")


def test_parse_ugx_has_no_decimals() -> None:
    """UGX has exponent 0: "1,250" is 1250 minor units and a decimal part is refused."""
    assert exponent("UGX") == 0
    assert Money.parse("1,250", "UGX") == Money(1_250, "UGX")
    assert Money.parse("-7", "UGX") == Money(-7, "UGX")
    with pytest.raises(InvalidAmount, match=r"UGX amounts have at most 0 decimals"):
        Money.parse("1250.5", "UGX")


# -- parse: invalid input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"'' is not an amount\. Type digits"),
        ("   ", r"'' is not an amount\. Type digits"),
        ("abc", r"'abc' is not an amount\. Type digits, e\.g\. 1250\.50"),
        ("1.234", r"KES amounts have at most 2 decimals: '1\.234'"),
        ("1,23,4", r"'1,23,4' is not an amount"),
        ("1e5", r"'1e5' is not an amount"),
        ("--1", r"'--1' is not an amount"),
        ("-", r"'-' is not an amount"),
        (".", r"'\.' is not an amount"),
        ("12,50", r"'12,50' is not an amount"),
        ("1 000", r"'1 000' is not an amount"),
        ("KES 5", r"'KES 5' is not an amount"),
    ],
)
def test_parse_rejects_garbage_with_a_helpful_message(text: str, message: str) -> None:
    """Anything that is not a plain amount raises InvalidAmount quoting the input."""
    with pytest.raises(InvalidAmount, match=message) as info:
        Money.parse(text)
    assert info.value.code == "invalid_amount"
    assert info.value.message == str(info.value)


def test_parse_unknown_currency() -> None:
    """An unknown ISO code is refused with its own error code."""
    with pytest.raises(InvalidAmount, match=r"Unknown currency 'XYZ'") as info:
        Money.parse("1.00", "XYZ")
    assert info.value.code == "unknown_currency"


def test_parse_above_the_bound_is_refused() -> None:
    """A typed amount beyond MAX_MINOR is an error, not an overflow later."""
    assert Money.parse("100,000,000,000.00") == Money(MAX_MINOR)
    with pytest.raises(InvalidAmount, match="too large") as info:
        Money.parse("100,000,000,000.01")
    assert info.value.code == "amount_too_large"


# -- formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "amount", "full"),
    [
        (Money(0), "0.00", "KES 0.00"),
        (Money(5), "0.05", "KES 0.05"),
        (Money(-5), "-0.05", "KES -0.05"),
        (Money(125_000), "1,250.00", "KES 1,250.00"),
        (Money(123_456_789), "1,234,567.89", "KES 1,234,567.89"),
        (Money(-100_000_000), "-1,000,000.00", "KES -1,000,000.00"),
        (Money(1_250, "UGX"), "1,250", "UGX 1,250"),
        (Money(-999, "UGX"), "-999", "UGX -999"),
        (Money(MAX_MINOR), "100,000,000,000.00", "KES 100,000,000,000.00"),
    ],
)
def test_amount_text_and_str(money: Money, amount: str, full: str) -> None:
    """Amounts print grouped, with the currency's decimals, and str() adds the code."""
    assert money.amount_text() == amount
    assert str(money) == full


def test_to_decimal_is_exact() -> None:
    """to_decimal gives major units without rounding."""
    assert Money(125_050).to_decimal() == Decimal("1250.50")
    assert Money(-1).to_decimal() == Decimal("-0.01")
    assert Money(1_250, "UGX").to_decimal() == Decimal(1250)


# -- construction and bounds ---------------------------------------------------------------


def test_max_minor_bound() -> None:
    """MAX_MINOR itself is allowed in both signs; one unit more is refused."""
    assert MAX_MINOR == 10**13
    assert Money(MAX_MINOR).minor == MAX_MINOR
    assert Money(-MAX_MINOR).minor == -MAX_MINOR
    for minor in (MAX_MINOR + 1, -MAX_MINOR - 1):
        with pytest.raises(InvalidAmount, match="too large"):
            Money(minor)
    with pytest.raises(InvalidAmount, match="too large"):
        _ = Money(MAX_MINOR) + Money(1)
    with pytest.raises(InvalidAmount, match="too large"):
        _ = Money(MAX_MINOR // 2 + 1) * 2


@pytest.mark.parametrize("minor", [1.0, 0.5, True, False, Decimal(1), "100", None])
def test_minor_must_be_a_real_int(minor: object) -> None:
    """Floats, bools, Decimals and strings are refused as minor units."""
    with pytest.raises(TypeError, match=r"Money\.minor must be int"):
        Money(minor)  # type: ignore[arg-type]


def test_unknown_currency_on_construction() -> None:
    """A Money in an unknown currency cannot exist."""
    with pytest.raises(InvalidAmount, match="Unknown currency"):
        Money(1, "ABC")


def test_zero() -> None:
    """zero() is falsy and keeps the currency."""
    assert Money.zero() == Money(0, "KES")
    assert Money.zero("UGX") == Money(0, "UGX")
    assert not Money.zero()
    assert Money(1)
    assert Money(-1).is_negative
    assert not Money(0).is_negative


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        (Decimal("1.005"), "KES", 101),
        (Decimal("1.004"), "KES", 100),
        (Decimal("1.015"), "KES", 102),
        (Decimal("-1.005"), "KES", -101),
        (Decimal("0.004999"), "KES", 0),
        (Decimal("0.005"), "KES", 1),
        (Decimal("12.34"), "KES", 1_234),
        (Decimal("1250.5"), "UGX", 1_251),
        (Decimal("1250.49"), "UGX", 1_250),
        (Decimal("-0.5"), "UGX", -1),
    ],
)
def test_from_decimal_rounds_half_up(value: Decimal, currency: str, minor: int) -> None:
    """from_decimal rounds to the minor unit with halves away from zero."""
    assert Money.from_decimal(value, currency) == Money(minor, currency)


def test_round_half_up() -> None:
    """The house rounding rule on its own: halves go away from zero."""
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("3.5")) == 4
    assert round_half_up(Decimal("-2.5")) == -3
    assert round_half_up(Decimal("2.4999")) == 2


# -- arithmetic ----------------------------------------------------------------------------


def test_arithmetic() -> None:
    """+, -, unary -, and int multiplication work on minor units and keep the currency."""
    a, b = Money(1_050), Money(275)
    assert a + b == Money(1_325)
    assert a - b == Money(775)
    assert b - a == Money(-775)
    assert -a == Money(-1_050)
    assert a * 3 == Money(3_150)
    assert 3 * a == Money(3_150)
    assert a * 0 == Money(0)
    assert Money(7, "UGX") + Money(3, "UGX") == Money(10, "UGX")


def test_comparisons() -> None:
    """Ordering compares amounts of the same currency."""
    assert Money(1) < Money(2)
    assert Money(2) <= Money(2)
    assert Money(3) > Money(2)
    assert Money(2) >= Money(2)
    assert not Money(2) < Money(2)
    assert Money(100, "KES") != Money(100, "UGX")


def test_currency_mismatch() -> None:
    """Mixing currencies raises CurrencyMismatch for arithmetic and ordering."""
    kes, ugx = Money(100), Money(100, "UGX")
    with pytest.raises(CurrencyMismatch, match="Cannot combine KES and UGX amounts"):
        _ = kes + ugx
    with pytest.raises(CurrencyMismatch):
        _ = kes - ugx
    with pytest.raises(CurrencyMismatch):
        _ = kes < ugx
    with pytest.raises(CurrencyMismatch):
        _ = kes >= ugx
    assert issubclass(CurrencyMismatch, DomainError)


@pytest.mark.parametrize("factor", [1.5, 2.0, True, Decimal(2)])
def test_multiply_only_by_int(factor: object) -> None:
    """Money * float/bool/Decimal is refused: rates go through tax/discount rules."""
    with pytest.raises(TypeError, match="only be multiplied by an int"):
        _ = Money(100) * factor  # type: ignore[operator]


def test_adding_a_plain_number_is_refused() -> None:
    """Money + int is a TypeError, not a silent mix of units."""
    with pytest.raises(TypeError, match="cannot combine Money with int"):
        _ = Money(100) + 5  # type: ignore[operator]


# -- parse / amount_text round trip --------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    minor=st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR),
    currency=st.sampled_from(["KES", "UGX", "USD", "JPY"]),
)
def test_parse_amount_text_round_trip(minor: int, currency: str) -> None:
    """Whatever the till prints, it can read back exactly."""
    money = Money(minor, currency)
    assert Money.parse(money.amount_text(), currency) == money
    assert Money.parse(str(money).removeprefix(currency + " "), currency) == money


# -- allocate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (5, [0, 1, 1], [0, 3, 2]),
        (10, [3, 7], [3, 7]),
        (1, [1, 2], [0, 1]),
        (500, [30_000, 17_550, 19_999], [222, 130, 148]),
        (0, [5, 5], [0, 0]),
        (0, [0, 0], [0, 0]),
        (0, [], []),
    ],
)
def test_allocate_examples(total: int, weights: list[int], shares: list[int]) -> None:
    """Largest remainder, ties to the earliest weight."""
    assert allocate(total, weights) == shares


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (1, [], "no weights"),
        (1, [0, 0], "zero weights"),
        (1, [2, -1], "non-negative"),
        (-1, [2, -1], "non-negative"),
    ],
)
def test_allocate_refuses_impossible_splits(total: int, weights: list[int], message: str) -> None:
    """A non-zero total cannot vanish into no (or zero) weights; weights are >= 0."""
    with pytest.raises(ValueError, match=message):
        allocate(total, weights)


_weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(total=st.integers(min_value=-(10**12), max_value=10**12), weights=_weights)
def test_allocate_properties(total: int, weights: list[int]) -> None:
    """Shares sum exactly, each within one unit of its exact share, zero weight gets 0."""
    weight_sum = sum(weights)
    if weight_sum == 0:
        assert allocate(0, weights) == [0] * len(weights)
        return
    shares = allocate(total, weights)
    assert len(shares) == len(weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        # |share - total * weight / weight_sum| < 1, in integers.
        assert abs(share * weight_sum - total * weight) < weight_sum
        if weight == 0:
            assert share == 0
        # Shares never cross zero: a discount share is never a surcharge.
        assert share * total >= 0
    assert allocate(-total, weights) == [-s for s in shares]
