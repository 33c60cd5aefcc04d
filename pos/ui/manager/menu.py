"""The manager's tools screen (Ctrl+M on the sale screen): one button per tool.

The tools are a list of :class:`MenuEntry`; a new tool is one more entry in
:data:`ENTRIES` (or :func:`register` from its own module), with its label, shortcut and
the function that opens it. Each tool calls its services through the window's
:class:`~pos.ui.actions.Actions`; the services check permissions (a cashier who opens the
Z gets the manager's approval dialog, never a report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pos.domain.money import Money
from pos.services.period import PeriodReport
from pos.services.report_layout import local_moment
from pos.services.shifts import CloseResult, ShiftView
from pos.services.zreports import ZSummary
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.manager.daily_view import DailyDialog
from pos.ui.manager.products_dialog import ProductsDialog
from pos.ui.manager.refund_dialog import NoReceiptReturnDialog, RefundDialog
from pos.ui.manager.reports_view import ReportDialog, ZListDialog
from pos.ui.manager.shift_dialogs import CashMoveDialog, CloseShiftDialog, OpenShiftDialog
from pos.ui.manager.staff_dialog import StaffDialog
from pos.ui.widgets import action_button, set_role

CONTEXT = "ManagerMenu"


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """One tool: ``label`` is marked for translation in context ``ManagerMenu``."""

    key: str
    label: str
    shortcut: str
    open: Callable[[ManagerMenu], None]
    #: called with the menu and the entry's button once it is made (a count on its label)
    decorate: Callable[[ManagerMenu, QPushButton], None] | None = None


def _open_shift(menu: ManagerMenu) -> None:
    menu.show_dialog(OpenShiftDialog(menu, menu.acts, menu.shift_opened))


def _cash_in(menu: ManagerMenu) -> None:
    menu.show_dialog(CashMoveDialog(menu, menu.acts, "in", menu.cash_moved))


def _cash_out(menu: ManagerMenu) -> None:
    menu.show_dialog(CashMoveDialog(menu, menu.acts, "out", menu.cash_moved))


def _no_sale(menu: ManagerMenu) -> None:
    shifts, devices = menu.acts.terminal.shifts, menu.acts.terminal.devices
    menu.acts.call(  # recorded (permission, audit) first, then the drawer kicks
        lambda: devices.no_sale(shifts) if devices is not None else shifts.no_sale(),
        lambda n: menu.show_info(menu.tr("Drawer opened (no sale {n} this shift).").format(n=n)),
        menu.failed,
    )


def _close_shift(menu: ManagerMenu) -> None:
    menu.show_dialog(CloseShiftDialog(menu, menu.acts, menu.shift_closed))


def _x_report(menu: ManagerMenu) -> None:
    zreports = menu.acts.terminal.zreports
    menu.acts.call(lambda: zreports.x_report(), menu.show_report, menu.failed)


def _z_report(menu: ManagerMenu) -> None:
    zreports = menu.acts.terminal.zreports
    menu.acts.run(lambda a: zreports.z_report(a), menu.show_report, menu.failed)


def _z_list(menu: ManagerMenu) -> None:
    zreports = menu.acts.terminal.zreports

    def show(zs: list[ZSummary]) -> None:
        menu.show_dialog(ZListDialog(menu, menu.acts, zs, menu.export_dir))

    menu.acts.call(lambda: zreports.z_list(), show, menu.failed)


def _daily(menu: ManagerMenu) -> None:
    term = menu.acts.terminal
    today = term.ctx.business_date(term.clock.now())
    dialog = DailyDialog(menu, menu.acts, today)
    menu.show_dialog(dialog)
    dialog.refresh()


def _refund(menu: ManagerMenu) -> None:
    term = menu.acts.terminal
    dialog = RefundDialog(menu, menu.acts, term.receipts.today())
    menu.show_dialog(dialog)
    dialog.search_now()


def _no_receipt(menu: ManagerMenu) -> None:
    menu.show_dialog(NoReceiptReturnDialog(menu, menu.acts))


def _products(menu: ManagerMenu) -> None:
    dialog = ProductsDialog(menu, menu.acts, menu.export_dir)
    menu.show_dialog(dialog)
    dialog.refresh()


def _staff(menu: ManagerMenu) -> None:
    dialog = StaffDialog(menu, menu.acts)
    menu.show_dialog(dialog)
    dialog.refresh()


def _etims_queue(menu: ManagerMenu) -> None:
    from pos.ui.etims_queue import EtimsQueueDialog  # (it imports this module's imports)

    menu.show_dialog(EtimsQueueDialog(menu, menu.acts))


def _etims_decorate(menu: ManagerMenu, button: QPushButton) -> None:
    from pos.ui.etims_queue import decorate_entry

    decorate_entry(menu, button)


def _shop_details(menu: ManagerMenu) -> None:
    from pos.ui.manager.shop_details import open_shop_details  # (the wizard's pages)

    open_shop_details(menu)


ENTRIES: list[MenuEntry] = [
    MenuEntry("open_shift", QT_TRANSLATE_NOOP("ManagerMenu", "Open shift"), "Ctrl+1", _open_shift),
    MenuEntry("cash_in", QT_TRANSLATE_NOOP("ManagerMenu", "Cash in"), "Ctrl+2", _cash_in),
    MenuEntry("cash_out", QT_TRANSLATE_NOOP("ManagerMenu", "Cash out"), "Ctrl+3", _cash_out),
    MenuEntry(
        "no_sale", QT_TRANSLATE_NOOP("ManagerMenu", "No sale (open drawer)"), "Ctrl+4", _no_sale
    ),
    MenuEntry(
        "close_shift", QT_TRANSLATE_NOOP("ManagerMenu", "Close shift"), "Ctrl+5", _close_shift
    ),
    MenuEntry("x_report", QT_TRANSLATE_NOOP("ManagerMenu", "X report"), "Ctrl+6", _x_report),
    MenuEntry(
        "z_report", QT_TRANSLATE_NOOP("ManagerMenu", "Z report (end of day)"), "Ctrl+7", _z_report
    ),
    MenuEntry("z_list", QT_TRANSLATE_NOOP("ManagerMenu", "Z reports (reprint)"), "Ctrl+8", _z_list),
    MenuEntry("daily", QT_TRANSLATE_NOOP("ManagerMenu", "Daily totals"), "Ctrl+9", _daily),
    MenuEntry("refund", QT_TRANSLATE_NOOP("ManagerMenu", "Refund"), "Alt+R", _refund),
    MenuEntry(
        "no_receipt",
        QT_TRANSLATE_NOOP("ManagerMenu", "Return without a receipt"),
        "Alt+W",
        _no_receipt,
    ),
    MenuEntry("products", QT_TRANSLATE_NOOP("ManagerMenu", "Products"), "Alt+P", _products),
    MenuEntry("staff", QT_TRANSLATE_NOOP("ManagerMenu", "Staff"), "Alt+S", _staff),
    MenuEntry(
        "shop_details", QT_TRANSLATE_NOOP("ManagerMenu", "Shop details"), "Alt+I", _shop_details
    ),
    MenuEntry(
        "etims_queue",
        QT_TRANSLATE_NOOP("ManagerMenu", "KRA eTIMS queue"),
        "Alt+K",
        _etims_queue,
        _etims_decorate,
    ),
]


def register(entry: MenuEntry) -> None:
    """Add a tool (its key must be new)."""
    if any(e.key == entry.key for e in ENTRIES):
        raise ValueError(f"manager menu entry {entry.key!r} exists already")
    ENTRIES.append(entry)


class ManagerMenu(KauntaDialog):
    """A grid of the tools in :data:`ENTRIES`, three to a row, each with its shortcut."""

    COLUMNS = 3

    def __init__(self, parent: QWidget, actions: Actions, export_dir: Path) -> None:
        super().__init__(parent, self.tr("Manager"))
        self.acts = actions
        self.export_dir = export_dir
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Manager's tools"), self)
        set_role(head, "title")
        layout.addWidget(head)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for i, entry in enumerate(ENTRIES):
            text = QCoreApplication.translate(CONTEXT, entry.label)
            button = action_button(self, text, entry.shortcut, self._opener(entry))
            button.setMinimumWidth(200)
            self.buttons[entry.key] = button
            if entry.decorate is not None:
                entry.decorate(self, button)
            grid.addWidget(button, i // self.COLUMNS, i % self.COLUMNS)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Back to the sale"), self.accept)
        self.refresh_status()

    def _opener(self, entry: MenuEntry) -> Callable[[], None]:
        return lambda: entry.open(self)

    # -- what the tools call back ---------------------------------------------------------
    def refresh_status(self) -> None:
        shifts = self.acts.terminal.shifts
        self.acts.call(lambda: shifts.current(), self._show_status, self.failed)

    def _show_status(self, view: ShiftView | None) -> None:
        if view is None:
            self.status.setText(self.tr("No shift is open: open one to sell."))
        else:
            self.status.setText(
                self.tr("Shift {number} open since {since}, by {who}, float {float}.").format(
                    number=view.number,
                    since=local_moment(view.opened_at_iso, self.acts.terminal.ctx.zone),
                    who=view.opened_by,
                    float=view.opening_float,
                )
            )

    def show_dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def show_info(self, text: str) -> None:
        super().show_info(text)

    def failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))

    def shift_opened(self, view: ShiftView) -> None:
        self._show_status(view)
        self.show_info(self.tr("Shift {number} is open.").format(number=view.number))

    def cash_moved(self, expected: Money) -> None:
        self.show_info(self.tr("Recorded."))

    def shift_closed(self, result: CloseResult) -> None:
        self._show_status(None)
        self.show_info(
            self.tr("Shift {number} closed: difference {difference}.").format(
                number=result.shift.number, difference=result.difference
            )
        )

    def show_report(self, report: PeriodReport) -> None:
        zone = self.acts.terminal.ctx.zone
        self.show_dialog(ReportDialog(self, report, self.export_dir, zone, self.acts))
