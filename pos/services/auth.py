"""Who is at the till, and what they may do.

PINs are hashed with scrypt (a memory-hard KDF; OWASP's minimum cost by default), a
per-user salt and a pepper kept outside the database (:class:`PinPeppers`), and hashed
again at the next login when the cost or the pepper changed; a user is locked out after
``max_failed_pins`` wrong PINs until a manager unlocks or ``lockout_minutes`` pass, and
every try made while locked is audited (``refused_locked``) without being checked.
Permissions are checked here, in the service layer: a cashier's call to a manager-only
action fails even if a button was never hidden. An approval is a single-use token that
only :meth:`AuthService.approve` can issue, after checking the approver's PIN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from pos.domain.messages import Message, define, text
from pos.services.audit import AuditWriter
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import (
    AccountLocked,
    ApprovalRequired,
    InvalidLanguage,
    NotLoggedIn,
    PermissionDenied,
    ServiceError,
    WrongPin,
)
from pos.services.journal import KeyStore, TrainingKeyFile
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.models import User

log = logging.getLogger(__name__)


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
    REFUND = "refund"
    REFUND_TO_CASH = "refund_to_cash"
    RETURN_WITHOUT_RECEIPT = "return_without_receipt"
    MANAGE_PRODUCTS = "manage_products"
    #: shifts: cash in/out above the limit, a close whose difference is above the limit,
    #: the Z report (manager only, like everything not listed for a role)
    CASH_OVER_LIMIT = "cash_over_limit"
    CLOSE_DIFFERENCE = "close_difference"
    Z_REPORT = "z_report"


_SUPERVISOR = {
    Permission.SELL,
    Permission.DISCOUNT_OVER_LIMIT,
    Permission.PRICE_OVERRIDE,
    Permission.VOID_SALE,
    Permission.REMOVE_AFTER_TENDER,
    Permission.VIEW_REPORTS,
    Permission.REFUND,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset({Permission.SELL}),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.MANAGER: frozenset(Permission),
}

NOT_ALLOWED = define("not_allowed", "{action} is not allowed for a {role}.")
LOCKED_UNTIL = define(
    "auth.locked_until",
    "{name} is locked after {count} wrong PINs, until {until}. A manager can unlock the "
    "account now.",
)
TRIES_LEFT = define(
    "auth.tries_left",
    "Wrong PIN. 1 try left before {name} is locked.",
    other="Wrong PIN. {count} tries left before {name} is locked.",
    count="count",
)
LOCKED_NOW = define(
    "auth.locked_now",
    "Wrong PIN. {name} is now locked for {minutes} minutes. A manager can unlock the account now.",
)
NAME_TAKEN = define("auth.name_taken", "A user named {name} exists already; choose another name.")
PIN_LENGTH = define("auth.pin_length", "A PIN is {low} to {high} digits.")
# the PIN pepper's failures (the cashier reads them at login; support acts on them)
PEPPER_DAMAGED = define(
    "auth.pepper_damaged",
    "The PIN pepper kept as {name} is damaged (not a key), so no PIN can be checked. "
    "Restore it from the till's backup of its keys; call support.",
)
PEPPER_NOT_STORED = define(
    "auth.pepper_not_stored", "The PIN pepper could not be stored as {name}: {detail}"
)
PEPPER_MISSING = define(
    "auth.pepper_missing",
    "This PIN cannot be checked: it was saved with PIN pepper {pepper_id}, which this till "
    "does not have (its key store has no {secret} of that id). Restore the till's keys from "
    "its backup; call support.",
)
LANGUAGE_UNKNOWN = define(
    "auth.language_unknown", "Choose one of the till's languages ({known}), not {language}."
)
#: role names as messages say them (marked for translation)
ROLE_WORDS = (text("cashier"), text("supervisor"), text("manager"))

#: How an action reads in approval prompts and the audit log.
ACTION_LABELS: dict[Permission, str] = {
    Permission.DISCOUNT_OVER_LIMIT: text("A discount over the limit"),
    Permission.PRICE_OVERRIDE: text("Changing a price"),
    Permission.VOID_SALE: text("Voiding a sale"),
    Permission.REMOVE_AFTER_TENDER: text("Removing an item after payment started"),
    Permission.VIEW_REPORTS: text("Viewing reports"),
    Permission.UNLOCK_USER: text("Unlocking a user"),
    Permission.MANAGE_USERS: text("Managing users"),
    Permission.IMPORT_CATALOG: text("Importing the catalog"),
    Permission.MANAGE_SETTINGS: text("Changing payment settings"),
    Permission.SETTLE_PAYMENTS: text("Settling a late payment (refund or credit)"),
    Permission.REFUND: text("A refund"),
    Permission.REFUND_TO_CASH: text("Giving a card, M-Pesa or PayPal payment back as cash"),
    Permission.RETURN_WITHOUT_RECEIPT: text("A return without a receipt"),
    Permission.MANAGE_PRODUCTS: text("Changing products"),
}

#: two actions one approval covers ("A refund and Giving a card … back as cash")
ACTIONS_AND = define("auth.actions_and", "{first} and {second}")


def _actions_label(missing: Iterable[Permission]) -> Message:
    """The approval prompt's action for these permissions, each by its label, joined by
    a translated "and" (a joined English text would stay English on a Kiswahili screen)."""
    labels = [Message.plain(ACTION_LABELS.get(p, p.value)) for p in sorted(missing)]
    label = labels[0]
    for following in labels[1:]:
        label = ACTIONS_AND(first=label, second=following)
    return label


# -- PIN hashing ---------------------------------------------------------------------------

#: The PIN length rule, here and nowhere else: services check every new PIN against it
#: (:func:`check_pin_format`); a screen's PIN field must take up to PIN_MAX digits.
PIN_MIN, PIN_MAX = 4, 12
#: The default scrypt cost (``Policy.pin_kdf_log2_n``, ``Policy.pin_kdf_p``): N = 2^16,
#: r = 8, p = 2, one of the settings OWASP's Password Storage Cheat Sheet lists as its
#: minimum (N = 2^17, r = 8, p = 1 and N = 2^16, r = 8, p = 2 are equal in work; the
#: second needs 64 MiB instead of 128, and a login took 0.40 to 0.49 s (median of 10) on
#: a 2-core machine where 2^17 took 0.44 to 0.54 s, at or over the 0.5 s a login may take).
SCRYPT_LOG2_N, SCRYPT_P = 16, 2
_SCRYPT_R = 8
#: Where a till keeps its PIN pepper: the OS keyring on a live till, a file in the training
#: data folder in training. Retired peppers (after :meth:`PinPeppers.rotate`) are kept as
#: ``auth.pin_pepper.<id>`` (the till never deletes one: an old hash may still name it).
PIN_PEPPER_SECRET = "auth.pin_pepper"
_PEPPER_BYTES = 32
#: Bounds on what a stored hash may ask for (a hash is data: a forged one must not make a
#: login allocate gigabytes): scrypt's memory is 128 * r * N bytes.
_MAX_MEMORY, _MAX_P = 1 << 30, 16


def check_pin_format(pin: str) -> None:
    """A PIN is :data:`PIN_MIN` to :data:`PIN_MAX` ASCII digits."""
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise ServiceError(PIN_LENGTH(low=PIN_MIN, high=PIN_MAX))


@dataclass(frozen=True, slots=True)
class Pepper:
    """A secret mixed into every PIN hash, kept outside the database, so that a copy of the
    data file alone cannot be searched offline (a 4-digit PIN is 10,000 guesses, minutes
    whatever the cost). ``id`` names it in each hash; it is a fingerprint, not the secret."""

    secret: bytes = field(repr=False)

    @property
    def id(self) -> str:
        return hmac.new(self.secret, b"kaunta pin pepper id", hashlib.sha256).hexdigest()[:12]

    def mix(self, pin: str) -> bytes:
        """What scrypt hashes: HMAC-SHA256 of the PIN under the pepper."""
        return hmac.new(self.secret, pin.encode(), hashlib.sha256).digest()


class PepperMissing(ServiceError):
    """A stored PIN hash names a pepper this till does not have (keyring entry lost, or a
    database restored without it): the PIN cannot be checked at all. Not a wrong PIN."""

    code = "pin_pepper_missing"


class PinPeppers:
    """This till's PIN peppers in a key store (``pos.secrets.KeyringSecrets`` live, a
    :class:`~pos.services.journal.TrainingKeyFile` in training): the current one under
    :data:`PIN_PEPPER_SECRET`, made the first time a PIN is hashed (the first users, or the
    first login after an upgrade), and retired ones by id. Read once, then cached.
    """

    def __init__(self, store: KeyStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._known: dict[str, Pepper] = {}
        self._current: Pepper | None = None

    def _read(self, name: str) -> Pepper | None:
        text = self._store.get(name)
        if not text:
            return None
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            secret = b""
        if len(secret) != _PEPPER_BYTES:
            raise ServiceError(PEPPER_DAMAGED(name=name))
        pepper = Pepper(secret)
        self._known[pepper.id] = pepper
        return pepper

    def current(self) -> Pepper:
        """The pepper new hashes use; made and stored on first use."""
        with self._lock:
            if self._current is None:
                pepper = self._read(PIN_PEPPER_SECRET)
                if pepper is None:
                    pepper = Pepper(secrets.token_bytes(_PEPPER_BYTES))
                    self._save(PIN_PEPPER_SECRET, pepper)
                    self._known[pepper.id] = pepper
                self._current = pepper
            return self._current

    def find(self, pepper_id: str) -> Pepper | None:
        """The pepper a stored hash names, current or retired; None if this till has none
        by that id. Never makes one."""
        with self._lock:
            if pepper_id not in self._known:
                if self._current is None:
                    self._current = self._read(PIN_PEPPER_SECRET)
                if pepper_id not in self._known:
                    self._read(f"{PIN_PEPPER_SECRET}.{pepper_id}")
            return self._known.get(pepper_id)

    def rotate(self) -> Pepper:
        """Make a new current pepper, keeping the old one (by id) for the hashes that still
        name it; each user's hash moves to the new one at their next login."""
        old = self.current()
        with self._lock:
            self._save(f"{PIN_PEPPER_SECRET}.{old.id}", old)
            pepper = Pepper(secrets.token_bytes(_PEPPER_BYTES))
            self._save(PIN_PEPPER_SECRET, pepper)
            self._known[pepper.id] = pepper
            self._current = pepper
            return pepper

    def _save(self, name: str, pepper: Pepper) -> None:
        try:
            self._store.set(name, pepper.secret.hex())
        except Exception as exc:  # the store says why (no keyring, refused)
            raise ServiceError(PEPPER_NOT_STORED(name=name, detail=str(exc))) from None


