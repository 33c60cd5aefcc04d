"""Verifying the keyed journal: every seal, every document, users and receipt counters.

:func:`verify_journal` walks the chain in ``seq`` order (in batches, plain rows, documents
joined in) and checks for each entry that

- no entry is missing before it (``seq`` has no gap) and its ``mac`` is the HMAC of its
  fields and the previous entry's ``mac`` under the journal key: an entry changed, removed
  or inserted, or a chain recomputed by anyone without the key, fails here;
- its document is there and still has the digest it was sealed with: a sale's row, lines,
  VAT rows and payments (a REPLACE or an edit with the triggers dropped shows here), an
  audit entry's content (its SHA-256 chain hash and link are recomputed too).

Then, over the whole file: every sale and audit entry is sealed (nothing slipped in beside
the chain), every users row matches its seal (role and PIN hash bound to its id), and each
receipt counter equals the last receipt number in the journal (an advanced counter is a
numbering gap).

``since`` a :class:`~pos.store.journal_chain.Checkpoint` (start-up), the walk starts after
the checkpoint's entry instead of at the genesis: documents sealed before it are not read
again, which keeps start-up cost to what was added since. The whole-file checks still run.
What that misses (an old document changed with the triggers dropped and put back) the full
walk finds: ``kaunta verify`` always does it.

Reads only: run it in ``Database.read_session()`` (its own snapshot; writers never wait).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from pos.store.journal_chain import (
    FORMAT,
    GENESIS_MAC,
    Checkpoint,
    JournalHead,
    JournalKey,
    JournalKind,
    chain_head,
    genesis_digest,
    latest_checkpoint,
    refund_digests,
    sale_digests,
    schema_version,
    user_mac,
)

#: How many findings are kept (all are counted).
MAX_FINDINGS = 50

_AUDIT_FIELDS = (
    "id",
    "at",
    "terminal_id",
    "user_id",
    "action",
    "document_id",
    "result",
    "approved_by",
    "detail",
)
_WALK_SQL = (
    "SELECT c.seq, c.kind, c.doc_id, c.digest, c.mac, a.seq, a.prev_hash, a.hash, "
    + ", ".join(f"a.{f}" for f in _AUDIT_FIELDS)
    + ", s.number FROM journal_chain c "
    "LEFT JOIN audit_log a ON c.kind = 'audit' AND a.id = c.doc_id "
    "LEFT JOIN sales s ON c.kind = 'sale' AND s.id = c.doc_id "
    "WHERE c.seq > ? ORDER BY c.seq LIMIT ?"
)


class Area(StrEnum):
    """Where a finding is: what the person reading the report looks at."""

    SALE = "sale"
    REFUND = "refund"
    AUDIT = "audit"
    CHAIN = "chain"
    CHECKPOINT = "checkpoint"
    USER = "user"
    COUNTER = "counter"
    TRIGGER = "trigger"
    Z_REPORT = "z_report"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that does not verify, naming the document (receipt number, audit entry,
    user) and, where there is one, its journal entry."""

    area: Area
    subject: str  # "DEMO-T1-000042", "entry 17", "Amina Wanjiru (cashier)", "receipt:T1"
    problem: str
    chain_seq: int | None = None

    def __str__(self) -> str:
        where = f" (journal entry {self.chain_seq})" if self.chain_seq is not None else ""
        return f"{_LABELS[self.area]} {self.subject}{where}: {self.problem}"


_LABELS = {
    Area.SALE: "sale",
    Area.AUDIT: "audit entry",
    Area.CHAIN: "journal entry",
    Area.CHECKPOINT: "checkpoint",
    Area.USER: "user",
    Area.COUNTER: "receipt counter",
    Area.TRIGGER: "rule",
    Area.REFUND: "refund",
    Area.Z_REPORT: "Z report",
}


