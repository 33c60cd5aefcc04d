"""Backups of the till's database, checked, rotating; and restoring one safely.

A backup is made with SQLite's online backup API from a connection of its own: in WAL mode
it reads one consistent snapshot while the till keeps writing, so it never holds up a
sale. The copy is written under a temporary name in ``<folder>/backups/``, switched to a
self-contained file (rollback journal, no ``-wal`` beside it), checked with
``PRAGMA integrity_check``, and only then renamed to
``kaunta-YYYYMMDD-HHMMSSZ.sqlite`` (UTC, so names sort by time). The newest ``keep`` are
kept; older ones are deleted. A copy that fails its check is deleted and reported: a
damaged database never replaces a good backup.

Restoring (:func:`restore_backup`) checks the file's integrity and schema first, refuses
while a Kaunta runs on the folder (the instance lock), keeps the current database aside as
``kaunta.sqlite.before-restore-<time>`` (with its ``-wal`` if any), and puts the copy in
place under a temporary name renamed at the end, so a crash midway leaves either the old
file or the new one, never half of one.

The till's other SQLite files beside the database (:data:`COMPANIONS`: the eTIMS queue
``etims.sqlite`` with the branch's invoice counter and KRA's signatures, and an enrolled
till's ``etims-headoffice.sqlite``) go into the same backup as
``kaunta-<time>Z.<file name>``, copied the same way (online backup API, checked) before
the main copy is renamed into place, and rotate with it. A restore puts a companion back
when the current one is missing or damaged, or when the backup's has numbered further
(``etims_counter``); a sound current one as far on is kept: an older counter would give
KRA numbers it already holds.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pos.domain.messages import Message, define
from pos.store.errors import AlreadyRunning, BackupFailed, StoreError
from pos.store.identity import (
    assign_identity,
    file_uri,
    identity_of,
    is_absent,
    refuse_if_missing,
    write_marker,
)
from pos.store.instance_lock import InstanceLock

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

    from pos.store.db import Database

log = logging.getLogger(__name__)

BACKUP_FOLDER = "backups"
#: a temporary copy older than this is a leftover of a crash and is removed
STALE_TEMP = timedelta(days=1)
_SUFFIX = ".sqlite"
_STAMP = "%Y%m%d-%H%M%S"
_BUSY_MS = 5000
#: SQLite files beside the database that its backups carry too (see the module's text)
COMPANIONS = ("etims.sqlite", "etims-headoffice.sqlite")


@dataclass(frozen=True, slots=True)
class BackupCheck:
    """What a file offered for restore (or a fresh copy) was found to be."""

    path: Path
    revision: str
    identity: str | None


def backup_dir(db_path: Path) -> Path:
    """``<folder of the database>/backups`` (training keeps its own, beside its file)."""
    return db_path.parent / BACKUP_FOLDER


def _pattern(db_path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(db_path.stem)}-(\d{{8}}-\d{{6}})Z(?:-(\d+))?\.sqlite$")


def list_backups(db_path: Path) -> list[Path]:
    """The finished backups of ``db_path``, oldest first."""
    folder = backup_dir(db_path)
    pattern = _pattern(db_path)
    found: list[tuple[str, int, Path]] = []
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if match and entry.is_file():
            found.append((match.group(1), int(match.group(2) or 0), entry))
    return [path for _stamp, _n, path in sorted(found)]


def quick_check_file(path: Path) -> list[str]:
    """``PRAGMA quick_check`` of a file, read-only: ``[]`` when it is sound."""
    try:
        conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check")]
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def latest_backup(db_path: Path) -> Path | None:
    """The newest backup that still passes ``quick_check`` (what messages offer)."""
    for path in reversed(list_backups(db_path)):
        if not quick_check_file(path):
            return path
    return None


def _new_name(db_path: Path, now: datetime) -> Path:
    folder = backup_dir(db_path)
    stamp = now.astimezone(UTC).strftime(_STAMP)
    candidate = folder / f"{db_path.stem}-{stamp}Z{_SUFFIX}"
    n = 0
    while candidate.exists():
        n += 1
        candidate = folder / f"{db_path.stem}-{stamp}Z-{n}{_SUFFIX}"
    return candidate


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows has no directory fsync
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def companion_copy(backup: Path, name: str) -> Path:
    """Where the backup ``backup`` keeps its copy of the companion file ``name``."""
    return backup.with_name(f"{backup.stem}.{name}")


def companions_of(backup: Path) -> dict[str, Path]:
    """The companion copies a backup carries (name -> copy), those that exist."""
    found = {name: companion_copy(backup, name) for name in COMPANIONS}
    return {name: path for name, path in found.items() if path.is_file()}


def invoice_counter(path: Path) -> int:
    """The highest eTIMS invoice number a queue file has taken (0: none, or no counter)."""
    conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True)
    try:
        has = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'etims_counter'"
        ).fetchone()
        if not has:
            return 0
        return int(
            conn.execute("SELECT coalesce(max(last_invc_no), 0) FROM etims_counter").fetchone()[0]
        )
    finally:
        conn.close()


# a failed backup is shown to whoever is at the till (the alert line): its words are
# translated; restore's refusals are read at the command line or before anyone logs in
NOT_MADE = define(
    "backup.not_made",
    "No backup of {path} was made ({doing}: {reason}). The database itself is unchanged "
    "and the till keeps working.",
)
NOT_MADE_FULL = define(
    "backup.not_made_full",
    "No backup of {path} was made ({doing}: the disk is full: free some space on {drive}). "
    "The database itself is unchanged and the till keeps working.",
)
NOT_MADE_DAMAGED = define(
    "backup.not_made_damaged",
    "No backup of {path} was made: the copy failed its integrity check ({detail}). The "
    "database itself may be damaged: the good backups are kept; call support before selling on.",
)
NO_DATABASE_YET = define(
    "backup.no_database_yet", "There is no database at {path} yet: nothing to back up."
)
DOING_CREATE = define("backup.doing.create", "cannot create {folder}")
DOING_COPY = define("backup.doing.copy", "copying")
DOING_SAVE = define("backup.doing.save", "saving the copy")
DOING_COPY_UPGRADE = define("backup.doing.copy_upgrade", "copying before the upgrade")
DOING_SAVE_UPGRADE = define("backup.doing.save_upgrade", "saving the copy made before the upgrade")

# a restore's refusals: read at the command line (`kaunta restore`) and in the start-up
# dialog's Restore, before anyone logs in (in `[ui] language` there); nothing is restored
NOT_A_FILE = define(
    "restore.not_a_file", "{path} is not a file with a database in it: nothing restored."
)
UNREADABLE = define("restore.unreadable", "{path} is not a database Kaunta can read ({detail}).")
DAMAGED = define("restore.damaged", "{path} is damaged ({detail}): it was not restored.")
NOT_KAUNTA = define("restore.not_kaunta", "{path} is not a Kaunta database: nothing restored.")
TOO_NEW = define(
    "restore.too_new",
    "{path} was written by a newer Kaunta (schema {revision}); install that version to restore it.",
)
NO_RULES = define(
    "restore.no_rules",
    "{path} lacks the rules that keep sales append-only ({missing}): it was not restored. "
    "Call support.",
)
TILL_OPEN = define(
    "restore.till_open",
    "{running} Nothing was restored: close the till first, then run `kaunta restore "
    "{source}` again.",
)
CANNOT_LOCK = define("restore.cannot_lock", "Cannot lock {folder} ({detail}): nothing restored.")
COPY_FAILED_CHECK = define(
    "restore.copy_failed_check", "The copy of {source} failed its check ({detail})."
)
RESTORE_FAILED = define("restore.failed", "Restoring {source} failed ({detail}); see {folder}.")


def _failure(db_path: Path, exc: BaseException, doing: Message) -> BackupFailed:
    """A backup error in words: a full disk and a read-only folder are said plainly."""
    from pos.store.db import disk_is_full, drive_of

    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return _damaged(db_path, str(exc))
    full = primary == sqlite3.SQLITE_FULL or getattr(exc, "errno", None) == errno.ENOSPC
    if full or (primary == sqlite3.SQLITE_IOERR and disk_is_full(backup_dir(db_path))):
        drive = drive_of(backup_dir(db_path))
        return BackupFailed(NOT_MADE_FULL(path=str(db_path), doing=doing, drive=drive))
    return BackupFailed(NOT_MADE(path=str(db_path), doing=doing, reason=str(exc)))


def _damaged(db_path: Path, detail: str) -> BackupFailed:
    return BackupFailed(NOT_MADE_DAMAGED(path=str(db_path), detail=detail))


def _copy(source: Path, target: Path, *, read_only: bool) -> None:
    """Online backup of ``source`` into a new file ``target`` (journal mode DELETE)."""
    uri = file_uri(source, mode="ro") if read_only else file_uri(source)
    src = sqlite3.connect(uri, uri=True, timeout=_BUSY_MS / 1000)
    try:
        src.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # all pages in one step: one snapshot, never restarted
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def integrity_problems(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of a file: ``[]`` when it is sound."""
    conn = sqlite3.connect(file_uri(path, mode="ro"), uri=True)
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def _clean_temps(folder: Path, now: datetime) -> None:
    for entry in folder.glob(".*.tmp"):
        try:
            modified = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
            if now.astimezone(UTC) - modified > STALE_TEMP:
                _remove(entry)
        except OSError:
            continue


