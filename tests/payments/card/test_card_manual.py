"""The standalone-terminal card method and the card proof it stores (pure), then the
method through the real payment service: keyed fields checked before anything is stored."""

from __future__ import annotations

import logging
import re
import sqlite3

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptState, PaymentRequest
from pos.payments.card import proof as P
from pos.payments.card.manual import APPROVAL, CODE, LAST4, ManualCardMethod
from pos.services.errors import ServiceError
from pos.services.payments import PaymentService
from pos.services.terminal import Terminal

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


# -- through the real payment service and a real SQLite file ---------------------------------

MILK = "6168232712628"  # KES 65.00


def _rows(terminal: Terminal, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(terminal.db.path) as c:
        return c.execute(sql).fetchall()


def _service(terminal: Terminal) -> PaymentService:
    return terminal.enable_payments({CODE: ManualCardMethod("KES")})


def test_declared_keyed_fields_are_the_approval_code_and_the_last_four_digits() -> None:
    fields = {f.name: f for f in ManualCardMethod.describe().keyed_fields}
    assert set(fields) == {APPROVAL, LAST4}
    assert (fields[LAST4].digits_only, fields[LAST4].min_length, fields[LAST4].max_length) == (
        True,
        4,
        4,
    )
    assert not fields[APPROVAL].digits_only  # bank approval codes may hold letters


def test_keyed_card_payment_completes_the_sale_with_the_proof_only(
    cashier: Terminal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payments = _service(cashier)
    cashier.checkout.scan(MILK)
    view = payments.start(CODE, Money(6500, "KES"), keyed={APPROVAL: " 9x81q ", LAST4: " 3861 "})
    assert view.state is AttemptState.CAPTURED
    assert view.payer == ""  # not a phone: no payer is stored
    assert view.receipt is not None
    [payment] = view.receipt.payments
    assert (payment.method, payment.amount) == (CODE, Money(6500, "KES"))
    assert payment.reference == "9X81Q · ************3861"
    assert _rows(
        cashier, "SELECT gateway_ref, receipt_ref, payer_masked FROM payment_attempts"
    ) == [("manual:3861", "9X81Q ************3861", "")]
    assert "9x81q" not in "\n".join(r.getMessage() for r in caplog.records).lower()
    assert "3861" not in "\n".join(r.getMessage() for r in caplog.records)


def test_a_logged_request_never_shows_the_keyed_values() -> None:
    request = PaymentRequest(
        "a1", "s1", Money(6500, "KES"), "DEMO", keyed={APPROVAL: "SECRET1", LAST4: "3861"}
    )
    assert "SECRET1" not in repr(request)
    assert "3861" not in repr(request)


@pytest.mark.parametrize(
    ("keyed", "says"),
    [
        ({APPROVAL: "123456", LAST4: "386"}, "Last 4 digits of the card: type 4 characters."),
        ({APPROVAL: "123456", LAST4: "38611"}, "Last 4 digits of the card: type 4 characters."),
        ({APPROVAL: "123456", LAST4: "38a1"}, "Last 4 digits of the card: digits only (0-9)."),
        ({APPROVAL: "123456", LAST4: "\uff13\uff18\uff16\uff11"}, "digits only"),  # full width
        ({APPROVAL: "123456"}, "Type the last 4 digits of the card before sending."),
        ({LAST4: "3861"}, "Type the approval code (on the terminal's slip) before sending."),
        ({APPROVAL: "  ", LAST4: "3861"}, "Type the approval code"),
        ({APPROVAL: "1", LAST4: "3861"}, "type 2 to 8 characters"),
        ({APPROVAL: "123456789", LAST4: "3861"}, "type 2 to 8 characters"),
        ({APPROVAL: "12-34", LAST4: "3861"}, "2 to 8 letters or digits"),
        ({APPROVAL: "123456", LAST4: "3861", "pan": "4761739001010010"}, "no field named"),
        (None, "Type the approval code"),
    ],
)
def test_bad_keyed_input_is_refused_with_a_clear_message_and_nothing_stored(
    cashier: Terminal, keyed: dict[str, str] | None, says: str
) -> None:
    payments = _service(cashier)
    cashier.checkout.scan(MILK)
    with pytest.raises(ServiceError, match=re.escape(says)):
        payments.start(CODE, Money(6500, "KES"), keyed=keyed)
    assert _rows(cashier, "SELECT count(*) FROM payment_attempts") == [(0,)]
    assert _rows(cashier, "SELECT count(*) FROM payments") == [(0,)]
    assert _rows(cashier, "SELECT count(*) FROM audit_log WHERE action = 'payment_started'") == [
        (0,)
    ]
    # the sale is still open and can be paid once the cashier corrects the fields
    view = payments.start(CODE, Money(6500, "KES"), keyed={APPROVAL: "123456", LAST4: "3861"})
    assert view.state is AttemptState.CAPTURED


def test_a_part_payment_by_keyed_card_leaves_the_rest_due(cashier: Terminal) -> None:
    payments = _service(cashier)
    cashier.checkout.scan(MILK)
    view = payments.start(CODE, Money(2000, "KES"), keyed={APPROVAL: "AB12", LAST4: "3861"})
    assert view.state is AttemptState.CAPTURED
    assert view.receipt is None
    assert cashier.checkout.view().totals.due == Money(4500, "KES")
