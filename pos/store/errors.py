"""Errors of the local store, each with a message that tells the user what to do.

The messages are codes with values (:mod:`pos.domain.messages`): the start-up dialog shows
them in the till's language before anyone logs in (``[ui] language``), the screens in the
user's; ``str()`` is the English, for the log and the command line.
"""

from __future__ import annotations

from pathlib import Path

from pos.domain.messages import Message, define, text

NO_BACKUP = text("There is no backup of it in the backups folder beside it.")
LATEST_BACKUP = define(
    "store.latest_backup",
    "The latest good backup is {backup}: restore it with `kaunta restore {backup}`.",
)
CORRUPT = define(
    "store.corrupt",
    "The database file {path} is damaged or is not a Kaunta database ({detail}). "
    "Kaunta has not changed it. Close Kaunta, copy the file somewhere safe for "
    "support, then restore the latest backup or start with --data-dir pointing "
    "to a new folder.",
)
CORRUPT_WITH_BACKUP = define(
    "store.corrupt_with_backup",
    "The database file {path} is damaged or is not a Kaunta database ({detail}). "
    "Kaunta has not changed it. Close Kaunta, copy the file somewhere safe for "
    "support, then restore the latest backup or start with --data-dir pointing "
    "to a new folder. {offer}",
)
LOCKED = define(
    "store.locked",
    "The database {path} is busy: another program (or another Kaunta) is writing "
    "to it and did not finish within {seconds} s. Nothing was saved from this action. "
    "Try again; if it repeats, close other programs using the file.",
)
LOCKED_NO_TIMEOUT = define(
    "store.locked_no_timeout",
    "The database {path} is busy: another program (or another Kaunta) is writing "
    "to it and did not finish in time. Nothing was saved from this action. "
    "Try again; if it repeats, close other programs using the file.",
)
TOO_NEW = define(
    "store.too_new",
    "The database {path} was upgraded by a newer Kaunta (schema {revision}). "
    "Install that version again; this one cannot read it safely.",
)
ALREADY_RUNNING = define(
    "store.already_running",
    "Kaunta is already running on the data folder {data_dir} ({holder}). "
    "Switch to that window, or close it first. To run a second till on this "
    "computer, start it with a different --data-dir.",
)
MIGRATION_FAILED = define(
    "store.migration_failed",
    "The database {path} could not be upgraded to schema {target}: {detail}. "
    "The upgrade was rolled back and the file is as it was. Keep using the previous "
    "Kaunta version and send the file to support.",
)
UPGRADE_FAILED = define(
    "store.upgrade_failed",
    "Upgrading the database {path} from schema {current} to {target} failed "
    "({detail}). {outcome} Keep using the previous Kaunta version and send the "
    "log file to support.",
)
UPGRADE_PUT_BACK = define(
    "store.upgrade_put_back",
    "Kaunta put back the copy it made just before ({backup}): the database is "
    "as it was and nothing was lost.",
)
UPGRADE_NOT_PUT_BACK = define(
    "store.upgrade_not_put_back",
    "Putting back the copy made just before ({backup}) failed too: restore it "
    "with `kaunta restore {backup}`.",
)
MISSING = define(
    "store.missing",
    "The database file {path} is missing, but a Kaunta database was kept there "
    "(the marker {marker} says so). Kaunta will not start a new, empty database in "
    "its place: receipt numbers would restart and the sales would be lost. "
    "{offer} If you really mean to start again with no data, delete {marker}.",
)
EMPTY = define(
    "store.empty",
    "The database file {path} is empty (0 bytes), but a Kaunta database was kept there "
    "(the marker {marker} says so). Kaunta will not start a new, empty database in "
    "its place: receipt numbers would restart and the sales would be lost. "
    "{offer} If you really mean to start again with no data, delete {marker}.",
)
REPLACED = define(
    "store.replaced",
    "The database file {path} is not the one this till was using (it is database "
    "{found}; the marker {marker} expects {expected}). Put the right file back, or "
    "restore a backup with `kaunta restore FILE`. If you put this file there on "
    "purpose, delete {marker} and start again.",
)
FULL = define(
    "store.full", "The disk is full: free some space on {drive}. The basket is safe; try again."
)
NOT_WRITABLE = define(
    "store.not_writable",
    "Kaunta cannot write to its data folder {folder} ({reason}). Make the folder "
    "and the files in it writable for the user running Kaunta (a USB or network "
    "drive must be connected and not write-protected), or start Kaunta with "
    "--data-dir pointing to a folder it can write.",
)


class StoreError(Exception):
    """The local database could not do what was asked. ``str()`` is for the user (English).

    :attr:`msg` is the same text as a message (a code plus values, or a fixed sentence),
    which the UI renders in the user's language."""

    def __init__(self, message: str | Message | None = None, *args: object) -> None:
        if message is None:
            self.msg = Message.plain(type(self).__name__)
            super().__init__()
            return
        self.msg = message if isinstance(message, Message) else Message.plain(message)
        super().__init__(str(self.msg), *args)