def make_backup(db_path: Path, *, keep: int, now: datetime) -> Path:
    """Copy the database into the rotating set and return the new backup's path.

    Raises :class:`BackupFailed` (nothing kept, the database unchanged) when the copy
    cannot be written or does not pass ``PRAGMA integrity_check``.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    if is_absent(db_path):
        refuse_if_missing(db_path, latest_backup(db_path))
        raise BackupFailed(NO_DATABASE_YET(path=str(db_path)))
    folder = backup_dir(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _failure(db_path, exc, DOING_CREATE(folder=str(folder))) from exc
    _clean_temps(folder, now)
    final = _new_name(db_path, now)
    temp = folder / f".{final.name}.{os.getpid()}.tmp"
    # the companions first, each checked; the main copy's rename is the backup's commit
    extras = [
        (db_path.with_name(name), companion_copy(final, name))
        for name in COMPANIONS
        if not is_absent(db_path.with_name(name))
    ]
    temps = [(src, folder / f".{dst.name}.{os.getpid()}.tmp", dst) for src, dst in extras]
    try:
        for source, extra_temp, _dst in temps:
            try:
                _copy(source, extra_temp, read_only=False)
                problems = integrity_problems(extra_temp)
            except (sqlite3.Error, OSError) as exc:
                raise _failure(source, exc, DOING_COPY()) from exc
            if problems:
                raise _damaged(source, problems[0])
        try:
            _copy(db_path, temp, read_only=False)
        except (sqlite3.Error, OSError) as exc:
            raise _failure(db_path, exc, DOING_COPY()) from exc
        try:
            problems = integrity_problems(temp)
        except sqlite3.DatabaseError as exc:  # too damaged to check at all
            problems = [str(exc)]
        if problems:
            raise _damaged(db_path, problems[0])
        try:
            for _source, extra_temp, dst in temps:
                _fsync_file(extra_temp)
                os.replace(extra_temp, dst)
            _fsync_file(temp)
            os.replace(temp, final)
            _fsync_dir(folder)
        except OSError as exc:
            for _source, _extra_temp, dst in temps:
                _remove(dst)
            raise _failure(db_path, exc, DOING_SAVE()) from exc
    finally:
        _remove(temp)
        for _source, extra_temp, _dst in temps:
            _remove(extra_temp)
    for old in list_backups(db_path)[:-keep]:
        for extra in companions_of(old).values():
            _remove(extra)
        _remove(old)
    return final


def check_backup(path: Path) -> BackupCheck:
    """Is ``path`` a sound Kaunta database this version can run? Raises BackupFailed if not.

    Checks: it opens as SQLite, passes ``PRAGMA integrity_check``, has Kaunta's schema at a
    revision this version knows (an older one is upgraded at the next start), and carries
    the append-only triggers that revision must have.
    """
    from sqlalchemy import create_engine

    from pos.store.migrations import runner, triggers

    if not path.is_file() or path.stat().st_size == 0:
        raise BackupFailed(NOT_A_FILE(path=str(path)))
    try:
        problems = integrity_problems(path)
    except sqlite3.Error as exc:
        raise BackupFailed(UNREADABLE(path=str(path), detail=str(exc))) from exc
    if problems:
        raise BackupFailed(DAMAGED(path=str(path), detail=problems[0]))
    uri = file_uri(path, mode="ro")
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as conn:
            has_version = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'"
            ).scalar()
            revision = (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                if has_version
                else None
            )
            if not revision:
                raise BackupFailed(NOT_KAUNTA(path=str(path)))
            if revision not in runner.known_revisions():
                raise BackupFailed(TOO_NEW(path=str(path), revision=str(revision)))
            required = triggers.triggers_at(runner.applied_revisions((revision,)))
            missing = triggers.missing_triggers(conn, required)
            if missing:
                raise BackupFailed(NO_RULES(path=str(path), missing=", ".join(missing)))
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            identity = identity_of(raw)
    finally:
        engine.dispose()
    return BackupCheck(path, str(revision), identity)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    restored: Path
    source: Path
    aside: Path | None  # the database as it was, kept beside it (None: there was none)
    revision: str
    #: companion files put back from the backup (their names)
    companions: tuple[str, ...] = ()
    #: companion files kept as they were, with why (a sound queue that numbered further)
    kept: tuple[str, ...] = ()


def _checkpoint(db_path: Path) -> None:
    """Fold the current database's WAL into its file, so setting it aside keeps it whole."""
    try:
        conn = sqlite3.connect(db_path, timeout=_BUSY_MS / 1000)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # damaged: it is moved aside with its -wal as it is


