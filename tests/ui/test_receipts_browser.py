"""The receipt browser through the real widgets: opens on the last paid receipt (never a
void), narrows as the cashier types or scans, shows the receipt, reprints it marked COPY."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from pos.demo import DEMO_USERS
from pos.ui.dialogs import ReasonDialog, ReceiptDialog, TenderDialog
from pos.ui.receipts_browser import ReceiptBrowser, open_receipt_browser

if TYPE_CHECKING:
    from conftest import Till

SUPERVISOR_NAME, _, SUPERVISOR_PIN = next(u for u in DEMO_USERS if u[1] == "supervisor")
MILK = "6168232712628"  # Brookside Fresh Milk 500ml, 65.00
MILK_1L = "6168232430898"  # Brookside Fresh Milk 1L, 125.00
COPY_MARK = "*** COPY - REPRINT ***"


def pay_cash(till: Till, barcode: str, amount: str) -> None:
    """Scan, F12, type the cash, Enter; close the receipt."""
    till.scan(barcode)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, amount)
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    till.qtbot.keyClick(receipt, Qt.Key.Key_Enter)
    till.until(lambda: till.window.sale.dialog is None)


def void_sale(till: Till, barcode: str) -> None:
    """Scan, F8, a reason, the supervisor's PIN."""
    till.scan(barcode)
    till.press(Qt.Key.Key_F8)
    reason = till.dialog()
    assert isinstance(reason, ReasonDialog)
    till.click(till.button(reason, "Customer changed mind"))
    till.click(till.button(reason, "OK"))
    till.approve(SUPERVISOR_NAME, SUPERVISOR_PIN)
    till.until(lambda: till.window.sale.dialog is None)
    assert till.rows() == []


def two_paid_and_a_void(till: Till) -> None:
    pay_cash(till, MILK, "100")  # DEMO-T1-000001, 65.00
    pay_cash(till, MILK_1L, "200")  # DEMO-T1-000002, 125.00
    void_sale(till, MILK)  # DEMO-T1-000003, 65.00, voided


def open_browser(till: Till) -> ReceiptBrowser:
    browser = open_receipt_browser(till.window.sale, till.window.actions_)
    till.until(browser.isVisible)
    settle(till, browser)
    return browser


def settle(till: Till, browser: ReceiptBrowser) -> None:
    """Wait until the list shows what is typed and the chosen receipt's text is shown."""
    till.until(browser.is_settled)
    till.idle()


def listed(browser: ReceiptBrowser) -> list[tuple[str, str]]:
    """(receipt number, VOIDED mark) per row, as the cashier reads the list."""
    table = browser.table
    return [(table.item(r, 0).text(), table.item(r, 4).text()) for r in range(table.rowCount())]


def tap_row(till: Till, browser: ReceiptBrowser, row: int) -> None:
    table = browser.table
    rect = table.visualItemRect(table.item(row, 0))
    till.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    settle(till, browser)


