"""The shift close counts every tender, not only the drawer, through the real till window.

A cashier sells one milk on a bank's card terminal (``card_manual``) and one for cash,
then closes the shift: the close asks for the card's count by the name people read
("Card"), without showing what it should come to; the card count typed differs, the
drawer is left empty, the difference is beyond the limit and a manager approves it in the
approval dialog on screen. The result and the Z show the card's expected, counted and
difference. In Kiswahili the daily view names the generic tenders in Kiswahili.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

import dev
from pos.services.shifts import CloseResult
from pos.ui import i18n
from pos.ui.dialogs import ReceiptDialog, TenderDialog
from pos.ui.manager.daily_view import DailyDialog
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.reports_view import ReportDialog
from pos.ui.manager.shift_dialogs import CloseShiftDialog
from pos.ui.payment_dialogs import GatewayDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"  # KES 65.00
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
CARD = "card_manual"


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """The translator is process-wide: every test here leaves the till in English."""
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")


@pytest.fixture
def paying(make_paying_till: MakeTill) -> Till:
    till = make_paying_till()
    till.login()
    return till


def _pay_by_card(till: Till) -> None:
    till.scan(MILK)
    till.qtbot.mouseClick(till.window.sale.gateway_buttons[CARD], Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    till.qtbot.keyClicks(dialog.keyed["approval_code"], "ab12c3")
    till.qtbot.keyClicks(dialog.keyed["last4"], "7083")
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.until(lambda: not dialog.isVisible())
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    receipt.accept()
    till.idle()


def _pay_cash(till: Till) -> None:
    till.scan(MILK)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    till.qtbot.keyClicks(tender.amount, "65")
    till.qtbot.keyClick(tender.amount, Qt.Key.Key_Return)
    till.until(lambda: till.window.sale.dialog is not tender)
    till.dialog().accept()
    till.idle()


def _menu(till: Till) -> ManagerMenu:
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    return menu


def test_a_card_count_that_differs_is_approved_on_screen_and_shows_in_result_and_z(
    paying: Till,
) -> None:
    till = paying
    _pay_by_card(till)
    _pay_cash(till)

    results: list[CloseResult] = []
    close = CloseShiftDialog(till.window, till.window.actions_, results.append)
    close.show()
    till.until(lambda: close.other_counts)
    assert list(close.other_counts) == [CARD]
    # labelled as people read it, and blind: nothing on the dialog says what it should be
    shown = [label.text() for label in close.findChildren(QLabel)]
    assert "Card counted" in shown
    assert not any("65.00" in t or "130.00" in t for t in shown)

    # an empty card count is refused with a clear message, nothing is closed
    close.note.setText("card batch short, drawer banked")
    till.click(close.ok_button)
    till.until(lambda: "Count Card" in close.message.text())
    assert till.terminal.shifts.current() is not None

    close.other_counts[CARD].setText("700.00")  # the batch says 700: 635.00 over
    till.click(close.ok_button)
    dialog = till.approval()  # beyond the KES 500 limit: a manager approves on screen
    assert MANAGER in till.approvers(dialog)
    till.approve(MANAGER, MANAGER_PIN)
    till.until(lambda: close.result_ is not None)
    result = close.result_
    assert result is not None
    assert results == [result]
    assert result.approved_by == till.user_id(MANAGER)
    [card] = [c for c in result.tenders if c.method == CARD]
    assert (card.expected, card.counted, card.difference) == (6500, 70000, 63500)
    assert (
        "Card: expected KES 65.00, counted KES 700.00: difference KES 635.00."
        in close.outcome.text()
    )
    till.click(close.ok_button)  # Done
    till.until(lambda: not close.isVisible())

    till.window.lock()
    till.idle()
    till.login(MANAGER, MANAGER_PIN)
    till.until(  # no shift open: the till asks for a float first; the Z comes before it
        lambda: till.window.shift_dialog is not None and till.window.shift_dialog.isVisible()
    )
    assert till.window.shift_dialog is not None
    till.window.shift_dialog.reject()
    till.idle()
    menu = _menu(till)
    before = menu.dialog
    till.click(menu.buttons["z_report"])
    till.until(lambda: menu.dialog is not before and isinstance(menu.dialog, ReportDialog))
    z = menu.dialog
    assert isinstance(z, ReportDialog)
    [counted] = [c for c in z.report.counted if c.method == CARD]
    assert (counted.counted, counted.difference) == (70000, 63500)
    lines = [" ".join(line.split()) for line in z.lines]
    assert any(line.startswith("Card counted") and "700.00" in line for line in lines)
    assert any(line.startswith("Card difference") and "635.00" in line for line in lines)


def test_the_daily_view_and_the_close_name_generic_tenders_in_kiswahili(paying: Till) -> None:
    """Cash and Card are words, translated; the figures keep the method's code. (Needs the
    Kiswahili of "Cash" and "Card" in kaunta_sw.ts, see /tmp/i18n/close12.json.)"""
    till = paying
    _pay_by_card(till)
    _pay_cash(till)
    till.window.lock()
    till.idle()
    till.login(MANAGER, MANAGER_PIN)
    i18n.set_language("sw")
    till.idle()
    term = till.terminal
    daily = DailyDialog(till.window, till.window.actions_, term.ctx.business_date(term.clock.now()))
    daily.show()
    daily.refresh()
    till.until(lambda: daily.view is not None)
    assert daily.view is not None
    assert sorted(b.key for b in daily.view.tenders) == ["card_manual", "cash"]
    tenders = daily.tables["tenders"]
    items = [tenders.item(r, 0) for r in range(tenders.rowCount())]
    names = {item.text() for item in items if item is not None}
    assert names == {"Taslimu", "Kadi"}
    daily.accept()

    close = CloseShiftDialog(till.window, till.window.actions_, lambda _r: None)
    close.show()
    till.until(lambda: close.other_counts)
    shown = [label.text() for label in close.findChildren(QLabel)]
    assert any("Kadi" in t for t in shown), shown
    assert not any("Card" in t for t in shown), shown
