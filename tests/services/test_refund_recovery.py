"""Card refunds whose terminal stopped answering: never lost, never sent twice, never
settled by guesswork. The emulated ZVT terminal is served on a real pty; the till is a
real Terminal on a real SQLite file, "restarted" as a new Terminal (and a new device
worker) on the same file. The terminal goes silent in the middle of a refund to the card
(it books or declines it, and its answer never reaches the till): the refund attempt is
pending, the sale takes no second refund, and the restarted till's start-up resolution
asks the terminal (its last transaction against the receipt number noted before) and
records the refund once, or drops it when the terminal did not approve it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Behaviour, Settings, ZvtEmulator
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from pos.services import refund_attempts as store
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import ApprovalRequired, ServiceError
from pos.services.refund_attempts import IllegalMove, RefundAttemptState
from pos.services.refund_recovery import encode_request
from pos.services.refunds import RefundRequest, RefundWaiting
from pos.services.terminal import Terminal
from tests.conftest import FakeClock, make_ctx
from tests.payments.card.conftest import terminal_settings
from tests.services.test_refunds_card import MILK, MILK_1L, card_sale, kes, rows

DECLINED = 0x05


@pytest.fixture
def emulator() -> Iterator[ZvtEmulator]:
    emu = ZvtEmulator(Settings(step_delay=0.01, manual_timeout=60))
    yield emu
    emu.stop()


MakeMethod = Callable[[], ZvtCardMethod]


@pytest.fixture
def make_method(emulator: ZvtEmulator) -> Iterator[MakeMethod]:
    """A new card method on its own device worker each call (as after a restart), all on
    the emulator's one pty; the previous device is closed first (one owner of the port)."""
    path = emulator.start_pty()
    devices: list[CardTerminalDevice] = []

    def make() -> ZvtCardMethod:
        for old in devices:
            old.close()
        device = CardTerminalDevice(terminal_settings(path, "serial"))
        devices.append(device)
        return ZvtCardMethod(device, "KES")

    yield make
    for device in devices:
        device.close()


@pytest.fixture
def supervisor(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> Callable[[Terminal], None]:
    def login(till: Terminal) -> None:
        till.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])

    return login


def silent_after_decision(emulator: ZvtEmulator, approve: bool) -> Callable[[], bool]:
    """Once the terminal waits for the customer's card, it goes silent and then books
    (``approve``) or declines the refund: its answer never reaches the till. Answers a
    check that the terminal was played (call after the refund returned)."""
    played = threading.Event()

    def play() -> None:
        if emulator.waiting.wait(30):
            emulator.settings.behaviour = Behaviour.SILENT
            emulator.decide(approve, DECLINED)
            played.set()

    thread = threading.Thread(target=play, name="customer-at-terminal", daemon=True)
    thread.start()

    def done() -> bool:
        thread.join(30)
        return played.is_set()

    return done


def restart(
    db_path: Path, clock: FakeClock, make_method: MakeMethod
) -> tuple[Terminal, ZvtCardMethod]:
    """The till started again on the same file, its card method on a new device worker."""
    till = Terminal.open(db_path, make_ctx(), clock)
    method = make_method()
    till.enable_payments({"card_zvt": method})
    return till, method


def send_refund_and_lose_the_answer(
    till: Terminal, emulator: ZvtEmulator, sale: str, approve: bool
) -> RefundWaiting:
    """A refund to the card of line 2 (the milk, 65.00) whose answer is lost."""
    emulator.settings.behaviour = Behaviour.MANUAL
    played = silent_after_decision(emulator, approve)
    with pytest.raises(RefundWaiting) as waiting:
        till.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))
    assert played()
    return waiting.value


