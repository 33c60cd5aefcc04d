"""The buyer's KRA PIN on the open sale (Ctrl+K on the sale screen).

A business buying at the counter asks for its KRA PIN on the tax invoice so it can claim
the input VAT. The cashier types the PIN (and, if the buyer wants it, the business's name)
and presses Enter; the service checks it (a letter, nine digits and a letter) and the
dialog shows its refusal in place, so nothing changes until a good PIN is given. With a
PIN already on the sale, "Remove PIN" takes it off. Everything is a touch-sized field or
button, and every action has a key: Enter, Esc, Ctrl+Del.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import TOUCH_HEIGHT, action_button

#: what the PIN field accepts while typing (the service is the judge of what is valid;
#: a PIN pasted with spaces or a dash is tidied there)
PIN_MAX_TYPED = 20
#: eTIMS ``custNm`` on a sale holds at most 60 characters
NAME_MAX = 60
#: the key that takes the PIN off (Del alone edits the field)
REMOVE_KEY = "Ctrl+Del"


class BuyerDialog(KauntaDialog):
    """Type the buyer's KRA PIN and name; ``sig_buyer(pin, name)`` on Enter,
    ``sig_remove`` on Remove PIN (only offered when the sale has one)."""

    sig_buyer = Signal(str, str)
    sig_remove = Signal()

    def __init__(self, parent: QWidget, pin: str = "", name: str = "") -> None:
        super().__init__(parent, self.tr("Buyer's KRA PIN"))
        layout = QVBoxLayout(self)
        prompt = QLabel(
            self.tr(
                "For a business that claims the VAT: its KRA PIN goes on the tax invoice "
                "(a letter, nine digits and a letter, e.g. P051234567X)."
            ),
            self,
        )
        prompt.setWordWrap(True)
        layout.addWidget(prompt)
        form = QFormLayout()
        self.pin_field = QLineEdit(pin, self)
        self.pin_field.setMaxLength(PIN_MAX_TYPED)
        self.pin_field.setPlaceholderText("P051234567X")
        self.pin_field.setInputMethodHints(Qt.InputMethodHint.ImhPreferUppercase)
        self.pin_field.setMinimumHeight(TOUCH_HEIGHT)
        self.pin_field.textEdited.connect(self._upper)
        self.name_field = QLineEdit(name, self)
        self.name_field.setMaxLength(NAME_MAX)
        self.name_field.setPlaceholderText(self.tr("optional"))
        self.name_field.setMinimumHeight(TOUCH_HEIGHT)
        form.addRow(self.tr("KRA PIN"), self.pin_field)
        form.addRow(self.tr("Business name"), self.name_field)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.clears_errors(self.pin_field)
        self.clears_errors(self.name_field)
        self.pin_field.returnPressed.connect(self._ok)
        self.name_field.returnPressed.connect(self._ok)
        self.remove_button: QPushButton | None = None
        middle: list[QWidget] = []
        if pin:
            self.remove_button = action_button(
                self, self.tr("Remove PIN"), REMOVE_KEY, self.sig_remove.emit, role="danger"
            )
            middle.append(self.remove_button)
        self.add_buttons(layout, self.tr("OK"), self._ok, *middle)
        self.pin_field.setFocus()
        self.pin_field.selectAll()

    def _upper(self, text: str) -> None:
        """Letters typed in lower case show as KRA prints them (the cursor stays put)."""
        if text != text.upper():
            at = self.pin_field.cursorPosition()
            self.pin_field.setText(text.upper())
            self.pin_field.setCursorPosition(at)

    def _ok(self) -> None:
        self.sig_buyer.emit(self.pin_field.text(), self.name_field.text())
