"""Training mode's "printed receipt" panel: what the emulated printer made of the bytes.

The till's printer driver sends real ESC/POS over a real pty to the printer emulator,
which decodes it back into a picture of the paper (text with its alignment and size, the
QR code and barcode as marks, the cut). This panel shows that picture, so a trainee and
an integrator see the receipt the shop's printer would print, not the screen's copy. A
paper switch takes the paper out (the till then queues receipts and says so) and puts it
back (they print). The pole display's two lines and the drawer kicks are shown too, with
a drawer switch: a kick opens the emulated drawer and it stays open until the trainee
shuts it here (left open too long, the sale screen warns, as with a real drawer).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.services.device_training import TrainingDevices
from pos.ui.device_status import DeviceSignals

#: how often the pole display's text and the drawer count are re-read (memory only)
REFRESH_MS = 400


class PrintedReceiptPanel(QWidget):
    """A tool window beside the till, shown when the first receipt is printed."""

    def __init__(
        self, parent: QWidget | None, training: TrainingDevices, signals: DeviceSignals
    ) -> None:
        super().__init__(parent, Qt.WindowType.Tool)
        self.setObjectName("printedReceiptPanel")
        self.setWindowTitle(self.tr("Printed receipt (training printer)"))
        self.training = training
        self.receipts: list[list[str]] = training.printed()
        self.index = len(self.receipts) - 1
        layout = QVBoxLayout(self)
        self.caption = QLabel(self)
        layout.addWidget(self.caption)
        self.paper = QPlainTextEdit(self)
        self.paper.setReadOnly(True)
        font: QFont = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(10)
        self.paper.setFont(font)
        self.paper.setStyleSheet("background: #fffdf4; color: #111;")
        width = self.paper.fontMetrics().horizontalAdvance("M" * (training.columns + 4))
        self.paper.setMinimumSize(width, 380)  # the panel fits a 768-pixel-high screen
        layout.addWidget(self.paper, 1)
        row = QHBoxLayout()
        self.btn_previous = QPushButton(self.tr("< Previous"), self)
        self.btn_previous.clicked.connect(lambda: self._step(-1))
        self.btn_next = QPushButton(self.tr("Next >"), self)
        self.btn_next.clicked.connect(lambda: self._step(1))
        row.addWidget(self.btn_previous)
        row.addWidget(self.btn_next)
        self.paper_switch = QCheckBox(self.tr("Paper in the printer"), self)
        self.paper_switch.setChecked(training.paper)
        self.paper_switch.toggled.connect(self.set_paper)
        row.addWidget(self.paper_switch)
        layout.addLayout(row)
        self.display = QLabel(self)
        self.display.setFont(font)
        self.display.setStyleSheet("background: #0b2a12; color: #7dff9b; padding: 4px;")
        layout.addWidget(QLabel(self.tr("Customer display:"), self))
        layout.addWidget(self.display)
        drawer_row = QHBoxLayout()
        self.drawer = QLabel(self)
        drawer_row.addWidget(self.drawer, 1)
        self.drawer_switch = QCheckBox(self.tr("Cash drawer open"), self)
        self.drawer_switch.setChecked(training.drawer_open)
        self.drawer_switch.toggled.connect(self.set_drawer_open)
        drawer_row.addWidget(self.drawer_switch)
        layout.addLayout(drawer_row)
        signals.sig_printed.connect(self.add_receipt)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        self._render()
        self.refresh()

    def add_receipt(self, lines: list[str]) -> None:
        """A receipt was cut: show it (and the panel, if hidden)."""
        self.receipts.append(lines)
        self.index = len(self.receipts) - 1
        self._render()
        if not self.isVisible():
            self.show()

    def set_paper(self, present: bool) -> None:
        self.training.set_paper(present)
        self.refresh()

    def set_drawer_open(self, is_open: bool) -> None:
        self.training.set_drawer_open(is_open)

    def refresh(self) -> None:
        """The pole display and the drawer, read from the emulators' memory."""
        top, bottom = self.training.display_text()
        self.display.setText(f"{top}\n{bottom}")
        self.drawer.setText(
            self.tr("Drawer opened {n} times.").format(n=self.training.drawer_kicks)
        )
        if self.drawer_switch.isChecked() != self.training.drawer_open:
            self.drawer_switch.blockSignals(True)  # follows the emulator, sets nothing
            self.drawer_switch.setChecked(self.training.drawer_open)
            self.drawer_switch.blockSignals(False)

    @property
    def text(self) -> str:
        """The receipt shown, as printed (tests)."""
        return self.paper.toPlainText()

    def _step(self, by: int) -> None:
        self.index = max(0, min(len(self.receipts) - 1, self.index + by))
        self._render()

    def _render(self) -> None:
        if not self.receipts:
            self.caption.setText(self.tr("Nothing printed yet."))
            self.paper.setPlainText("")
        else:
            self.caption.setText(
                self.tr("Receipt {n} of {count}, as the printer printed it").format(
                    n=self.index + 1, count=len(self.receipts)
                )
            )
            self.paper.setPlainText("\n".join(self.receipts[self.index]))
        self.btn_previous.setEnabled(self.index > 0)
        self.btn_next.setEnabled(0 <= self.index < len(self.receipts) - 1)
