"""Past receipts over a real database file: the last paid one, finding any other by number,
trailing digits, amount, payment reference or day, and reprinting it marked COPY."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import pytest

from pos.domain.money import Money
from pos.domain.receipt import Receipt, render_text
from pos.payments.base import AttemptState
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import Decision, MpesaSandbox
from pos.payments.registry import MethodContext
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import NotFound, NotLoggedIn
from pos.services.payments import PaymentService, PaymentSettings
from pos.services.receipts import ReceiptSummary
from pos.services.terminal import Terminal

if TYPE_CHECKING:
    from conftest import FakeClock

Users = dict[Role, UserSummary]

MILK = "6168232712628"  # Brookside Fresh Milk 500ml, 65.00
MILK_1L = "6168232430898"  # Brookside Fresh Milk 1L, 125.00
UHT = "6168232799285"  # Brookside Long Life Whole Milk 500ml, 75.00
OLIVE_OIL = "8003295563979"  # Bertolli Extra Virgin Olive Oil 500ml, 1249.50
PHONE = "0712 345 678"
#: the test clock's first business day (07:30 UTC is 10:30 in Nairobi)
MONDAY = date(2026, 3, 2)


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def sell(terminal: Terminal, *barcodes: str, cash: str | None = None) -> Receipt:
    """Ring up ``barcodes`` and pay in cash (exact when ``cash`` is None)."""
    view = None
    for code in barcodes:
        view = terminal.checkout.scan(code)
    assert view is not None
    result = terminal.checkout.pay_cash(kes(cash) if cash else view.cash_due)
    assert result.receipt is not None
    return result.receipt


def void(terminal: Terminal, users: Users, *barcodes: str) -> Receipt:
    """Ring up ``barcodes`` and void the sale with a supervisor's approval."""
    for code in barcodes:
        terminal.checkout.scan(code)
    approval = terminal.auth.approve(users[Role.SUPERVISOR].user_id, "2222", Permission.VOID_SALE)
    return terminal.checkout.void("Customer changed mind", approval).receipt


def numbers(found: list[ReceiptSummary]) -> list[str]:
    return [r.number for r in found]


def audit_rows(terminal: Terminal, action: str) -> list[tuple[str, str, dict[str, object]]]:
    conn = sqlite3.connect(terminal.db.path)
    try:
        rows = conn.execute(
            "SELECT user_id, document_id, detail FROM audit_log WHERE action = ? ORDER BY seq",
            (action,),
        ).fetchall()
    finally:
        conn.close()
    return [(user, doc, json.loads(detail)) for user, doc, detail in rows]


# -- the last paid receipt ------------------------------------------------------------------


def test_last_paid_is_the_newest_completed_sale_never_a_later_void(
    cashier: Terminal, users: Users
) -> None:
    assert cashier.receipts.last_paid() is None  # nothing sold yet
    paid = sell(cashier, MILK)
    voided = void(cashier, users, MILK_1L)
    last = cashier.receipts.last_paid()
    assert last is not None
    assert (last.sale_id, last.number, last.voided) == (paid.sale_id, paid.number, False)
    assert (last.total, last.methods, last.day) == (kes("65"), ("Cash",), MONDAY)
    # the void is the newest document, and it is still in the journal, marked
    [newest, older] = cashier.receipts.find("", MONDAY)
    assert (newest.sale_id, newest.voided) == (voided.sale_id, True)
    assert older.sale_id == paid.sale_id


# -- by receipt number ----------------------------------------------------------------------


def test_a_receipt_is_found_by_its_full_number_or_its_trailing_digits(cashier: Terminal) -> None:
    for code in (MILK, MILK_1L, UHT):
        sell(cashier, code)
    assert numbers(cashier.receipts.find("DEMO-T1-000002")) == ["DEMO-T1-000002"]
    assert numbers(cashier.receipts.find("demo-t1-000002")) == ["DEMO-T1-000002"]
    # what a cashier reads off the paper, or a scanner reads off a receipt barcode
    for typed in ("2", "02", "000002", "T1-000002", "1-000002"):
        assert numbers(cashier.receipts.find(typed)) == ["DEMO-T1-000002"], typed
    # the start of a number lists the receipts it could be, newest first
    assert numbers(cashier.receipts.find("DEMO-T1-00000")) == [
        "DEMO-T1-000003",
        "DEMO-T1-000002",
        "DEMO-T1-000001",
    ]
    # another till's number is not this till's receipt 2, nor is a receipt that was never made
    assert cashier.receipts.find("T9-000002") == []
    assert cashier.receipts.find("DEMO-T1-000009") == []
    assert cashier.receipts.find("9") == []


# -- by amount ------------------------------------------------------------------------------


