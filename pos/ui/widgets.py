"""Small widgets shared by the screens: touch-sized buttons and a numeric keypad."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPaintEvent, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

from pos.ui import resources

#: Touch targets: at least 48 px (Material / Apple HIG); the till uses 56.
TOUCH_HEIGHT = 56
#: the gap between keypad keys: wide enough that a finger hits one key, not two
KEY_SPACING = 6

#: The till's style sheet, from ``resources/style/kaunta.qss`` through the resource lookup
#: (kept under this name for the windows that set it).
STYLE = resources.stylesheet()

#: Icon colours by button role, (normal, disabled): the text colours of kaunta.qss, so an
#: icon reads like its label (change both together).
ICON_TINTS: dict[str, tuple[str, str]] = {
    "": ("#1f2933", "#9aa3ad"),
    "danger": ("#8b1d1d", "#c79a9a"),
    "primary": ("#ffffff", "#eef5f0"),
    "pay": ("#ffffff", "#eef5f0"),
}
#: icon size on a button: readable at arm's length, beside two lines of text
ICON_SIZE = 24
#: the big pay button's icon
PAY_ICON_SIZE = 32
#: empty space between an icon and its button's text, in the icon's 24-unit grid
ICON_GAP = 6


def set_role(widget: QWidget, role: str) -> None:
    """Style hook: a dynamic property the style sheet selects on."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class ActionButton(QPushButton):
    """A push button whose icon gives way to its text when space is short.

    An icon makes a button wider (Qt adds its width plus 4 px). On a narrow till screen
    that extra width must not push the pay buttons off-screen, so the button may shrink
    to the width of its text alone and then draws no icon: the words and the shortcut are
    what the cashier cannot do without. Buttons in one row or grid (the same layout) show
    their icons together or not at all, so a grid never mixes the two looks.
    """

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if not self.icon().isNull():
            hint.setWidth(hint.width() - self.iconSize().width() - 4)
        return hint

    def has_room(self) -> bool:
        """Is this button wide enough for its icon beside its text?"""
        return self.width() >= self.sizeHint().width()

    def icon_shown(self) -> bool:
        """Is the icon drawn: it has one, and it and its neighbours all have room?"""
        if self.icon().isNull():
            return False
        parent = self.parentWidget()
        layout = _layout_holding(parent.layout(), self) if parent is not None else None
        peers: list[QWidget] = [self]
        if layout is not None:
            items = (layout.itemAt(i) for i in range(layout.count()))
            peers = [w for item in items if item is not None and (w := item.widget()) is not None]
        return all(
            p.has_room()
            for p in peers
            if isinstance(p, ActionButton) and p.isVisible() and not p.icon().isNull()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.icon().isNull() or self.icon_shown():
            super().paintEvent(event)
            return
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.icon = QIcon()
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)


def _layout_holding(layout: QLayout | None, widget: QWidget) -> QLayout | None:
    """The layout (``layout`` or one nested in it) that holds ``widget`` directly."""
    if layout is None:
        return None
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        item = layout.itemAt(i)
        found = _layout_holding(item.layout() if item is not None else None, widget)
        if found is not None:
            return found
    return None


