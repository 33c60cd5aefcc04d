"""The manager's view of the VAT rates in force: each class, its rate, and where the rate
comes from (this till's configuration, or head office: the class's version and when it
arrived). Read-only: rates are changed at head office and reach every till; a basket
already open keeps the rates it was opened with.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.services.vat_rates import VatRateView, vat_rates
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.manager.menu import ManagerMenu, MenuEntry
from pos.ui.widgets import set_role

COLUMNS = (
    QT_TRANSLATE_NOOP("VatRatesDialog", "Class"),
    QT_TRANSLATE_NOOP("VatRatesDialog", "Name"),
    QT_TRANSLATE_NOOP("VatRatesDialog", "Rate"),
    QT_TRANSLATE_NOOP("VatRatesDialog", "From"),
)


class VatRatesDialog(KauntaDialog):
    """A table of the VAT classes in force, in the till's order."""

    def __init__(self, parent: QWidget, actions: Actions) -> None:
        super().__init__(parent, self.tr("VAT rates"))
        self._actions = actions
        self.rates: list[VatRateView] = []
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("VAT rates in force"), self)
        set_role(head, "title")
        layout.addWidget(head)
        note = QLabel(
            self.tr(
                "New sales use these rates. Rates are changed at head office; a sale "
                "already open keeps the rates it was started with."
            ),
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(3):  # code, name, rate: as wide as their texts
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        # wide enough for "Head office, version N, <date and time>" unelided
        self.table.setMinimumSize(760, 220)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Close"), self.accept)
        terminal = actions.terminal
        actions.call(lambda: vat_rates(terminal.db, terminal.ctx), self.show_rates, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))

    def rate_text(self, rate: VatRateView) -> str:
        if rate.exempt:
            return self.tr("Exempt")
        return self.tr("{rate} %").format(rate=f"{rate.rate.normalize():f}")

    def source_text(self, rate: VatRateView) -> str:
        if rate.version is None or rate.applied_at is None:
            return self.tr("This till's configuration")
        text = self.tr("Head office, version {version}, received {at}").format(
            version=rate.version, at=i18n.formats().moment(rate.applied_at)
        )
        return text if rate.active else self.tr("{source} (retired)").format(source=text)

    def show_rates(self, rates: list[VatRateView]) -> None:
        self.rates = rates
        self.table.setRowCount(len(rates))
        for row, rate in enumerate(rates):
            cells = (rate.code, i18n.text(rate.label), self.rate_text(rate), self.source_text(rate))
            for col, value in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(value))


def _open(menu: ManagerMenu) -> None:
    menu.show_dialog(VatRatesDialog(menu, menu.acts))


LABEL = QT_TRANSLATE_NOOP("ManagerMenu", "VAT rates")

#: the manager menu's entry (added by :func:`pos.ui.sync_status.register_sync_tools`)
ENTRY = MenuEntry("vat_rates", LABEL, "Alt+V", _open)
