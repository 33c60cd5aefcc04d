"""The on-screen receipt with KRA's block (pytest-qt, offscreen): a training sale signed
by the OSCU simulator shows the SCU block and the QR code of its verification URL; a
sale KRA has not signed yet shows the provisional mark and no QR code."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pytestqt.qtbot import QtBot

from drivers.escpos.document import Pair, Text
from pos.etims_link import EtimsLink
from pos.services.devices import kra_blocks
from pos.services.etims import PROVISIONAL_MARK, SCU_HEADING, KraBlock
from pos.services.terminal import Terminal
from pos.ui.dialogs import ReceiptDialog
from sync.etims.sandbox import EtimsSandbox
from tests.etims.test_till_link import UHT, Watch, cash_sale, link_parts

__all__ = ["link_parts"]  # the fixture, shared with the worker's tests

SHOT = os.environ.get("KAUNTA_ETIMS_SHOT")  # set by docs tooling to keep the picture


def _signed_dialog(
    qtbot: QtBot,
    cashier: Terminal,
    link_parts: tuple[EtimsLink, EtimsSandbox, Watch],
    quantity: int,
) -> tuple[ReceiptDialog, KraBlock]:
    """A cash sale the simulator signed, shown in the receipt dialog with its block."""
    link, _box, watch = link_parts
    sale = cash_sale(cashier, (UHT, quantity))
    link.start()
    watch.until(lambda v: v.signed == 1)
    block = link.block_for(sale)
    assert block is not None
    dialog = ReceiptDialog(None, cashier.receipts.receipt(sale), None, kra=block)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog, block


def test_a_signed_sale_shows_the_scu_block_and_its_qr_code(
    qtbot: QtBot, cashier: Terminal, link_parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    box = link_parts[1]
    dialog, block = _signed_dialog(qtbot, cashier, link_parts, 2)
    dialog.show()
    text = dialog.text.toPlainText()
    assert "TAX INVOICE" in text
    assert "SCU ID" in text
    assert dict(block.rows)["CU Invoice No."] in text
    assert dict(block.rows)["Receipt Signature"] in text
    assert dialog.kra_qr.pixmap() is not None
    assert not dialog.kra_qr.pixmap().isNull()
    assert dialog.kra_qr.toolTip() == block.qr_url
    assert block.qr_url.startswith(box.verify_host)
    if SHOT:  # the KRA part in view: the receipt's end, block, QR
        dialog.resize(540, 900)
        bar = dialog.text.verticalScrollBar()
        bar.setValue(bar.maximum())
        dialog.grab().save(str(Path(SHOT)))


def test_the_screens_kra_block_says_what_the_printed_one_says(
    qtbot: QtBot, cashier: Terminal, link_parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    """Screen and paper alike: the title, the "SCU INFORMATION" heading under it, then
    each row, in the printed order (the receipt dialog and the receipts browser both
    show ``KraBlock.text_lines``)."""
    dialog, block = _signed_dialog(qtbot, cashier, link_parts, 1)
    shown = [line.strip() for line in dialog.text.toPlainText().splitlines()]
    printed = [
        b.text if isinstance(b, Text) else b.left
        for b in kra_blocks(block)
        if isinstance(b, Text | Pair) and not (isinstance(b, Text) and b.text.startswith("TRAIN"))
    ]
    assert printed[:2] == [block.title, SCU_HEADING]
    start = shown.index(block.title)
    assert shown[start + 1] == SCU_HEADING
    at = start
    for label in printed:  # every printed line on screen, in the same order
        at = next(i for i in range(at, len(shown)) if shown[i].startswith(label))


def test_an_unsigned_sale_shows_the_provisional_mark_and_no_qr_code(
    qtbot: QtBot, cashier: Terminal
) -> None:
    sale = cash_sale(cashier, (UHT, 1))
    receipt = cashier.receipts.receipt(sale)
    dialog = ReceiptDialog(None, receipt, None, kra=KraBlock(signed=False, title=""))  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert "NOT YET A TAX INVOICE" in dialog.text.toPlainText()
    assert PROVISIONAL_MARK.split(" - ")[0] in dialog.text.toPlainText()
    assert dialog.kra_qr.isHidden()


def test_a_provisional_receipt_of_an_enrolled_store_shows_the_customer_pages_qr_code(
    qtbot: QtBot, cashier: Terminal
) -> None:
    sale = cash_sale(cashier, (UHT, 1))
    receipt = cashier.receipts.receipt(sale)
    page = "https://hq.example.co.ke/r/abcdefghijklmnopqrstuvwxyz"
    dialog = ReceiptDialog(  # type: ignore[arg-type]
        None, receipt, None, kra=KraBlock(signed=False, title="", qr_url=page)
    )
    qtbot.addWidget(dialog)
    text = dialog.text.toPlainText()
    assert "NOT YET A TAX INVOICE" in text
    assert "Scan later for the signed invoice" in text
    assert not dialog.kra_qr.isHidden()
    assert not dialog.kra_qr.pixmap().isNull()
    assert dialog.kra_qr.toolTip() == page
    # without a page to point to (a standalone till), the picture goes away again
    dialog.show_kra(KraBlock(signed=False, title=""))
    assert dialog.kra_qr.isHidden()
    assert dialog.kra_qr.toolTip() == ""
