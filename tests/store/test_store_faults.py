"""Faults a till meets, in clear words, with nothing lost.

A database cut to 0 bytes or deleted is refused while its marker says one was there (no
silent restart at receipt 000001); a damaged page is found at start-up by ``quick_check``;
a full disk says so and keeps the basket; a read-only data folder is named. Each test
fails on the Kaunta before these rules: it opened such files silently or raised SQLite's
own words.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from pos.demo import CATALOG_CSV
from pos.domain.money import Money
from pos.services.auth import Role
from pos.services.checkout import SaleView
from pos.services.context import TerminalContext
from pos.services.terminal import Terminal
from pos.store.backup import make_backup, restore_backup
from pos.store.db import drive_of, open_database
from pos.store.errors import (
    DatabaseCorrupt,
    DatabaseFull,
    DatabaseMissing,
    DatabaseReplaced,
    DataFolderNotWritable,
)
from pos.store.identity import marker_path, read_marker
from pos.ui.actions import describe_error
from tests.disks import fill, read_only_folder, small_disk

MILK = "6168232712628"  # DAI-0001 Brookside Fresh Milk 500ml, 65.00
NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _codes() -> list[str]:
    import csv

    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return [row["barcode"] for row in csv.DictReader(f) if row["barcode"]]


def _login_cashier(terminal: Terminal, pins: dict[Role, str]) -> None:
    user = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
    terminal.auth.login(user.user_id, pins[Role.CASHIER])


def _sell_one(terminal: Terminal) -> str:
    terminal.checkout.scan(MILK)
    result = terminal.checkout.pay_cash(Money(10000))
    assert result.receipt is not None
    return result.receipt.number


# -- a database cut to nothing --------------------------------------------------------------


def test_a_first_start_writes_the_marker_with_the_database_identity(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    identity = read_marker(path)
    assert marker_path(path) == tmp_path / "kaunta.sqlite.id"
    assert identity
    conn = sqlite3.connect(path)
    try:
        assert f"{conn.execute('PRAGMA user_version').fetchone()[0]:08x}" == identity
    finally:
        conn.close()


def test_a_database_emptied_to_0_bytes_is_refused_with_the_latest_backup_offered(
    cashier: Terminal, db_path: Path
) -> None:
    assert _sell_one(cashier) == "DEMO-T1-000001"
    backup = make_backup(db_path, keep=3, now=NOON)
    cashier.close()
    db_path.write_bytes(b"")  # what a failing disk or a careless copy leaves

    with pytest.raises(DatabaseMissing) as excinfo:
        Terminal.open(db_path, cashier.ctx)
    message = str(excinfo.value)
    assert f"The database file {db_path} is empty (0 bytes)" in message
    assert "receipt numbers would restart" in message
    assert f"kaunta restore {backup}" in message
    assert excinfo.value.backup == backup
    assert db_path.stat().st_size == 0  # nothing was created in its place


def test_a_deleted_database_is_refused_while_its_marker_remains(
    tmp_path: Path, ctx: TerminalContext
) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    path.unlink()
    with pytest.raises(DatabaseMissing, match=r"is missing, but a Kaunta database was kept"):
        Terminal.open(path, ctx)
    assert not path.exists()
    with pytest.raises(DatabaseMissing, match="There is no backup of it"):
        open_database(path)


def test_restoring_the_offered_backup_continues_the_receipt_numbers(
    cashier: Terminal, db_path: Path, pins: dict[Role, str]
) -> None:
    _sell_one(cashier)
    backup = make_backup(db_path, keep=3, now=NOON)
    ctx = cashier.ctx
    cashier.close()
    db_path.write_bytes(b"")
    restore_backup(db_path, backup, now=NOON)

    again = Terminal.open(db_path, ctx)
    try:
        _login_cashier(again, pins)
        assert _sell_one(again) == "DEMO-T1-000002"
    finally:
        again.close()


def test_a_different_database_put_in_its_place_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    other = tmp_path / "elsewhere" / "kaunta.sqlite"
    open_database(other).dispose()
    shutil.copyfile(other, path)
    with pytest.raises(DatabaseReplaced, match="is not the one this till was using"):
        open_database(path)


def test_a_database_from_before_markers_gets_an_identity_and_a_marker(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.sqlite"
    open_database(path).dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.execute("PRAGMA application_id = 0")
    conn.close()
    marker_path(path).unlink()

    open_database(path).dispose()
    assert read_marker(path)


# -- a damaged page -------------------------------------------------------------------------


def _overwrite_products_root_page(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'products'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(random.Random(7).randbytes(page_size))


def test_an_overwritten_page_is_found_at_start_up_and_the_latest_backup_offered(
    terminal: Terminal, db_path: Path, ctx: TerminalContext
) -> None:
    backup = make_backup(db_path, keep=3, now=NOON)
    terminal.close()
    _overwrite_products_root_page(db_path)
    before = db_path.read_bytes()

    with pytest.raises(DatabaseCorrupt) as excinfo:
        Terminal.open(db_path, ctx)
    message = str(excinfo.value)
    assert str(db_path) in message
    assert "Kaunta has not changed it" in message
    assert f"kaunta restore {backup}" in message
    assert db_path.read_bytes() == before


# -- a full disk ----------------------------------------------------------------------------


def _page_limit(terminal: Terminal) -> Callable[[], None]:
    """Make the database "full" at its current size (SQLite's own SQLITE_FULL); returns
    the function that lifts the limit again."""
    engine = terminal.db.engine
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())

    def limit(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", limit)
    engine.dispose()

    def lift() -> None:
        event.remove(engine, "connect", limit)
        engine.dispose()

    return lift


def _scan_until_full(terminal: Terminal) -> tuple[SaleView, DatabaseFull]:
    """Scan products until the disk is full; returns the last basket shown and the error."""
    shown = terminal.checkout.view()
    for code in _codes() * 20:
        try:
            shown = terminal.checkout.scan(code)
        except DatabaseFull as exc:
            return shown, exc
    raise AssertionError("the database never filled up")


def test_a_database_at_its_page_limit_says_the_disk_is_full_and_keeps_the_basket(
    cashier: Terminal, db_path: Path
) -> None:
    lift = _page_limit(cashier)
    shown, error = _scan_until_full(cashier)
    drive = drive_of(db_path)
    expected = f"The disk is full: free some space on {drive}. The basket is safe; try again."
    assert str(error) == expected
    assert describe_error(error) == expected  # the sale screen shows it as it is
    assert cashier.checkout.view() == shown  # the basket on screen is the one saved

    lift()  # space freed
    after = cashier.checkout.scan(MILK)
    assert len(after.lines) >= len(shown.lines)
    assert cashier.checkout.restore() == after


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk", 16 * 1024) as disk:
        yield disk


def test_a_full_tmpfs_says_the_disk_is_full_and_keeps_the_basket(
    tiny_disk: Path,
    seeded_db_template: Path,
    ctx: TerminalContext,
    pins: dict[Role, str],
) -> None:
    path = tiny_disk / "kaunta.sqlite"
    shutil.copyfile(seeded_db_template, path)
    for pattern in ("journal.*", "auth.*"):  # its journal key and PIN pepper go with it
        for key in seeded_db_template.parent.glob(pattern):
            shutil.copyfile(key, tiny_disk / key.name)
    terminal = Terminal.open(path, ctx)
    try:
        _login_cashier(terminal, pins)
        terminal.checkout.scan(MILK)
        filler = fill(tiny_disk)
        shown, error = _scan_until_full(terminal)
        assert str(error) == (
            f"The disk is full: free some space on {tiny_disk}. The basket is safe; try again."
        )
        assert terminal.checkout.view() == shown

        filler.unlink()
        after = terminal.checkout.scan(MILK)
        assert terminal.checkout.restore() == after
    finally:
        terminal.close()


# -- a read-only data folder ----------------------------------------------------------------


def test_a_read_only_data_folder_is_named_not_a_traceback(tmp_path: Path) -> None:
    def with_a_database(folder: Path) -> None:
        open_database(folder / "kaunta.sqlite").dispose()

    with read_only_folder(tmp_path / "data", with_a_database) as folder:
        with pytest.raises(DataFolderNotWritable) as excinfo:
            open_database(folder / "kaunta.sqlite")
        message = str(excinfo.value)
        assert f"Kaunta cannot write to its data folder {folder}" in message
        assert "--data-dir" in message
        with pytest.raises(DataFolderNotWritable):
            open_database(folder / "new" / "kaunta.sqlite")  # cannot even make the folder
    assert os.access(tmp_path, os.W_OK)
