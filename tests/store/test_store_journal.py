"""The journal is evidence: what someone with a copy of the file and ``sqlite3`` tries, and
what stops or shows it. Each attack goes through a plain ``sqlite3`` connection, never
through Kaunta's code."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text

from pos.domain.money import Money
from pos.services.terminal import Terminal
from pos.store import journal_chain
from pos.store import repositories as repo
from pos.store.errors import JournalUnavailable, SellingRefused
from pos.store.journal_chain import JournalKey, entry_message, sale_digests
from pos.store.journal_verify import Area, JournalCheck, verify_journal

if TYPE_CHECKING:
    from conftest import FakeClock, Schema

    from pos.services.context import TerminalContext

OIL = "6162155481562"  # Rina Vegetable Oil 1L, 310.00: 29 of them make KES 8,990.00
MILK = "6168232712628"


@contextmanager
def attacker(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection that commits what it did (no recursive_triggers)."""
    conn = sqlite3.connect(path)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def trigger_sql(path: Path, name: str) -> str:
    with attacker(path) as conn:
        row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return str(row[0])


def _verify(terminal: Terminal) -> JournalCheck:
    check = terminal.journal.verify()
    assert check is not None
    return check


def _sell_8990(terminal: Terminal) -> str:
    terminal.checkout.scan(OIL, 29)
    receipt = terminal.checkout.pay_cash(Money(900000)).receipt
    assert receipt is not None
    assert receipt.total == Money(899000)
    return receipt.number


def _sale_row(path: Path, number: str) -> tuple[object, ...]:
    with attacker(path) as conn:
        return tuple(conn.execute("SELECT * FROM sales WHERE number = ?", (number,)).fetchone())


# -- REPLACE and UPSERT ------------------------------------------------------------------


REWRITES = {
    "sales": (
        "CREATE TEMP TABLE t AS SELECT * FROM sales WHERE number = :number",
        "UPDATE t SET total_minor = 100, paid_minor = 100, subtotal_minor = 100",
        "INSERT OR REPLACE INTO sales SELECT * FROM t",
    ),
    "payments": (
        "CREATE TEMP TABLE t AS SELECT p.* FROM payments p JOIN sales s ON s.id = p.sale_id "
        "WHERE s.number = :number",
        "UPDATE t SET amount_minor = 100, tendered_minor = 100",
        "REPLACE INTO payments SELECT * FROM t",
    ),
    "sale_lines": (
        "CREATE TEMP TABLE t AS SELECT l.* FROM sale_lines l JOIN sales s ON s.id = l.sale_id "
        "WHERE s.number = :number",
        "UPDATE t SET quantity = 1, total_minor = 100, gross_minor = 100",
        "INSERT OR REPLACE INTO sale_lines SELECT * FROM t",
    ),
    "sales upsert": (
        "CREATE TEMP TABLE t AS SELECT * FROM sales WHERE number = :number",
        "INSERT INTO sales SELECT * FROM t WHERE true "
        "ON CONFLICT (id) DO UPDATE SET total_minor = 100",
    ),
    "payments upsert, do nothing": (
        "CREATE TEMP TABLE t AS SELECT p.* FROM payments p JOIN sales s ON s.id = p.sale_id "
        "WHERE s.number = :number",
        "INSERT OR IGNORE INTO payments SELECT * FROM t",
    ),
}


@pytest.mark.parametrize("attack", list(REWRITES))
def test_replace_and_upsert_cannot_rewrite_a_kes_8990_receipt(
    cashier: Terminal, attack: str
) -> None:
    number = _sell_8990(cashier)
    path = cashier.db.path
    before = _sale_row(path, number)
    *setup, rewrite = REWRITES[attack]
    with attacker(path) as conn:
        for statement in setup:
            conn.execute(statement, {"number": number})
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(rewrite)
    assert _sale_row(path, number) == before
    with cashier.db.read_session() as s:
        entry = repo.sale_by_id(s, str(before[0]))
    assert entry is not None
    assert entry.sale.totals(entry.tax_table).total == Money(899000)
    assert _verify(cashier).ok


