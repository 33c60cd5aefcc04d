"""Login, lock-out, manager unlock, screen lock and the training banner, driven through
the real login screen and sale screen of a real MainWindow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from pos.demo import DEMO_USERS
from pos.ui.main_window import TRAINING_TEXT

if TYPE_CHECKING:
    from conftest import MakeTill, Till

DEMO = {role: (name, pin) for name, role, pin in DEMO_USERS}
CASHIER_NAME, CASHIER_PIN = DEMO["cashier"]
SUPERVISOR_NAME, SUPERVISOR_PIN = DEMO["supervisor"]
MANAGER_NAME, MANAGER_PIN = DEMO["manager"]
WRONG_PIN = "9999"


def _on_login(till: Till) -> bool:
    return till.window.stack.currentWidget() is till.window.login


def _on_sale(till: Till) -> bool:
    return till.window.stack.currentWidget() is till.window.sale


# -- logging in ----------------------------------------------------------------------------


def test_cashier_pin_typed_on_the_pin_field_opens_the_sale_screen(till: Till) -> None:
    assert _on_login(till)
    assert till.window.login.pin.hasFocus()

    till.choose_user(CASHIER_NAME)
    till.type_pin(CASHIER_PIN)

    till.until(lambda: _on_sale(till))
    assert till.window.status_user.text() == f"{CASHIER_NAME} (cashier)"
    assert till.scan_has_focus()
    assert till.window.login.pin.text() == ""
    assert till.rows() == []
    assert till.window.sale.lbl_total.text() == "KES 0.00"


def test_wrong_pin_shows_tries_left_and_stays_on_the_login_screen(till: Till) -> None:
    till.choose_user(CASHIER_NAME)
    till.type_pin(WRONG_PIN)

    login = till.window.login
    assert _on_login(till)
    assert login.message.text() == f"Wrong PIN. 4 tries left before {CASHIER_NAME} is locked."
    assert login.message.property("role") == "error"
    assert login.pin.text() == ""
    assert login.pin.hasFocus()
    assert not login.unlock_button.isVisible()
    assert till.window.status_user.text() == ""

    till.type_pin(WRONG_PIN)
    assert login.message.text() == f"Wrong PIN. 3 tries left before {CASHIER_NAME} is locked."
    assert _on_login(till)


def test_five_wrong_pins_lock_the_user_until_a_manager_unlocks(till: Till) -> None:
    login = till.window.login
    till.choose_user(CASHIER_NAME)
    for _ in range(4):
        till.type_pin(WRONG_PIN)
    assert login.message.text() == f"Wrong PIN. 1 try left before {CASHIER_NAME} is locked."
    assert not login.unlock_button.isVisible()

    till.type_pin(WRONG_PIN)
    assert login.message.text() == (
        f"Wrong PIN. {CASHIER_NAME} is now locked for 15 minutes. "
        "A manager can unlock the account now."
    )
    assert login.unlock_button.isVisible()
    assert login.unlock_button.height() >= 48
    assert "locked" in till.user_button(CASHIER_NAME).text()

    # even the right PIN is refused while locked out
    till.choose_user(CASHIER_NAME)
    till.type_pin(CASHIER_PIN)
    assert _on_login(till)
    assert f"{CASHIER_NAME} is locked after 5 wrong PINs, until " in login.message.text()
    assert login.unlock_button.isVisible()

    # a manager unlocks on the spot
    till.choose_user(CASHIER_NAME)
    till.qtbot.mouseClick(login.unlock_button, Qt.MouseButton.LeftButton)
    dialog = till.approval()
    assert "locked out after wrong PINs" in till.approval_title(dialog)
    assert MANAGER_NAME in till.approvers(dialog)
    assert CASHIER_NAME not in till.approvers(dialog)
    till.approve(MANAGER_NAME, MANAGER_PIN)
    till.until(lambda: till.window.actions_.approval_dialog is None)
    assert not dialog.isVisible()
    till.idle()
    assert login.message.text() == "Unlocked. Enter the PIN to log in."
    assert login.message.property("role") == "info"
    assert "locked" not in till.user_button(CASHIER_NAME).text()

    till.login(CASHIER_NAME, CASHIER_PIN)
    assert till.window.status_user.text() == f"{CASHIER_NAME} (cashier)"


def test_only_a_manager_is_offered_to_unlock_a_user(till: Till) -> None:
    login = till.window.login
    till.choose_user(CASHIER_NAME)
    for _ in range(5):
        till.type_pin(WRONG_PIN)
    assert login.unlock_button.isVisible()

    till.choose_user(CASHIER_NAME)
    till.qtbot.mouseClick(login.unlock_button, Qt.MouseButton.LeftButton)
    dialog = till.approval()
    assert till.approvers(dialog) == [MANAGER_NAME]
    assert dialog.message.text() == ""

    # a wrong manager PIN is refused inside the dialog, which stays open
    dialog = till.approve(MANAGER_NAME, WRONG_PIN)
    assert dialog.isVisible()
    assert dialog.message.text() == f"Wrong PIN. 4 tries left before {MANAGER_NAME} is locked."
    till.qtbot.mouseClick(till.button(dialog, "Cancel"), Qt.MouseButton.LeftButton)
    till.until(lambda: till.window.actions_.approval_dialog is None)

    # cancelled: still locked
    till.choose_user(CASHIER_NAME)
    till.type_pin(CASHIER_PIN)
    assert _on_login(till)
    assert f"{CASHIER_NAME} is locked after 5 wrong PINs" in login.message.text()


def test_the_chosen_user_stays_chosen_after_a_wrong_pin(till: Till) -> None:
    till.choose_user(SUPERVISOR_NAME)
    till.type_pin(WRONG_PIN)
    assert till.window.login.message.text() == (
        f"Wrong PIN. 4 tries left before {SUPERVISOR_NAME} is locked."
    )

    # the supervisor now types the right PIN without touching the name buttons
    till.type_pin(SUPERVISOR_PIN)
    # actual: "Wrong PIN. 4 tries left before Amina Wanjiru is locked." (the first user)
    assert _on_sale(till), till.window.login.message.text()
    assert till.window.status_user.text() == f"{SUPERVISOR_NAME} (supervisor)"


def test_manager_unlock_unlocks_the_user_who_was_locked_out(till: Till) -> None:
    login = till.window.login
    for _ in range(5):
        till.choose_user(SUPERVISOR_NAME)
        till.type_pin(WRONG_PIN)
    assert login.message.text().startswith(f"Wrong PIN. {SUPERVISOR_NAME} is now locked")
    assert login.unlock_button.isVisible()

    # the manager presses the unlock button right away, as the screen invites
    till.qtbot.mouseClick(login.unlock_button, Qt.MouseButton.LeftButton)
    till.approve(MANAGER_NAME, MANAGER_PIN)
    till.until(lambda: till.window.actions_.approval_dialog is None)
    till.idle()
    assert login.message.text() == "Unlocked. Enter the PIN to log in."

    # actual: the supervisor is still locked (the cashier's account was "unlocked")
    assert "locked" not in till.user_button(SUPERVISOR_NAME).text()
    till.login(SUPERVISOR_NAME, SUPERVISOR_PIN)


# -- locking the screen --------------------------------------------------------------------


def test_ctrl_l_locks_and_the_cashier_pin_returns_to_the_same_basket(selling: Till) -> None:
    till = selling
    barcode = till.products()[0]["barcode"]
    till.scan(barcode)
    till.scan(barcode)
    basket = till.rows()
    assert [r[:2] for r in basket] == [(till.products()[0]["name"], "2")]

    till.press(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    login = till.window.login
    assert _on_login(till)
    assert login.subtitle.text().startswith(f"Locked. {CASHIER_NAME}: enter your PIN")
    assert login.selected_user() == till.user_id(CASHIER_NAME)
    assert login.pin.hasFocus()
    assert till.window.status_user.text() == "Locked"
    assert till.terminal.auth.screen_locked

    till.type_pin(WRONG_PIN)
    assert _on_login(till)
    assert login.message.text() == f"Wrong PIN. 4 tries left before {CASHIER_NAME} is locked."

    till.choose_user(CASHIER_NAME)
    till.type_pin(CASHIER_PIN)
    till.until(lambda: _on_sale(till))
    till.idle()
    assert till.rows() == basket
    assert till.window.status_user.text() == f"{CASHIER_NAME} (cashier)"
    assert login.subtitle.text() == "Choose your name and enter your PIN"
    assert till.scan_has_focus()


def test_another_user_can_take_over_a_locked_till_and_the_basket_stays(selling: Till) -> None:
    till = selling
    till.scan(till.products()[1]["barcode"])
    basket = till.rows()

    till.press(Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert _on_login(till)

    till.login(SUPERVISOR_NAME, SUPERVISOR_PIN)
    assert till.window.status_user.text() == f"{SUPERVISOR_NAME} (supervisor)"
    assert till.rows() == basket


def test_idle_till_locks_by_itself(make_till: MakeTill) -> None:
    till = make_till(idle_lock_seconds=1)
    assert till.window.idle_timer.interval() == 5000  # the window never locks faster than 5 s
    till.login()
    assert till.window.idle_timer.isActive()
    till.scan(till.products()[0]["barcode"])
    basket = till.rows()
    till.window.idle_timer.setInterval(200)  # restarts the running timer
    assert _on_sale(till)

    till.until(lambda: _on_login(till), timeout=3000)
    till.idle()
    assert till.window.status_user.text() == "Locked"
    assert till.window.login.subtitle.text().startswith(f"Locked. {CASHIER_NAME}:")
    assert till.terminal.auth.screen_locked
    assert not till.window.idle_timer.isActive()

    till.type_pin(CASHIER_PIN)
    till.until(lambda: _on_sale(till))
    till.idle()
    assert till.rows() == basket


def test_typing_and_tapping_restart_the_idle_timer(selling: Till) -> None:
    till = selling
    timer = till.window.idle_timer
    timer.setInterval(1500)
    scan = till.window.sale.scan

    till.until(lambda: timer.remainingTime() < 1000)
    till.qtbot.keyClick(scan, Qt.Key.Key_Escape)  # a key press is activity
    assert timer.remainingTime() > 1300
    assert _on_sale(till)

    till.until(lambda: timer.remainingTime() < 1000)
    till.qtbot.mouseClick(till.window.sale.table.viewport(), Qt.MouseButton.LeftButton)
    assert timer.remainingTime() > 1300
    assert _on_sale(till)

    till.until(lambda: _on_login(till), timeout=4000)  # then left alone: it locks


# -- training banner -----------------------------------------------------------------------


def test_training_banner_on_login_and_sale_screens(till: Till) -> None:
    window = till.window
    assert window.banner.isVisible()
    assert window.banner.text() == TRAINING_TEXT
    assert "TRAINING" in window.status_till.text()
    hints = [lb.text() for lb in window.login.findChildren(QLabel) if lb.isVisible()]
    assert any(h.startswith("Training mode demo users") and "PIN 1111" in h for h in hints)

    till.login()
    assert window.banner.isVisible()
    assert window.banner.text() == TRAINING_TEXT


def test_no_training_banner_on_a_real_till(make_till: MakeTill) -> None:
    till = make_till(training=False)
    window = till.window
    assert not till.terminal.ctx.training
    assert not window.banner.isVisible()
    assert "TRAINING" not in window.status_till.text()
    hints = [lb.text() for lb in window.login.findChildren(QLabel) if lb.isVisible()]
    assert not any("demo users" in h for h in hints)

    till.login()
    assert not window.banner.isVisible()
