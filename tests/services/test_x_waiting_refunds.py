"""The X report lists the refunds still waiting (count, value per currency, and that they
are not counted yet and must be resolved before the Z) on its printer layout and CSV,
leaves them out of every figure, and drops the list once they are resolved; a Z has none
(it is refused while one waits) and a Z stored before the list existed reads back.

The attempts are stored and moved as the refund service does when a method was asked and
its answer is still missing (``tests/services/test_shift_waiting_refunds.py`` does the
same); the X, the layout and the CSV under test are the real ones over a real file."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import text

from pos.domain.money import Money
from pos.services import refund_attempts as attempts
from pos.services.auth import Role, UserSummary
from pos.services.errors import ServiceError
from pos.services.period import PeriodReport
from pos.services.refund_attempts import RefundAttemptState as S
from pos.services.report_layout import report_csv, report_lines
from pos.services.terminal import Terminal
from tests.conftest import FakeClock

MILK = "6168232712628"  # 65.00


def _store_attempt(term: Terminal, attempt: str, method: str, amount: Money, to: S) -> None:
    """A refund attempt of this terminal that its method has not answered yet."""
    now = term.clock.now()
    with term.db.session() as s:
        attempts.add(
            s,
            attempt=attempt,
            refund_id=f"R-{attempt}",
            sale_id="S-any",
            payment_id=f"P-{attempt}",
            terminal_id=term.ctx.terminal_id,
            method=method,
            amount=amount,
            request="{}",
            created_by="tester",
            now=now,
        )
        attempts.move(s, attempt, S.PENDING, now)
        if to is not S.PENDING:
            attempts.move(s, attempt, to, now)


def _sell_milk(term: Terminal) -> int:
    term.checkout.scan(MILK, 1)
    due = term.checkout.view().cash_due
    assert term.checkout.pay_cash(due).receipt is not None
    return due.minor


def _csv_rows(report: PeriodReport, section: str) -> list[list[str]]:
    return [r for r in csv.reader(io.StringIO(report_csv(report))) if r and r[0] == section]


@pytest.fixture
def manager_till(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], clock: FakeClock
) -> Terminal:
    """A till with one cash sale and two refunds waiting (a card one in KES, pending; a
    PayPal one in USD whose money went back but whose document is not written yet), the
    manager logged in."""
    _sell_milk(cashier)
    _store_attempt(cashier, "A-card", "card_zvt", Money(5000, "KES"), S.PENDING)
    clock.advance(minutes=2)
    _store_attempt(cashier, "A-paypal", "paypal", Money(300, "USD"), S.APPROVED)
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    return cashier


def test_the_x_lists_waiting_refunds_with_their_count_and_value_per_currency(
    manager_till: Terminal,
) -> None:
    x = manager_till.zreports.x_report()
    assert x.waiting_count == 2
    assert [(w.method, w.state, w.amount, w.currency) for w in x.waiting_refunds] == [
        ("card_zvt", "pending", 5000, "KES"),
        ("paypal", "approved", 300, "USD"),
    ]
    assert x.waiting_value() == (("KES", 5000), ("USD", 300))  # never one mixed sum
    # counted in no figure: no refund document exists yet
    assert (x.refunds_count, x.refunds_value, x.cash_refunds) == (0, 0, 0)
    assert x.expected_cash == x.cash_sales == 6500
    assert all(t.refunded == 0 for t in x.tenders)


@pytest.mark.parametrize("width", [42, 32])
def test_the_x_printer_layout_says_the_waiting_refunds_are_not_counted_before_the_figures(
    manager_till: Terminal, width: int
) -> None:
    x = manager_till.zreports.x_report()
    lines = report_lines(x, width)
    assert all(len(line) <= width for line in lines), [ln for ln in lines if len(ln) > width]
    start = lines.index("REFUNDS WAITING (2)")
    assert start < next(i for i, ln in enumerate(lines) if ln.startswith("Gross sales"))
    block = lines[start : start + 8]
    card = next(ln for ln in block if "Card" in ln)  # its label, not its code
    assert card.endswith(" 50.00")
    assert "pending" in card
    paypal = next(ln for ln in block if "PayPal" in ln)
    assert paypal.endswith(" USD 3.00")
    totals = [ln for ln in block if ln.strip().startswith("Total waiting")]
    assert [t.split()[-1] for t in totals] == ["50.00", "3.00"]
    assert totals[1].endswith("USD 3.00")
    note = " ".join(lines[start + 5 :])
    assert "Not counted in this report yet" in note
    assert "before the Z." in note


def test_the_x_csv_has_each_waiting_refund_a_total_per_currency_and_the_note(
    manager_till: Terminal,
) -> None:
    x = manager_till.zreports.x_report()
    rows = _csv_rows(x, "refunds waiting")
    assert [r[1].split()[:2] + r[2:] for r in rows[:2]] == [
        ["Card", "pending", "1", "50.00", "KES"],
        ["PayPal", "approved", "1", "3.00", "USD"],
    ]
    assert rows[2:4] == [
        ["refunds waiting", "total", "1", "50.00", "KES"],
        ["refunds waiting", "total", "1", "3.00", "USD"],
    ]
    [note] = rows[4:]
    assert note[1].startswith("Not counted in this report yet")
    assert note[2] == "2"
    # the sales rows still count no refund
    [refunds] = [r for r in _csv_rows(x, "sales") if r[1] == "refunds"]
    assert refunds[2:4] == ["0", "0.00"]


def test_resolved_refunds_leave_the_x_and_the_z_has_no_waiting_list(
    manager_till: Terminal,
) -> None:
    with pytest.raises(ServiceError, match="Z report would leave it out"):
        manager_till.zreports.z_report()
    now = manager_till.clock.now()
    with manager_till.db.session() as s:
        attempts.move(s, "A-card", S.DECLINED, now)
    x = manager_till.zreports.x_report()
    assert [w.method for w in x.waiting_refunds] == ["paypal"]
    assert "REFUNDS WAITING (1)" in report_lines(x)
    with manager_till.db.session() as s:
        attempts.move(s, "A-paypal", S.COMPLETED, now)
    x = manager_till.zreports.x_report()
    assert x.waiting_refunds == ()
    assert x.waiting_value() == ()
    assert not any("WAITING" in line for line in report_lines(x))
    assert _csv_rows(x, "refunds waiting") == []
    manager_till.shifts.close({}, note="float banked")
    z = manager_till.zreports.z_report()
    assert z.waiting_refunds == ()
    [summary] = manager_till.zreports.z_list()
    assert manager_till.zreports.reprint(summary.z_id) == z


def test_a_z_stored_before_the_waiting_list_existed_reads_back_without_one(
    manager_till: Terminal,
) -> None:
    for attempt, to in (("A-card", S.DECLINED), ("A-paypal", S.COMPLETED)):
        with manager_till.db.session() as s:
            attempts.move(s, attempt, to, manager_till.clock.now())
    manager_till.shifts.close({}, note="float banked")
    z = manager_till.zreports.z_report()
    with manager_till.db.read_session() as s:
        [(document,)] = s.execute(text("SELECT document FROM z_reports")).all()
    stored = json.loads(document)["report"]
    assert stored["waiting_refunds"] == []
    del stored["waiting_refunds"]  # as Kaunta wrote a Z before this field
    assert PeriodReport.from_json(stored) == z
