"""The sale screen's sync line, on the real till window: what it says when not enrolled,
online, offline (with the offline counter) and stale (the manager's warning), and that the
agent's thread hands its news over without waiting for the GUI thread."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from pos.services.headoffice import SyncPhase, SyncView
from pos.ui.sync_status import SyncStatusLine
from tests.ui.conftest import Till

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
RUNNING = SyncView(phase=SyncPhase.RUNNING, warn_after=timedelta(hours=24))


def _line(till: Till) -> SyncStatusLine:
    line = till.window.sale.sync_line
    assert isinstance(line, SyncStatusLine)
    return line


def test_a_till_that_is_not_enrolled_says_so_on_the_sale_screen(selling: Till) -> None:
    line = _line(selling)
    assert line.isVisible()
    assert line.text() == "Not connected to a head office"
    assert line.kind == "quiet"


def test_the_agents_news_arrives_queued_on_the_gui_thread_without_waiting(
    selling: Till, qtbot: QtBot
) -> None:
    line = _line(selling)
    service = selling.terminal.headoffice
    view = replace(RUNNING, online=True, waiting=3, last_success_at=datetime.now(UTC))
    publisher = threading.Thread(target=service.publish, args=(view,))
    publisher.start()
    publisher.join(5)
    # the agent's thread is done and the GUI thread has not run yet: nothing shown so far
    assert not publisher.is_alive()
    assert line.text() == "Not connected to a head office"
    qtbot.waitUntil(lambda: line.text().startswith("Online"), timeout=5000)
    assert "3 waiting" in line.text()
    assert "last sync" in line.text()
    assert line.kind == "ok"


def test_offline_shows_for_how_long_and_what_is_waiting(selling: Till) -> None:
    line = _line(selling)
    line.clock = lambda: NOW
    line.show_view(
        replace(
            RUNNING,
            online=False,
            waiting=12,
            last_success_at=NOW - timedelta(minutes=40),
            offline_since=NOW - timedelta(minutes=25),
        )
    )
    # 09:30 UTC - 40 min, in the shop's zone (Nairobi, UTC+3), as the status bar's clock
    assert line.text() == "Offline for 25 min · 12 waiting · last sync 11:50"
    assert line.kind == "offline"
    line.show_view(replace(line.view, last_success_at=NOW - timedelta(days=2)))
    assert line.text().endswith("last sync 30/11/2026 12:30")  # another day: with its date


def test_not_synced_for_longer_than_configured_warns_the_manager(selling: Till) -> None:
    line = _line(selling)
    line.clock = lambda: NOW
    view = replace(
        RUNNING,
        warn_after=timedelta(hours=2),
        last_success_at=NOW - timedelta(hours=1, minutes=59),
        offline_since=NOW - timedelta(hours=1, minutes=59),
    )
    line.show_view(view)
    assert line.kind == "offline"  # not yet
    line.clock = lambda: NOW + timedelta(minutes=2)
    line.refresh()  # what the 30-second timer does: the clock alone turns it into a warning
    assert line.kind == "warning"
    assert line.text().startswith("Not synced for 2 h 1 min: tell the manager")


def test_parked_events_and_a_refused_till_are_named(selling: Till) -> None:
    line = _line(selling)
    line.show_view(replace(RUNNING, refused=True, waiting=4, parked=2))
    assert line.text().startswith("Head office refuses this till")
    assert "2 refused (manager's tools)" in line.text()
    assert line.kind == "offline"
