"""The daily totals view: a day or a range, by hour as a bar chart (QPainter), by tender,
category and cashier, the top products, and the same days a week before."""

from __future__ import annotations

from PySide6.QtCore import QDate, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Money
from pos.services.daily import Breakdown, DailyView
from pos.services.zreports import tender_label
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.widgets import TOUCH_HEIGHT, action_button, set_role


class HourChart(QWidget):
    """Sales by hour of the day: one bar per hour, height = that hour's takings."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.hours: tuple[tuple[int, int, int], ...] = tuple((h, 0, 0) for h in range(24))
        self.setMinimumHeight(180)

    def sizeHint(self) -> QSize:
        return QSize(640, 200)

    def set_hours(self, hours: tuple[tuple[int, int, int], ...]) -> None:
        self.hours = hours
        self.update()

    def bar_heights(self) -> list[float]:
        """Each hour's bar as a share of the tallest (what is drawn; tests read it)."""
        top = max((t for _, _, t in self.hours), default=0)
        return [t / top if top else 0.0 for _, _, t in self.hours]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            w, h = self.width(), self.height()
            label_h = painter.fontMetrics().height() + 4
            area = h - label_h - 4
            slot = w / 24
            painter.setPen(QColor("#555"))
            for i, share in enumerate(self.bar_heights()):
                bar = QRectF(
                    i * slot + slot * 0.15, 4 + area * (1 - share), slot * 0.7, area * share
                )
                painter.fillRect(bar, QColor("#2e7d32"))
                if i % 3 == 0:
                    painter.drawText(
                        QRectF(i * slot, h - label_h, slot * 3, label_h),
                        Qt.AlignmentFlag.AlignLeft,
                        f"{i:02d}",
                    )
        finally:
            painter.end()


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    # the name column takes the room left by the figures, so a long header ("Njia ya
    # malipo") is shown whole instead of cut at both ends
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    return table


class DailyDialog(KauntaDialog):
    """Pick a day (or a range), see its totals and breakdowns."""

    def __init__(self, parent: QWidget, actions: Actions, today: str) -> None:
        super().__init__(parent, self.tr("Daily totals"))
        self._actions = actions
        self.view: DailyView | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.first = QDateEdit(QDate.fromString(today, "yyyy-MM-dd"), self)
        self.last = QDateEdit(QDate.fromString(today, "yyyy-MM-dd"), self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setMinimumHeight(TOUCH_HEIGHT)
        row.addWidget(QLabel(self.tr("From"), self))
        row.addWidget(self.first)
        row.addWidget(QLabel(self.tr("to"), self))
        row.addWidget(self.last)
        row.addWidget(action_button(self, self.tr("Show"), "F5", self.refresh))
        layout.addLayout(row)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        set_role(self.summary, "title")
        layout.addWidget(self.summary)
        self.chart = HourChart(self)
        layout.addWidget(self.chart)
        self.tabs = QTabWidget(self)
        amount, count = self.tr("Amount"), self.tr("Count")
        self.tables = {
            "tenders": _table(self, [self.tr("Tender"), count, amount]),
            "categories": _table(self, [self.tr("Category"), self.tr("Items"), amount]),
            "cashiers": _table(self, [self.tr("Cashier"), self.tr("Sales"), amount]),
            "top_products": _table(self, [self.tr("Product"), self.tr("Items"), amount]),
        }
        names = {
            "tenders": self.tr("By tender"),
            "categories": self.tr("By category"),
            "cashiers": self.tr("By cashier"),
            "top_products": self.tr("Top products"),
        }
        for key, table in self.tables.items():
            self.tabs.addTab(table, names[key])
        self.tabs.setMinimumHeight(200)
        layout.addWidget(self.tabs)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Close"), self.accept)
        self.setMinimumWidth(700)

    def refresh(self) -> None:
        first = self.first.date().toString("yyyy-MM-dd")
        last = self.last.date().toString("yyyy-MM-dd")
        daily = self._actions.terminal.daily
        self._actions.call(
            lambda: daily.view(first, last),
            self.show_view,
            lambda e: self.show_error(describe_error(e)),
        )

    def _tender_label(self, code: str) -> str:
        """A tender named as people read it ("Card", not the method's code), in the
        screen's language ("Kadi"; brand names such as M-Pesa stay as they are)."""
        return i18n.text(tender_label(code, self._actions.terminal.payments))

    def show_view(self, view: DailyView) -> None:
        self.view = view

        def m(minor: int) -> Money:
            return Money(minor, view.currency)

        t, w = view.totals, view.week_before
        change = f"{(t.net_sales - w.net_sales) * 100 / w.net_sales:+.1f}%" if w.net_sales else "—"
        self.summary.setText(
            self.tr(
                "Net sales {net} · {n} sales · average {avg} · refunds {refunds} · "
                "voids {voids} · same days last week {week} ({change})"
            ).format(
                net=m(t.net_sales),
                n=t.sales_count,
                avg=m(t.average_basket),
                refunds=m(t.refunds_value),
                voids=t.voids_count,
                week=m(w.net_sales),
                change=change,
            )
        )
        self.chart.set_hours(view.hours)
        for key, table in self.tables.items():
            rows: tuple[Breakdown, ...] = getattr(view, key)
            table.setRowCount(len(rows))
            for r, b in enumerate(rows):
                label = self._tender_label(b.key) if key == "tenders" else b.label
                for c, value in enumerate((label, str(b.count), m(b.amount).amount_text())):
                    table.setItem(r, c, QTableWidgetItem(value))
