"""The M-Pesa dialog stays put while a payment goes on, in both languages, at 1024x768: one
width from opening to the customer's refusal (it used to jump from 351 to about 700 px and
cover the totals), inside the till window, its buttons inside it, and a status of two or
three lines shown whole (it used to be cut top and bottom and push the buttons out).
Real till window, training M-Pesa sandbox and phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QWidget

import dev
from pos.ui import i18n
from tests.ui.conftest import MakeTill
from tests.ui.test_payments_ui import GATEWAY_MS, _open_mpesa, _send

MILK = "6168232712628"  # KES 65.00


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")


def _box(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


@pytest.mark.parametrize("language", ["en", "sw"])
def test_the_mpesa_dialog_keeps_its_size_and_shows_a_long_status_whole(
    make_paying_till: MakeTill, language: str
) -> None:
    till = make_paying_till()
    till.window.resize(1024, 768)
    till.until(lambda: till.window.width() == 1024)
    till.login()
    i18n.set_language(language)
    till.scan(MILK)
    dialog = _open_mpesa(till)
    opened = dialog.size()
    _send(till, dialog)
    phone = till.window.phone_window
    assert phone is not None
    till.until(lambda: phone.prompt is not None, timeout=GATEWAY_MS)
    till.qtbot.mouseClick(
        phone.broke, Qt.MouseButton.LeftButton
    )  # the customer's balance is too low: a long answer
    till.until(lambda: dialog.attempt is not None and dialog.attempt.final, timeout=GATEWAY_MS)
    status = dialog.status
    assert status.text()
    assert dialog.size() == opened
    window = _box(till.window)
    assert window.contains(_box(dialog)), "the dialog leaves the till window"
    for button in (dialog.send_button, *dialog.findChildren(type(dialog.send_button))):
        if button.isVisible():
            assert _box(dialog).contains(_box(button)), f"{button.text()!r} leaves the dialog"
    # the whole status fits its label: the height its text needs at its width, no more
    assert status.heightForWidth(status.width()) <= status.height()
