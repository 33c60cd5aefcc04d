"""The manager's tools take the width their buttons need, up to the screen's. Qt's
``adjustSize`` keeps a window within two thirds of the screen's width: on a 1024x768 till
that squeezed the three columns of tools below their texts ("Set my PIN (head-office
code)" lost both ends, and the local head office's address under "Head office (sync)").
The offscreen test screen is narrower than a till's (800 px), so this checks the rule
(the width asked for, or the whole screen); the 1024x768 screenshot in docs/manager.md
shows the result on a till-sized screen."""

from __future__ import annotations

from pos.demo import DEMO_USERS
from pos.services.auth import Role
from tests.ui.conftest import Till
from tests.ui.test_layout import _sized

MANAGER, MANAGER_PIN = next((n, p) for n, r, p in DEMO_USERS if r == Role.MANAGER.value)


def test_the_managers_tools_are_as_wide_as_their_buttons_ask_up_to_the_screen(
    till: Till,
) -> None:
    till.login(MANAGER, MANAGER_PIN)
    _sized(till, 1024, 768)
    menu = till.open_manager_menu()
    screen = menu.screen().availableGeometry()
    frame = menu.frameGeometry().width() - menu.geometry().width()
    assert menu.frameGeometry().width() <= screen.width()
    assert menu.width() >= min(menu.sizeHint().width(), screen.width() - frame)
    if menu.width() >= menu.sizeHint().width():  # room for all: every text whole
        for key, button in menu.buttons.items():
            if button.isVisible():
                assert button.width() >= button.sizeHint().width(), f"{key}: {button.text()!r}"


def test_a_tool_whose_text_grows_after_the_menu_opened_widens_it(till: Till) -> None:
    """The refused-events count arrives from the till worker after the menu has taken its
    width; the menu widens for it instead of squeezing the whole row."""
    till.login(MANAGER, MANAGER_PIN)
    _sized(till, 1024, 768)
    menu = till.open_manager_menu()
    before = menu.width()
    button = menu.buttons["parked_events"]
    button.setText(button.text().replace("\n", " " + "x" * 60 + "\n", 1))
    menu.refit_width()
    screen = menu.screen().availableGeometry()
    frame = menu.frameGeometry().width() - menu.geometry().width()
    assert menu.width() >= min(menu.sizeHint().width(), screen.width() - frame) > before
    assert screen.contains(menu.frameGeometry().topRight()) or frame == 0
