"""A database's identity, and the marker beside it that remembers a database was there.

SQLite opens a missing or 0-byte file as a new, empty database. For a till that means
silently starting again: receipt numbers restart at 000001 and the books lose their sales.
So once a database exists, Kaunta keeps a small marker file beside it,
``kaunta.sqlite.id``, holding the database's identity. At start-up a missing or empty
database with its marker present is refused (:class:`DatabaseMissing`); a database whose
identity differs from the marker's is refused too (:class:`DatabaseReplaced`): somebody put
another file in its place.

The identity lives in the database file's own header (``PRAGMA user_version``, with
``PRAGMA application_id`` set to Kaunta's magic number), so it travels with every copy the
online backup API makes and survives migrations and ``VACUUM`` without a table of its own.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import urllib.parse
from pathlib import Path

from pos.store.errors import DatabaseMissing, DatabaseReplaced

#: ``PRAGMA application_id`` of a Kaunta database: "KNTA".
APPLICATION_ID = 0x4B4E5441
MARKER_SUFFIX = ".id"
_MARKER_HEAD = "kaunta-database"


def marker_path(db_path: Path) -> Path:
    """``kaunta.sqlite`` -> ``kaunta.sqlite.id``."""
    return db_path.with_name(db_path.name + MARKER_SUFFIX)


def is_absent(db_path: Path) -> bool:
    """True when there is no database to open: no file, or a file of 0 bytes."""
    try:
        return db_path.stat().st_size == 0
    except FileNotFoundError:
        return True


def read_marker(db_path: Path) -> str | None:
    """The identity the marker holds, or None when there is no marker."""
    try:
        text = marker_path(db_path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    for line in text.splitlines():
        head, _, value = line.partition(" ")
        if head == _MARKER_HEAD and value.strip():
            return value.strip()
    return ""  # a marker that says nothing still says a database was here


def write_marker(db_path: Path, identity: str) -> None:
    """Write the marker atomically (temp file, fsync, rename)."""
    marker = marker_path(db_path)
    temp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
    body = (
        f"{_MARKER_HEAD} {identity}\n"
        f"# Kaunta keeps a database beside this file ({db_path.name}). If that file goes\n"
        "# missing or empty, Kaunta refuses to start rather than begin a new, empty one.\n"
        "# Restore a backup with `kaunta restore FILE`; delete this marker only if you\n"
        "# really mean to start again with no data.\n"
    )
    with temp.open("w", encoding="utf-8") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, marker)


def refuse_if_missing(db_path: Path, latest_backup: Path | None) -> None:
    """Raise :class:`DatabaseMissing` when the database is gone but its marker is not."""
    if is_absent(db_path) and read_marker(db_path) is not None:
        raise DatabaseMissing(
            db_path,
            marker_path(db_path),
            empty=db_path.exists(),
            backup=latest_backup,
        )


def identity_of(conn: sqlite3.Connection) -> str | None:
    """The identity in the header of an open database, or None if it has none yet."""
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    number = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if app_id != APPLICATION_ID or number == 0:
        return None
    return f"{number:08x}"


def assign_identity(conn: sqlite3.Connection) -> str:
    """Give a database its identity (a random 31-bit number in the header)."""
    number = secrets.randbelow(2**31 - 1) + 1
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {number}")
    return f"{number:08x}"


def file_uri(path: Path, **params: str) -> str:
    """An SQLite ``file:`` URI for ``path`` (spaces, ``?`` and ``#`` escaped), with params."""
    uri = path.resolve().as_uri()
    return uri + ("?" + urllib.parse.urlencode(params) if params else "")


def file_identity(path: Path) -> str | None:
    """The identity of a database file (read-only; None if it has none)."""
    conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True)
    try:
        return identity_of(conn)
    finally:
        conn.close()


def reconcile(db_path: Path, conn: sqlite3.Connection) -> str:
    """Check an open database against its marker; give it an identity if it has none.

    Run inside the caller's write transaction; write the marker (:func:`ensure_marker`)
    only after it commits. A database without an identity (made before markers existed)
    gets one; a marker naming another database is refused (:class:`DatabaseReplaced`).
    """
    identity = identity_of(conn)
    expected = read_marker(db_path)
    if identity is not None and expected and expected != identity:
        raise DatabaseReplaced(db_path, marker_path(db_path), identity, expected)
    if identity is None:
        if expected:
            raise DatabaseReplaced(db_path, marker_path(db_path), "without identity", expected)
        identity = assign_identity(conn)
    return identity


def ensure_marker(db_path: Path, identity: str) -> None:
    """Write the marker unless it already holds ``identity`` (first start, or a copy)."""
    if read_marker(db_path) != identity:
        write_marker(db_path, identity)
