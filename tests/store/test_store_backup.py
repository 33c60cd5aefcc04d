"""Backups: online, checked, rotating, never a bad copy kept; restores that lose nothing.

Real files throughout: the backup API copies the till's real database (with a writer
holding its lock), the copies are opened and checked by SQLite, and restoring moves real
files aside.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pos.domain.money import Money
from pos.services.backups import BackupPolicy, BackupService
from pos.services.terminal import Terminal
from pos.store.backup import (
    backup_dir,
    check_backup,
    integrity_problems,
    latest_backup,
    list_backups,
    make_backup,
    restore_backup,
)
from pos.store.db import SCHEMA_HEAD, open_database
from pos.store.errors import BackupFailed
from pos.store.identity import read_marker
from pos.store.instance_lock import InstanceLock
from tests.disks import fill, small_disk

MILK = "6168232712628"
NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _count(path: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def _sell(terminal: Terminal) -> None:
    terminal.checkout.scan(MILK)
    assert terminal.checkout.pay_cash(Money(10000)).receipt is not None


def test_a_backup_is_a_checked_self_contained_copy_with_every_sale(
    cashier: Terminal, db_path: Path
) -> None:
    _sell(cashier)
    _sell(cashier)
    path = make_backup(db_path, keep=14, now=NOON)

    assert path == backup_dir(db_path) / "kaunta-20260302-090000Z.sqlite"
    assert integrity_problems(path) == []
    assert _count(path, "sales") == 2
    assert not Path(f"{path}-wal").exists()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    assert [p.name for p in backup_dir(db_path).iterdir()] == [path.name]  # no temp left


def test_a_backup_copies_while_another_writer_holds_the_lock(
    terminal: Terminal, db_path: Path
) -> None:
    """The online backup reads its own snapshot: a till mid-transaction neither blocks it
    nor leaks its uncommitted rows into the copy."""
    before = _count(db_path, "audit_log")
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO counters (name, value) VALUES ('uncommitted', 1)")
        path = make_backup(db_path, keep=14, now=NOON)
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert _count(path, "audit_log") == before
    conn = sqlite3.connect(path)
    try:
        assert (
            conn.execute("SELECT count(*) FROM counters WHERE name = 'uncommitted'").fetchone()[0]
            == 0
        )
    finally:
        conn.close()


def test_only_the_newest_backups_are_kept(terminal: Terminal, db_path: Path) -> None:
    made = [make_backup(db_path, keep=3, now=NOON + timedelta(hours=4 * i)) for i in range(5)]
    assert list_backups(db_path) == made[-3:]
    assert latest_backup(db_path) == made[-1]
    again = make_backup(db_path, keep=3, now=NOON + timedelta(hours=16))  # same second
    assert again.name == "kaunta-20260303-010000Z-1.sqlite"
    assert list_backups(db_path)[-1] == again


def test_a_damaged_database_gives_no_backup_and_keeps_the_good_ones(
    terminal: Terminal, db_path: Path
) -> None:
    good = make_backup(db_path, keep=14, now=NOON)
    terminal.close()
    conn = sqlite3.connect(db_path)
    page_size, root = conn.execute(
        "SELECT (SELECT page_size FROM pragma_page_size), rootpage FROM sqlite_master "
        "WHERE name = 'products'"
    ).fetchone()
    conn.close()
    with db_path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(random.Random(3).randbytes(page_size))

    with pytest.raises(BackupFailed, match="failed its integrity check"):
        make_backup(db_path, keep=14, now=NOON + timedelta(hours=4))
    assert list_backups(db_path) == [good]
    assert [p.name for p in backup_dir(db_path).iterdir()] == [good.name]  # no temp left
    assert latest_backup(db_path) == good


def test_a_temp_copy_left_by_a_crash_is_cleared_after_a_day(
    terminal: Terminal, db_path: Path
) -> None:
    folder = backup_dir(db_path)
    folder.mkdir()
    stale = folder / ".kaunta-20260301-090000Z.sqlite.99.tmp"
    fresh = folder / ".kaunta-20260302-085900Z.sqlite.98.tmp"
    for path, age in ((stale, timedelta(days=2)), (fresh, timedelta(minutes=1))):
        path.write_bytes(b"partial")
        when = (NOON - age).timestamp()
        os.utime(path, (when, when))
    make_backup(db_path, keep=14, now=NOON)
    assert not stale.exists()
    assert fresh.exists()  # may belong to a backup still running


def test_a_full_disk_gives_no_backup_and_says_so(tmp_path: Path, seeded_db_template: Path) -> None:
    with small_disk(tmp_path / "disk", 8 * 1024) as disk:
        path = disk / "kaunta.sqlite"
        shutil.copyfile(seeded_db_template, path)
        open_database(path).dispose()
        before = path.read_bytes()
        fill(disk)
        with pytest.raises(BackupFailed) as excinfo:
            make_backup(path, keep=3, now=NOON)
        assert f"the disk is full: free some space on {disk}" in str(excinfo.value)
        assert "The database itself is unchanged" in str(excinfo.value)
        assert list_backups(path) == []
        assert not list(backup_dir(path).glob(".*.tmp")) if backup_dir(path).exists() else True
        assert path.read_bytes() == before


def test_no_backup_of_a_database_that_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(BackupFailed, match="no database at"):
        make_backup(tmp_path / "kaunta.sqlite", keep=3, now=NOON)
    assert not (tmp_path / "kaunta.sqlite").exists()


def test_the_service_keeps_what_the_policy_says(terminal: Terminal, db_path: Path) -> None:
    class Clock:
        def __init__(self) -> None:
            self.at = NOON

        def now(self) -> datetime:
            self.at += timedelta(hours=4)
            return self.at

    service = BackupService(db_path, BackupPolicy(every_hours=4, keep=2), Clock())
    done = [service.backup_now("test") for _ in range(4)]
    assert done[-1].kept == 2
    assert list_backups(db_path) == [d.path for d in done[-2:]]
    assert service.latest() == done[-1].path
    assert BackupPolicy(every_hours=4).interval_ms == 4 * 3600 * 1000


# -- restore ------------------------------------------------------------------------------


def test_restore_keeps_the_current_database_aside_and_puts_the_backup_in_place(
    cashier: Terminal, db_path: Path
) -> None:
    _sell(cashier)
    backup = make_backup(db_path, keep=14, now=NOON)
    _sell(cashier)  # after the backup: in the file kept aside, not in the backup
    ctx = cashier.ctx
    cashier.close()

    result = restore_backup(db_path, backup, now=NOON + timedelta(hours=1))
    assert result.aside == db_path.with_name("kaunta.sqlite.before-restore-20260302-100000Z")
    assert _count(result.aside, "sales") == 2
    assert _count(db_path, "sales") == 1
    assert result.revision == SCHEMA_HEAD
    assert read_marker(db_path) is not None
    Terminal.open(db_path, ctx).close()  # the till starts on it


def test_restore_is_refused_while_a_till_runs_on_the_folder(
    terminal: Terminal, db_path: Path
) -> None:
    backup = make_backup(db_path, keep=14, now=NOON)
    before = db_path.read_bytes()
    with InstanceLock(db_path.parent), pytest.raises(BackupFailed) as excinfo:
        restore_backup(db_path, backup, now=NOON)
    assert "already running" in str(excinfo.value)
    assert "Nothing was restored" in str(excinfo.value)
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob("*.before-restore-*"))


def test_restore_refuses_a_damaged_file(terminal: Terminal, db_path: Path) -> None:
    backup = make_backup(db_path, keep=14, now=NOON)
    data = bytearray(backup.read_bytes())
    data[4096 * 3 : 4096 * 4] = random.Random(5).randbytes(4096)
    backup.write_bytes(bytes(data))
    with pytest.raises(BackupFailed, match="damaged"):
        restore_backup(db_path, backup, now=NOON)


def test_restore_refuses_what_is_not_a_kaunta_database(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello", encoding="utf-8")
    with pytest.raises(BackupFailed, match="not a Kaunta database"):
        check_backup(other)
    with pytest.raises(BackupFailed, match="not a database Kaunta can read"):
        check_backup(text_file)


def test_restore_refuses_a_file_from_a_newer_kaunta(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    open_database(newer).dispose()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(BackupFailed, match="newer Kaunta"):
        check_backup(newer)


def test_restore_refuses_a_file_whose_append_only_rules_are_gone(tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.sqlite"
    open_database(tampered).dispose()
    conn = sqlite3.connect(tampered)
    conn.execute("DROP TRIGGER sales_no_update")
    conn.commit()
    conn.close()
    with pytest.raises(BackupFailed, match="sales_no_update"):
        check_backup(tampered)


def _etims_numbered(db_path: Path, count: int) -> Path:
    """The eTIMS queue beside the database with ``count`` sales numbered (a real
    ``SqliteQueue``: what the till's standalone submitter writes)."""
    from sync.etims.queue import EntryKind
    from sync.etims.queue_sqlite import SqliteQueue

    path = db_path.with_name("etims.sqlite")
    queue = SqliteQueue(path)
    try:
        for _ in range(count):
            doc = f"sale-{random.getrandbits(48):012x}"
            position = queue.enqueue("P051234567X-01", doc, EntryKind.SALE, {"n": doc}, NOON)
            queue.claim_numbers("P051234567X-01", [(position, lambda n: {"invcNo": n})], NOON)
    finally:
        queue.close()
    return path


def test_the_etims_queue_is_backed_up_and_restored_with_its_counter(
    cashier: Terminal, db_path: Path
) -> None:
    """The invoice counter lives in ``etims.sqlite``: a backup without it, restored after
    a lost disk, would number from 1 again and give KRA numbers it holds."""
    from pos.store.backup import companions_of, invoice_counter

    _sell(cashier)
    queue = _etims_numbered(db_path, 3)
    backup = make_backup(db_path, keep=1, now=NOON)
    copies = companions_of(backup)
    assert list(copies) == ["etims.sqlite"]
    assert copies["etims.sqlite"].name == "kaunta-20260302-090000Z.etims.sqlite"
    assert invoice_counter(copies["etims.sqlite"]) == 3
    assert integrity_problems(copies["etims.sqlite"]) == []
    assert list_backups(db_path) == [backup]  # the copy is not a backup of its own
    ctx = cashier.ctx
    cashier.close()
    # the disk lost both files
    for path in (db_path, queue):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    result = restore_backup(db_path, backup, now=NOON + timedelta(hours=1))
    assert result.companions == ("etims.sqlite",)
    assert invoice_counter(queue) == 3  # the next sale gets 4, not 1
    Terminal.open(db_path, ctx).close()
    # a later backup rotates the earlier one out, its copy with it
    later = make_backup(db_path, keep=1, now=NOON + timedelta(hours=2))
    assert list_backups(db_path) == [later]
    assert not copies["etims.sqlite"].exists()


def test_a_restore_keeps_a_sound_etims_queue_that_numbered_further(
    terminal: Terminal, db_path: Path
) -> None:
    """Restoring the till's database from an older backup must not wind the eTIMS
    counter back: the current queue, sound and further on, stays as it is."""
    from pos.store.backup import invoice_counter

    queue = _etims_numbered(db_path, 2)
    backup = make_backup(db_path, keep=14, now=NOON)
    _etims_numbered(db_path, 3)  # five numbered now
    terminal.close()
    result = restore_backup(db_path, backup, now=NOON + timedelta(hours=1))
    assert result.kept == ("etims.sqlite",)
    assert result.companions == ()
    assert invoice_counter(queue) == 5
    # a damaged current queue is replaced by the backup's (set aside, not deleted)
    queue.write_bytes(b"\xa5" * 8192)
    for suffix in ("-wal", "-shm"):
        Path(f"{queue}{suffix}").unlink(missing_ok=True)
    again = restore_backup(db_path, backup, now=NOON + timedelta(hours=2))
    assert again.companions == ("etims.sqlite",)
    assert invoice_counter(queue) == 2
    assert queue.with_name("etims.sqlite.before-restore-20260302-110000Z").exists()
