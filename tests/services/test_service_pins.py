"""PINs as an attacker with a copy of the data file finds them: scrypt at OWASP's minimum
cost, a pepper kept outside the database (``auth.pin_pepper``), hashes that carry their
parameters and move to new ones at the next login, PINs of up to 12 digits, and every try
made while locked out in the audit log. All through a real SQLite file."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pos.secrets import MemorySecrets
from pos.services.auth import (
    PIN_PEPPER_SECRET,
    SCRYPT_LOG2_N,
    SCRYPT_P,
    Pepper,
    PepperMissing,
    Permission,
    PinHashParams,
    PinPeppers,
    Role,
    hash_pin,
    pin_hash_params,
    verify_pin,
)
from pos.services.context import Policy, TerminalContext
from pos.services.errors import AccountLocked, ServiceError, WrongPin
from pos.services.journal import TrainingKeyFile
from pos.services.terminal import Terminal
from pos.store import repositories as repo

if TYPE_CHECKING:
    from conftest import FakeClock


def open_till(
    folder: Path, ctx: TerminalContext, clock: FakeClock, keys: MemorySecrets | None = None
) -> Terminal:
    return Terminal.open(folder / "kaunta.sqlite", ctx, clock, journal_keys=keys)


def with_cost(ctx: TerminalContext, log2_n: int) -> TerminalContext:
    return replace(ctx, policy=replace(ctx.policy, pin_kdf_log2_n=log2_n))


@pytest.fixture
def till(tmp_path: Path, ctx: TerminalContext, clock: FakeClock) -> Iterator[Terminal]:
    """A new training till with one user of each role and nothing else."""
    term = open_till(tmp_path / "till", ctx, clock)
    try:
        term.auth.bootstrap_users(
            [
                ("Amina", Role.CASHIER, "1111"),
                ("Brian", Role.SUPERVISOR, "2222"),
                ("Carol", Role.MANAGER, "3333"),
            ]
        )
        yield term
    finally:
        term.close()


def user_id(term: Terminal, role: Role) -> str:
    return next(u.user_id for u in term.auth.users() if u.role is role)


def stored_hash(term: Terminal, uid: str) -> str:
    with term.db.session() as s:
        user = repo.user_by_id(s, uid)
        assert user is not None
        return user.pin_hash


def params_of(term: Terminal, uid: str) -> PinHashParams:
    params = pin_hash_params(stored_hash(term, uid))
    assert params is not None
    return params


def user_row(term: Terminal, uid: str) -> tuple[int, int, str | None]:
    """(failed_attempts, lockout_count, locked_until) as stored."""
    conn = sqlite3.connect(term.db.path)
    try:
        [row] = conn.execute(
            "SELECT failed_attempts, lockout_count, locked_until FROM users WHERE id = ?", (uid,)
        )
    finally:
        conn.close()
    return int(row[0]), int(row[1]), row[2]


def audit(term: Terminal) -> list[tuple[str, str, str, dict[str, object]]]:
    """(action, user, result, detail) of every audit entry, oldest first."""
    conn = sqlite3.connect(term.db.path)
    try:
        rows = conn.execute("SELECT action, user_id, result, detail FROM audit_log ORDER BY seq")
        return [(a, u, r, json.loads(d)) for a, u, r, d in rows]
    finally:
        conn.close()


def legacy_hash(pin: str, log2_n: int = 10) -> str:
    """A PIN hash as Kaunta stored it before peppers: ``scrypt$N$r$p$salt$hash``."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=1 << log2_n, r=8, p=1, dklen=32)
    encoded = [base64.b64encode(value).decode() for value in (salt, digest)]
    return "$".join(["scrypt", str(log2_n), "8", "1", *encoded])


def set_hash(term: Terminal, uid: str, pin_hash: str) -> None:
    """Put ``pin_hash`` on a user as an upgrade would find it (sealed, as the till's own)."""
    with term.db.session() as s:
        user = repo.user_by_id(s, uid)
        assert user is not None
        user.pin_hash = pin_hash
        repo.seal_user(s, user)


def lock_out(term: Terminal, uid: str) -> None:
    for _ in range(5):
        with pytest.raises((WrongPin, AccountLocked)):
            term.auth.login(uid, "9999")


