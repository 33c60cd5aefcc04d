"""The idle lock closes every dialog, and never comes down over a payment in progress.

A cashier who waits for the customer to approve an M-Pesa request touches nothing, so the
idle timer runs out. Locking then used to "reject" the payment dialog, which for a request
on the customer's phone only warns (they can still pay): the dialog stayed open, the active
window, over the login screen, and its Enter shortcut took the next PIN's Enter. The lock
now waits until the payment is answered or the cashier stops waiting, and locks then.
Every other dialog closes at the lock: the manager's tools left open over a locked till
were still usable by whoever came to it.
(Real window, real M-Pesa sandbox and training phone; the timer's own slot is called.)
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from pos.ui.payment_dialogs import GatewayDialog
from tests.ui.conftest import MakeTill, Till

MILK = "6168232712628"  # Brookside Fresh Milk 500ml, KES 65.00
PHONE = "0712 345 678"
GATEWAY_MS = 20_000


def _ask_mpesa(till: Till) -> GatewayDialog:
    """Ring up an item and send an M-Pesa request; wait until it is at the customer's phone."""
    till.scan(MILK)
    till.press(Qt.Key.Key_F10)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert dialog.phone is not None
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    till.qtbot.keyClicks(dialog.phone, PHONE)
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    till.idle()
    till.until(dialog.waits_for_customer, timeout=GATEWAY_MS)
    return dialog


def test_the_idle_lock_waits_while_the_customer_approves(make_paying_till: MakeTill) -> None:
    till = make_paying_till(idle_lock_seconds=5)
    till.login()
    window = till.window
    dialog = _ask_mpesa(till)

    window.idle_timer.timeout.emit()  # the cashier waited with the customer: idle
    till.idle()
    assert window.stack.currentWidget() is window.sale, "locked over a waiting payment"
    assert dialog.isVisible()
    assert dialog.waits_for_customer()
    assert window.idle_timer.isActive(), "the lock must come later, not never"

    # the cashier stops waiting (Esc, and Esc again after the warning): the request is
    # cancelled, and the next idle timeout locks the till as usual
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # the first Esc only warns
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Escape)
    till.idle()
    till.until(lambda: not dialog.isVisible(), timeout=GATEWAY_MS)
    window.idle_timer.timeout.emit()
    till.idle()
    assert window.stack.currentWidget() is window.login


def test_a_dialog_not_waiting_on_the_customer_is_closed_by_the_lock(
    make_paying_till: MakeTill,
) -> None:
    """The M-Pesa dialog before its request went out (the number still being typed) is the
    cashier's own: the idle lock closes it, as it closes any other dialog, and locks."""
    till = make_paying_till(idle_lock_seconds=5)
    till.login()
    window = till.window
    till.scan(MILK)
    till.press(Qt.Key.Key_F10)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert not dialog.waits_for_customer()

    window.idle_timer.timeout.emit()
    till.idle()
    assert not dialog.isVisible()
    assert window.stack.currentWidget() is window.login


def test_the_lock_closes_the_managers_tools(make_till: MakeTill) -> None:
    """The manager opened their menu and the products screen from it, then walked away:
    the idle lock closes both (the tool first), and the login screen is all that shows."""
    till = make_till()
    till.login("Carol Njeri", "3333")
    window = till.window
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    menu = window.manager_menu
    assert menu is not None
    till.until(menu.isVisible)
    till.click(menu.buttons["products"])
    till.until(lambda: menu.dialog is not None and menu.dialog.isVisible())

    window.idle_timer.timeout.emit()
    till.idle()
    assert window.stack.currentWidget() is window.login
    shown = [d.__class__.__name__ for d in window.findChildren(QDialog) if d.isVisible()]
    assert shown == [], f"dialogs left over the locked till: {shown}"
