"""The till's side of synchronisation: what the sync agent reads and writes in the store.

The agent is a second writer beside the till worker. Every function here takes the session
of one short unit of work (``Database.session()``, ``BEGIN IMMEDIATE``); the agent opens one
to read a batch, closes it, talks to the head office with no transaction open, and opens
another to record the answers. It never holds the write lock across a network call.

- Outbox delivery: :func:`pending_events` (unsent, in ``seq`` order, parked ones only once
  their retry time has come), :func:`mark_sent` (only on the head office's acknowledgement),
  :func:`park` (refused, with the reason, so the rest goes on), :func:`outbox_counts`,
  :func:`parked_events` (for the manager), :func:`unsent_documents` (sales and refunds
  head office has not seen: an enrolled till's eTIMS age alert).
- Head-office changes: :func:`apply_products` and :func:`apply_users` apply one page inside
  the caller's transaction, so a page is applied whole or not at all, together with the
  cursor that follows it (:func:`set_value`).
- Small named values (:func:`get_value` / :func:`set_value`): the change cursor, the time of
  the last successful exchange.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pos.domain.catalog import valid_kra_item_class as valid_kra_item_class  # for sync.agent
from pos.store.journal_chain import JournalHead, chain_head, mac_at, seal_user
from pos.store.models import OutboxEvent, Product, ProductBarcode, SyncState, User
from pos.store.repositories import replace_extra_barcodes, upsert_product_rows

_OUTBOX: Table = OutboxEvent.__table__  # type: ignore[assignment]
_PRODUCTS: Table = Product.__table__  # type: ignore[assignment]
_BARCODES: Table = ProductBarcode.__table__  # type: ignore[assignment]

#: Names of the values in ``sync_state``.
CURSOR = "changes.cursor"
LAST_SUCCESS = "last_success_at"
LAST_PROBLEM = "last_problem"
#: the journal seq head office named in its last push answer: the next batch carries the
#: journal's MAC at it (``chain_check``)
CHAIN_CHECK_SEQ = "chain.check_seq"

_CODE_RE = re.compile(r"[A-Za-z0-9]{1,4}")


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An outbox row to send: its number, id and the stored document (JSON text)."""

    seq: int
    event_id: str
    payload: str


@dataclass(frozen=True, slots=True)
class ParkedEvent:
    """An event the head office refused: what the manager sees."""

    seq: int
    event_id: str
    kind: str
    reason: str
    parked_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    waiting: int  # not yet acknowledged, parked ones included
    parked: int
    oldest_waiting_at: datetime | None  # when the oldest of them was written


def pending_events(
    session: Session, *, limit: int, now: datetime, park_retry: timedelta
) -> list[PendingEvent]:
    """Up to ``limit`` unsent events in ``seq`` order; a parked event only once
    ``park_retry`` has passed since it was parked (it does not block those after it)."""
    due = now - park_retry
    rows = session.execute(
        select(OutboxEvent.seq, OutboxEvent.id, OutboxEvent.payload)
        .where(
            OutboxEvent.sent_at.is_(None),
            or_(OutboxEvent.parked_at.is_(None), OutboxEvent.parked_at <= due),
        )
        .order_by(OutboxEvent.seq)
        .limit(limit)
    ).all()
    return [PendingEvent(int(r.seq), str(r.id), str(r.payload)) for r in rows]


_MARK_SENT = (
    update(_OUTBOX)
    .where(and_(_OUTBOX.c.id == bindparam("event_id"), _OUTBOX.c.sent_at.is_(None)))
    .values(
        sent_at=bindparam("now"),
        attempts=_OUTBOX.c.attempts + 1,
        parked_reason="",
        parked_at=None,
    )
)
_PARK = (
    update(_OUTBOX)
    .where(and_(_OUTBOX.c.id == bindparam("event_id"), _OUTBOX.c.sent_at.is_(None)))
    .values(
        attempts=_OUTBOX.c.attempts + 1,
        parked_reason=bindparam("reason"),
        parked_at=bindparam("now"),
    )
)


def mark_sent(session: Session, event_ids: Sequence[str], now: datetime) -> int:
    """Record the head office's acknowledgement of ``event_ids``; returns rows changed.

    An event already marked keeps its first ``sent_at`` (acknowledged twice is still once).
    """
    if not event_ids:
        return 0
    result = session.connection().execute(
        _MARK_SENT, [{"event_id": e, "now": now} for e in event_ids]
    )
    return int(result.rowcount)


def park(session: Session, refused: Sequence[tuple[str, str]], now: datetime) -> int:
    """Park each ``(event_id, reason)`` the head office refused; returns rows changed."""
    if not refused:
        return 0
    result = session.connection().execute(
        _PARK, [{"event_id": e, "reason": r[:500], "now": now} for e, r in refused]
    )
    return int(result.rowcount)


