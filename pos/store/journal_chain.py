"""The journal as evidence: every closed document chained with a key kept outside the file.

What fiscal POS law asks of a till (France's NF525, as Odoo's ``l10n_fr_pos_cert`` does
it) is that a closed document can be neither changed nor removed without it showing. The
append-only triggers stop Kaunta and honest tools; they do not stop someone with a copy of
the file and ``sqlite3``, who can drop a trigger, edit, and put it back. So every closed
document is also sealed here:

- ``journal_chain`` holds one entry per document, in the order they were closed:
  ``seq`` (1, 2, 3 ... with no gaps), ``kind`` (:class:`JournalKind`), ``doc_id``,
  ``digest`` (SHA-256 of the document *as stored*: a sale's row with its lines, VAT rows
  and payments; an audit entry's own SHA-256 chain hash) and ``mac``, an HMAC-SHA256 with
  the journal key over the entry and the previous entry's ``mac``. Changing a document
  breaks its digest; changing, removing or inserting an entry breaks the chain; and nobody
  without the key can compute a chain that verifies. Entry 1 is the *genesis*: its
  ``doc_id`` names the key (:attr:`JournalKey.key_id`), so a wrong key is told apart from
  tampering.
- users rows carry a ``mac`` over id, role, PIN hash and active (:func:`seal_user`), so a
  role or PIN hash copied onto another user no longer verifies.

The key is never in the database. Services attach it to a :class:`pos.store.db.Database`,
which hands it to each session (``session.info``); every writer here takes it from there,
so a caller cannot forget to seal. Verification lives in :mod:`pos.store.journal_verify`.

Later documents (refunds, Z reports) add a :class:`JournalKind` and a digest function; a
digest's column list never changes once released (a new layout is a new kind version), so
old entries verify forever.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, inspect
from sqlalchemy.orm import Session

from pos.store.driver_sql import driver_connection
from pos.store.errors import JournalUnavailable, SellingRefused
from pos.store.models import User

FORMAT = "kaunta-journal/1"
#: The ``prev`` of entry 1.
GENESIS_MAC = "0" * 64
KEY_BYTES = 32

#: ``session.info`` keys set by :class:`pos.store.db.Database` for every unit of work.
SESSION_KEY = "kaunta.journal_key"
SESSION_KEY_PROBLEM = "kaunta.journal_key_problem"
SESSION_SALES_REFUSED = "kaunta.sales_refused"


class JournalKind(StrEnum):
    """What a chain entry seals. Refunds and Z reports join when they are written."""

    GENESIS = "genesis"
    SALE = "sale"  # completed and voided sales, with their lines, VAT rows and payments
    AUDIT = "audit"
    REFUND = "refund"  # a refund with its lines and tenders (layout "refund/1")


@dataclass(frozen=True, slots=True)
class JournalKey:
    """The secret that seals the journal. Its ``repr`` never shows the secret."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < KEY_BYTES:
            raise ValueError(f"a journal key has at least {KEY_BYTES} bytes")

    @classmethod
    def from_hex(cls, text: str) -> JournalKey:
        return cls(bytes.fromhex(text.strip()))

    @property
    def key_id(self) -> str:
        """Names the key without revealing it (stored in the genesis entry)."""
        return hmac.digest(self.secret, b"kaunta-journal-key-id", "sha256").hex()[:32]

    def mac(self, message: str) -> str:
        return hmac.digest(self.secret, message.encode(), "sha256").hex()


@dataclass(frozen=True, slots=True)
class JournalHead:
    """The newest chain entry: what the sync agent sends to head office in every batch.

    The ``mac`` at a ``seq`` commits to every entry up to it. Head office keeps the heads
    it was sent: a later head with a lower ``seq`` (entries cut off), or a different
    ``mac`` for a ``seq`` it already knows (:func:`mac_at`), means the journal was
    truncated or re-computed since. The till alone cannot see either (a cut-off prefix of
    a valid chain is itself valid).
    """

    seq: int
    mac: str


def entry_message(seq: int, kind: str, doc_id: str, digest: str, prev_mac: str) -> str:
    """What an entry's ``mac`` is computed over."""
    return f"{FORMAT}|{seq}|{kind}|{doc_id}|{digest}|{prev_mac}"


def genesis_digest(key_id: str) -> str:
    return hashlib.sha256(f"{FORMAT}|genesis|{key_id}".encode()).hexdigest()


def user_mac(key: JournalKey, user_id: str, role: str, pin_hash: str, active: object) -> str:
    """The seal of a users row: role and PIN hash bound to that user's id."""
    return key.mac(f"kaunta-user/1|{user_id}|{role}|{pin_hash}|{1 if active else 0}")


