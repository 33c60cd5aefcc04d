"""Training mode: a window that plays the customer's phone.

It shows what the sandboxes put on the "phone" (an M-Pesa PIN prompt, a PayPal approval)
and lets the trainee answer as a customer would: type the M-PESA PIN (demo PIN 1234), or
cancel; approve or cancel the PayPal payment. It talks to the sandboxes only through
their public control interface, via ``pos.services.training``.

It never takes the keyboard from the till: it is a tool window of the till's own that does
not accept focus (a scanner's digits and the cashier's F-keys always reach the till), and
its PIN is typed on its own keypad, as on a phone. It comes to the front, without taking
focus, whenever a new request reaches it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)

from pos.services.training import Answer, CustomerPhone, Prompt
from pos.ui import i18n
from pos.ui.actions import describe_error
from pos.ui.runner import ServiceRunner
from pos.ui.widgets import STYLE, TOUCH_HEIGHT, message_label, show_message

DEMO_PHONE_PIN = "1234"
#: the PIN field grows to show its whole hint, up to this width (a longer hint is cut)
PIN_FIELD_MAX = 480


class CustomerPhoneWindow(QWidget):
    """A small always-available window: 'Customer's phone (training)'."""

    def __init__(
        self, phone: CustomerPhone, runner: ServiceRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWindowTitle(self.tr("Customer's phone (training)"))
        self.setStyleSheet(STYLE)
        self.phone = phone
        self.runner = runner
        self.prompt: Prompt | None = None
        self.resize(360, 330)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Customer's phone — training"), self)
        title.setStyleSheet("font-weight: bold; font-size: 16px;")
        layout.addWidget(title)
        self.text = QLabel(self.tr("No payment request on this phone."), self)
        self.text.setWordWrap(True)
        self.text.setMinimumHeight(60)
        layout.addWidget(self.text)
        self.pin = QLineEdit(self)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.set_pin_hint(self.tr("M-PESA PIN (demo PIN {pin})").format(pin=DEMO_PHONE_PIN))
        self.pin.returnPressed.connect(self.approve)
        self.pin.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.pin)
        self.pad = QWidget(self)
        pad = QGridLayout(self.pad)
        pad.setContentsMargins(0, 0, 0, 0)
        pad.setSpacing(3)
        for i, key in enumerate(("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "⌫")):
            button = QPushButton(key, self.pad)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumHeight(36)
            button.setStyleSheet("min-height: 36px; padding: 2px;")
            button.clicked.connect(lambda _=False, k=key: self._pin_key(k))
            pad.addWidget(button, i // 6, i % 6)
        layout.addWidget(self.pad)
        row = QHBoxLayout()
        self.ok = QPushButton(self.tr("OK / Pay"), self)
        self.ok.clicked.connect(self.approve)
        self.cancel = QPushButton(self.tr("Cancel"), self)
        self.cancel.clicked.connect(lambda: self._answer(Answer.CANCEL))
        for b in (self.cancel, self.ok):
            b.setMinimumHeight(TOUCH_HEIGHT)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(b)
        layout.addLayout(row)
        row2 = QHBoxLayout()
        self.broke = QPushButton(self.tr("No money"), self)
        self.broke.setToolTip(self.tr("Answer as a customer whose balance is too low"))
        self.broke.clicked.connect(lambda: self._answer(Answer.INSUFFICIENT))
        self.broke.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row2.addWidget(self.broke)
        layout.addLayout(row2)
        self.message = message_label(self)
        layout.addWidget(self.message)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(800)
        self._busy = False
        self._show(None)

    def stop(self) -> None:
        """Stop polling (the till is closing)."""
        self._timer.stop()

    def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True

        def shown(prompts: list[Prompt]) -> None:
            self._busy = False
            current = next(
                (p for p in prompts if self.prompt and p.prompt_id == self.prompt.prompt_id),
                prompts[0] if prompts else None,
            )
            self._show(current)

        def failed(error: BaseException) -> None:
            self._busy = False
            show_message(self.message, describe_error(error), error=True)

        self.runner.poll_network(self.phone.pending, shown, failed)

    def _show(self, prompt: Prompt | None) -> None:
        changed = (prompt and prompt.prompt_id) != (self.prompt and self.prompt.prompt_id)
        self.prompt = prompt
        if prompt is None:
            self.text.setText(self.tr("No payment request on this phone."))
        else:
            self.text.setText(prompt.text)
        for widget in (self.ok, self.cancel):
            widget.setEnabled(prompt is not None)
        self.broke.setEnabled(prompt is not None and Answer.INSUFFICIENT in prompt.answers)
        needs_pin = prompt is not None and prompt.needs_pin
        if needs_pin != self.pad.isVisibleTo(self):
            bottom = self.frameGeometry().bottom()
            self.pin.setVisible(needs_pin)
            self.pad.setVisible(needs_pin)
            self.adjustSize()
            if self.isVisible():  # grow upwards: the bottom edge stays on the screen
                self.move(self.x(), max(bottom - self.frameGeometry().height(), 0))
        if changed:
            self.set_pin_hint(
                i18n.text(prompt.pin_label)
                if prompt is not None and prompt.pin_label
                else self.tr("M-PESA PIN (demo PIN {pin})").format(pin=DEMO_PHONE_PIN)
            )
            self.pin.clear()
            self.message.clear()
            if prompt is not None and self.isVisible():
                self._step_aside()
                self.raise_()  # to the front for the new request, never taking the keyboard

    def set_pin_hint(self, hint: str) -> None:
        """Put ``hint`` in the empty PIN field, and make the field wide enough to show it
        whole: a Kiswahili hint is longer than the English one, and a hint cut off
        ("PIN ya M-PESA (majaribio: 1…") hides the demo PIN the trainee needs."""
        self.pin.setPlaceholderText(hint)
        self.fit_pin_hint()

    def fit_pin_hint(self) -> None:
        """Size the PIN field for the hint it shows now (also after the screens changed
        language, which swaps the hint in place)."""
        self.pin.ensurePolished()  # the style sheet's font and padding, before measuring
        hint = self.pin.placeholderText()
        self.pin.setMinimumWidth(min(self.pin_width_for(hint), PIN_FIELD_MAX))

    def pin_width_for(self, hint: str) -> int:
        """The PIN field's width that shows ``hint`` without eliding it: the text, Qt's
        own 2 px margins either side, the field's text margins, and what the style sheet's
        padding and frame add (asked of the style, as ``QLineEdit.sizeHint`` does)."""
        edit = self.pin
        margins, contents = edit.textMargins(), edit.contentsMargins()
        inner = (
            edit.fontMetrics().horizontalAdvance(hint)
            + 2 * 2  # QLineEdit's fixed horizontal margin, each side
            + margins.left()
            + margins.right()
            + contents.left()
            + contents.right()
            + 2  # rounding of the text's width
        )
        option = QStyleOptionFrame()
        edit.initStyleOption(option)
        size = edit.style().sizeFromContents(
            QStyle.ContentsType.CT_LineEdit, option, QSize(inner, edit.height()), edit
        )
        return max(size.width(), inner)

    def _step_aside(self) -> None:
        """Away from the cashier's open dialog (the M-Pesa one sits left, where this window
        waits): beside it where the screen has room, keeping its height on the screen."""
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog is self or not dialog.isVisible():
            return
        mine, theirs = self.frameGeometry(), dialog.frameGeometry()
        if not mine.intersects(theirs):
            return
        screen = self.screen().availableGeometry()
        if theirs.right() + 8 + mine.width() <= screen.right():
            x = theirs.right() + 8
        elif theirs.left() - 8 - mine.width() >= screen.left():
            x = theirs.left() - 8 - mine.width()
        else:
            return  # no room either side: it stays where it is
        self.move(x, self.y())

    def _pin_key(self, key: str) -> None:
        if key == "⌫":
            self.pin.backspace()
        else:
            self.pin.insert(key)

    def approve(self) -> None:
        if self.prompt is not None and self.prompt.needs_pin and not self.pin.text():
            missing = (
                self.tr("Type the PIN first.")
                if self.prompt.pin_label
                else self.tr("Type the M-PESA PIN first.")
            )
            show_message(self.message, missing, error=True)
            return
        self._answer(Answer.APPROVE, self.pin.text() or None)

    def _answer(self, answer: Answer, pin: str | None = None) -> None:
        prompt = self.prompt
        if prompt is None:
            return

        def done(_result: object) -> None:
            self._show(None)
            show_message(self.message, self.tr("Sent."), error=False)

        self.runner.submit_network(
            lambda: self.phone.answer(prompt, answer, pin),
            done,
            lambda e: show_message(self.message, describe_error(e), error=True),
        )
