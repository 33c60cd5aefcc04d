"""The gateway payment dialog: ask the customer, follow the answer, never block the till.

One dialog for every method, shaped by what the method declares (its
:class:`~pos.payments.base.MethodDescription`): a phone field for methods that need one
(with the method's own live check), a QR code of the action link for QR methods, just the
status for the rest. The cashier confirms the amount, the request is sent (the gateway call
runs on the network executor, not the till worker), then the dialog polls on the service's
schedule, shows a countdown to the deadline and the gateway's words, and closes itself
when the money is captured. Cancel stops waiting; the payment is still checked in the
background, and if it is paid after all the manager is alerted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import qrcode
from PySide6.QtCore import (
    QCoreApplication,
    QRect,
    QRectF,
    QRegularExpression,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QRegularExpressionValidator
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from pos.domain.errors import DomainError
from pos.domain.messages import Message
from pos.domain.money import Money
from pos.services.payments import (
    AttemptState,
    AttemptView,
    DialogKind,
    MethodInfo,
    PaymentService,
    poll_delay,
)
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import set_role, show_message

#: the dialog keeps one width (fits a 1024x768 till beside the totals)
DIALOG_WIDTH = 520
DIALOG_MARGIN = 12
#: three lines of the gateway's words
STATUS_HEIGHT = 72
#: placed beside the totals panel: this far from it and from the window's edge, and
#: never narrower than this (below it the keypad's keys would be under 44 px wide)
PLACE_GAP = 4
MIN_DIALOG_WIDTH = 400
FRAME_ALLOWANCE = 8


def _digit_pad(parent: QWidget, target: QLineEdit | Callable[[], QLineEdit]) -> QWidget:
    """An on-screen number pad for a touch till: 1-9, 0, back; types into ``target`` (or
    into the field ``target()`` picks at each press)."""
    pick = target if callable(target) else (lambda: target)
    pad = QWidget(parent)
    grid = QGridLayout(pad)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    for i, key in enumerate(("1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "C")):
        button = QPushButton(key, pad)
        button.setMinimumHeight(44)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        if key == "⌫":
            button.setToolTip(QCoreApplication.translate("Keypad", "Delete the last digit"))
            button.clicked.connect(lambda: pick().backspace())
        elif key == "C":
            button.setToolTip(QCoreApplication.translate("Keypad", "Clear"))
            button.clicked.connect(lambda: pick().clear())
        else:
            button.clicked.connect(lambda _=False, k=key: pick().insert(k))
        grid.addWidget(button, i // 6, i % 6)
    return pad


def qr_pixmap(text: str, size: int = 260) -> QPixmap:
    """A QR code for ``text`` drawn with Qt (no image library needed)."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    cell = size / n
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(QRectF(x * cell, y * cell, cell + 0.5, cell + 0.5))
    painter.end()
    return QPixmap.fromImage(image)