def checkpoint_mac(
    key: JournalKey, seq: int, chain_seq: int, chain_mac: str, schema_version: int, at: str
) -> str:
    return key.mac(f"kaunta-checkpoint/1|{seq}|{chain_seq}|{chain_mac}|{schema_version}|{at}")


# ---------------------------------------------------------------------------------------
# The key and the rules, as the session carries them


def key_of(session: Session) -> JournalKey:
    """The journal key of this unit of work, or :class:`JournalUnavailable` saying why."""
    key = session.info.get(SESSION_KEY)
    if isinstance(key, JournalKey):
        return key
    problem = session.info.get(SESSION_KEY_PROBLEM)
    raise JournalUnavailable(
        str(problem)
        if problem
        else "The journal key is not loaded, so nothing can be added to the journal. "
        "Open the database through the till (pos.services.terminal.Terminal)."
    )


def check_may_sell(session: Session) -> None:
    """Raise :class:`SellingRefused` if start-up found the journal's rules broken."""
    refused = session.info.get(SESSION_SALES_REFUSED)
    if refused:
        raise SellingRefused(str(refused))


# ---------------------------------------------------------------------------------------
# Digests of documents as stored (raw column values, never ORM conversions)

#: Released column lists: never edit (old entries must verify forever).
SALE_COLUMNS = (
    "id",
    "number",
    "seq",
    "store_id",
    "terminal_id",
    "status",
    "cashier_id",
    "cashier_name",
    "opened_at",
    "closed_at",
    "business_date",
    "currency",
    "subtotal_minor",
    "discount_minor",
    "total_minor",
    "rounding_minor",
    "paid_minor",
    "change_minor",
    "vat_minor",
    "item_count",
    "void_reason",
    "training",
    "document",
)
LINE_COLUMNS = (
    "sale_id",
    "line_no",
    "product_id",
    "sku",
    "name",
    "quantity",
    "unit_price_minor",
    "list_price_minor",
    "gross_minor",
    "discount_minor",
    "total_minor",
    "vat_class",
)
TAX_COLUMNS = (
    "sale_id",
    "vat_class",
    "rate_bp",
    "gross_minor",
    "vat_minor",
    "business_date",
    "status",
)
PAYMENT_COLUMNS = (
    "sale_id",
    "id",
    "method",
    "amount_minor",
    "tendered_minor",
    "change_minor",
    "currency",
    "reference",
    "created_at",
    "business_date",
    "status",
)
_SALES_SQL = f"SELECT {', '.join(SALE_COLUMNS)} FROM sales WHERE id IN ({{marks}})"
_LINES_SQL = (
    f"SELECT {', '.join(LINE_COLUMNS)} FROM sale_lines WHERE sale_id IN ({{marks}}) "
    "ORDER BY sale_id, line_no"
)
_TAXES_SQL = (
    f"SELECT {', '.join(TAX_COLUMNS)} FROM sale_taxes WHERE sale_id IN ({{marks}}) "
    "ORDER BY sale_id, vat_class"
)
_PAYMENTS_SQL = (
    f"SELECT {', '.join(PAYMENT_COLUMNS)} FROM payments WHERE sale_id IN ({{marks}}) "
    "ORDER BY sale_id, id"
)
#: Sale ids per ``IN (...)`` query when digests are computed in bulk.
DIGEST_CHUNK = 400


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr).encode()


def sale_digests(conn: Connection, sale_ids: Sequence[str]) -> dict[str, str]:
    """SHA-256 of each sale as stored: its row, lines, VAT rows and payments, in order.

    A sale id with no ``sales`` row is absent from the result. Any edit to any column of
    any of those rows, and any row added to or removed from the sale, changes the digest.
    """
    return _sale_digests(conn.connection.driver_connection, sale_ids)


