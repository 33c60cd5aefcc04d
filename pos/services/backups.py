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
import sqlite3
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


#: what each companion file of a backup holds, as ``kaunta restore`` says it
COMPANION_TEXTS = {
    "etims.sqlite": "the KRA eTIMS queue, its invoice counter and KRA's signatures",
    "etims-headoffice.sqlite": "KRA's answers received from head office",
}


def restore_lines(result: store_backup.RestoreResult) -> list[str]:
    """What ``kaunta restore`` prints: the database put back, where the old one is kept,
    and each eTIMS file put back or kept as it was, with the invoice counter it now has.

    A manager restoring after a lost disk must see that the eTIMS queue came back too (its
    counter is what keeps the next invoice from reusing a number KRA holds), and, when it
    was kept, why the older copy was not put back."""
    lines = [f"Restored {result.source} into {result.restored} (schema {result.revision})."]
    if result.aside is not None:
        lines.append(f"The database as it was is kept as {result.aside}.")
    folder = result.restored.parent
    for name in result.companions:
        lines.append(
            f"Restored {name} ({_companion_text(name)}) from the backup{_counter(folder / name)}."
        )
    for name in result.kept:
        lines.append(
            f"Kept {name} as it was ({_companion_text(name)}){_counter(folder / name)}: it had "
            "numbered as far as the backup's copy or further, and putting the older copy back "
            "would give KRA invoice numbers it already holds."
        )
    return lines


def _companion_text(name: str) -> str:
    return COMPANION_TEXTS.get(name, "a file kept with the database")


def _counter(path: Path) -> str:
    """``, invoices numbered up to N`` for a queue file with a counter; empty otherwise."""
    try:
        number = store_backup.invoice_counter(path)
    except sqlite3.Error:  # unreadable: the restore itself checked it; say no number
        return ""
    return f", invoices numbered up to {number}" if number else ""
