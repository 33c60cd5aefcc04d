"""Setting a PIN with a head-office code through the real window: the person new from head
office picks their name in Manager's tools → Set my PIN, types the code and their PIN
twice; a wrong code is refused on the screen; afterwards they log in with their PIN."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from PySide6.QtCore import Qt

from pos.store import sync_state
from pos.ui.pin_setup_dialog import PinSetupDialog
from tests.ui.conftest import Till

CODE = "QW12-ER34-TY56-UI78"


def _arrives_from_head_office(till: Till) -> str:
    """The person's user change with a PIN set-up code, applied as the agent applies it."""
    person = str(uuid.uuid4())
    now = till.terminal.clock.now()
    change = sync_state.UserChange(
        person,
        "Wanjiku Kamau",
        "cashier",
        True,
        hashlib.sha256(CODE.encode()).hexdigest(),
        now + timedelta(hours=24),
    )
    with till.terminal.db.session() as s:
        assert sync_state.apply_users(s, [change], now) == []
    return person


def test_a_person_from_head_office_sets_their_pin_on_the_screen_and_logs_in(
    selling: Till,
) -> None:
    till = selling
    _arrives_from_head_office(till)
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    till.click(menu.buttons["pin_setup"])
    dialog = menu.dialog
    assert isinstance(dialog, PinSetupDialog)
    till.until(lambda: dialog.person.count() == 1)
    assert dialog.person.currentText() == "Wanjiku Kamau"

    for field, value in ((dialog.code, "QW12-ER34-TY56-0000"), (dialog.pin, "4826")):
        till.qtbot.keyClicks(field, value)  # type: ignore[no-untyped-call]
    till.qtbot.keyClicks(dialog.repeat, "4826")  # type: ignore[no-untyped-call]
    till.click(dialog.ok_button)
    till.until(lambda: "not the code head office made" in dialog.message.text())

    dialog.code.clear()
    for field, value in ((dialog.code, CODE), (dialog.pin, "4826"), (dialog.repeat, "4826")):
        till.qtbot.keyClicks(field, value)  # type: ignore[no-untyped-call]
    till.click(dialog.ok_button)
    till.until(lambda: "your PIN is set" in dialog.message.text())
    till.until(lambda: dialog.person.count() == 0)  # the code is used up on this till
    assert not dialog.ok_button.isEnabled()

    dialog.accept()
    menu.accept()
    till.idle()
    till.window.switch_user()
    till.idle()
    till.login("Wanjiku Kamau", "4826")
    assert till.terminal.auth.current is not None
    assert till.terminal.auth.current.name == "Wanjiku Kamau"
