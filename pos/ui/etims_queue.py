"""KRA eTIMS on the screens: the sale screen's status line, the manager's queue screen,
and the helper that waits for a receipt's signature without blocking the GUI thread.

- :class:`EtimsStatusLine` (sale screen): online / offline with how many sales wait, in
  red when KRA refused some, when the oldest waiting sale is older than ``[etims]
  max_queue_age_hours`` (24 h by default: the law expects prompt transmission after an
  outage), and on a live till without ``[etims]``: sales are not being submitted to KRA.
- :class:`EtimsQueueDialog` (Manager > eTIMS queue): every waiting, in-doubt and refused
  entry, then the latest signed ones, each with its age, KRA's number, tries and KRA's
  reason; "Send now" (a retry is always safe: an entry in doubt is looked up with
  ``selectInvoiceDetails`` before anything is resent) and "Put back in the queue" for a
  refused entry after the cause was fixed (it is never retried blindly by itself).
- :func:`follow_kra`: the sale's block once KRA signed it (or provisional when time runs
  out), delivered on the GUI thread.
- :func:`follow_views`: the worker's news on the GUI thread (the till's window shows the
  start-up check's tampering finding, :attr:`EtimsView.tampered`, in its red alert).

Everything comes from :class:`~pos.services.etims.EtimsService`: the worker publishes from
its own thread; the widgets re-emit its news as queued Qt signals.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.messages import Message
from pos.services.etims import (
    EtimsPhase,
    EtimsService,
    EtimsView,
    KraBlock,
    QueueAction,
    QueueRow,
)
from pos.ui import i18n
from pos.ui.actions import Actions
from pos.ui.dialogs import KauntaDialog
from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.widgets import action_button, set_role

if TYPE_CHECKING:
    from pos.ui.manager.menu import ManagerMenu

__all__ = [
    "EtimsQueueDialog",
    "EtimsStatusLine",
    "decorate_entry",
    "follow_kra",
    "follow_views",
    "own_reason",
    "reason_text",
    "tampered_text",
]

#: how often the line and the screen re-render with the clock (ages, the alert)
TICK_MS = 30_000

_STYLES = {
    "quiet": "color: #555;",
    "ok": "color: #1b5e20;",
    "offline": "color: #8a5a00; font-weight: bold;",
    "warning": "color: white; background: #a11; font-weight: bold; padding: 1px 6px;",
}

COLUMNS = (
    QT_TRANSLATE_NOOP("EtimsQueueDialog", "Receipt"),
    QT_TRANSLATE_NOOP("EtimsQueueDialog", "Kind"),
    QT_TRANSLATE_NOOP("EtimsQueueDialog", "State"),
    QT_TRANSLATE_NOOP("EtimsQueueDialog", "KRA No."),
    QT_TRANSLATE_NOOP("EtimsQueueDialog", "Age"),
    QT_TRANSLATE_NOOP("EtimsQueueDialog", "Tries"),
    QT_TRANSLATE_NOOP("EtimsQueueDialog", "Reason or last error"),
)
STATES = {
    "waiting": QT_TRANSLATE_NOOP("EtimsQueueDialog", "Waiting"),
    "in_doubt": QT_TRANSLATE_NOOP("EtimsQueueDialog", "Sent, answer awaited"),
    "signed": QT_TRANSLATE_NOOP("EtimsQueueDialog", "Signed by KRA"),
    "parked": QT_TRANSLATE_NOOP("EtimsQueueDialog", "Refused by KRA"),
    "no_credit": QT_TRANSLATE_NOOP("EtimsQueueDialog", "No credit note"),
}
KINDS = {
    "sale": QT_TRANSLATE_NOOP("EtimsQueueDialog", "Sale"),
    "refund": QT_TRANSLATE_NOOP("EtimsQueueDialog", "Credit note"),
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


#: where a reason's parts meet: ``sentence: details`` and ``reason; reason``
_JOINS = re.compile(r"(: |; )")


def reason_text(reason: str) -> str:
    """A worker's or the OSCU client's reason in the screens' language.

    The library writes English (it has no Qt) and builds a reason as ``sentence:
    details`` (:mod:`sync.etims.words`): from the left, the longest run of parts that
    is a known text is translated (context ``messages``; a known text may hold ``: ``
    itself), and what is not known (KRA's own words, numbers, a content type) stays as
    written."""
    parts = _JOINS.split(reason)  # text, join, text, join, ... text
    out: list[str] = []
    start = 0
    while start < len(parts):
        for end in range(len(parts), start, -2):
            run = "".join(parts[start:end])
            said = i18n.text(run)
            if said != run or end == start + 1:
                out.append(said)
                break
        out.append(parts[end] if end < len(parts) else "")
        start = end + 1
    return "".join(out)


class _Relay(QObject):
    """Carries one block from a worker or timer thread to the GUI thread."""

    sig_block = Signal(object)

    def deliver(self, block: KraBlock | None) -> None:
        with contextlib.suppress(RuntimeError):  # its owner (a closed dialog) is gone
            self.sig_block.emit(block)


def follow_kra(
    owner: QObject,
    service: EtimsService,
    sale_id: str,
    within_s: float,
    then: Callable[[KraBlock | None], None],
    *,
    copy: bool = False,
) -> None:
    """Call ``then`` on the GUI thread, once, with the sale's block: signed as soon as KRA
    signed it, provisional when ``within_s`` runs out first, None when eTIMS is off
    (then at once). ``owner`` bounds it: gone, nothing is called."""
    relay = _Relay(owner)

    def arrived(block: KraBlock | None) -> None:
        relay.deleteLater()
        then(block)

    relay.sig_block.connect(arrived)
    service.when_signed(sale_id, within_s, relay.deliver, copy=copy)


def age_text(owner: QObject, age: timedelta) -> str:
    """``12 min``, ``5 h``, ``3 days``: an entry's age, translated in ``owner``'s context."""
    minutes = max(0, int(age / timedelta(minutes=1)))
    if minutes < 60:
        return owner.tr("{n} min").format(n=minutes)
    hours = minutes // 60
    if hours < 48:
        return owner.tr("{n} h").format(n=hours)
    return owner.tr("{n} days").format(n=hours // 24)


class _Follows(QObject):
    """Subscribes a widget to the service's news (queued to the GUI thread) and
    unsubscribes it when the widget goes."""

    sig_view = Signal(object)

    def __init__(self, owner: QWidget, service: EtimsService, show: Callable[[object], None]):
        super().__init__(owner)
        self.sig_view.connect(show)
        self._service = service
        service.subscribe(self._emit)
        owner.destroyed.connect(lambda *_: service.unsubscribe(self._emit))

    def _emit(self, view: EtimsView) -> None:
        try:
            self.sig_view.emit(view)
        except RuntimeError:  # being destroyed
            self._service.unsubscribe(self._emit)


def follow_views(
    owner: QWidget, service: EtimsService, show: Callable[[EtimsView], None]
) -> QObject:
    """Call ``show`` on the GUI thread with each view the worker publishes from its own
    thread (a queued Qt signal: the worker never waits on the GUI), while ``owner``
    lives. Returns the follower (owned by ``owner``)."""

    def shown(view: object) -> None:
        assert isinstance(view, EtimsView)
        show(view)

    return _Follows(owner, service, shown)


def tampered_text(view: EtimsView) -> str:
    """The start-up check's tampering alert in the screens' language ("" when the stored
    KRA signatures verify)."""
    return "" if view.tampered is None else i18n.render(view.tampered)


def own_reason(view: EtimsView) -> str:
    """The view's reason without the start-up check's finding: the worker puts that
    first, joined by ``; `` (``pos.etims_link``), and the screens show it from
    :attr:`EtimsView.tampered` in the reader's language instead."""
    if view.tampered is None:
        return view.reason
    return view.reason.partition("; ")[2]


class EtimsStatusLine(QLabel):
    """One line about KRA eTIMS on the sale screen; ``kind`` ("quiet", "ok", "offline",
    "warning") says how it is coloured, for the eye and for tests."""

    def __init__(
        self,
        parent: QWidget,
        service: EtimsService,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("etimsStatus")
        self.setWordWrap(True)
        self.service = service
        self.clock = clock
        self.kind = "quiet"
        self.view = service.view()
        self._follows = _Follows(self, service, self.show_view)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(TICK_MS)
        self.refresh()

    def show_view(self, view: object) -> None:
        assert isinstance(view, EtimsView)
        self.view = view
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        """The language changed (login): the line, built from values, is said again in
        it at once, not at the worker's next news."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "view"):
            self.refresh()

    def refresh(self) -> None:
        kind, text = self.describe(self.view, self.clock())
        self.kind = kind
        self.setText(text)
        self.setStyleSheet(_STYLES[kind])

    def _describe_head_office(self, v: EtimsView, now: datetime) -> tuple[str, str]:
        """An enrolled till: head office submits, this till only sees what it reports and
        what it has not pushed yet; the age alert counts both (pos/etims_results.py)."""
        if v.alert(now):
            assert v.oldest_unsigned is not None
            return "warning", self.tr(
                "KRA eTIMS: not yet submitted to KRA: {n}, the oldest for {age}, more than "
                "{hours} h (not sent to head office yet, or not signed there). Tell the manager."
            ).format(
                n=v.waiting + v.in_doubt,
                age=age_text(self, now - v.oldest_unsigned),
                hours=_hours(v.alert_after),
            )
        if v.parked:
            return "warning", self.tr(
                "KRA eTIMS: {n} refused by KRA. Manager: see eTIMS queue."
            ).format(n=v.parked)
        return "quiet", self.tr(
            "KRA eTIMS: this store's sales are submitted to KRA by head office; KRA's "
            "signatures come back with the sync link."
        )

    def describe(self, v: EtimsView, now: datetime) -> tuple[str, str]:
        """(kind, text) for a view at ``now``."""
        unsigned = v.waiting + v.in_doubt
        if v.phase is EtimsPhase.OFF:
            if v.training:
                return "quiet", self.tr("KRA eTIMS: off")
            return "warning", self.tr(
                "KRA eTIMS is OFF: sales are NOT being submitted to KRA (no [etims] set-up). "
                "Tell the manager."
            )
        if v.phase is EtimsPhase.HEAD_OFFICE:
            return self._describe_head_office(v, now)
        prefix = self.tr("Training, simulator. ") if v.training else ""
        if v.alert(now):
            assert v.oldest_unsigned is not None
            return "warning", prefix + self.tr(
                "KRA eTIMS: not yet signed by KRA: {n}, the oldest for {age}, more than {hours} h. "
                "Tell the manager."
            ).format(
                n=unsigned,
                age=age_text(self, now - v.oldest_unsigned),
                hours=_hours(v.alert_after),
            )
        if v.parked:
            return "warning", prefix + self.tr(
                "KRA eTIMS: {n} refused by KRA. Manager: see eTIMS queue."
            ).format(n=v.parked)
        if v.phase is EtimsPhase.FAILED:
            return "warning", prefix + self.tr("KRA eTIMS stopped: {reason}").format(
                reason=reason_text(own_reason(v))
            )
        if v.phase is EtimsPhase.STARTING:
            return "quiet", prefix + self.tr("KRA eTIMS: connecting…")
        if v.phase is EtimsPhase.OFFLINE:
            if not unsigned:
                return "offline", prefix + self.tr("KRA eTIMS: offline, no sale waiting.")
            assert v.oldest_unsigned is not None
            return "offline", prefix + self.tr(
                "KRA eTIMS: offline, not yet signed by KRA: {n} (oldest {age}). Kaunta "
                "keeps trying until KRA answers."
            ).format(n=unsigned, age=age_text(self, now - v.oldest_unsigned))
        if unsigned:
            return "ok", prefix + self.tr("KRA eTIMS: online, {n} being sent.").format(n=unsigned)
        return "ok", prefix + self.tr("KRA eTIMS: online, every sale signed.")


def _hours(delta: timedelta) -> str:
    hours = delta / timedelta(hours=1)
    return f"{hours:g}"


class EtimsQueueDialog(KauntaDialog):
    """The branch's eTIMS queue as the worker last published it, live."""

    def __init__(
        self,
        parent: QWidget,
        actions: Actions,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(parent, self.tr("KRA eTIMS queue"))
        self.service = actions.terminal.etims
        self.clock = clock
        self.view = self.service.view()
        self.rows: list[QueueRow] = []
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("KRA eTIMS queue"), self)
        set_role(head, "title")
        layout.addWidget(head)
        self.status = EtimsStatusLine(self, self.service, clock=clock)
        layout.addWidget(self.status)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        # the reason is read whole: wrapped over lines, never cut off with "…" (the
        # Kiswahili headers and states leave it less width); rows follow its width
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumSize(820, 320)
        self.table.itemSelectionChanged.connect(self._selection)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.btn_retry = action_button(self, self.tr("Send now"), "F5", self.retry)
        self.btn_unpark = action_button(
            self, self.tr("Put back in the queue"), "F6", self.unpark, role="danger"
        )
        # the start-up check's tampering alert stays (every start) until a manager says
        # they have seen it: audited with who, and kaunta verify still names every problem
        self.btn_acknowledge = action_button(
            self, self.tr("I have seen the alert"), "F7", self.acknowledge, role="danger"
        )
        row.addWidget(self.btn_retry)
        row.addWidget(self.btn_unpark)
        row.addWidget(self.btn_acknowledge)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.ok_button = self.add_buttons(layout, self.tr("Close"), self.accept)
        self._calls = actions
        self._follows = _Follows(self, self.service, self.show_view)
        self._timer = QTimer(self)
        self._timer.timeout.connect(lambda: self.show_view(self.view))
        self._timer.start(TICK_MS)
        self.show_view(self.view)

    # -- showing -------------------------------------------------------------------------
    def show_view(self, view: object) -> None:
        assert isinstance(view, EtimsView)
        self.view = view
        now = self.clock()
        chosen = self.selected()
        self.rows = list(view.rows)
        self.table.setRowCount(len(self.rows))
        for r, entry in enumerate(self.rows):
            cells = (
                entry.receipt_number,
                self.tr(KINDS.get(entry.kind, entry.kind)),
                self.tr(STATES.get(entry.state, entry.state)),
                "" if entry.invc_no is None else str(entry.invc_no),
                age_text(self, entry.age(now)),
                str(entry.attempts),
                reason_text(entry.reason),
            )
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c == len(cells) - 1 and value:
                    item.setToolTip(value)
                self.table.setItem(r, c, item)
            if chosen is not None and entry.position == chosen.position:
                self.table.selectRow(r)
        self.summary.setText(self._summary(view))
        off = view.phase in (EtimsPhase.OFF, EtimsPhase.HEAD_OFFICE)
        self.btn_retry.setEnabled(not off)
        self.btn_acknowledge.setVisible(view.tampered is not None)
        self._selection()

    def _summary(self, v: EtimsView) -> str:
        if v.phase is EtimsPhase.HEAD_OFFICE:
            return self.tr(
                "This till is enrolled at a head office, which submits the store's sales to "
                "KRA with one invoice sequence for all its tills. Its queue is at head "
                "office (admin: KRA eTIMS); KRA's signatures come back to this till with the "
                "sync link. Here: {waiting} waiting (at head office or not sent to it yet), "
                "{parked} refused by KRA, {signed} signed."
            ).format(waiting=v.waiting + v.in_doubt, parked=v.parked, signed=v.signed)
        if v.phase is EtimsPhase.OFF:
            return self.tr(
                "Nothing is queued: eTIMS is not set up on this till. Add the [etims] "
                "section (KRA PIN, branch id, device serial) as docs/etims.md explains."
            )
        text = self.tr(
            "{waiting} waiting, {in_doubt} sent and awaiting KRA's answer, {parked} refused "
            "by KRA, {signed} signed. The queue is sent in order; a sale whose answer was "
            "lost is looked up at KRA before it is sent again, never numbered twice."
        ).format(waiting=v.waiting, in_doubt=v.in_doubt, parked=v.parked, signed=v.signed)
        if v.parked:
            text += " " + self.tr(
                "A refused entry waits for you: fix what KRA's reason names (a product, a "
                "tax class, the set-up), then put it back in the queue."
            )
        if v.no_credit_note:
            text += " " + self.tr(
                "Refunds settled without a credit note: {n}. The refunded sale was not a "
                "KRA invoice (returned without a receipt, or sold before eTIMS), so nothing "
                "of theirs is sent to KRA."
            ).format(n=v.no_credit_note)
        if v.tampered is not None:  # the stored signatures were changed outside Kaunta
            text += "\n" + tampered_text(v)
        reason = own_reason(v)
        if reason:  # why the worker is offline, where a kept key is
            text += "\n" + self.tr("Now: {reason}").format(reason=reason_text(reason))
        return text

    def selected(self) -> QueueRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        index = rows[0].row()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _selection(self) -> None:
        chosen = self.selected()
        self.btn_unpark.setEnabled(chosen is not None and chosen.state == "parked")

    # -- actions -------------------------------------------------------------------------
    def retry(self) -> None:
        """Start the worker's next round now (safe at any time: the worker looks up an
        entry in doubt before resending it and never renumbers it)."""
        self.service.request(QueueAction.RETRY)
        self.show_info(self.tr("Sending now. The list follows KRA's answers."))

    def acknowledge(self) -> None:
        """The manager has seen the tampering alert: recorded in the audit log with who
        (on the till worker), and it no longer comes back at start-up; the file stays as
        found and ``kaunta verify`` still names every problem. Refused unless a manager is
        logged in (the service decides)."""
        service = self.service

        def done(refused: object) -> None:
            if isinstance(refused, Message):
                self.show_error(i18n.render(refused))
                return
            self.show_info(
                self.tr(
                    "Recorded with your name: the alert will not come back at start-up. "
                    "Leave the eTIMS files as they are; kaunta verify still names every "
                    "problem."
                )
            )

        self._calls.call(
            service.acknowledge_tampering, done, lambda e: self.show_error(i18n.describe(e))
        )

    def unpark(self) -> None:
        """Put the chosen refused entry back in the queue (after the fix)."""
        chosen = self.selected()
        if chosen is None or chosen.state != "parked":
            return
        self.service.request(QueueAction.UNPARK, chosen.position)
        self.show_info(
            self.tr("{number} is back in the queue and is sent in order.").format(
                number=chosen.receipt_number
            )
        )


def decorate_entry(menu: ManagerMenu, button: QPushButton) -> None:
    """The manager menu's entry: how many wait or were refused, red when KRA refused
    some or the oldest waits too long (read from memory: no I/O)."""
    view = menu.acts.terminal.etims.view()
    count = view.waiting + view.in_doubt + view.parked
    if view.phase is EtimsPhase.OFF or not count:
        return
    label, _, shortcut = button.text().partition("\n")
    button.setText(f"{label} ({count})\n{shortcut}" if shortcut else f"{label} ({count})")
    if view.parked or view.alert(_utc_now()):
        button.setProperty("role", "danger")
        button.style().polish(button)
