"""The till's link to its head office, as the screens see it: sync state, enrollment, and
the events the head office refused.

The sync agent itself (``sync.agent``) lives below the services and knows nothing of them;
the composition root (``pos.app`` with ``pos.sync_link``) builds it and feeds its status in
here with :meth:`HeadOfficeService.publish`, from the agent's own thread. Screens subscribe
with :meth:`HeadOfficeService.add_listener`; a listener is called on whatever thread
published, so a Qt screen re-emits it as a signal (queued to the GUI thread) and never
blocks the agent or waits for it.

Enrollment goes through a :class:`Enroller` that the composition root supplies (it talks
HTTP and keeps the token in the OS keyring); here it is only checked (manager only) and its
failures are turned into messages a manager can act on: a wrong or used code, a certificate
the till does not trust, a head office that cannot be reached.

A person added at head office reaches the till without a PIN; head office can make them a
one-time PIN set-up code (its SHA-256 and expiry come with their user change), and with it
they set their own PIN here (:meth:`HeadOfficeService.set_pin_with_code`), once per till,
before it expires. Only the code's hash travels; the PIN and its hash stay on the till.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos.domain.messages import Message, define
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission, check_pin_format
from pos.services.context import Clock, SystemClock
from pos.services.errors import ServiceError
from pos.services.refusal_messages import parked_message
from pos.services.steps import NetCall, Steps
from pos.store import sync_state
from pos.store.db import Database
from pos.store.journal_chain import seal_user
from pos.store.models import User

log = logging.getLogger(__name__)

ENROLL_BAD_INPUT = define("enroll_bad_input", "Enrollment: {detail}")
#: what the manager typed, each naming its field (checked before head office is asked)
ENROLL_BAD_URL = define(
    "enroll_bad_url",
    "Head office address: {url} is not a web address; type it as https://hq.example.co.ke.",
)
ENROLL_PLAIN_HTTP = define(
    "enroll_plain_http",
    "Head office address: {url} must start with https:// (plain http:// is only allowed "
    "to this computer).",
)
ENROLL_CODE_FORMAT = define(
    "enroll_code_format",
    "Enrollment code: type the code shown at head office (4 to 64 letters, digits or dashes).",
)
ENROLL_BAD_NAME = define(
    "enroll_bad_name",
    "Till name: give this till a name of 1 to 80 characters (e.g. 'Till 2').",
)
ENROLL_NO_CA_BUNDLE = define(
    "enroll_no_ca_bundle",
    "CA bundle file: {path} does not exist; choose the file your IT department gave.",
)
ENROLL_BAD_CODE = define(
    "enroll_bad_code",
    "The head office did not accept the code ({detail}). Check it, or make a new code at "
    "head office (Stores, Make an enrollment code); each code works once, for 24 hours.",
)
ENROLL_TLS = define(
    "enroll_tls",
    "The head office's certificate is not trusted ({detail}). Check the address, or give "
    "the CA bundle file your IT department provides.",
)
ENROLL_UNREACHABLE = define(
    "enroll_unreachable",
    "The head office cannot be reached ({detail}). Check the address and the network, then "
    "try again.",
)
ENROLL_REFUSED = define("enroll_refused", "The head office refused the enrollment: {detail}")
PIN_SETUP_DIFFER = define("pin_setup_differ", "The two PINs are not the same: type them again.")
PIN_SETUP_NONE = define(
    "pin_setup_none",
    "No PIN set-up code is waiting for this person on this till. Ask head office for one "
    "(Staff, Make a PIN set-up code); it reaches this till with the next sync.",
)
PIN_SETUP_EXPIRED = define(
    "pin_setup_expired", "This PIN set-up code has expired: ask head office for a new one."
)
PIN_SETUP_WRONG = define(
    "pin_setup_wrong",
    "That is not the code head office made for this person. Check it (letters and digits "
    "in four groups) and try again.",
)
ENROLL_ID_MISMATCH = define(
    "enroll_id_mismatch",
    "Enrolled as {store}/{terminal}, but this till works as {own_store}/{own_terminal} and "
    "its sealed journal carries those ids: nothing is sent. Call support (changing the ids "
    "in the configuration by hand would stop selling).",
)

ENROLL_RESTART = define(
    "enroll_restart",
    "Enrolled as {store}/{terminal}: this till's settings now use these ids. Restart Kaunta "
    "to start sending.",
)


class EnrollFailure(StrEnum):
    """Why an enrollment failed, so the screen can point at the field to correct."""

    BAD_INPUT = "bad_input"  # the address, code or name as typed cannot be used
    BAD_CODE = "bad_code"  # wrong, used or expired code
    TLS = "tls"  # certificate not trusted
    UNREACHABLE = "unreachable"  # no connection, timeout, 5xx
    REFUSED = "refused"  # any other refusal by the head office


class EnrollField(StrEnum):
    """The field of the enrollment form a bad input is in (the screen focuses it)."""

    NONE = ""
    URL = "url"
    CODE = "code"
    NAME = "name"
    CA_BUNDLE = "ca_bundle"


class EnrollFailed(ServiceError):
    """The enrollment did not happen; nothing was stored. ``kind`` says what to correct,
    ``field`` which field (a bad input found before head office was asked); ``message``
    overrides the kind's own words (the field's message)."""

    code = "enroll_failed"

    def __init__(
        self,
        kind: EnrollFailure,
        detail: str,
        *,
        field: EnrollField = EnrollField.NONE,
        message: Message | None = None,
    ) -> None:
        template = {
            EnrollFailure.BAD_INPUT: ENROLL_BAD_INPUT,
            EnrollFailure.BAD_CODE: ENROLL_BAD_CODE,
            EnrollFailure.TLS: ENROLL_TLS,
            EnrollFailure.UNREACHABLE: ENROLL_UNREACHABLE,
            EnrollFailure.REFUSED: ENROLL_REFUSED,
        }[kind]
        super().__init__(message if message is not None else template(detail=detail))
        self.kind = kind
        self.detail = detail
        self.field = field


_ENROLL_CODE = re.compile(r"[A-Za-z0-9-]{4,64}")


def _bad(field: EnrollField, message: Message) -> EnrollFailed:
    return EnrollFailed(EnrollFailure.BAD_INPUT, str(message), field=field, message=message)


def check_enroll_request(request: EnrollRequest) -> None:
    """Raise :class:`EnrollFailed` naming the field when what the manager typed cannot be
    used (the same rules the agent's enrollment applies), before head office is asked."""
    url = request.url.strip().rstrip("/")
    parts = urlsplit(url)
    try:
        host = parts.hostname or ""
    except ValueError:
        host = ""
    if parts.scheme not in ("http", "https") or not host:
        raise _bad(EnrollField.URL, ENROLL_BAD_URL(url=url or "''"))
    if parts.scheme == "http" and not _loopback(host):
        raise _bad(EnrollField.URL, ENROLL_PLAIN_HTTP(url=url))
    if not _ENROLL_CODE.fullmatch(request.code.strip()):
        raise _bad(EnrollField.CODE, ENROLL_CODE_FORMAT())
    if not 1 <= len(request.terminal_name.strip()) <= 80:
        raise _bad(EnrollField.NAME, ENROLL_BAD_NAME())
    if request.ca_bundle is not None and not request.ca_bundle.is_file():
        raise _bad(EnrollField.CA_BUNDLE, ENROLL_NO_CA_BUNDLE(path=str(request.ca_bundle)))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SyncPhase(StrEnum):
    NOT_ENROLLED = "not_enrolled"  # no head office: the till works on its own
    STARTING = "starting"  # training: the local head office is starting
    RUNNING = "running"  # the agent runs (online, offline or refused: see the view)
    UNAVAILABLE = "unavailable"  # enrolled, but sync cannot run (reason in ``problem``)
    #: training in an installed build: it carries no head office (``pos.sync_link``), so
    #: the training sales stay on this till; not a fault (reason in ``problem``)
    TRAINING_ALONE = "training_alone"


@dataclass(frozen=True, slots=True)
class SyncView:
    """What the sale screen and the manager see of the sync state."""

    phase: SyncPhase = SyncPhase.NOT_ENROLLED
    online: bool = False
    waiting: int = 0  # events not yet acknowledged by the head office (parked included)
    parked: int = 0  # events the head office refused (see :meth:`HeadOfficeService.parked`)
    last_success_at: datetime | None = None
    #: the first failure since the last success (the offline counter counts from here)
    offline_since: datetime | None = None
    refused: bool = False  # the head office refuses this terminal (revoked)
    #: the agent's own judgement (it also counts from the oldest waiting event when the
    #: till never synced)
    stale_reported: bool = False
    last_error: str = ""
    problem: str = ""  # UNAVAILABLE: why (English, for the log; the screen has its own text)
    head_office_url: str = ""  # the enrolled head office
    offered_url: str = ""  # ``[sync] url``: offered at enrollment
    #: the manager is warned when the last success is older than this
    warn_after: timedelta = timedelta(hours=24)
    #: training: the local head office's pages, and how to sign in there
    pages_url: str = ""
    pages_login: str = ""

    def stale(self, now: datetime) -> bool:
        """Not synced for longer than ``warn_after`` (a running agent only)."""
        if self.phase is not SyncPhase.RUNNING:
            return False
        if self.stale_reported:
            return True
        since = self.last_success_at or self.offline_since
        return since is not None and now - since > self.warn_after


@dataclass(frozen=True, slots=True)
class EnrollRequest:
    url: str
    code: str
    terminal_name: str
    ca_bundle: Path | None = None


@dataclass(frozen=True, slots=True)
class EnrollResult:
    store_id: str
    terminal_id: str
    organisation: str = ""
    #: False: enrolled under other ids than this till's configuration (nothing is sent)
    matches_config: bool = True
    warning: str = ""  # set when ``matches_config`` is False
    #: ``matches_config`` False, but the config file and the journal key now use the
    #: enrolled ids: the till sends from its next start (:mod:`pos.enrolled_ids`)
    adopted: bool = False


class Enroller(Protocol):
    """Supplied by the composition root: enrolls over HTTP, keeps the identity and token
    in the OS keyring, and starts the agent. Raises :class:`EnrollFailed`."""

    def __call__(self, request: EnrollRequest) -> EnrollResult: ...


@dataclass(frozen=True, slots=True)
class ParkedEventView:
    """An event the head office refused, as the manager sees it."""

    seq: int
    event_id: str
    kind: str
    reason: str
    parked_at: datetime | None

    def age(self, now: datetime) -> timedelta | None:
        return None if self.parked_at is None else max(timedelta(0), now - self.parked_at)

    @property
    def message(self) -> Message:
        """The reason in the reader's language where head office gave it as a code (a
        refused refund), else its English."""
        return parked_message(self.reason)


@dataclass
class _Listeners:
    lock: threading.Lock = field(default_factory=threading.Lock)
    items: list[Callable[[SyncView], None]] = field(default_factory=list)


class HeadOfficeService:
    """Sync state for the screens, the manager's enrollment, and the parked events."""

    def __init__(
        self,
        db: Database,
        auth: AuthService,
        *,
        training: bool = False,
        zone: tzinfo | None = None,
        clock: Clock | None = None,
        audit: AuditWriter | None = None,
    ) -> None:
        self._db = db
        self._auth = auth
        self.training = training
        #: the shop's time zone: the screens show times of sync in it
        self.zone = zone
        self._clock = clock or SystemClock()
        self._audit = audit
        self._view = SyncView()
        self._view_lock = threading.Lock()
        self._listeners = _Listeners()
        self.enroller: Enroller | None = None

    # -- state -------------------------------------------------------------------------

    def view(self) -> SyncView:
        with self._view_lock:
            return self._view

    def publish(self, view: SyncView) -> None:
        """The composition root's news (any thread); every listener hears it at once."""
        with self._view_lock:
            self._view = view
        with self._listeners.lock:
            listeners = list(self._listeners.items)
        for listener in listeners:
            try:
                listener(view)
            except Exception:
                log.exception("sync view listener failed")

    def update(self, **changes: object) -> SyncView:
        """Publish the current view with ``changes`` (composition root, any thread)."""
        with self._view_lock:
            view = replace(self._view, **changes)  # type: ignore[arg-type]
        self.publish(view)
        return view

    def add_listener(self, listener: Callable[[SyncView], None]) -> None:
        with self._listeners.lock:
            self._listeners.items.append(listener)

    def remove_listener(self, listener: Callable[[SyncView], None]) -> None:
        with self._listeners.lock:
            if listener in self._listeners.items:
                self._listeners.items.remove(listener)

    # -- the manager's tools --------------------------------------------------------------

    def can_enroll(self) -> bool:
        return self.enroller is not None

    def enroll(self, request: EnrollRequest) -> Steps[EnrollResult]:
        """Enroll this till (manager only). The HTTP call runs on the network executor."""
        self._auth.require(Permission.MANAGE_SETTINGS)
        enroller = self.enroller
        if enroller is None:
            raise EnrollFailed(
                EnrollFailure.REFUSED,
                "training mode enrolls with its own local head office",
            )
        check_enroll_request(request)
        result: EnrollResult = yield NetCall(lambda: enroller(request), "headoffice.enroll")
        return result

    def parked(self, limit: int = 200) -> list[ParkedEventView]:
        """The refused events, oldest first (manager or supervisor: ``view_reports``)."""
        self._auth.require(Permission.VIEW_REPORTS)
        with self._db.read_session() as s:
            rows = sync_state.parked_events(s, limit=limit)
        return [ParkedEventView(r.seq, r.event_id, r.kind, r.reason, r.parked_at) for r in rows]

    def parked_count(self) -> int:
        """How many events are parked (no permission needed: it is a number on a button)."""
        with self._db.read_session() as s:
            return sync_state.outbox_counts(s).parked

    # -- PINs set with a head-office code ---------------------------------------------------

    def pin_setup_people(self) -> list[PinSetupPerson]:
        """The people of this till with a PIN set-up code waiting (unused, not expired)."""
        now = self._clock.now()
        with self._db.read_session() as s:
            people = []
            for user in s.scalars(select(User).where(User.active).order_by(User.name)):
                code = _setup_code(s, user.id)
                if code is not None and not code["used"] and _expiry(code) > now:
                    people.append(PinSetupPerson(user.id, user.name, not user.pin_hash))
        return people

    def set_pin_with_code(self, user_id: str, code: str, pin: str, repeat: str) -> None:
        """The person sets their own PIN with the one-time code head office gave them:
        accepted once on this till, before it expires (no login needed: the code is the
        proof). The PIN is hashed here and stays here, as every PIN does."""
        typed = code.strip().upper()
        if pin != repeat:
            raise ServiceError(PIN_SETUP_DIFFER())
        check_pin_format(pin)
        with self._db.read_session() as s:
            user = s.get(User, user_id)
            stored = _setup_code(s, user_id)
        if user is None or not user.active or stored is None or stored["used"]:
            raise ServiceError(PIN_SETUP_NONE())
        if _expiry(stored) <= self._clock.now():
            raise ServiceError(PIN_SETUP_EXPIRED())
        digest = hashlib.sha256(typed.encode()).hexdigest()
        if not hmac.compare_digest(digest, str(stored["sha256"])):
            self._audit_pin(user_id, "failed")
            raise ServiceError(PIN_SETUP_WRONG())
        new_hash = self._auth.hash_new_pin(pin)  # scrypt outside the transaction
        with self._db.session() as s:
            again = _setup_code(s, user_id)
            row = s.get(User, user_id)
            if row is None or again is None or again["used"] or again["sha256"] != digest:
                raise ServiceError(PIN_SETUP_NONE())  # used meanwhile (another screen)
            row.pin_hash = new_hash
            row.failed_attempts = 0
            row.locked_until = None
            seal_user(s, row)
            sync_state.set_value(
                s, sync_state.setup_code_key(user_id), json.dumps({**again, "used": True})
            )
            if self._audit is not None:
                self._audit.write(s, user_id=user_id, action="pin_set_with_code")

    def _audit_pin(self, user_id: str, result: str) -> None:
        if self._audit is None:
            return
        with self._db.session() as s:
            self._audit.write(s, user_id=user_id, action="pin_set_with_code", result=result)


@dataclass(frozen=True, slots=True)
class PinSetupPerson:
    user_id: str
    name: str
    first_pin: bool  # True: they have no PIN yet (new from head office)


def _setup_code(session: Session, user_id: str) -> dict[str, Any] | None:
    raw = sync_state.get_value(session, sync_state.setup_code_key(user_id))
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "sha256" in value else None


def _expiry(code: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(code.get("expires_at")))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
