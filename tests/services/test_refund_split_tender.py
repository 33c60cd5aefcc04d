"""A split-tender sale (100.00 cash, then 90.00 on the emulated ZVT terminal over TCP)
refunded in part (the 125.00 line): the card's whole 90.00 goes back through the terminal
as a reversal, whose answer is lost on the way (a proxy swallows it: the terminal booked
it), so the refund waits: nothing written, no cash handed over, no other refund of the sale;
"Check again" cannot tell; the manager settles it by hand from the terminal's journal, and
the refund is written once, as planned: exactly 90.00 to the card and 35.00 as cash, in the
refund document, its printed receipt and its outbox event. A later refund of the other line
takes what the card has left (nothing) and the cash that is left, and no tender ever gives
back more than it took."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Settings, ZvtEmulator
from pos.domain.refund import TenderHow, render_refund_text
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import ServiceError
from pos.services.refund_attempts import RefundAttemptState
from pos.services.refunds import RefundRequest, RefundWaiting
from pos.services.terminal import Terminal
from tests.payments.card.conftest import terminal_settings
from tests.services.test_refunds_card import MILK, MILK_1L, kes, rows


@pytest.fixture
def emulator() -> Iterator[ZvtEmulator]:
    emu = ZvtEmulator(Settings(step_delay=0.01, manual_timeout=60))
    yield emu
    emu.stop()


class AnswerCutter:
    """A TCP proxy between the till and the emulated terminal (bare ZVT APDUs) that lets
    everything through until the till sends a reversal; from then on the terminal's
    answers are swallowed (the terminal books the reversal; the till never hears it), as
    when a cable is pulled at the wrong moment."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.cut = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._socks: list[socket.socket] = [self._server]
        threading.Thread(target=self._accept, name="cutter", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            up = socket.create_connection(("127.0.0.1", self.upstream))
            self._socks += [client, up]
            threading.Thread(target=self._pipe, args=(client, up, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, to_terminal: bool) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            if to_terminal:
                with contextlib.suppress(OSError):
                    dst.sendall(data)
                if data[:2] == bytes(m.REVERSAL):
                    self.cut.set()
            elif not self.cut.is_set():
                with contextlib.suppress(OSError):
                    dst.sendall(data)

    def close(self) -> None:
        for sock in self._socks:
            with contextlib.suppress(OSError):
                sock.close()


@pytest.fixture
def cutter(emulator: ZvtEmulator) -> Iterator[AnswerCutter]:
    proxy = AnswerCutter(emulator.start_tcp())
    yield proxy
    proxy.close()


@pytest.fixture
def method(cutter: AnswerCutter) -> Iterator[ZvtCardMethod]:
    device = CardTerminalDevice(terminal_settings(f"socket://127.0.0.1:{cutter.port}", "tcp"))
    yield ZvtCardMethod(device, "KES")
    device.close()


def cash_and_card_sale(t: Terminal, method: ZvtCardMethod) -> tuple[str, str, str]:
    """125.00 + 65.00: 100.00 in cash, then 90.00 on the card terminal. Returns the sale
    id and the cash and card payment ids."""
    payments = t.enable_payments({"card_zvt": method})
    t.checkout.scan(MILK_1L, 1)
    t.checkout.scan(MILK, 1)
    assert t.checkout.view().totals.total == kes("190")
    part = t.checkout.pay_cash(kes("100"), partial=True)
    assert part.receipt is None
    started = payments.start("card_zvt", kes("90"))
    end = time.monotonic() + 10
    view = payments.poll(started.attempt_id)
    while not view.final and time.monotonic() < end:
        time.sleep(0.02)
        view = payments.poll(started.attempt_id)
    assert view.receipt is not None, view
    sale_id = view.receipt.sale_id
    [(cash_id,)] = rows(
        t, f"SELECT id FROM payments WHERE sale_id = '{sale_id}' AND method = 'cash'"
    )
    [(card_id,)] = rows(
        t, f"SELECT id FROM payments WHERE sale_id = '{sale_id}' AND method = 'card_zvt'"
    )
    return sale_id, str(cash_id), str(card_id)


def test_a_split_tender_refund_left_waiting_is_settled_by_hand_to_the_exact_money_per_tender(
    cashier: Terminal,
    emulator: ZvtEmulator,
    cutter: AnswerCutter,
    method: ZvtCardMethod,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    t = cashier
    sale, cash_id, card_id = cash_and_card_sale(t, method)
    t.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    view = t.refunds.refundable(sale)
    assert [(x.method, x.paid.minor, x.ways[0]) for x in view.tenders] == [
        ("cash", 10000, TenderHow.CASH),
        ("card_zvt", 9000, TenderHow.METHOD),
    ]

    # the 1 l milk (125.00) back: the card's 90.00 first (where it came from), 35.00 cash
    request = RefundRequest(sale, {1: 1}, "damaged")
    plan = t.refunds.quote(request)
    assert [(p.payment_id, p.how, p.amount.minor) for p in plan.tenders] == [
        (card_id, TenderHow.METHOD, 9000),
        (cash_id, TenderHow.CASH, 3500),
    ]
    # the whole card payment goes back as a reversal; its answer is lost on the way
    with pytest.raises(RefundWaiting):
        t.refunds.refund(request)
    assert cutter.cut.is_set()
    assert m.REVERSAL in emulator.commands  # the terminal got it (and booked it)
    # waiting: nothing written, no cash out, no outbox event, and no second refund
    assert rows(t, "SELECT count(*) FROM refunds") == [(0,)]
    assert rows(t, "SELECT count(*) FROM outbox WHERE kind = 'refund.completed'") == [(0,)]
    [pending] = t.refunds.pending(sale)
    assert pending.state is RefundAttemptState.PENDING
    assert pending.amount.minor == 9000
    with pytest.raises(ServiceError):
        t.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))
    # "Check again": the terminal still says nothing
    assert [r.outcome for r in t.refunds.resolve_pending()] == ["waiting"]

    # the manager reads the terminal's journal and settles it by hand
    manager = users[Role.MANAGER].user_id
    approval = t.auth.approve(manager, pins[Role.MANAGER], Permission.SETTLE_PAYMENTS)
    journal = "terminal journal: refund receipt 0002, 90.00"
    resolved = t.refunds.settle_by_hand(pending.attempt_id, True, journal, approval)
    assert resolved.outcome == "completed"
    done = resolved.done
    assert done is not None
    assert (done.total.minor, done.cash_out.minor) == (12500, 3500)  # the drawer: 35.00

    # the document: each tender exactly, linked to its original payment
    assert rows(
        t,
        "SELECT method, amount_minor, original_payment_id, by_hand, reference "
        "FROM refund_tenders ORDER BY tender_no",
    ) == [
        ("card_zvt", 9000, card_id, 0, f"by hand: {journal}"),
        ("cash", 3500, cash_id, 0, ""),
    ]
    [(total, original)] = rows(t, "SELECT total_minor, original_sale_id FROM refunds")
    assert (total, original) == (12500, sale)
    # the receipt printed says the same
    printed = render_refund_text(done.receipt)
    assert [(x.label, x.amount.minor, x.how) for x in done.receipt.tenders] == [
        ("Card", 9000, TenderHow.METHOD),
        ("Cash", 3500, TenderHow.CASH),
    ]
    money_lines = [ln.split() for ln in printed if ln.split()[-1:] and "-" in ln[-8:]]
    assert ["Card", "-90.00"] in money_lines
    assert ["Cash", "-35.00"] in money_lines
    assert ["REFUND", "KES", "-125.00"] in money_lines
    assert f"by hand: {journal}"[:30] in " ".join(printed)
    assert done.receipt.total.minor == 12500
    # the outbox event, once
    [(payload,)] = rows(t, "SELECT payload FROM outbox WHERE kind = 'refund.completed'")
    body = json.loads(payload)["body"]
    assert body["original"]["sale_id"] == sale
    assert body["total"]["minor"] == 12500
    assert [
        (x["method"], x["amount"]["minor"], x["original_payment_id"]) for x in body["tenders"]
    ] == [("card_zvt", 9000, card_id), ("cash", 3500, cash_id)]
    assert [(ln["quantity"], ln["total"]["minor"]) for ln in body["lines"]] == [(1, 12500)]
    assert t.refunds.pending() == []

    # the other line (65.00): the card has nothing left, so all of it is cash
    after = t.refunds.refundable(sale)
    assert [(x.method, x.refunded.minor) for x in after.tenders] == [
        ("cash", 3500),
        ("card_zvt", 9000),
    ]
    second = t.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))
    assert (second.total.minor, second.cash_out.minor) == (6500, 6500)
    final = t.refunds.refundable(sale)
    assert [(x.paid.minor, x.refunded.minor) for x in final.tenders] == [
        (10000, 10000),
        (9000, 9000),
    ]
    assert final.fully_refunded
    assert rows(t, "SELECT count(*) FROM outbox WHERE kind = 'refund.completed'") == [(2,)]
    assert emulator.commands.count(m.REVERSAL) == 1  # the card was asked once, never again
    assert m.REFUND not in emulator.commands
