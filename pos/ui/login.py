"""Login and lock screen: choose your name, type your PIN, and your language; or set
your PIN with a one-time code from head office ("Set my PIN", pos/ui/pin_setup_dialog.py).

Choosing a name shows the screen in that user's language at once; the language buttons
change it, and the choice is kept for that user (the main window saves it at login)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.services.auth import CurrentUser, UserSummary
from pos.services.terminal import DemoUser
from pos.ui import i18n
from pos.ui.widgets import TOUCH_HEIGHT, Keypad, UserPicker, message_label, set_role, show_message


class LoginScreen(QWidget):
    """Users as large buttons, a PIN field and keypad. In lock mode the user is preselected."""

    sig_login = Signal(str, str)  # user id, PIN
    sig_unlock_user = Signal(str)  # ask a manager to unlock this user
    #: "Set my PIN": someone new from head office (no PIN yet on this till), or who forgot
    #: theirs, sets it with the one-time code head office made (no login: the code is proof)
    sig_set_pin = Signal()

    def __init__(
        self,
        parent: QWidget,
        store_name: str,
        demo_hint: str | Sequence[DemoUser] = "",
        *,
        training: bool | None = None,
    ) -> None:
        """``training``: False on the shop's live till, said under the title (True: the
        window's training banner says it; None: not said)."""
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QVBoxLayout()
        self.title = QLabel(self)
        set_role(self.title, "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_store_name(store_name)
        box.addWidget(self.title)
        #: the shop's real till says so before anyone types a PIN: without it a live till
        #: looks like any other. Training needs no line here: the window's training banner
        #: is above this screen already (and a second line squeezes the keypad at 768 px)
        self.mode: QLabel | None = None
        if training is False:
            self.mode = QLabel(
                self.tr("LIVE — the shop's real till: real sales and receipts"), self
            )
            self.mode.setObjectName("loginMode")
            self.mode.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.mode.setWordWrap(True)
            self.mode.setStyleSheet(
                "background:#1b7f3b; color:white; font-weight:bold; padding:6px; border-radius:6px;"
            )
            box.addWidget(self.mode)
        self.subtitle = QLabel(self.tr("Choose your name and enter your PIN"), self)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.subtitle)
        self.picker = UserPicker(self)
        self.group = self.picker.group
        box.addWidget(self.picker)
        self.pin = QLineEdit(self)
        self.group.idClicked.connect(lambda _i: self.pin.setFocus())
        self.group.idClicked.connect(lambda _i: self._user_chosen())
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(self.tr("PIN"))
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
        self.unlock_button = QPushButton(self.tr("Manager unlock of this user"), self)
        self.unlock_button.setMinimumHeight(TOUCH_HEIGHT)
        self.unlock_button.setVisible(False)
        self.unlock_button.clicked.connect(self._request_unlock)
        box.addWidget(self.unlock_button)
        self.set_pin_button = QPushButton(self.tr("Set my PIN (code from head office)"), self)
        self.set_pin_button.setMinimumHeight(TOUCH_HEIGHT)
        self.set_pin_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays on the PIN
        self.set_pin_button.setAutoDefault(False)
        self.set_pin_button.clicked.connect(self.sig_set_pin.emit)
        box.addWidget(self.set_pin_button)
        #: training: the demo users, said again in each language the screen changes to
        self._demo_users: tuple[DemoUser, ...] = (
            () if isinstance(demo_hint, str) else tuple(demo_hint)
        )
        self.demo_hint: QLabel | None = None
        if demo_hint:
            hint = QLabel(demo_hint if isinstance(demo_hint, str) else self._demo_text(), self)
            self.demo_hint = hint
            hint.setWordWrap(True)
            hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            hint.setStyleSheet("background:#fff3cd; padding:8px; border-radius:6px;")
            box.addWidget(hint)
        # each language under its own name, so anyone finds theirs whatever is shown now
        languages = QHBoxLayout()
        self.language_group = QButtonGroup(self)
        self.language_buttons: dict[str, QPushButton] = {}
        for code, name in i18n.LANGUAGES.items():
            button = QPushButton(name, self)
            button.setCheckable(True)
            button.setMinimumHeight(TOUCH_HEIGHT)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            button.setChecked(code == i18n.language())
            button.clicked.connect(lambda _c=False, code=code: self.choose_language(code))
            self.language_group.addButton(button)
            self.language_buttons[code] = button
            languages.addWidget(button)
        box.addLayout(languages)
        #: the language the person chose with the buttons (None: their own, as saved)
        self.chosen_language: str | None = None
        self._languages: dict[str, str] = {}
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(box, 2)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)

    def set_store_name(self, store_name: str) -> None:
        """The title names the shop (again after the manager renamed it)."""
        self.title.setText(self.tr("Kaunta · {store}").format(store=store_name))

    def set_users(self, users: list[UserSummary]) -> None:
        """Show the users; whoever was chosen stays chosen (a wrong PIN must not move it)."""
        self._languages = {u.user_id: u.language for u in users}
        locked = QCoreApplication.translate("LoginScreen", "locked")
        self.picker.set_users(
            [
                (
                    u.user_id,
                    f"{u.name}\n{i18n.role_name(u.role.value)}"
                    + (f" · {locked}" if u.locked_until else ""),
                )
                for u in users
            ]
        )

    def select_user(self, user_id: str) -> None:
        self.picker.select(user_id)
        self._user_chosen()

    def _user_chosen(self) -> None:
        """A name was chosen: the screen speaks that user's language (until the buttons
        say otherwise)."""
        self.chosen_language = None
        user_id = self.selected_user()
        if user_id is not None and user_id in self._languages:
            self._show_language(self._languages[user_id])

    def remember_language(self, user_id: str, code: str) -> None:
        """``user_id`` now speaks ``code`` (saved at their login): shown when chosen again."""
        self._languages[user_id] = code

    def choose_language(self, code: str) -> None:
        """The language buttons: show the screens in ``code``; kept for the user who logs in."""
        self.chosen_language = code
        self._show_language(code)

    def _show_language(self, code: str) -> None:
        i18n.set_language(code)
        for each, button in self.language_buttons.items():
            button.setChecked(each == code)
        if self.demo_hint is not None and self._demo_users:
            self.demo_hint.setText(self._demo_text())

    def _demo_text(self) -> str:
        """Training's line of demo users and PINs, in the screen's language."""
        users = " · ".join(
            self.tr("{name} ({role}) PIN {pin}").format(
                name=u.name, role=i18n.role_name(u.role), pin=u.pin
            )
            for u in self._demo_users
        )
        return self.tr("Training mode demo users — {users}").format(users=users)

    def selected_user(self) -> str | None:
        return self.picker.selected()

    def set_lock_mode(self, user: CurrentUser | None) -> None:
        """Locked till: the user's PIN unlocks; choosing someone else switches user."""
        if user is None:
            self.subtitle.setText(self.tr("Choose your name and enter your PIN"))
            self.picker.clear_selection()
            self.chosen_language = None
        else:
            self.subtitle.setText(
                self.tr(
                    "Locked. {name}: enter your PIN to continue — or choose another name "
                    "to switch user. The open sale stays on the till."
                ).format(name=user.name)
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
            self.show_error(self.tr("Choose your name first."))
            return
        pin = self.pin.text()
        self.pin.clear()
        if not pin:
            self.show_error(self.tr("Type your PIN."))
            return
        self.sig_login.emit(user_id, pin)

    def _request_unlock(self) -> None:
        user_id = self.selected_user()
        if user_id is not None:
            self.sig_unlock_user.emit(user_id)
