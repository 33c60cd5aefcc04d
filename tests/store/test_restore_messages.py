"""A restore's refusals and the database's last English messages are codes with values:
``str()`` stays the English (the command line, the log), the start-up dialog renders them
in ``[ui] language`` with the same file names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pos.store import backup
from pos.store.backup import check_backup, restore_backup
from pos.store.errors import BackupFailed


def _kiswahili(source: str, code: str | None) -> str:
    return {"restore.not_a_file": "{path} si faili yenye hifadhidata."}.get(code or "", source)


def test_an_empty_file_is_refused_with_its_code_and_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(BackupFailed) as refused:
        check_backup(empty)
    assert refused.value.msg == backup.NOT_A_FILE(path=str(empty))
    assert str(refused.value) == f"{empty} is not a file with a database in it: nothing restored."
    assert refused.value.msg.render(_kiswahili) == f"{empty} si faili yenye hifadhidata."


def test_a_file_that_is_not_a_database_is_refused_by_code(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all, just words " * 200)
    with pytest.raises(BackupFailed) as refused:
        check_backup(junk)
    assert refused.value.msg.code in {"restore.unreadable", "restore.damaged"}
    assert str(junk) in str(refused.value)


def test_a_database_that_is_not_kauntas_is_refused_by_code(tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(BackupFailed) as refused:
        restore_backup(tmp_path / "data" / "kaunta.sqlite", other, now=datetime.now(UTC))
    assert refused.value.msg == backup.NOT_KAUNTA(path=str(other.resolve()))
