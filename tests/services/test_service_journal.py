"""Start-up and the journal: rules missing stop sales; tampered users, counters and seals
are named; the key must be there and be this file's; start-up reads only what is new."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import keyring
import keyring.backends.fail
import pytest
from sqlalchemy import text

from pos.domain.money import Money
from pos.secrets import KeyringSecrets
from pos.services.auth import Role, UserSummary
from pos.services.journal import KeyNames, TrainingKeyFile
from pos.services.terminal import Terminal
from pos.store.errors import JournalUnavailable, SellingRefused

if TYPE_CHECKING:
    from conftest import FakeClock

    from pos.services.context import TerminalContext

MILK = "6168232712628"


@contextmanager
def attacker(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def _count(terminal: Terminal, table: str) -> int:
    with terminal.db.read_session() as s:
        return int(s.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _sell(terminal: Terminal, n: int = 1) -> None:
    for _ in range(n):
        terminal.checkout.scan(MILK)
        assert terminal.checkout.pay_cash(Money(10000)).receipt is not None


def _reopen(terminal: Terminal, ctx: TerminalContext, clock: FakeClock) -> Terminal:
    path = terminal.db.path
    terminal.close()
    return Terminal.open(path, ctx, clock)


# -- the rules ---------------------------------------------------------------------------


def test_a_dropped_trigger_stops_sales_at_start_up_and_says_what_to_do(cashier: Terminal) -> None:
    with attacker(cashier.db.path) as conn:
        conn.execute("DROP TRIGGER payments_no_update")
    report = cashier.startup_checks()
    assert not report.can_sell
    assert report.selling_refused == (
        "Selling is stopped: the rules that keep this till's journal unchangeable are missing "
        "or were altered (payments_no_update): the database was changed outside Kaunta, or an "
        "upgrade went wrong. Do not sell on this till: call support. They check the journal "
        "(`kaunta verify`) and put things right, or restore the latest backup together with "
        "its journal key."
    )
    sales = _count(cashier, "sales")
    cashier.checkout.scan(MILK)
    with pytest.raises(SellingRefused, match="payments_no_update"):
        cashier.checkout.pay_cash(Money(10000))
    assert _count(cashier, "sales") == sales
    assert cashier.checkout.view().lines  # the basket stays for when the till is put right


def test_a_till_opened_on_a_file_without_its_rules_refuses_the_first_sale(
    terminal: Terminal,
    ctx: TerminalContext,
    clock: FakeClock,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    """The rules are checked when the till opens, before the background check ends."""
    with attacker(terminal.db.path) as conn:
        conn.execute("DROP TRIGGER outbox_no_delete")
        conn.execute(  # same name, but it no longer refuses anything
            "CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox BEGIN SELECT 1; END"
        )
    again = _reopen(terminal, ctx, clock)
    try:
        again.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
        again.checkout.scan(MILK)
        with pytest.raises(SellingRefused, match=r"\(outbox_no_delete\)"):
            again.checkout.pay_cash(Money(10000))
    finally:
        again.close()


# -- users and receipt numbers -------------------------------------------------------------


def test_copying_the_managers_role_and_pin_hash_onto_a_cashier_is_found(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    cashier, manager = users[Role.CASHIER], users[Role.MANAGER]
    assert terminal.startup_checks().audit_ok
    with attacker(terminal.db.path) as conn:
        conn.execute(
            "UPDATE users SET (role, pin_hash, mac) = "
            "(SELECT role, pin_hash, mac FROM users WHERE id = ?) WHERE id = ?",
            (manager.user_id, cashier.user_id),
        )
    report = terminal.startup_checks()
    assert not report.audit_ok
    assert report.audit_problem.startswith(
        f"The users table was tampered with: user {cashier.name} (manager) does not match "
        "(role, PIN or active flag changed outside Kaunta"
    )
    assert report.can_sell  # the evidence stays as found; the manager is told


def test_an_advanced_receipt_counter_is_found_as_a_numbering_gap(cashier: Terminal) -> None:
    _sell(cashier, 2)
    with attacker(cashier.db.path) as conn:
        conn.execute("UPDATE counters SET value = value + 3 WHERE name = 'receipt:T1'")
    report = cashier.startup_checks()
    assert not report.audit_ok
    assert report.audit_problem.startswith(
        "Receipt numbering was tampered with: counter receipt:T1 does not match (at 5 but the "
        "last receipt in the journal is 2: a numbering gap (receipt 3 to 5 was never journalled))"
    )


# -- the key -------------------------------------------------------------------------------


def test_a_missing_journal_key_stops_the_till(
    terminal: Terminal, ctx: TerminalContext, clock: FakeClock, pins: dict[Role, str]
) -> None:
    TrainingKeyFile(terminal.db.path.parent).path(KeyNames.of(ctx).key).unlink()
    again = _reopen(terminal, ctx, clock)
    try:
        report = again.startup_checks()
        assert not report.can_sell
        assert "the journal key of this till (journal.key.DEMO-T1) is missing" in (
            report.selling_refused
        )
        cashier = next(u for u in again.auth.users() if u.role is Role.CASHIER)
        with pytest.raises(JournalUnavailable, match="is missing"):
            again.auth.login(cashier.user_id, pins[Role.CASHIER])  # nothing goes unsealed
    finally:
        again.close()
    keys = TrainingKeyFile(terminal.db.path.parent)
    assert keys.get(KeyNames.of(ctx).key) is None  # and no new key was made in its place


def test_another_tills_key_stops_the_till(
    terminal: Terminal, ctx: TerminalContext, clock: FakeClock
) -> None:
    keys = TrainingKeyFile(terminal.db.path.parent)
    keys.set(KeyNames.of(ctx).key, "ab" * 32)
    again = _reopen(terminal, ctx, clock)
    try:
        report = again.startup_checks()
        assert not report.can_sell
        assert "is not the key this database was sealed with" in report.selling_refused
    finally:
        again.close()


def test_a_live_till_without_a_keyring_refuses_and_says_what_to_install(
    tmp_path: Path, ctx: TerminalContext, clock: FakeClock
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        term = Terminal.open(tmp_path / "live.sqlite", ctx, clock, journal_keys=KeyringSecrets())
        try:
            report = term.startup_checks()
            assert not report.can_sell
            assert "the journal key could not be stored: No OS keyring" in report.selling_refused
        finally:
            term.close()
    finally:
        keyring.set_keyring(previous)


def test_the_key_is_made_once_and_kept_outside_the_database(
    tmp_path: Path, ctx: TerminalContext, clock: FakeClock
) -> None:
    keys = TrainingKeyFile(tmp_path)
    first = Terminal.open(tmp_path / "kaunta.sqlite", ctx, clock, journal_keys=keys)
    key = first.journal.key
    first.close()
    assert key is not None
    stored = keys.get(KeyNames.of(ctx).key)
    assert stored == key.secret.hex()
    assert stored.encode() not in (tmp_path / "kaunta.sqlite").read_bytes()
    assert key.secret not in (tmp_path / "kaunta.sqlite").read_bytes()
    second = Terminal.open(tmp_path / "kaunta.sqlite", ctx, clock, journal_keys=keys)
    try:
        assert second.journal.key == key
        assert "secret" not in repr(key)
        assert stored not in repr(key)
    finally:
        second.close()


# -- start-up reads only what is new ---------------------------------------------------------


def test_start_up_verifies_from_its_checkpoint_and_finds_a_forged_one(cashier: Terminal) -> None:
    first = cashier.startup_checks()
    assert first.audit_ok
    assert first.audit_checked == _count(cashier, "audit_log")
    _sell(cashier)
    cashier.auth.lock_screen()
    second = cashier.startup_checks()
    assert second.audit_ok
    assert second.audit_checked == 1  # the lock; the sale was sealed after the checkpoint too
    with attacker(cashier.db.path) as conn:  # a checkpoint claiming everything is fine
        conn.execute(
            "INSERT INTO journal_checkpoints (seq, chain_seq, chain_mac, schema_version, at, "
            "mac) SELECT 99, seq, mac, (SELECT schema_version FROM pragma_schema_version), "
            "'2026-03-02T08:00:00+00:00', '00' FROM journal_chain ORDER BY seq DESC LIMIT 1"
        )
    third = cashier.startup_checks()
    assert not third.audit_ok
    assert third.audit_problem.startswith(
        "The journal was tampered with: checkpoint 99 does not match "
        "(was not written by this till's key)"
    )
