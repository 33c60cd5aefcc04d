"""Shift dialogs: open with the float counted, cash in or out, no sale, and the blind close.

Every service call goes through :class:`pos.ui.actions.Actions` (the till worker, with an
approval dialog when a limit needs a manager). The close is blind: the count is entered
first and the expected figures are shown only in its result.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from pos.domain.errors import DomainError
from pos.domain.money import Money
from pos.services.shifts import KINDS_IN, KINDS_OUT, CloseResult, ShiftView
from pos.services.zreports import tender_label
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.manager.denominations import DenominationCounter
from pos.ui.widgets import TOUCH_HEIGHT, set_role


def _title(dialog: KauntaDialog, layout: QVBoxLayout, text: str) -> None:
    head = QLabel(text, dialog)
    set_role(head, "title")
    head.setWordWrap(True)
    layout.addWidget(head)


class OpenShiftDialog(KauntaDialog):
    """Count the opening float, then open the shift."""

    def __init__(
        self, parent: QWidget, actions: Actions, on_open: Callable[[ShiftView], None]
    ) -> None:
        super().__init__(parent, self.tr("Open a shift"))
        self._actions = actions
        self._on_open = on_open
        layout = QVBoxLayout(self)
        _title(self, layout, self.tr("Open a shift: count the float in the drawer"))
        self.counter = DenominationCounter(self, actions.terminal.ctx.currency)
        layout.addWidget(self.counter)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Open shift"), self._open)

    def _open(self) -> None:
        pieces = self.counter.pieces()
        shifts = self._actions.terminal.shifts
        self._actions.call(lambda: shifts.open(pieces), self._opened, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))

    def _opened(self, view: ShiftView) -> None:
        self.accept()
        self._on_open(view)


class CashMoveDialog(KauntaDialog):
    """Cash into the drawer (``direction`` "in") or out of it ("out"), with a reason."""

    def __init__(
        self, parent: QWidget, actions: Actions, direction: str, on_done: Callable[[Money], None]
    ) -> None:
        title = self.tr("Cash in") if direction == "in" else self.tr("Cash out")
        super().__init__(parent, title)
        self._actions = actions
        self._direction = direction
        self._on_done = on_done
        layout = QVBoxLayout(self)
        _title(self, layout, title)
        self.kind = QComboBox(self)
        self.kind.setMinimumHeight(TOUCH_HEIGHT)
        names = {
            "float_top_up": self.tr("Float top-up"),
            "paid_in": self.tr("Paid in"),
            "paid_out": self.tr("Paid out (a purchase)"),
            "drop": self.tr("Drop to the safe"),
        }
        for kind in KINDS_IN if direction == "in" else KINDS_OUT:
            self.kind.addItem(names[kind], kind)
        layout.addWidget(self.kind)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText(self.tr("Amount, e.g. 500.00"))
        self.amount.setMinimumHeight(TOUCH_HEIGHT)
        self.clears_errors(self.amount)
        layout.addWidget(self.amount)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("Reason (what it was for)"))
        self.reason.setMinimumHeight(TOUCH_HEIGHT)
        self.clears_errors(self.reason)
        layout.addWidget(self.reason)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, title, self._go)

    def _go(self) -> None:
        currency = self._actions.terminal.ctx.currency
        try:
            amount = Money.parse(self.amount.text().strip() or "0", currency)
        except DomainError as error:
            self.show_error(describe_error(error))
            return
        kind = str(self.kind.currentData())
        reason = self.reason.text()
        shifts = self._actions.terminal.shifts
        move = shifts.cash_in if self._direction == "in" else shifts.cash_out
        self._actions.run(lambda a: move(amount, kind, reason, a), self._done, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))

    def _done(self, expected: Money) -> None:
        self.accept()
        self._on_done(expected)


class CloseShiftDialog(KauntaDialog):
    """The blind count: notes and coins, a note; the result shows expected vs counted."""

    def __init__(
        self, parent: QWidget, actions: Actions, on_closed: Callable[[CloseResult], None]
    ) -> None:
        super().__init__(parent, self.tr("Close the shift"))
        self._actions = actions
        self._on_closed = on_closed
        self.result_: CloseResult | None = None
        layout = QVBoxLayout(self)
        _title(self, layout, self.tr("Close the shift: count the drawer"))
        self.counter = DenominationCounter(self, actions.terminal.ctx.currency)
        layout.addWidget(self.counter)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("Note (needed when the count is off)"))
        self.note.setMinimumHeight(TOUCH_HEIGHT)
        self.clears_errors(self.note)
        layout.addWidget(self.note)
        self.outcome = QLabel("", self)
        self.outcome.setWordWrap(True)
        layout.addWidget(self.outcome)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Close shift"), self._close)

    def _close(self) -> None:
        if self.result_ is not None:  # closed already: this button now says "Done"
            self.accept()
            return
        pieces = self.counter.pieces()
        note = self.note.text()
        shifts = self._actions.terminal.shifts
        self._actions.run(lambda a: shifts.close(pieces, note, None, a), self._closed, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))

    def _tender_label(self, code: str) -> str:
        return tender_label(code, self._actions.terminal.payments)

    def _closed(self, result: CloseResult) -> None:
        self.result_ = result
        lines = [
            self.tr("Expected {expected}, counted {counted}: difference {difference}.").format(
                expected=result.expected, counted=result.counted, difference=result.difference
            )
        ]
        currency = result.expected.currency
        for check in result.tenders[1:]:
            lines.append(
                self.tr("{method}: expected {expected}, counted {counted}").format(
                    method=self._tender_label(check.method),
                    expected=Money(check.expected, currency),
                    counted=Money(check.counted, currency),
                )
            )
        self.outcome.setText("\n".join(lines))
        self.counter.setEnabled(False)
        self.note.setEnabled(False)
        self.ok_button.setText(self.tr("Done") + "\nEnter")
        self._on_closed(result)
