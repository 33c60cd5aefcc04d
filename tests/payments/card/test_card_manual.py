"""The standalone-terminal card method and the card proof it stores (pure)."""

from __future__ import annotations

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptState, PaymentRequest
from pos.payments.card import proof as P
from pos.payments.card.manual import ManualCardMethod

REQUEST = PaymentRequest("a1", "s1", Money(6500, "KES"), "DEMO")


def test_keyed_approval_is_recorded_with_only_the_last_four_digits() -> None:
    result = ManualCardMethod("KES").record(REQUEST, " ab12c3 ", "4242")
    assert result.state is AttemptState.CAPTURED
    assert result.captured == Money(6500, "KES")
    assert result.receipt_ref == "AB12C3 ************4242"
    assert result.gateway_ref == "manual:4242"
    assert result.payer == "************4242"


@pytest.mark.parametrize(
    ("approval", "last4", "says"),
    [
        ("", "4242", "Type the approval code"),
        ("12-34", "4242", "2 to 8 letters or digits"),
        ("123456", "424", "last 4 digits"),
        ("123456", "42a2", "last 4 digits"),
    ],
)
def test_bad_keyed_fields_are_refused_with_what_to_correct(
    approval: str, last4: str, says: str
) -> None:
    result = ManualCardMethod("KES").record(REQUEST, approval, last4)
    assert result.state is AttemptState.DECLINED
    assert says in result.message
    assert result.retry_allowed


def test_another_currency_is_refused() -> None:
    request = PaymentRequest("a1", "s1", Money(500, "USD"), "DEMO")
    assert ManualCardMethod("KES").record(request, "123456", "4242").state is (
        AttemptState.DECLINED
    )


def test_proof_refuses_a_card_number_that_is_not_masked() -> None:
    with pytest.raises(ValueError, match="masked"):
        P.CardProof("123456", "4761739001010010")
    with pytest.raises(ValueError, match="masked"):
        P.CardProof("123456", "47617390****0010")


def test_proof_round_trips_through_the_attempt_references() -> None:
    proof = P.CardProof("123456", "476173******0010", "52500038", 7, 107)
    assert P.parse(proof.gateway_ref(), proof.receipt_ref()) == proof
    assert proof.customer_text() == "123456 · 476173******0010 · TID 52500038 · receipt 0007"


def test_receipt_line_of_a_keyed_card() -> None:
    method = ManualCardMethod("KES")
    assert method.customer_reference("AB12C3 ************4242", "manual:4242") == (
        "AB12C3 · ************4242"
    )
