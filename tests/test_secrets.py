"""Secrets go to the OS keyring; without one, saving fails with what to install."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from pos.secrets import SERVICE, KeyringSecrets, SecretStoreError


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory backend for tests (never the real OS keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_secrets_round_trip_in_the_keyring(memory: MemoryKeyring) -> None:
    secrets = KeyringSecrets()
    assert secrets.get("mpesa.consumer_secret") is None
    secrets.set("mpesa.consumer_secret", "s3cr3t")
    assert memory.store == {(SERVICE, "mpesa.consumer_secret"): "s3cr3t"}
    assert secrets.get("mpesa.consumer_secret") == "s3cr3t"
    secrets.delete("mpesa.consumer_secret")
    assert secrets.get("mpesa.consumer_secret") is None
    with pytest.raises(SecretStoreError, match="cannot be empty"):
        secrets.set("mpesa.passkey", "")


def test_without_a_keyring_saving_says_what_to_install() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        secrets = KeyringSecrets()
        assert secrets.get("paypal.client_secret") is None
        with pytest.raises(SecretStoreError, match="gnome-keyring"):
            secrets.set("paypal.client_secret", "abc")
    finally:
        keyring.set_keyring(previous)