# -- cost and length -------------------------------------------------------------------------


#: OWASP Password Storage Cheat Sheet, scrypt: the minimum p for each N (r = 8), settings
#: it calls equivalent in the defence they provide.
OWASP_MINIMUM_P = {17: 1, 16: 2, 15: 3, 14: 5, 13: 10}


def test_new_pins_are_hashed_at_owasps_minimum_cost_by_default(
    tmp_path: Path, ctx: TerminalContext, clock: FakeClock
) -> None:
    default = Policy()
    assert default.pin_kdf_log2_n >= 13
    assert default.pin_kdf_p >= OWASP_MINIMUM_P[min(default.pin_kdf_log2_n, 17)]
    assert (default.pin_kdf_log2_n, default.pin_kdf_p) == (SCRYPT_LOG2_N, SCRYPT_P)
    term = open_till(tmp_path, replace(ctx, policy=default), clock)
    try:
        [uid] = term.auth.bootstrap_users([("Amina", Role.CASHIER, "1111")])
        params = pin_hash_params(stored_hash(term, uid))
        assert params is not None
        assert (params.log2_n, params.r, params.p) == (SCRYPT_LOG2_N, 8, SCRYPT_P)
        assert term.auth.login(uid, "1111").user_id == uid
    finally:
        term.close()


def test_pins_of_four_to_twelve_digits_are_accepted(till: Terminal) -> None:
    till.auth.login(user_id(till, Role.MANAGER), "3333")
    long_id = till.auth.create_user("Daudi", Role.CASHIER, "314159265358")
    short_id = till.auth.create_user("Esther", Role.CASHIER, "2718")
    for bad in ("271", "3141592653589"):
        with pytest.raises(ServiceError, match="A PIN is 4 to 12 digits"):
            till.auth.create_user("Faith", Role.CASHIER, bad)
    till.auth.logout()
    assert till.auth.login(long_id, "314159265358").name == "Daudi"
    with pytest.raises(WrongPin):
        till.auth.login(long_id, "31415926535")  # one digit short is another PIN
    assert till.auth.login(short_id, "2718").name == "Esther"


@pytest.mark.parametrize(
    "stored",
    [
        "$scrypt$ln=30,r=8,p=1,pepper=abc$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,  # 128 GiB
        "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,  # no pepper named
        "$scrypt$ln=10,r=8,p=1,pepper=$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
        "$argon2id$ln=10,r=8,p=1,pepper=abc$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
        "$scrypt$ln=10,r=8,p=1,pepper=abc$c2FsdHNhbHRzYWx0c2FsdA$AAAA",  # short digest
        "$scrypt$ln=10,r=8,p=1,pepper=abc,x=1$c2FsdHNhbHRzYWx0c2FsdA$" + "A" * 43,
    ],
)
def test_a_malformed_or_greedy_stored_hash_never_verifies(stored: str) -> None:
    pepper = Pepper(b"p" * 32)
    assert verify_pin("1111", stored, {"abc": pepper}.get) is False


# -- the pepper ------------------------------------------------------------------------------


def test_the_pepper_is_made_on_first_start_and_kept_outside_the_database(
    tmp_path: Path, ctx: TerminalContext, clock: FakeClock
) -> None:
    keyring = MemorySecrets()  # stands in for the OS keyring a live till is given
    term = open_till(tmp_path, ctx, clock, keyring)
    try:
        [uid] = term.auth.bootstrap_users([("Amina", Role.CASHIER, "1111")])
        pepper_hex = keyring.get(PIN_PEPPER_SECRET)
        assert pepper_hex is not None
        assert len(bytes.fromhex(pepper_hex)) == 32
        params = pin_hash_params(stored_hash(term, uid))
        assert params is not None
        assert params.pepper_id == Pepper(bytes.fromhex(pepper_hex)).id
    finally:
        term.close()
    assert not list(tmp_path.glob("auth.*"))  # nothing beside the database
    content = b"".join(p.read_bytes() for p in tmp_path.glob("kaunta.sqlite*"))
    assert pepper_hex.encode() not in content
    assert bytes.fromhex(pepper_hex) not in content
    # the hash alone (what a copy of the file gives) does not check the PIN: the search
    # over every 4-digit PIN that took minutes now needs the pepper too
    stored = stored_hash_of(tmp_path / "kaunta.sqlite", uid)
    assert verify_pin("1111", stored, {params.pepper_id: Pepper(b"\0" * 32)}.get) is False


