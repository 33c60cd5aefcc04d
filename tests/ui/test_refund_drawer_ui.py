"""The return dialog says why a cash refund the drawer cannot pay is refused (what the
drawer should hold, what to do), writes nothing, and goes through after a cash in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.domain.money import Money
from pos.ui.manager.refund_dialog import NoReceiptReturnDialog

if TYPE_CHECKING:
    from conftest import Till

MILK = "6168232712628"  # 65.00
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"


def test_the_return_dialog_refuses_cash_the_drawer_does_not_hold(till: Till) -> None:
    till.login(MANAGER, MANAGER_PIN)  # the demo shift: a zero float, nothing sold yet
    menu = till.open_manager_menu()
    till.click(menu.buttons["no_receipt"])
    till.until(lambda: isinstance(menu.dialog, NoReceiptReturnDialog))
    back = menu.dialog
    assert isinstance(back, NoReceiptReturnDialog)
    till.idle()
    back.items.setPlainText(f"{MILK} 2")
    back.note.setText("sour on opening")
    till.click(back.ok_button)
    till.until(lambda: "should hold only" in back.message.text())
    assert "KES 130.00" in back.message.text()
    assert "cash in" in back.message.text()
    assert back.last_refund is None
    till.terminal.shifts.cash_in(Money.parse("200", "KES"), "float_top_up", "change")
    till.click(back.ok_button)
    till.until(lambda: back.last_refund is not None)
    assert back.last_refund is not None
    assert back.last_refund.cash_out == Money.parse("130", "KES")
