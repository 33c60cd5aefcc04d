"""A cashier's day on the real sale screen: scanning, searching, paying, approvals,
park/recall/void, restart recovery and reprints, all through the real widgets."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.barcode import make_ean13
from pos.domain.receipt import TRAINING_MARK
from pos.ui.dialogs import (
    DiscountDialog,
    NumberDialog,
    ParkedDialog,
    ReasonDialog,
    ReceiptDialog,
    TenderDialog,
)
from pos.ui.receipts_browser import ReceiptBrowser

if TYPE_CHECKING:
    from conftest import MakeTill, Till

DEMO = {role: (name, pin) for name, role, pin in DEMO_USERS}
CASHIER_NAME, _ = DEMO["cashier"]
SUPERVISOR_NAME, SUPERVISOR_PIN = DEMO["supervisor"]
MANAGER_NAME, _ = DEMO["manager"]

MILK = {"barcode": "6168232712628", "name": "Brookside Fresh Milk 500ml", "price": "65.00"}
MILK_1L = {"barcode": "6168232430898", "name": "Brookside Fresh Milk 1L", "price": "125.00"}
FIRST_RECEIPT = "DEMO-T1-000001"


def test_the_demo_catalog_has_the_products_these_tests_scan() -> None:
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        rows = {row["barcode"]: row for row in csv.DictReader(f)}
    for product in (MILK, MILK_1L):
        assert rows[product["barcode"]]["name"] == product["name"]
        assert rows[product["barcode"]]["price"] == product["price"]
        assert rows[product["barcode"]]["vat_class"] == "Z"


def _select_row(till: Till, row: int) -> None:
    """Tap a basket line, as a cashier does on the touch screen."""
    table = till.window.sale.table
    rect = table.visualItemRect(table.item(row, 0))
    till.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert till.window.sale.selected_line == till.window.sale.view.lines[row].line_id
    assert till.scan_has_focus()


def _pay_exact(till: Till, amount: str) -> ReceiptDialog:
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, amount)
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    return receipt


def _close_receipt(till: Till, receipt: ReceiptDialog) -> None:
    # the keypad Enter key (Qt.Key_Enter) is what the "New sale / Enter" button listens to
    till.qtbot.keyClick(receipt, Qt.Key.Key_Enter)
    till.until(lambda: not receipt.isVisible())
    till.until(lambda: till.window.sale.dialog is None)


# -- keyboard-wedge scanning ---------------------------------------------------------------


def test_scanner_adds_lines_merges_repeats_and_takes_a_quantity_prefix(selling: Till) -> None:
    till = selling
    sale = till.window.sale

    till.scan(MILK["barcode"])
    assert till.rows() == [(MILK["name"], "1", "65.00", "", "65.00", "Z")]
    assert sale.scan.text() == ""
    assert sale.message.text() == ""
    assert sale.lbl_total.text() == "KES 65.00"
    assert sale.lbl_items.text() == "1"
    assert sale.btn_pay.isEnabled()

    till.scan(MILK["barcode"])
    assert till.rows() == [(MILK["name"], "2", "65.00", "", "130.00", "Z")]

    till.scan(f"3*{MILK['barcode']}")
    assert till.rows() == [(MILK["name"], "5", "65.00", "", "325.00", "Z")]
    assert sale.lbl_total.text() == "KES 325.00"
    assert sale.lbl_items.text() == "5"
    assert not sale.result_list.isVisible()

    till.scan(MILK_1L["barcode"])
    assert [r[:2] for r in till.rows()] == [(MILK["name"], "5"), (MILK_1L["name"], "1")]
    assert sale.lbl_total.text() == "KES 450.00"
    assert sale.table.selectionModel().selectedRows()[0].row() == 1
    assert till.scan_has_focus()


def test_unknown_barcode_is_reported_and_the_basket_is_unchanged(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    before = till.rows()
    unknown = make_ean13("200000000001")
    assert unknown not in {p["barcode"] for p in till.products()}

    till.scan(unknown)

    assert sale.message.text() == (
        f"No product has barcode {unknown}. Search by name, or ask a manager to add it."
    )
    assert sale.message.property("role") == "error"
    assert till.rows() == before
    assert sale.lbl_total.text() == "KES 65.00"
    assert till.scan_has_focus()


def test_a_misread_barcode_with_a_bad_check_digit_is_reported(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    before = till.rows()

    till.scan("12345678")

    assert sale.message.text() == (
        "Barcode 12345678 has a wrong check digit (expected 0): rescan or type it again."
    )
    assert sale.message.property("role") == "error"
    assert till.rows() == before

    # the next good scan clears the message as soon as the scanner starts typing
    till.scan(MILK["barcode"])
    assert sale.message.text() == ""
    assert till.rows()[0][1] == "2"


# -- search as you type --------------------------------------------------------------------


def test_search_as_you_type_then_arrow_and_enter_adds_the_product(selling: Till) -> None:
    till = selling
    sale = till.window.sale

    till.qtbot.keyClicks(sale.scan, "brook")
    till.until(lambda: sale.result_list.isVisible() and sale.results)
    till.idle()

    names = [item.name for item in sale.results]
    assert len(names) >= 3
    assert all(name.startswith("Brookside") for name in names)
    assert sale.result_list.count() == len(names)
    assert sale.result_list.item(0).text().startswith(names[0])
    assert sale.result_list.currentRow() == 0

    till.qtbot.keyClick(sale.scan, Qt.Key.Key_Down)
    assert sale.result_list.currentRow() == 1
    till.qtbot.keyClick(sale.scan, Qt.Key.Key_Down)
    till.qtbot.keyClick(sale.scan, Qt.Key.Key_Up)
    assert sale.result_list.currentRow() == 1

    till.qtbot.keyClick(sale.scan, Qt.Key.Key_Return)
    till.idle()

    assert [r[:2] for r in till.rows()] == [(names[1], "1")]
    assert not sale.result_list.isVisible()
    assert sale.scan.text() == ""
    assert till.scan_has_focus()


def test_search_with_a_quantity_prefix_and_escape_clears(selling: Till) -> None:
    till = selling
    sale = till.window.sale

    till.qtbot.keyClicks(sale.scan, "xyzzyq")
    till.until(lambda: sale.result_list.isVisible())
    till.idle()
    assert sale.results == []
    assert sale.result_list.item(0).text() == (
        "No product matches. Check the spelling, or scan it."
    )
    till.qtbot.keyClick(sale.scan, Qt.Key.Key_Escape)
    assert sale.scan.text() == ""
    assert not sale.result_list.isVisible()

    till.qtbot.keyClicks(sale.scan, "4*brook")
    till.until(lambda: sale.result_list.isVisible() and sale.results)
    till.idle()
    first = sale.results[0].name
    till.qtbot.keyClick(sale.scan, Qt.Key.Key_Return)
    till.idle()
    assert [r[:2] for r in till.rows()] == [(first, "4")]


# -- cash tender ---------------------------------------------------------------------------


def test_f12_quick_notes_and_enter_complete_the_sale(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])

    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    labels = [label.text() for label in tender.findChildren(QLabel)]
    assert "Cash due: KES 65.00" in labels
    assert tender.amount.text() == ""

    till.click(till.button(tender, "+500"))
    assert tender.amount.text() == "500.00"
    till.click(till.button(tender, "+1000"))
    assert tender.amount.text() == "1500.00"
    assert tender.change.text() == "Change: KES 1,435.00"

    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()

    assert not tender.isVisible()
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    assert receipt.windowTitle() == f"Receipt {FIRST_RECEIPT}"
    assert "Change: KES 1,435.00" in [label.text() for label in receipt.findChildren(QLabel)]
    text = receipt.text.toPlainText()
    assert FIRST_RECEIPT in text
    assert TRAINING_MARK in text
    assert MILK["name"] in text
    change = [line for line in text.splitlines() if line.startswith("Change")]
    assert len(change) == 1
    assert change[0].endswith("1,435.00")
    assert sale.last_receipt is not None
    assert sale.last_receipt.number == FIRST_RECEIPT

    _close_receipt(till, receipt)
    assert till.rows() == []
    assert sale.lbl_total.text().split()[-1] == "0.00"
    assert not sale.btn_pay.isEnabled()
    assert till.scan_has_focus()

    # the next sale gets the next number
    till.scan(MILK_1L["barcode"])
    receipt = _pay_exact(till, "125")
    assert receipt.windowTitle() == "Receipt DEMO-T1-000002"
    _close_receipt(till, receipt)


def test_main_enter_key_closes_the_receipt_and_starts_a_new_sale(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    receipt = _pay_exact(till, "100")
    receipt.activateWindow()
    till.until(receipt.isActiveWindow)
    focused = QApplication.focusWidget()
    assert focused is not None
    assert focused.window() is receipt

    till.qtbot.keyClick(focused, Qt.Key.Key_Return)

    till.until(lambda: not receipt.isVisible(), timeout=1000)


def test_tender_below_the_total_is_refused_inside_the_dialog(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    before = till.rows()

    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "50")
    assert tender.change.text() == "Still due: KES 15.00"
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()

    assert tender.isVisible()
    assert sale.dialog is tender
    assert tender.message.text() == (
        "KES 50.00 is less than the KES 65.00 due. Enter at least 65.00, or take a part payment."
    )
    assert tender.message.property("role") == "error"
    assert till.rows() == before
    assert sale.lbl_paid.text() == "0.00"
    assert sale.last_receipt is None

    # Esc leaves the sale as it was
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Escape)
    till.until(lambda: sale.dialog is None)
    assert till.rows() == before
    assert till.scan_has_focus()


def test_part_payment_then_the_rest(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK_1L["barcode"])

    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "100")
    till.click(till.button(tender, "Part payment"))
    till.until(lambda: sale.dialog is None)
    assert sale.message.text() == "Part payment taken. Still due: KES 25.00."
    assert sale.lbl_paid.text() == "100.00"
    assert (sale.lbl_big_caption.text(), sale.lbl_total.text()) == ("STILL DUE", "KES 25.00")

    receipt = _pay_exact(till, "30")
    assert "Change: KES 5.00" in [label.text() for label in receipt.findChildren(QLabel)]
    _close_receipt(till, receipt)
    assert till.rows() == []


# -- approvals on the spot -----------------------------------------------------------------


def test_price_change_needs_a_supervisor_pin(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    till.scan(MILK_1L["barcode"])
    _select_row(till, 0)

    till.press(Qt.Key.Key_F5)
    dialog = till.dialog()
    assert isinstance(dialog, NumberDialog)
    assert dialog.field.text() == "65.00"
    assert dialog.field.selectedText() == "65.00"
    till.qtbot.keyClicks(dialog.field, "50")
    assert dialog.field.text() == "50"
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()

    approval = till.approval()
    assert till.approval_title(approval).startswith(
        f"Changing the price of {MILK['name']} (KES 65.00 → KES 50.00)"
    )
    assert set(till.approvers(approval)) == {SUPERVISOR_NAME, MANAGER_NAME}
    assert till.rows()[0][2] == "65.00"

    # a wrong supervisor PIN is refused inside the approval dialog
    till.approve(SUPERVISOR_NAME, "0000")
    assert approval.isVisible()
    assert approval.message.text() == (
        f"Wrong PIN. 4 tries left before {SUPERVISOR_NAME} is locked."
    )
    assert approval.pin.text() == ""
    assert till.rows()[0][:3] == (MILK["name"], "1", "65.00")
    assert dialog.isVisible()

    till.approve(SUPERVISOR_NAME, SUPERVISOR_PIN)
    till.until(lambda: till.window.actions_.approval_dialog is None)
    till.until(lambda: sale.dialog is None)
    assert not approval.isVisible()
    assert not dialog.isVisible()
    assert till.rows() == [
        (f"{MILK['name']}  (price changed)", "1", "50.00", "", "50.00", "Z"),
        (MILK_1L["name"], "1", "125.00", "", "125.00", "Z"),
    ]
    assert sale.lbl_total.text() == "KES 175.00"
    assert till.scan_has_focus()


def test_a_cashier_cannot_approve_for_themselves(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    till.press(Qt.Key.Key_F5)
    dialog = till.dialog()
    till.qtbot.keyClicks(dialog.field, "1")
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()
    approval = till.approval()
    assert set(till.approvers(approval)) == {SUPERVISOR_NAME, MANAGER_NAME}
    assert CASHIER_NAME not in till.approvers(approval)


def test_discount_over_the_limit_asks_for_approval_and_cancel_leaves_the_line(
    selling: Till,
) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    before = till.rows()

    till.press(Qt.Key.Key_F3)
    dialog = till.dialog()
    assert isinstance(dialog, DiscountDialog)
    assert dialog.percent.isChecked()
    till.qtbot.keyClicks(dialog.field, "50")
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()

    approval = till.approval()
    assert "A discount of 50.0% (over the 10% limit)" in till.approval_title(approval)
    till.click(till.button(approval, "Cancel"))
    till.until(lambda: till.window.actions_.approval_dialog is None)
    assert not approval.isVisible()
    assert till.rows() == before
    assert sale.lbl_discounts.text() == "0.00"
    assert sale.lbl_total.text() == "KES 65.00"

    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Escape)
    till.until(lambda: sale.dialog is None)
    assert till.rows() == before


def test_discount_within_the_limit_needs_no_approval(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])

    till.press(Qt.Key.Key_F3)
    dialog = till.dialog()
    till.qtbot.keyClicks(dialog.field, "10")
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()

    assert till.window.actions_.approval_dialog is None
    till.until(lambda: sale.dialog is None)
    assert till.rows() == [(MILK["name"], "1", "65.00", "-6.50", "58.50", "Z")]
    assert sale.lbl_total.text() == "KES 58.50"


def test_f2_changes_the_quantity_of_the_selected_line(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    till.scan(MILK_1L["barcode"])
    _select_row(till, 0)

    till.press(Qt.Key.Key_F2)
    dialog = till.dialog()
    assert isinstance(dialog, NumberDialog)
    assert dialog.field.text() == "1"
    till.qtbot.keyClicks(dialog.field, "3")
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: till.window.sale.dialog is None)

    assert [r[:2] for r in till.rows()] == [(MILK["name"], "3"), (MILK_1L["name"], "1")]
    assert till.window.sale.lbl_total.text() == "KES 320.00"


def test_remove_line_button_removes_the_selected_line(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    till.scan(MILK_1L["barcode"])
    _select_row(till, 0)

    till.click(till.window.sale.buttons["Remove line"])

    assert [r[0] for r in till.rows()] == [MILK_1L["name"]]


def test_del_key_removes_the_selected_line(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    till.scan(MILK_1L["barcode"])
    _select_row(till, 0)
    assert till.scan_has_focus()

    till.press(Qt.Key.Key_Delete)

    assert [r[0] for r in till.rows()] == [MILK_1L["name"]]


# -- park, recall, void --------------------------------------------------------------------


def test_park_and_recall_round_trip(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    till.scan(f"2*{MILK_1L['barcode']}")
    basket = till.rows()

    till.press(Qt.Key.Key_F6)
    park = till.dialog()
    assert isinstance(park, ReasonDialog)
    till.click(till.button(park, "Customer fetching money"))
    assert park.field.text() == "Customer fetching money"
    till.qtbot.keyClick(park.field, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: sale.dialog is None)

    assert till.rows() == []
    assert sale.message.text() == "Sale parked. Recall it with F7."
    assert sale.message.property("role") == "info"
    assert sale.lbl_total.text() == "KES 0.00"
    assert not sale.btn_pay.isEnabled()

    till.press(Qt.Key.Key_F7)
    recall = till.dialog()
    assert isinstance(recall, ParkedDialog)
    assert recall.list.count() == 1
    entry = recall.list.item(0).text()
    assert "3 items" in entry
    assert "KES 315.00" in entry
    assert "Customer fetching money" in entry
    till.qtbot.keyClick(recall.list, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: sale.dialog is None)

    assert till.rows() == basket
    assert sale.lbl_total.text() == "KES 315.00"

    # nothing left to recall
    till.press(Qt.Key.Key_F7)
    empty = till.dialog()
    assert isinstance(empty, ParkedDialog)
    assert empty.list.count() == 0
    assert empty.message.text() == "No parked sales on this till."
    till.qtbot.keyClick(empty.list, Qt.Key.Key_Escape)
    till.until(lambda: sale.dialog is None)


def test_void_needs_a_reason_and_a_supervisor(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    till.scan(MILK_1L["barcode"])

    till.press(Qt.Key.Key_F8)
    void = till.dialog()
    assert isinstance(void, ReasonDialog)
    till.click(till.button(void, "OK"))
    assert void.message.text() == "Give a reason (at least 3 characters)."
    assert till.window.actions_.approval_dialog is None

    till.click(till.button(void, "Customer changed mind"))
    till.click(till.button(void, "OK"))
    approval = till.approval()
    assert "Voiding a sale" in till.approval_title(approval)
    assert len(till.rows()) == 2

    till.approve(SUPERVISOR_NAME, SUPERVISOR_PIN)
    till.until(lambda: sale.dialog is None)
    assert till.window.actions_.approval_dialog is None
    assert till.rows() == []
    assert sale.message.text() == f"Sale voided ({FIRST_RECEIPT})."
    assert sale.message.property("role") == "info"
    assert not sale.btn_pay.isEnabled()
    assert till.scan_has_focus()


# -- restart, reprint ----------------------------------------------------------------------


def test_the_basket_survives_a_restart(selling: Till, make_till: MakeTill) -> None:
    first = selling
    first.scan(MILK["barcode"])
    first.scan(f"2*{MILK_1L['barcode']}")
    basket = first.rows()
    assert len(basket) == 2

    first.close()  # no payment: window closed, database closed

    second = make_till()
    assert second.terminal is not first.terminal
    assert second.config.database_path == first.config.database_path
    assert second.rows() == []
    second.login()

    assert second.rows() == basket
    assert second.window.sale.lbl_total.text() == "KES 315.00"

    receipt = _pay_exact(second, "315")
    assert receipt.windowTitle() == f"Receipt {FIRST_RECEIPT}"
    _close_receipt(second, receipt)


def test_f9_opens_the_receipts_on_the_last_paid_one(selling: Till) -> None:
    till = selling
    sale = till.window.sale

    till.scan(MILK["barcode"])
    _close_receipt(till, _pay_exact(till, "100"))

    till.press(Qt.Key.Key_F9)
    browser = till.dialog()
    assert isinstance(browser, ReceiptBrowser)
    till.until(lambda: FIRST_RECEIPT in browser.text.toPlainText())
    text = browser.text.toPlainText()
    assert TRAINING_MARK in text
    assert MILK["name"] in text
    till.qtbot.mouseClick(browser.btn_reprint, Qt.MouseButton.LeftButton)
    till.idle()
    till.until(lambda: "COPY - REPRINT" in browser.text.toPlainText())
    till.qtbot.keyClick(browser, Qt.Key.Key_Escape)
    till.until(lambda: sale.dialog is None)
    assert till.scan_has_focus()


# -- the buttons themselves ----------------------------------------------------------------


SHORTCUTS = {
    "Pay cash": "F12",
    "Quantity": "F2",
    "Remove line": "Del",
    "Line discount": "F3",
    "Order discount": "F4",
    "Change price": "F5",
    "Park sale": "F6",
    "Recall sale": "F7",
    "Void sale": "F8",
    "Receipts": "F9",
    "Lock": "Ctrl+L",
    "Switch user": "Ctrl+U",
    "Search": "F1",
    "Buyer PIN": "Ctrl+K",
}


def test_every_action_button_shows_its_shortcut_and_is_touch_sized(selling: Till) -> None:
    sale = selling.window.sale
    buttons = {**sale.buttons, "Pay cash": sale.btn_pay}
    assert set(buttons) == set(SHORTCUTS)
    for name, button in buttons.items():
        assert button.isVisible()
        assert button.text() == f"{name}\n{SHORTCUTS[name]}"
        assert SHORTCUTS[name] in button.toolTip()
        assert button.height() >= 48, name
        assert button.focusPolicy() == Qt.FocusPolicy.NoFocus, name


def test_the_pay_button_is_the_big_one(selling: Till) -> None:
    sale = selling.window.sale
    assert sale.btn_pay.minimumHeight() >= 84
    assert sale.btn_pay.height() >= 84


def test_dialog_buttons_are_touch_sized_and_labelled(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    visible = [b for b in tender.findChildren(QPushButton) if b.isVisible()]
    assert len(visible) >= 18  # exact, 5 notes, 13 keypad keys, 3 actions
    for button in visible:
        assert button.height() >= 48, button.text()
    # nothing typed yet: Enter pays exactly what is due, and the button says so
    assert till.button(tender, "Pay exact").text() == "Pay exact 65.00\nEnter"
    assert till.button(tender, "Part payment").text() == "Part payment\nCtrl+P"
    assert till.button(tender, "Cancel").text() == "Cancel\nEsc"


def test_f1_brings_the_focus_back_to_the_scan_field(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.qtbot.keyClicks(sale.scan, "12")
    assert sale.scan.text() == "12"
    till.press(Qt.Key.Key_F1)
    assert till.scan_has_focus()
    assert sale.scan.selectedText() == "12"


def test_ctrl_u_switches_user_and_keeps_the_basket(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    basket = till.rows()
    till.press(Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert till.window.stack.currentWidget() is till.window.login
    assert till.window.status_user.text() == ""
    assert till.terminal.auth.current is None

    till.login(SUPERVISOR_NAME, SUPERVISOR_PIN)
    assert till.rows() == basket
    # a supervisor changes prices without asking anyone
    till.press(Qt.Key.Key_F5)
    dialog = till.dialog()
    till.qtbot.keyClicks(dialog.field, "60")
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: till.window.sale.dialog is None)
    assert till.window.actions_.approval_dialog is None
    assert till.rows()[0][:3] == (f"{MILK['name']}  (price changed)", "1", "60.00")


def test_tapping_a_search_result_adds_it(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.qtbot.keyClicks(sale.scan, "brook")
    till.until(lambda: sale.result_list.isVisible() and len(sale.results) >= 3)
    till.idle()
    third = sale.results[2].name
    rect = sale.result_list.visualItemRect(sale.result_list.item(2))

    till.qtbot.mouseClick(sale.result_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    till.idle()

    assert [r[:2] for r in till.rows()] == [(third, "1")]
    assert not sale.result_list.isVisible()
    assert till.scan_has_focus()


def test_f4_order_discount_within_the_limit(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    till.scan(MILK_1L["barcode"])

    till.press(Qt.Key.Key_F4)
    dialog = till.dialog()
    assert isinstance(dialog, DiscountDialog)
    assert dialog.windowTitle() == "Discount on the whole order"
    till.qtbot.keyClicks(dialog.field, "10")
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()
    till.until(lambda: sale.dialog is None)

    assert till.window.actions_.approval_dialog is None
    assert sale.lbl_discounts.text() == "-19.00  (order 10%)"
    assert sale.lbl_total.text() == "KES 171.00"


def test_recall_is_refused_while_a_basket_is_open(selling: Till) -> None:
    till = selling
    sale = till.window.sale
    till.scan(MILK["barcode"])
    till.press(Qt.Key.Key_F6)
    park = till.dialog()
    till.qtbot.keyClick(park.field, Qt.Key.Key_Return)  # the note is optional
    till.idle()
    till.until(lambda: sale.dialog is None)
    assert till.rows() == []

    till.scan(MILK_1L["barcode"])
    till.press(Qt.Key.Key_F7)
    recall = till.dialog()
    assert isinstance(recall, ParkedDialog)
    assert recall.list.count() == 1
    till.qtbot.keyClick(recall.list, Qt.Key.Key_Return)
    till.idle()

    assert recall.isVisible()
    expected = "Finish, park or void the current sale before recalling another."
    assert recall.message.text() == expected
    assert [r[0] for r in till.rows()] == [MILK_1L["name"]]


def test_sale_shortcuts_do_nothing_while_the_till_is_locked(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    till.press(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert till.window.stack.currentWidget() is till.window.login

    for key in (Qt.Key.Key_F12, Qt.Key.Key_F8, Qt.Key.Key_F9, Qt.Key.Key_F5):
        till.press(key)
        assert till.window.sale.dialog is None
        assert till.window.actions_.approval_dialog is None
    assert till.window.stack.currentWidget() is till.window.login
    assert till.window.login.message.text() == ""


def test_enter_on_an_empty_approval_pin_does_not_count_as_a_wrong_pin(selling: Till) -> None:
    till = selling
    till.scan(MILK["barcode"])
    till.press(Qt.Key.Key_F8)
    void = till.dialog()
    till.click(till.button(void, "Test sale"))
    till.click(till.button(void, "OK"))
    approval = till.approval()

    till.qtbot.mouseClick(till.button(approval, SUPERVISOR_NAME), Qt.MouseButton.LeftButton)
    till.qtbot.keyClick(approval.pin, Qt.Key.Key_Return)  # nothing typed yet
    till.idle()
    till.approve(SUPERVISOR_NAME, "0000")  # one real wrong PIN

    assert approval.message.text() == (
        f"Wrong PIN. 4 tries left before {SUPERVISOR_NAME} is locked."
    )