def test_a_card_refund_whose_answer_was_lost_is_found_on_the_terminal_at_start_up_and_recorded_once(
    cashier: Terminal,
    emulator: ZvtEmulator,
    make_method: MakeMethod,
    supervisor: Callable[[Terminal], None],
    clock: FakeClock,
    db_path: Path,
) -> None:
    sale = card_sale(cashier, make_method(), (MILK_1L, 1), (MILK, 1))
    clock.advance(minutes=5)
    supervisor(cashier)
    waiting = send_refund_and_lose_the_answer(cashier, emulator, sale, approve=True)
    text = str(waiting)
    assert text.startswith("Card did not answer after the refund was sent:")
    assert "Nothing is recorded as refunded yet" in text
    booked = emulator.last_transaction()
    assert booked is not None
    assert booked.receipt_no == 2
    assert booked.amount_minor == 6500
    # stored before the terminal was asked, with the receipt number it had then
    assert rows(cashier, "SELECT state, amount_minor, gateway_ref FROM refund_attempts") == [
        ("pending", 6500, "zvt:before:1")
    ]
    assert rows(cashier, "SELECT count(*) FROM refunds") == [(0,)]
    # the sale takes no second refund meanwhile, of that line or any other
    emulator.settings.behaviour = Behaviour.APPROVE
    for line in (1, 2):
        with pytest.raises(ServiceError) as refused:
            cashier.refunds.refund(RefundRequest(sale, {line: 1}, "damaged"))
        assert "is waiting for the terminal's answer" in str(refused.value)
    view = cashier.refunds.refundable(sale)
    [pending] = view.waiting
    assert (pending.label, pending.amount, pending.state) == (
        "Card",
        kes("65"),
        RefundAttemptState.PENDING,
    )
    assert "press Check again" in str(pending.todo)
    assert view.lines[1].left == 1  # not counted as refunded while nobody knows
    assert emulator.commands.count(m.REFUND) == 1
    cashier.close()

    clock.advance(minutes=2)
    till, _ = restart(db_path, clock, make_method)  # nobody logged in yet: start-up
    try:
        [resolved] = till.refunds.resolve_pending()
        assert resolved.outcome == "completed"
        assert resolved.done is not None
        assert resolved.done.total == kes("65")
        assert emulator.commands.count(m.REFUND) == 1  # asked, never sent again
        reference = f"{booked.approval_code} · 476173******0010 · TID 52500038 · receipt 0002"
        assert rows(till, "SELECT number, total_minor FROM refunds") == [(resolved.number, 6500)]
        assert rows(till, "SELECT method, amount_minor, reference FROM refund_tenders") == [
            ("card_zvt", 6500, reference)
        ]
        assert rows(till, "SELECT count(*) FROM outbox WHERE kind = 'refund.completed'") == [(1,)]
        assert rows(till, "SELECT state FROM refund_attempts") == [("completed",)]
        # the refund document names the supervisor who made it, not whoever is on now
        [(cashier_name,)] = rows(till, "SELECT cashier_name FROM refunds")
        assert cashier_name == next(u.name for u in till.auth.users() if u.role is Role.SUPERVISOR)
        # resolved once: a second pass (another start, "Check again") finds nothing
        assert till.refunds.resolve_pending() == []
        assert rows(till, "SELECT count(*) FROM refunds") == [(1,)]
        supervisor(till)
        view = till.refunds.refundable(sale)
        assert view.waiting == ()
        assert view.lines[1].left == 0
        assert view.tenders[0].refunded == kes("65")
        check = till.journal.verify()
        assert check is not None
        assert check.ok
    finally:
        till.close()


