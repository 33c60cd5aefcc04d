"""Who is at the till, and what they may do.

PINs are hashed with scrypt (a memory-hard KDF) and a per-user salt; a user is locked out
after ``max_failed_pins`` wrong PINs until a manager unlocks or ``lockout_minutes`` pass.
Permissions are checked here, in the service layer: a cashier's call to a manager-only
action fails even if a button was never hidden. An approval is a single-use token that
only :meth:`AuthService.approve` can issue, after checking the approver's PIN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from pos.services.audit import AuditWriter
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import (
    AccountLocked,
    ApprovalRequired,
    NotLoggedIn,
    PermissionDenied,
    ServiceError,
    WrongPin,
)
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.models import User


class Role(StrEnum):
    CASHIER = "cashier"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


class Permission(StrEnum):
    SELL = "sell"
    DISCOUNT_OVER_LIMIT = "discount_over_limit"
    PRICE_OVERRIDE = "price_override"
    VOID_SALE = "void_sale"
    REMOVE_AFTER_TENDER = "remove_after_tender"
    VIEW_REPORTS = "view_reports"
    UNLOCK_USER = "unlock_user"
    MANAGE_USERS = "manage_users"
    IMPORT_CATALOG = "import_catalog"
    MANAGE_SETTINGS = "manage_settings"
    SETTLE_PAYMENTS = "settle_payments"


_SUPERVISOR = {
    Permission.SELL,
    Permission.DISCOUNT_OVER_LIMIT,
    Permission.PRICE_OVERRIDE,
    Permission.VOID_SALE,
    Permission.REMOVE_AFTER_TENDER,
    Permission.VIEW_REPORTS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset({Permission.SELL}),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.MANAGER: frozenset(Permission),
}

#: How an action reads in approval prompts and the audit log.
ACTION_LABELS: dict[Permission, str] = {
    Permission.DISCOUNT_OVER_LIMIT: "A discount over the limit",
    Permission.PRICE_OVERRIDE: "Changing a price",
    Permission.VOID_SALE: "Voiding a sale",
    Permission.REMOVE_AFTER_TENDER: "Removing an item after payment started",
    Permission.VIEW_REPORTS: "Viewing reports",
    Permission.UNLOCK_USER: "Unlocking a user",
    Permission.MANAGE_USERS: "Managing users",
    Permission.IMPORT_CATALOG: "Importing the catalog",
    Permission.MANAGE_SETTINGS: "Changing payment settings",
    Permission.SETTLE_PAYMENTS: "Settling a late payment (refund or credit)",
}

# -- PIN hashing ---------------------------------------------------------------------------

PIN_MIN, PIN_MAX = 4, 8
_SCRYPT_R, _SCRYPT_P = 8, 1


def check_pin_format(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise ServiceError(f"A PIN is {PIN_MIN} to {PIN_MAX} digits.")


def hash_pin(pin: str, log2_n: int = 15) -> str:
    """``scrypt$<log2 N>$<r>$<p>$<salt>$<hash>``: the cost travels with the hash."""
    check_pin_format(pin)
    salt = os.urandom(16)
    digest = _scrypt(pin, salt, log2_n, _SCRYPT_R, _SCRYPT_P)
    return "$".join(
        [
            "scrypt",
            str(log2_n),
            str(_SCRYPT_R),
            str(_SCRYPT_P),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time comparison against a stored scrypt hash; malformed hashes fail."""
    try:
        scheme, log2_n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest_b64, validate=True)
        digest = _scrypt(
            pin, base64.b64decode(salt_b64, validate=True), int(log2_n), int(r), int(p)
        )
    except (ValueError, TypeError, MemoryError):  # binascii.Error is a ValueError
        return False
    return hmac.compare_digest(digest, expected)