def restore_backup(db_path: Path, source: Path, *, now: datetime) -> RestoreResult:
    """Put the backup ``source`` in place of the database at ``db_path``.

    Never while a Kaunta runs on that folder (:class:`AlreadyRunning`). The current file,
    if any, is kept as ``<name>.before-restore-<UTC time>``; the marker is updated to the
    restored database's identity.
    """
    source = source.resolve()
    check = check_backup(source)
    lock = InstanceLock(db_path.parent)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        raise BackupFailed(TILL_OPEN(running=exc.msg, source=str(source))) from None
    except OSError as exc:
        raise BackupFailed(CANNOT_LOCK(folder=str(db_path.parent), detail=str(exc))) from exc
    try:
        return _restore_locked(db_path, source, check, now)
    finally:
        lock.release()


def _restore_locked(
    db_path: Path, source: Path, check: BackupCheck, now: datetime
) -> RestoreResult:
    folder = db_path.parent
    temp = folder / f".{db_path.name}.restoring.{os.getpid()}.tmp"
    stamp = now.astimezone(UTC).strftime(_STAMP) + "Z"
    aside: Path | None = None
    try:
        try:
            _copy(source, temp, read_only=True)
            problems = integrity_problems(temp)
            if problems:
                raise BackupFailed(COPY_FAILED_CHECK(source=str(source), detail=problems[0]))
            conn = sqlite3.connect(temp)
            try:
                identity = identity_of(conn) or assign_identity(conn)
            finally:
                conn.close()
            _fsync_file(temp)
            if db_path.exists():
                _checkpoint(db_path)
                aside = folder / f"{db_path.name}.before-restore-{stamp}"
                os.replace(db_path, aside)
                for suffix in ("-wal", "-shm"):
                    extra = Path(f"{db_path}{suffix}")
                    if extra.exists():
                        os.replace(extra, Path(f"{aside}{suffix}"))
            os.replace(temp, db_path)
            write_marker(db_path, identity)
            _fsync_dir(folder)
            companions, kept = _restore_companions(db_path, source, stamp)
        except (sqlite3.Error, OSError) as exc:
            raise BackupFailed(
                RESTORE_FAILED(source=str(source), detail=str(exc), folder=str(folder))
            ) from exc
    except StoreError:
        if aside is not None and not db_path.exists():  # put the old database back
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{aside}{suffix}").exists():
                    os.replace(Path(f"{aside}{suffix}"), Path(f"{db_path}{suffix}"))
            aside = None
        raise
    finally:
        _remove(temp)
    return RestoreResult(db_path, source, aside, check.revision, companions, kept)


