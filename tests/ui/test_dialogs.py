"""The sale screen's dialogs as the cashier meets them: keypads that fit and offer only the
keys that make sense, one OK, Enter alone for exact cash, parked notes in full, messages
that do not pile up, and an honest settings screen in training mode.

Everything goes through the real window (``Till`` in ``conftest.py``): keys pressed,
buttons clicked, geometry read from the widgets as laid out.
"""

from __future__ import annotations

from itertools import combinations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from pos.demo import DEMO_USERS
from pos.services.auth import Role
from pos.ui.dialogs import (
    ApprovalDialog,
    DiscountDialog,
    NumberDialog,
    ParkedDialog,
    ReasonDialog,
    ReceiptDialog,
    TenderDialog,
)
from pos.ui.settings_dialog import SettingsDialog
from pos.ui.widgets import Keypad

from .conftest import MakeTill, Till

MILK = "6168232712628"  # Brookside Fresh Milk 500ml, KES 65.00
BREAD = "6161100210013"
DEMO = {Role(role): (name, pin) for name, role, pin in DEMO_USERS}
SUPERVISOR_NAME, _ = DEMO[Role.SUPERVISOR]
MANAGER_NAME, MANAGER_PIN = DEMO[Role.MANAGER]
DIGITS = {str(d) for d in range(10)}
LONG_NOTE = (
    "Customer went to fetch more money from the car park and will be back in ten "
    "minutes, keep the bread aside"
)


def _in(dialog: QWidget, widget: QWidget) -> QRect:
    """``widget``'s rectangle in ``dialog``'s coordinates."""
    return QRect(widget.mapTo(dialog, widget.rect().topLeft()), widget.size())


def _keypad(dialog: QDialog) -> Keypad:
    pads = dialog.findChildren(Keypad)
    assert len(pads) == 1, pads
    return pads[0]


def _keys(dialog: QDialog) -> dict[str, QPushButton]:
    """The keypad's keys by label, as drawn."""
    return {b.text(): b for b in _keypad(dialog).findChildren(QPushButton)}


def _primary_buttons(dialog: QDialog) -> list[str]:
    """The visible green "do it" buttons of a dialog."""
    return [
        b.text()
        for b in dialog.findChildren(QPushButton)
        if b.isVisible() and b.property("role") == "primary"
    ]


def _inside_the_window(till: Till, dialog: QDialog) -> bool:
    window = till.window
    top_left = window.mapToGlobal(window.rect().topLeft())
    area = QRect(top_left, window.size())
    return area.contains(QRect(dialog.mapToGlobal(dialog.rect().topLeft()), dialog.size()))


def _price_change_approval(till: Till, price: str = "50") -> ApprovalDialog:
    """Ring up the milk and ask for a new price as a cashier: the approval dialog opens."""
    till.scan(MILK)
    till.press(Qt.Key.Key_F5)
    dialog = till.dialog()
    assert isinstance(dialog, NumberDialog)
    till.qtbot.keyClicks(dialog.field, price)
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()
    return till.approval()


# -- keypads ---------------------------------------------------------------------------------


def test_the_approval_keypad_keys_never_overlap_and_its_last_row_shows(selling: Till) -> None:
    """The approval title wraps onto several lines; the keys below it keep their room."""
    till = selling
    approval = _price_change_approval(till)
    till.qtbot.waitExposed(approval)
    keys = {text: _in(approval, button) for text, button in _keys(approval).items()}
    assert {"0", "C", "⌫"} <= set(keys)
    for (a, ra), (b, rb) in combinations(keys.items(), 2):
        assert not ra.intersects(rb), (a, ra, b, rb)
    whole = approval.rect()
    for text, rect in keys.items():
        assert whole.contains(rect), (text, rect, whole)
        assert rect.height() >= 44, (text, rect)
    # the message line and the buttons come after the last row of keys, not over it
    last_row = max(rect.bottom() for rect in keys.values())
    approve = till.button(approval, "Approve")
    assert _in(approval, approval.message).top() > last_row
    assert _in(approval, approve).top() > last_row
    assert _in(approval, approve).bottom() <= whole.bottom()
    assert _inside_the_window(till, approval)


