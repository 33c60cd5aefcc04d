"""The manager's refund, products and staff screens through the real till window: a
partial refund of a split-tender sale (M-Pesa and cash), a return without a receipt, a
product added then scanned, staff added with a PIN typed twice, the last manager kept,
and an enrolled till's screens read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from pos.domain.money import Money
from pos.domain.refund import TenderHow
from pos.services.auth import Role
from pos.services.headoffice import SyncPhase
from pos.ui.customer_phone import DEMO_PHONE_PIN
from pos.ui.dialogs import ReceiptDialog, TenderDialog
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.products_dialog import ProductsDialog
from pos.ui.manager.refund_dialog import NoReceiptReturnDialog, RefundDialog
from pos.ui.manager.staff_dialog import StaffDialog
from pos.ui.payment_dialogs import GatewayDialog
from pos.ui.receipts_browser import open_receipt_browser

if TYPE_CHECKING:
    from conftest import MakeTill, Till

D = TypeVar("D", bound=QDialog)
MILK = "6168232712628"  # 65.00
MILK_1L = "6168232430898"  # 125.00
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
GATEWAY_MS = 20_000


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def _menu(till: Till) -> ManagerMenu:
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    return menu


def _tool(till: Till, menu: ManagerMenu, key: str, kind: type[D]) -> D:
    before = menu.dialog
    till.click(menu.buttons[key])
    till.until(lambda: menu.dialog is not before and menu.dialog is not None)
    dialog = menu.dialog
    assert isinstance(dialog, kind), dialog
    till.idle()
    return dialog


def _as_manager(till: Till) -> None:
    till.window.lock()
    till.idle()
    till.login(MANAGER, MANAGER_PIN)


def _split_sale(till: Till) -> str:
    """Milk 1L and milk 500ml (190.00): 100.00 by M-Pesa, the rest in cash."""
    till.scan(MILK_1L)
    till.scan(MILK)
    till.press(Qt.Key.Key_F10)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert dialog.phone is not None
    till.qtbot.keyClick(dialog.amount, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    till.qtbot.keyClicks(dialog.amount, "100")
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    till.qtbot.keyClicks(dialog.phone, "0712 345 678")
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    till.idle()
    phone = till.window.phone_window
    assert phone is not None
    till.until(lambda: phone.prompt is not None, timeout=GATEWAY_MS)
    till.qtbot.keyClicks(phone.pin, DEMO_PHONE_PIN)
    till.click(phone.ok)
    till.until(lambda: not dialog.isVisible(), timeout=GATEWAY_MS)
    till.idle()
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "90")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    number = receipt.windowTitle().split()[-1]
    receipt.accept()
    till.idle()
    return number


def test_a_partial_refund_of_a_split_tender_sale(make_paying_till: MakeTill) -> None:
    till = make_paying_till()
    till.login()
    number = _split_sale(till)
    _as_manager(till)
    menu = _menu(till)
    refund = _tool(till, menu, "refund", RefundDialog)
    till.qtbot.keyClicks(refund.search, number[-4:])  # the last digits, as a scan ends
    till.until(lambda: refund.sale is not None and refund.sale.number == number)
    sale = refund.sale
    assert sale is not None
    assert [t.label for t in sale.tenders] == ["M-Pesa", "Cash"]
    assert [s.maximum() for s in refund.spins] == [1, 1]
    refund.spins[0].setValue(1)  # the 1L milk, 125.00
    till.until(lambda: refund.plan is not None)
    assert refund.plan is not None
    assert refund.plan.total == kes("125")
    mpesa = sale.tenders[0].payment_id
    box = refund.ways[mpesa]
    assert TenderHow(box.currentData()) is TenderHow.BY_HAND  # M-Pesa has no refund call
    refund.references[mpesa].setText("QKX7ABC123")
    refund.reason.setCurrentIndex(refund.reason.findData("damaged"))
    till.click(refund.ok_button)
    till.until(lambda: refund.last_refund is not None)
    done = refund.last_refund
    assert done is not None
    assert done.total == kes("125")
    given = {t.label: t.amount for t in done.receipt.tenders}
    assert sum(m.minor for m in given.values()) == 12500
    assert done.cash_out == given.get("Cash", kes("0"))
    # what is left: the 500ml only; the 1L can no longer be chosen
    till.until(lambda: refund.sale is not None and refund.sale.refunds == (done.number,))
    assert [s.maximum() for s in refund.spins] == [0, 1]
    assert "Refunded before" in refund.sale_label.text()
    refund.reject()
    menu.accept()
    till.idle()
    # the receipts browser shows the refund under the original receipt
    browser = open_receipt_browser(till.window.sale, till.window.actions_)
    till.until(browser.isVisible)
    till.until(lambda: f"REFUNDED {done.number}" in browser.text.toPlainText())
    assert number in browser.text.toPlainText()


def test_a_return_without_a_receipt_gives_cash_at_todays_price(till: Till) -> None:
    till.login(MANAGER, MANAGER_PIN)
    till.terminal.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change")
    menu = _menu(till)
    back = _tool(till, menu, "no_receipt", NoReceiptReturnDialog)
    back.items.setPlainText(f"{MILK} 2")
    till.click(back.ok_button)
    till.idle()
    assert back.last_refund is None
    assert "reason" in back.message.text()  # nothing without a written reason
    back.note.setText("sour on opening")
    till.click(back.ok_button)
    till.until(lambda: back.last_refund is not None)
    assert back.last_refund is not None
    assert back.last_refund.cash_out == kes("130")
    assert "REFUND" in back.receipt_text.toPlainText()


def test_a_cashier_cannot_return_without_a_receipt_unless_a_manager_approves(
    till: Till,
) -> None:
    till.login()
    till.terminal.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change")
    menu = _menu(till)
    back = _tool(till, menu, "no_receipt", NoReceiptReturnDialog)
    back.items.setPlainText(MILK)
    back.note.setText("sour on opening")
    till.click(back.ok_button)
    approval = till.approval()
    assert MANAGER in till.approvers(approval)
    till.approve(MANAGER, MANAGER_PIN)
    till.until(lambda: back.last_refund is not None)
    assert back.last_refund is not None
    assert back.last_refund.cash_out == kes("65")


def test_a_product_added_on_the_screen_scans_at_its_price(till: Till, tmp_path: object) -> None:
    till.login(MANAGER, MANAGER_PIN)
    menu = _menu(till)
    products = _tool(till, menu, "products", ProductsDialog)
    till.until(lambda: len(products.rows) > 0)
    assert not products.read_only
    products.sku.setText("MANDAZI-6")
    products.name.setText("Mandazi (6)")
    products.category.setText("Bakery")
    products.price.setText("60")
    products.barcodes.setPlainText("4006381333931\n96385074")
    till.click(products.ok_button)
    till.until(lambda: products.current is not None)
    assert products.current is not None
    assert products.current.barcodes == ("4006381333931", "96385074")
    # a barcode of another product is refused
    products.new()
    products.sku.setText("MANDAZI-12")
    products.name.setText("Mandazi (12)")
    products.price.setText("110")
    products.barcodes.setPlainText("96385074")
    till.click(products.ok_button)
    till.idle()
    assert products.current is None
    assert "another product" in products.message.text()
    till.click(products.export_button)
    till.idle()
    assert "products written" in products.message.text()
    products.accept()
    menu.accept()
    till.idle()
    till.activate()
    till.scan("96385074")  # the second barcode
    till.idle()
    [row] = [r for r in till.rows() if "Mandazi (6)" in " ".join(r)]
    assert "60.00" in row


def test_staff_added_with_a_pin_typed_twice_can_log_in(till: Till) -> None:
    till.login(MANAGER, MANAGER_PIN)
    menu = _menu(till)
    staff = _tool(till, menu, "staff", StaffDialog)
    till.until(lambda: len(staff.members) > 0)
    staff.name.setText("Baraka Otieno")
    staff.role.setCurrentIndex(staff.role.findData(Role.CASHIER.value))
    till.click(staff.add_button)
    till.until(lambda: staff.pin_dialog is not None and staff.pin_dialog.isVisible())
    pin = staff.pin_dialog
    assert pin is not None
    pin.pin.setText("8642")
    pin.repeat.setText("8643")
    till.click(pin.ok_button)
    till.idle()
    assert pin.isVisible()
    assert "not the same" in pin.message.text()
    pin.repeat.setText("8642")
    till.click(pin.ok_button)
    till.until(lambda: any(m.name == "Baraka Otieno" for m in staff.members))
    assert not pin.isVisible()
    # the last manager cannot be deactivated nor demoted
    carol = next(m for m in staff.members if m.name == MANAGER)
    staff.select(carol)
    staff.role.setCurrentIndex(staff.role.findData(Role.CASHIER.value))
    till.click(staff.ok_button)
    till.idle()
    assert "last manager" in staff.message.text()
    staff.accept()
    menu.accept()
    till.idle()
    till.window.lock()
    till.idle()
    till.login("Baraka Otieno", "8642")
    assert till.terminal.auth.require_user().name == "Baraka Otieno"


def test_an_enrolled_till_shows_products_and_staff_read_only(make_till: MakeTill) -> None:
    till = make_till(training=False)
    till.terminal.headoffice.update(phase=SyncPhase.RUNNING)
    till.login(MANAGER, MANAGER_PIN)
    till.until(lambda: till.window.shift_dialog is not None)  # a new till has no shift
    assert till.window.shift_dialog is not None
    till.window.shift_dialog.reject()
    menu = _menu(till)
    products = _tool(till, menu, "products", ProductsDialog)
    till.until(lambda: len(products.rows) > 0)
    assert products.read_only
    assert products.owner.isVisible()
    assert not products.ok_button.isEnabled()
    assert not products.new_button.isEnabled()
    assert products.export_button.isEnabled()  # exporting changes nothing
    products.accept()
    staff = _tool(till, menu, "staff", StaffDialog)
    till.until(lambda: len(staff.members) > 0)
    assert staff.read_only
    assert not staff.add_button.isEnabled()
    assert not staff.pin_button.isEnabled()
