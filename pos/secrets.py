"""Secrets (gateway keys, head-office token) in the OS keyring, never anywhere else.

Windows Credential Manager, macOS Keychain, the Secret Service on Linux desktops. A till
without any keyring backend cannot store secrets: saving fails with a message saying
what to install. Tests use an in-memory backend (``keyring.set_keyring``).
"""

from __future__ import annotations

from pathlib import Path

from pos.services.journal import TrainingKeyFile

SERVICE = "kaunta"


class SecretStoreError(Exception):
    """The OS keyring cannot be used; the message says how to fix that."""


_NO_BACKEND = (
    "No OS keyring is available to store secrets. On Linux install and unlock a Secret "
    "Service (e.g. `sudo apt install gnome-keyring` and log in to a desktop session, or "
    "`pip install keyrings.alt` for an encrypted file on a kiosk); on Windows and macOS the "
    "system keyring is used automatically."
)


class KeyringSecrets:
    """``get``/``set``/``delete`` by name, e.g. ``mpesa.consumer_secret``."""

    def get(self, name: str) -> str | None:
        import keyring.errors  # here, not at import: training never loads the keyring

        try:
            return keyring.get_password(SERVICE, name)
        except keyring.errors.KeyringError:
            return None

    def set(self, name: str, value: str) -> None:
        if not value:
            raise SecretStoreError(f"{name} cannot be empty.")
        import keyring.errors

        try:
            keyring.set_password(SERVICE, name, value)
        except keyring.errors.NoKeyringError:
            raise SecretStoreError(_NO_BACKEND) from None
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"The OS keyring refused to store {name}: {exc}") from None

    def delete(self, name: str) -> None:
        import keyring.errors

        try:
            keyring.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise SecretStoreError(f"The OS keyring refused to delete {name}: {exc}") from None


class MemorySecrets:
    """Training mode's keys: kept in memory for the session, never in the OS keyring."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        if not value:
            raise SecretStoreError(f"{name} cannot be empty.")
        self._values[name] = value

    def delete(self, name: str) -> None:
        self._values.pop(name, None)


def journal_key_store(training: bool, database_path: Path) -> KeyringSecrets | TrainingKeyFile:
    """Where this till keeps the key that seals its journal (never in the database).

    Live: the OS keyring, under ``journal.key.<store>-<terminal>``, made on the first
    start. Training: a file beside the training database (training is not evidence: the
    key is as easy to read as the file it seals).
    """
    if training:
        return TrainingKeyFile(database_path.parent)
    return KeyringSecrets()