@dataclass(frozen=True, slots=True)
class PinHashParams:
    """What a stored PIN hash was made with; ``pepper_id`` "" for a hash made before
    peppers (``scrypt$<log2 N>$<r>$<p>$<salt>$<hash>``, still verified)."""

    log2_n: int
    r: int
    p: int
    pepper_id: str
    salt: bytes
    digest: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def hash_pin(pin: str, pepper: Pepper, log2_n: int = SCRYPT_LOG2_N, p: int = SCRYPT_P) -> str:
    """A PHC-style string, ``$scrypt$ln=<log2 N>,r=<r>,p=<p>,pepper=<id>$<salt>$<hash>``
    (unpadded base64): the cost and the pepper travel with the hash, so both can change
    without breaking the PINs already stored."""
    check_pin_format(pin)
    salt = os.urandom(16)
    digest = _scrypt(pepper.mix(pin), salt, log2_n, _SCRYPT_R, p)
    params = f"ln={log2_n},r={_SCRYPT_R},p={p},pepper={pepper.id}"
    return f"$scrypt${params}${_b64(salt)}${_b64(digest)}"


def pin_hash_params(stored: str) -> PinHashParams | None:
    """Read a stored PIN hash (either format); None when it is not one."""
    try:
        if stored.startswith("$"):
            scheme, params, salt_b64, digest_b64 = stored[1:].split("$")
            fields = dict(item.split("=", 1) for item in params.split(","))
            if scheme != "scrypt" or set(fields) != {"ln", "r", "p", "pepper"}:
                return None
            log2_n, r, p = int(fields["ln"]), int(fields["r"]), int(fields["p"])
            pepper_id = fields["pepper"]
            if not pepper_id:
                return None
            salt, digest = _unb64(salt_b64), _unb64(digest_b64)
        else:
            scheme, ln_text, r_text, p_text, salt_b64, digest_b64 = stored.split("$")
            if scheme != "scrypt":
                return None
            log2_n, r, p, pepper_id = int(ln_text), int(r_text), int(p_text), ""
            salt = base64.b64decode(salt_b64, validate=True)
            digest = base64.b64decode(digest_b64, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        return None
    if not (1 <= log2_n <= 30 and r >= 1 and 1 <= p <= _MAX_P):
        return None
    if 128 * r * (1 << log2_n) > _MAX_MEMORY:
        return None
    if not salt or len(digest) != 32:
        return None
    return PinHashParams(log2_n, r, p, pepper_id, salt, digest)


def verify_pin(pin: str, stored: str, pepper_for: Callable[[str], Pepper | None]) -> bool:
    """Constant-time check of ``pin`` against a stored hash; a malformed hash fails.

    ``pepper_for`` finds the pepper the hash names (:meth:`PinPeppers.find`). Raises
    :class:`PepperMissing` when it names one this till does not have: then nothing can be
    said about the PIN, and it must not count as wrong.
    """
    params = pin_hash_params(stored)
    if params is None:
        return False
    if params.pepper_id:
        pepper = pepper_for(params.pepper_id)
        if pepper is None:
            raise PepperMissing(
                PEPPER_MISSING(pepper_id=params.pepper_id, secret=PIN_PEPPER_SECRET)
            )
        secret = pepper.mix(pin)
    else:
        secret = pin.encode()
    try:
        digest = _scrypt(secret, params.salt, params.log2_n, params.r, params.p)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest, params.digest)