def action_button(
    parent: QWidget,
    text: str,
    shortcut: str | None,
    slot: Callable[[], None],
    *,
    role: str = "",
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
    icon: str | None = None,
) -> QPushButton:
    """A touch-sized button that shows its keyboard shortcut and fires on either.

    ``icon`` names a line icon in ``resources/icons`` (without ``.svg``), drawn left of the
    text in the colour of the button's text for its ``role``, dimmed when disabled.
    """
    label = f"{text}\n{shortcut}" if shortcut else text
    button = ActionButton(label, parent)
    if icon:
        normal, disabled = ICON_TINTS.get(role, ICON_TINTS[""])
        button.setIcon(resources.icon(icon, normal, disabled, gap=ICON_GAP))
        size = PAY_ICON_SIZE if role == "pay" else ICON_SIZE
        button.setIconSize(QSize(size + round(size * ICON_GAP / 24), size))
        # may shrink to its text's width (then without the icon); see ActionButton
        button.setSizePolicy(QSizePolicy.Policy.Preferred, button.sizePolicy().verticalPolicy())
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
    """An on-screen number pad typing into a line edit: digits, back (⌫) and clear (C).

    What it offers follows what is typed: ``decimal`` adds "." (amounts, percents) and
    ``double_zero`` adds "00" (amounts, for round sums; by default with ``decimal``). A
    pad with neither (quantities, PINs: whole numbers) puts C and ⌫ either side of the 0.
    ``enter`` adds an OK key of its own, for a screen without an OK button (the login
    screen); in a dialog the dialog's own primary button is the one OK.
    """

    sig_enter = Signal()

    def __init__(
        self,
        target: QLineEdit,
        parent: QWidget | None = None,
        *,
        decimal: bool = True,
        double_zero: bool | None = None,
        enter: bool = False,
    ) -> None:
        super().__init__(parent)
        self._target = target
        #: every key by its label ("0"…"9", "00", ".", "⌫", "C", "OK"), for tests and styles
        self.keys: dict[str, QPushButton] = {}
        zeros = decimal if double_zero is None else double_zero
        whole = not decimal and not zeros
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(KEY_SPACING)
        bottom = ("C", "0", "⌫") if whole else ("00" if zeros else "", "0", "." if decimal else "")
        for row, keys in enumerate((("7", "8", "9"), ("4", "5", "6"), ("1", "2", "3"), bottom)):
            for column, key in enumerate(keys):
                if key:
                    grid.addWidget(self._key(key), row, column)
        # the fourth column: back and clear (unless beside the 0), then OK if asked for
        side: list[tuple[str, int]] = [] if whole else [("⌫", 1), ("C", 1)]
        if enter:
            side.append(("OK", 4 - len(side)))
        else:
            side = [(key, 2) for key, _span in side]  # taller keys, no gap below them
        row = 0
        for key, span in side:
            button = self._key(key)
            # fill the rows it spans (a push button keeps its own height otherwise)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            grid.addWidget(button, row, 3, span, 1)
            row += span

    def _key(self, key: str) -> QPushButton:
        """One key; ``keys`` holds it by its English label ("OK"), whatever it shows."""
        button = QPushButton(self.tr("OK") if key == "OK" else key, self)
        button.setMinimumSize(64, TOUCH_HEIGHT)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        if key == "⌫":
            button.setToolTip(self.tr("Delete the last digit"))
            button.clicked.connect(self._target.backspace)
        elif key == "C":
            button.setToolTip(self.tr("Clear"))
            button.clicked.connect(self._target.clear)
        elif key == "OK":
            button.setProperty("role", "primary")
            button.clicked.connect(self.sig_enter.emit)
        else:
            button.clicked.connect(lambda _=False, k=key: self._type(k))
        self.keys[key] = button
        return button

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
    """A screen's or dialog's one message line (word-wrapped, one line high when empty)."""
    label = QLabel("", parent)
    label.setWordWrap(True)
    label.setMinimumHeight(24)
    return label


def show_message(label: QLabel, text: str, *, error: bool) -> None:
    """Say ``text`` on a message line, in place of whatever it said before: a line holds
    one message, so an answer never stands beside the stale error it answers."""
    label.setText(text)
    set_role(label, "error" if error else "info")


def clear_error(label: QLabel) -> None:
    """Take an error off a message line (the person is correcting what it was about);
    an information message stays."""
    if label.property("role") == "error":
        label.clear()
        set_role(label, "")


class ClosedDialogs:
    """Deletes dialogs some time after they closed, so a day of sales does not pile up
    hundreds of hidden dialogs (each one slows the next to open). The last few stay
    alive a little longer: a result handler may still read the one that just closed."""

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep
        self._closed: list[QWidget] = []

    def closed(self, dialog: QWidget) -> None:
        self._closed.append(dialog)
        while len(self._closed) > self._keep:
            self._closed.pop(0).deleteLater()
