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
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The database {path} is busy: another program is writing to it. "
            "Wait a moment and try again; if it persists, close other Kaunta windows "
            "or tools that have the file open."
        )
        self.path = path


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