def test_the_quantity_keypad_has_no_decimal_point_or_double_zero(selling: Till) -> None:
    """Quantities are whole numbers: neither the keypad nor the keyboard offers a "."."""
    till = selling
    till.scan(MILK)
    dialog = NumberDialog(till.window.sale, "Quantity", "New quantity", "1", whole_number=True)
    dialog.open()
    till.qtbot.waitExposed(dialog)
    assert set(_keys(dialog)) == DIGITS | {"C", "⌫"}
    dialog.field.clear()
    till.qtbot.keyClicks(dialog.field, "2.5")
    assert dialog.field.text() == "25"
    till.qtbot.mouseClick(_keys(dialog)["0"], Qt.MouseButton.LeftButton)
    assert dialog.field.text() == "250"
    dialog.reject()


def test_amount_keypads_keep_the_decimal_point_and_double_zero(selling: Till) -> None:
    """Prices and cash are amounts: "." and "00" are there, and type."""
    till = selling
    till.scan(MILK)
    till.press(Qt.Key.Key_F5)
    price = till.dialog()
    assert isinstance(price, NumberDialog)
    keys = _keys(price)
    assert set(keys) == DIGITS | {"00", ".", "C", "⌫"}
    price.field.clear()
    for key in ("6", "00", ".", "5"):
        till.qtbot.mouseClick(keys[key], Qt.MouseButton.LeftButton)
    assert price.field.text() == "600.5"
    till.qtbot.keyClick(price.field, Qt.Key.Key_Escape)
    till.until(lambda: till.window.sale.dialog is None)

    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    assert {"00", "."} <= set(_keys(tender))


def test_every_keypad_dialog_has_one_ok_and_fits_the_window(selling: Till) -> None:
    """One primary button per dialog (the keypad has no OK of its own), inside 1024x768."""
    till = selling
    till.scan(MILK)
    opened: list[tuple[type[QDialog], Qt.Key]] = [
        (NumberDialog, Qt.Key.Key_F2),  # quantity
        (DiscountDialog, Qt.Key.Key_F3),
        (NumberDialog, Qt.Key.Key_F5),  # price
        (TenderDialog, Qt.Key.Key_F12),
    ]
    for kind, key in opened:
        till.press(key)
        dialog = till.dialog()
        assert isinstance(dialog, kind)
        assert "OK" not in _keys(dialog)
        assert len(_primary_buttons(dialog)) == 1, (kind, _primary_buttons(dialog))
        assert _inside_the_window(till, dialog), kind
        dialog.reject()
        till.until(lambda: till.window.sale.dialog is None)

    approval = _price_change_approval(till)
    assert "OK" not in _keys(approval)
    assert _primary_buttons(approval) == ["Approve\nEnter"]


# -- cash ------------------------------------------------------------------------------------


def test_enter_on_an_empty_cash_amount_pays_exactly_the_cash_due(selling: Till) -> None:
    """The cashier's habit: customer hands over the exact sum, cashier presses Enter."""
    till = selling
    sale = till.window.sale
    till.scan(MILK)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    assert tender.complete.text() == "Pay exact 65.00\nEnter"

    # a part payment still needs its amount typed
    till.click(till.button(tender, "Part payment"))
    assert tender.isVisible()
    assert tender.message.property("role") == "error"

    # something typed that is not cash is refused, never taken as "exact"
    till.qtbot.keyClicks(tender.amount, "61682327")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.idle()
    assert tender.isVisible()
    assert "barcode" in tender.message.text()

    tender.amount.clear()
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.until(lambda: isinstance(sale.dialog, ReceiptDialog))
    receipt = sale.dialog
    assert receipt is not None
    assert "Change: KES 0.00" in [label.text() for label in receipt.findChildren(QLabel)]
    assert sale.last_receipt is not None
    assert sale.last_receipt.total.amount_text() == "65.00"


def test_the_cash_button_says_complete_once_an_amount_is_typed(selling: Till) -> None:
    till = selling
    till.scan(MILK)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "100")
    assert tender.complete.text() == "Complete\nEnter"
    assert tender.change.text() == "Change: KES 35.00"
    tender.amount.clear()
    assert tender.complete.text() == "Pay exact 65.00\nEnter"


