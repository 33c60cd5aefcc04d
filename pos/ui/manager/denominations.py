"""Counting a drawer by note and coin: one row per denomination, the total as you type."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSpinBox, QWidget

from pos.domain.money import Money
from pos.services.cashup import SMALLEST_NOTE, denominations
from pos.ui.widgets import TOUCH_HEIGHT, set_role


class DenominationCounter(QWidget):
    """Notes in the left column, coins in the right; ``pieces()`` is what the services take."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget, currency: str) -> None:
        super().__init__(parent)
        self.currency = currency
        self.spins: dict[int, QSpinBox] = {}
        grid = QGridLayout(self)
        values = denominations(currency)
        smallest = SMALLEST_NOTE.get(currency, 0)
        notes = [v for v in values if v >= smallest]
        coins = [v for v in values if v < smallest]
        head_notes = QLabel(self.tr("Notes"), self)
        head_coins = QLabel(self.tr("Coins"), self)
        grid.addWidget(head_notes, 0, 0, 1, 2)
        grid.addWidget(head_coins, 0, 2, 1, 2)
        for column, group in ((0, notes), (2, coins)):
            for row, value in enumerate(group, start=1):
                label = QLabel(Money(value, currency).amount_text().split(".")[0] + " x", self)
                spin = QSpinBox(self)
                spin.setRange(0, 100_000)
                spin.setMinimumHeight(TOUCH_HEIGHT)
                spin.setMinimumWidth(110)
                spin.valueChanged.connect(self._changed)
                self.spins[value] = spin
                grid.addWidget(label, row, column)
                grid.addWidget(spin, row, column + 1)
        self.total_label = QLabel("", self)
        set_role(self.total_label, "title")
        grid.addWidget(self.total_label, max(len(notes), len(coins)) + 1, 0, 1, 4)
        self._changed()

    def pieces(self) -> dict[int, int]:
        return {value: spin.value() for value, spin in self.spins.items()}

    def total(self) -> Money:
        return Money(sum(v * n for v, n in self.pieces().items()), self.currency)

    def set_pieces(self, pieces: dict[int, int]) -> None:
        for value, count in pieces.items():
            self.spins[value].setValue(count)

    def _changed(self) -> None:
        self.total_label.setText(self.tr("Counted: {total}").format(total=self.total()))
        self.sig_changed.emit()
