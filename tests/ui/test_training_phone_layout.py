"""The training customer's phone and the status bar at the sizes tills have, in English and
Kiswahili (real window, real sandboxes, the real translator from ``kaunta_sw.qm``).

- The idle phone window never covers a status line of the sale screen (head office, KRA
  eTIMS, devices) nor the status bar, at 1024x768 and 1366x768; nor does it once a PIN
  request has made it grow.
- Its PIN field shows its whole hint ("PIN ya M-PESA (…1234)"), judged the way
  ``QLineEdit`` itself decides to cut a placeholder short.
- The status bar's clock keeps the window's side margin from the right edge, as the
  user's name does from the left.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QStyle, QStyleOptionFrame, QWidget

import dev
from pos.ui import i18n
from pos.ui.customer_phone import DEMO_PHONE_PIN, CustomerPhoneWindow
from pos.ui.main_window import SIDE_MARGIN
from pos.ui.payment_dialogs import GatewayDialog
from tests.ui.conftest import MakeTill, Till

MILK = "6168232712628"  # Brookside Fresh Milk 500ml, KES 65.00
PHONE = "0712 345 678"
GATEWAY_MS = 20_000
SIZES = [(1024, 768), (1366, 768)]


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """The translator is process-wide: every test here leaves the till in English."""
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")


def _log_in(till: Till, language: str) -> None:
    till.login_in(language)
    assert i18n.language() == language


def _sized(till: Till, width: int, height: int) -> None:
    till.window.showNormal()
    till.window.resize(width, height)
    till.until(lambda: till.window.width() == width and till.window.height() == height)
    for _ in range(3):  # every nested layout settles, and the phone follows (a 0 ms timer)
        till.window.layout().activate()
        QApplication.processEvents()


def _on_screen(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def _status_lines(till: Till) -> dict[str, QRect]:
    sale = till.window.sale
    lines: dict[str, QWidget] = {
        "head office": sale.sync_line,
        "KRA eTIMS": sale.etims_line,
        "status bar": till.window.statusBar(),
    }
    if sale.devices is not None:
        lines["devices"] = sale.devices.line
    shown = {name: _on_screen(w) for name, w in lines.items() if w.isVisible()}
    assert {"head office", "KRA eTIMS", "status bar"} <= set(shown)
    return shown


def _phone(till: Till) -> CustomerPhoneWindow:
    phone = till.window.phone_window
    assert phone is not None
    till.until(phone.isVisible)
    return phone


def _covered(till: Till) -> dict[str, QRect]:
    """The status lines the phone window lies over (its frame, title bar included)."""
    phone = _phone(till).frameGeometry()
    return {name: box for name, box in _status_lines(till).items() if box.intersects(phone)}


def _hint_shown_whole(edit: QLineEdit) -> bool:
    """Would ``edit`` paint its placeholder uncut? The rectangle and the eliding are the
    ones ``QLineEdit::paintEvent`` uses: the style's contents rectangle less the text
    margins and Qt's 2 px horizontal margin."""
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    box = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    width = box.width() - margins.left() - margins.right() - 2 * 2
    hint = edit.placeholderText()
    return (
        bool(hint)
        and edit.fontMetrics().elidedText(hint, Qt.TextElideMode.ElideRight, width) == hint
    )


def _ask_mpesa(till: Till) -> GatewayDialog:
    """Ring up an item and send an M-Pesa request: the phone shows the PIN request."""
    till.scan(MILK)
    till.press(Qt.Key.Key_F10)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert dialog.phone is not None
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    till.qtbot.keyClicks(dialog.phone, PHONE)
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    till.idle()
    phone = _phone(till)
    till.until(lambda: phone.prompt is not None and phone.pin.isVisible(), timeout=GATEWAY_MS)
    QApplication.processEvents()
    return dialog


def _cancel(till: Till, dialog: GatewayDialog) -> None:
    """The cashier stops waiting (Esc, and Esc again after the warning that the customer
    can still approve): no payment dialog is left open at the end."""
    assert dialog.phone is not None
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Escape)
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Escape)
    till.idle()
    till.until(lambda: not dialog.isVisible(), timeout=GATEWAY_MS)


@pytest.mark.parametrize("language", ["en", "sw"])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_idle_training_phone_covers_no_status_line(
    make_paying_till: MakeTill, width: int, height: int, language: str
) -> None:
    till = make_paying_till()
    _log_in(till, language)
    _sized(till, width, height)
    phone = _phone(till)
    assert phone.prompt is None
    assert _covered(till) == {}, f"the phone at {phone.frameGeometry()} ({width}x{height})"
    # over the basket, inside the till's window, below the scan field and its message row
    assert till.window.frameGeometry().contains(phone.frameGeometry())
    assert phone.frameGeometry().top() > _on_screen(till.window.sale.message).bottom()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_kiswahili_pin_hint_is_shown_whole_and_the_phone_still_covers_no_line(
    make_paying_till: MakeTill, width: int, height: int
) -> None:
    till = make_paying_till()
    _log_in(till, "sw")
    _sized(till, width, height)
    dialog = _ask_mpesa(till)
    phone = _phone(till)
    hint = phone.pin.placeholderText()
    assert DEMO_PHONE_PIN in hint
    assert hint.startswith("PIN ya M-PESA")  # the Kiswahili hint, not the English one
    assert _hint_shown_whole(phone.pin), f"{hint!r} is cut in a {phone.pin.width()} px field"
    # the phone grew upwards for the PIN: its lower edge is still above the status lines
    assert _covered(till) == {}
    assert dialog.isVisible()
    _cancel(till, dialog)


def test_the_english_pin_hint_is_shown_whole(make_paying_till: MakeTill) -> None:
    till = make_paying_till()
    _log_in(till, "en")
    _sized(till, 1024, 768)
    dialog = _ask_mpesa(till)
    phone = _phone(till)
    assert phone.pin.placeholderText() == f"M-PESA PIN (demo PIN {DEMO_PHONE_PIN})"
    assert _hint_shown_whole(phone.pin)
    _cancel(till, dialog)


def test_a_hint_too_wide_for_the_field_is_caught(make_paying_till: MakeTill) -> None:
    """The measure above can fail: a field held at its old width cuts the Kiswahili hint."""
    till = make_paying_till()
    _log_in(till, "sw")
    dialog = _ask_mpesa(till)
    phone = _phone(till)
    phone.pin.setFixedWidth(200)
    QApplication.processEvents()
    assert not _hint_shown_whole(phone.pin)
    _cancel(till, dialog)


@pytest.mark.parametrize(("width", "height"), [*SIZES, (1920, 1080)])
def test_the_status_bar_keeps_the_side_margin_at_both_ends(
    make_till: MakeTill, width: int, height: int
) -> None:
    till = make_till()
    till.login()
    _sized(till, width, height)
    window = till.window
    clock, user = window.status_clock, window.status_user
    assert clock.text()
    clock_right = clock.mapTo(window, QPoint(clock.width(), 0)).x()
    user_left = user.mapTo(window, QPoint(0, 0)).x()
    assert window.width() - clock_right >= SIDE_MARGIN, f"the clock ends at {clock_right}"
    assert user_left >= SIDE_MARGIN
    # the clock's text is drawn whole inside its label
    assert clock.fontMetrics().horizontalAdvance(clock.text()) <= clock.contentsRect().width()
