"""Manager-only payment settings: type the gateway keys, save them to the OS keyring,
and test each connection. Stored values are never shown again, only whether they are set."""

from __future__ import annotations

import functools

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from pos.services.gateway_settings import FieldStatus, GatewaySettingsService
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import action_button, set_role, show_message


class SettingsDialog(KauntaDialog):
    def __init__(
        self,
        parent: QWidget,
        act: Actions,
        service: GatewaySettingsService,
        fields: list[FieldStatus],
        training: bool,
    ) -> None:
        super().__init__(parent, "Payment settings")
        self.act = act
        self.service = service
        layout = QVBoxLayout(self)
        title = QLabel("Payment settings (manager)", self)
        set_role(title, "title")
        layout.addWidget(title)
        where = (
            "Training mode: keys typed here stay in memory for this session only; the "
            "tests go to the local sandboxes."
            if training
            else "Keys are stored in this computer's keyring, never in files or the database."
        )
        note = QLabel(where, self)
        note.setWordWrap(True)
        note.setMinimumHeight(40)
        layout.addWidget(note)
        form = QFormLayout()
        self.inputs: dict[str, QLineEdit] = {}
        current = ""
        for status in fields:
            if status.field.method != current:
                current = status.field.method
                heading = QLabel(status.field.method_label, self)
                set_role(heading, "subtitle")
                form.addRow(heading)
            edit = QLineEdit(self)
            if status.field.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("saved - type to replace" if status.is_set else "not set")
            self.inputs[status.field.name] = edit
            form.addRow(status.field.label, edit)
        layout.addLayout(form)
        layout.addWidget(self.message)
        tests = QHBoxLayout()
        methods = dict.fromkeys((f.field.method, f.field.method_label) for f in fields)
        for code, label in methods:
            tests.addWidget(
                action_button(self, f"Test {label}", None, functools.partial(self.test, code))
            )
        layout.addLayout(tests)
        self.add_buttons(layout, "Save", self.save)

    def save(self) -> None:
        values = {name: edit.text() for name, edit in self.inputs.items() if edit.text().strip()}
        if not values:
            self.show_error("Nothing typed: nothing to save.")
            return

        def saved(changed: list[str]) -> None:
            for name in changed:
                self.inputs[name].clear()
                self.inputs[name].setPlaceholderText("saved - type to replace")
            show_message(self.message, f"Saved {len(changed)} setting(s).", error=False)

        self.act.call(
            lambda: self.service.save(values),
            saved,
            lambda e: self.show_error(describe_error(e)),
        )

    def test(self, method: str) -> None:
        show_message(self.message, "Testing…", error=False)
        self.act.steps(
            lambda: self.service.test_connection_steps(method),
            lambda text: show_message(self.message, text, error=False),
            lambda e: self.show_error(describe_error(e)),
        )
