"""Backups from the running till: every few hours and at closing, on their own worker.

The real window over a real database file: the backup timer and the close-of-day backup
write checked copies into ``backups/``; a busy till worker does not hold them up; a
failure is shown in the alert line. The start-up error offers the latest backup and can
restore it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from pos.app import demo_hint, open_terminal, restore_offered, startup_error_box
from pos.config import Config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.services.auth import Role
from pos.services.backups import BackupPolicy, BackupService
from pos.services.terminal import DemoUser, Terminal
from pos.store.backup import integrity_problems, list_backups, make_backup
from pos.store.errors import DatabaseMissing
from pos.ui.main_window import MainWindow

WAIT_MS = 10_000


@pytest.fixture
def open_till(qtbot: QtBot, config: Config) -> Iterator[Callable[[], MainWindow]]:
    """Build the real window with backups, as ``pos.app.run_gui`` does."""
    made: list[tuple[MainWindow, Terminal]] = []

    def build() -> MainWindow:
        ctx = config.terminal_context()
        ctx = dataclasses.replace(ctx, policy=dataclasses.replace(ctx.policy, pin_kdf_log2_n=10))
        terminal = Terminal.open(config.database_path, ctx)
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        window = MainWindow(
            terminal,
            demo_hint=demo_hint(config),
            backups=BackupService(config.database_path, BackupPolicy(every_hours=4, keep=3)),
        )
        qtbot.addWidget(window)
        window.show()
        made.append((window, terminal))
        return window

    yield build
    for window, terminal in made:
        window.close()
        terminal.close()


def test_the_backup_timer_runs_every_configured_hours(
    open_till: Callable[[], MainWindow],
) -> None:
    window = open_till()
    assert window._backup_timer.isActive()
    assert window._backup_timer.interval() == 4 * 3600 * 1000


def test_closing_the_till_makes_a_checked_backup_on_the_backup_worker(
    open_till: Callable[[], MainWindow], config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    window = open_till()
    caplog.set_level(logging.INFO, logger="pos.services.backups")
    window.close()
    [backup] = list_backups(config.database_path)
    assert integrity_problems(backup) == []
    [record] = [r for r in caplog.records if "backup (closing) written" in r.getMessage()]
    assert record.threadName.startswith("backup")


def test_the_periodic_backup_does_not_wait_for_a_busy_till_worker(
    open_till: Callable[[], MainWindow], qtbot: QtBot, config: Config
) -> None:
    window = open_till()
    release = threading.Event()
    finished = threading.Event()

    def long_store_job() -> None:  # a long job on the till worker
        release.wait(30)
        finished.set()

    window.runner.submit(long_store_job)
    try:
        window._backup_timer.timeout.emit()  # the four hours are up
        qtbot.waitUntil(lambda: len(list_backups(config.database_path)) == 1, timeout=WAIT_MS)
        assert not finished.is_set()  # the backup did not wait for the till job
    finally:
        release.set()


def test_a_failed_backup_is_shown_in_the_alert_line(
    open_till: Callable[[], MainWindow], qtbot: QtBot, config: Config
) -> None:
    window = open_till()
    (config.database_path.parent / "backups").write_text("not a folder", encoding="utf-8")
    window.backup_now("test")
    qtbot.waitUntil(window.alert.isVisible, timeout=WAIT_MS)
    assert window.alert.text().startswith("Backup failed: No backup of")


def test_the_start_up_error_offers_the_latest_backup_and_restores_it(
    qtbot: QtBot, config: Config
) -> None:
    terminal, lock = open_terminal(config)
    terminal.close()
    lock.release()
    backup = make_backup(config.database_path, keep=3, now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    config.database_path.write_bytes(b"")

    with pytest.raises(DatabaseMissing) as excinfo:
        open_terminal(config)
    box, restore = startup_error_box(excinfo.value)
    assert f"kaunta restore {backup}" in box.text()
    assert restore is not None
    assert restore.text() == f"Restore {backup.name}"
    assert box.button(QMessageBox.StandardButton.Close) is not None

    said = restore_offered(config, backup)
    assert said.startswith(f"Restored the backup {backup.name}.")
    terminal, lock = open_terminal(config)  # starts again on the restored file
    try:
        assert terminal.catalog.count() == 347
    finally:
        terminal.close()
        lock.release()


def test_an_error_without_a_backup_has_no_restore_button(
    qtbot: QtBot, config: Config, tmp_path: Path
) -> None:
    error = DatabaseMissing(
        config.database_path, tmp_path / "kaunta.sqlite.id", empty=True, backup=None
    )
    box, restore = startup_error_box(error)
    assert restore is None
    assert "There is no backup of it" in box.text()