def test_a_card_refund_the_terminal_declined_unheard_is_dropped_and_nothing_counts_as_refunded(
    cashier: Terminal,
    emulator: ZvtEmulator,
    make_method: MakeMethod,
    supervisor: Callable[[Terminal], None],
    clock: FakeClock,
    db_path: Path,
) -> None:
    sale = card_sale(cashier, make_method(), (MILK_1L, 1), (MILK, 1))
    clock.advance(minutes=5)
    supervisor(cashier)
    send_refund_and_lose_the_answer(cashier, emulator, sale, approve=False)
    assert rows(cashier, "SELECT state FROM refund_attempts") == [("pending",)]
    cashier.close()

    emulator.settings.behaviour = Behaviour.APPROVE
    till, _ = restart(db_path, clock, make_method)
    try:
        [resolved] = till.refunds.resolve_pending()
        assert resolved.outcome == "not_refunded"
        assert "did not approve the refund" in resolved.message
        assert rows(till, "SELECT state, code FROM refund_attempts") == [
            ("not_refunded", "card_zvt.05")
        ]
        assert rows(till, "SELECT count(*) FROM refunds") == [(0,)]
        assert rows(till, "SELECT count(*) FROM refund_tenders") == [(0,)]
        assert rows(till, "SELECT count(*) FROM outbox WHERE kind = 'refund.completed'") == [(0,)]
        assert rows(till, "SELECT count(*) FROM audit_log WHERE action = 'refund_failed'") == [(1,)]
        supervisor(till)
        view = till.refunds.refundable(sale)
        assert view.waiting == ()
        assert view.lines[1].left == 1
        assert view.tenders[0].refunded == kes("0")
        # the sale can be refunded again now, through the terminal
        done = till.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))
        assert done.total == kes("65")
        assert emulator.commands.count(m.REFUND) == 2
        assert till.refunds.resolve_pending() == []
    finally:
        till.close()


