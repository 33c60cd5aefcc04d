"""The shop's staff on a standalone till: add users, set and reset PINs, roles, deactivate.

Every call needs ``manage_users`` (a manager), checked here whatever the screen shows. A
new PIN is typed twice by the user it belongs to (both must match), checked against the PIN
rule and hashed with the till's cost and pepper (:meth:`AuthService.hash_new_pin`); every
change of role, PIN hash or active flag re-seals the user row and is audited. The last
active manager can be neither demoted nor deactivated: a till always has someone who can
manage it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos.domain.messages import define
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission, Role, check_pin_format
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import NotFound, PermissionDenied, ServiceError
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.models import User

LAST_MANAGER = define(
    "staff_last_manager",
    "{name} is the last manager: add another manager first, so that someone can still "
    "manage this till.",
)
HEAD_OFFICE_OWNS_STAFF = define(
    "staff_owned_by_head_office",
    "This till is enrolled: head office owns its staff. Change them at head office; "
    "they arrive with the next sync.",
)


@dataclass(frozen=True, slots=True)
class StaffMember:
    user_id: str
    name: str
    role: Role
    active: bool
    locked: bool


class StaffService:
    """Users of this till, for a manager."""

    def __init__(
        self, db: Database, ctx: TerminalContext, clock: Clock, ids: IdFactory, auth: AuthService
    ) -> None:
        self._db = db
        self._clock = clock
        self._auth = auth
        self._audit = AuditWriter(ctx, clock, ids)
        #: True on a till enrolled with a head office, which then owns the staff (the
        #: composition root sets it from the sync state; a standalone till owns its own)
        self.owned_by_head_office: Callable[[], bool] = lambda: False

    def staff(self) -> list[StaffMember]:
        """Everyone, active first, by role then name."""
        self._auth.require(Permission.MANAGE_USERS)
        now = self._clock.now()
        with self._db.read_session() as s:
            users = list(s.scalars(select(User)))
        rank = {role: i for i, role in enumerate(Role)}
        return sorted(
            (
                StaffMember(
                    u.id,
                    u.name,
                    Role(u.role),
                    bool(u.active),
                    u.locked_until is not None and u.locked_until > now,
                )
                for u in users
            ),
            key=lambda m: (not m.active, rank[m.role], m.name),
        )

    def add(self, name: str, role: Role, pin: str, repeat: str) -> str:
        """A new user with the PIN they typed twice."""
        self._writable()
        _same(pin, repeat)
        return self._auth.create_user(name, role, pin)

    def set_pin(self, user_id: str, pin: str, repeat: str) -> None:
        """Reset a user's PIN (a forgotten one): the user types the new PIN twice."""
        self._writable()
        actor = self._auth.require(Permission.MANAGE_USERS)
        _same(pin, repeat)
        new_hash = self._auth.hash_new_pin(pin)  # scrypt outside the transaction
        with self._db.session() as s:
            user = self._user(s, user_id)
            user.pin_hash = new_hash
            user.failed_attempts = 0
            user.locked_until = None
            repo.seal_user(s, user)
            self._audit.write(
                s, user_id=actor.user_id, action="pin_reset", detail={"user": user_id}
            )

    def set_role(self, user_id: str, role: Role) -> None:
        self._writable()
        actor = self._auth.require(Permission.MANAGE_USERS)
        with self._db.session() as s:
            user = self._user(s, user_id)
            if user.role == role.value:
                return
            if user.role == Role.MANAGER.value and user.active:
                self._keep_a_manager(s, user)
            before = user.role
            user.role = role.value
            repo.seal_user(s, user)
            self._audit.write(
                s,
                user_id=actor.user_id,
                action="user_role_changed",
                detail={"user": user_id, "from": before, "to": role.value},
            )

    def set_active(self, user_id: str, active: bool) -> None:
        """Deactivate (they can no longer log in; their sales keep their name) or bring
        back a user."""
        self._writable()
        actor = self._auth.require(Permission.MANAGE_USERS)
        with self._db.session() as s:
            user = self._user(s, user_id)
            if bool(user.active) == active:
                return
            if not active and user.role == Role.MANAGER.value:
                self._keep_a_manager(s, user)
            if not active and user.id == actor.user_id:
                raise PermissionDenied("You cannot deactivate yourself; ask another manager.")
            user.active = active
            repo.seal_user(s, user)
            self._audit.write(
                s,
                user_id=actor.user_id,
                action="user_activated" if active else "user_deactivated",
                detail={"user": user_id},
            )

    def _writable(self) -> None:
        if self.owned_by_head_office():
            raise ServiceError(HEAD_OFFICE_OWNS_STAFF())

    @staticmethod
    def _user(s: Session, user_id: str) -> User:
        user = repo.user_by_id(s, user_id)
        if user is None:
            raise NotFound("That user is not on this till.")
        return user

    @staticmethod
    def _keep_a_manager(s: Session, user: User) -> None:
        others = s.execute(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.MANAGER.value, User.active, User.id != user.id)
        ).scalar_one()
        if not others:
            raise PermissionDenied(LAST_MANAGER(name=user.name))


def _same(pin: str, repeat: str) -> None:
    check_pin_format(pin)
    if pin != repeat:
        raise ServiceError("The two PINs are not the same; type the new PIN twice.")
