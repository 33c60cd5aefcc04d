"""Keeping the communication key KRA gives once (``cmcKey``): never lost.

KRA sends the key at the first ``selectInitOsdcInfo`` only; a second initialisation of
the same serial answers 902 without it (reference 2.4). So:

* before the one-time call, :func:`probe` checks the secret store can keep a value (a
  keyring that refuses would otherwise lose the key KRA just sent);
* if the store refuses after KRA answered 000 anyway, :class:`KeyNotStored` carries the
  key to the caller, who writes it with :func:`write_rescue` into a rescue file beside
  the database (owner-only permissions). Nothing can seal that file: the key that would
  seal it lives in the same keyring that just refused. It is as private as the database
  itself, and :func:`restore_rescued` moves it into the keyring (and deletes the file)
  at the first start whose keyring works;
* :func:`export_key` / :func:`import_key` are the backup path of a standalone till
  (``kaunta etims-key export|import``); an enrolled store's device is initialised by its
  head office, which keeps the key sealed in its own database.

The key is never in an exception's text, a log line or a traceback.
"""

from __future__ import annotations

import json
import os
import secrets as _random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync.etims.models import DeviceInfo, EtimsError
from sync.etims.settings import Branch, SecretStore

#: the rescue file's name beside the till's database (one per branch device)
RESCUE_PREFIX = "etims-key-rescue"
#: what a backup file says it is (import refuses anything else)
BACKUP_KIND = "kaunta-etims-cmc-key"


class KeyStoreUnusable(EtimsError):
    """The secret store cannot keep a value: the device is not initialised (KRA would
    send its key only this once)."""


class KeyNotStored(EtimsError):
    """KRA initialised the device (000) but the secret store refused its key.

    ``key`` holds the key for the caller to keep another way; it is not in the message,
    so logging the exception does not leak it."""

    def __init__(self, message: str, device: DeviceInfo, key: str) -> None:
        super().__init__(message)
        self.device = device
        self.key = key


class KeyFileError(EtimsError):
    """A backup or rescue file cannot be read or written; the message says which."""


def probe(secrets: SecretStore, name: str) -> None:
    """Store, read back and delete a throw-away value under ``name + '.probe'`` (a
    store without ``delete`` is trusted as it is).

    Raises :class:`KeyStoreUnusable` (with the store's own words) when any step fails:
    called before the one-time initialisation, so a refusing keyring loses nothing."""
    delete = getattr(secrets, "delete", None)
    if delete is None:  # a store that cannot delete (head office's) is not littered
        return
    probe_name = f"{name}.probe"
    value = _random.token_hex(8)
    try:
        secrets.set(probe_name, value)
        back = secrets.get(probe_name)
        delete(probe_name)
    except Exception as exc:  # the store's own error type is not this library's
        raise KeyStoreUnusable(
            f"the keyring cannot keep the communication key ({exc}); the device was not "
            "initialised, because KRA sends its key only once: fix the keyring, then try again"
        ) from None
    if back != value:
        raise KeyStoreUnusable(
            "the keyring did not give back what it was asked to keep; the device was not "
            "initialised, because KRA sends its key only once: fix the keyring, then try again"
        )


def store_key(secrets: SecretStore, name: str, key: str) -> None:
    """Put ``key`` in the store and check it reads back; ``KeyStoreUnusable`` if not."""
    try:
        secrets.set(name, key)
        ok = secrets.get(name) == key
    except Exception as exc:
        raise KeyStoreUnusable(f"the keyring refused the communication key ({exc})") from None
    if not ok:
        raise KeyStoreUnusable("the keyring did not give the communication key back")


def rescue_path(directory: Path, branch: Branch) -> Path:
    """Where a key the keyring refused is kept for ``branch``."""
    return directory / f"{RESCUE_PREFIX}-{branch.tin}-{branch.bhf_id}.json"


def _document(branch: Branch, key: str, at: datetime) -> dict[str, Any]:
    return {
        "kind": BACKUP_KIND,
        "tin": branch.tin,
        "bhfId": branch.bhf_id,
        "dvcSrlNo": branch.device_serial,
        "cmcKey": key,
        "written_at": at.astimezone(UTC).isoformat(),
    }


def _write_private(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` readable by this OS user only, whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise KeyFileError(f"{path} could not be written: {exc.strerror or exc}") from None


def write_rescue(directory: Path, branch: Branch, key: str, at: datetime) -> Path:
    """Keep ``key`` in the rescue file beside the database; its path."""
    path = rescue_path(directory, branch)
    _write_private(path, _document(branch, key, at))
    return path


def _read(path: Path, branch: Branch) -> str:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyFileError(f"{path} could not be read: {exc.strerror or exc}") from None
    except ValueError:
        raise KeyFileError(f"{path} is not a Kaunta eTIMS key file (not JSON)") from None
    if not isinstance(document, dict) or document.get("kind") != BACKUP_KIND:
        raise KeyFileError(f"{path} is not a Kaunta eTIMS key file")
    if (document.get("tin"), document.get("bhfId")) != (branch.tin, branch.bhf_id):
        raise KeyFileError(
            f"{path} holds the key of {document.get('tin')} branch {document.get('bhfId')}, "
            f"not of {branch.tin} branch {branch.bhf_id} ([etims] tin and branch)"
        )
    key = document.get("cmcKey")
    if not isinstance(key, str) or not key:
        raise KeyFileError(f"{path} holds no communication key")
    return key


def restore_rescued(directory: Path, branch: Branch, secrets: SecretStore) -> bool:
    """Move a rescued key into the secret store, then delete the rescue file.

    True when a key was moved; False when there is none. The file stays (and
    :class:`KeyStoreUnusable` is raised) while the store still refuses."""
    path = rescue_path(directory, branch)
    if not path.is_file():
        return False
    store_key(secrets, branch.secret_name, _read(path, branch))
    path.unlink()
    return True


def export_key(secrets: SecretStore, branch: Branch, out: Path, at: datetime) -> None:
    """Write the branch's key from the store to ``out`` (the backup of a standalone
    till: keep it offline, like the journal key)."""
    key = secrets.get(branch.secret_name)
    if not key:
        raise KeyFileError(
            f"no communication key for {branch.tin} branch {branch.bhf_id} in the keyring"
        )
    if out.exists():
        raise KeyFileError(f"{out} exists already: name a new file")
    _write_private(out, _document(branch, key, at))


def import_key(secrets: SecretStore, branch: Branch, source: Path) -> None:
    """Put the key from a backup (or rescue) file into the store. A different key
    already there is not overwritten (two keys for one device: the wrong one loses)."""
    key = _read(source, branch)
    current = secrets.get(branch.secret_name)
    if current and current != key:
        raise KeyFileError(
            f"the keyring holds a different key for {branch.tin} branch {branch.bhf_id}: "
            "not replaced"
        )
    store_key(secrets, branch.secret_name, key)