def test_a_replace_made_with_its_trigger_dropped_and_put_back_is_found(cashier: Terminal) -> None:
    number = _sell_8990(cashier)
    path = cashier.db.path
    guard = trigger_sql(path, "sales_no_replace")
    with attacker(path) as conn:
        conn.execute("DROP TRIGGER sales_no_replace")
        for statement in REWRITES["sales"]:
            conn.execute(statement, {"number": number})
        conn.execute(guard)
    assert _sale_row(path, number)[14] == 100  # total_minor: the rewrite went through
    check = _verify(cashier)
    assert not check.ok
    assert check.first is not None
    assert (check.first.area, check.first.subject) == (Area.SALE, number)
    assert "changed after it was sealed" in check.first.problem
    report = cashier.startup_checks()  # the schema counter moved: start-up reads it all
    assert report.can_sell
    assert report.audit_problem.startswith(
        f"The sales journal was tampered with: sale {number} does not match"
    )


def test_no_line_vat_row_or_payment_can_be_added_to_a_sealed_sale(cashier: Terminal) -> None:
    number = _sell_8990(cashier)
    with attacker(cashier.db.path) as conn:
        (sale_id,) = conn.execute("SELECT id FROM sales WHERE number = ?", (number,)).fetchone()
        for statement in (
            "INSERT INTO sale_lines SELECT sale_id, 99, product_id, sku, name, quantity, "
            "unit_price_minor, list_price_minor, gross_minor, discount_minor, total_minor, "
            "vat_class FROM sale_lines WHERE sale_id = :id",
            "INSERT INTO payments SELECT 'extra-payment', sale_id, method, 100, 100, 0, "
            "currency, reference, created_at, business_date, status FROM payments "
            "WHERE sale_id = :id",
            "INSERT INTO sale_taxes SELECT sale_id, 'X', rate_bp, gross_minor, vat_minor, "
            "business_date, status FROM sale_taxes WHERE sale_id = :id",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="sealed in the journal"):
                conn.execute(statement, {"id": sale_id})
    assert _verify(cashier).ok


# -- the outbox --------------------------------------------------------------------------


def test_outbox_rows_are_never_deleted_renumbered_or_rewritten_only_marked_sent(
    cashier: Terminal,
) -> None:
    _sell_8990(cashier)
    with attacker(cashier.db.path) as conn:
        (seq,) = conn.execute("SELECT max(seq) FROM outbox").fetchone()
        for statement in (
            "DELETE FROM outbox WHERE seq = :seq",
            "UPDATE outbox SET payload = '{}' WHERE seq = :seq",
            "UPDATE outbox SET seq = 1000 WHERE seq = :seq",
            "INSERT OR REPLACE INTO outbox SELECT * FROM outbox WHERE seq = :seq",
        ):
            with pytest.raises(sqlite3.IntegrityError, match=r"immutable|append-only"):
                conn.execute(statement, {"seq": seq})
        conn.execute(
            "UPDATE outbox SET sent_at = '2026-03-02 08:00:00', attempts = attempts + 1 "
            "WHERE seq = :seq",
            {"seq": seq},
        )
        assert conn.execute("SELECT attempts FROM outbox WHERE seq = ?", (seq,)).fetchone() == (1,)


# -- a chain recomputed without the key, a chain removed, rows slipped in ------------------


def _rehash_from(path: Path, start: int, key: JournalKey) -> None:
    """Lower the first sale to KES 1.00, then recompute every digest and seal from chain
    entry ``start`` on (from the genesis entry when ``start`` is 1), as an attacker who
    read this code but lacks the till's key would: with a key of their own."""
    guards = [trigger_sql(path, n) for n in ("journal_chain_no_update", "sales_no_update")]
    with attacker(path) as conn:
        conn.execute("DROP TRIGGER journal_chain_no_update")
        conn.execute("DROP TRIGGER sales_no_update")
        conn.execute("UPDATE sales SET total_minor = 100 WHERE seq = 1")
        if start == 1:
            conn.execute(
                "UPDATE journal_chain SET doc_id = ?, digest = ? WHERE seq = 1",
                (key.key_id, journal_chain.genesis_digest(key.key_id)),
            )
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            rows = conn.exec_driver_sql(
                "SELECT seq, kind, doc_id, digest FROM journal_chain WHERE seq >= ? ORDER BY seq",
                (start,),
            ).all()
            prev = str(
                conn.exec_driver_sql(
                    "SELECT mac FROM journal_chain WHERE seq = ?", (start - 1,)
                ).scalar()
                or journal_chain.GENESIS_MAC
            )
            for seq, kind, doc_id, digest in rows:
                if kind == "sale":
                    digest = sale_digests(conn, [doc_id])[doc_id]
                mac = key.mac(entry_message(seq, kind, doc_id, digest, prev))
                conn.exec_driver_sql(
                    "UPDATE journal_chain SET digest = ?, mac = ? WHERE seq = ?", (digest, mac, seq)
                )
                prev = mac
    finally:
        engine.dispose()
    with attacker(path) as conn:
        for guard in guards:
            conn.execute(guard)


