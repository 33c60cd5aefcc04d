"""Set my PIN with a head-office code (Manager's tools → Set my PIN): a person added at
head office (or who forgot their PIN on an enrolled till) picks their name, types the
one-time code head office gave them and their new PIN twice. The code is the proof, so
whoever opened the manager's tools steps aside while they type; the service accepts each
code once on this till and before it expires.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from pos.services.headoffice import PinSetupPerson
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.manager.menu import ManagerMenu, MenuEntry
from pos.ui.widgets import set_role

EXAMPLE_CODE = "ABCD-1234-EF56-7890"  # the shape of a code (the same in every language)


class PinSetupDialog(KauntaDialog):
    """Name, one-time code, new PIN twice; Set PIN."""

    def __init__(self, parent: QWidget, actions: Actions) -> None:
        super().__init__(parent, self.tr("Set my PIN"))
        self._actions = actions
        self.people: list[PinSetupPerson] = []
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Set your PIN with the code from head office"), self)
        set_role(head, "title")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.hint = QLabel("", self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        form = QFormLayout()
        self.person = QComboBox(self)
        self.code = QLineEdit(self)
        self.code.setPlaceholderText(EXAMPLE_CODE)
        self.pin = QLineEdit(self)
        self.repeat = QLineEdit(self)
        for field in (self.pin, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(12)
        form.addRow(self.tr("Your name"), self.person)
        form.addRow(self.tr("Code from head office"), self.code)
        form.addRow(self.tr("New PIN"), self.pin)
        form.addRow(self.tr("New PIN again"), self.repeat)
        layout.addLayout(form)
        for field in (self.code, self.pin, self.repeat):
            field.setMinimumWidth(300)
            field.textEdited.connect(lambda _t: self.message.clear())
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Set PIN"), self.set_pin)
        self.refresh()

    def refresh(self) -> None:
        service = self._actions.terminal.headoffice
        self._actions.call(lambda: service.pin_setup_people(), self.show_people, self._failed)

    def show_people(self, people: list[PinSetupPerson]) -> None:
        self.people = people
        self.person.clear()
        for p in people:
            self.person.addItem(p.name, p.user_id)
        self.ok_button.setEnabled(bool(people))
        if people:
            self.hint.setText(
                self.tr(
                    "Only the person named types here. The code works once on this till, "
                    "for 24 hours from when head office made it."
                )
            )
        else:
            self.hint.setText(
                self.tr(
                    "Nobody on this till has a code waiting. Head office makes one (Staff, "
                    "Make a PIN set-up code); it arrives with the next sync."
                )
            )

    def set_pin(self) -> None:
        user_id = self.person.currentData()
        if not isinstance(user_id, str):
            return
        code, pin, repeat = self.code.text(), self.pin.text(), self.repeat.text()
        service = self._actions.terminal.headoffice
        name = self.person.currentText()
        self.ok_button.setEnabled(False)
        self._actions.call(
            lambda: service.set_pin_with_code(user_id, code, pin, repeat),
            lambda _none: self._done(name),
            self._failed,
        )

    def _failed(self, error: BaseException) -> None:
        self.ok_button.setEnabled(bool(self.people))
        self.pin.clear()
        self.repeat.clear()
        self.show_error(describe_error(error))

    def _done(self, name: str) -> None:
        self.code.clear()
        self.pin.clear()
        self.repeat.clear()
        self.show_info(self.tr("{name}: your PIN is set. Log in with it.").format(name=name))
        self.refresh()


def _open(menu: ManagerMenu) -> None:
    menu.show_dialog(PinSetupDialog(menu, menu.acts))


LABEL = QT_TRANSLATE_NOOP("ManagerMenu", "Set my PIN (head-office code)")

#: the manager menu's entry (added by :func:`pos.ui.sync_status.register_sync_tools`)
ENTRY = MenuEntry("pin_setup", LABEL, "Alt+N", _open)