# -- parked sales ----------------------------------------------------------------------------


def _park(till: Till, note: str) -> None:
    till.scan(MILK)
    till.press(Qt.Key.Key_F6)
    dialog = till.dialog()
    assert isinstance(dialog, ReasonDialog)
    till.qtbot.keyClicks(dialog.field, note)
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.until(lambda: till.window.sale.dialog is None)


def test_the_parked_sales_list_shows_the_whole_note_without_scrolling(selling: Till) -> None:
    till = selling
    _park(till, LONG_NOTE)
    _park(till, "Mama Njeri")
    till.press(Qt.Key.Key_F7)
    dialog = till.dialog()
    assert isinstance(dialog, ParkedDialog)
    till.qtbot.waitExposed(dialog)
    listing = dialog.list
    assert listing.horizontalScrollBar().maximum() == 0
    assert not listing.horizontalScrollBar().isVisible()
    viewport = listing.viewport().rect()
    rows = [listing.visualItemRect(listing.item(i)) for i in range(listing.count())]
    assert len(rows) == 2
    for rect in rows:
        assert viewport.contains(rect), (rect, viewport)
        assert rect.height() >= 44, rect  # a row is a touch target
    # the long note wraps onto more lines instead of running off to the right
    texts = [listing.item(i).text() for i in range(listing.count())]
    long_row = rows[next(i for i, text in enumerate(texts) if LONG_NOTE in text)]
    short_row = rows[next(i for i, text in enumerate(texts) if "Mama Njeri" in text)]
    assert long_row.height() > short_row.height()
    assert _inside_the_window(till, dialog)


def test_no_parked_sales_is_information_and_recall_is_off(selling: Till) -> None:
    till = selling
    till.press(Qt.Key.Key_F7)
    dialog = till.dialog()
    assert isinstance(dialog, ParkedDialog)
    assert dialog.message.text() == "No parked sales on this till."
    assert dialog.message.property("role") == "info"
    assert not till.button(dialog, "Recall").isEnabled()


# -- messages --------------------------------------------------------------------------------


def test_an_error_goes_as_soon_as_the_cashier_corrects_the_entry(selling: Till) -> None:
    """A reason too short is refused; choosing a preset makes the red line go."""
    till = selling
    till.scan(MILK)
    till.press(Qt.Key.Key_F8)
    void = till.dialog()
    assert isinstance(void, ReasonDialog)
    till.qtbot.keyClick(void.field, Qt.Key.Key_Return)
    assert void.message.text() == "Give a reason (at least 3 characters)."
    till.qtbot.mouseClick(till.button(void, "Test sale"), Qt.MouseButton.LeftButton)
    assert void.field.text() == "Test sale"
    assert void.message.text() == ""


def test_a_wrong_pin_error_goes_when_the_next_pin_is_typed(selling: Till) -> None:
    till = selling
    approval = _price_change_approval(till)
    till.approve(SUPERVISOR_NAME, "0000")
    assert approval.isVisible()
    assert approval.message.text().startswith("Wrong PIN.")
    till.qtbot.keyClicks(approval.pin, "2")
    assert approval.message.text() == ""


# -- settings --------------------------------------------------------------------------------


def test_training_settings_never_say_the_keys_work(make_paying_till: MakeTill) -> None:
    """In training the test reaches the sandbox with its demo keys: it says just that,
    beside fields that say they are not set and why that is fine."""
    till = make_paying_till()
    till.login(MANAGER_NAME, MANAGER_PIN)
    till.press(Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = till.dialog()
    assert isinstance(dialog, SettingsDialog)
    assert all("demo keys" in edit.placeholderText() for edit in dialog.inputs.values())
    till.click(till.button(dialog, "Test M-Pesa"))
    till.until(lambda: dialog.message.text() not in ("", "Testing…"), timeout=10_000)
    assert dialog.message.text() == "M-Pesa: connected to the training sandbox with its demo keys."
    assert dialog.message.property("role") == "info"
    assert "the keys work" not in dialog.message.text()
