"""A yes/no question in the till's own style (touch-sized, Enter and Esc, non-blocking)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import set_role


class ConfirmDialog(KauntaDialog):
    """Title, a sentence, and two answers: ``yes`` (Enter, accepts) or ``no`` (Esc)."""

    def __init__(
        self, parent: QWidget, title: str, text: str, yes: str, no: str = "Cancel"
    ) -> None:
        super().__init__(parent, title)
        layout = QVBoxLayout(self)
        head = QLabel(title, self)
        set_role(head, "title")
        layout.addWidget(head)
        body = QLabel(text, self)
        body.setWordWrap(True)
        body.setMinimumWidth(420)
        layout.addWidget(body)
        layout.addWidget(self.message)
        self.yes_button = self.add_buttons(layout, yes, self.accept)
        self.no_text = no