def test_a_chain_recomputed_without_the_key_is_found_at_its_first_recomputed_entry(
    cashier: Terminal,
) -> None:
    _sell_8990(cashier)
    with cashier.db.read_session() as s:
        first_sale = s.execute(
            text("SELECT seq FROM journal_chain WHERE kind = 'sale' ORDER BY seq LIMIT 1")
        ).scalar_one()
    _rehash_from(cashier.db.path, 2, JournalKey(b"guessed key, not the till's one!"))
    check = _verify(cashier)
    assert not check.ok
    assert check.first is not None
    assert (check.first.area, check.first.chain_seq) == (Area.CHAIN, 2)
    assert "recomputed by someone without this till's key" in check.first.problem
    assert first_sale >= 2  # and the sale's own digest now matches: only the seal shows it


def test_a_chain_recomputed_from_its_genesis_with_another_key_stops_the_till(
    terminal: Terminal, ctx: TerminalContext, clock: FakeClock
) -> None:
    path = terminal.db.path
    terminal.close()
    _rehash_from(path, 1, JournalKey(b"an attacker's own key, 32 bytes!"))
    again = Terminal.open(path, ctx, clock)
    try:
        report = again.startup_checks()
        assert not report.can_sell
        assert "is not the key this database was sealed with" in report.selling_refused
    finally:
        again.close()


def test_a_removed_chain_is_refused_not_sealed_again(
    terminal: Terminal, ctx: TerminalContext, clock: FakeClock
) -> None:
    """Deleting the chain to have Kaunta seal edited rows afresh does not work: the key
    store remembers that this till sealed a journal."""
    path = terminal.db.path
    terminal.close()
    guard = trigger_sql(path, "journal_chain_no_delete")
    with attacker(path) as conn:
        conn.execute("DROP TRIGGER journal_chain_no_delete")
        conn.execute("DELETE FROM journal_chain")
        conn.execute(guard)
    again = Terminal.open(path, ctx, clock)
    try:
        report = again.startup_checks()
        assert not report.can_sell
        assert "its journal seals are gone" in report.selling_refused
        users = again.auth.users()
        with pytest.raises(JournalUnavailable, match="its journal seals are gone"):
            again.auth.login(users[0].user_id, "0000")  # even a login is not audited unsealed
        with pytest.raises(SellingRefused), again.db.session() as s:
            journal_chain.check_may_sell(s)
        with again.db.read_session() as s:
            assert s.execute(text("SELECT count(*) FROM journal_chain")).scalar_one() == 0
    finally:
        again.close()


def test_sales_and_audit_entries_slipped_in_beside_the_chain_are_found(cashier: Terminal) -> None:
    number = _sell_8990(cashier)
    with attacker(cashier.db.path) as conn:
        conn.execute(
            "INSERT INTO sales SELECT 'forged-sale', 'DEMO-T1-000777', 777, store_id, "
            "terminal_id, status, cashier_id, cashier_name, opened_at, closed_at, "
            "business_date, currency, subtotal_minor, discount_minor, total_minor, "
            "rounding_minor, paid_minor, change_minor, vat_minor, item_count, void_reason, "
            "training, document FROM sales WHERE number = ?",
            (number,),
        )
        conn.execute(
            "INSERT INTO audit_log (id, at, terminal_id, user_id, action, document_id, result, "
            "approved_by, detail, prev_hash, hash) SELECT 'forged-entry', at, terminal_id, "
            "user_id, action, document_id, result, approved_by, detail, hash, hash "
            "FROM audit_log ORDER BY seq DESC LIMIT 1"
        )
    problems = {str(f) for f in _verify(cashier).findings}
    assert "sale DEMO-T1-000777: not sealed: added to the file outside Kaunta" in problems
    assert any(
        p.endswith(": not sealed: added to the file outside Kaunta")
        for p in problems - {"sale DEMO-T1-000777: not sealed: added to the file outside Kaunta"}
    )
    assert any("receipt counter receipt:T1" in p for p in problems)


