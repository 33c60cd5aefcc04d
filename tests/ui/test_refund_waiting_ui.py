"""A card refund whose terminal went away after the refund was sent, on the real till
window (pytest-qt) with the training devices as ``run_gui`` starts them: the refund
dialog shows the waiting line and **Check again**; asking a terminal that is still gone
keeps it waiting and records nothing; the manager, having looked at the terminal's
journal, settles it by hand and the refund is recorded once and printed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from drivers.zvt import messages as m
from tests.ui.test_devices_ui import (
    MANAGER,
    MANAGER_PIN,
    _card_window,
    _panel,
    _training,
    device_till,
)
from tests.ui.test_refund_card_ui import (
    MILK,
    WAIT_MS,
    _card_sale,
    _choose,
    _refund_dialog,
    _rows,
    manager,
)

if TYPE_CHECKING:
    from conftest import Till

__all__ = ["device_till"]  # the fixture, used here as a manager


@manager
def test_a_refund_whose_terminal_went_away_waits_is_checked_again_and_settled_by_hand(
    device_till: Till,
) -> None:
    till = device_till
    number = _card_sale(till, 2)
    dialog = _refund_dialog(till, number)
    assert not dialog.check_button.isVisible()  # nothing is waiting yet
    _choose(till, dialog, 1)
    till.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    card = _card_window(till)
    till.until(lambda: card.request is not None and card.request.refund, timeout=WAIT_MS)
    emulator = _training(till).card
    assert emulator is not None
    emulator.stop()  # the refund is at the terminal; then its power or cable goes
    till.until(lambda: "after the refund was sent" in dialog.message.text(), timeout=60_000)
    assert dialog.message.text().startswith("The terminal did not answer after the refund")
    assert "See the waiting refund above" in dialog.message.text()
    till.until(dialog.waiting_label.isVisible, timeout=WAIT_MS)
    line = dialog.waiting_label.text()
    assert line.startswith(
        f"Card refund waiting for the terminal's answer: KES 65.00 for receipt {number}"
    )
    assert "press Check again" in line
    assert dialog.check_button.isVisible()
    assert not dialog.settle_row.isVisible()  # first the terminal is asked again
    assert _rows(till, "SELECT state FROM refund_attempts") == [("pending",)]
    assert _rows(till, "SELECT count(*) FROM refunds") == [(0,)]
    assert emulator.commands.count(m.REFUND) == 1

    # asking a terminal that is still gone changes nothing
    till.click(dialog.check_button)
    till.until(lambda: "Still waiting" in dialog.message.text(), timeout=60_000)
    assert "does not answer" in dialog.message.text()
    assert _rows(till, "SELECT state FROM refund_attempts") == [("pending",)]
    assert _rows(till, "SELECT count(*) FROM refunds") == [(0,)]
    till.until(dialog.settle_row.isVisible, timeout=WAIT_MS)  # gone for good? by hand

    # the manager looked at the terminal's journal: the refund is there
    till.qtbot.keyClicks(dialog.settle_note, "terminal journal: refund receipt 0002")
    till.click(dialog.went_back_button)
    till.until(lambda: dialog.last_refund is not None, timeout=WAIT_MS)
    done = dialog.last_refund
    assert done is not None
    assert f"Refund {done.number} recorded: KES 65.00 went back." in dialog.message.text()
    assert _rows(till, "SELECT method, amount_minor, reference FROM refund_tenders") == [
        ("card_zvt", 6500, "by hand: terminal journal: refund receipt 0002")
    ]
    assert _rows(till, "SELECT state FROM refund_attempts") == [("completed",)]
    assert _rows(
        till, "SELECT count(*) FROM audit_log WHERE action = 'refund_settled_by_hand'"
    ) == [(1,)]
    till.until(lambda: not dialog.waiting_label.isVisible(), timeout=WAIT_MS)
    assert not dialog.check_button.isVisible()
    panel = _panel(till)
    till.until(lambda: len(panel.receipts) == 2, timeout=WAIT_MS)  # the sale's, the refund's
    assert done.number in panel.text


@manager
def test_a_waiting_refund_is_asked_about_again_at_the_next_login(device_till: Till) -> None:
    """The terminal went away after the refund was sent; the manager closes the dialog
    without pressing Check again. The next login asks the terminal by itself (in the
    background, never sending the refund again): still gone, so the refund keeps waiting
    with what the terminal answered, nothing is recorded and the cashier can sell. (That a
    terminal that answers again settles it once: tests/services/test_refund_recovery.py.)"""
    till = device_till
    number = _card_sale(till, 2)
    dialog = _refund_dialog(till, number)
    _choose(till, dialog, 1)
    till.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    card = _card_window(till)
    till.until(lambda: card.request is not None and card.request.refund, timeout=WAIT_MS)
    emulator = _training(till).card
    assert emulator is not None
    emulator.stop()
    till.until(lambda: "after the refund was sent" in dialog.message.text(), timeout=60_000)
    [(code, message)] = _rows(till, "SELECT code, message FROM refund_attempts")
    dialog.reject()
    menu = till.window.manager_menu
    if menu is not None:
        menu.close()
    till.window.switch_user()
    till.login(MANAGER, MANAGER_PIN)
    # the login's background pass asked the (gone) terminal and noted its answer
    asked = "SELECT code, message FROM refund_attempts"
    till.until(lambda: _rows(till, asked) != [(code, message)], timeout=60_000)
    [(code_now, message_now)] = _rows(till, asked)
    assert code_now == "unavailable"
    assert message_now != message
    assert _rows(till, "SELECT state FROM refund_attempts") == [("pending",)]
    assert _rows(till, "SELECT count(*) FROM refunds") == [(0,)]
    assert emulator.commands.count(m.REFUND) == 1  # never sent again
    till.scan(MILK)
    assert len(till.rows()) == 1
