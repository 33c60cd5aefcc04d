"""The ZVT driver against the emulated PT over a real pty and a real TCP socket."""

from __future__ import annotations

import logging
import threading

import pytest

from drivers.zvt import messages as m
from drivers.zvt.link import LinkError, LinkTimeout
from tests.drivers.zvt.conftest import Connect, serial_link


def test_payment_is_approved_with_masked_pan_and_receipt_number(connect: Connect) -> None:
    terminal, emulator = connect()
    seen: list[str] = []
    outcome = terminal.pay(2550, on_status=seen.append)
    assert outcome.approved
    assert outcome.status is not None
    assert outcome.status.amount_minor == 2550
    assert outcome.status.currency == "KES"
    assert outcome.status.masked_pan == "476173******0010"
    assert outcome.status.receipt_no == 1
    assert outcome.status.terminal_id == "52500038"
    assert len(outcome.status.approval_code) == 6
    assert seen[0] == "Insert, tap or swipe the card…"
    assert "Waiting for the bank…" in seen
    assert emulator.commands == [m.AUTHORIZATION]


def test_declined_payment_reports_the_terminal_code(connect: Connect) -> None:
    terminal, _ = connect(behaviour="decline", decline_code=0x78)
    outcome = terminal.pay(100)
    assert not outcome.approved
    assert outcome.abort_code == 0x78
    assert outcome.result_code == 0x78


def test_registration_and_status_enquiry(connect: Connect) -> None:
    terminal, emulator = connect()
    assert terminal.register().completed
    status = terminal.status_enquiry()
    assert status.completed
    assert status.status is not None
    assert status.status.terminal_id == "52500038"
    assert emulator.commands == [m.REGISTRATION, m.STATUS_ENQUIRY]


def test_abort_from_the_till_ends_the_payment_with_6c(connect: Connect) -> None:
    terminal, emulator = connect(behaviour="manual")
    abort = threading.Event()

    def press_abort_once_waiting() -> None:
        emulator.waiting.wait(5)
        abort.set()

    helper = threading.Thread(target=press_abort_once_waiting)
    helper.start()
    outcome = terminal.pay(1000, abort=abort)
    helper.join()
    assert outcome.abort_code == 0x6C
    assert not outcome.approved
    assert m.ABORT in emulator.commands


def test_manual_decision_approves(connect: Connect) -> None:
    terminal, emulator = connect(behaviour="manual")

    def approve() -> None:
        emulator.waiting.wait(5)
        emulator.decide(True)

    helper = threading.Thread(target=approve)
    helper.start()
    outcome = terminal.pay(777)
    helper.join()
    assert outcome.approved


def test_no_card_in_time_is_an_abort_by_the_terminal(connect: Connect) -> None:
    terminal, _ = connect(behaviour="timeout", card_timeout=0.2)
    assert terminal.pay(100).abort_code == 0x6C


def test_last_transaction_repeats_the_booked_payment(connect: Connect) -> None:
    terminal, _ = connect()
    paid = terminal.pay(4200)
    again = terminal.last_transaction()
    assert again.status is not None
    assert paid.status is not None
    assert again.status.receipt_no == paid.status.receipt_no
    assert again.status.amount_minor == 4200
    assert again.status.approved


def test_last_transaction_when_there_was_none(connect: Connect) -> None:
    terminal, _ = connect()
    outcome = terminal.last_transaction()
    assert outcome.status is None
    assert outcome.abort_code == 0x83


def test_reversal_by_receipt_number_once_only(connect: Connect) -> None:
    terminal, _ = connect()
    paid = terminal.pay(1500)
    assert paid.status is not None
    assert paid.status.receipt_no is not None
    first = terminal.reverse(paid.status.receipt_no)
    assert first.approved
    second = terminal.reverse(paid.status.receipt_no)
    assert second.abort_code == 0xB4
    assert terminal.reverse(99).abort_code == 0xB5


def test_refund_and_end_of_day(connect: Connect) -> None:
    terminal, _ = connect()
    terminal.pay(1000)
    refund = terminal.refund(400)
    assert refund.approved
    assert refund.status is not None
    assert refund.status.amount_minor == 400
    eod = terminal.end_of_day()
    assert eod.completed
    assert eod.status is not None
    assert eod.status.amount_minor == 1400


def test_silent_terminal_raises_a_link_error(connect: Connect) -> None:
    terminal, _ = connect(behaviour="silent")
    with pytest.raises(LinkError):
        terminal.pay(100)


def test_card_data_never_reaches_the_logs(
    connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    terminal, _ = connect()
    with caplog.at_level(logging.DEBUG):
        outcome = terminal.pay(2550)
    assert outcome.approved
    text = caplog.text
    assert "zvt: -> APDU 06 01" in text
    assert outcome.status is not None
    for secret in ("476173", "0010", "VISA", outcome.status.approval_code):
        assert secret not in text


def test_nak_storm_gives_up_after_the_retries() -> None:
    from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
    from drivers.zvt.terminal import ZvtTerminal

    emulator = ZvtEmulator(Settings(behaviour=Behaviour.NAK))
    link, port = serial_link(emulator.start_pty(), ack_timeout=0.2, retries=3)
    try:
        terminal = ZvtTerminal(link)
        with pytest.raises(LinkError, match="did not acknowledge"):
            terminal.pay(100)
        assert emulator.commands == []  # it never took the command
    finally:
        port.close()
        emulator.stop()


def test_bad_crc_from_the_terminal_is_naked_then_given_up() -> None:
    from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
    from drivers.zvt.terminal import Timeouts, ZvtTerminal

    emulator = ZvtEmulator(Settings(behaviour=Behaviour.BAD_CRC))
    link, port = serial_link(emulator.start_pty(), ack_timeout=0.3, retries=3)
    try:
        terminal = ZvtTerminal(link, timeouts=Timeouts(answer=2.0))
        with pytest.raises(LinkError) as raised:
            terminal.pay(100)
        assert not isinstance(raised.value, LinkTimeout) or "answer" in str(raised.value)
    finally:
        port.close()
        emulator.stop()


def test_port_closed_mid_payment_is_a_link_error() -> None:
    from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
    from drivers.zvt.terminal import ZvtTerminal

    emulator = ZvtEmulator(Settings(behaviour=Behaviour.MANUAL))
    number = emulator.start_tcp(framed=True)
    link, port = serial_link(f"socket://127.0.0.1:{number}", ack_timeout=0.3)

    def unplug() -> None:
        emulator.waiting.wait(5)
        emulator.stop()  # closes its end: like a cable pulled mid-payment

    helper = threading.Thread(target=unplug)
    helper.start()
    try:
        with pytest.raises(LinkError):
            ZvtTerminal(link).pay(100)
    finally:
        helper.join()
        port.close()
