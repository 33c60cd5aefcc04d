"""Small widgets shared by the screens: touch-sized buttons and a numeric keypad."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

#: Touch targets: at least 48 px (Material / Apple HIG); the till uses 56.
TOUCH_HEIGHT = 56

STYLE = """
QWidget { font-size: 15px; }
QPushButton { min-height: 48px; padding: 4px 10px; border-radius: 6px;
              background: #eef1f5; border: 1px solid #c5ccd6; }
QPushButton:pressed { background: #d5dbe4; }
QPushButton:disabled { color: #9aa3ad; background: #f5f6f8; }
QPushButton[role="primary"] { background: #1b7f3b; color: white; font-weight: bold;
                              border: 1px solid #14612d; font-size: 18px; }
QPushButton[role="primary"]:disabled { background: #a9c9b3; color: #eef5f0;
                                       border: 1px solid #a9c9b3; }
QPushButton[role="pay"] { background: #1b7f3b; color: white; font-weight: bold;
                          border: 1px solid #14612d; font-size: 22px; min-height: 84px; }
QPushButton[role="danger"] { background: #fbe9e9; border: 1px solid #d99; color: #8b1d1d; }
QPushButton[role="user"]:checked { background: #1f5fa8; color: white; }
QLineEdit { min-height: 40px; font-size: 18px; padding: 2px 8px; }
QLabel[role="error"] { color: #a11; font-weight: bold; }
QLabel[role="info"] { color: #1b5e20; font-weight: bold; }
QLabel[role="total"] { font-size: 34px; font-weight: bold; }
QLabel[role="title"] { font-size: 24px; font-weight: bold; }
QLabel[role="subtitle"] { font-size: 17px; font-weight: bold; }
QLabel#trainingBanner { background: #f9a825; color: #222; font-weight: bold;
                        font-size: 16px; padding: 4px; }
QTableWidget { font-size: 16px; }
QHeaderView::section { font-weight: bold; padding: 4px; }
"""


def set_role(widget: QWidget, role: str) -> None:
    """Style hook: a dynamic property the style sheet selects on."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def action_button(
    parent: QWidget,
    text: str,
    shortcut: str | None,
    slot: Callable[[], None],
    *,
    role: str = "",
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QPushButton:
    """A touch-sized button that shows its keyboard shortcut and fires on either."""
    label = f"{text}\n{shortcut}" if shortcut else text
    button = QPushButton(label, parent)
    button.setMinimumHeight(TOUCH_HEIGHT)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus stays on the scan field
    # No default buttons: Return is handled once, by the shortcut or the text field.
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    if role:
        button.setProperty("role", role)
    if shortcut:
        # "Enter" means both keys: the main Return key and the keypad Enter.
        keys = ("Return", "Enter") if shortcut == "Enter" else (shortcut,)
        for key in keys:
            sc = QShortcut(QKeySequence(key), parent)
            sc.setContext(context)
            sc.activated.connect(lambda b=button: b.click() if b.isEnabled() else None)
        button.setToolTip(f"{text} ({shortcut})")
    return button


class Keypad(QWidget):
    """Digits, 00, decimal point, back and clear, typing into a line edit."""

    sig_enter = Signal()

    def __init__(self, target: QLineEdit, parent: QWidget | None = None, decimal: bool = True):
        super().__init__(parent)
        self._target = target
        grid = QGridLayout(self)
        grid.setSpacing(6)
        keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "00" if decimal else "", "0"]
        keys.append("." if decimal else "")
        for i, key in enumerate(keys):
            if not key:
                continue
            b = QPushButton(key, self)
            b.setMinimumSize(64, TOUCH_HEIGHT)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setAutoDefault(False)
            b.clicked.connect(lambda _=False, k=key: self._type(k))
            grid.addWidget(b, i // 3, i % 3)
        back = QPushButton("⌫", self)
        back.setMinimumSize(64, TOUCH_HEIGHT)
        back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        back.clicked.connect(target.backspace)
        clear = QPushButton("C", self)
        clear.setMinimumSize(64, TOUCH_HEIGHT)
        clear.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        clear.clicked.connect(target.clear)
        enter = QPushButton("OK", self)
        enter.setMinimumSize(64, TOUCH_HEIGHT)
        enter.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        enter.setProperty("role", "primary")
        for button in (back, clear, enter):
            button.setAutoDefault(False)
        enter.clicked.connect(self.sig_enter.emit)
        grid.addWidget(back, 0, 3)
        grid.addWidget(clear, 1, 3)
        grid.addWidget(enter, 2, 3, 2, 1)

    def _type(self, key: str) -> None:
        self._target.insert(key)
        self._target.setFocus()


class UserPicker(QWidget):
    """People as large toggle buttons (one chosen at a time): login and approvals."""

    def __init__(self, parent: QWidget, columns: int = 3) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._columns = columns
        self.group = QButtonGroup(self)
        self._ids: dict[int, str] = {}

    def set_users(self, users: list[tuple[str, str]]) -> None:
        """``(user_id, label)`` pairs; whoever was chosen stays chosen (a lone user is chosen
        for them); otherwise nobody, so nobody types a PIN against someone else's name."""
        chosen = self.selected()
        for button in self.group.buttons():
            self.group.removeButton(button)
            button.deleteLater()
        self._ids.clear()
        for i, (user_id, label) in enumerate(users):
            b = QPushButton(label, self)
            b.setCheckable(True)
            b.setProperty("role", "user")
            b.setMinimumHeight(64)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setAutoDefault(False)
            self.group.addButton(b, i)
            self._ids[i] = user_id
            self._grid.addWidget(b, i // self._columns, i % self._columns)
        if chosen is not None and chosen in self._ids.values():
            self.select(chosen)
        elif len(users) == 1:
            only = self.group.button(0)
            if only is not None:
                only.setChecked(True)

    def clear_selection(self) -> None:
        """Nobody chosen (after a switch of user: the next person picks their own name,
        so a cashier's PIN never counts against the previous user's tries)."""
        self.group.setExclusive(False)
        for button in self.group.buttons():
            button.setChecked(False)
        self.group.setExclusive(True)

    def select(self, user_id: str) -> None:
        for i, uid in self._ids.items():
            button = self.group.button(i)
            if uid == user_id and button is not None:
                button.setChecked(True)

    def selected(self) -> str | None:
        return self._ids.get(self.group.checkedId())


def message_label(parent: QWidget) -> QLabel:
    label = QLabel("", parent)
    label.setWordWrap(True)
    label.setMinimumHeight(24)
    return label


def show_message(label: QLabel, text: str, *, error: bool) -> None:
    label.setText(text)
    set_role(label, "error" if error else "info")
