"""Shift dialogs: open with the float counted, cash in or out, no sale, and the blind close.

Every service call goes through :class:`pos.ui.actions.Actions` (the till worker, with an
approval dialog when a limit needs a manager). The close is blind: the count is entered
first and the expected figures are shown only in its result.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import DomainError
from pos.domain.money import Money
from pos.services.shifts import KINDS_IN, KINDS_OUT, CloseResult, ShiftView
from pos.services.zreports import tender_label
from pos.ui import i18n
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
    """The blind count: notes and coins, what each other tender took, a note; the result
    shows expected vs counted per tender.

    The other tenders asked for are the methods that took money in this shift (M-Pesa by
    its statement, a card by its terminal's batch total), named as people read them and,
    like the drawer, without what they should come to: that is shown only after closing.
    """

    def __init__(
        self, parent: QWidget, actions: Actions, on_closed: Callable[[CloseResult], None]
    ) -> None:
        super().__init__(parent, self.tr("Close the shift"))
        self._actions = actions
        self._on_closed = on_closed
        self.result_: CloseResult | None = None
        #: method code -> the field its count is typed into (filled once the till worker
        #: has said which methods took money in this shift)
        self.other_counts: dict[str, QLineEdit] = {}
        self._tenders_known = False
        layout = QVBoxLayout(self)
        _title(self, layout, self.tr("Close the shift: count the drawer"))
        self.counter = DenominationCounter(self, actions.terminal.ctx.currency)
        layout.addWidget(self.counter)
        self.others = QFormLayout()
        layout.addLayout(self.others)
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
        shifts = actions.terminal.shifts
        actions.call(shifts.tenders_to_count, self._ask_for, self._not_read)

    def _ask_for(self, codes: list[str]) -> None:
        """One count field per non-cash tender of the shift, labelled by its name."""
        currency = self._actions.terminal.ctx.currency
        for code in codes:
            field = QLineEdit(self)
            field.setPlaceholderText(
                self.tr("Counted in {currency}, e.g. 1500.00").format(currency=currency)
            )
            field.setMinimumHeight(TOUCH_HEIGHT)
            self.clears_errors(field)
            self.others.addRow(
                self.tr("{method} counted").format(method=self._tender_label(code)), field
            )
            self.other_counts[code] = field
        self._tenders_known = True

    def _not_read(self, error: BaseException) -> None:
        """The tenders could not be read (no shift open, say): the error is shown and the
        close, if tried, says its own."""
        self._tenders_known = True
        self._failed(error)

    def _counted_others(self) -> dict[str, Money] | None:
        """The other tenders' counts, or None (with the error shown) when one is empty
        or not an amount: a count left out would silently pass as expected."""
        currency = self._actions.terminal.ctx.currency
        counts: dict[str, Money] = {}
        for code, field in self.other_counts.items():
            typed = field.text().strip()
            label = self._tender_label(code)
            if not typed:
                self.show_error(
                    self.tr("Count {method}: type what it took (0 if nothing).").format(
                        method=label
                    )
                )
                field.setFocus()
                return None
            try:
                counts[code] = Money.parse(typed, currency)
            except DomainError as error:
                self.show_error(f"{label}: {describe_error(error)}")
                field.setFocus()
                return None
        return counts

    def _close(self) -> None:
        if self.result_ is not None:  # closed already: this button now says "Done"
            self.accept()
            return
        if not self._tenders_known:  # the tenders to count are still being read
            return
        others = self._counted_others()
        if others is None:
            return
        pieces = self.counter.pieces()
        note = self.note.text()
        shifts = self._actions.terminal.shifts
        self._actions.run(
            lambda a: shifts.close(pieces, note, others, a), self._closed, self._failed
        )

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))

    def _tender_label(self, code: str) -> str:
        return i18n.text(tender_label(code, self._actions.terminal.payments))

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
                self.tr(
                    "{method}: expected {expected}, counted {counted}: difference {difference}."
                ).format(
                    method=self._tender_label(check.method),
                    expected=Money(check.expected, currency),
                    counted=Money(check.counted, currency),
                    difference=Money(check.difference, currency),
                )
            )
        self.outcome.setText("\n".join(lines))
        self.counter.setEnabled(False)
        for field in self.other_counts.values():
            field.setEnabled(False)
        self.note.setEnabled(False)
        self.ok_button.setText(self.tr("Done") + "\nEnter")
        self._on_closed(result)