def outbox_counts(session: Session) -> OutboxCounts:
    waiting, first_seq = session.execute(
        select(func.count(), func.min(OutboxEvent.seq)).where(OutboxEvent.sent_at.is_(None))
    ).one()
    oldest = None
    if first_seq is not None:
        oldest = session.execute(
            select(OutboxEvent.created_at).where(OutboxEvent.seq == first_seq)
        ).scalar_one()
    parked = session.execute(
        select(func.count())
        .select_from(OutboxEvent)
        .where(OutboxEvent.sent_at.is_(None), OutboxEvent.parked_at.is_not(None))
    ).scalar_one()
    return OutboxCounts(int(waiting), int(parked), oldest)


@dataclass(frozen=True, slots=True)
class UnsentDocument:
    """An outbox event of one of ``kinds`` the head office has not acknowledged yet."""

    seq: int
    kind: str
    aggregate_id: str
    created_at: datetime
    payload: str


@dataclass(frozen=True, slots=True)
class UnsentDocuments:
    count: int  # all of them, parked ones included
    oldest: list[UnsentDocument]  # the first ``limit`` of them, in ``seq`` order


def unsent_documents(session: Session, kinds: Sequence[str], limit: int) -> UnsentDocuments:
    """The events of ``kinds`` (a sale, a refund) not yet acknowledged by the head office:
    how many, and the oldest ``limit``. For an enrolled till's eTIMS age alert: such a
    document is in no eTIMS queue yet (head office has not seen it). Both read the
    pending part of the outbox only (the partial index ``ix_outbox_pending``), in
    ``seq`` order, so a till that is synced reads nothing."""
    pending = and_(OutboxEvent.sent_at.is_(None), OutboxEvent.kind.in_(list(kinds)))
    rows = session.execute(
        select(
            OutboxEvent.seq,
            OutboxEvent.kind,
            OutboxEvent.aggregate_id,
            OutboxEvent.created_at,
            OutboxEvent.payload,
        )
        .where(pending)
        .order_by(OutboxEvent.seq)
        .limit(limit)
    ).all()
    count = 0
    if rows:
        count = session.execute(
            select(func.count()).select_from(OutboxEvent).where(pending)
        ).scalar_one()
    oldest = [
        UnsentDocument(int(r.seq), str(r.kind), str(r.aggregate_id), r.created_at, str(r.payload))
        for r in rows
    ]
    return UnsentDocuments(int(count), oldest)


def parked_events(session: Session, limit: int = 100) -> list[ParkedEvent]:
    rows = session.execute(
        select(
            OutboxEvent.seq,
            OutboxEvent.id,
            OutboxEvent.kind,
            OutboxEvent.parked_reason,
            OutboxEvent.parked_at,
        )
        .where(OutboxEvent.sent_at.is_(None), OutboxEvent.parked_at.is_not(None))
        .order_by(OutboxEvent.seq)
        .limit(limit)
    ).all()
    return [
        ParkedEvent(int(r.seq), str(r.id), str(r.kind), str(r.parked_reason), r.parked_at)
        for r in rows
    ]


def journal_head(session: Session) -> JournalHead | None:
    """The newest entry of the keyed journal chain (sent with every batch)."""
    return chain_head(session.connection())


def chain_check_entry(session: Session) -> JournalHead | None:
    """The journal's entry at the seq head office named last (:data:`CHAIN_CHECK_SEQ`), as
    the file holds it now: a batch's ``chain_check``. Read at send time, never a copy kept
    from before, since the point is what the journal says today. None before head office
    named a seq, or when the journal has no entry there (restored from an older copy: its
    head shows that already)."""
    named = get_value(session, CHAIN_CHECK_SEQ)
    if not named or not named.isdigit():
        return None
    mac = mac_at(session.connection(), int(named))
    return None if mac is None else JournalHead(int(named), mac)


# ---------------------------------------------------------------------------------------
# Named values


def get_value(session: Session, name: str) -> str | None:
    row = session.get(SyncState, name)
    return None if row is None else row.value


def set_value(session: Session, name: str, value: str) -> None:
    stmt = sqlite_insert(SyncState).values(name=name, value=value)
    session.execute(
        stmt.on_conflict_do_update(index_elements=[SyncState.name], set_={"value": value})
    )


# ---------------------------------------------------------------------------------------
# Changes from the head office


