"""Errors of the local store, each with a message that tells the user what to do."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """The local database could not do what was asked. ``str()`` is for the user."""


class DatabaseCorrupt(StoreError):
    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"The database file {path} is damaged or is not a Kaunta database ({detail}). "
            "Kaunta has not changed it. Close Kaunta, copy the file somewhere safe for "
            "support, then restore the latest backup or start with --data-dir pointing "
            "to a new folder."
        )
        self.path = path


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
