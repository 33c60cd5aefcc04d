"""Manager-only payment settings: type the gateway keys, save them to the OS keyring,
and test each connection. Stored values are never shown again, only whether they are set.

In training mode nothing here reaches a real gateway: the methods talk to the local
sandboxes with the sandboxes' own demo keys, and keys typed here stay in memory, unused.
The dialog says so, so that a passing test never reads as "your keys work".
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from pos.domain.messages import Message
from pos.services.gateway_settings import FieldStatus, GatewaySettingsService
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import action_button, set_role

#: what the placeholder of an empty field says
NOT_SET = i18n.QT_TRANSLATE_NOOP("SettingsDialog", "not set")
#: training: the sandbox's own keys are used
NOT_SET_TRAINING = i18n.QT_TRANSLATE_NOOP("SettingsDialog", "not set (demo keys)")
SAVED = i18n.QT_TRANSLATE_NOOP("SettingsDialog", "saved - type to replace")


class SettingsDialog(KauntaDialog):
    """The keyring fields every payment method declares, Save, and a test per method."""

    def __init__(
        self,
        parent: QWidget,
        act: Actions,
        service: GatewaySettingsService,
        fields: list[FieldStatus],
        training: bool,
    ) -> None:
        super().__init__(parent, QCoreApplication.translate("SettingsDialog", "Payment settings"))
        self.act = act
        self.service = service
        self.training = training
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Payment settings (manager)"), self)
        set_role(title, "title")
        layout.addWidget(title)
        where = (
            self.tr(
                "Training mode: payments and tests go to the local training sandboxes, which "
                "use their own demo keys. Keys typed here stay in memory for this session "
                "only and are not used."
            )
            if training
            else self.tr(
                "Keys are stored in this computer's keyring, never in files or the database."
            )
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
            empty = NOT_SET_TRAINING if training else NOT_SET
            edit.setPlaceholderText(self.tr(SAVED if status.is_set else empty))
            # the placeholder whole in either language ("haijawekwa (funguo za mfano)")
            edit.ensurePolished()  # the style sheet's font, not the default one
            metrics = edit.fontMetrics()
            widest = max(metrics.horizontalAdvance(self.tr(t)) for t in (SAVED, empty))
            edit.setMinimumWidth(widest + 28)
            self.inputs[status.field.name] = edit
            form.addRow(i18n.text(status.field.label), edit)
        layout.addLayout(form)
        layout.addWidget(self.message)
        tests = QHBoxLayout()
        methods = dict.fromkeys((f.field.method, f.field.method_label) for f in fields)
        self.labels: dict[str, str] = dict(methods.keys())  # method code -> label
        for code, label in methods:
            tests.addWidget(
                action_button(
                    self,
                    self.tr("Test {label}").format(label=label),
                    None,
                    functools.partial(self.test, code),
                )
            )
        layout.addLayout(tests)
        self.add_buttons(layout, self.tr("Save"), self.save)

    def save(self) -> None:
        values = {name: edit.text() for name, edit in self.inputs.items() if edit.text().strip()}
        if not values:
            self.show_error(self.tr("Nothing typed: nothing to save."))
            return

        def saved(changed: list[str]) -> None:
            for name in changed:
                self.inputs[name].clear()
                self.inputs[name].setPlaceholderText(self.tr(SAVED))
            self.show_info(
                self.tr("Saved 1 setting.")
                if len(changed) == 1
                else self.tr("Saved {count} settings.").format(count=len(changed))
            )

        self.act.call(
            lambda: self.service.save(values),
            saved,
            lambda e: self.show_error(describe_error(e)),
        )

    def test(self, method: str) -> None:
        """Test one method's connection; the answer replaces "Testing…"."""
        self.show_info(self.tr("Testing…"))

        def passed(answer: str | Message) -> None:
            if self.training:
                # what was proven: the sandbox answered its demo keys (not the typed ones)
                label = self.labels.get(method) or method
                shown = self.tr(
                    "{method}: connected to the training sandbox with its demo keys."
                ).format(method=label)
            elif isinstance(answer, Message):
                shown = i18n.render(answer)
            else:
                shown = i18n.text(answer)  # the method's fixed sentence
            self.show_info(shown)

        self.act.steps(
            lambda: self.service.test_connection_steps(method),
            passed,
            lambda e: self.show_error(describe_error(e)),
        )
