"""The manager settles money that arrived when no sale needed it: refund or credit."""

from __future__ import annotations

import functools

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from pos.services.payments import AttemptView, PaymentService
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import action_button, set_role, show_message


class LatePaymentsDialog(KauntaDialog):
    sig_settled = Signal()

    def __init__(
        self, parent: QWidget, act: Actions, payments: PaymentService, late: list[AttemptView]
    ) -> None:
        super().__init__(parent, QCoreApplication.translate("LatePaymentsDialog", "Late payments"))
        self.act = act
        self.payments = payments
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Money received that no open sale needed"), self)
        set_role(title, "title")
        layout.addWidget(title)
        help_text = QLabel(
            self.tr(
                "Give it back (through the gateway where it can refund; otherwise by a "
                "reversal or cash: say how in the note) or keep it as the customer's "
                "credit (name them in the note)."
            ),
            self,
        )
        help_text.setWordWrap(True)
        help_text.setMinimumHeight(40)
        layout.addWidget(help_text)
        grid = QGridLayout()
        self.notes: dict[str, QLineEdit] = {}
        for row, view in enumerate(late):
            line = (
                self.tr("{method} {amount} from {payer}").format(
                    method=view.label, amount=view.tender, payer=view.payer
                )
                if view.payer
                else f"{view.label} {view.tender}"
            )
            grid.addWidget(QLabel(line, self), row, 0)
            note = QLineEdit(self)
            note.setPlaceholderText(self.tr("note"))
            self.notes[view.attempt_id] = note
            grid.addWidget(note, row, 1)
            grid.addWidget(
                action_button(
                    self,
                    self.tr("Refund"),
                    None,
                    functools.partial(self.settle, view.attempt_id, "refund"),
                ),
                row,
                2,
            )
            grid.addWidget(
                action_button(
                    self,
                    self.tr("Keep as credit"),
                    None,
                    functools.partial(self.settle, view.attempt_id, "credit"),
                ),
                row,
                3,
            )
        layout.addLayout(grid)
        layout.addWidget(self.message)
        self.add_buttons(layout, self.tr("Done"), self.accept)

    def settle(self, attempt_id: str, action: str) -> None:
        note = self.notes[attempt_id].text()

        def done(_view: AttemptView) -> None:
            self.notes[attempt_id].setEnabled(False)
            show_message(self.message, self.tr("Settled and recorded."), error=False)
            self.sig_settled.emit()

        self.act.run_steps(
            lambda approval: self.payments.settle_late_steps(attempt_id, action, note, approval),
            done,
            lambda e: self.show_error(describe_error(e)),
        )