def test_amounts_match_sales_whose_total_or_rounded_cash_equals_them(cashier: Terminal) -> None:
    milk = sell(cashier, MILK)  # 65.00
    ten_litres = sell(cashier, *[MILK_1L] * 10)  # 1,250.00
    oil = sell(cashier, OLIVE_OIL, cash="1250")  # 1,249.50, to pay 1,250.00 in cash
    sell(cashier, UHT)  # 75.00
    assert oil.rounding == kes("0.50")
    for typed in ("65", "65.00", "65.0"):
        assert numbers(cashier.receipts.find(typed)) == [milk.number], typed
    assert numbers(cashier.receipts.find("1,249.50")) == [oil.number]
    for typed in ("1250", "1,250", "1,250.00", "1250.00"):
        assert numbers(cashier.receipts.find(typed)) == [oil.number, ten_litres.number], typed
    [summary, _] = cashier.receipts.find("1,250")
    assert (summary.total, summary.to_pay) == (kes("1249.50"), kes("1250"))
    # not amounts: too many decimals, nothing sold at that price
    assert cashier.receipts.find("65.001") == []
    assert cashier.receipts.find("66") == []


def test_a_search_returns_at_most_its_limit_newest_first(cashier: Terminal) -> None:
    sold = [sell(cashier, MILK) for _ in range(5)]
    found = cashier.receipts.find("65", limit=3)
    assert numbers(found) == [r.number for r in reversed(sold)][:3]
    assert numbers(cashier.receipts.find("", MONDAY, limit=2)) == [sold[4].number, sold[3].number]


# -- by payment reference -------------------------------------------------------------------


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox(prompt_timeout=5.0, slow_delay=0.3)
    box.start()
    try:
        yield box
    finally:
        box.stop()


def pay_by_mpesa(terminal: Terminal, sandbox: MpesaSandbox, barcode: str) -> Receipt:
    """Sell ``barcode`` paid by M-Pesa through the sandbox, the customer approving."""
    method = create_mpesa(
        MethodContext(training=True, currency="KES", settings={"base_url": sandbox.base_url})
    )
    payments = PaymentService(
        terminal.db,
        terminal.ctx,
        terminal.clock,
        terminal.ids,
        terminal.auth,
        terminal.checkout,
        {"mpesa": method},
        PaymentSettings(),
    )
    view = terminal.checkout.scan(barcode)
    payments.start("mpesa", view.totals.due, PHONE)
    [push] = sandbox.pending()
    sandbox.decide(push.checkout_request_id, Decision.APPROVE)
    # the callback (relayed by head office) carries the M-Pesa receipt number
    [callback] = [
        c
        for c in sandbox.wait_for_callbacks(1)
        if c.checkout_request_id == push.checkout_request_id
    ]
    done = payments.apply_gateway_event("mpesa", callback.body.encode())
    assert done.state is AttemptState.CAPTURED
    assert done.receipt is not None
    return done.receipt


def test_a_receipt_is_found_by_its_mpesa_receipt_number(
    cashier: Terminal, sandbox: MpesaSandbox
) -> None:
    sell(cashier, MILK_1L)
    paid = pay_by_mpesa(cashier, sandbox, MILK)
    sell(cashier, UHT)
    [payment] = paid.payments
    reference = payment.reference
    assert len(reference) >= 8  # the code in the customer's SMS
    for typed in (reference, reference.lower(), reference[:5], f"  {reference} "):
        found = cashier.receipts.find(typed)
        assert numbers(found) == [paid.number], typed
    [summary] = cashier.receipts.find(reference)
    assert summary.references == (reference,)
    assert summary.methods == (dict(payment.details).get("label") or "M-Pesa",)
    assert cashier.receipts.find(reference[:3]) == []  # too short to be a reference
    assert cashier.receipts.find("ZZZZZZZZZZ") == []


# -- by day ---------------------------------------------------------------------------------


def test_a_day_lists_its_receipts_and_bounds_amounts_but_not_numbers(
    cashier: Terminal, clock: FakeClock
) -> None:
    monday = sell(cashier, MILK)
    clock.advance(minutes=24 * 60)
    tuesday = sell(cashier, MILK)
    tuesday_other = sell(cashier, UHT)
    tuesday_date = date(2026, 3, 3)
    assert cashier.receipts.today() == tuesday_date
    assert numbers(cashier.receipts.find("", MONDAY)) == [monday.number]
    assert numbers(cashier.receipts.find("", tuesday_date)) == [
        tuesday_other.number,
        tuesday.number,
    ]
    assert cashier.receipts.find("", date(2026, 3, 4)) == []
    # an amount is looked for on the day given, or on every day
    assert numbers(cashier.receipts.find("65", MONDAY)) == [monday.number]
    assert numbers(cashier.receipts.find("65", tuesday_date)) == [tuesday.number]
    assert numbers(cashier.receipts.find("65")) == [tuesday.number, monday.number]
    # a receipt number names one receipt: found whatever day is being looked at
    assert numbers(cashier.receipts.find(monday.number, tuesday_date)) == [monday.number]
    # with no day and no text: the newest receipts
    assert numbers(cashier.receipts.find()) == [
        tuesday_other.number,
        tuesday.number,
        monday.number,
    ]
    [listed] = cashier.receipts.find("", MONDAY)
    assert listed.day == MONDAY
    assert listed.closed_at.utcoffset() is not None
    assert listed.closed_at.strftime("%H:%M") == "10:30"  # Nairobi time


