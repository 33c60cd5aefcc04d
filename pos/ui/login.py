"""Login and lock screen: choose your name, type your PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.services.auth import CurrentUser, UserSummary
from pos.ui.widgets import TOUCH_HEIGHT, Keypad, UserPicker, message_label, set_role, show_message


class LoginScreen(QWidget):
    """Users as large buttons, a PIN field and keypad. In lock mode the user is preselected."""

    sig_login = Signal(str, str)  # user id, PIN
    sig_unlock_user = Signal(str)  # ask a manager to unlock this user

    def __init__(self, parent: QWidget, store_name: str, demo_hint: str = "") -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QVBoxLayout()
        self.title = QLabel(f"Kaunta · {store_name}", self)
        set_role(self.title, "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.title)
        self.subtitle = QLabel("Choose your name and enter your PIN", self)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.subtitle)
        self.picker = UserPicker(self)
        self.group = self.picker.group
        box.addWidget(self.picker)
        self.pin = QLineEdit(self)
        self.group.idClicked.connect(lambda _i: self.pin.setFocus())
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        self.pin.setMaxLength(12)  # PINs are 4 to 12 digits (pos.services.auth.PIN_MAX)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.returnPressed.connect(self._submit)
        box.addWidget(self.pin)
        keypad = Keypad(self.pin, self, decimal=False, enter=True)  # no other OK on this screen
        keypad.sig_enter.connect(self._submit)
        box.addWidget(keypad)
        self.message = message_label(self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.message)
        self.unlock_button = QPushButton("Manager unlock of this user", self)
        self.unlock_button.setMinimumHeight(TOUCH_HEIGHT)
        self.unlock_button.setVisible(False)
        self.unlock_button.clicked.connect(self._request_unlock)
        box.addWidget(self.unlock_button)
        if demo_hint:
            hint = QLabel(demo_hint, self)
            hint.setWordWrap(True)
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            hint.setStyleSheet("background:#fff3cd; padding:8px; border-radius:6px;")
            box.addWidget(hint)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(box, 2)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)

    def set_users(self, users: list[UserSummary]) -> None:
        """Show the users; whoever was chosen stays chosen (a wrong PIN must not move it)."""
        self.picker.set_users(
            [
                (u.user_id, f"{u.name}\n{u.role.value}" + (" · locked" if u.locked_until else ""))
                for u in users
            ]
        )

    def select_user(self, user_id: str) -> None:
        self.picker.select(user_id)

    def selected_user(self) -> str | None:
        return self.picker.selected()

    def set_lock_mode(self, user: CurrentUser | None) -> None:
        """Locked till: the user's PIN unlocks; choosing someone else switches user."""
        if user is None:
            self.subtitle.setText("Choose your name and enter your PIN")
            self.picker.clear_selection()
        else:
            self.subtitle.setText(
                f"Locked. {user.name}: enter your PIN to continue — or choose another name "
                "to switch user. The open sale stays on the till."
            )
            self.select_user(user.user_id)
        self.reset()

    def reset(self) -> None:
        self.pin.clear()
        self.message.clear()
        self.unlock_button.setVisible(False)
        self.pin.setFocus()

    def show_error(self, text: str, *, locked: bool = False) -> None:
        show_message(self.message, text, error=True)
        self.unlock_button.setVisible(locked)
        self.pin.clear()
        self.pin.setFocus()

    def show_info(self, text: str) -> None:
        show_message(self.message, text, error=False)

    def _submit(self) -> None:
        user_id = self.selected_user()
        if user_id is None:
            self.show_error("Choose your name first.")
            return
        pin = self.pin.text()
        self.pin.clear()
        if not pin:
            self.show_error("Type your PIN.")
            return
        self.sig_login.emit(user_id, pin)

    def _request_unlock(self) -> None:
        user_id = self.selected_user()
        if user_id is not None:
            self.sig_unlock_user.emit(user_id)
