"""The login screen's "Set my PIN": a person made at head office reaches the till with no
PIN; before anyone logs in, they open Set my PIN from the login screen, type head office's
one-time code and their new PIN twice, and then log in with it. Through the real window."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from pos.store import sync_state
from pos.ui.pin_setup_dialog import PinSetupDialog
from tests.ui.conftest import Till

CODE = "ZX98-CV76-BN54-MK32"
NAME = "Achieng Otieno"


def _arrives_from_head_office(till: Till) -> str:
    """A new person with a PIN set-up code, applied as the sync agent applies user changes."""
    person = str(uuid.uuid4())
    now = till.terminal.clock.now()
    change = sync_state.UserChange(
        person, NAME, "cashier", True, hashlib.sha256(CODE.encode()).hexdigest(),
        now + timedelta(hours=24),
    )  # fmt: skip
    with till.terminal.db.session() as s:
        assert sync_state.apply_users(s, [change], now) == []
    return person


def _nobody_logged_in(till: Till) -> bool:
    return till.terminal.auth.current is None


def _type(till: Till, dialog: PinSetupDialog, code: str, pin: str, repeat: str) -> None:
    for field, value in ((dialog.code, code), (dialog.pin, pin), (dialog.repeat, repeat)):
        field.clear()
        till.qtbot.keyClicks(field, value)  # type: ignore[no-untyped-call]
    till.click(dialog.ok_button)


def test_a_person_new_from_head_office_sets_their_pin_from_the_login_screen_and_logs_in(
    till: Till,
) -> None:
    person = _arrives_from_head_office(till)
    window = till.window
    assert window.stack.currentWidget() is window.login  # nobody is logged in
    assert window.login.set_pin_button.isVisible()
    till.click(window.login.set_pin_button)
    dialog = window.pin_setup
    assert isinstance(dialog, PinSetupDialog)
    till.until(dialog.isVisible)
    till.until(lambda: dialog.person.count() == 1)
    assert dialog.person.currentText() == NAME

    _type(till, dialog, "ZX98-CV76-BN54-0000", "5172", "5172")
    till.until(lambda: "not the code head office made" in dialog.message.text())
    _type(till, dialog, CODE, "5172", "5173")
    till.until(lambda: "not the same" in dialog.message.text())
    _type(till, dialog, CODE.lower(), "5172", "5172")  # as typed, any case
    till.until(lambda: "your PIN is set" in dialog.message.text())
    till.until(lambda: dialog.person.count() == 0)  # the code is used up on this till
    assert _nobody_logged_in(till)  # set before anyone logged in

    dialog.accept()
    till.idle()
    till.until(lambda: person in {u.user_id for u in window.users()})
    till.login(NAME, "5172")
    current = till.terminal.auth.current
    assert current is not None
    assert (current.user_id, current.name) == (person, NAME)


def test_set_my_pin_with_no_code_waiting_says_how_to_get_one(till: Till) -> None:
    till.click(till.window.login.set_pin_button)
    dialog = till.window.pin_setup
    assert isinstance(dialog, PinSetupDialog)
    till.until(lambda: "Nobody on this till has a code waiting" in dialog.hint.text())
    assert not dialog.ok_button.isEnabled()
    dialog.reject()
    till.idle()
    till.until(till.window.login.pin.hasFocus)
