"""X and Z reports: figures, numbering, immutability, the chain, permissions."""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pos.demo import CATALOG_CSV
from pos.domain.money import Money
from pos.services.auth import Permission, Role, UserSummary
from pos.services.errors import ApprovalRequired, PermissionDenied, ServiceError
from pos.services.terminal import Terminal
from sync.protocol.events import parse_event


def _barcodes() -> list[str]:
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return [r["barcode"] for r in csv.DictReader(f) if r["barcode"]]


BARCODES = _barcodes()


@pytest.fixture
def manager(terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> Terminal:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    return terminal


def _sell(term: Terminal, barcode: str, qty: int = 1) -> Money:
    term.checkout.scan(barcode, qty)
    due = term.checkout.view().cash_due
    assert term.checkout.pay_cash(Money(due.minor + 1000)).receipt is not None
    return due


def test_x_report_shows_the_open_shift_and_changes_nothing(manager: Terminal) -> None:
    a = _sell(manager, BARCODES[0], 2)
    b = _sell(manager, BARCODES[1])
    manager.shifts.cash_out(Money(1000), "paid_out", "bus fare")
    with manager.db.read_session() as s:
        before = s.execute(text("SELECT count(*) FROM outbox")).scalar()
    x = manager.zreports.x_report()
    x_again = manager.zreports.x_report()
    assert x.sales_count == 2
    assert x.sales_total + x.rounding == (a + b).minor
    assert x.expected_cash == (a + b).minor - 1000
    assert x.net_sales == x.gross_sales - x.discounts - x.refunds_value
    assert x.average_basket == x.sales_total // 2
    assert [c.sales_count for c in x.by_cashier] == [2]
    assert x.kind == "X"
    assert x_again.sales_count == x.sales_count
    with manager.db.read_session() as s:
        assert s.execute(text("SELECT count(*) FROM outbox")).scalar() == before
        assert s.execute(text("SELECT count(*) FROM z_reports")).scalar() == 0


def test_z_needs_the_shift_closed_is_numbered_and_never_re_run(manager: Terminal) -> None:
    _sell(manager, BARCODES[0])
    with pytest.raises(ServiceError, match="still open"):
        manager.zreports.z_report()
    manager.shifts.close({}, note="float banked")
    z1 = manager.zreports.z_report()
    assert z1.z_number == 1
    with pytest.raises(ServiceError, match="nothing new"):
        manager.zreports.z_report()
    manager.shifts.open({})
    _sell(manager, BARCODES[1])
    manager.shifts.close({}, note="float banked")
    z2 = manager.zreports.z_report()
    assert z2.z_number == 2
    assert z2.sales_count == 1  # only the second day's sale
    assert manager.zreports.verify() == []
    listed = manager.zreports.z_list()
    assert [z.number for z in listed] == [2, 1]
    with manager.db.read_session() as s:
        docs = [
            json.loads(p)
            for (p,) in s.execute(
                text("SELECT payload FROM outbox WHERE kind = 'report.z' ORDER BY seq")
            )
        ]
    assert [d["type"] for d in docs] == ["report.z"] * 2
    for d in docs:
        parse_event(d)  # the strict parser the head office reads with
    assert docs[1]["body"]["previous"] == {"z_id": listed[1].z_id, "hash": docs[0]["hash"]}


def test_a_z_reprints_exactly_as_written(manager: Terminal) -> None:
    _sell(manager, BARCODES[0])
    manager.shifts.close({}, note="float banked")
    z = manager.zreports.z_report()
    [summary] = manager.zreports.z_list()
    assert manager.zreports.reprint(summary.z_id) == z


def test_a_z_is_immutable_and_a_tampered_one_is_found(manager: Terminal) -> None:
    manager.shifts.close({})
    manager.zreports.z_report()
    with manager.db.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE z_reports SET number = 7"))
    with manager.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER z_reports_no_update"))
        conn.execute(
            text("UPDATE z_reports SET document = replace(document, '\"sales_count\"', '\"x\"')")
        )
    assert any("do not match its hash" in p for p in manager.zreports.verify())


def test_a_cashier_needs_a_manager_for_the_z_and_cannot_see_an_x(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    with pytest.raises(PermissionDenied):
        cashier.zreports.x_report()
    cashier.shifts.close({})
    with pytest.raises(ApprovalRequired):
        cashier.zreports.z_report()
    approval = cashier.auth.approve(
        users[Role.MANAGER].user_id, pins[Role.MANAGER], Permission.Z_REPORT
    )
    assert cashier.zreports.z_report(approval).z_number == 1


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(days=st.lists(st.integers(0, 3), min_size=1, max_size=4))
def test_z_numbers_run_one_two_three_for_any_days(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], days: list[int]
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    start = len(terminal.zreports.z_list())
    for i, sales in enumerate(days):
        if terminal.shifts.current() is None:
            terminal.shifts.open({})
        for n in range(sales):
            _sell(terminal, BARCODES[n % len(BARCODES)])
        terminal.shifts.close({}, note="takings banked")
        z = terminal.zreports.z_report()
        assert z.z_number == start + i + 1
        assert z.sales_count == sales
    assert terminal.zreports.verify() == []


def test_the_printer_layout_fits_the_paper_and_the_csv_is_formula_safe(
    manager: Terminal,
) -> None:
    from pos.services.report_layout import report_csv, report_lines

    _sell(manager, BARCODES[0])
    manager.shifts.cash_out(Money(500), "paid_out", '=HYPERLINK("http://x")')
    manager.shifts.close({}, note="float banked")
    z = manager.zreports.z_report()
    for width in (42, 32):
        lines = report_lines(z, width)
        assert all(len(line) <= width for line in lines), [ln for ln in lines if len(ln) > width]
        assert any("Z REPORT 1" in line for line in lines)
    out = report_csv(z)
    assert "'=HYPERLINK" in out
    assert ",=HYPERLINK" not in out
    assert f"expected cash,,{z.expected_cash / 100:.2f}" in out


def test_a_cash_refund_lowers_the_expected_cash_and_shows_on_the_z(manager: Terminal) -> None:
    from pos.services.refunds import RefundRequest

    manager.checkout.scan(BARCODES[0], 2)
    due = manager.checkout.view().cash_due
    receipt = manager.checkout.pay_cash(Money(due.minor)).receipt
    assert receipt is not None
    done = manager.refunds.refund(RefundRequest(receipt.sale_id, {1: 1}, "changed_mind"))
    x = manager.zreports.x_report()
    assert x.refunds_count == 1
    assert x.cash_refunds == x.refunds_value > 0
    assert x.expected_cash == due.minor - x.refunds_value
    assert x.net_sales == x.gross_sales - x.discounts - x.refunds_value
    assert sum(v.gross for v in x.vat) == x.sales_total - x.refunds_value
    assert done is not None
    manager.shifts.close({}, note="refund paid out")
    z = manager.zreports.z_report()
    assert z.cash_refunds == x.cash_refunds
    assert sum(c.net_sales for c in z.by_cashier) == z.net_sales


@pytest.mark.parametrize("role", [Role.CASHIER, Role.SUPERVISOR, Role.MANAGER])
def test_each_report_is_refused_in_the_service_unless_the_role_holds_its_permission(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], role: Role
) -> None:
    from pos.services.auth import ROLE_PERMISSIONS

    terminal.auth.login(users[role].user_id, pins[role])
    may_view = Permission.VIEW_REPORTS in ROLE_PERMISSIONS[role]
    views = [
        terminal.zreports.x_report,
        terminal.shifts.drawer,
        terminal.zreports.z_list,
        lambda: terminal.daily.view("2026-03-02"),
    ]
    for view in views:
        if may_view:
            view()
        else:
            with pytest.raises(PermissionDenied):
                view()
    terminal.shifts.close({}, note="n/a")
    if Permission.Z_REPORT in ROLE_PERMISSIONS[role]:
        assert terminal.zreports.z_report().z_number == 1
    else:
        with pytest.raises(ApprovalRequired):
            terminal.zreports.z_report()
        with terminal.db.read_session() as s:
            assert s.execute(text("SELECT count(*) FROM z_reports")).scalar() == 0
