"""A card payment read in Kiswahili on the real till window: a cashier who logs in in
Kiswahili pays by card on the emulated ZVT terminal (real TCP) and the terminal dialog
says what the terminal does and why the card failed in Kiswahili, through the real
translator (the compiled ``kaunta_sw.qm``), never the English the method stored.

The terminal's texts come from ``drivers/zvt/codes.py`` (marked with the driver's own
``text()``) and the card method's own outcomes (marked or registered): if any of them were
left out of the translation files, the dialog would show English here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

import dev
from drivers.zvt.codes import RESULT_TEXTS
from pos.payments.card import zvt_method
from pos.ui import i18n
from pos.ui.customer_phone import CustomerPhoneWindow
from pos.ui.payment_dialogs import GatewayDialog
from tests.ui.conftest import MakeTill, Till

MILK = "6168232712628"  # KES 65.00
TERMINAL_MS = 20_000
_LEFT = Qt.MouseButton.LeftButton
#: what the emulated bank answers to the trainee's "not enough money" (ZVT result 71)
NOT_ENOUGH = RESULT_TEXTS[0x71]
NOT_ENOUGH_SW = "Salio la kadi halitoshi. Omba kadi nyingine au njia nyingine ya kulipa."
INSERT_SW = "Ingiza, gusa au pitisha kadi…"


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """The translator is process-wide: every test here leaves the till in English."""
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")


@pytest.fixture
def kiswahili_till(make_paying_till: MakeTill) -> Till:
    """A till in training mode with payments, the cashier logged in in Kiswahili."""
    till = make_paying_till()
    till.login_in("sw")
    assert i18n.language() == "sw"
    return till


def _card_dialog(till: Till) -> GatewayDialog:
    till.qtbot.mouseClick(till.window.sale.gateway_buttons["card_zvt"], _LEFT)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert dialog.method_code == "card_zvt"
    return dialog


def _terminal_window(till: Till) -> CustomerPhoneWindow:
    window = till.window.phone_window
    assert window is not None
    till.until(
        lambda: window.prompt is not None and window.prompt.source == "card_zvt",
        timeout=TERMINAL_MS,
    )
    return window


def test_a_declined_card_reads_in_kiswahili_in_the_terminal_dialog(kiswahili_till: Till) -> None:
    till = kiswahili_till
    till.scan(MILK)
    dialog = _card_dialog(till)
    till.qtbot.mouseClick(dialog.send_button, _LEFT)
    till.idle()
    window = _terminal_window(till)
    # the terminal's status while the customer acts, in Kiswahili
    till.until(lambda: dialog.status.text() == INSERT_SW, timeout=TERMINAL_MS)
    till.qtbot.mouseClick(window.broke, _LEFT)  # the bank: not enough credit (result 71)
    till.until(lambda: dialog.status.text() == NOT_ENOUGH_SW, timeout=TERMINAL_MS)
    assert dialog.isVisible()  # the cashier may try again or pay another way
    # what was stored is the English (logs, the manager's records); only the screen speaks
    conn = sqlite3.connect(till.terminal.db.path)
    try:
        stored = conn.execute("SELECT state, message FROM payment_attempts").fetchall()
    finally:
        conn.close()
    assert stored == [("declined", NOT_ENOUGH)]
    assert "credit" not in dialog.status.text()


def test_card_outcomes_with_values_read_in_kiswahili_with_their_values() -> None:
    """A result code the ZVT list does not have (said with its number), and a refund the
    terminal declined (two sentences: the till's and the terminal's), as the screens
    render a stored outcome."""
    unknown = zvt_method.terminal_says(0x5E)
    assert unknown == ("The terminal refused the payment (code 5E). Try again or use another card.")
    assert i18n.text(unknown, "sw") == (
        "Mashine ilikataa malipo (msimbo 5E). Jaribu tena au tumia kadi nyingine."
    )
    declined = "The card terminal did not approve the refund. " + RESULT_TEXTS[0x78]
    assert i18n.text(declined, "sw") == (
        "Mashine ya kadi haikuidhinisha marejesho. Muda wa kadi umekwisha. Omba kadi nyingine."
    )
    assert i18n.text(unknown, "en") == unknown


def test_the_cash_dialog_names_the_other_ways_to_pay_in_kiswahili(kiswahili_till: Till) -> None:
    """The cash dialog's "Or:" row names the card methods as the sale screen does, in the
    cashier's language (it was given the methods' English labels)."""
    from PySide6.QtWidgets import QPushButton

    from pos.ui.dialogs import TenderDialog

    till = kiswahili_till
    till.scan(MILK)
    till.press(Qt.Key.Key_F12)
    tender = till.dialog()
    assert isinstance(tender, TenderDialog)
    labels = [b.text().split("\n")[0] for b in tender.findChildren(QPushButton)]
    assert "Kadi" in labels  # the terminal's card method
    assert "Card" not in labels
    tender.reject()
    till.idle()