def needs_rehash(stored: str, log2_n: int, p: int, pepper_id: str) -> bool:
    """Whether a hash that just verified should be made again: no pepper or another one,
    or less work than N = 2^``log2_n``, r = 8, p = ``p`` (work: N * r * p). More work
    stays (a lowered setting never weakens hashes already stored)."""
    params = pin_hash_params(stored)
    if params is None:
        return True
    work = (1 << params.log2_n) * params.r * params.p
    return params.pepper_id != pepper_id or work < (1 << log2_n) * _SCRYPT_R * p


def _scrypt(secret: bytes, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(
        secret, salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + (1 << 20), dklen=32
    )


def _describe(params: PinHashParams | None) -> str:
    """A hash's parameters for the audit log (never the salt or the digest)."""
    if params is None:
        return "unreadable"
    pepper = f", pepper {params.pepper_id}" if params.pepper_id else ", no pepper"
    return f"scrypt N=2^{params.log2_n} r={params.r} p={params.p}{pepper}"


@dataclass(frozen=True, slots=True)
class _Verdict:
    """A PIN checked against a stored hash, outside any transaction: right or not, or
    ``unverifiable`` (the pepper is missing); ``rehashed``: the hash to store instead."""

    right: bool
    unverifiable: PepperMissing | None = None
    rehashed: str = ""


# -- sessions and approvals ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrentUser:
    user_id: str
    name: str
    role: Role
    #: the language the till shows while this user is logged in (``LANGUAGES``)
    language: str = "en"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


@dataclass(frozen=True, slots=True)
class UserSummary:
    """What the login screen lists."""

    user_id: str
    name: str
    role: Role
    locked_until: datetime | None
    language: str = "en"


#: The languages the till speaks: English and Kiswahili.
LANGUAGES = ("en", "sw")


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

    def __init__(
        self,
        db: Database,
        ctx: TerminalContext,
        clock: Clock,
        ids: IdFactory,
        *,
        keys: KeyStore | None = None,
    ) -> None:
        """``keys``: where the PIN pepper lives (the OS keyring on a live till, passed in
        by the terminal); without it, a file beside the database (training, tests)."""
        self._peppers = PinPeppers(keys if keys is not None else TrainingKeyFile(db.path.parent))
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
                UserSummary(u.id, u.name, Role(u.role), self._lock_expiry(u), u.language)
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
            raise ServiceError(NAME_TAKEN(name=name))
        check_pin_format(pin)
        user_id = self._ids.new()
        user = User(
            id=user_id,
            name=name,
            role=role.value,
            pin_hash=self._new_hash(pin),
            failed_attempts=0,
            locked_until=None,
            active=True,
            created_at=self._clock.now(),
        )
        repo.seal_user(s, user)  # after every change of role, PIN hash or active flag
        s.add(user)
        s.flush()
        return user_id

    def hash_new_pin(self, pin: str) -> str:
        """A new PIN's hash as this till stores it (cost, pepper): for the staff screens,
        which set and reset PINs (the caller seals the user row it goes into)."""
        return self._new_hash(pin)

    def _new_hash(self, pin: str) -> str:
        """A PIN hash at this till's cost, with its current pepper (made on first use)."""
        policy = self._ctx.policy
        return hash_pin(pin, self._peppers.current(), policy.pin_kdf_log2_n, policy.pin_kdf_p)

    def _lock_expiry(self, user: User) -> datetime | None:
        if user.locked_until and user.locked_until > self._clock.now():
            return user.locked_until
        return None

    # -- login ----------------------------------------------------------------------------
    def _verify(self, pin: str, stored: str) -> _Verdict:
        """Check ``pin`` against ``stored`` (and make the new hash when the cost or pepper
        changed); scrypt runs here, outside any transaction, so no writer waits on it."""
        try:
            right = verify_pin(pin, stored, self._peppers.find)
        except PepperMissing as exc:
            return _Verdict(False, unverifiable=exc)
        except ServiceError as exc:  # the pepper in the key store is damaged
            return _Verdict(False, unverifiable=PepperMissing(str(exc)))
        if not right:
            return _Verdict(False)
        policy = self._ctx.policy
        try:
            pepper = self._peppers.current()
            if not needs_rehash(stored, policy.pin_kdf_log2_n, policy.pin_kdf_p, pepper.id):
                return _Verdict(True)
            return _Verdict(True, rehashed=self._new_hash(pin))
        except ServiceError as exc:  # no pepper can be stored: keep the hash as it is
            log.warning("PIN hash not upgraded: %s", exc)
            return _Verdict(True)

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
        their PIN right, so guessing never gets faster than a few tries per hour. A try
        while locked is audited as ``refused_locked`` and nothing more: the PIN is not
        checked (no answer to learn from), and the lockout is neither reset nor extended
        (someone else at the keypad cannot keep a user locked out). A PIN that cannot be
        checked (its pepper is missing) is audited as ``pin_unverifiable`` and not counted.
        """
        policy = self._ctx.policy
        with self._db.read_session() as s:
            found = repo.user_by_id(s, user_id)
            if found is None or not found.active:
                raise WrongPin("Unknown user.")
            stored = found.pin_hash
            locked = self._lock_expiry(found) is not None
        verdict = None if locked else self._verify(pin, stored)  # scrypt, no transaction open
        with self._db.session() as s:
            user = repo.user_by_id(s, user_id)
            if user is None or not user.active:
                raise WrongPin("Unknown user.")
            until = self._lock_expiry(user)
            if until is not None:
                local = until.astimezone(self._ctx.zone).strftime("%H:%M")
                self._audit(
                    s,
                    user.id,
                    action,
                    result="refused_locked",
                    detail={"locked_until": until.isoformat()},
                )
                outcome: ServiceError = AccountLocked(
                    LOCKED_UNTIL(name=user.name, count=policy.max_failed_pins, until=local)
                )
            else:
                if verdict is None or user.pin_hash != stored:  # changed since it was read
                    verdict = self._verify(pin, user.pin_hash)
                problem = self._account(s, user, verdict, action, required)
                if problem is None:
                    s.flush()
                    s.expunge(user)
                    return user
                outcome = problem
        raise outcome

    def _account(
        self,
        s: Session,
        user: User,
        verdict: _Verdict,
        action: str,
        required: frozenset[Permission],
    ) -> ServiceError | None:
        """Count a checked PIN against ``user`` and audit it: None when it lets them in,
        else the error to raise once this is committed."""
        policy = self._ctx.policy
        if verdict.unverifiable is not None:
            self._audit(s, user.id, action, result="pin_unverifiable")
            return verdict.unverifiable
        if verdict.right:
            user.failed_attempts = 0
            user.locked_until = None
            user.lockout_count = 0
            if verdict.rehashed:
                self._rehash(s, user, verdict.rehashed)
            lacking = sorted(p for p in required if p not in ROLE_PERMISSIONS[Role(user.role)])
            self._audit(s, user.id, action, result="not_permitted" if lacking else "ok")
            if lacking:
                what = ", ".join(ACTION_LABELS.get(p, p.value).lower() for p in lacking)
                return PermissionDenied(f"{user.name} ({user.role}) cannot approve: {what}.")
            return None
        user.failed_attempts += 1
        left = policy.max_failed_pins - user.failed_attempts
        if left > 0:
            self._audit(s, user.id, action, result="wrong_pin")
            return WrongPin(TRIES_LEFT(count=left, name=user.name))
        minutes = min(policy.lockout_minutes * 2**user.lockout_count, 24 * 60)
        user.lockout_count += 1
        user.locked_until = self._clock.now() + timedelta(minutes=minutes)
        user.failed_attempts = 0
        self._audit(
            s,
            user.id,
            action,
            result="locked_out",
            detail={"minutes": minutes, "lockouts": user.lockout_count},
        )
        return AccountLocked(LOCKED_NOW(name=user.name, minutes=minutes))

    def _rehash(self, s: Session, user: User, new_hash: str) -> None:
        """Store a user's PIN hash made with today's cost and pepper (their PIN was just
        right), sealed like every change of a PIN hash, and say so in the audit log."""
        old, new = pin_hash_params(user.pin_hash), pin_hash_params(new_hash)
        user.pin_hash = new_hash
        repo.seal_user(s, user)
        self._audit(
            s,
            user.id,
            "pin_rehashed",
            result="ok",
            detail={
                "from": _describe(old),
                "to": _describe(new),
            },
        )

    def login(self, user_id: str, pin: str) -> CurrentUser:
        """Log a user in (also used to switch user). The open basket stays on the till."""
        user = self._check_pin(user_id, pin, "login")
        self._current = CurrentUser(user.id, user.name, Role(user.role), user.language)
        self._locked = False
        return self._current

    def set_language(self, language: str) -> CurrentUser:
        """The logged-in user chooses their own language (``en`` or ``sw``); kept for their
        next login. Needs no permission: it changes nothing but what the till shows them."""
        user = self.require_user()
        if language not in LANGUAGES:
            raise InvalidLanguage(
                LANGUAGE_UNKNOWN(known=", ".join(LANGUAGES), language=repr(language))
            )
        with self._db.session() as s:
            row = s.get(User, user.user_id)
            if row is None:
                raise NotLoggedIn("Log in with your PIN first.")
            if row.language != language:
                row.language = language
                self._audit(
                    s, user.user_id, "language_changed", result="ok", detail={"to": language}
                )
        self._current = CurrentUser(user.user_id, user.name, user.role, language)
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
            raise PermissionDenied(
                NOT_ALLOWED(action=Message.plain(label), role=Message.plain(user.role.value))
            )
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
            return text("a supervisor or manager")
        return text("a manager")

    def authorize_all(
        self,
        needed: Iterable[Permission],
        approval: Approval | None,
        action: str | Message | None = None,
    ) -> str:
        """Allow an action needing ``needed`` for the current user, or with one approval.

        Returns who authorised it (the user themselves or the approver). Raises
        :class:`ApprovalRequired` naming every missing permission, so one PIN covers them.
        """
        user = self.require_user()
        missing = {p for p in needed if not user.can(p)}
        if not missing:
            return user.user_id
        label = action or _actions_label(missing)
        if approval is None:
            raise ApprovalRequired(
                tuple(sorted(p.value for p in missing)), label, self.approver_for(missing)
            )
        return self._consume(approval, missing)

    def authorize(
        self, permission: Permission, approval: Approval | None, action: str | Message | None = None
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