def test_a_terminal_used_for_something_else_since_leaves_the_refund_open_until_settled_by_hand(
    cashier: Terminal,
    emulator: ZvtEmulator,
    make_method: MakeMethod,
    supervisor: Callable[[Terminal], None],
    clock: FakeClock,
    db_path: Path,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    """After the lost answer the till took another card payment: the terminal's last
    transaction no longer tells, so nothing is concluded; a manager looks at its journal
    and settles it by hand (approved, audited), and the refund is recorded once."""
    sale = card_sale(cashier, make_method(), (MILK_1L, 1), (MILK, 1))
    clock.advance(minutes=5)
    supervisor(cashier)
    send_refund_and_lose_the_answer(cashier, emulator, sale, approve=True)
    cashier.close()

    emulator.settings.behaviour = Behaviour.APPROVE
    clock.advance(minutes=1)
    till, method = restart(db_path, clock, make_method)
    try:
        supervisor(till)
        card_sale(till, method, (MILK, 1))  # a new sale, 65.00 again, before resolving
        [resolved] = till.refunds.resolve_pending()
        assert resolved.outcome == "waiting"
        assert rows(till, "SELECT state, code FROM refund_attempts") == [
            ("unknown", "card_zvt.unclear")
        ]
        assert rows(till, "SELECT count(*) FROM refunds") == [(0,)]
        [pending] = till.refunds.pending()
        assert pending.state is RefundAttemptState.UNKNOWN
        assert "look in its journal" in pending.message
        assert "refund of KES 65.00 after receipt 0001" in pending.message
        assert "tell head office" in str(pending.todo)
        with pytest.raises(ServiceError):  # still no second refund of that sale
            till.refunds.refund(RefundRequest(sale, {2: 1}, "damaged"))
        assert till.refunds.resolve_pending()[0].outcome == "waiting"  # asking again: same

        # a manager looks at the terminal's journal and settles it by hand
        journal = "terminal journal: refund receipt 0002"
        with pytest.raises(ApprovalRequired):  # a supervisor may not
            till.refunds.settle_by_hand(pending.attempt_id, True, journal)
        manager = users[Role.MANAGER].user_id
        approval = till.auth.approve(manager, pins[Role.MANAGER], Permission.SETTLE_PAYMENTS)
        with pytest.raises(ServiceError) as short:
            till.refunds.settle_by_hand(pending.attempt_id, True, " ok ", approval)
        assert "journal" in str(short.value)
        assert rows(till, "SELECT state FROM refund_attempts") == [("unknown",)]
        resolved = till.refunds.settle_by_hand(pending.attempt_id, True, journal, approval)
        assert resolved.outcome == "completed"
        assert rows(till, "SELECT amount_minor, reference FROM refund_tenders") == [
            (6500, f"by hand: {journal}")
        ]
        [(approved_by,)] = rows(
            till, "SELECT approved_by FROM audit_log WHERE action = 'refund_settled_by_hand'"
        )
        assert approved_by == manager
        assert rows(till, "SELECT state FROM refund_attempts") == [("completed",)]
        assert till.refunds.pending() == []
        again = till.auth.approve(manager, pins[Role.MANAGER], Permission.SETTLE_PAYMENTS)
        with pytest.raises(IllegalMove):  # settled once
            till.refunds.settle_by_hand(pending.attempt_id, False, journal, again)
        assert rows(till, "SELECT count(*) FROM refunds") == [(1,)]
        assert emulator.commands.count(m.REFUND) == 1
    finally:
        till.close()


def test_refund_attempts_move_forward_only(cashier: Terminal, clock: FakeClock) -> None:
    now = clock.now()
    with cashier.db.session() as s:
        store.add(
            s,
            attempt="r1-1",
            refund_id="r1",
            sale_id="s1",
            payment_id="p1",
            terminal_id="T1",
            method="card_zvt",
            amount=kes("10"),
            request="{}",
            created_by="u1",
            now=now,
        )
    with cashier.db.session() as s:
        with pytest.raises(IllegalMove):
            store.move(s, "r1-1", RefundAttemptState.APPROVED, now)  # not asked yet
        with pytest.raises(IllegalMove):
            store.move(s, "r1-1", RefundAttemptState.COMPLETED, now)
        store.move(s, "r1-1", RefundAttemptState.PENDING, now, gateway_ref="zvt:before:7")
        store.move(s, "r1-1", RefundAttemptState.APPROVED, now, refund_ref="zvt:x:0008:1")
        with pytest.raises(IllegalMove):
            store.move(s, "r1-1", RefundAttemptState.PENDING, now)  # never backwards
        with pytest.raises(IllegalMove):
            store.move(s, "r1-1", RefundAttemptState.NOT_REFUNDED, now)
        store.move(
            s, "r1-1", RefundAttemptState.COMPLETED, now, expect={RefundAttemptState.APPROVED}
        )
        with pytest.raises(IllegalMove):  # completed once: a second completion fails
            store.move(
                s, "r1-1", RefundAttemptState.COMPLETED, now, expect={RefundAttemptState.APPROVED}
            )
    assert rows(cashier, "SELECT state, gateway_ref, refund_ref FROM refund_attempts") == [
        ("completed", "zvt:before:7", "zvt:x:0008:1")
    ]


def test_a_refund_stored_but_never_sent_is_dropped_at_start_up_without_asking_the_terminal(
    cashier: Terminal,
    emulator: ZvtEmulator,
    make_method: MakeMethod,
    supervisor: Callable[[Terminal], None],
    clock: FakeClock,
    db_path: Path,
    users: dict[Role, UserSummary],
) -> None:
    """The till stopped between storing the refund attempt and asking the terminal."""
    sale = card_sale(cashier, make_method(), (MILK_1L, 1), (MILK, 1))
    supervisor(cashier)
    [payment] = cashier.refunds.refundable(sale).tenders
    who = users[Role.SUPERVISOR].user_id
    request = RefundRequest(sale, {2: 1}, "damaged")
    with cashier.db.session() as s:
        store.add(
            s,
            attempt=store.attempt_id("r-crashed", 0),
            refund_id="r-crashed",
            sale_id=sale,
            payment_id=payment.payment_id,
            terminal_id="T1",
            method="card_zvt",
            amount=kes("65"),
            request=encode_request(request, who, 6500),
            created_by=who,
            now=clock.now(),
        )
    with pytest.raises(ServiceError):  # while it is there, the sale takes no other refund
        cashier.refunds.refund(request)
    cashier.close()
    asked = len(emulator.commands)

    till, _ = restart(db_path, clock, make_method)
    try:
        [resolved] = till.refunds.resolve_pending()
        assert resolved.outcome == "not_refunded"
        assert len(emulator.commands) == asked  # nothing to ask: it was never sent
        assert rows(till, "SELECT state, code FROM refund_attempts") == [
            ("not_refunded", "not_sent")
        ]
        assert rows(till, "SELECT count(*) FROM refunds") == [(0,)]
        supervisor(till)
        assert till.refunds.refund(request).total == kes("65")
    finally:
        till.close()
