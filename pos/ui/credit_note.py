"""A refund's credit note on screen: its receipt text with KRA's block and QR code.

A refund is a credit note to KRA. Shown right after the refund, KRA has not signed it
yet: the text carries the provisional mark ("not yet a tax invoice"); the view follows
the eTIMS worker (:func:`pos.ui.etims_queue.follow_kra`) and shows the signed block
(CREDIT NOTE, the original CU invoice number, SCU ID, internal data and signature) with
the verification QR code as soon as KRA signed it, as the sale's receipt dialog does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QWidget

from pos.domain.refund import RefundReceipt
from pos.services.etims import FOLLOW_S, EtimsService, KraBlock
from pos.services.refund_receipts import refund_text
from pos.ui import i18n
from pos.ui.etims_queue import follow_kra

__all__ = ["CreditNoteView"]

#: the QR code's side on screen, in pixels (as the sale receipt's)
QR_SIDE = 160


class CreditNoteView(QWidget):
    """The credit note's text (a 42-column receipt) and, once KRA signed, its QR code."""

    def __init__(self, parent: QWidget, *, height: int = 240) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        font: QFont = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(10)
        self.text.setFont(font)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMinimumWidth(self.text.fontMetrics().horizontalAdvance("M" * 42) + 36)
        self.text.setFixedHeight(height)
        row.addWidget(self.text, 1)
        self.qr = QLabel(self)
        self.qr.hide()
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        self.receipt: RefundReceipt | None = None
        self.kra: KraBlock | None = None

    def show_note(self, receipt: RefundReceipt, kra: KraBlock | None) -> None:
        """Show ``receipt`` with ``kra`` (signed, provisional, or None: eTIMS off)."""
        self.receipt, self.kra = receipt, kra
        say = i18n.receipt_say()
        lines = refund_text(receipt, kra, say=say)
        self.text.setPlainText("\n".join(lines))
        if kra is not None:  # KRA's part (what changes once signed) in view, at the top
            bar = self.text.verticalScrollBar()
            bar.setValue(min(bar.maximum(), len(lines) - len(kra.text_lines(say=say))))
        if kra is not None and kra.qr_url:
            from pos.ui.payment_dialogs import qr_pixmap  # (it imports the dialogs)

            self.qr.setPixmap(qr_pixmap(kra.qr_url, QR_SIDE))
            self.qr.setToolTip(kra.qr_url)
            self.qr.show()
        else:
            self.qr.clear()
            self.qr.setToolTip("")
            self.qr.hide()
        self.show()

    def show_completed(self, receipt: RefundReceipt, etims: EtimsService) -> None:
        """A refund completed this instant: shown provisional (from memory, no I/O), then
        signed as soon as KRA signs it (while this view lives, at most ``FOLLOW_S``). A
        return without a receipt credits no KRA invoice: no block at all, and none is
        waited for; nor once the queue settles a refund without a credit note."""
        if receipt.is_return:
            self.show_note(receipt, None)
            return
        kra = etims.provisional(receipt.refund_id)
        self.show_note(receipt, kra)
        if kra is None or kra.signed:
            return
        refund_id = receipt.refund_id

        def arrived(block: KraBlock | None) -> None:
            current = self.receipt
            if current is not None and current.refund_id == refund_id:
                self.show_note(current, block)  # signed, or None: no credit note comes

        follow_kra(self, etims, refund_id, FOLLOW_S, arrived)