class GatewayDialog(KauntaDialog):
    """The shared part: send, poll, countdown, result, cancel."""

    sig_paid = Signal(object)  # AttemptView of a captured attempt

    def __init__(
        self,
        parent: QWidget,
        act: Actions,
        payments: PaymentService,
        method: MethodInfo,
        due: Money,
    ):
        label = method.label
        super().__init__(
            parent,
            QCoreApplication.translate("GatewayDialog", "{method} payment").format(method=label),
        )
        self.method = method
        self.method_code = method.code
        self.act = act
        self.payments = payments
        self.due = due
        self.attempt: AttemptView | None = None
        self._polls = 0
        # one width for the dialog's whole life: it never jumps as messages come and go
        # (the layout's own minimum rules, see KauntaDialog.open, so it is set there)
        self.setMaximumWidth(DIALOG_WIDTH)
        self.layout_ = QVBoxLayout(self)
        head = QLabel(self.tr("{label}: due {due}").format(label=label, due=due), self)
        set_role(head, "title")
        self.layout_.addWidget(head)
        self.amount = QLineEdit(due.amount_text().replace(",", ""), self)
        self.amount.setPlaceholderText(
            self.tr("Amount in {currency} (less than due = split)").format(currency=due.currency)
        )
        self.amount.textChanged.connect(self._requote)
        self.layout_.addWidget(QLabel(self.tr("Amount"), self))
        self.layout_.addWidget(self.amount)
        self.quote_label = QLabel("", self)
        self.quote_label.setWordWrap(True)
        self.quote_label.setMinimumHeight(40)
        self.layout_.addWidget(self.quote_label)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        # room for three lines: gateways' words are long, and the buttons must stay put
        self.status.setMinimumHeight(STATUS_HEIGHT)
        self.status.setMinimumWidth(DIALOG_WIDTH - 2 * DIALOG_MARGIN)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.message.setMinimumHeight(STATUS_HEIGHT // 2)
        self.countdown = QLabel("", self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self.phone: QLineEdit | None = None
        self.qr: QLabel | None = None
        self._sending = False  # a start is on its way to the gateway
        self._warned = False  # the cashier was told the customer can still pay
        description = method.description
        if description.needs_phone:
            self.layout_.addWidget(QLabel(i18n.text(description.phone_label), self))
            self.phone = QLineEdit(self)
            self.phone.setPlaceholderText(i18n.text(description.phone_placeholder))
            # digits and what people put between them; letters never get in
            self.phone.setValidator(
                QRegularExpressionValidator(QRegularExpression(r"[0-9 +()\-]{0,20}"), self)
            )
            self.phone.textChanged.connect(self._check_phone)
            self.phone.returnPressed.connect(self.send)
            self.layout_.addWidget(self.phone)
            self.phone_hint = QLabel("", self)
            self.phone_hint.setMinimumHeight(24)
            self.layout_.addWidget(self.phone_hint)
            self.layout_.addWidget(_digit_pad(self, self.phone))
        #: the method's keyed fields (an approval code off a terminal's slip), by name
        self.keyed: dict[str, QLineEdit] = {}
        for spec in description.keyed_fields:
            self.layout_.addWidget(QLabel(i18n.text(spec.label), self))
            edit = QLineEdit(self)
            edit.setObjectName(f"keyed_{spec.name}")
            edit.setPlaceholderText(i18n.text(spec.placeholder))
            edit.setMaxLength(spec.max_length)
            if spec.digits_only:
                edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]*"), edit))
            edit.textChanged.connect(self.message.clear)
            edit.returnPressed.connect(self._keyed_enter)
            self.layout_.addWidget(edit)
            self.keyed[spec.name] = edit
        if self.keyed:
            self.layout_.addWidget(_digit_pad(self, self._keyed_target))
        if description.dialog is DialogKind.QR:
            self.qr = QLabel(self.tr("The QR code appears here after Send."), self)
            self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.qr.setMinimumSize(280, 280)
            self.layout_.addWidget(self.qr)
        self.finish_layout()
        (self.phone or next(iter(self.keyed.values()), None) or self.amount).setFocus()

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.countdown)
        self.layout_.addWidget(self.message)
        # a method whose approval is keyed in (a bank terminal's slip) sends nothing: it records
        label = self.tr("Record payment") if self.keyed else self.tr("Send request")
        self.send_button = self.add_buttons(self.layout_, label, self.send)
        self._requote()

    # -- amount -----------------------------------------------------------------------------
    def _amount(self) -> Money | None:
        try:
            amount = Money.parse(self.amount.text() or "0", self.due.currency)
        except DomainError as exc:
            self.quote_label.setText(i18n.describe(exc))
            return None
        return amount

    def _requote(self) -> None:
        amount = self._amount()
        if amount is None or amount.minor <= 0:
            return
        try:
            quote = self.payments.quote(self.method_code, amount)
        except Exception as exc:
            self.quote_label.setText(describe_error(exc))
            return
        # written here, not with quote.describe() (English: "= … at …", "includes …")
        if quote.rate:
            said = self.tr("The customer pays {amount} = {applied} at {rate}").format(
                amount=quote.tender, applied=quote.applied, rate=quote.rate
            )
        else:
            said = self.tr("The customer pays {describe}").format(describe=quote.tender)
        if quote.rounding:
            said += " " + self.tr("(includes {rounding} rounding: whole shillings)").format(
                rounding=quote.rounding.amount_text()
            )
        self.quote_label.setText(said)

    def request_args(self) -> dict[str, str]:
        return {"phone": self.phone.text().strip()} if self.phone is not None else {}

    def keyed_values(self) -> dict[str, str]:
        """What the cashier keyed into the method's fields (checked by the service)."""
        return {name: edit.text().strip() for name, edit in self.keyed.items()}

    def _keyed_enter(self) -> None:
        """Enter in a keyed field: on to the next empty one, or send when all are typed."""
        empty = next((e for e in self.keyed.values() if not e.text().strip()), None)
        if empty is not None:
            empty.setFocus()
        else:
            self.send()

    def _keyed_target(self) -> QLineEdit:
        """Where the number pad types: the keyed field with the focus, else the first
        one not filled yet, else the last."""
        edits = list(self.keyed.values())
        focused = next((e for e in edits if e.hasFocus()), None)
        if focused is not None:
            return focused
        specs = self.method.description.keyed_fields
        empty = (e for e, spec in zip(edits, specs, strict=True) if len(e.text()) < spec.min_length)
        return next(empty, edits[-1])

    def _check_phone(self) -> None:
        if self.phone is None:
            return
        self.message.clear()  # an error about the old number is no longer true
        check = self.payments.check_phone(self.method_code, self.phone.text().strip())
        if check.problem:
            problem = check.problem  # the method's words, in the cashier's language
            shown = i18n.render(problem) if isinstance(problem, Message) else i18n.text(problem)
            show_message(self.phone_hint, shown, error=True)
        elif check.complete:
            show_message(self.phone_hint, self.tr("OK"), error=False)
        else:
            self.phone_hint.clear()

    # -- sending and following ---------------------------------------------------------------
    def send(self) -> None:
        if self.attempt is not None and not self.attempt.final:
            return  # one request at a time
        amount = self._amount()
        if amount is None:
            return
        extra = self.request_args()
        keyed = self.keyed_values() or None
        self.message.clear()
        self.send_button.setEnabled(False)
        self.status.setText(self.tr("Sending the request…"))
        self._sending = True
        self._warned = False

        def failed(error: BaseException) -> None:
            self._sending = False
            self.send_button.setEnabled(True)
            self.status.setText("")
            said = describe_error(error)
            if self.phone is not None and said == self.phone_hint.text():
                self.phone_hint.clear()  # said once, on the message line, not twice
            self.show_error(said)

        self.act.steps(
            lambda: self.payments.start_steps(self.method_code, amount, keyed=keyed, **extra),
            self.show_attempt,
            failed,
        )

    def show_attempt(self, view: AttemptView) -> None:
        self._sending = False
        self.attempt = view
        if view.state is AttemptState.CAPTURED and not view.late:
            self._stop()
            self.status.setText(self.tr("Paid: {tender}. Thank you!").format(tender=view.tender))
            self.sig_paid.emit(view)
            self.accept()
            return
        self.on_attempt(view)
        if view.final or view.late:
            self._stop()
            self.status.setText(i18n.text(view.message))
            if view.late:
                self.show_error(
                    self.tr("Paid after the till stopped waiting: the manager is alerted.")
                )
            self.send_button.setEnabled(view.retry_allowed)
            self.send_button.setText(self.tr("Send again") + "\nEnter")
            return
        self.status.setText(i18n.text(view.message))
        self._tick()
        self._clock.start(1000)
        self._timer.start(int(poll_delay(self.payments.settings.poll_schedule, self._polls) * 1000))

    def on_attempt(self, view: AttemptView) -> None:
        """The QR code of the action link, for methods that show one."""
        if self.qr is None:
            return
        if view.action_url and not view.final:
            self.qr.setPixmap(qr_pixmap(view.action_url))
            self.qr.setToolTip(view.action_url)
        elif view.final:
            self.qr.setText("")

    def _poll(self) -> None:
        if self.attempt is None:
            return
        attempt_id = self.attempt.attempt_id
        self._polls += 1

        def failed(error: BaseException) -> None:
            self.show_error(describe_error(error))
            self._timer.start(3000)

        self.act.steps(lambda: self.payments.poll_steps(attempt_id), self.show_attempt, failed)

    def _tick(self) -> None:
        if self.attempt is None:
            return
        left = int((self.attempt.deadline - datetime.now(UTC)).total_seconds())
        self.countdown.setText(
            self.tr("Waiting for the customer: {seconds} s left").format(seconds=left)
            if left > 0
            else self.tr("Checking…")
        )

    def _stop(self) -> None:
        self._timer.stop()
        self._clock.stop()
        self.countdown.setText("")

    def _waiting(self) -> bool:
        """A request went out and has no final answer yet (or its answer is on its way)."""
        if self.attempt is None:
            return self._sending
        return not self.attempt.final and not self.attempt.late

    def payment_in_progress(self) -> bool:
        """A request went out and has no final answer yet: the idle lock waits for it
        (``MainWindow.lock``)."""
        return self._waiting()

    def waits_for_customer(self) -> bool:
        """A request waits on the customer's own phone (M-Pesa, PayPal): the first Esc
        only warns, since the customer can still pay."""
        return self._waiting() and self.method.customer_device

    def open(self) -> None:
        """Open over the basket, beside the totals panel (TOTAL and what is due stay in
        view): centred in the room left of it, narrower if that room is (1024x768)."""
        parent = self.parentWidget()
        keep_clear = getattr(parent, "keep_clear", None)
        room: QRect | None = None
        if parent is not None and callable(keep_clear):
            top = parent.window()
            corner = top.mapToGlobal(top.rect().topLeft())
            clear = keep_clear()
            assert isinstance(clear, QRect)
            room = QRect(corner.x(), corner.y(), clear.left() - corner.x(), top.height())
            # the window manager's frame is not known before the first show: allow for one
            frame = 2 * PLACE_GAP + max(
                self.frameGeometry().width() - self.width(), FRAME_ALLOWANCE
            )
            width = max(min(DIALOG_WIDTH, room.width() - frame), MIN_DIALOG_WIDTH)
            self.setMaximumWidth(width)
            self.status.setMinimumWidth(width - 2 * DIALOG_MARGIN)
        super().open()
        if room is None:
            return
        outer = self.frameGeometry()
        x = room.left() + max((room.width() - outer.width()) // 2, PLACE_GAP)
        x = max(min(x, room.right() + 1 - PLACE_GAP - outer.width()), room.left())
        self.move(x + (self.x() - outer.x()), self.y())

    def reject(self) -> None:
        """Close; a request still waiting is abandoned (and still resolved later).

        When the customer acts on their own phone, the first Esc only warns: they can still
        approve there, and then the sale completes by itself (its receipt is shown)."""
        if self.waits_for_customer() and not self._warned:
            self._warned = True
            self.show_error(
                self.tr(
                    "The customer can still approve this {label} request on their phone. "
                    "Press Esc again to stop waiting: if they pay later, the sale "
                    "completes by itself and its receipt is shown."
                ).format(label=self.method.label)
            )
            return
        self._stop()
        if self.attempt is not None and not self.attempt.final and not self.attempt.late:
            attempt_id = self.attempt.attempt_id
            self.act.steps(lambda: self.payments.cancel_steps(attempt_id), lambda _v: None)
        super().reject()
