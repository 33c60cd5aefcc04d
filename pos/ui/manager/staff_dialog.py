"""The staff screen: the till's users, for a manager.

A list (name, role, active, locked) and, for the chosen user, the role, Deactivate /
Reactivate and "New PIN", which hands the till to that user: they type their new PIN
twice (:class:`PinTwiceDialog`), never the manager for them. "Add" asks for the name and
role first, then the new user's PIN twice. The service checks the manager's permission,
the PIN rule and that the last manager is neither demoted nor deactivated, and audits
every change.

On a till enrolled with a head office the staff belong to head office: read-only here
(the service refuses writes too).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.services.auth import Role
from pos.services.staff import StaffMember
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.widgets import TOUCH_HEIGHT, action_button, set_role

CONTEXT = "StaffDialog"
ROLE_NAMES: dict[Role, str] = {
    Role.CASHIER: QT_TRANSLATE_NOOP("StaffDialog", "Cashier"),
    Role.SUPERVISOR: QT_TRANSLATE_NOOP("StaffDialog", "Supervisor"),
    Role.MANAGER: QT_TRANSLATE_NOOP("StaffDialog", "Manager"),
}


def _role_box(dialog: KauntaDialog) -> QComboBox:
    box = QComboBox(dialog)
    box.setMinimumHeight(TOUCH_HEIGHT)
    for role in Role:
        box.addItem(dialog.tr(ROLE_NAMES[role]), role.value)
    return box


class PinTwiceDialog(KauntaDialog):
    """The user (not the manager) types their new PIN twice."""

    def __init__(self, parent: QWidget, who: str, on_pin: Callable[[str, str], None]) -> None:
        super().__init__(parent, self.tr("New PIN"))
        self._on_pin = on_pin
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("{name}: type your new PIN, then type it again.").format(name=who))
        set_role(head, "title")
        head.setWordWrap(True)
        layout.addWidget(head)
        form = QFormLayout()
        self.pin = QLineEdit(self)
        self.repeat = QLineEdit(self)
        for field in (self.pin, self.repeat):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMinimumHeight(TOUCH_HEIGHT)
            self.clears_errors(field)
        form.addRow(self.tr("New PIN"), self.pin)
        form.addRow(self.tr("Again"), self.repeat)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Set PIN"), self._ok)

    def _ok(self) -> None:
        self._on_pin(self.pin.text(), self.repeat.text())


class StaffDialog(KauntaDialog):
    """Add users, reset PINs, change roles, deactivate."""

    def __init__(self, parent: QWidget, actions: Actions) -> None:
        super().__init__(parent, self.tr("Staff"))
        self._actions = actions
        self.members: list[StaffMember] = []
        self.current: StaffMember | None = None
        self.pin_dialog: PinTwiceDialog | None = None
        self.read_only = actions.terminal.staff.owned_by_head_office()
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Staff"), self)
        set_role(head, "title")
        layout.addWidget(head)
        owner = QLabel(
            self.tr(
                "This till is enrolled: head office owns the staff. They are shown here "
                "read-only; change them at head office."
            ),
            self,
        )
        owner.setWordWrap(True)
        owner.setVisible(self.read_only)
        layout.addWidget(owner)
        body = QHBoxLayout()
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Role"), self.tr("State")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(TOUCH_HEIGHT)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._chosen)
        body.addWidget(self.table, 3)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setMinimumHeight(TOUCH_HEIGHT)
        self.name.setPlaceholderText(self.tr("Name of a new user"))
        self.role = _role_box(self)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Role"), self.role)
        body.addLayout(form, 2)
        layout.addLayout(body)
        layout.addWidget(self.message)
        self.add_button = action_button(self, self.tr("Add user"), "F2", self.add)
        self.pin_button = action_button(self, self.tr("New PIN"), "F4", self.new_pin)
        self.active_button = action_button(self, self.tr("Deactivate"), "F8", self.toggle_active)
        self.ok_button = self.add_buttons(
            layout,
            self.tr("Change role"),
            self.change_role,
            self.add_button,
            self.pin_button,
            self.active_button,
        )
        for widget in (self.add_button, self.pin_button, self.active_button, self.ok_button):
            widget.setEnabled(not self.read_only)
        self.name.setReadOnly(self.read_only)
        self.role.setEnabled(not self.read_only)
        self.setMinimumWidth(860)

    # -- the list -------------------------------------------------------------------------
    def refresh(self) -> None:
        staff = self._actions.terminal.staff
        self._actions.call(lambda: staff.staff(), self._listed, self._failed)

    def _listed(self, members: list[StaffMember]) -> None:
        self.members = members
        self.table.blockSignals(True)
        self.table.setRowCount(len(members))
        for i, m in enumerate(members):
            state = self.tr("Active") if m.active else self.tr("Deactivated")
            if m.locked:
                state += " " + self.tr("(locked)")
            cells = (m.name, self.tr(ROLE_NAMES[m.role]), state)
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.blockSignals(False)
        if self.current is not None:
            again = [m for m in members if m.user_id == self.current.user_id]
            self.current = None
            if again:
                self.select(again[0])
        self._actions.refresh_users()  # the approval dialog lists the current managers

    def _chosen(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        if not selected:
            return
        self.select(self.members[selected[0].row()])

    def select(self, member: StaffMember) -> None:
        self.current = member
        self.role.setCurrentIndex(max(0, self.role.findData(member.role.value)))
        self.active_button.setText(
            self.tr("Deactivate") if member.active else self.tr("Reactivate")
        )

    # -- writing --------------------------------------------------------------------------
    def _ask_pin(self, who: str, then: Callable[[str, str], None]) -> None:
        dialog = PinTwiceDialog(self, who, then)
        self.pin_dialog = dialog
        dialog.open()

    def _pin_failed(self, error: BaseException) -> None:
        if self.pin_dialog is not None and self.pin_dialog.isVisible():
            self.pin_dialog.show_error(describe_error(error))
        else:
            self._failed(error)

    def _pin_done(self, text: str) -> None:
        if self.pin_dialog is not None:
            self.pin_dialog.accept()
        self.show_info(text)
        self.refresh()

    def add(self) -> None:
        name = " ".join(self.name.text().split())
        if not name:
            self.show_error(self.tr("Type the new user's name first."))
            return
        role = Role(self.role.currentData())
        staff = self._actions.terminal.staff

        def with_pin(pin: str, repeat: str) -> None:
            self._actions.call(
                lambda: staff.add(name, role, pin, repeat),
                lambda _uid: self._pin_done(self.tr("{name} added.").format(name=name)),
                self._pin_failed,
            )

        self._ask_pin(name, with_pin)

    def new_pin(self) -> None:
        member = self.current
        if member is None:
            self.show_error(self.tr("Choose a user first."))
            return
        staff = self._actions.terminal.staff

        def with_pin(pin: str, repeat: str) -> None:
            self._actions.call(
                lambda: staff.set_pin(member.user_id, pin, repeat),
                lambda _r: self._pin_done(
                    self.tr("{name} has a new PIN.").format(name=member.name)
                ),
                self._pin_failed,
            )

        self._ask_pin(member.name, with_pin)

    def change_role(self) -> None:
        member = self.current
        if member is None:
            self.show_error(self.tr("Choose a user first."))
            return
        role = Role(self.role.currentData())
        staff = self._actions.terminal.staff
        self._actions.call(
            lambda: staff.set_role(member.user_id, role),
            lambda _r: self._changed(
                self.tr("{name} is now {role}.").format(
                    name=member.name, role=self.tr(ROLE_NAMES[role])
                )
            ),
            self._failed,
        )

    def toggle_active(self) -> None:
        member = self.current
        if member is None:
            self.show_error(self.tr("Choose a user first."))
            return
        staff = self._actions.terminal.staff
        active = not member.active
        done = (
            self.tr("{name} can log in again.") if active else self.tr("{name} is deactivated.")
        ).format(name=member.name)
        self._actions.call(
            lambda: staff.set_active(member.user_id, active),
            lambda _r: self._changed(done),
            self._failed,
        )

    def _changed(self, text: str) -> None:
        self.show_info(text)
        self.refresh()

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))
