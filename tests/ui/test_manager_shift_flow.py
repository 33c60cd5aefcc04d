"""The manager's day through the real till window: close the demo shift, open a shift with
a counted float, sell, cash out, X report, close with a difference (manager approval), Z
report with its CSV and PDF; and the shift prompt at login when none is open."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from pos.domain.money import Money
from pos.ui.dialogs import TenderDialog
from pos.ui.manager.daily_view import DailyDialog
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.reports_view import ReportDialog
from pos.ui.manager.shift_dialogs import CashMoveDialog, CloseShiftDialog, OpenShiftDialog

if TYPE_CHECKING:
    from conftest import Till

D = TypeVar("D", bound=QDialog)
MILK = "6168232712628"  # 65.00
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"


def _menu(till: Till) -> ManagerMenu:
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    return menu


def _pay_exact(till: Till) -> None:
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "65")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: till.window.sale.dialog is not tender)
    receipt = till.dialog()
    receipt.accept()
    till.idle()


def _tool(till: Till, menu: ManagerMenu, key: str, kind: type[D]) -> D:
    before = menu.dialog
    till.click(menu.buttons[key])
    till.until(lambda: menu.dialog is not before and menu.dialog is not None)
    dialog = menu.dialog
    assert isinstance(dialog, kind), dialog
    return dialog


def test_open_sell_cash_out_x_close_with_a_difference_then_z(till: Till, tmp_path: Path) -> None:
    till.login(MANAGER, MANAGER_PIN)
    menu = _menu(till)
    close = _tool(till, menu, "close_shift", CloseShiftDialog)
    assert isinstance(close, CloseShiftDialog)
    close.note.setText("demo float banked")
    till.click(close.ok_button)
    till.until(lambda: close.result_ is not None)
    till.click(close.ok_button)  # Done
    till.until(lambda: till.terminal.shifts.current() is None)

    opened = _tool(till, menu, "open_shift", OpenShiftDialog)
    assert isinstance(opened, OpenShiftDialog)
    opened.counter.set_pieces({100000: 1, 5000: 2})  # 1,100.00
    assert opened.counter.total() == Money(110000)
    till.click(opened.ok_button)
    till.until(lambda: till.terminal.shifts.current() is not None)
    view = till.terminal.shifts.current()
    assert view is not None
    assert view.opening_float == Money(110000)
    menu.accept()
    till.idle()

    till.activate()
    till.scan(MILK)
    _pay_exact(till)

    menu = _menu(till)
    out = _tool(till, menu, "cash_out", CashMoveDialog)
    assert isinstance(out, CashMoveDialog)
    out.amount.setText("20")
    out.reason.setText("bus fare for the delivery")
    till.click(out.ok_button)
    till.until(lambda: not out.isVisible())

    x = _tool(till, menu, "x_report", ReportDialog)
    assert isinstance(x, ReportDialog)
    assert x.report.kind == "X"
    assert x.report.paid_out == 2000
    # the period's times are the shop's (Nairobi, UTC+3), not the stored UTC. The X report
    # runs since the last Z, so it starts with the closed demo shift; the menu's status line
    # names the open shift: two moments, each checked against its own record.
    nairobi = ZoneInfo("Africa/Nairobi")
    assert len(x.report.shift_numbers) == 2
    assert x.report.shift_numbers[-1] == view.number
    opened = datetime.fromisoformat(x.report.period_start)
    local = opened.replace(tzinfo=opened.tzinfo or UTC).astimezone(nairobi)
    [start] = [line for line in x.lines if line.startswith("From")]
    assert start.endswith(local.strftime("%Y-%m-%d %H:%M"))
    shift_opened = datetime.fromisoformat(view.opened_at_iso)
    shift_local = shift_opened.replace(tzinfo=shift_opened.tzinfo or UTC).astimezone(nairobi)
    assert shift_local.strftime("%Y-%m-%d %H:%M") in menu.status.text()
    x.accept()

    close = _tool(till, menu, "close_shift", CloseShiftDialog)
    assert isinstance(close, CloseShiftDialog)
    close.counter.set_pieces({100000: 1, 5000: 2})  # the sale's cash is missing
    close.note.setText("cash for the milk not found")
    till.click(close.ok_button)
    till.until(lambda: close.result_ is not None)
    result = close.result_
    assert result is not None
    assert result.difference == result.counted - result.expected
    assert result.difference.minor < 0
    assert "difference" in close.outcome.text()
    till.click(close.ok_button)

    z = _tool(till, menu, "z_report", ReportDialog)
    assert isinstance(z, ReportDialog)
    assert z.report.z_number == 1
    csv_path = z.export_csv(tmp_path / "z1.csv")
    pdf_path = z.export_pdf(tmp_path / "z1.pdf")
    assert csv_path is not None
    assert "expected cash" in csv_path.read_text(encoding="utf-8")
    assert pdf_path is not None
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert any("Z REPORT 1" in line for line in z.lines)


def test_a_login_with_no_shift_open_asks_for_the_float(till: Till) -> None:
    till.login(MANAGER, MANAGER_PIN)
    till.terminal.shifts.close({}, note="closed from the back office")
    till.window.lock()
    till.idle()
    till.login(MANAGER, MANAGER_PIN)
    till.until(
        lambda: till.window.shift_dialog is not None and till.window.shift_dialog.isVisible()
    )


def test_the_daily_view_draws_the_hours_of_the_day(selling: Till) -> None:
    selling.scan(MILK)
    _pay_exact(selling)
    selling.window.lock()
    selling.idle()
    selling.login(MANAGER, MANAGER_PIN)
    menu = _menu(selling)
    daily = _tool(selling, menu, "daily", DailyDialog)
    assert isinstance(daily, DailyDialog)
    selling.until(lambda: daily.view is not None)
    assert daily.view is not None
    assert daily.view.totals.sales_count == 1
    heights = daily.chart.bar_heights()
    assert len(heights) == 24
    assert max(heights) == 1.0
    daily.chart.repaint()  # paints without error
    tenders = daily.tables["tenders"]
    # the tender named as people read it, not by the method's code
    assert [tenders.item(r, 0).text() for r in range(tenders.rowCount())] == ["Cash"]
    assert [b.key for b in daily.view.tenders] == ["cash"]