def _sale_digests(driver: Any, sale_ids: Sequence[str]) -> dict[str, str]:
    """:func:`sale_digests` on the DBAPI connection of the current transaction."""
    digests: dict[str, str] = {}
    # the driver's own cursor on the same connection (same transaction): these reads run
    # on every sale's commit, where SQLAlchemy's per-statement overhead shows
    cursor = driver.cursor()
    for start in range(0, len(sale_ids), DIGEST_CHUNK):
        chunk = tuple(sale_ids[start : start + DIGEST_CHUNK])
        marks = ", ".join("?" * len(chunk))
        sales = {
            str(row[0]): list(row)
            for row in cursor.execute(_SALES_SQL.format(marks=marks), chunk).fetchall()
        }
        children: list[dict[str, list[list[Any]]]] = []
        for sql in (_LINES_SQL, _TAXES_SQL, _PAYMENTS_SQL):
            rows: dict[str, list[list[Any]]] = {}
            for row in cursor.execute(sql.format(marks=marks), chunk).fetchall():
                rows.setdefault(str(row[0]), []).append(list(row[1:]))
            children.append(rows)
        for sale_id, sale in sales.items():
            document = ["sale/1", sale, *(rows.get(sale_id, []) for rows in children)]
            digests[sale_id] = hashlib.sha256(_canonical(document)).hexdigest()
    return digests


REFUND_COLUMNS = (
    "id",
    "number",
    "seq",
    "store_id",
    "terminal_id",
    "original_sale_id",
    "original_number",
    "cashier_id",
    "cashier_name",
    "approved_by",
    "reason_code",
    "reason",
    "closed_at",
    "business_date",
    "currency",
    "total_minor",
    "vat_minor",
    "item_count",
    "training",
    "document",
)
REFUND_LINE_COLUMNS = (
    "refund_id",
    "line_no",
    "original_sale_id",
    "original_line_no",
    "product_id",
    "sku",
    "name",
    "quantity",
    "unit_price_minor",
    "total_minor",
    "vat_class",
    "vat_minor",
    "restock",
    "business_date",
)
REFUND_TENDER_COLUMNS = (
    "refund_id",
    "tender_no",
    "method",
    "amount_minor",
    "currency",
    "original_payment_id",
    "reference",
    "by_hand",
    "foreign_minor",
    "foreign_currency",
    "created_at",
    "business_date",
)
_REFUNDS_SQL = f"SELECT {', '.join(REFUND_COLUMNS)} FROM refunds WHERE id IN ({{marks}})"
_REFUND_LINES_SQL = (
    f"SELECT {', '.join(REFUND_LINE_COLUMNS)} FROM refund_lines "
    "WHERE refund_id IN ({marks}) ORDER BY refund_id, line_no"
)
_REFUND_TENDERS_SQL = (
    f"SELECT {', '.join(REFUND_TENDER_COLUMNS)} FROM refund_tenders "
    "WHERE refund_id IN ({marks}) ORDER BY refund_id, tender_no"
)


def refund_digests(conn: Connection, refund_ids: Sequence[str]) -> dict[str, str]:
    """SHA-256 of each refund as stored (its row with the printed document, its lines and
    tenders), as :func:`sale_digests` does for sales; a missing refund is absent."""
    digests: dict[str, str] = {}
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for start in range(0, len(refund_ids), DIGEST_CHUNK):
        chunk = tuple(refund_ids[start : start + DIGEST_CHUNK])
        marks = ", ".join("?" * len(chunk))
        refunds = {
            str(row[0]): list(row)
            for row in cursor.execute(_REFUNDS_SQL.format(marks=marks), chunk).fetchall()
        }
        children: list[dict[str, list[list[Any]]]] = []
        for sql in (_REFUND_LINES_SQL, _REFUND_TENDERS_SQL):
            rows: dict[str, list[list[Any]]] = {}
            for row in cursor.execute(sql.format(marks=marks), chunk).fetchall():
                rows.setdefault(str(row[0]), []).append(list(row[1:]))
            children.append(rows)
        for refund_id, refund in refunds.items():
            document = ["refund/1", refund, *(rows.get(refund_id, []) for rows in children)]
            digests[refund_id] = hashlib.sha256(_canonical(document)).hexdigest()
    return digests


# ---------------------------------------------------------------------------------------
# Appending to the chain (inside the caller's transaction)

_HEAD_SQL = "SELECT seq, mac FROM journal_chain ORDER BY seq DESC LIMIT 1"
_INSERT_SQL = "INSERT INTO journal_chain (seq, kind, doc_id, digest, mac) VALUES (?, ?, ?, ?, ?)"


def _append_many(
    conn: Connection, key: JournalKey, items: Iterable[tuple[JournalKind, str, str]]
) -> JournalHead | None:
    return _append_on(conn.connection.driver_connection, key, items)


