"""Backups as the till uses them: every few hours while it runs, and when it closes.

The copy itself is :func:`pos.store.backup.make_backup` (SQLite's online backup API from a
connection of its own, checked with ``PRAGMA integrity_check``, renamed only when good).
This service adds the till's rules: how often (``[backup] every_hours``), how many to keep
(``[backup] keep``), and the log lines. It runs on a worker of its own, never on the GUI
thread and never on the till worker: a backup of a large file takes seconds, and the
till's sales must not queue behind it (in WAL mode they do not have to).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pos.services.context import Clock, SystemClock
from pos.store import backup as store_backup
from pos.store.errors import BackupFailed

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BackupPolicy:
    """``[backup]`` in the config file (see docs/backups.md)."""

    every_hours: float = 4.0
    keep: int = 14

    @property
    def interval_ms(self) -> int:
        """The periodic timer's interval."""
        return int(self.every_hours * 3600 * 1000)


@dataclass(frozen=True, slots=True)
class BackupDone:
    """A backup that was made and checked."""

    path: Path
    kept: int  # how many backups there are now


class BackupService:
    """Checked, rotating backups of one database file."""

    def __init__(
        self, db_path: Path, policy: BackupPolicy | None = None, clock: Clock | None = None
    ) -> None:
        self.db_path = db_path
        self.policy = policy or BackupPolicy()
        self._clock: Clock = clock or SystemClock()

    def backup_now(self, reason: str = "on demand") -> BackupDone:
        """Make one checked backup; raises :class:`BackupFailed` (logged) if none was made."""
        try:
            path = store_backup.make_backup(
                self.db_path, keep=self.policy.keep, now=self._clock.now()
            )
        except BackupFailed as exc:
            log.error("backup (%s) failed: %s", reason, exc)
            raise
        kept = len(store_backup.list_backups(self.db_path))
        log.info("backup (%s) written: %s (%d kept)", reason, path, kept)
        return BackupDone(path, kept)

    def latest(self) -> Path | None:
        """The newest backup that passes ``quick_check``."""
        return store_backup.latest_backup(self.db_path)