def _scrypt(pin: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(
        pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + (1 << 20), dklen=32
    )


# -- sessions and approvals ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrentUser:
    user_id: str
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


@dataclass(frozen=True, slots=True)
class UserSummary:
    """What the login screen lists."""

    user_id: str
    name: str
    role: Role
    locked_until: datetime | None


@dataclass(frozen=True, slots=True)
class Approval:
    """Proof that an approver entered their PIN for these permissions. Single use."""

    token: str
    approver_id: str
    approver_name: str
    permissions: frozenset[Permission]


APPROVAL_TTL = timedelta(minutes=2)


class AuthService:
    """Login, lock, approvals and the permission check every other service calls."""

    def __init__(self, db: Database, ctx: TerminalContext, clock: Clock, ids: IdFactory) -> None:
        self._db = db
        self._ctx = ctx
        self._clock = clock
        self._ids = ids
        self._current: CurrentUser | None = None
        self._locked = False
        self._approvals: dict[str, tuple[Approval, datetime]] = {}
        self._writer = AuditWriter(ctx, clock, ids)

    # -- state ----------------------------------------------------------------------------
    @property
    def current(self) -> CurrentUser | None:
        return self._current

    @property
    def screen_locked(self) -> bool:
        return self._locked

    def require_user(self) -> CurrentUser:
        if self._current is None or self._locked:
            raise NotLoggedIn("Log in with your PIN first.")
        return self._current

    # -- users ----------------------------------------------------------------------------
    def users(self) -> list[UserSummary]:
        rank = {role: i for i, role in enumerate(Role)}  # cashier, supervisor, manager
        with self._db.session() as s:
            users = [
                UserSummary(u.id, u.name, Role(u.role), self._lock_expiry(u))
                for u in repo.active_users(s)
            ]
        return sorted(users, key=lambda u: (rank[u.role], u.name))

    def create_user(self, name: str, role: Role, pin: str) -> str:
        """Add a user (managers only)."""
        actor = self.require(Permission.MANAGE_USERS)
        with self._db.session() as s:
            user_id = self._add_user(s, name, role, pin)
            self._audit(
                s,
                actor.user_id,
                "user_created",
                result="ok",
                detail={"user": user_id, "role": role.value},
            )
        return user_id

    def bootstrap_users(self, users: list[tuple[str, Role, str]]) -> list[str]:
        """First run only: create the initial users when the database has none."""
        with self._db.session() as s:
            if repo.count_users(s):
                raise PermissionDenied("Users exist already: a manager adds new users.")
            ids = [self._add_user(s, name, role, pin) for name, role, pin in users]
            for user_id in ids:
                self._audit(s, user_id, "user_created", result="bootstrap")
        return ids

    def _add_user(self, s: Session, name: str, role: Role, pin: str) -> str:
        name = name.strip()
        if not name:
            raise ServiceError("A user needs a name.")
        if repo.user_by_name(s, name) is not None:
            raise ServiceError(f"A user named {name} exists already; choose another name.")
        check_pin_format(pin)
        user_id = self._ids.new()
        user = User(
            id=user_id,
            name=name,
            role=role.value,
            pin_hash=hash_pin(pin, self._ctx.policy.pin_kdf_log2_n),
            failed_attempts=0,
            locked_until=None,
            active=True,
            created_at=self._clock.now(),
        )
        repo.seal_user(s, user)  # after every change of role, PIN hash or active flag
        s.add(user)
        s.flush()
        return user_id

    def _lock_expiry(self, user: User) -> datetime | None:
        if user.locked_until and user.locked_until > self._clock.now():
            return user.locked_until
        return None

    # -- login ----------------------------------------------------------------------------
    def _check_pin(
        self,
        user_id: str,
        pin: str,
        action: str,
        required: frozenset[Permission] = frozenset(),
    ) -> User:
        """Verify a PIN with lockout accounting; the outcome is committed either way.

        ``required``: permissions the user must hold for this check to count as a success
        (approvals); a right PIN without them is audited as ``not_permitted``.
        Repeated lockouts double the lockout time (capped at a day) until the user gets
        their PIN right, so guessing never gets faster than a few tries per hour.
        """
        policy = self._ctx.policy
        outcome: ServiceError | None = None
        with self._db.session() as s:
            user = repo.user_by_id(s, user_id)
            if user is None or not user.active:
                raise WrongPin("Unknown user.")
            now = self._clock.now()
            until = self._lock_expiry(user)
            if until is not None:
                local = until.astimezone(self._ctx.zone).strftime("%H:%M")
                raise AccountLocked(
                    f"{user.name} is locked after {policy.max_failed_pins} wrong PINs, "
                    f"until {local}. A manager can unlock the account now."
                )
            if verify_pin(pin, user.pin_hash):
                user.failed_attempts = 0
                user.locked_until = None
                user.lockout_count = 0
                lacking = sorted(p for p in required if p not in ROLE_PERMISSIONS[Role(user.role)])
                self._audit(s, user.id, action, result="not_permitted" if lacking else "ok")
                if lacking:
                    what = ", ".join(ACTION_LABELS.get(p, p.value).lower() for p in lacking)
                    outcome = PermissionDenied(f"{user.name} ({user.role}) cannot approve: {what}.")
                else:
                    s.expunge(user)
                    return user
            else:
                user.failed_attempts += 1
                left = policy.max_failed_pins - user.failed_attempts
                if left <= 0:
                    minutes = min(policy.lockout_minutes * 2**user.lockout_count, 24 * 60)
                    user.lockout_count += 1
                    user.locked_until = now + timedelta(minutes=minutes)
                    user.failed_attempts = 0
                    self._audit(
                        s,
                        user.id,
                        action,
                        result="locked_out",
                        detail={"minutes": minutes, "lockouts": user.lockout_count},
                    )
                    outcome = AccountLocked(
                        f"Wrong PIN. {user.name} is now locked for {minutes} minutes. "
                        "A manager can unlock the account now."
                    )
                else:
                    self._audit(s, user.id, action, result="wrong_pin")
                    outcome = WrongPin(
                        f"Wrong PIN. {left} {'try' if left == 1 else 'tries'} left before "
                        f"{user.name} is locked."
                    )
        raise outcome

    def login(self, user_id: str, pin: str) -> CurrentUser:
        """Log a user in (also used to switch user). The open basket stays on the till."""
        user = self._check_pin(user_id, pin, "login")
        self._current = CurrentUser(user.id, user.name, Role(user.role))
        self._locked = False
        return self._current

    def lock_screen(self) -> None:
        """Lock the till (idle timeout or on request); the user's PIN unlocks it."""
        if self._current is not None and not self._locked:
            self._locked = True
            with self._db.session() as s:
                self._audit(s, self._current.user_id, "screen_locked", result="ok")

    def unlock_screen(self, pin: str) -> CurrentUser:
        if self._current is None:
            raise NotLoggedIn("Nobody is logged in.")
        self._check_pin(self._current.user_id, pin, "screen_unlock")
        self._locked = False
        return self._current

    def logout(self) -> None:
        if self._current is not None:
            with self._db.session() as s:
                self._audit(s, self._current.user_id, "logout", result="ok")
        self._current = None
        self._locked = False

    # -- permissions and approvals ----------------------------------------------------------
    def _can(self, permission: Permission) -> bool:
        return self._current is not None and not self._locked and self._current.can(permission)

    def require(self, permission: Permission) -> CurrentUser:
        """The current user must hold ``permission`` themselves (no approval path)."""
        user = self.require_user()
        if not user.can(permission):
            label = ACTION_LABELS.get(permission, permission.value)
            raise PermissionDenied(f"{label} is not allowed for a {user.role.value}.")
        return user

    def approve(
        self, approver_id: str, pin: str, permissions: Permission | Iterable[Permission]
    ) -> Approval:
        """Check an approver's PIN on the spot; returns a single-use approval token."""
        wanted = (
            frozenset({permissions})
            if isinstance(permissions, Permission)
            else frozenset(permissions)
        )
        actions = ", ".join(sorted(wanted))
        user = self._check_pin(approver_id, pin, f"approve:{actions}", required=wanted)
        approval = Approval(secrets.token_hex(16), user.id, user.name, wanted)
        self._approvals[approval.token] = (approval, self._clock.now())
        return approval

    def _consume(self, approval: Approval, needed: set[Permission]) -> str:
        """Spend an approval: it must be ours, unexpired, unused and cover ``needed``."""
        issued = self._approvals.pop(approval.token, None)
        if issued is None or issued[0] != approval:
            raise PermissionDenied("That approval is not valid; ask for the PIN again.")
        if self._clock.now() - issued[1] > APPROVAL_TTL:
            raise PermissionDenied("That approval has expired; ask for the PIN again.")
        if not needed <= approval.permissions:
            raise PermissionDenied("That approval was given for something else.")
        return approval.approver_id

    @staticmethod
    def approver_for(permissions: Iterable[Permission]) -> str:
        """Who can approve: a supervisor or manager, or only a manager."""
        if all(p in ROLE_PERMISSIONS[Role.SUPERVISOR] for p in permissions):
            return "a supervisor or manager"
        return "a manager"

    def authorize_all(
        self, needed: Iterable[Permission], approval: Approval | None, action: str | None = None
    ) -> str:
        """Allow an action needing ``needed`` for the current user, or with one approval.

        Returns who authorised it (the user themselves or the approver). Raises
        :class:`ApprovalRequired` naming every missing permission, so one PIN covers them.
        """
        user = self.require_user()
        missing = {p for p in needed if not user.can(p)}
        if not missing:
            return user.user_id
        label = action or " and ".join(ACTION_LABELS.get(p, p.value) for p in sorted(missing))
        if approval is None:
            raise ApprovalRequired(
                tuple(sorted(p.value for p in missing)), label, self.approver_for(missing)
            )
        return self._consume(approval, missing)

    def authorize(
        self, permission: Permission, approval: Approval | None, action: str | None = None
    ) -> str:
        """:meth:`authorize_all` for a single permission."""
        return self.authorize_all([permission], approval, action)

    def unlock_user(self, user_id: str, approval: Approval | None = None) -> None:
        """Clear a lockout: by a logged-in manager, or with a manager's approval on the spot."""
        if approval is not None and (self._current is None or self._locked):
            actor = self._consume(approval, {Permission.UNLOCK_USER})
        else:
            actor = self.authorize(Permission.UNLOCK_USER, approval)
        with self._db.session() as s:
            user = repo.user_by_id(s, user_id)
            if user is None:
                raise ServiceError("Unknown user.")
            user.failed_attempts = 0
            user.locked_until = None
            self._audit(s, actor, "user_unlocked", result="ok", detail={"user": user_id})

    def _audit(
        self,
        s: Session,
        user_id: str,
        action: str,
        *,
        result: str,
        detail: dict[str, object] | None = None,
    ) -> None:
        self._writer.write(s, user_id=user_id, action=action, result=result, detail=detail)
