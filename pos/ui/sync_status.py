"""The sale screen's sync line: online or offline (and for how long), events waiting, the
time of the last success, and a warning for the manager when the till has not synced for
longer than ``[sync] warn_after_hours``.

The sync agent publishes its state from its own thread
(:meth:`~pos.services.headoffice.HeadOfficeService.publish`); this widget re-emits it as a
Qt signal, so it is shown on the GUI thread through a queued connection and neither side
ever waits for the other. A timer re-renders every 30 seconds, so "offline for 25 min" and
the warning follow the clock even while the agent is quietly backing off.

A till that is not enrolled says "Not connected to a head office" rather than hiding the
line: a shop that expects its sales at head office must be able to see at a glance that
this till is not sending them, and a stand-alone shop reads it as a plain fact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from pos.domain.messages import Formats
from pos.services.headoffice import HeadOfficeService, SyncPhase, SyncView
from pos.ui import i18n

#: how often the line is re-rendered with the clock (ages, the warning)
TICK_MS = 30_000

_STYLES = {
    "quiet": "color: #555;",
    "ok": "color: #1b5e20;",
    "offline": "color: #8a5a00; font-weight: bold;",
    "warning": "color: white; background: #a11; font-weight: bold; padding: 1px 6px;",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SyncStatusLine(QLabel):
    """One line of text about the head-office link; ``kind`` says how it is coloured
    ("quiet", "ok", "offline" or "warning"), for the eye and for tests."""

    #: a new view from the agent's thread (queued to the GUI thread)
    sig_view = Signal(object)

    def __init__(
        self,
        parent: QWidget,
        service: HeadOfficeService,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.service = service
        self.clock = clock
        self.kind = "quiet"
        self.view = service.view()
        self.sig_view.connect(self.show_view)
        emit = self.sig_view.emit
        service.add_listener(emit)
        self.destroyed.connect(lambda *_: service.remove_listener(emit))
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(TICK_MS)
        self.refresh()

    def show_view(self, view: SyncView) -> None:
        self.view = view
        self.refresh()

    # -- text ---------------------------------------------------------------------------

    def _age(self, since: datetime, now: datetime) -> str:
        minutes = max(0, int((now - since) / timedelta(minutes=1)))
        if minutes < 60:
            return self.tr("{n} min").format(n=minutes)
        hours = minutes // 60
        if hours < 48:
            return self.tr("{h} h {m} min").format(h=hours, m=minutes % 60)
        return self.tr("{d} days").format(d=hours // 24)

    def _moment(self, value: datetime, now: datetime) -> str:
        """HH:MM today, dd/mm/yyyy HH:MM before, in the shop's time zone."""
        formats = Formats(self.service.zone) if self.service.zone else i18n.formats()
        shown = formats.moment(value)
        return shown[11:] if shown[:10] == formats.moment(now)[:10] else shown

    def _last(self, view: SyncView, now: datetime) -> str:
        if view.last_success_at is None:
            return self.tr("never synced")
        return self.tr("last sync {time}").format(time=self._moment(view.last_success_at, now))

    def text_for(self, view: SyncView, now: datetime) -> tuple[str, str]:
        """The line and its kind for ``view`` at ``now``."""
        if view.phase is SyncPhase.NOT_ENROLLED:
            return self.tr("Not connected to a head office"), "quiet"
        if view.phase is SyncPhase.STARTING:
            return self.tr("Head office: starting…"), "quiet"
        if view.phase is SyncPhase.TRAINING_ALONE:
            return (
                self.tr("Training without a head office (installed app): sales stay on this till"),
                "quiet",
            )
        if view.phase is SyncPhase.UNAVAILABLE:
            return (
                self.tr("Head office not available: sales are kept on this till"),
                "offline",
            )
        parts: list[str] = []
        waiting = self.tr("{n} waiting").format(n=f"{view.waiting:,}")
        if view.refused:
            parts.append(self.tr("Head office refuses this till: a manager must enroll it"))
        elif view.online:
            parts.append(self.tr("Online"))
        elif view.offline_since is not None:
            parts.append(
                self.tr("Offline for {age}").format(age=self._age(view.offline_since, now))
            )
        else:
            parts.append(self.tr("Offline"))
        parts.append(waiting)
        parts.append(self._last(view, now))
        if view.parked:
            parts.append(self.tr("{n} refused (manager's tools)").format(n=view.parked))
        kind = "ok" if view.online and not view.refused else "offline"
        if view.stale(now):
            since = view.last_success_at or view.offline_since
            parts.insert(
                0,
                self.tr("Not synced for {age}: tell the manager").format(age=self._age(since, now))
                if since is not None
                else self.tr("Not synced for too long: tell the manager"),
            )
            kind = "warning"
        return " · ".join(parts), kind

    def refresh(self) -> None:
        text, kind = self.text_for(self.view, self.clock())
        self.kind = kind
        self.setText(text)
        self.setStyleSheet(_STYLES[kind])
        self.setToolTip(self.view.last_error or self.view.problem)


def register_sync_tools() -> None:
    """Add the head office's tools to the manager's menu (once): the link and enrollment
    (:mod:`pos.ui.enroll_dialog`), the refused events (:mod:`pos.ui.parked_events`) and
    setting a PIN with a head-office code (:mod:`pos.ui.pin_setup_dialog`), and the VAT
    rates in force with where they come from (:mod:`pos.ui.vat_rates_dialog`)."""
    from pos.ui import enroll_dialog, parked_events, pin_setup_dialog, vat_rates_dialog
    from pos.ui.manager.menu import ENTRIES, register

    entries = (enroll_dialog.ENTRY, parked_events.ENTRY, pin_setup_dialog.ENTRY)
    for entry in (*entries, vat_rates_dialog.ENTRY):
        if all(e.key != entry.key for e in ENTRIES):
            register(entry)