def _sound(path: Path) -> bool:
    if is_absent(path):
        return False
    try:
        return not integrity_problems(path)
    except sqlite3.Error:
        return False


def _restore_companions(
    db_path: Path, source: Path, stamp: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Put back the companion copies ``source`` carries (see the module's text): each
    checked in a temporary file, the current one set aside as
    ``<name>.before-restore-<time>``. A sound current file whose counter is as far as the
    copy's or further is kept (it may hold numbers and signatures the copy lacks).
    Returns (put back, kept)."""
    folder = db_path.parent
    restored: list[str] = []
    kept: list[str] = []
    for name, copy in companions_of(source).items():
        current = folder / name
        if _sound(current) and invoice_counter(current) >= invoice_counter(copy):
            kept.append(name)  # sound and as far on: it may hold signatures the copy lacks
            continue
        temp = folder / f".{name}.restoring.{os.getpid()}.tmp"
        try:
            _copy(copy, temp, read_only=True)
            problems = integrity_problems(temp)
            if problems:
                raise BackupFailed(COPY_FAILED_CHECK(source=str(copy), detail=problems[0]))
            _fsync_file(temp)
            if current.exists():
                _checkpoint(current)
                aside = folder / f"{name}.before-restore-{stamp}"
                os.replace(current, aside)
                for suffix in ("-wal", "-shm"):
                    extra = Path(f"{current}{suffix}")
                    if extra.exists():
                        os.replace(extra, Path(f"{aside}{suffix}"))
            os.replace(temp, current)
            _fsync_dir(folder)
        finally:
            _remove(temp)
        restored.append(name)
    return tuple(restored), tuple(kept)


# -- upgrades: a copy first, the copy back if the upgrade fails -------------------------

#: pre-upgrade copies: ``backups/kaunta-before-upgrade-<from revision>-<UTC time>.sqlite``;
#: outside the rotating set (its pattern does not match them), so none is ever pruned
_UPGRADE_INFIX = "before-upgrade"


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """What :func:`upgrade_with_backup` did: from which revision to which, and the copy."""

    from_revision: str
    to_revision: str
    backup: Path


def backup_before_upgrade(db_path: Path, revision: str, *, now: datetime) -> Path:
    """A checked copy of the database as it is at ``revision``, before an upgrade touches
    it. Raises :class:`BackupFailed` (and the upgrade must not start) if it cannot be made."""
    folder = backup_dir(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _failure(db_path, exc, DOING_CREATE(folder=str(folder))) from exc
    stamp = now.astimezone(UTC).strftime(_STAMP)
    final = folder / f"{db_path.stem}-{_UPGRADE_INFIX}-{revision}-{stamp}Z{_SUFFIX}"
    temp = folder / f".{final.name}.{os.getpid()}.tmp"
    try:
        try:
            _copy(db_path, temp, read_only=False)
        except (sqlite3.Error, OSError) as exc:
            raise _failure(db_path, exc, DOING_COPY_UPGRADE()) from exc
        problems = integrity_problems(temp)
        if problems:
            raise _damaged(db_path, problems[0])
        try:
            _fsync_file(temp)
            os.replace(temp, final)
            _fsync_dir(folder)
        except OSError as exc:
            raise _failure(db_path, exc, DOING_SAVE_UPGRADE()) from exc
    finally:
        _remove(temp)
    return final


def put_back_after_failed_upgrade(db_path: Path, backup: Path) -> None:
    """Replace the database by the copy made before the upgrade (the caller holds the
    instance lock and has closed every connection). The ``-wal`` and ``-shm`` beside the
    file belong to the failed attempt and go: the copy already holds every committed row."""
    folder = db_path.parent
    temp = folder / f".{db_path.name}.putting-back.{os.getpid()}.tmp"
    try:
        _copy(backup, temp, read_only=True)
        _fsync_file(temp)
        for suffix in ("-wal", "-shm"):
            _remove(Path(f"{db_path}{suffix}"))
        os.replace(temp, db_path)
        _fsync_dir(folder)
    finally:
        _remove(temp)


def upgrade_with_backup(
    db: Database,
    *,
    now: datetime | None = None,
    target: str = "head",
    config: AlembicConfig | None = None,
) -> UpgradeResult | None:
    """Upgrade an existing database: back it up, migrate, verify; None when nothing to do.

    Verify means the schema reads back at the target revision, ``PRAGMA quick_check``
    passes and every trigger is there. Any failure (a migration raising, a check refusing)
    puts the copy back and raises :class:`UpgradeFailed`, which names the copy and says
    the database is as it was. ``config``: an Alembic configuration with extra version
    locations (tests plant a failing migration through it).
    """
    from pos.store.db import SCHEMA_HEAD
    from pos.store.errors import DatabaseTooNew, UpgradeFailed

    current = db.check_openable()
    if config is None and target in ("head", SCHEMA_HEAD) and current == SCHEMA_HEAD:
        return None  # the usual start: no Alembic loaded at all (about 150 ms of imports)
    from alembic.script import ScriptDirectory

    from pos.store.migrations import runner

    script = runner.script_directory() if config is None else ScriptDirectory.from_config(config)
    head = script.get_current_head() or SCHEMA_HEAD
    wanted = head if target == "head" else target
    if current == wanted:
        return None
    if current is None:  # a new, empty file: nothing to keep
        db.upgrade(target)
        return None
    if current not in {s.revision for s in script.walk_revisions()}:
        raise DatabaseTooNew(db.path, current)
    stamp = now or datetime.now(UTC)
    copy = backup_before_upgrade(db.path, current, now=stamp)
    try:
        timeout_ms = int(db.busy_timeout_s * 1000)
        runner.upgrade(db.path, wanted, busy_timeout_ms=timeout_ms, config=config)
        reached = db.check_openable()
        problems = db.quick_check()
        if reached != wanted:
            raise StoreError(f"the schema reads {reached}, not {wanted}")
        if problems:
            raise StoreError(f"quick_check: {problems[0]}")
        missing = db.missing_triggers() if target == "head" else []
        if missing:
            raise StoreError(f"triggers missing: {', '.join(missing)}")
    except Exception as exc:
        log.error("upgrade of %s from %s to %s failed: %s", db.path, current, wanted, exc)
        db.engine.dispose()
        try:
            put_back_after_failed_upgrade(db.path, copy)
        except (sqlite3.Error, OSError) as put_back:
            raise UpgradeFailed(db.path, current, wanted, str(exc), copy, restored=False) from (
                put_back
            )
        raise UpgradeFailed(db.path, current, wanted, str(exc), copy, restored=True) from exc
    log.warning("upgraded %s from %s to %s (copy before: %s)", db.path, current, wanted, copy)
    return UpgradeResult(current, wanted, copy)