def test_a_sale_finished_after_midnight_counts_on_the_next_day(
    cashier: Terminal, clock: FakeClock
) -> None:
    clock.advance(minutes=14 * 60)  # 21:30 UTC: 00:30 on Tuesday in Nairobi
    late = sell(cashier, MILK)
    assert numbers(cashier.receipts.find("", date(2026, 3, 3))) == [late.number]
    assert cashier.receipts.find("", MONDAY) == []


# -- showing and reprinting -----------------------------------------------------------------


def test_a_reprint_is_marked_copy_and_audited(cashier: Terminal, users: Users) -> None:
    original = sell(cashier, MILK, cash="100")
    shown = cashier.receipts.receipt(original.sale_id)
    assert not shown.reprint
    assert not any("COPY" in line for line in render_text(shown))
    assert audit_rows(cashier, "receipt_reprint") == []  # looking is not reprinting
    copy = cashier.receipts.reprint(original.sale_id)
    assert copy.reprint
    text = render_text(copy)
    assert any("*** COPY - REPRINT ***" in line for line in text)
    # otherwise the receipt the customer was given
    assert (copy.number, copy.total, copy.change) == (original.number, kes("65"), kes("35"))
    assert [ln for ln in text if "COPY" not in ln] == render_text(original)
    [(user, document, detail)] = audit_rows(cashier, "receipt_reprint")
    assert (user, document) == (users[Role.CASHIER].user_id, original.sale_id)
    assert detail == {"number": original.number, "status": "completed"}


def test_a_voided_receipt_reprints_as_a_voided_copy(cashier: Terminal, users: Users) -> None:
    voided = void(cashier, users, MILK)
    copy = cashier.receipts.reprint(voided.sale_id)
    text = render_text(copy)
    assert any("*** COPY - REPRINT ***" in line for line in text)
    assert any("*** VOIDED ***" in line for line in text)
    [(_, _, detail)] = audit_rows(cashier, "receipt_reprint")
    assert detail["status"] == "voided"


def test_an_unknown_receipt_is_not_found(cashier: Terminal) -> None:
    with pytest.raises(NotFound):
        cashier.receipts.reprint("0190f000-0000-7000-8000-000000000000")
    with pytest.raises(NotFound):
        cashier.receipts.receipt("0190f000-0000-7000-8000-000000000000")
    assert audit_rows(cashier, "receipt_reprint") == []


# -- who may, and the write lock ------------------------------------------------------------


def test_receipts_need_someone_logged_in_who_may_sell(
    terminal: Terminal, users: Users, pins: dict[Role, str]
) -> None:
    terminal.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    sale = sell(terminal, MILK)
    terminal.auth.lock_screen()
    calls = (
        terminal.receipts.last_paid,
        lambda: terminal.receipts.find("65"),
        lambda: terminal.receipts.receipt(sale.sale_id),
        lambda: terminal.receipts.reprint(sale.sale_id),
    )
    for call in calls:
        with pytest.raises(NotLoggedIn):
            call()
    terminal.auth.unlock_screen(pins[Role.CASHIER])
    terminal.auth.logout()
    for call in calls:
        with pytest.raises(NotLoggedIn):
            call()
    assert audit_rows(terminal, "receipt_reprint") == []
    for role in Role:  # every role sells, so every role finds and reprints
        terminal.auth.login(users[role].user_id, pins[role])
        assert terminal.receipts.reprint(sale.sale_id).reprint
        terminal.auth.logout()
    assert len(audit_rows(terminal, "receipt_reprint")) == len(Role)


def test_searching_never_waits_for_another_writer(cashier: Terminal) -> None:
    sale = sell(cashier, MILK)
    other = sqlite3.connect(cashier.db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        other.execute("UPDATE counters SET value = value WHERE name = 'none'")
        assert numbers(cashier.receipts.find("65")) == [sale.number]
        assert numbers(cashier.receipts.find("", MONDAY)) == [sale.number]
        last = cashier.receipts.last_paid()
        assert last is not None
        assert last.sale_id == sale.sale_id
        assert cashier.receipts.receipt(sale.sale_id).number == sale.number
    finally:
        other.execute("ROLLBACK")
        other.close()