def stored_hash_of(path: Path, uid: str) -> str:
    conn = sqlite3.connect(path)
    try:
        [(pin_hash,)] = conn.execute("SELECT pin_hash FROM users WHERE id = ?", (uid,))
    finally:
        conn.close()
    return str(pin_hash)


def test_training_keeps_the_pepper_in_the_training_data_folder(till: Terminal) -> None:
    kept = TrainingKeyFile(till.db.path.parent).get(PIN_PEPPER_SECRET)
    assert kept is not None
    assert params_of(till, user_id(till, Role.CASHIER)).pepper_id == Pepper(bytes.fromhex(kept)).id


def test_a_database_without_its_pepper_checks_no_pin_and_counts_no_failure(
    till: Terminal, tmp_path: Path, ctx: TerminalContext, clock: FakeClock
) -> None:
    cashier = user_id(till, Role.CASHIER)
    till.close()
    moved = tmp_path / "restored"
    moved.mkdir()
    for name in [p.name for p in (tmp_path / "till").iterdir()]:
        if not name.startswith("auth."):  # the database and its journal key, not the pepper
            shutil.copyfile(tmp_path / "till" / name, moved / name)
    term = open_till(moved, ctx, clock)
    try:
        for _ in range(7):  # more than max_failed_pins: still nobody is locked
            with pytest.raises(PepperMissing, match="pepper") as refused:
                term.auth.login(cashier, "1111")
        assert not isinstance(refused.value, WrongPin)
        assert PIN_PEPPER_SECRET in str(refused.value)
        assert user_row(term, cashier) == (0, 0, None)
        assert [r[2] for r in audit(term) if r[0] == "login"] == ["pin_unverifiable"] * 7
        assert not (moved / "auth.pin_pepper").exists()  # never replaced by a new one
    finally:
        term.close()


def test_a_damaged_pepper_is_reported_and_not_replaced(till: Terminal) -> None:
    cashier = user_id(till, Role.CASHIER)
    TrainingKeyFile(till.db.path.parent).set(PIN_PEPPER_SECRET, "not a key")
    fresh = Terminal(till.db, till.ctx, till.clock)  # a new start reads the store again
    with pytest.raises(PepperMissing, match="damaged"):
        fresh.auth.login(cashier, "1111")
    assert TrainingKeyFile(till.db.path.parent).get(PIN_PEPPER_SECRET) == "not a key"


def test_a_rotated_pepper_moves_each_hash_at_its_next_login(
    till: Terminal, ctx: TerminalContext, clock: FakeClock
) -> None:
    cashier, manager = user_id(till, Role.CASHIER), user_id(till, Role.MANAGER)
    old_id = params_of(till, cashier).pepper_id
    new = PinPeppers(TrainingKeyFile(till.db.path.parent)).rotate()
    assert new.id != old_id
    fresh = Terminal(till.db, ctx, clock)
    fresh.auth.login(cashier, "1111")
    assert params_of(fresh, cashier).pepper_id == new.id
    # the manager has not logged in since: the retired pepper still checks their PIN
    assert params_of(fresh, manager).pepper_id == old_id
    assert fresh.auth.login(manager, "3333").user_id == manager
    assert params_of(fresh, manager).pepper_id == new.id


# -- rehash at the next login ------------------------------------------------------------------


