"""``kaunta backup`` and ``kaunta restore`` as a manager runs them, and start-up refusals.

Real processes and real files: the till's database is made by ``kaunta import-catalog``,
cut to 0 bytes, refused by ``kaunta run``, restored, and started again; a read-only data
folder and config mistakes are reported in words with exit code 2, never a traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pos.store.instance_lock import InstanceLock
from tests.cli_run import kaunta
from tests.disks import read_only_folder


def _products(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM products").fetchone()[0])
    finally:
        conn.close()


def _till_with_products(tmp_path: Path) -> tuple[Path, Path]:
    """A training till's data folder with the demo catalog and one more product."""
    data = tmp_path / "d"
    csv_file = tmp_path / "new.csv"
    csv_file.write_text("sku,name,price,vat_class\nNEW-1,Test Juice 1L,150.00,S\n", "utf-8")
    result = kaunta("--data-dir", str(data), "import-catalog", str(csv_file), home=tmp_path)
    assert result.returncode == 0, result.stderr
    return data, data / "training" / "kaunta.sqlite"


def test_backup_prints_the_checked_file_it_wrote(tmp_path: Path) -> None:
    data, db = _till_with_products(tmp_path)
    result = kaunta("--data-dir", str(data), "backup", home=tmp_path)
    assert result.returncode == 0, result.stderr
    backup = Path(result.stdout.strip())
    assert backup.parent == db.parent / "backups"
    assert backup.name.startswith("kaunta-")
    assert backup.name.endswith("Z.sqlite")
    assert _products(backup) == 348


def test_an_emptied_database_is_refused_then_restored_and_the_till_starts(
    tmp_path: Path,
) -> None:
    data, db = _till_with_products(tmp_path)
    backup = Path(kaunta("--data-dir", str(data), "backup", home=tmp_path).stdout.strip())
    db.write_bytes(b"")

    refused = kaunta("--data-dir", str(data), "run", "--smoke", home=tmp_path)
    assert refused.returncode == 2
    assert f"The database file {db} is empty (0 bytes)" in refused.stderr
    assert f"kaunta restore {backup}" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert db.stat().st_size == 0

    restored = kaunta("--data-dir", str(data), "restore", str(backup), home=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {backup} into {db}" in restored.stdout
    aside = next(db.parent.glob("kaunta.sqlite.before-restore-*"))
    assert f"kept as {aside}" in restored.stdout
    assert aside.stat().st_size == 0
    assert _products(db) == 348

    started = kaunta("--data-dir", str(data), "run", "--smoke", home=tmp_path)
    assert started.returncode == 0, started.stderr


def test_restore_is_refused_while_the_till_runs(tmp_path: Path) -> None:
    data, db = _till_with_products(tmp_path)
    backup = Path(kaunta("--data-dir", str(data), "backup", home=tmp_path).stdout.strip())
    before = db.read_bytes()
    with InstanceLock(db.parent):  # what a running till holds
        result = kaunta("--data-dir", str(data), "restore", str(backup), home=tmp_path)
    assert result.returncode == 2
    assert "already running" in result.stderr
    assert "Nothing was restored" in result.stderr
    assert db.read_bytes() == before


def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    data, db = _till_with_products(tmp_path)
    backup = Path(kaunta("--data-dir", str(data), "backup", home=tmp_path).stdout.strip())
    raw = bytearray(backup.read_bytes())
    raw[4096 * 2 : 4096 * 3] = b"\xa5" * 4096
    backup.write_bytes(bytes(raw))
    before = db.read_bytes()
    result = kaunta("--data-dir", str(data), "restore", str(backup), home=tmp_path)
    assert result.returncode == 2
    assert "damaged" in result.stderr or "not a database" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before


def test_a_read_only_data_folder_is_named_by_the_command_line(tmp_path: Path) -> None:
    csv_file = tmp_path / "new.csv"
    csv_file.write_text("sku,name,price,vat_class\nNEW-1,Juice,150.00,S\n", "utf-8")

    def a_till(folder: Path) -> None:
        made = kaunta("--data-dir", str(folder), "import-catalog", str(csv_file), home=tmp_path)
        assert made.returncode == 0, made.stderr

    with read_only_folder(tmp_path / "ro", a_till) as data:
        folder = data / "training"
        for args in (("run", "--smoke"), ("import-catalog", str(csv_file))):
            result = kaunta("--data-dir", str(data), *args, home=tmp_path)
            assert result.returncode == 2, (args, result.stderr)
            assert "Traceback" not in result.stderr, args
            assert f"Kaunta cannot write to its data folder {folder}" in result.stderr, args
        result = kaunta("--data-dir", str(data), "backup", home=tmp_path)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert f"cannot create {folder / 'backups'}" in result.stderr
        assert "The database itself is unchanged" in result.stderr


def test_a_config_mistake_is_named_and_a_typo_warned_about(tmp_path: Path) -> None:
    config = tmp_path / "kaunta.toml"
    config.write_text('paths = "oops"\n', encoding="utf-8")
    result = kaunta("--config", str(config), "--print-paths", home=tmp_path)
    assert result.returncode == 2
    assert "[paths] must be a table" in result.stderr
    assert "Traceback" not in result.stderr

    config.write_text('[terminal]\nstor_id = "NBO01"\n', encoding="utf-8")
    result = kaunta("--config", str(config), "--training", "--print-paths", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "kaunta: warning: unknown key terminal.stor_id" in result.stderr


def test_kaunta_backup_and_restore_carry_the_etims_queue(tmp_path: Path) -> None:
    """The eTIMS queue beside the database (its invoice counter) is in the backup and
    comes back with ``kaunta restore`` after the disk lost it."""
    from datetime import UTC, datetime

    from sync.etims.queue import EntryKind
    from sync.etims.queue_sqlite import SqliteQueue

    data, db = _till_with_products(tmp_path)
    path = db.with_name("etims.sqlite")
    queue = SqliteQueue(path)
    try:
        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        for n in range(4):
            position = queue.enqueue("P051234567X-01", f"s{n}", EntryKind.SALE, {}, now)
            queue.claim_numbers("P051234567X-01", [(position, lambda k: {"invcNo": k})], now)
    finally:
        queue.close()
    backup = Path(kaunta("--data-dir", str(data), "backup", home=tmp_path).stdout.strip())
    copy = backup.with_name(f"{backup.stem}.etims.sqlite")
    assert copy.is_file()
    for lost in (db, path):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{lost}{suffix}").unlink(missing_ok=True)
    restored = kaunta("--data-dir", str(data), "restore", str(backup), home=tmp_path)
    assert restored.returncode == 0, restored.stderr
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT max(last_invc_no) FROM etims_counter").fetchone()[0] == 4
    finally:
        conn.close()
    assert _products(db) == 348