def _append_on(
    driver: Any, key: JournalKey, items: Iterable[tuple[JournalKind, str, str]]
) -> JournalHead | None:
    """:func:`_append_many` on the DBAPI connection of the current transaction."""
    # the driver's cursor, as in sale_digests: this runs in every sale's commit
    cursor = driver.cursor()
    try:
        row = cursor.execute(_HEAD_SQL).fetchone()
        seq, prev = (int(row[0]), str(row[1])) if row else (0, GENESIS_MAC)
        rows = []
        for kind, doc_id, digest in items:
            seq += 1
            prev = key.mac(entry_message(seq, kind.value, doc_id, digest, prev))
            rows.append((seq, kind.value, doc_id, digest, prev))
        if not rows:
            return None
        if len(rows) == 1:
            cursor.execute(_INSERT_SQL, rows[0])
        else:
            cursor.executemany(_INSERT_SQL, rows)
    finally:
        cursor.close()
    return JournalHead(seq, prev)


def seal(session: Session, kind: JournalKind, doc_id: str, digest: str) -> JournalHead:
    """Append one entry for a document written in this transaction."""
    _, driver = driver_connection(session)  # looked up once per transaction
    head = _append_on(driver, key_of(session), [(kind, doc_id, digest)])
    assert head is not None
    return head


def seal_sale(session: Session, sale_id: str) -> JournalHead:
    """Seal a sale just written (row, lines, VAT rows, payments) by reading it back, so the
    digest is of exactly what verification will read."""
    check_may_sell(session)
    _, driver = driver_connection(session)
    digest = _sale_digests(driver, [sale_id]).get(sale_id)
    if digest is None:
        raise ValueError(f"sale {sale_id} is not in the journal tables")
    return seal(session, JournalKind.SALE, sale_id, digest)


def seal_refund(session: Session, refund_id: str) -> JournalHead:
    """Seal a refund just written (row, lines, tenders) by reading it back."""
    digest = refund_digests(session.connection(), [refund_id]).get(refund_id)
    if digest is None:
        raise ValueError(f"refund {refund_id} is not in the refund tables")
    return seal(session, JournalKind.REFUND, refund_id, digest)


def seal_audit(session: Session, audit_id: str, audit_hash: str) -> JournalHead:
    """Seal an audit entry just appended; its SHA-256 chain hash covers its content."""
    return seal(session, JournalKind.AUDIT, audit_id, audit_hash)


def seal_user(session: Session, user: User) -> None:
    """Set a users row's seal after a legitimate change of its role, PIN hash or active
    flag (and for a new user). The one function the auth service calls for that; the
    session refuses to flush such a change without it (see :func:`unsealed_users`)."""
    user.mac = user_mac(key_of(session), user.id, user.role, user.pin_hash, user.active)


#: The users columns a seal covers: changing any of them needs :func:`seal_user`.
SEALED_USER_FIELDS = ("id", "role", "pin_hash", "active", "mac")


def unsealed_users(session: Session, users: Iterable[object]) -> list[str]:
    """Ids of new or changed users rows in ``users`` whose seal does not match them.

    Called before every flush: a change of role, PIN hash or active flag that did not go
    through :func:`seal_user` is a bug (it would show as tampering at the next start), so
    it fails here, where a test sees it, instead.
    """
    bad: list[str] = []
    key: JournalKey | None = None
    for obj in users:
        if not isinstance(obj, User):
            continue
        state = inspect(obj)
        if state.persistent and not any(
            state.attrs[name].history.has_changes() for name in SEALED_USER_FIELDS
        ):
            continue  # failed attempts, lockouts: not sealed
        key = key or key_of(session)
        if obj.mac != user_mac(key, obj.id, obj.role, obj.pin_hash, obj.active):
            bad.append(obj.id)
    return bad


def chain_head(conn: Connection) -> JournalHead | None:
    """The newest chain entry (None before the journal is sealed)."""
    row = conn.exec_driver_sql(_HEAD_SQL).first()
    return JournalHead(int(row[0]), str(row[1])) if row else None


def mac_at(conn: Connection, seq: int) -> str | None:
    """The ``mac`` of entry ``seq``: for head office to compare with a head it was sent."""
    value = conn.exec_driver_sql("SELECT mac FROM journal_chain WHERE seq = ?", (seq,)).scalar()
    return None if value is None else str(value)


def genesis_key_id(conn: Connection) -> str | None:
    """The key id in entry 1, or None when the journal was never sealed."""
    row = conn.exec_driver_sql("SELECT kind, doc_id FROM journal_chain WHERE seq = 1").first()
    if row is None:
        return None
    return str(row[1]) if row[0] == JournalKind.GENESIS.value else ""


def has_documents(conn: Connection) -> bool:
    """Whether the file holds any sale or audit entry (which a seal would vouch for)."""
    return bool(
        conn.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM sales) OR EXISTS (SELECT 1 FROM audit_log)"
        ).scalar()
    )


