"""A gateway's outcome given as a value inside another message ("An M-Pesa request … is
still waiting ({status})", a refund's "{label} declined: {problem}") is translated with the
message, through the real translator (``kaunta_sw.qm``): ``Message.plain`` renders its text
as the screens render an outcome, whole, as a registered outcome with its values, or
sentence by sentence; English and unknown text stay exactly as written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import dev
from pos.domain.messages import Message
from pos.domain.money import Money
from pos.domain.outcomes import read, say
from pos.payments import cash
from pos.payments.mpesa import method as mpesa
from pos.payments.paypal import method as paypal
from pos.services import payments
from pos.ui import i18n

HELD = say(paypal.HOLDING, reason="PENDING_REVIEW")
DID_NOT_COMPLETE = "PayPal did not complete the payment. Ask the customer to pay another way."


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")


def _still_waiting(status: str) -> Message:
    return payments.STILL_WAITING(
        a_method="A PayPal", method="PayPal", status=Message.plain(status)
    )


def test_a_registered_outcome_inside_a_message_reads_in_kiswahili_with_its_value() -> None:
    said = i18n.render(_still_waiting(HELD), "sw")
    assert i18n.render(paypal.HOLDING(reason="PENDING_REVIEW"), "sw") in said
    assert "PENDING_REVIEW" in said
    assert "is holding this payment" not in said  # no English left inside


def test_marked_sentences_inside_a_message_read_in_kiswahili_one_by_one() -> None:
    said = i18n.render(_still_waiting(DID_NOT_COMPLETE), "sw")
    assert "PayPal haikukamilisha malipo. Mwombe mteja alipe kwa njia nyingine." in said
    assert "did not complete" not in said


def test_english_and_unknown_text_stay_exactly_as_written() -> None:
    english = str(_still_waiting(HELD))
    assert i18n.render(_still_waiting(HELD), "en") == english
    odd = "Terminal says: E42.\nCall   the bank."
    assert i18n.render(Message.plain(odd), "sw") == odd
    assert i18n.render(Message.plain(odd), "en") == odd


def test_the_outcomes_made_here_read_back_into_their_messages() -> None:
    """The English stored with the attempt is unchanged, and the screens can translate it."""
    sent = say(mpesa.PROMPT_SENT, payer="2547******78")
    assert sent == "Prompt sent to 2547******78. Ask the customer to enter their M-Pesa PIN."
    assert read(sent) == mpesa.PROMPT_SENT(payer="2547******78")
    back = cash.CashMethod("KES").refund(None, Money(25000, "KES"))  # type: ignore[arg-type]
    assert back.message == "Give KES 250.00 back from the drawer."
    assert read(back.message) == cash.GIVE_BACK(amount="KES 250.00")
    mismatch = say(mpesa.MISMATCH_RECEIPT, what="amount 340 is not 65", receipt="SBX1")
    assert read(mismatch) == mpesa.MISMATCH_RECEIPT(what="amount 340 is not 65", receipt="SBX1")
    never = say(payments.NEVER_ANSWERED, method="M-Pesa")
    assert read(never) == payments.NEVER_ANSWERED(method="M-Pesa")
    stopped = say(payments.STOPPED_WAITING, method="PayPal")
    assert read(stopped) == payments.STOPPED_WAITING(method="PayPal")
