"""Dialogs of the sale screen. All are window-modal and non-blocking (``open()``):
they report through signals, so the GUI thread never waits inside a nested loop."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QCoreApplication, QEvent, QRegularExpression, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import DomainError
from pos.domain.money import Money
from pos.domain.receipt import Receipt, render_text
from pos.domain.sale import Discount
from pos.services.auth import UserSummary
from pos.services.etims import KraBlock
from pos.ui import i18n
from pos.ui.widgets import (
    TOUCH_HEIGHT,
    Keypad,
    UserPicker,
    action_button,
    clear_error,
    message_label,
    set_role,
    show_message,
)

QUICK_NOTES = (50, 100, 200, 500, 1000)
#: room kept for a window manager's title bar above a dialog before it is first shown
TITLE_BAR = 32
#: the parked-sales list: wide enough for time, items, total and a short note on one line
PARKED_LIST_WIDTH = 600
#: room around a parked sale's text: its row is a touch target (at least 44 px)
PARKED_ROW_STYLE = (
    "QListWidget { font-size: 17px; }"
    "QListWidget::item { padding: 12px 8px; border-bottom: 1px solid #dde2e8; color: #1f2933; }"
    "QListWidget::item:selected { background: #1f5fa8; color: white; }"
)


class KauntaDialog(QDialog):
    """Base of the till's dialogs: window-modal, with one message line.

    The message line holds one message at a time (a new one replaces the last) and an
    error leaves it as soon as the person edits what it was about (:meth:`clears_errors`).
    """

    def __init__(self, parent: QWidget, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.message = message_label(self)

    def open(self) -> None:
        """Open window-modal, never smaller than the layout needs (no window manager on
        kiosk tills shrinks dialogs otherwise), centred on the parent window and inside
        it."""
        layout = self.layout()
        if layout is not None:
            layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.ensurePolished()  # the style sheet's sizes, before measuring
        self.adjustSize()
        self._fit_width()
        self._fit_height()
        parent = self.parentWidget()
        if parent is not None:
            top = parent.window()
            corner = top.mapToGlobal(top.rect().topLeft())
            x = corner.x() + (top.width() - self.width()) // 2
            y = corner.y() + (top.height() - self.height()) // 2
            self.move(max(x, corner.x()), max(y, corner.y(), 0))
        super().open()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit_height()  # a message or title that now wraps onto more lines
        return handled

    def _fit_width(self) -> None:
        """Widen to the width the layout asks for, up to the screen's.

        ``adjustSize`` keeps a window within two thirds of the screen's width: 682 px on a
        1024x768 till, where the manager's three columns of tools need about 760, so Qt
        squeezed the buttons below their texts ("Set my PIN (head-office code)" lost both
        ends)."""
        free = self.screen().availableGeometry()
        frame = max(self.frameGeometry().width() - self.geometry().width(), 0)
        wanted = min(self.sizeHint().width(), free.width() - frame)
        if wanted > self.width():
            self.resize(wanted, self.height())

    def refit_width(self) -> None:
        """Widen an open dialog whose texts grew after it opened (a count that arrives from
        the till worker), as far as the screen, moved left if it would cross the screen's
        right edge: otherwise its layout squeezes every button of the row instead."""
        layout = self.layout()
        if layout is not None:
            layout.invalidate()  # the grown text's size, not the one cached
            layout.activate()
        self._fit_width()
        free = self.screen().availableGeometry()
        overflow = self.frameGeometry().right() - free.right()
        if overflow > 0:
            self.move(max(free.left(), self.x() - overflow), self.y())

    def _fit_height(self) -> None:
        """Grow to the height the layout needs at the dialog's width.

        Qt's minimum size leaves out word-wrapped labels' extra lines (a title that wraps
        onto three lines at this width), so without this the rows below them are pressed
        together: keypad keys over one another, the last row cut off.
        """
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth():
            return
        free = self.screen().availableGeometry()
        title = max(self.frameGeometry().height() - self.geometry().height(), TITLE_BAR)
        # no taller than the screen (a dialog grown past a 1024x768 till's screen puts its
        # buttons out of reach: its tables and text boxes give up their extra rows
        # instead), never below what its layout must have
        room = max(free.height() - title, self.minimumSizeHint().height())
        needed = min(layout.totalHeightForWidth(self.width()), room)
        if needed > self.height():
            self.resize(self.width(), needed)
            overflow = self.frameGeometry().bottom() - free.bottom()
            if overflow > 0:  # grown while open: up, as far as the screen's top
                self.move(self.x(), max(free.top(), self.y() - overflow))

    def show_error(self, text: str) -> None:
        """An error on the message line, in place of whatever it said."""
        show_message(self.message, text, error=True)

    def show_info(self, text: str) -> None:
        """Information on the message line, in place of whatever it said (a stale
        error included)."""
        show_message(self.message, text, error=False)

    def clears_errors(self, field: QLineEdit) -> None:
        """An error goes as soon as ``field`` changes: it was about what was there."""
        field.textChanged.connect(lambda _text: clear_error(self.message))

    def add_buttons(
        self, layout: QVBoxLayout, ok_text: str, on_ok: Callable[[], None], *middle: QWidget
    ) -> QPushButton:
        """The bottom row: Cancel (Esc), any ``middle`` buttons, the primary action (Enter)."""
        row = QHBoxLayout()
        row.addWidget(action_button(self, self.tr("Cancel"), "Esc", self.reject))
        for widget in middle:
            row.addWidget(widget)
        ok = action_button(self, ok_text, "Enter", on_ok, role="primary")
        row.addWidget(ok)
        layout.addLayout(row)
        return ok


class TenderDialog(KauntaDialog):
    """Cash tender: amount due, keypad, quick notes, live change; Enter completes.

    Enter with nothing typed means the customer handed over exactly the cash due (as on
    Square's and Loyverse's tills) and the primary button says so; a part payment always
    needs its amount typed.
    """

    sig_pay = Signal(object, bool)  # Money tendered, partial?
    sig_other_method = Signal(str)  # pay by another method instead (its code)

    def __init__(
        self,
        parent: QWidget,
        due: Money,
        exact_due: Money,
        methods: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        """``methods``: (code, label, shortcut) of the other ways to pay offered here."""
        super().__init__(parent, QCoreApplication.translate("TenderDialog", "Cash payment"))
        self.due = due
        self._busy = False
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Cash due: {due}").format(due=due), self)
        set_role(head, "total")
        layout.addWidget(head)
        if due != exact_due:
            diff = due - exact_due
            layout.addWidget(
                QLabel(
                    self.tr("Total {exact_due}, cash rounding {amount_text}").format(
                        exact_due=exact_due, amount_text=diff.amount_text()
                    ),
                    self,
                )
            )
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(self.tr("Amount received (nothing typed: exact)"))
        self.amount.textChanged.connect(self._update_change)
        self.amount.returnPressed.connect(self._complete)
        layout.addWidget(self.amount)
        self.change = QLabel("", self)
        set_role(self.change, "title")
        layout.addWidget(self.change)
        quick = QHBoxLayout()
        exact = QPushButton(
            self.tr("Exact\n{amount_text}").format(amount_text=due.amount_text()), self
        )
        exact.setMinimumHeight(TOUCH_HEIGHT)
        exact.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        exact.setAutoDefault(False)
        exact.clicked.connect(lambda: self.amount.setText(due.amount_text().replace(",", "")))
        quick.addWidget(exact)
        for note in QUICK_NOTES:
            b = QPushButton(f"+{note}", self)
            b.setToolTip(
                self.tr("Add a {currency} {note} note").format(currency=due.currency, note=note)
            )
            b.setMinimumHeight(TOUCH_HEIGHT)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setAutoDefault(False)
            b.clicked.connect(lambda _=False, n=note: self._add_note(n))
            quick.addWidget(b)
        layout.addLayout(quick)
        layout.addWidget(Keypad(self.amount, self))  # amounts: "00" and "."
        layout.addWidget(self.message)
        if methods:
            others = QHBoxLayout()
            others.addWidget(QLabel(self.tr("Or:"), self))
            for code, label, key in methods:
                others.addWidget(
                    action_button(
                        self,
                        label,
                        key,
                        functools.partial(self.sig_other_method.emit, code),
                        role="primary",
                    )
                )
            layout.addLayout(others)
        self.partial = action_button(self, self.tr("Part payment"), "Ctrl+P", self._partial)
        self.complete = self.add_buttons(layout, self.tr("Complete"), self._complete, self.partial)
        self._update_change()
        self.amount.setFocus()

    def set_busy(self, busy: bool) -> None:
        """While a payment is being recorded, nothing can be submitted twice."""
        for button in (self.complete, self.partial):
            button.setEnabled(not busy)
        self.amount.setReadOnly(busy)
        self._busy = busy

    def _tendered(self) -> Money | None:
        text = self.amount.text().strip()
        if not text:
            return None
        if text.isdigit() and len(text) >= 8:
            self.show_error(
                self.tr(
                    "That looks like a barcode, not cash. Cancel the payment (Esc) to scan "
                    "more items."
                )
            )
            return None
        try:
            return Money.parse(text, self.due.currency)
        except DomainError as exc:
            self.show_error(i18n.describe(exc))
            return None

    def _add_note(self, note: int) -> None:
        current = self._tendered() or Money.zero(self.due.currency)
        total = current + Money.parse(str(note), self.due.currency)
        self.amount.setText(total.amount_text().replace(",", ""))

    def _update_change(self) -> None:
        clear_error(self.message)
        typed = bool(self.amount.text().strip())
        complete = self.tr("Complete")
        exact = (
            self.tr("Pay exact {amount}").format(amount=self.due.amount_text())
            if self.due
            else complete
        )
        self.complete.setText((complete if typed else exact) + "\nEnter")
        tendered = self._tendered()
        if tendered is None:
            self.change.setText("")
        elif tendered >= self.due:
            self.change.setText(self.tr("Change: {amount}").format(amount=tendered - self.due))
        else:
            self.change.setText(self.tr("Still due: {amount}").format(amount=self.due - tendered))

    def _complete(self) -> None:
        if self._busy:
            return
        if not self.amount.text().strip():
            # nothing typed: exactly the cash due was handed over (nothing, if none is due)
            self.sig_pay.emit(self.due, False)
            return
        tendered = self._tendered()
        if tendered is not None:  # else the message line says what is wrong with it
            self.sig_pay.emit(tendered, False)

    def _partial(self) -> None:
        if self._busy:
            return
        tendered = self._tendered()
        if tendered is None:
            self.show_error(self.tr("Type the part the customer pays in cash now."))
            return
        self.sig_pay.emit(tendered, True)


class ApprovalDialog(KauntaDialog):
    """A supervisor or manager approves on the spot with their PIN."""

    sig_approve = Signal(str, str)  # approver user id, PIN

    def __init__(self, parent: QWidget, action: str, approvers: list[UserSummary]) -> None:
        super().__init__(parent, QCoreApplication.translate("ApprovalDialog", "Approval needed"))
        layout = QVBoxLayout(self)
        title = QLabel(action, self)
        title.setWordWrap(True)
        set_role(title, "title")
        layout.addWidget(title)
        layout.addWidget(QLabel(self.tr("Approver: choose your name and enter your PIN."), self))
        self.picker = UserPicker(self, columns=4)
        self.picker.set_users(
            [(u.user_id, f"{u.name}\n{i18n.role_name(u.role.value)}") for u in approvers]
        )
        layout.addWidget(self.picker)
        self.pin = QLineEdit(self)
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(self.tr("PIN"))
        self.pin.returnPressed.connect(self._approve)
        layout.addWidget(self.pin)
        layout.addWidget(Keypad(self.pin, self, decimal=False))  # a PIN: digits only
        layout.addWidget(self.message)
        self.clears_errors(self.pin)
        self.picker.group.idClicked.connect(lambda _i: self._chose())
        self.add_buttons(layout, self.tr("Approve"), self._approve)
        if not approvers:
            self.show_error(self.tr("Nobody on this till can approve this; ask head office."))
        self.pin.setFocus()

    def select(self, user_id: str) -> None:
        self.picker.select(user_id)

    def _chose(self) -> None:
        """Another approver chosen: an error about the last one (a wrong PIN) is stale."""
        clear_error(self.message)
        self.pin.setFocus()

    def _approve(self) -> None:
        approver = self.picker.selected()
        if approver is None:
            self.show_error(self.tr("Choose who approves."))
            return
        pin = self.pin.text()
        self.pin.clear()
        if not pin:
            self.show_error(self.tr("Type your PIN."))
            return
        self.sig_approve.emit(approver, pin)


class NumberDialog(KauntaDialog):
    """Ask for one value: a quantity or a price, with a keypad.

    ``whole_number`` (quantities): the keypad has no "." or "00" and the field takes
    digits only; otherwise (prices) it is an amount keypad.
    """

    sig_value = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        title: str,
        prompt: str,
        initial: str = "",
        *,
        whole_number: bool = False,
    ) -> None:
        super().__init__(parent, title)
        layout = QVBoxLayout(self)
        label = QLabel(prompt, self)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.field = QLineEdit(initial, self)
        if whole_number:
            self.field.setValidator(
                QRegularExpressionValidator(QRegularExpression("[0-9]*"), self.field)
            )
        self.field.selectAll()
        self.field.returnPressed.connect(self._ok)
        layout.addWidget(self.field)
        self.keypad = Keypad(self.field, self, decimal=not whole_number)
        layout.addWidget(self.keypad)
        layout.addWidget(self.message)
        self.clears_errors(self.field)
        self.add_buttons(layout, self.tr("OK"), self._ok)
        self.field.setFocus()

    def _ok(self) -> None:
        self.sig_value.emit(self.field.text().strip())


class DiscountDialog(KauntaDialog):
    """A discount as a percent or an amount; "Remove" clears it."""

    sig_discount = Signal(object)  # Discount | None

    def __init__(self, parent: QWidget, title: str, currency: str, current: str = "") -> None:
        super().__init__(parent, title)
        self.currency = currency
        layout = QVBoxLayout(self)
        if current:
            layout.addWidget(
                QLabel(self.tr("Current discount: {current}").format(current=current), self)
            )
        kinds = QHBoxLayout()
        self.percent = QRadioButton(self.tr("Percent %"), self)
        self.amount = QRadioButton(self.tr("Amount {currency}").format(currency=currency), self)
        self.percent.setChecked(True)
        for r in (self.percent, self.amount):
            r.setMinimumHeight(40)
            r.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            kinds.addWidget(r)
        layout.addLayout(kinds)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText(self.tr("e.g. 10 for 10 %, or 50.00"))
        self.field.returnPressed.connect(self._ok)
        layout.addWidget(self.field)
        layout.addWidget(Keypad(self.field, self))  # percents and amounts
        layout.addWidget(self.message)
        self.clears_errors(self.field)
        self.percent.toggled.connect(lambda _on: clear_error(self.message))
        remove = action_button(self, self.tr("Remove discount"), None, self._remove, role="danger")
        remove.setEnabled(bool(current))
        self.add_buttons(layout, self.tr("Apply"), self._ok, remove)
        self.field.setFocus()

    def _ok(self) -> None:
        text = self.field.text().strip()
        try:
            if self.percent.isChecked():
                discount = Discount.of_percent(Decimal(text) if text else Decimal(0))
            else:
                discount = Discount.of_amount(Money.parse(text or "0", self.currency))
        except (DomainError, ArithmeticError, ValueError) as exc:
            self.show_error(  # the rule broken, or the typing, in the cashier's language
                i18n.describe(exc)
                if isinstance(exc, DomainError)
                else self.tr("{text} is not a number.").format(text=repr(text))
            )
            return
        self.sig_discount.emit(discount)

    def _remove(self) -> None:
        self.sig_discount.emit(None)


class ReasonDialog(KauntaDialog):
    """A reason (for a void) or a note (for parking), with quick choices."""

    sig_reason = Signal(str)

    def __init__(
        self, parent: QWidget, title: str, prompt: str, presets: tuple[str, ...], required: bool
    ) -> None:
        super().__init__(parent, title)
        self.required = required
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt, self))
        self.field = QLineEdit(self)
        grid = QGridLayout()
        for i, preset in enumerate(presets):
            b = QPushButton(preset, self)
            b.setMinimumHeight(TOUCH_HEIGHT)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, p=preset: self.field.setText(p))
            grid.addWidget(b, i // 2, i % 2)
        layout.addLayout(grid)
        self.field.returnPressed.connect(self._ok)
        layout.addWidget(self.field)
        layout.addWidget(self.message)
        self.clears_errors(self.field)  # a preset chosen or a reason typed
        self.add_buttons(layout, self.tr("OK"), self._ok)
        self.field.setFocus()

    def _ok(self) -> None:
        text = self.field.text().strip()
        if self.required and len(text) < 3:
            self.show_error(self.tr("Give a reason (at least 3 characters)."))
            return
        self.sig_reason.emit(text)


class ParkedDialog(KauntaDialog):
    """Pick a parked sale to bring back."""

    sig_recall = Signal(str)

    def __init__(self, parent: QWidget, rows: list[tuple[str, str]]) -> None:
        super().__init__(parent, QCoreApplication.translate("ParkedDialog", "Parked sales"))
        layout = QVBoxLayout(self)
        self.list = QListWidget(self)
        # the note is how the cashier finds the sale: wrap it, never scroll it out of view
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setStyleSheet(PARKED_ROW_STYLE)
        self.list.setMinimumSize(PARKED_LIST_WIDTH, 5 * TOUCH_HEIGHT)
        for sale_id, text in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, sale_id)
            self.list.addItem(item)
        if rows:
            self.list.setCurrentRow(0)
        else:
            self.show_info(self.tr("No parked sales on this till."))
        self.list.itemActivated.connect(lambda _item: self._ok())
        layout.addWidget(self.list)
        layout.addWidget(self.message)
        self.add_buttons(layout, self.tr("Recall"), self._ok).setEnabled(bool(rows))
        self.list.setFocus()

    def _ok(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.sig_recall.emit(item.data(Qt.ItemDataRole.UserRole))


class ReceiptDialog(KauntaDialog):
    """The receipt as it will print, with the change to hand back in large type."""

    def __init__(
        self,
        parent: QWidget,
        receipt: Receipt,
        change: Money | None,
        *,
        printing: bool = False,
        kra: KraBlock | None = None,
    ) -> None:
        """``printing``: the receipt went to the till's printer (``terminal.devices``).
        ``kra``: the KRA eTIMS block (signed, with its QR code, or the provisional mark)."""
        super().__init__(
            parent,
            QCoreApplication.translate("ReceiptDialog", "Receipt {number}").format(
                number=receipt.number
            ),
        )
        layout = QVBoxLayout(self)
        if change is not None:
            head = QLabel(self.tr("Change: {change}").format(change=change), self)
            set_role(head, "total")
            layout.addWidget(head)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        font: QFont = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(11)
        self.text.setFont(font)
        self._lines = render_text(receipt, say=i18n.receipt_say())
        self.text.setMinimumSize(460, 420)
        layout.addWidget(self.text)
        self.kra_qr = QLabel(self)
        self.kra_qr.hide()
        layout.addWidget(self.kra_qr, 0, Qt.AlignmentFlag.AlignHCenter)
        self.kra: KraBlock | None = None
        self.show_kra(kra)
        note = QLabel(
            self.tr(
                "Sent to the receipt printer.\nShow it again or print a copy any time with "
                "Last receipt (F9)."
            )
            if printing
            else self.tr(
                "No receipt printer is set up on this till.\nThe receipt is stored; show "
                "it again or print a copy any time with Last receipt (F9)."
            ),
            self,
        )
        layout.addWidget(note)
        buttons = QHBoxLayout()
        buttons.addWidget(
            action_button(self, self.tr("New sale"), "Enter", self.accept, role="primary")
        )
        layout.addLayout(buttons)

    def show_kra(self, kra: KraBlock | None) -> None:
        """Show the receipt with its KRA block: again with the signed block (and its QR
        code) once KRA signed a sale shown provisional. A provisional block that carries
        head office's customer page (an enrolled store) shows that page's QR code, as the
        printed receipt does, so the customer can scan it for the signed invoice later."""
        self.kra = kra
        say = i18n.receipt_say()  # the receipt's language(s), as the lines above
        self.text.setPlainText("\n".join([*self._lines, *(kra.text_lines(say=say) if kra else [])]))
        if kra is not None and kra.qr_url:
            from pos.ui.payment_dialogs import qr_pixmap  # (it imports this module)

            self.kra_qr.setPixmap(qr_pixmap(kra.qr_url, 160))
            self.kra_qr.setToolTip(kra.qr_url)
            self.kra_qr.show()
        else:
            self.kra_qr.clear()
            self.kra_qr.setToolTip("")
            self.kra_qr.hide()
