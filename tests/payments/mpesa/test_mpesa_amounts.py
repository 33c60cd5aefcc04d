"""The M-Pesa amount rule: whole shillings, rounded up, difference returned explicitly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.domain.errors import InvalidAmount as DomainInvalidAmount
from pos.domain.money import Money
from pos.payments.mpesa.amounts import (
    DEFAULT_MAX_KES,
    InvalidAmount,
    mpesa_amount,
    whole_shillings,
)


def kes(minor: int) -> Money:
    return Money(minor, "KES")


@pytest.mark.parametrize(
    ("due", "push", "added"),
    [
        (10000, 10000, 0),
        (9950, 10000, 50),
        (9901, 10000, 99),
        (1, 100, 99),
        (100, 100, 0),
        (DEFAULT_MAX_KES * 100, DEFAULT_MAX_KES * 100, 0),
    ],
)
def test_rounds_up_and_reports_the_difference(due: int, push: int, added: int) -> None:
    assert mpesa_amount(kes(due)) == (kes(push), kes(added))


def test_over_the_limit_says_to_split() -> None:
    with pytest.raises(InvalidAmount, match="Split the payment") as err:
        mpesa_amount(kes(DEFAULT_MAX_KES * 100 + 1))  # rounds up to one shilling over
    assert err.value.code == "mpesa.amount_too_large"
    with pytest.raises(InvalidAmount, match=r"KES 1,000\.00"):
        mpesa_amount(kes(100_100), max_kes=1000)


@pytest.mark.parametrize("minor", [0, -100])
def test_zero_and_negative_are_refused(minor: int) -> None:
    with pytest.raises(InvalidAmount):
        mpesa_amount(kes(minor))


def test_other_currencies_are_refused() -> None:
    with pytest.raises(InvalidAmount, match="Kenya shillings"):
        mpesa_amount(Money(1000, "USD"))
    with pytest.raises(InvalidAmount, match="Kenya shillings"):
        whole_shillings(Money(1000, "USD"))


def test_whole_shillings_refuses_cents_instead_of_rounding() -> None:
    assert whole_shillings(kes(12300)) == 123
    with pytest.raises(InvalidAmount, match="whole shillings") as err:
        whole_shillings(kes(12350))
    assert err.value.code == "mpesa.amount_cents"
    with pytest.raises(InvalidAmount, match=r"at least KES 1\.00"):
        whole_shillings(kes(50))
    with pytest.raises(InvalidAmount, match="Split"):
        whole_shillings(kes(500_100), max_kes=5000)


def test_errors_are_the_domain_invalid_amount() -> None:
    assert InvalidAmount is DomainInvalidAmount


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=1_000_000),
    st.integers(min_value=1, max_value=500_000),
)
def test_rounding_property(due_minor: int, max_kes: int) -> None:
    due = kes(due_minor)
    if -(-due_minor // 100) > max_kes:
        with pytest.raises(InvalidAmount):
            mpesa_amount(due, max_kes=max_kes)
        return
    push, added = mpesa_amount(due, max_kes=max_kes)
    assert push >= due
    assert push - due == added
    assert 0 <= added.minor < 100
    assert push.minor % 100 == 0
    assert whole_shillings(push, max_kes=max_kes) == push.minor // 100