@dataclass(frozen=True, slots=True)
class ProductChange:
    """A product as the head office has it now, with all its barcodes (the first is
    ``products.barcode``, the others ``product_barcodes``)."""

    sku: str
    name: str
    barcodes: tuple[str, ...]
    price_minor: int
    currency: str
    vat_class: str
    category: str
    active: bool
    #: KRA eTIMS item classification as head office has it (None: the branch default)
    kra_item_class: str | None = None

    @property
    def barcode(self) -> str | None:
        return self.barcodes[0] if self.barcodes else None


@dataclass(frozen=True, slots=True)
class UserChange:
    """A user as the head office has it now. PINs never travel: a user new to this till
    gets no PIN (cannot log in) until a manager sets one here."""

    user_id: str
    name: str
    role: str
    active: bool
    #: a PIN set-up code made at head office for this person: its SHA-256 and expiry
    #: ("" / None: none); kept per user in ``sync_state`` and accepted once on this till
    setup_code_sha256: str = ""
    setup_code_expires_at: datetime | None = None


def apply_products(session: Session, changes: Iterable[ProductChange], now: datetime) -> int:
    """Insert or update products by SKU with all their barcodes, inside the caller's
    transaction (one page at a time, in few statements).

    The head office is the catalog's master: a barcode it gives a product is taken from
    any other product of the till that still holds it, first or further one (all in the
    same transaction, so the unique barcode index never sees two owners). When one page
    gives a barcode to two products, the later change wins, as applying them one by one
    would. Returns how many products were written.
    """
    page = list(changes)
    if not page:
        return 0
    owner: dict[str, str] = {}  # barcode -> the sku of the last change in the page naming it
    for c in page:
        for b in c.barcodes:
            owner[b] = c.sku
    codes = {c.sku: [b for b in dict.fromkeys(c.barcodes) if owner[b] == c.sku] for c in page}
    first = {sku: (bs[0] if bs else None) for sku, bs in codes.items()}
    if owner:  # free every barcode of the page from the products that must give it up
        session.execute(
            update(_PRODUCTS)
            .where(_PRODUCTS.c.barcode == bindparam("b"), _PRODUCTS.c.sku != bindparam("s"))
            .values(barcode=None, updated_at=now),
            [{"b": b, "s": sku} for b, sku in owner.items()],
        )
        session.execute(  # ... as a further barcode too
            delete(_BARCODES).where(_BARCODES.c.barcode == bindparam("b")),
            [{"b": b} for b in owner],
        )
    last = {c.sku: c for c in page}  # a SKU twice in a page: its last state
    upsert_product_rows(
        session,
        [
            {
                "sku": c.sku,
                "barcode": first[c.sku],
                "name": c.name,
                "category": c.category,
                "price_minor": c.price_minor,
                "currency": c.currency,
                "vat_class": c.vat_class,
                "active": c.active,
                "updated_at": now,
                "kra_item_class": c.kra_item_class,
            }
            for c in last.values()
        ],
    )
    replace_extra_barcodes(session, {sku: codes[sku][1:] for sku in last})
    return len(page)


def apply_users(session: Session, changes: Iterable[UserChange], now: datetime) -> list[str]:
    """Create or update users by id (name, role, active), sealing each row as the auth
    service does. Returns one problem sentence per change that could not be applied
    (a name another user of this till already has); the others are applied."""
    problems: list[str] = []
    for c in changes:
        clash = session.scalars(select(User).where(User.name == c.name, User.id != c.user_id))
        if clash.first() is not None:
            problems.append(f"user {c.user_id}: the name {c.name!r} belongs to another user")
            continue
        user = session.get(User, c.user_id)
        if user is None:
            user = User(
                id=c.user_id,
                name=c.name,
                role=c.role,
                pin_hash="",
                failed_attempts=0,
                lockout_count=0,
                active=c.active,
                created_at=now,
            )
            session.add(user)
        else:
            user.name, user.role, user.active = c.name, c.role, c.active
        seal_user(session, user)
        _keep_setup_code(session, c)
    session.flush()
    return problems


def setup_code_key(user_id: str) -> str:
    """Where a user's PIN set-up code (its hash, expiry, and whether it was used) is kept."""
    return f"pin_setup.{user_id}"


def _keep_setup_code(session: Session, c: UserChange) -> None:
    key = setup_code_key(c.user_id)
    known = get_value(session, key)
    if not c.setup_code_sha256 or c.setup_code_expires_at is None:
        if known is not None:
            session.execute(delete(SyncState).where(SyncState.name == key))
        return
    if known is not None and json.loads(known).get("sha256") == c.setup_code_sha256:
        return  # the same code again (a page applied twice): keep whether it was used
    value = {
        "sha256": c.setup_code_sha256,
        "expires_at": c.setup_code_expires_at.isoformat(),
        "used": False,
    }
    set_value(session, key, json.dumps(value))


def valid_vat_code(code: str) -> bool:
    return _CODE_RE.fullmatch(code) is not None
