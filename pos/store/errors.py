"""Errors of the local store, each with a message that tells the user what to do."""

from __future__ import annotations

from pathlib import Path

from pos.domain.messages import Message


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


def restore_hint(backup: Path | None) -> str:
    """The sentence that offers the latest good backup (or says there is none)."""
    if backup is None:
        return "There is no backup of it in the backups folder beside it."
    return f"The latest good backup is {backup}: restore it with `kaunta restore {backup}`."


class DatabaseCorrupt(StoreError):
    """The file fails SQLite's checks (start-up ``quick_check``) or is not a database.

    ``backup`` is the latest good backup, offered in the message when there is one.
    """

    def __init__(self, path: Path, detail: str, backup: Path | None = None) -> None:
        offer = f" {restore_hint(backup)}" if backup is not None else ""
        super().__init__(
            f"The database file {path} is damaged or is not a Kaunta database ({detail}). "
            "Kaunta has not changed it. Close Kaunta, copy the file somewhere safe for "
            "support, then restore the latest backup or start with --data-dir pointing "
            f"to a new folder.{offer}"
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
        waited = f"within {timeout_s:g} s" if timeout_s is not None else "in time"
        super().__init__(
            f"The database {path} is busy: another program (or another Kaunta) is writing "
            f"to it and did not finish {waited}. Nothing was saved from this action. "
            "Try again; if it repeats, close other programs using the file."
        )
        self.path = path
        self.timeout_s = timeout_s


class DatabaseTooNew(StoreError):
    def __init__(self, path: Path, revision: str) -> None:
        super().__init__(
            f"The database {path} was upgraded by a newer Kaunta (schema {revision}). "
            "Install that version again; this one cannot read it safely."
        )
        self.path = path


class AlreadyRunning(StoreError):
    def __init__(self, data_dir: Path, holder: str) -> None:
        super().__init__(
            f"Kaunta is already running on the data folder {data_dir} ({holder}). "
            "Switch to that window, or close it first. To run a second till on this "
            "computer, start it with a different --data-dir."
        )
        self.data_dir = data_dir


class AppendOnlyViolation(StoreError):
    """Something tried to change a completed document; this is a bug, not a user error."""


class MigrationFailed(StoreError):
    """An upgrade left the schema in a state Kaunta refuses to run on; it was rolled back."""

    def __init__(self, path: Path, target: str, detail: str) -> None:
        super().__init__(
            f"The database {path} could not be upgraded to schema {target}: {detail}. "
            "The upgrade was rolled back and the file is as it was. Keep using the previous "
            "Kaunta version and send the file to support."
        )
        self.path = path
        self.target = target
        self.detail = detail


class UpgradeFailed(StoreError):
    """An upgrade failed; the copy made just before it was put back (``restored``)."""

    def __init__(
        self, path: Path, current: str, target: str, detail: str, backup: Path, *, restored: bool
    ) -> None:
        if restored:
            outcome = (
                f"Kaunta put back the copy it made just before ({backup}): the database is "
                "as it was and nothing was lost."
            )
        else:
            outcome = (
                f"Putting back the copy made just before ({backup}) failed too: restore it "
                f"with `kaunta restore {backup}`."
            )
        super().__init__(
            f"Upgrading the database {path} from schema {current} to {target} failed "
            f"({detail}). {outcome} Keep using the previous Kaunta version and send the "
            "log file to support."
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
        what = "is empty (0 bytes)" if empty else "is missing"
        super().__init__(
            f"The database file {path} {what}, but a Kaunta database was kept there "
            f"(the marker {marker} says so). Kaunta will not start a new, empty database in "
            "its place: receipt numbers would restart and the sales would be lost. "
            f"{restore_hint(backup)} If you really mean to start again with no data, "
            f"delete {marker}."
        )
        self.path = path
        self.marker = marker
        self.backup = backup


class DatabaseReplaced(StoreError):
    """A different database file was put where this till's database was."""

    def __init__(self, path: Path, marker: Path, found: str, expected: str) -> None:
        super().__init__(
            f"The database file {path} is not the one this till was using (it is database "
            f"{found}; the marker {marker} expects {expected}). Put the right file back, or "
            f"restore a backup with `kaunta restore FILE`. If you put this file there on "
            f"purpose, delete {marker} and start again."
        )
        self.path = path
        self.marker = marker


class DatabaseFull(StoreError):
    """SQLITE_FULL: the disk holding the database has no room left.

    The unit of work was rolled back as a whole, so the basket on screen is the one saved.
    """

    def __init__(self, path: Path, drive: str) -> None:
        super().__init__(
            f"The disk is full: free some space on {drive}. The basket is safe; try again."
        )
        self.path = path
        self.drive = drive


class DataFolderNotWritable(StoreError):
    """The data folder (or the database in it) cannot be written: read-only or no rights."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(
            f"Kaunta cannot write to its data folder {folder} ({reason}). Make the folder "
            "and the files in it writable for the user running Kaunta (a USB or network "
            "drive must be connected and not write-protected), or start Kaunta with "
            "--data-dir pointing to a folder it can write."
        )
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
