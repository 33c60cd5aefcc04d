"""A refund's credit note on the real till window (pytest-qt), with the eTIMS worker
submitting to the OSCU simulator over real HTTP: a refund made in the refund dialog
while KRA is away shows the credit note provisional ("not yet a tax invoice", no QR
code); once KRA is back the open dialog shows it signed (CREDIT NOTE, the original CU
invoice number of the sale, the verification QR code) without a click; F9's receipt
browser reprints the refund with its signed block, marked COPY. A screenshot of the
signed credit note goes to ``KAUNTA_SHOTS_DIR`` when set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from pos.etims_link import EtimsLink
from pos.services.etims import EtimsPhase
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.refund_dialog import RefundDialog
from pos.ui.receipts_browser import ReceiptBrowser
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from tests.ui.test_etims_queue_ui import kra  # noqa: F401  (the simulator-backed till)

if TYPE_CHECKING:
    from conftest import Till

MILK = "6168232712628"  # 65.00, zero-rated
MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
WAIT_MS = 20_000


def test_a_refund_shows_its_credit_note_provisional_then_signed_and_f9_reprints_it(
    kra: tuple[Till, EtimsLink, EtimsSandbox],  # noqa: F811
) -> None:
    till, _link, box = kra
    till.login(MANAGER, MANAGER_PIN)
    t = till.terminal
    till.until(lambda: t.etims.view().phase is EtimsPhase.ONLINE, WAIT_MS)
    t.checkout.scan(MILK, 2)
    sold = t.checkout.pay_cash(t.checkout.view().cash_due)
    assert sold.receipt is not None
    till.until(lambda: t.etims.view().signed == 1, WAIT_MS)
    box.refuse()
    till.window.open_manager()
    till.until(lambda: isinstance(till.window.manager_menu, ManagerMenu))
    menu = till.window.manager_menu
    assert menu is not None
    till.click(menu.buttons["refund"])
    till.until(lambda: isinstance(menu.dialog, RefundDialog))
    dialog = menu.dialog
    assert isinstance(dialog, RefundDialog)
    till.qtbot.keyClicks(dialog.search, sold.receipt.number)
    till.until(lambda: dialog.sale is not None and dialog.sale.number == sold.receipt.number)
    dialog.spins[0].setValue(1)
    till.until(lambda: dialog.plan is not None)
    till.click(dialog.ok_button)
    till.until(lambda: dialog.last_refund is not None, WAIT_MS)
    note = dialog.credit_note
    till.until(note.isVisible)
    shown = note.text.toPlainText()
    assert "NOT YET A TAX INVOICE" in shown
    assert "CREDIT NOTE" not in shown
    assert note.qr.isHidden()
    box.accept()
    # the open dialog follows: the signed credit note and its QR code, without a click
    till.until(lambda: note.kra is not None and note.kra.signed, WAIT_MS)
    shown = note.text.toPlainText()
    device = box.device("00")
    assert "CREDIT NOTE" in shown
    assert "NOT YET A TAX INVOICE" not in shown
    assert "Original CU Invoice No." in shown
    assert f"{device.sdc_id}/1" in shown
    assert not note.qr.isHidden()
    sign = device.invoices[2].rcpt_sign
    assert note.qr.toolTip().endswith(f"{DEMO_TIN}00{sign}")
    shots = os.environ.get("KAUNTA_SHOTS_DIR")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(Path(shots) / "refund-credit-note-signed.png"))
    dialog.reject()
    till.until(lambda: menu.dialog is None or not menu.dialog.isVisible())
    menu.reject()
    till.until(lambda: till.window.manager_menu is None or not menu.isVisible())
    # F9: the sale with its refund under it; Reprint refund carries the signed block
    till.press(Qt.Key.Key_F9)
    browser = till.dialog()
    assert isinstance(browser, ReceiptBrowser)
    till.until(browser.is_settled)
    till.until(lambda: browser.btn_reprint_refund.isVisible(), WAIT_MS)
    with till.qtbot.waitSignal(browser.sig_refund_reprinted, timeout=WAIT_MS):
        till.click(browser.btn_reprint_refund)
    copy = browser.text.toPlainText()
    assert "CREDIT NOTE (COPY)" in copy
    assert f"{device.sdc_id}/1" in copy
    assert "COPY" in copy
    if shots:
        browser.grab().save(str(Path(shots) / "refund-credit-note-reprint.png"))
