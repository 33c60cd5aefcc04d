"""The manager's payment settings: gateway keys go to the OS keyring, nowhere else.

Values are written, never read back to the screen: the form shows only whether each key is
set. Saving and testing are manager-only, checked here, and audited by key name (never
the value). The fields are the ones each installed method declares
(``MethodDescription.settings_fields``); saving rebuilds the methods, so new keys apply at
once, without a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from pos.domain.messages import Message, define
from pos.payments.base import GatewayUnavailable, MethodDescription
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.errors import ServiceError
from pos.services.steps import NetCall, Steps, run_inline
from pos.store.db import Database

UNKNOWN_SETTINGS = define("gateway_settings.unknown", "Unknown settings: {names}.")


class SecretStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SecretField:
    name: str  # keyring entry, e.g. "<method>.client_secret"
    label: str
    method: str
    method_label: str = ""
    secret: bool = True  # False: an identifier, shown as typed (shortcode, till, client id)


def fields_of(descriptions: list[MethodDescription]) -> tuple[SecretField, ...]:
    """The keyring fields every described method declares, in method order."""
    return tuple(
        SecretField(f.name, f.label, d.code, d.label, f.secret)
        for d in descriptions
        for f in d.settings_fields
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
        tester: Callable[[str], str | Message],
        descriptions: Callable[[], list[MethodDescription]],
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._auth = auth
        self._audit = audit
        self._secrets = secrets
        self._tester = tester
        self._descriptions = descriptions
        self._on_saved = on_saved

    def _fields(self) -> tuple[SecretField, ...]:
        return fields_of(self._descriptions())

    def fields(self) -> list[FieldStatus]:
        self._auth.require(Permission.MANAGE_SETTINGS)
        return [FieldStatus(f, bool(self._secrets.get(f.name))) for f in self._fields()]

    def save(self, values: Mapping[str, str]) -> list[str]:
        """Store every non-empty value; empty means "leave as it is". Returns what changed.
        The payment methods are rebuilt with the new keys before this returns."""
        user = self._auth.require(Permission.MANAGE_SETTINGS)
        known = {f.name for f in self._fields()}
        unknown = set(values) - known
        if unknown:
            raise ServiceError(UNKNOWN_SETTINGS(names=", ".join(sorted(unknown))))
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
            if self._on_saved is not None:
                self._on_saved()
        return changed

    def test_connection(self, method: str) -> str | Message:
        """Build the method from the stored keys and make one authenticated call (inline).

        The answer is the method's (a fixed sentence or a message with values, shown in
        the manager's language)."""
        return run_inline(self.test_connection_steps(method))

    def test_connection_steps(self, method: str) -> Steps[str | Message]:
        """``test_connection`` as steps: the gateway call runs on the network executor."""
        user = self._auth.require(Permission.MANAGE_SETTINGS)
        tester = self._tester
        try:
            message: str | Message = yield NetCall(
                lambda: tester(method), f"{method}.test_connection"
            )
            result = "ok"
        except (ValueError, LookupError, GatewayUnavailable) as exc:
            found = getattr(exc, "msg", None)  # KeysRefused: the refusal as a message
            message, result = (found if isinstance(found, Message) else str(exc)), "failed"
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