def restore_hint(backup: Path | None) -> Message:
    """The sentence that offers the latest good backup (or says there is none)."""
    if backup is None:
        return Message.plain(NO_BACKUP)
    return LATEST_BACKUP(backup=backup)


class DatabaseCorrupt(StoreError):
    """The file fails SQLite's checks (start-up ``quick_check``) or is not a database.

    ``backup`` is the latest good backup, offered in the message when there is one.
    """

    def __init__(self, path: Path, detail: str, backup: Path | None = None) -> None:
        super().__init__(
            CORRUPT(path=path, detail=detail)
            if backup is None
            else CORRUPT_WITH_BACKUP(path=path, detail=detail, offer=restore_hint(backup))
        )
        self.path = path
        self.detail = detail
        self.backup = backup


class DatabaseLocked(StoreError):
    """Another connection kept the write lock for longer than the busy timeout.

    Writers queue for up to ``timeout_s`` (the busy timeout) before this is raised, so it
    means real contention, not a race: the action was rolled back as a whole.
    """

    def __init__(self, path: Path, timeout_s: float | None = None) -> None:
        super().__init__(
            LOCKED(path=path, seconds=f"{timeout_s:g}")
            if timeout_s is not None
            else LOCKED_NO_TIMEOUT(path=path)
        )
        self.path = path
        self.timeout_s = timeout_s


class DatabaseTooNew(StoreError):
    def __init__(self, path: Path, revision: str) -> None:
        super().__init__(TOO_NEW(path=path, revision=revision))
        self.path = path


class AlreadyRunning(StoreError):
    def __init__(self, data_dir: Path, holder: str) -> None:
        super().__init__(ALREADY_RUNNING(data_dir=data_dir, holder=holder))
        self.data_dir = data_dir


class AppendOnlyViolation(StoreError):
    """Something tried to change a completed document; this is a bug, not a user error."""


class MigrationFailed(StoreError):
    """An upgrade left the schema in a state Kaunta refuses to run on; it was rolled back."""

    def __init__(self, path: Path, target: str, detail: str) -> None:
        super().__init__(MIGRATION_FAILED(path=path, target=target, detail=detail))
        self.path = path
        self.target = target
        self.detail = detail


class UpgradeFailed(StoreError):
    """An upgrade failed; the copy made just before it was put back (``restored``)."""

    def __init__(
        self, path: Path, current: str, target: str, detail: str, backup: Path, *, restored: bool
    ) -> None:
        outcome = (
            UPGRADE_PUT_BACK(backup=backup) if restored else UPGRADE_NOT_PUT_BACK(backup=backup)
        )
        super().__init__(
            UPGRADE_FAILED(
                path=path, current=current, target=target, detail=detail, outcome=outcome
            )
        )
        self.path = path
        self.detail = detail
        self.copy = backup
        #: offered by the start-up dialog only when it was not put back already
        self.backup = None if restored else backup
        self.restored = restored


class DatabaseMissing(StoreError):
    """The database file is gone or empty although one existed here (its marker says so).

    Starting anyway would make a new, empty database: receipt numbers would restart at
    000001 and the sales would be lost from the books. Kaunta refuses instead.
    """

    def __init__(self, path: Path, marker: Path, *, empty: bool, backup: Path | None) -> None:
        said = EMPTY if empty else MISSING
        super().__init__(said(path=path, marker=marker, offer=restore_hint(backup)))
        self.path = path
        self.marker = marker
        self.backup = backup


class DatabaseReplaced(StoreError):
    """A different database file was put where this till's database was."""

    def __init__(self, path: Path, marker: Path, found: str, expected: str) -> None:
        super().__init__(REPLACED(path=path, marker=marker, found=found, expected=expected))
        self.path = path
        self.marker = marker


class DatabaseFull(StoreError):
    """SQLITE_FULL: the disk holding the database has no room left.

    The unit of work was rolled back as a whole, so the basket on screen is the one saved.
    """

    def __init__(self, path: Path, drive: str) -> None:
        super().__init__(FULL(drive=drive))
        self.path = path
        self.drive = drive


class DataFolderNotWritable(StoreError):
    """The data folder (or the database in it) cannot be written: read-only or no rights."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(NOT_WRITABLE(folder=folder, reason=reason))
        self.folder = folder
        self.reason = reason


class BackupFailed(StoreError):
    """A backup was not made (or a file offered for restore was refused); ``str()`` says why.

    The database itself is never changed by a failed backup or a refused restore.
    """


class JournalUnavailable(StoreError):
    """The journal key is not loaded, so nothing can be added to the journal.

    Raised by every write that must be sealed (sales, audit entries, user changes) on a
    database whose key is missing or wrong; the message says why and what to do.
    """


class SellingRefused(StoreError):
    """Start-up found the journal's rules broken (triggers missing or altered, key
    unusable): the till records no sale until support has looked at the file."""
