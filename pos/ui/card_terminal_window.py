"""Training mode's "card terminal" window: the customer's side of the emulated ZVT terminal.

The till sends the amount to the emulated terminal over the same ZVT bytes a real one
reads; the terminal then waits for a card. Here the trainee plays the customer and the
bank: insert the card, type the PIN and approve, or decline (declined, wrong PIN, not
enough money, cancelled at the terminal). The terminal's own screen text is shown as it
changes ("Pay 65.00: insert card", "Approved"). The window shows itself when the terminal
starts waiting. It is the only training window that asks for the card: while it exists,
the training customer's phone leaves the terminal's prompts to it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.services.device_training import DECLINE_CODES, CardRequest, TrainingDevices
from pos.ui.device_status import DeviceSignals
from pos.ui.i18n import QT_TRANSLATE_NOOP

#: how often the window looks whether the terminal waits (memory only, no I/O)
REFRESH_MS = 300
DECLINE_TEXTS = {
    "declined": QT_TRANSLATE_NOOP("CardTerminalWindow", "Bank declines"),
    "wrong_pin": QT_TRANSLATE_NOOP("CardTerminalWindow", "Wrong PIN"),
    "insufficient": QT_TRANSLATE_NOOP("CardTerminalWindow", "Not enough money"),
    "cancel": QT_TRANSLATE_NOOP("CardTerminalWindow", "Customer cancels"),
}


class CardTerminalWindow(QWidget):
    """Insert card, PIN, approve or decline, on the emulated terminal."""

    def __init__(
        self, parent: QWidget | None, training: TrainingDevices, signals: DeviceSignals
    ) -> None:
        super().__init__(parent, Qt.WindowType.Tool)
        self.setObjectName("cardTerminalWindow")
        self.setWindowTitle(self.tr("Card terminal (training)"))
        self.training = training
        self.request: CardRequest | None = None
        self.card_in = False
        layout = QVBoxLayout(self)
        self.terminal_screen = QLabel(self)
        self.terminal_screen.setMinimumSize(320, 64)
        self.terminal_screen.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.terminal_screen.setWordWrap(True)
        self.terminal_screen.setStyleSheet(
            "background: #1d2b36; color: #d8f3ff; font-size: 16px; padding: 8px;"
        )
        layout.addWidget(self.terminal_screen)
        self.amount = QLabel(self)
        layout.addWidget(self.amount)
        self.insert = QPushButton(self.tr("Insert card"), self)
        self.insert.clicked.connect(self.insert_card)
        layout.addWidget(self.insert)
        self.pin = QLineEdit(self)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(6)
        self.pin.setPlaceholderText(self.tr("PIN (demo: any 4 to 6 digits)"))
        self.pin.returnPressed.connect(self.approve)
        layout.addWidget(self.pin)
        row = QHBoxLayout()
        self.ok = QPushButton(self.tr("OK (approve)"), self)
        self.ok.setProperty("role", "primary")
        self.ok.clicked.connect(self.approve)
        row.addWidget(self.ok)
        self.reason = QComboBox(self)
        for code, label in DECLINE_TEXTS.items():
            self.reason.addItem(self.tr(label), code)
        row.addWidget(self.reason)
        self.decline_button = QPushButton(self.tr("Decline"), self)
        self.decline_button.clicked.connect(self.decline)
        row.addWidget(self.decline_button)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        signals.sig_card.connect(self._screen_changed)
        training.play_card(self.objectName())
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_MS)
        self.refresh()

    def refresh(self) -> None:
        """Follow the terminal: what it shows, whether (and for what) it waits."""
        self.terminal_screen.setText(self.training.card_text)
        request = self.training.card_request()
        if request != self.request:
            self.request = request
            self.card_in = False
            self.pin.clear()
            self.message.clear()
            if request is not None and not self.isVisible():
                self.show()
        waiting = self.request is not None
        if self.request is None:
            self.amount.setText(self.tr("The terminal is not waiting for a card."))
        else:
            self.amount.setText(
                (
                    self.tr("Refund {amount} to the card")
                    if self.request.refund
                    else self.tr("Pay {amount}")
                ).format(amount=self.request.amount)
            )
        self.insert.setEnabled(waiting and not self.card_in)
        self.pin.setEnabled(waiting and self.card_in)
        self.ok.setEnabled(waiting and self.card_in)
        self.reason.setEnabled(waiting)
        self.decline_button.setEnabled(waiting)

    def insert_card(self) -> None:
        self.card_in = True
        self.refresh()
        self.pin.setFocus()

    def approve(self) -> None:
        if self.request is None or not self.card_in:
            return
        try:
            self.training.card_approve(self.request.number, self.pin.text())
        except ValueError:
            self.message.setText(self.tr("A card PIN has 4 to 6 digits."))
            return
        except LookupError:
            self.message.setText(self.tr("The terminal is not waiting for that payment any more."))
        self.refresh()

    def decline(self) -> None:
        if self.request is None:
            return
        try:
            self.training.card_decline(self.request.number, str(self.reason.currentData()))
        except LookupError:
            self.message.setText(self.tr("The terminal is not waiting for that payment any more."))
        self.refresh()

    def release(self) -> None:
        """The till window goes (not just this window hidden, which shows itself again
        at the next payment): the phone may play the terminal again."""
        self.training.play_card(None)
        self._timer.stop()

    def _screen_changed(self, text: str) -> None:
        self.terminal_screen.setText(text)
        self.refresh()


assert set(DECLINE_TEXTS) == set(DECLINE_CODES)
