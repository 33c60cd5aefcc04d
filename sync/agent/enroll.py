"""Enrolling a till with its head office, and where the result is kept.

The manager types the head office's address and a one-time code made at head office; the
head office answers with this terminal's store and terminal ids and its token. The token
and the identity (address, store, terminal) are kept in the OS keyring (through the
till's secret store), never in the config file or the database, so a copied database
carries no credential.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sync.agent.client import ClientSettings, HeadOfficeClient, check_url

TOKEN_SECRET = "sync.token"
IDENTITY_SECRET = "sync.identity"

_CODE_RE = re.compile(r"[A-Za-z0-9-]{4,64}")


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class EnrollmentError(ValueError):
    """What the manager typed cannot be used; the message says what to correct."""


@dataclass(frozen=True, slots=True)
class Credentials:
    url: str
    store_id: str
    terminal_id: str
    token: str
    organisation: str = ""
    #: the private CA bundle trusted at enrollment ("" = the system's CAs), kept with the
    #: identity so the agent trusts the same certificate afterwards
    ca_bundle: str = ""

    def __repr__(self) -> str:  # never show the token
        return f"Credentials(url={self.url!r}, {self.store_id}/{self.terminal_id})"


def check_code(code: str) -> str:
    code = code.strip()
    if not _CODE_RE.fullmatch(code):
        raise EnrollmentError(
            "The enrollment code is 4 to 64 letters, digits or dashes, as shown at head office."
        )
    return code


def enroll(
    url: str,
    code: str,
    terminal_name: str,
    secrets: SecretStore,
    *,
    ca_bundle: Path | None = None,
) -> Credentials:
    """Enroll with the head office at ``url`` and keep the result in ``secrets``.

    Raises :class:`EnrollmentError` for bad input, and the client's errors
    (``RequestRefused`` for a wrong or used code, ``TransientError`` when the head office
    cannot be reached); nothing is stored then.
    """
    try:
        url = check_url(url)
    except ValueError as exc:
        raise EnrollmentError(str(exc)) from None
    code = check_code(code)
    name = terminal_name.strip()
    if not 1 <= len(name) <= 80:
        raise EnrollmentError("Give this till a name of 1 to 80 characters (e.g. 'Till 2').")
    try:
        client = HeadOfficeClient(ClientSettings(url, ca_bundle))
    except ValueError as exc:  # the CA bundle file is missing
        raise EnrollmentError(str(exc)) from None
    try:
        got = client.enroll(code, name)
    finally:
        client.close()
    creds = Credentials(
        url,
        got.store_id,
        got.terminal_id,
        got.token,
        got.organisation,
        str(ca_bundle) if ca_bundle is not None else "",
    )
    save(secrets, creds)
    return creds


def save(secrets: SecretStore, creds: Credentials) -> None:
    secrets.set(TOKEN_SECRET, creds.token)
    secrets.set(
        IDENTITY_SECRET,
        json.dumps(
            {
                "url": creds.url,
                "store_id": creds.store_id,
                "terminal_id": creds.terminal_id,
                "organisation": creds.organisation,
                "ca_bundle": creds.ca_bundle,
            }
        ),
    )


def load(secrets: SecretStore) -> Credentials | None:
    """The stored enrollment, or None (never enrolled, or the keyring lost part of it)."""
    token = secrets.get(TOKEN_SECRET)
    raw = secrets.get(IDENTITY_SECRET)
    if not token or not raw:
        return None
    try:
        data = json.loads(raw)
        return Credentials(
            str(data["url"]),
            str(data["store_id"]),
            str(data["terminal_id"]),
            token,
            str(data.get("organisation", "")),
            str(data.get("ca_bundle", "")),
        )
    except (ValueError, KeyError, TypeError):
        return None


def forget(secrets: SecretStore) -> None:
    secrets.delete(TOKEN_SECRET)
    secrets.delete(IDENTITY_SECRET)