@dataclass(frozen=True, slots=True)
class JournalCheck:
    """What a verification found. ``checked``: chain entries walked (``audit_checked`` of
    them audit entries, ``sales_checked`` sales); ``since``: the checkpoint's entry the
    walk started after (0 for the whole chain)."""

    findings: tuple[Finding, ...]
    problems: int
    checked: int
    audit_checked: int
    sales_checked: int
    users_checked: int
    head: JournalHead | None
    since: int = 0
    counters: tuple[tuple[str, int], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.problems == 0

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None


class _Findings:
    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.count = 0

    def add(self, area: Area, subject: str, problem: str, seq: int | None = None) -> None:
        self.count += 1
        if len(self.items) < MAX_FINDINGS:
            self.items.append(Finding(area, subject, problem, seq))


#: The encoder ``repositories.audit_hash`` uses (``json.dumps`` with these options), built
#: once: the walk hashes every audit entry, and this is most of its cost.
_AUDIT_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_SALE, _AUDIT, _GENESIS = (JournalKind.SALE.value, JournalKind.AUDIT.value, "genesis")
_REFUND = JournalKind.REFUND.value
_BAD_SEAL = (
    "its seal does not match: the entry was changed, or the chain was recomputed by "
    "someone without this till's key"
)


def verify_journal(
    conn: Connection,
    key: JournalKey,
    *,
    since: Checkpoint | None = None,
    batch: int = 5000,
) -> JournalCheck:
    """Verify the journal (from ``since``, or all of it) and the whole-file rules.

    The key must be this file's (see :func:`pos.store.journal_chain.genesis_key_id`);
    with another key every entry would fail, which says nothing about tampering.
    """
    found = _Findings()
    if since is None:
        after, prev_mac, prev_audit = 0, GENESIS_MAC, _GENESIS_AUDIT
    else:
        after, prev_mac = since.chain_seq, since.chain_mac
        prev_audit = _last_audit_hash(conn, since.chain_seq)
    raw = conn.connection.driver_connection
    assert raw is not None
    secret, fmt = key.secret, FORMAT
    digest_of, sha256, encode = hmac.digest, hashlib.sha256, _AUDIT_JSON.encode
    compare = hmac.compare_digest
    audits = sales = checked = 0
    while True:
        rows = raw.execute(_WALK_SQL, (after, batch)).fetchall()
        if not rows:
            break
        sale_ids = [r[2] for r in rows if r[1] == _SALE]
        digests = sale_digests(conn, sale_ids) if sale_ids else {}
        refund_ids = [r[2] for r in rows if r[1] == _REFUND]
        refunds = refund_digests(conn, refund_ids) if refund_ids else {}
        for row in rows:
            seq, kind, doc_id, digest, mac = row[0], row[1], row[2], row[3], row[4]
            if seq != after + 1:
                found.add(
                    Area.CHAIN,
                    f"{after + 1}" if seq == after + 2 else f"{after + 1} to {seq - 1}",
                    "missing: removed from the file",
                    after + 1,
                )
            message = f"{fmt}|{seq}|{kind}|{doc_id}|{digest}|{prev_mac}".encode()
            if not compare(str(mac), digest_of(secret, message, "sha256").hex()):
                found.add(Area.CHAIN, str(seq), _BAD_SEAL, seq)
            if kind == _AUDIT:
                audits += 1
                audit_seq, prev_hash, stored = row[5], row[6], row[7]
                if audit_seq is None:
                    found.add(Area.AUDIT, str(doc_id), "missing: removed from the audit log", seq)
                    prev_mac, after = mac, seq
                    checked += 1
                    continue
                content = encode(dict(zip(_AUDIT_FIELDS, row[8:-1], strict=True)))
                if prev_hash != prev_audit:
                    found.add(
                        Area.AUDIT, str(audit_seq), "an entry before it was removed or changed", seq
                    )
                elif sha256((prev_hash + content).encode()).hexdigest() != stored:
                    found.add(Area.AUDIT, str(audit_seq), "the entry's content was changed", seq)
                elif stored != digest:
                    found.add(
                        Area.AUDIT,
                        str(audit_seq),
                        "its hash was recomputed after it was sealed",
                        seq,
                    )
                prev_audit = stored
            elif kind == _SALE:
                sales += 1
                _check_sale(found, doc_id, row[-1], digest, digests.get(doc_id), seq)
            elif kind == _REFUND:
                actual = refunds.get(doc_id)
                if actual is None:
                    found.add(Area.REFUND, str(doc_id), "missing: removed from the refunds", seq)
                elif actual != digest:
                    found.add(
                        Area.REFUND,
                        str(doc_id),
                        "its rows (lines, tenders or printed document) were changed after it "
                        "was sealed",
                        seq,
                    )
            elif kind == _GENESIS:
                if seq != 1 or doc_id != key.key_id or digest != genesis_digest(key.key_id):
                    found.add(Area.CHAIN, str(seq), "a second or altered genesis entry", seq)
            else:
                found.add(Area.CHAIN, str(seq), f"of unknown kind {kind!r}", seq)
            prev_mac, after = mac, seq
            checked += 1
    if since is None and checked == 0:
        found.add(Area.CHAIN, "1", "missing: the journal has no genesis entry", 1)
    _check_unsealed(conn, found)
    users = _check_users(conn, key, found)
    counters = _check_counters(conn, found)
    return JournalCheck(
        findings=tuple(found.items),
        problems=found.count,
        checked=checked,
        audit_checked=audits,
        sales_checked=sales,
        users_checked=users,
        head=chain_head(conn),
        since=0 if since is None else since.chain_seq,
        counters=counters,
    )


def verify_from_checkpoint(conn: Connection, key: JournalKey) -> JournalCheck:
    """Start-up's check: :func:`verify_journal` from the newest checkpoint this key wrote
    that still matches the chain, or from the start when there is none or SQLite's schema
    counter moved since it (a trigger dropped and created again, to edit rows under it,
    moves it; so does a migration). A newer checkpoint that does not verify is a finding.
    """
    checkpoint, forged = latest_checkpoint(conn, key)
    if checkpoint is not None and checkpoint.schema_version != schema_version(conn):
        checkpoint = None
    check = verify_journal(conn, key, since=checkpoint)
    if not forged:
        return check
    extra = tuple(
        Finding(Area.CHECKPOINT, str(seq), "was not written by this till's key") for seq in forged
    )
    return replace(check, findings=extra + check.findings, problems=check.problems + len(extra))


_GENESIS_AUDIT = "0" * 64


def _last_audit_hash(conn: Connection, chain_seq: int) -> str:
    """The hash of the newest audit entry sealed at or before ``chain_seq``."""
    value = conn.exec_driver_sql(
        "SELECT a.hash FROM journal_chain c JOIN audit_log a ON a.id = c.doc_id "
        "WHERE c.kind = 'audit' AND c.seq <= ? ORDER BY c.seq DESC LIMIT 1",
        (chain_seq,),
    ).scalar()
    return _GENESIS_AUDIT if value is None else str(value)


def _check_sale(
    found: _Findings, sale_id: str, number: Any, sealed: Any, actual: str | None, seq: int
) -> None:
    if actual is None:
        found.add(Area.SALE, sale_id, "missing: removed from the journal tables", seq)
    elif actual != sealed:
        found.add(
            Area.SALE,
            str(number),
            "its rows (totals, lines, VAT or payments) were changed after it was sealed",
            seq,
        )


def _check_unsealed(conn: Connection, found: _Findings) -> None:
    """Sales and audit entries that are in the file but not in the chain (slipped in)."""
    sealed: dict[str, int] = {
        str(kind): int(n)
        for kind, n in conn.exec_driver_sql(
            "SELECT kind, count(*) FROM journal_chain WHERE kind IN ('sale', 'audit') GROUP BY kind"
        )
    }
    have_sales = int(conn.exec_driver_sql("SELECT count(*) FROM sales").scalar_one())
    have_audit = int(conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one())
    if have_sales > int(sealed.get("sale", 0)):
        for (number,) in conn.exec_driver_sql(
            "SELECT s.number FROM sales s WHERE NOT EXISTS (SELECT 1 FROM journal_chain c "
            "WHERE c.kind = 'sale' AND c.doc_id = s.id) ORDER BY s.rowid LIMIT ?",
            (MAX_FINDINGS,),
        ):
            found.add(Area.SALE, str(number), "not sealed: added to the file outside Kaunta")
    if have_audit > int(sealed.get("audit", 0)):
        for (seq,) in conn.exec_driver_sql(
            "SELECT a.seq FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM journal_chain c "
            "WHERE c.kind = 'audit' AND c.doc_id = a.id) ORDER BY a.seq LIMIT ?",
            (MAX_FINDINGS,),
        ):
            found.add(Area.AUDIT, str(seq), "not sealed: added to the file outside Kaunta")


def _check_users(conn: Connection, key: JournalKey, found: _Findings) -> int:
    rows = conn.exec_driver_sql(
        "SELECT id, name, role, pin_hash, active, mac FROM users ORDER BY rowid"
    ).all()
    for user_id, name, role, pin_hash, active, mac in rows:
        if not hmac.compare_digest(
            str(mac), user_mac(key, str(user_id), str(role), str(pin_hash), active)
        ):
            found.add(
                Area.USER,
                f"{name} ({role})",
                "role, PIN or active flag changed outside Kaunta (the row does not match "
                "its seal): do not trust this user's logins or approvals",
            )
    return len(rows)


def _check_counters(conn: Connection, found: _Findings) -> tuple[tuple[str, int], ...]:
    """Each ``receipt:<terminal>`` counter against that terminal's receipts in the journal:
    equal to the last number, and the numbers 1..last all there."""
    counters = {
        str(name): int(value)
        for name, value in conn.exec_driver_sql(
            "SELECT name, value FROM counters WHERE name LIKE 'receipt:%'"
        )
    }
    journal = {
        f"receipt:{terminal}": (int(last), int(n))
        for terminal, last, n in conn.exec_driver_sql(
            "SELECT terminal_id, max(seq), count(*) FROM sales GROUP BY terminal_id"
        )
    }
    for name in sorted(counters.keys() | journal.keys()):
        value = counters.get(name)
        last, n = journal.get(name, (0, 0))
        if value is None:
            found.add(
                Area.COUNTER,
                name,
                f"missing, but the journal holds receipts up to {last}: numbers would restart",
            )
        elif value > last:
            gap = f"{last + 1}" if value == last + 1 else f"{last + 1} to {value}"
            found.add(
                Area.COUNTER,
                name,
                f"at {value} but the last receipt in the journal is {last}: a numbering gap "
                f"(receipt {gap} was never journalled)",
            )
        elif value < last:
            found.add(
                Area.COUNTER,
                name,
                f"moved back to {value} but the journal holds receipts up to {last}",
            )
        if n != last:
            found.add(
                Area.COUNTER,
                name,
                f"the journal holds {n} receipts numbered up to {last}: some are missing",
            )
    return tuple(sorted(counters.items()))
