"""A sale paid on a bank's standalone card terminal, through the real till window.

The terminal talks to nothing: the cashier presses "Card (PDQ)", keys the
approval code and the card's last four digits from the slip (the digits on the dialog's
number pad) and the till records the payment. The receipt shows the approval and the
masked card; nothing of the keyed values reaches the logs, and the database keeps only
the method's proof (approval code, last four digits masked)."""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from pos.ui.dialogs import ReceiptDialog
from pos.ui.payment_dialogs import GatewayDialog

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MILK = "6168232712628"  # KES 65.00
#: last four digits that no barcode or price in the demo catalogue contains
LAST4 = "7083"
METHOD = "card_manual"


@pytest.fixture
def paying(make_paying_till: MakeTill) -> Till:
    till = make_paying_till()
    till.login()
    return till


def _rows(till: Till, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(till.terminal.db.path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def _dump(till: Till) -> str:
    conn = sqlite3.connect(till.terminal.db.path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def _open(till: Till) -> GatewayDialog:
    button = till.window.sale.gateway_buttons[METHOD]
    assert button.text().startswith("Card (PDQ)")
    till.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert dialog.method_code == METHOD
    assert dialog.phone is None  # nothing is a phone number here
    assert set(dialog.keyed) == {"approval_code", "last4"}
    return dialog


def test_sale_paid_on_a_standalone_terminal_with_keyed_approval(
    paying: Till, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    till = paying
    till.scan(MILK)
    dialog = _open(till)
    approval, last4 = dialog.keyed["approval_code"], dialog.keyed["last4"]
    till.qtbot.keyClicks(approval, "ab12c3")
    # the pad types into the first field not filled yet: the last four digits
    for key in LAST4:
        till.qtbot.mouseClick(till.button(dialog, key), Qt.MouseButton.LeftButton)
    assert last4.text() == LAST4
    assert approval.text() == "ab12c3"
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.until(lambda: not dialog.isVisible())
    receipt = till.dialog()
    assert isinstance(receipt, ReceiptDialog)
    text = receipt.text.toPlainText()
    assert "Card" in text
    assert "AB12C3 · ************7083" in text
    assert _rows(till, "SELECT method, amount_minor FROM payments") == [(METHOD, 6500)]
    assert _rows(
        till, "SELECT state, gateway_ref, receipt_ref, payer_masked FROM payment_attempts"
    ) == [("captured", "manual:7083", "AB12C3 ************7083", "")]
    # the database (attempts, payments, outbox documents, audit) holds the proof only:
    # the last four digits always masked or in the method's reference
    dump = _dump(till)
    assert "AB12C3" in dump
    # (not inside a longer number or a blob's hex, which may hold any four digits)
    assert re.findall(rf"(?<![0-9A-F*:]){LAST4}(?![0-9A-F])", dump) == []
    assert "ab12c3" not in dump
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert LAST4 not in logged
    assert "ab12c3" not in logged.lower()


def test_keyed_fields_refuse_letters_and_short_input_and_nothing_is_stored(
    paying: Till,
) -> None:
    till = paying
    till.scan(MILK)
    dialog = _open(till)
    approval, last4 = dialog.keyed["approval_code"], dialog.keyed["last4"]
    till.qtbot.keyClicks(last4, "42a2")
    assert last4.text() == "422"  # letters never get into a digits-only field
    till.qtbot.keyClicks(approval, "123456")
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.idle()
    till.until(lambda: "Last 4 digits of the card" in dialog.message.text())
    assert "4 characters" in dialog.message.text()
    assert dialog.isVisible()
    assert dialog.send_button.isEnabled()
    assert _rows(till, "SELECT count(*) FROM payment_attempts") == [(0,)]
    # corrected, it goes through
    till.qtbot.keyClicks(last4, "4")
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.until(lambda: not dialog.isVisible())
    assert _rows(till, "SELECT method, amount_minor FROM payments") == [(METHOD, 6500)]
    assert _rows(till, "SELECT receipt_ref FROM payment_attempts") == [("123456 ************4224",)]


def test_training_window_asks_for_a_card_pin_not_an_mpesa_pin(paying: Till) -> None:
    """The training window words its PIN field as the method's prompt says (the emulated
    card terminal's here; M-Pesa keeps its own wording, see test_payments_ui)."""
    till = paying
    till.scan(MILK)
    till.qtbot.mouseClick(till.window.sale.gateway_buttons["card_zvt"], Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    window = till.window.phone_window
    assert window is not None
    till.until(
        lambda: window.prompt is not None and window.prompt.source == "card_zvt",
        timeout=20_000,
    )
    assert window.pin.placeholderText() == "Card PIN (demo: any 4 to 6 digits)"
    till.qtbot.mouseClick(window.ok, Qt.MouseButton.LeftButton)
    assert window.message.text() == "Type the PIN first."
    assert "M-PESA" not in window.message.text() + window.pin.placeholderText()
    till.qtbot.mouseClick(window.cancel, Qt.MouseButton.LeftButton)
    till.until(lambda: "aborted" in dialog.status.text().lower(), timeout=20_000)