# -- the head for head office, and what the till alone cannot see --------------------------


def test_the_head_commits_to_every_entry_and_a_cut_off_journal_shows_only_against_it(
    cashier: Terminal,
) -> None:
    """The till alone cannot see its newest entries cut off (the rest is still a valid
    chain); the head it sent before can: head office compares it with the next one."""
    _sell_8990(cashier)
    cashier.auth.lock_screen()  # an audit entry: the newest entry of the chain
    sent = cashier.journal.head()
    assert sent is not None
    with cashier.db.read_session() as s:
        assert journal_chain.mac_at(s.connection(), sent.seq) == sent.mac
    path = cashier.db.path
    guards = [trigger_sql(path, f"{t}_no_delete") for t in ("journal_chain", "audit_log")]
    with attacker(path) as conn:  # cut off the newest audit entry and its seal
        conn.execute("DROP TRIGGER journal_chain_no_delete")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        (doc_id,) = conn.execute(
            "SELECT doc_id FROM journal_chain WHERE seq = ? AND kind = 'audit'", (sent.seq,)
        ).fetchone()
        conn.execute("DELETE FROM audit_log WHERE id = ?", (doc_id,))
        conn.execute("DELETE FROM journal_chain WHERE seq = ?", (sent.seq,))
        for guard in guards:
            conn.execute(guard)
    check = _verify(cashier)
    assert check.ok  # honest about the limit: locally this verifies
    assert check.head is not None
    assert check.head.seq < sent.seq  # head office, holding ``sent``, sees the cut


# -- users rows --------------------------------------------------------------------------


def _promote(terminal: Terminal, user_id: str, *, seal: bool) -> None:
    with terminal.db.session() as s:
        user = repo.user_by_id(s, user_id)
        assert user is not None
        user.failed_attempts = 3  # not sealed: needs no new seal
        s.flush()
        user.role = "supervisor"
        if seal:
            repo.seal_user(s, user)


def test_a_role_change_that_skips_seal_user_is_refused_before_it_is_written(
    terminal: Terminal,
) -> None:
    user_id = next(u.user_id for u in terminal.auth.users() if u.role.value == "cashier")
    with pytest.raises(JournalUnavailable, match="seal_user"):
        _promote(terminal, user_id, seal=False)
    assert {u.role.value for u in terminal.auth.users() if u.user_id == user_id} == {"cashier"}
    _promote(terminal, user_id, seal=True)  # through the one function, the change is sealed
    assert {u.role.value for u in terminal.auth.users() if u.user_id == user_id} == {"supervisor"}
    assert _verify(terminal).ok


# -- an upgraded till ----------------------------------------------------------------------


@pytest.mark.parametrize("revision", ["0001", "0002"])
def test_an_upgraded_till_seals_its_old_journal_once_at_its_first_start(
    revision: str, schema: Schema, ctx: TerminalContext, clock: FakeClock
) -> None:
    path = schema.snapshot(revision)
    before = schema.rows(path)
    first = Terminal.open(path, ctx, clock)
    try:
        backfill = first.journal.status.backfill
        assert backfill is not None
        assert backfill.sales == len(before["sales"][1])
        assert backfill.audit_entries == len(before["audit_log"][1])
        assert backfill.users == len(before["users"][1])
        assert _verify(first).ok
    finally:
        first.close()
    second = Terminal.open(path, ctx, clock)
    try:
        assert second.journal.status.backfill is None  # sealed once, never again
        assert second.startup_checks().audit_ok
    finally:
        second.close()


def test_verification_reads_every_entry_in_batches(cashier: Terminal) -> None:
    for _ in range(3):
        cashier.checkout.scan(MILK)
        assert cashier.checkout.pay_cash(Money(10000)).receipt is not None
    key = cashier.db.journal_key
    assert key is not None
    with cashier.db.read_session() as s:
        whole = verify_journal(s.connection(), key)
        small = verify_journal(s.connection(), key, batch=2)
    assert whole == small
    assert whole.ok
    assert whole.sales_checked == 3
