"""``kaunta restore`` says what became of the eTIMS files, as a manager runs it: a real
till folder (``kaunta import-catalog``), a real eTIMS queue beside its database with
numbered sales (``SqliteQueue``), ``kaunta backup``, then ``kaunta restore`` after the
disk lost the queue (put back, with its counter) and after the till numbered further
(kept as it was, and why)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sync.etims.queue import EntryKind
from sync.etims.queue_sqlite import SqliteQueue
from tests.cli_run import kaunta

NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BRANCH = "P051234567X-01"


def _number(queue_path: Path, first: int, count: int) -> None:
    queue = SqliteQueue(queue_path)
    try:
        for n in range(first, first + count):
            position = queue.enqueue(BRANCH, f"sale-{n}", EntryKind.SALE, {"n": n}, NOON)
            queue.claim_numbers(BRANCH, [(position, lambda k: {"invcNo": k})], NOON)
    finally:
        queue.close()


def test_restore_prints_the_etims_queue_put_back_and_one_kept(tmp_path: Path) -> None:
    data = tmp_path / "d"
    csv_file = tmp_path / "new.csv"
    csv_file.write_text("sku,name,price,vat_class\nNEW-1,Test Juice 1L,150.00,S\n", "utf-8")
    made = kaunta("--data-dir", str(data), "import-catalog", str(csv_file), home=tmp_path)
    assert made.returncode == 0, made.stderr
    db = data / "training" / "kaunta.sqlite"
    queue = db.with_name("etims.sqlite")
    _number(queue, 1, 3)
    backed = kaunta("--data-dir", str(data), "backup", home=tmp_path)
    assert backed.returncode == 0, backed.stderr
    backup = Path(backed.stdout.strip())

    for suffix in ("", "-wal", "-shm"):  # the disk lost the queue
        Path(f"{queue}{suffix}").unlink(missing_ok=True)
    restored = kaunta("--data-dir", str(data), "restore", str(backup), home=tmp_path)
    assert restored.returncode == 0, restored.stderr
    lines = restored.stdout.splitlines()
    assert lines[0].startswith(f"Restored {backup} into {db}")
    assert (
        "Restored etims.sqlite (the KRA eTIMS queue, its invoice counter and KRA's "
        "signatures) from the backup, invoices numbered up to 3." in lines
    )

    _number(queue, 4, 2)  # the till went on: five numbered now
    again = kaunta("--data-dir", str(data), "restore", str(backup), home=tmp_path)
    assert again.returncode == 0, again.stderr
    [kept] = [line for line in again.stdout.splitlines() if line.startswith("Kept ")]
    assert kept.startswith("Kept etims.sqlite as it was (the KRA eTIMS queue")
    assert "invoices numbered up to 5" in kept
    assert "would give KRA invoice numbers it already holds" in kept
    assert "Restored etims.sqlite" not in again.stdout
