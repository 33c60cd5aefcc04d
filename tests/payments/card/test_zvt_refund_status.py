"""What the ZVT card method tells about a refund whose answer was lost, from the emulated
terminal over TCP and a pty: the terminal's last transaction against the receipt number
noted before the refund was sent (``prepare_refund``), and never anything sent to it."""

from __future__ import annotations

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Behaviour, ZvtEmulator
from pos.domain.money import Money
from pos.payments.base import AttemptRef, GatewayUnavailable, RefundCheck, RefundState
from pos.payments.card.zvt_method import ZvtCardMethod
from tests.payments.card.conftest import MakeMethod

AMOUNT = Money(6500, "KES")
REF = AttemptRef("payment-1", "sale-1", AMOUNT, "")


def pay(method: ZvtCardMethod, minor: int = 6500) -> None:
    outcome = method.device.run(lambda t: t.pay(minor), timeout=20)
    assert outcome.approved


def status(
    method: ZvtCardMethod,
    emulator: ZvtEmulator,
    noted: str,
    amount: Money = AMOUNT,
    *,
    nothing_since: bool = True,
) -> RefundCheck:
    """``refund_status``, checking it only asked the terminal (enquiry, repeat receipt)."""
    before = len(emulator.commands)
    check = method.refund_status(REF, amount, noted, nothing_since=nothing_since)
    assert set(emulator.commands[before:]) <= {m.STATUS_ENQUIRY, m.REPEAT_RECEIPT}
    return check


def refund_on_terminal(method: ZvtCardMethod, minor: int = 6500) -> bool:
    """A refund to the card, as the method sends it (its answer read here, not by it)."""
    return method.device.run(lambda t: t.refund(minor), timeout=20).approved


def test_the_refund_is_told_from_the_receipt_number_noted_before(
    emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    method = make_method()
    pay(method)  # the sale's payment: receipt 0001
    noted = method.prepare_refund(REF, AMOUNT)
    assert noted == "zvt:before:1"

    # the refund never reached the terminal: nothing approved after receipt 0001
    check = status(method, emulator, noted)
    assert check.state is RefundState.NOT_REFUNDED
    assert "approved nothing after receipt 0001" in check.message

    assert refund_on_terminal(method)  # receipt 0002
    check = status(method, emulator, noted)
    assert check.state is RefundState.REFUNDED
    assert check.amount == AMOUNT
    assert check.refund_ref.startswith("zvt:52500038:0002:")
    assert check.receipt_ref.endswith("476173******0010")
    # the same transaction after the till asked the terminal for something else: unclear
    check = status(method, emulator, noted, nothing_since=False)
    assert check.state is RefundState.UNKNOWN
    assert "refund of KES 65.00 after receipt 0001" in check.message
    # a refund for another amount is not this one
    other = Money(5000, "KES")
    assert status(method, emulator, noted, other).state is RefundState.UNKNOWN

    pay(method)  # receipt 0003, 65.00 again: the last transaction is no longer the refund
    check = status(method, emulator, noted)
    assert check.state is RefundState.UNKNOWN
    assert emulator.commands.count(m.REFUND) == 1  # the one sent above, never again


def test_a_declined_last_transaction_means_not_refunded_only_while_nothing_else_was_asked(
    emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    method = make_method()
    pay(method)
    noted = method.prepare_refund(REF, AMOUNT)
    emulator.settings.behaviour = Behaviour.DECLINE
    emulator.settings.decline_code = 0x05
    assert not refund_on_terminal(method)
    emulator.settings.behaviour = Behaviour.APPROVE
    check = status(method, emulator, noted)
    assert check.state is RefundState.NOT_REFUNDED
    assert check.code == "card_zvt.05"
    check = status(method, emulator, noted, nothing_since=False)
    assert check.state is RefundState.UNKNOWN

    # with a declined last transaction there is no receipt number to note: the next
    # approved transaction of the amount (while nothing else was asked) is the refund
    noted = method.prepare_refund(REF, AMOUNT)
    assert noted == "zvt:before:"
    assert refund_on_terminal(method)
    check = status(method, emulator, noted)
    assert check.state is RefundState.REFUNDED
    assert check.refund_ref.startswith("zvt:52500038:0002:")


def test_a_terminal_that_does_not_answer_tells_nothing(
    emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    method = make_method()
    pay(method)
    noted = method.prepare_refund(REF, AMOUNT)
    emulator.settings.behaviour = Behaviour.SILENT
    with pytest.raises(GatewayUnavailable):
        status(method, emulator, noted)
    with pytest.raises(GatewayUnavailable):  # and nothing is noted to send a refund after
        method.prepare_refund(REF, AMOUNT)
    # a reference that is not a noted receipt number is never guessed from
    emulator.settings.behaviour = Behaviour.APPROVE
    check = status(method, emulator, "")
    assert check.state is RefundState.UNKNOWN
