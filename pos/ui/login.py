"""Login and lock screen: choose your name, type your PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.services.auth import CurrentUser, UserSummary
from pos.ui.widgets import TOUCH_HEIGHT, Keypad, message_label, set_role, show_message


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
        self.users_row = QGridLayout()
        box.addLayout(self.users_row)
        self.group = QButtonGroup(self)
        self._ids: dict[int, str] = {}
        self.pin = QLineEdit(self)
        self.group.idClicked.connect(lambda _i: self.pin.setFocus())
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        self.pin.setMaxLength(8)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.returnPressed.connect(self._submit)
        box.addWidget(self.pin)
        keypad = Keypad(self.pin, self, decimal=False)
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
        """(Re)build the user buttons, keeping whoever was chosen chosen."""
        chosen = self.selected_user()
        for button in self.group.buttons():
            self.group.removeButton(button)
            button.deleteLater()
        self._ids.clear()
        for i, user in enumerate(users):
            text = f"{user.name}\n{user.role.value}"
            if user.locked_until is not None:
                text += " · locked"
            b = QPushButton(text, self)
            b.setCheckable(True)
            b.setProperty("role", "user")
            b.setMinimumHeight(64)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.group.addButton(b, i)
            self._ids[i] = user.user_id
            self.users_row.addWidget(b, i // 3, i % 3)
        if chosen in self._ids.values():
            self.select_user(chosen)  # type: ignore[arg-type]
        elif users:
            first = self.group.button(0)
            if first is not None:
                first.setChecked(True)

    def select_user(self, user_id: str) -> None:
        for i, uid in self._ids.items():
            if uid == user_id:
                button = self.group.button(i)
                if button is not None:
                    button.setChecked(True)

    def selected_user(self) -> str | None:
        return self._ids.get(self.group.checkedId())

    def set_lock_mode(self, user: CurrentUser | None) -> None:
        """Locked till: the user's PIN unlocks; choosing someone else switches user."""
        if user is None:
            self.subtitle.setText("Choose your name and enter your PIN")
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
