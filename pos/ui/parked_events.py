"""The manager's list of events the head office refused ("parked"): what each is, why it
was refused and how long ago. A parked event does not hold up the others; the agent offers
it again now and then (a fix at head office lets it through), and until then it is here.

The manager menu's entry shows how many there are (read when the menu opens).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.services.headoffice import ParkedEventView
from pos.ui import i18n
from pos.ui.actions import Actions, describe_error
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.manager.menu import CONTEXT, ManagerMenu, MenuEntry
from pos.ui.widgets import set_role

COLUMNS = (
    QT_TRANSLATE_NOOP("ParkedEventsDialog", "No."),
    QT_TRANSLATE_NOOP("ParkedEventsDialog", "Event"),
    QT_TRANSLATE_NOOP("ParkedEventsDialog", "Reason"),
    QT_TRANSLATE_NOOP("ParkedEventsDialog", "Refused"),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ParkedEventsDialog(KauntaDialog):
    """A table of the refused events, oldest first."""

    def __init__(self, parent: QWidget, actions: Actions) -> None:
        super().__init__(parent, self.tr("Events refused by the head office"))
        self._actions = actions
        self.events: list[ParkedEventView] = []
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("Events refused by the head office"), self)
        set_role(head, "title")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col in (0, 1, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumSize(640, 300)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Close"), self.accept)
        self.refresh()

    def refresh(self) -> None:
        service = self._actions.terminal.headoffice
        self._actions.call(lambda: service.parked(), self.show_events, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.show_error(describe_error(error))

    def age_text(self, age: timedelta | None) -> str:
        if age is None:
            return ""
        minutes = int(age / timedelta(minutes=1))
        if minutes < 60:
            return self.tr("{n} min ago").format(n=minutes)
        hours = minutes // 60
        if hours < 48:
            return self.tr("{n} h ago").format(n=hours)
        return self.tr("{n} days ago").format(n=hours // 24)

    def show_events(self, events: list[ParkedEventView], now: datetime | None = None) -> None:
        now = now or _utc_now()
        self.events = events
        self.table.setRowCount(len(events))
        for row, event in enumerate(events):
            reason = i18n.render(event.message)  # a coded refusal in the reader's language
            cells = (str(event.seq), event.kind, reason, self.age_text(event.age(now)))
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col == 1:
                    item.setToolTip(event.event_id)
                self.table.setItem(row, col, item)
        if events:
            self.summary.setText(
                self.tr(
                    "{n} events were refused. The others are sent as usual; these are offered "
                    "again every hour. Give the reasons to head office."
                ).format(n=len(events))
            )
        else:
            self.summary.setText(self.tr("No event was refused."))


def _open(menu: ManagerMenu) -> None:
    menu.show_dialog(ParkedEventsDialog(menu, menu.acts))


def _decorate(menu: ManagerMenu, button: QPushButton) -> None:
    """The count on the entry's label, read off the GUI thread when the menu opens."""
    service = menu.acts.terminal.headoffice
    label = QCoreApplication.translate(CONTEXT, LABEL)
    shortcut = button.text().partition("\n")[2]

    def show(count: int) -> None:
        button.setText(f"{label} ({count})\n{shortcut}" if shortcut else f"{label} ({count})")
        button.setProperty("role", "danger" if count else "")
        button.style().polish(button)
        menu.refit_width()  # the count came after the menu took its width

    menu.acts.call(lambda: service.parked_count(), show, menu.failed)


LABEL = QT_TRANSLATE_NOOP("ManagerMenu", "Refused sync events")

#: the manager menu's entry (added by :func:`pos.ui.sync_status.register_sync_tools`)
ENTRY = MenuEntry("parked_events", LABEL, "Alt+E", _open, _decorate)