def test_a_hash_from_before_peppers_still_verifies_and_is_peppered_at_the_next_login(
    till: Terminal,
) -> None:
    cashier = user_id(till, Role.CASHIER)
    set_hash(till, cashier, legacy_hash("1111"))
    with pytest.raises(WrongPin):
        till.auth.login(cashier, "1112")  # a wrong PIN changes nothing
    assert params_of(till, cashier).pepper_id == ""
    assert till.auth.login(cashier, "1111").user_id == cashier
    upgraded = stored_hash(till, cashier)
    params = pin_hash_params(upgraded)
    assert params is not None
    assert params.pepper_id
    assert params.log2_n == 10
    assert upgraded.startswith("$scrypt$ln=10,r=8,p=2,pepper=")
    [(_, who, result, detail)] = [e for e in audit(till) if e[0] == "pin_rehashed"]
    assert (who, result) == (cashier, "ok")
    assert detail == {
        "from": "scrypt N=2^10 r=8 p=1, no pepper",
        "to": f"scrypt N=2^10 r=8 p=2, pepper {params.pepper_id}",
    }
    till.auth.logout()
    till.auth.login(cashier, "1111")
    assert stored_hash(till, cashier) == upgraded  # nothing left to change: not again
    assert till.startup_checks().audit_ok  # the new hash was sealed like any PIN change


def test_a_raised_cost_rehashes_at_the_next_login_and_a_lowered_one_does_not(
    till: Terminal, ctx: TerminalContext, clock: FakeClock
) -> None:
    cashier = user_id(till, Role.CASHIER)
    dearer = Terminal(till.db, with_cost(ctx, 11), clock)
    dearer.auth.login(cashier, "1111")
    assert params_of(dearer, cashier).log2_n == 11
    cheaper = Terminal(till.db, ctx, clock)  # back to 2^10: hashes are never weakened
    cheaper.auth.login(cashier, "1111")
    assert params_of(cheaper, cashier).log2_n == 11


def test_hash_pin_and_verify_pin_work_with_any_pepper_a_hash_names() -> None:
    first, second = Pepper(b"a" * 32), Pepper(b"b" * 32)
    stored = hash_pin("123456789012", first, log2_n=10)
    assert verify_pin("123456789012", stored, {first.id: first, second.id: second}.get)
    with pytest.raises(PepperMissing):
        verify_pin("123456789012", stored, {second.id: second}.get)
    assert first.id != second.id
    assert "a" * 10 not in repr(first)  # the secret never shows in a repr or a traceback


# -- tries while locked ------------------------------------------------------------------------


def test_tries_while_locked_out_are_audited_without_checking_or_extending_the_lockout(
    till: Terminal, clock: FakeClock
) -> None:
    cashier = user_id(till, Role.CASHIER)
    lock_out(till, cashier)
    locked = user_row(till, cashier)
    assert locked[1] == 1  # one lockout so far
    messages = []
    for pin in ("1111", "9999", "1111"):  # right or wrong: the same answer
        clock.advance(60)
        with pytest.raises(AccountLocked) as refused:
            till.auth.login(cashier, pin)
        messages.append(str(refused.value))
    assert len(set(messages)) == 1
    assert user_row(till, cashier) == locked  # not reset, not extended, nothing counted
    refused_entries = [e for e in audit(till) if e[2] == "refused_locked"]
    assert [(e[0], e[1]) for e in refused_entries] == [("login", cashier)] * 3
    [listed] = [u for u in till.auth.users() if u.user_id == cashier]
    assert listed.locked_until is not None
    assert {e[3]["locked_until"] for e in refused_entries} == {listed.locked_until.isoformat()}
    clock.advance(minutes=15)
    assert till.auth.login(cashier, "1111").user_id == cashier  # the lockout ran its course


def test_an_approval_tried_by_a_locked_manager_is_audited_as_refused(till: Terminal) -> None:
    manager = user_id(till, Role.MANAGER)
    lock_out(till, manager)
    with pytest.raises(AccountLocked):
        till.auth.approve(manager, "3333", Permission.VOID_SALE)
    last = audit(till)[-1]
    assert (last[0], last[1], last[2]) == ("approve:void_sale", manager, "refused_locked")


def test_a_lockout_still_ends_on_time_after_tries_while_locked(
    till: Terminal, clock: FakeClock
) -> None:
    cashier = user_id(till, Role.CASHIER)
    lock_out(till, cashier)
    clock.advance(minutes=14)
    with pytest.raises(AccountLocked, match="locked after 5 wrong PINs"):
        till.auth.login(cashier, "1111")
    clock.advance(timedelta(minutes=1, seconds=1).total_seconds())
    with pytest.raises(WrongPin, match="4 tries left"):  # a fresh count: none was added
        till.auth.login(cashier, "0000")
