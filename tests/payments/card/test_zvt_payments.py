"""Card payments on the emulated ZVT terminal through the real payment service."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Behaviour, ZvtEmulator
from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import Terminal
from tests.payments.card.conftest import MILK, MILK_1L, MakeMethod, service


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def rows(terminal: Terminal, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(terminal.db.path) as c:  # type: ignore[attr-defined]
        return c.execute(sql).fetchall()


def wait_final(payments: PaymentService, attempt_id: str, timeout: float = 10.0) -> AttemptView:
    """Poll as the dialog does until the attempt is final."""
    end = time.monotonic() + timeout
    while True:
        view = payments.poll(attempt_id)
        if view.final or time.monotonic() > end:
            return view
        time.sleep(0.02)


def test_card_payment_is_stored_before_the_terminal_is_asked_then_captured(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK_1L)
    started = payments.start("card_zvt", kes("125"))
    assert started.state is AttemptState.PENDING
    # stored with the terminal's last receipt number, and no amount sent yet
    assert rows(cashier, "SELECT state, gateway_ref FROM payment_attempts") == [
        ("pending", "zvt:before:")
    ]
    assert m.AUTHORIZATION not in emulator.commands
    done = wait_final(payments, started.attempt_id)
    assert done.state is AttemptState.CAPTURED
    assert emulator.commands.count(m.AUTHORIZATION) == 1
    assert done.receipt is not None
    [payment] = done.receipt.payments
    assert (payment.method, payment.amount) == ("card_zvt", kes("125"))
    assert "476173******0010" in payment.reference
    assert "TID 52500038" in payment.reference
    assert "receipt 0001" in payment.reference
    [(gateway_ref, receipt_ref)] = rows(
        cashier, "SELECT gateway_ref, receipt_ref FROM payment_attempts"
    )
    assert gateway_ref == "zvt:52500038:0001:101"
    approval, pan = str(receipt_ref).split(" ")
    assert pan == "476173******0010"
    assert approval.isdigit()
    assert len(approval) == 6


def test_terminal_texts_reach_the_cashier_while_waiting(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    emulator.settings.behaviour = Behaviour.MANUAL
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    payments.poll(started.attempt_id)  # sends the amount
    assert emulator.waiting.wait(5)
    # the terminal's status text is on its way over the link when the emulator starts
    # waiting: poll until it has been read (or 5 s), as the dialog's own polling does
    insert = "Insert, tap or swipe the card…"
    deadline = time.monotonic() + 5
    view = payments.poll(started.attempt_id)
    while view.message != insert and time.monotonic() < deadline:
        time.sleep(0.02)
        view = payments.poll(started.attempt_id)
    assert view.state is AttemptState.PENDING
    assert view.message == insert
    emulator.decide(True)
    assert wait_final(payments, started.attempt_id).state is AttemptState.CAPTURED


def test_declined_card_says_why_and_allows_another_try(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    emulator.settings.behaviour = Behaviour.DECLINE
    emulator.settings.decline_code = 0x78
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    done = wait_final(payments, started.attempt_id)
    assert done.state is AttemptState.DECLINED
    assert done.code == "card_zvt.78"
    assert "expired" in done.message
    assert done.retry_allowed
    assert rows(cashier, "SELECT count(*) FROM payments") == [(0,)]


def test_abort_from_the_till_cancels_on_the_terminal(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    emulator.settings.behaviour = Behaviour.MANUAL
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    payments.poll(started.attempt_id)
    assert emulator.waiting.wait(5)
    view = payments.cancel(started.attempt_id)
    assert view.state is AttemptState.CANCELLED
    assert view.code == "card_zvt.6C"
    assert m.ABORT in emulator.commands
    assert rows(cashier, "SELECT count(*) FROM payments") == [(0,)]


def test_cancel_before_the_amount_was_sent_never_asks_the_terminal(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    view = payments.cancel(started.attempt_id)
    assert view.state is AttemptState.CANCELLED
    assert m.AUTHORIZATION not in emulator.commands


def test_terminal_offline_at_start_says_so_and_nothing_is_charged(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    emulator.settings.behaviour = Behaviour.SILENT
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    assert started.state is AttemptState.CANCELLED
    assert started.code == "card_zvt.offline"
    assert "does not answer" in started.message
    assert started.retry_allowed


def test_restart_with_a_payment_the_terminal_approved_finds_it_and_never_asks_again(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    emulator.settings.behaviour = Behaviour.MANUAL
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    payments.poll(started.attempt_id)  # the amount goes to the terminal
    assert emulator.waiting.wait(5)
    emulator.decide(True)  # the customer pays; the till's run ends before it hears
    deadline = time.monotonic() + 5
    while emulator.last_transaction() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    # a new run: a new method and device worker, no memory of the job
    restarted = service(cashier, make_method())
    # the terminal may still be busy finishing the payment ("please wait"): asked again
    end = time.monotonic() + 10
    while True:
        [view] = restarted.resolve_unfinished()
        if view.final or time.monotonic() > end:
            break
        time.sleep(0.1)
    assert view.state is AttemptState.CAPTURED
    assert emulator.commands.count(m.AUTHORIZATION) == 1
    assert m.STATUS_ENQUIRY in emulator.commands
    assert view.receipt is not None  # the sale was still open: completed by it


def test_restart_with_a_payment_never_sent_finds_nothing_charged(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    earlier = payments.start("card_zvt", kes("65"))
    wait_final(payments, earlier.attempt_id)  # receipt 0001 is on the terminal
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))  # stored; the run ends here
    restarted = service(cashier, make_method())
    [view] = restarted.resolve_unfinished()
    assert view.attempt_id == started.attempt_id
    assert view.state is AttemptState.CANCELLED
    assert view.code == "card_zvt.not_charged"
    assert emulator.commands.count(m.AUTHORIZATION) == 1


def test_full_refund_reverses_and_a_second_one_is_refused(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    method = make_method()
    payments = service(cashier, method)
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    wait_final(payments, started.attempt_id)
    [(gateway_ref, receipt_ref)] = rows(
        cashier, "SELECT gateway_ref, receipt_ref FROM payment_attempts"
    )
    ref = AttemptRef(
        started.attempt_id,
        "sale",
        kes("65"),
        str(gateway_ref),
        details={"receipt_ref": str(receipt_ref)},
    )
    first = method.refund(ref, kes("65"))
    assert first.ok
    assert first.amount == kes("65")
    assert m.REVERSAL in emulator.commands
    second = method.refund(ref, kes("65"))
    assert not second.ok
    assert "already reversed" in second.message


def test_partial_refund_goes_to_the_card(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    method = make_method()
    payments = service(cashier, method)
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    wait_final(payments, started.attempt_id)
    [(gateway_ref,)] = rows(cashier, "SELECT gateway_ref FROM payment_attempts")
    ref = AttemptRef(started.attempt_id, "sale", kes("65"), str(gateway_ref))
    result = method.refund(ref, kes("20"))
    assert result.ok
    assert result.message == "Refunded to the card."
    assert m.REFUND in emulator.commands
    assert m.REVERSAL not in emulator.commands


def test_no_card_data_in_the_logs_of_a_card_payment(
    cashier: Terminal,
    emulator: ZvtEmulator,
    make_method: MakeMethod,
    caplog: pytest.LogCaptureFixture,
) -> None:
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    with caplog.at_level(logging.DEBUG):
        started = payments.start("card_zvt", kes("65"))
        done = wait_final(payments, started.attempt_id)
    assert done.state is AttemptState.CAPTURED
    info = emulator.last_transaction()
    assert info is not None
    assert "approved (result 00)" in caplog.text
    for secret in ("476173", "******0010", info.approval_code):
        assert secret not in caplog.text


def test_scrub_masks_card_numbers_in_free_text(make_method: MakeMethod) -> None:
    method = make_method()
    assert method.scrub("card 4761739001010010 ok") == "card 476173******0010 ok"


@pytest.mark.slow
def test_link_lost_mid_payment_is_unknown_then_resolved_by_asking(
    cashier: Terminal, emulator: ZvtEmulator, make_method: MakeMethod
) -> None:
    emulator.settings.behaviour = Behaviour.MANUAL
    emulator.settings.manual_timeout = 0.5
    payments = service(cashier, make_method())
    cashier.checkout.scan(MILK)
    started = payments.start("card_zvt", kes("65"))
    payments.poll(started.attempt_id)
    assert emulator.waiting.wait(5)
    emulator.settings.behaviour = Behaviour.SILENT  # goes quiet mid-payment
    seen: list[AttemptView] = []
    stop = threading.Event()
    end = time.monotonic() + 10
    while not stop.is_set() and time.monotonic() < end:
        view = payments.poll(started.attempt_id)
        seen.append(view)
        if view.code == "card_zvt.link_lost":
            stop.set()
        time.sleep(0.05)
    assert any(v.code == "card_zvt.link_lost" for v in seen)
    emulator.settings.behaviour = Behaviour.APPROVE  # back: asked, nothing was booked
    final = wait_final(payments, started.attempt_id)
    assert final.state is AttemptState.CANCELLED
    assert final.code == "card_zvt.not_charged"