# ---------------------------------------------------------------------------------------
# Sealing a file for the first time


@dataclass(frozen=True, slots=True)
class Backfill:
    """What :func:`establish` sealed that was in the file before it (an upgraded till)."""

    sales: int
    audit_entries: int
    users: int


def establish(conn: Connection, key: JournalKey, *, batch: int = 2000) -> Backfill:
    """Seal a file that has no journal chain yet: the genesis entry, then every sale (in
    the order they were written) and audit entry (in ``seq`` order) already there, and the
    seal of every users row. Run once, inside the transaction that first takes the key.

    Rows written before this are vouched for from now on only: whatever was done to them
    before cannot be seen (their old SHA-256 audit chain is still checked).
    """
    if chain_head(conn) is not None:
        raise ValueError("the journal is sealed already")
    key_id = key.key_id
    _append_many(conn, key, [(JournalKind.GENESIS, key_id, genesis_digest(key_id))])
    sales = 0
    last = -1
    while True:
        rows = conn.exec_driver_sql(
            "SELECT id, rowid FROM sales WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, batch)
        ).all()
        if not rows:
            break
        ids = [str(r[0]) for r in rows]
        digests = sale_digests(conn, ids)
        _append_many(conn, key, [(JournalKind.SALE, i, digests[i]) for i in ids])
        sales += len(ids)
        last = int(rows[-1][1])
    audit = 0
    last = 0
    while True:
        rows = conn.exec_driver_sql(
            "SELECT seq, id, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
            (last, batch),
        ).all()
        if not rows:
            break
        _append_many(conn, key, [(JournalKind.AUDIT, str(r[1]), str(r[2])) for r in rows])
        audit += len(rows)
        last = int(rows[-1][0])
    users = conn.exec_driver_sql("SELECT id, role, pin_hash, active FROM users").all()
    if users:
        conn.exec_driver_sql(
            "UPDATE users SET mac = ? WHERE id = ?",
            [(user_mac(key, str(u[0]), str(u[1]), str(u[2]), u[3]), str(u[0])) for u in users],
        )
    return Backfill(sales, audit, len(users))


# ---------------------------------------------------------------------------------------
# Checkpoints: "verified up to here", so start-up need not read everything every time


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain verified up to entry ``chain_seq`` (whose mac was ``chain_mac``), with
    SQLite's schema counter at ``schema_version`` (any trigger dropped or created since
    changes it), at ``at``. Sealed with the key, so it cannot be forged."""

    seq: int
    chain_seq: int
    chain_mac: str
    schema_version: int
    at: str


def schema_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA schema_version").scalar_one())


def add_checkpoint(conn: Connection, key: JournalKey, head: JournalHead, at: str) -> Checkpoint:
    """Record that the chain verified up to ``head`` (inside a write transaction)."""
    seq = int(
        conn.exec_driver_sql(
            "SELECT coalesce(max(seq), 0) + 1 FROM journal_checkpoints"
        ).scalar_one()
    )
    version = schema_version(conn)
    conn.exec_driver_sql(
        "INSERT INTO journal_checkpoints (seq, chain_seq, chain_mac, schema_version, at, mac) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            seq,
            head.seq,
            head.mac,
            version,
            at,
            checkpoint_mac(key, seq, head.seq, head.mac, version, at),
        ),
    )
    return Checkpoint(seq, head.seq, head.mac, version, at)


def latest_checkpoint(conn: Connection, key: JournalKey) -> tuple[Checkpoint | None, list[int]]:
    """The newest checkpoint this key wrote that still matches the chain, and the seqs of
    newer ones that do not (forged, or pointing at entries changed since): findings."""
    bad: list[int] = []
    rows = conn.exec_driver_sql(
        "SELECT k.seq, k.chain_seq, k.chain_mac, k.schema_version, k.at, k.mac, c.mac "
        "FROM journal_checkpoints k LEFT JOIN journal_chain c ON c.seq = k.chain_seq "
        "ORDER BY k.seq DESC LIMIT 20"
    )
    for seq, chain_seq, chain_mac, version, at, mac, actual in rows:
        point = Checkpoint(int(seq), int(chain_seq), str(chain_mac), int(version), str(at))
        expected = checkpoint_mac(
            key, point.seq, point.chain_seq, point.chain_mac, point.schema_version, point.at
        )
        if hmac.compare_digest(str(mac), expected) and actual == chain_mac:
            return point, bad
        bad.append(point.seq)
    return None, bad