def reprints(till: Till) -> list[tuple[str, dict[str, object]]]:
    conn = sqlite3.connect(till.terminal.db.path)
    try:
        rows = conn.execute(
            "SELECT document_id, detail FROM audit_log WHERE action = 'receipt_reprint' "
            "ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
    return [(document, json.loads(detail)) for document, detail in rows]


def test_find_a_receipt_by_amount_and_reprint_it_as_a_copy(selling: Till) -> None:
    till = selling
    two_paid_and_a_void(till)
    browser = open_browser(till)

    # it opens on the last PAID receipt: the void that came after is listed, marked
    assert browser.shown is not None
    assert browser.shown.number == "DEMO-T1-000002"
    assert "DEMO-T1-000002" in browser.text.toPlainText()
    assert listed(browser) == [
        ("DEMO-T1-000003", "VOIDED"),
        ("DEMO-T1-000002", ""),
        ("DEMO-T1-000001", ""),
    ]
    assert browser.focusWidget() is browser.search  # a scan lands in the search field

    # typing an amount narrows the list as it is typed
    till.qtbot.keyClicks(browser.search, "65")
    settle(till, browser)
    assert listed(browser) == [("DEMO-T1-000003", "VOIDED"), ("DEMO-T1-000001", "")]
    assert browser.shown.number == "DEMO-T1-000003"  # the one chosen before went away
    assert "was voided: it is not a proof of payment" in browser.message.text()

    # tap the paid one: its receipt as it printed, not a copy
    tap_row(till, browser, 1)
    assert browser.shown.number == "DEMO-T1-000001"
    shown = browser.text.toPlainText()
    assert "DEMO-T1-000001" in shown
    assert "Brookside Fresh Milk 500ml" in shown
    assert COPY_MARK not in shown
    assert reprints(till) == []

    with till.qtbot.waitSignal(browser.sig_reprinted) as reprinted:
        till.click(button(browser, "Reprint (COPY)"))
    copy = reprinted.args[0]
    assert (copy.number, copy.reprint) == ("DEMO-T1-000001", True)
    till.until(lambda: COPY_MARK in browser.text.toPlainText())
    assert "Copy of DEMO-T1-000001 made" in browser.message.text()
    [(document, detail)] = reprints(till)
    assert document == copy.sale_id
    assert detail == {"number": "DEMO-T1-000001", "status": "completed"}

    till.qtbot.keyClick(browser.search, Qt.Key.Key_Escape)
    till.until(lambda: not browser.isVisible())


def test_a_scanned_receipt_number_is_chosen_and_only_enter_again_reprints(
    selling: Till,
) -> None:
    till = selling
    two_paid_and_a_void(till)
    browser = open_browser(till)
    assert browser.shown is not None
    assert browser.shown.number == "DEMO-T1-000002"

    # a scanner types the receipt's barcode digits and Enter at once
    till.qtbot.keyClicks(browser.search, "000001")
    till.qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    settle(till, browser)
    assert listed(browser) == [("DEMO-T1-000001", "")]
    assert browser.shown.number == "DEMO-T1-000001"
    assert reprints(till) == []  # the scanner's Enter reprinted nothing
    assert "Press Enter again" in browser.message.text()

    till.qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    till.until(lambda: COPY_MARK in browser.text.toPlainText())
    assert [detail["number"] for _, detail in reprints(till)] == ["DEMO-T1-000001"]

    # the start of a number lists what it could be; Up and Down move through the list
    browser.search.clear()
    till.qtbot.keyClicks(browser.search, "DEMO-T1")
    settle(till, browser)
    assert [n for n, _ in listed(browser)] == [
        "DEMO-T1-000003",
        "DEMO-T1-000002",
        "DEMO-T1-000001",
    ]
    assert browser.shown.number == "DEMO-T1-000001"  # still the one chosen
    till.qtbot.keyClick(browser.search, Qt.Key.Key_Up)
    settle(till, browser)
    assert browser.shown.number == "DEMO-T1-000002"
    assert "DEMO-T1-000002" in browser.text.toPlainText()


def test_the_day_picker_lists_one_day_and_stops_at_today(selling: Till) -> None:
    till = selling
    pay_cash(till, MILK, "100")
    browser = open_browser(till)
    today = browser.current_day()
    assert not button(browser, "Next day").isEnabled()  # no receipts from tomorrow
    assert [n for n, _ in listed(browser)] == ["DEMO-T1-000001"]

    till.click(button(browser, "Previous day"))
    settle(till, browser)
    assert (browser.current_day() - today).days == -1
    assert listed(browser) == []
    assert browser.shown is None
    assert browser.text.toPlainText() == ""
    assert not button(browser, "Reprint").isEnabled()
    assert browser.message.text().startswith("No receipts on ")
    # a receipt number is found whatever day is shown; an amount only on that day
    till.qtbot.keyClicks(browser.search, "1")
    settle(till, browser)
    assert [n for n, _ in listed(browser)] == ["DEMO-T1-000001"]
    browser.search.clear()
    till.qtbot.keyClicks(browser.search, "65")
    settle(till, browser)
    assert listed(browser) == []

    till.click(button(browser, "Today"))
    settle(till, browser)
    assert browser.current_day() == today
    assert [n for n, _ in listed(browser)] == ["DEMO-T1-000001"]


def test_the_browser_fits_a_1024_by_768_till_with_touch_sized_controls(selling: Till) -> None:
    till = selling
    till.window.showNormal()
    till.window.resize(1024, 768)
    till.until(lambda: till.window.width() <= 1024 and till.window.height() <= 768)
    browser = open_browser(till)
    assert browser.width() <= till.window.width()
    assert browser.height() <= till.window.height()
    inside = till.window.geometry()
    assert inside.contains(browser.geometry()), (inside, browser.geometry())
    for b in browser.findChildren(QPushButton):
        if b.isVisibleTo(browser):
            assert b.height() >= 44, b.text()
    assert browser.day.height() >= 44
    assert browser.table.verticalHeader().defaultSectionSize() >= 44


def button(browser: ReceiptBrowser, text: str) -> QPushButton:
    found = [
        b for b in browser.findChildren(QPushButton) if text in b.text() and b.isVisibleTo(browser)
    ]
    assert len(found) == 1, [b.text() for b in found]
    return found[0]
