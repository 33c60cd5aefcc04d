"""Card refunds through the refund service: a sale paid on the emulated ZVT terminal (over
a real TCP socket and a real pty), refunded whole (a reversal) and in part (a refund to
the card), the refund document keeping the terminal's answer (approval code, masked PAN,
terminal id, its receipt number); a terminal that declines or stops answering leaves no
refund recorded and tells the manager what to do."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
from pos.domain.money import Money
from pos.domain.refund import TenderHow
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from pos.services.auth import Role, UserSummary
from pos.services.errors import ServiceError
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from tests.payments.card.conftest import terminal_settings

MILK = "6168232712628"  # 65.00
MILK_1L = "6168232430898"  # 125.00
PAN = "476173******0010"


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def rows(t: Terminal, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(t.db.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def emulator() -> Iterator[ZvtEmulator]:
    emu = ZvtEmulator(Settings(step_delay=0.01))
    yield emu
    emu.stop()


@pytest.fixture(params=["tcp", "pty"])
def method(request: pytest.FixtureRequest, emulator: ZvtEmulator) -> Iterator[ZvtCardMethod]:
    """The card method on its own device worker, the emulator served over TCP or a pty."""
    if request.param == "tcp":
        url, protocol = f"socket://127.0.0.1:{emulator.start_tcp()}", "tcp"
    else:
        url, protocol = emulator.start_pty(), "serial"
    device = CardTerminalDevice(terminal_settings(url, protocol))
    yield ZvtCardMethod(device, "KES")
    device.close()


def card_sale(t: Terminal, method: ZvtCardMethod, *scans: tuple[str, int]) -> str:
    """A sale paid whole by card on the emulated terminal (polled as the dialog polls)."""
    payments = t.enable_payments({"card_zvt": method})
    for code, qty in scans:
        t.checkout.scan(code, qty)
    started = payments.start("card_zvt", t.checkout.view().totals.total)
    end = time.monotonic() + 10
    view = payments.poll(started.attempt_id)
    while not view.final and time.monotonic() < end:
        time.sleep(0.02)
        view = payments.poll(started.attempt_id)
    assert view.receipt is not None, view
    return view.receipt.sale_id


@pytest.fixture
def supervisor(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> Callable[[], None]:
    def login() -> None:
        cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])

    return login


def test_a_whole_card_refund_reverses_the_payment_on_the_terminal_and_keeps_its_answer(
    cashier: Terminal,
    emulator: ZvtEmulator,
    method: ZvtCardMethod,
    supervisor: Callable[[], None],
) -> None:
    sale = card_sale(cashier, method, (MILK, 2))
    supervisor()
    quote = cashier.refunds.quote(RefundRequest(sale, {1: 2}, "damaged"))
    [card] = quote.tenders
    assert (card.method, card.how, card.amount) == ("card_zvt", TenderHow.METHOD, kes("130"))
    done = cashier.refunds.refund(RefundRequest(sale, {1: 2}, "damaged"))
    assert m.REVERSAL in emulator.commands
    assert m.REFUND not in emulator.commands
    assert done.cash_out == kes("0")
    last = emulator.last_transaction()
    assert last is not None
    assert last.receipt_no == 2  # the reversal got the terminal's next receipt number
    reference = f"{last.approval_code} · {PAN} · TID 52500038 · receipt 0002"
    assert rows(cashier, "SELECT method, amount_minor, by_hand, reference FROM refund_tenders") == [
        ("card_zvt", 13000, 0, reference)
    ]
    [tender] = done.receipt.tenders
    assert (tender.label, tender.amount, tender.reference) == ("Card", kes("130"), reference)
    # the same answer in the outbox event head office gets
    [(payload,)] = rows(cashier, "SELECT payload FROM outbox WHERE kind = 'refund.completed'")
    [wire] = json.loads(payload)["body"]["tenders"]
    assert (wire["method"], wire["reference"], wire["by_hand"]) == ("card_zvt", reference, False)
    # nothing is left to give back on that payment
    assert cashier.refunds.refundable(sale).fully_refunded


def test_a_partial_card_refund_goes_to_the_card_for_that_amount(
    cashier: Terminal,
    emulator: ZvtEmulator,
    method: ZvtCardMethod,
    supervisor: Callable[[], None],
) -> None:
    sale = card_sale(cashier, method, (MILK_1L, 1), (MILK, 1))
    supervisor()
    done = cashier.refunds.refund(RefundRequest(sale, {2: 1}, "changed_mind"))
    assert done.total == kes("65")
    assert m.REFUND in emulator.commands
    assert m.REVERSAL not in emulator.commands
    last = emulator.last_transaction()
    assert last is not None
    assert last.amount_minor == 6500  # the terminal refunded the part, not the sale
    [(reference,)] = rows(cashier, "SELECT reference FROM refund_tenders")
    assert reference == f"{last.approval_code} · {PAN} · TID 52500038 · receipt 0002"
    # the rest of the payment can still go back, through the terminal again
    done = cashier.refunds.refund(RefundRequest(sale, {1: 1}, "changed_mind"))
    assert done.total == kes("125")
    assert emulator.commands.count(m.REFUND) == 2
    assert [r[0] for r in rows(cashier, "SELECT amount_minor FROM refund_tenders")] == [
        6500,
        12500,
    ]


def test_a_declined_card_refund_records_nothing_and_says_what_to_do(
    cashier: Terminal,
    emulator: ZvtEmulator,
    method: ZvtCardMethod,
    supervisor: Callable[[], None],
) -> None:
    sale = card_sale(cashier, method, (MILK_1L, 1), (MILK, 1))
    supervisor()
    emulator.settings.behaviour = Behaviour.DECLINE
    emulator.settings.decline_code = 0x05
    with pytest.raises(ServiceError) as refused:
        cashier.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))
    text = str(refused.value)
    assert text.startswith("Card did not give the money back:")
    assert "Nothing is recorded as refunded" in text
    assert "cash from the drawer" in text
    assert rows(cashier, "SELECT count(*) FROM refunds") == [(0,)]
    assert rows(cashier, "SELECT count(*) FROM outbox WHERE kind = 'refund.completed'") == [(0,)]
    [(detail,)] = rows(cashier, "SELECT detail FROM audit_log WHERE action = 'refund_failed'")
    assert json.loads(detail)["code"] == "card_zvt.05"
    # the line is still there to refund; the terminal approves this time
    emulator.settings.behaviour = Behaviour.APPROVE
    assert cashier.refunds.refundable(sale).lines[1].left == 1
    done = cashier.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))
    assert done.total == kes("65")


def test_a_card_refund_the_manager_gives_as_cash_instead_needs_a_manager(
    cashier: Terminal,
    emulator: ZvtEmulator,
    method: ZvtCardMethod,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    """After a decline the dialog offers cash from the drawer for the card tender."""
    sale = card_sale(cashier, method, (MILK, 1))
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    view = cashier.refunds.refundable(sale)
    [tender] = view.tenders
    assert tender.ways == (TenderHow.METHOD, TenderHow.CASH)
    request = RefundRequest(sale, {1: 1}, "damaged", how={tender.payment_id: TenderHow.CASH})
    cashier.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change for refunds")
    done = cashier.refunds.refund(request)
    assert done.cash_out == kes("65")
    assert m.REVERSAL not in emulator.commands
    assert m.REFUND not in emulator.commands


def test_a_card_terminal_that_stops_answering_leaves_no_refund_and_says_to_check_it(
    cashier: Terminal,
    emulator: ZvtEmulator,
    method: ZvtCardMethod,
    supervisor: Callable[[], None],
) -> None:
    sale = card_sale(cashier, method, (MILK, 1))
    supervisor()
    emulator.settings.behaviour = Behaviour.SILENT
    emulator.stop()  # the terminal is gone (power, cable)
    with pytest.raises(ServiceError) as refused:
        cashier.refunds.refund(RefundRequest(sale, {1: 1}, "damaged"))
    text = str(refused.value)
    assert text.startswith("Card did not answer:")
    assert "Nothing was sent to it" in text  # it did not answer before the refund was sent
    assert "nothing is recorded as refunded" in text
    assert rows(cashier, "SELECT count(*) FROM refunds") == [(0,)]
    [(detail,)] = rows(cashier, "SELECT detail FROM audit_log WHERE action = 'refund_failed'")
    assert json.loads(detail)["code"] == "unavailable"
    assert cashier.refunds.refundable(sale).lines[0].left == 1
    # the refund attempt was stored before the terminal was asked, and dropped as never sent
    assert rows(cashier, "SELECT state, code FROM refund_attempts") == [
        ("not_refunded", "unavailable")
    ]
    assert m.REVERSAL not in emulator.commands
    assert m.REFUND not in emulator.commands
