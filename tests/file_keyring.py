"""A keyring backend kept in a JSON file, for tests that run Kaunta in live mode as a
separate process: ``PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring`` (with the
repository as the working directory) and ``TEST_KEYRING_FILE=<path>``. Never the real OS
keyring, and readable by the test that started the process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend

ENV = "TEST_KEYRING_FILE"
BACKEND = "tests.file_keyring.FileKeyring"


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ[ENV])

    def _load(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _save(self, values: dict[str, str]) -> None:
        self._path().write_text(json.dumps(values), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        values = self._load()
        values[f"{service}/{username}"] = password
        self._save(values)

    def delete_password(self, service: str, username: str) -> None:
        values = self._load()
        values.pop(f"{service}/{username}", None)
        self._save(values)
