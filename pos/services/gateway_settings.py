"""The manager's payment settings: gateway keys go to the OS keyring, nowhere else.

Values are written, never read back to the screen: the form shows only whether each key is
set. Saving and testing are manager-only, checked here, and audited by key name (never
the value).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pos.payments.base import GatewayUnavailable
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.errors import ServiceError
from pos.store.db import Database


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SecretField:
    name: str  # keyring entry, e.g. "mpesa.consumer_secret"
    label: str
    method: str
    secret: bool = True  # False: an identifier, shown as typed (shortcode, till, client id)


FIELDS: tuple[SecretField, ...] = (
    SecretField("mpesa.consumer_key", "Daraja consumer key", "mpesa"),
    SecretField("mpesa.consumer_secret", "Daraja consumer secret", "mpesa"),
    SecretField("mpesa.passkey", "Lipa na M-Pesa passkey", "mpesa"),
    SecretField("mpesa.shortcode", "Business shortcode (paybill / head office)", "mpesa", False),
    SecretField("mpesa.till_number", "Till number (Buy Goods; empty for paybill)", "mpesa", False),
    SecretField("paypal.client_id", "PayPal client id", "paypal", False),
    SecretField("paypal.client_secret", "PayPal client secret", "paypal"),
)


@dataclass(frozen=True, slots=True)
class FieldStatus:
    field: SecretField
    is_set: bool


class GatewaySettingsService:
    """Store gateway keys in the keyring and check that they work."""

    def __init__(
        self,
        db: Database,
        auth: AuthService,
        audit: AuditWriter,
        secrets: SecretStore,
        tester: Callable[[str], str],
    ) -> None:
        self._db = db
        self._auth = auth
        self._audit = audit
        self._secrets = secrets
        self._tester = tester

    def fields(self) -> list[FieldStatus]:
        self._auth.require(Permission.MANAGE_SETTINGS)
        return [FieldStatus(f, bool(self._secrets.get(f.name))) for f in FIELDS]

    def save(self, values: Mapping[str, str]) -> list[str]:
        """Store every non-empty value; empty means "leave as it is". Returns what changed."""
        user = self._auth.require(Permission.MANAGE_SETTINGS)
        known = {f.name for f in FIELDS}
        unknown = set(values) - known
        if unknown:
            raise ServiceError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
        changed = []
        for name, value in values.items():
            value = value.strip()
            if not value:
                continue
            try:
                self._secrets.set(name, value)
            except Exception as exc:  # the keyring's own error says what to install
                raise ServiceError(str(exc)) from None
            changed.append(name)
        if changed:
            with self._db.session() as s:
                self._audit.write(
                    s, user_id=user.user_id, action="settings_saved", detail={"keys": changed}
                )
        return changed

    def test_connection(self, method: str) -> str:
        """Build the method from the stored keys and make one authenticated call."""
        user = self._auth.require(Permission.MANAGE_SETTINGS)
        try:
            message = self._tester(method)
            result = "ok"
        except (ValueError, LookupError, GatewayUnavailable) as exc:
            message, result = str(exc), "failed"
        with self._db.session() as s:
            self._audit.write(
                s,
                user_id=user.user_id,
                action="settings_test",
                result=result,
                detail={"method": method},
            )
        if result != "ok":
            raise ServiceError(message)
        return message
