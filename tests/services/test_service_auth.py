"""PIN login, lockout, roles and single-use approvals, all through the real database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from pos.domain.money import Money
from pos.services.auth import (
    APPROVAL_TTL,
    PIN_PEPPER_SECRET,
    Approval,
    Pepper,
    Permission,
    Role,
    UserSummary,
    hash_pin,
    verify_pin,
)
from pos.services.errors import (
    AccountLocked,
    ApprovalRequired,
    InvalidLanguage,
    NotLoggedIn,
    PermissionDenied,
    ServiceError,
    WrongPin,
)
from pos.services.journal import TrainingKeyFile
from pos.services.terminal import Terminal

if TYPE_CHECKING:
    from conftest import FakeClock

Users = dict[Role, UserSummary]
Pins = dict[Role, str]
MILK = "6168232712628"  # DAI-0001 Brookside Fresh Milk 500ml, 65.00
NO_PEPPERS: dict[str, Pepper] = {}


def audit(terminal: Terminal, action: str | None = None) -> list[tuple[str, str, str, str]]:
    """(action, user_id, result, approved_by) of the audit log, oldest first."""
    with terminal.db.session() as s:
        rows = s.execute(
            text("SELECT action, user_id, result, approved_by FROM audit_log ORDER BY seq")
        ).all()
    return [tuple(r) for r in rows if action is None or r[0] == action]  # type: ignore[misc]


def audit_detail(terminal: Terminal, action: str) -> dict[str, object]:
    """The JSON detail of the newest audit entry with ``action``."""
    with terminal.db.session() as s:
        raw = s.execute(
            text("SELECT detail FROM audit_log WHERE action = :a ORDER BY seq DESC LIMIT 1"),
            {"a": action},
        ).scalar_one()
    detail: dict[str, object] = json.loads(raw)
    return detail


def lock_out(terminal: Terminal, user_id: str) -> list[str]:
    """Five wrong PINs; returns the messages shown."""
    messages = []
    for _ in range(5):
        with pytest.raises((WrongPin, AccountLocked)) as excinfo:
            terminal.auth.login(user_id, "9999")
        messages.append(str(excinfo.value))
    return messages


# -- login and lockout -------------------------------------------------------------------


def test_login_with_the_right_pin(terminal: Terminal, users: Users) -> None:
    cashier_id = users[Role.CASHIER].user_id
    user = terminal.auth.login(cashier_id, "1111")
    assert (user.user_id, user.name, user.role) == (cashier_id, "Amina Wanjiru", Role.CASHIER)
    assert terminal.auth.current == user
    assert not terminal.auth.screen_locked
    assert audit(terminal, "login") == [("login", cashier_id, "ok", "")]


def test_users_are_listed_for_the_login_screen(users: Users) -> None:
    assert {r: u.name for r, u in users.items()} == {
        Role.CASHIER: "Amina Wanjiru",
        Role.SUPERVISOR: "Brian Otieno",
        Role.MANAGER: "Carol Njeri",
    }
    assert all(u.locked_until is None for u in users.values())


def test_a_user_chooses_their_language_and_keeps_it_for_the_next_login(
    terminal: Terminal, users: Users
) -> None:
    cashier_id = users[Role.CASHIER].user_id
    assert terminal.auth.login(cashier_id, "1111").language == "en"
    with pytest.raises(InvalidLanguage, match="en, sw"):
        terminal.auth.set_language("fr")
    assert terminal.auth.set_language("sw").language == "sw"
    assert terminal.auth.current is not None
    assert terminal.auth.current.language == "sw"
    assert audit_detail(terminal, "language_changed") == {"to": "sw"}
    terminal.auth.logout()
    with pytest.raises(NotLoggedIn):
        terminal.auth.set_language("en")
    listed = {u.user_id: u.language for u in terminal.auth.users()}
    assert listed[cashier_id] == "sw"
    assert listed[users[Role.MANAGER].user_id] == "en"
    assert terminal.auth.login(cashier_id, "1111").language == "sw"


def test_unknown_user_cannot_log_in(terminal: Terminal) -> None:
    with pytest.raises(WrongPin, match="Unknown user"):
        terminal.auth.login("no-such-user", "1111")
    assert terminal.auth.current is None


def test_wrong_pins_count_down_then_lock(
    terminal: Terminal, users: Users, clock: FakeClock
) -> None:
    cashier_id = users[Role.CASHIER].user_id
    messages = lock_out(terminal, cashier_id)
    assert messages == [
        "Wrong PIN. 4 tries left before Amina Wanjiru is locked.",
        "Wrong PIN. 3 tries left before Amina Wanjiru is locked.",
        "Wrong PIN. 2 tries left before Amina Wanjiru is locked.",
        "Wrong PIN. 1 try left before Amina Wanjiru is locked.",
        "Wrong PIN. Amina Wanjiru is now locked for 15 minutes. "
        "A manager can unlock the account now.",
    ]
    # locked: even the right PIN is refused; 07:45 UTC is 10:45 in Nairobi
    with pytest.raises(AccountLocked, match=r"locked after 5 wrong PINs, until 10:45\."):
        terminal.auth.login(cashier_id, "1111")
    assert terminal.auth.current is None
    listed = {u.role: u for u in terminal.auth.users()}[Role.CASHIER]
    assert listed.locked_until == datetime(2026, 3, 2, 7, 45, tzinfo=UTC)
    assert [r[2] for r in audit(terminal, "login")] == ["wrong_pin"] * 4 + [
        "locked_out",
        "refused_locked",
    ]


def test_lockout_ends_after_lockout_minutes(
    terminal: Terminal, users: Users, clock: FakeClock
) -> None:
    cashier_id = users[Role.CASHIER].user_id
    lock_out(terminal, cashier_id)
    clock.advance(15 * 60 - 1)
    with pytest.raises(AccountLocked):
        terminal.auth.login(cashier_id, "1111")
    clock.advance(2)
    assert terminal.auth.login(cashier_id, "1111").user_id == cashier_id
    # the count starts again from zero
    terminal.auth.logout()
    with pytest.raises(WrongPin, match="4 tries left"):
        terminal.auth.login(cashier_id, "0000")


def test_a_right_pin_resets_the_count(terminal: Terminal, users: Users) -> None:
    cashier_id = users[Role.CASHIER].user_id
    for _ in range(3):
        with pytest.raises(WrongPin):
            terminal.auth.login(cashier_id, "1234")
    terminal.auth.login(cashier_id, "1111")
    with pytest.raises(WrongPin, match="4 tries left"):
        terminal.auth.login(cashier_id, "1234")


def test_logged_in_manager_unlocks_a_user(terminal: Terminal, users: Users) -> None:
    cashier_id, manager_id = users[Role.CASHIER].user_id, users[Role.MANAGER].user_id
    lock_out(terminal, cashier_id)
    terminal.auth.login(manager_id, "3333")
    terminal.auth.unlock_user(cashier_id)
    assert audit(terminal, "user_unlocked") == [("user_unlocked", manager_id, "ok", "")]
    assert terminal.auth.login(cashier_id, "1111").user_id == cashier_id
    with pytest.raises(WrongPin, match="4 tries left"):  # the count was cleared too
        terminal.auth.login(cashier_id, "0000")


def test_manager_approval_unlocks_from_the_login_screen(terminal: Terminal, users: Users) -> None:
    cashier_id, manager_id = users[Role.CASHIER].user_id, users[Role.MANAGER].user_id
    lock_out(terminal, cashier_id)
    assert terminal.auth.current is None
    approval = terminal.auth.approve(manager_id, "3333", Permission.UNLOCK_USER)
    terminal.auth.unlock_user(cashier_id, approval)
    assert audit(terminal, "user_unlocked") == [("user_unlocked", manager_id, "ok", "")]
    with pytest.raises(PermissionDenied, match="not valid"):  # single use
        terminal.auth.unlock_user(cashier_id, approval)
    assert terminal.auth.login(cashier_id, "1111").user_id == cashier_id


def test_supervisor_cannot_approve_an_unlock(terminal: Terminal, users: Users) -> None:
    with pytest.raises(PermissionDenied, match=r"Brian Otieno \(supervisor\) cannot approve"):
        terminal.auth.approve(users[Role.SUPERVISOR].user_id, "2222", Permission.UNLOCK_USER)


def test_approval_for_something_else_does_not_unlock(terminal: Terminal, users: Users) -> None:
    cashier_id = users[Role.CASHIER].user_id
    lock_out(terminal, cashier_id)
    approval = terminal.auth.approve(users[Role.MANAGER].user_id, "3333", Permission.VOID_SALE)
    with pytest.raises(PermissionDenied):
        terminal.auth.unlock_user(cashier_id, approval)
    with pytest.raises(AccountLocked):
        terminal.auth.login(cashier_id, "1111")


def test_expired_approval_does_not_unlock_from_the_login_screen(
    terminal: Terminal, users: Users, clock: FakeClock
) -> None:
    cashier_id = users[Role.CASHIER].user_id
    lock_out(terminal, cashier_id)
    approval = terminal.auth.approve(users[Role.MANAGER].user_id, "3333", Permission.UNLOCK_USER)
    clock.advance(180)
    with pytest.raises(PermissionDenied, match="expired"):
        terminal.auth.unlock_user(cashier_id, approval)


# -- PIN storage ---------------------------------------------------------------------------


def test_pins_are_stored_as_salted_peppered_scrypt_hashes(
    terminal: Terminal, db_path: Path, pins: Pins
) -> None:
    pepper = bytes.fromhex(TrainingKeyFile(db_path.parent).get(PIN_PEPPER_SECRET) or "")
    assert len(pepper) == 32  # in the training folder: never in the database
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT * FROM users").fetchall()
        columns = [d[0] for d in conn.execute("SELECT * FROM users").description]
    finally:
        conn.close()
    assert len(rows) == 3
    salts = set()
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        pin = pins[Role(record["role"])]
        assert pin not in [str(v) for v in row]
        assert pepper.hex() not in [str(v) for v in row]
        empty, scheme, params, salt_b64, digest_b64 = record["pin_hash"].split("$")
        assert (empty, scheme) == ("", "scrypt")
        assert params == f"ln=10,r=8,p=2,pepper={Pepper(pepper).id}"
        salt = base64.b64decode(salt_b64 + "==")
        assert len(salt) == 16
        peppered = hmac.new(pepper, pin.encode(), hashlib.sha256).digest()
        expected = hashlib.scrypt(peppered, salt=salt, n=1024, r=8, p=2, dklen=32)
        assert base64.b64decode(digest_b64 + "=") == expected
        salts.add(salt)
    assert len(salts) == 3


def test_verify_pin_accepts_only_the_right_pin() -> None:
    pepper = Pepper(b"p" * 32)
    stored = hash_pin("4321", pepper, log2_n=10)
    assert verify_pin("4321", stored, {pepper.id: pepper}.get)
    assert not verify_pin("4322", stored, {pepper.id: pepper}.get)
    assert not verify_pin("", stored, {pepper.id: pepper}.get)
    assert hash_pin("4321", pepper, log2_n=10) != stored  # fresh salt each time


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "1111",
        "scrypt",
        "bcrypt$10$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",
        "scrypt$10$8$1$c2FsdHNhbHRzYWx0c2FsdA==",
        "scrypt$10$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA$extra",
        "scrypt$ten$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",
        "scrypt$0$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",
        "scrypt$-1$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",
        "scrypt$10$0$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",
        "scrypt$40$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",
        "scrypt$10$8$1$not*base64$AAAA",
        "scrypt$10$8$1$c2FsdHNhbHRzYWx0c2FsdA==$AAAA",  # well formed, wrong digest
    ],
)
def test_verify_pin_rejects_malformed_hashes(stored: str) -> None:
    assert verify_pin("1111", stored, NO_PEPPERS.get) is False


def test_verify_pin_rejects_a_hash_with_a_broken_digest() -> None:
    assert verify_pin("1111", "scrypt$10$8$1$c2FsdHNhbHRzYWx0c2FsdA==$abc", NO_PEPPERS.get) is False


def test_create_user_checks_the_pin_format(terminal: Terminal, users: Users) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, "3333")
    for bad in ("123", "1234567890123", "12a4", "\uff11\uff12\uff13\uff14"):
        with pytest.raises(ServiceError, match="A PIN is 4 to 12 digits"):
            terminal.auth.create_user("New Cashier", Role.CASHIER, bad)
    new_id = terminal.auth.create_user("  Daudi Kamau ", Role.CASHIER, "5678")
    assert {u.user_id: u.name for u in terminal.auth.users()}[new_id] == "Daudi Kamau"
    assert terminal.auth.login(new_id, "5678").role is Role.CASHIER


def test_create_user_with_a_taken_name_is_a_user_error(terminal: Terminal, users: Users) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, "3333")
    with pytest.raises(ServiceError):
        terminal.auth.create_user("Amina Wanjiru", Role.CASHIER, "5678")


# -- permissions -------------------------------------------------------------------------


def test_cashier_cannot_use_manager_functions(cashier: Terminal, users: Users) -> None:
    with pytest.raises(PermissionDenied, match="Viewing reports is not allowed for a cashier"):
        cashier.reports.daily_totals("2026-03-02")
    with pytest.raises(PermissionDenied, match="Managing users is not allowed for a cashier"):
        cashier.auth.create_user("Someone", Role.MANAGER, "5555")
    # unlocking goes through the approval path: without a manager's PIN it is refused
    with pytest.raises(ApprovalRequired) as excinfo:
        cashier.auth.unlock_user(users[Role.SUPERVISOR].user_id)
    assert excinfo.value.permissions == ("unlock_user",)
    assert not isinstance(excinfo.value, PermissionDenied)
    assert len(cashier.auth.users()) == 3
    assert audit(cashier, "user_unlocked") == []


def test_supervisor_views_reports_but_does_not_manage_users(
    terminal: Terminal, users: Users
) -> None:
    terminal.auth.login(users[Role.SUPERVISOR].user_id, "2222")
    assert terminal.reports.daily_totals("2026-03-02").sales_count == 0
    with pytest.raises(PermissionDenied, match="not allowed for a supervisor"):
        terminal.auth.create_user("Someone", Role.CASHIER, "5555")


def test_nobody_logged_in(terminal: Terminal) -> None:
    with pytest.raises(NotLoggedIn):
        terminal.checkout.scan(MILK)
    with pytest.raises(NotLoggedIn):
        terminal.reports.daily_totals("2026-03-02")
    with pytest.raises(NotLoggedIn):
        terminal.auth.unlock_screen("1111")


# -- approvals ---------------------------------------------------------------------------


@pytest.fixture
def line_id(cashier: Terminal) -> str:
    return cashier.checkout.scan(MILK).lines[0].line_id


def price_of(terminal: Terminal) -> int:
    return terminal.checkout.view().lines[0].unit_price.minor


def test_price_override_needs_a_supervisor(cashier: Terminal, users: Users, line_id: str) -> None:
    with pytest.raises(ApprovalRequired) as excinfo:
        cashier.checkout.override_price(line_id, Money(5000))
    assert excinfo.value.permissions == ("price_override",)
    # the approver is told the item and both prices, not just "a price"
    assert str(excinfo.value) == (
        "Changing the price of Brookside Fresh Milk 500ml (KES 65.00 → KES 50.00) "
        "needs approval by a supervisor or manager."
    )
    assert price_of(cashier) == 6500

    with pytest.raises(PermissionDenied, match=r"Amina Wanjiru \(cashier\) cannot approve"):
        cashier.auth.approve(users[Role.CASHIER].user_id, "1111", Permission.PRICE_OVERRIDE)

    supervisor_id = users[Role.SUPERVISOR].user_id
    approval = cashier.auth.approve(supervisor_id, "2222", Permission.PRICE_OVERRIDE)
    assert (approval.approver_id, approval.approver_name) == (supervisor_id, "Brian Otieno")
    view = cashier.checkout.override_price(line_id, Money(5000), approval)
    assert view.lines[0].unit_price == Money(5000)
    assert view.lines[0].price_overridden
    assert view.totals.total == Money(5000)
    assert audit(cashier, "price_override") == [
        ("price_override", users[Role.CASHIER].user_id, "ok", supervisor_id)
    ]
    assert audit_detail(cashier, "price_override") == {
        "line": line_id,
        "sku": "DAI-0001",
        "from": 6500,
        "to": 5000,
    }

    with pytest.raises(PermissionDenied, match="not valid"):  # used up
        cashier.checkout.override_price(line_id, Money(4000), approval)
    assert price_of(cashier) == 5000


def test_wrong_approver_pin_gives_no_approval(cashier: Terminal, users: Users) -> None:
    with pytest.raises(WrongPin, match="4 tries left before Brian Otieno"):
        cashier.auth.approve(users[Role.SUPERVISOR].user_id, "1111", Permission.PRICE_OVERRIDE)


def test_approval_for_another_permission_fails(
    cashier: Terminal, users: Users, line_id: str
) -> None:
    approval = cashier.auth.approve(users[Role.SUPERVISOR].user_id, "2222", Permission.VOID_SALE)
    with pytest.raises(PermissionDenied, match="given for something else"):
        cashier.checkout.override_price(line_id, Money(5000), approval)
    assert price_of(cashier) == 6500


def test_forged_approval_fails(cashier: Terminal, users: Users, line_id: str) -> None:
    forged = Approval(
        "0" * 32, users[Role.MANAGER].user_id, "Carol Njeri", Permission.PRICE_OVERRIDE
    )
    with pytest.raises(PermissionDenied, match="not valid"):
        cashier.checkout.override_price(line_id, Money(1), forged)
    assert price_of(cashier) == 6500


def test_approvals_expire(cashier: Terminal, users: Users, line_id: str, clock: FakeClock) -> None:
    supervisor_id = users[Role.SUPERVISOR].user_id
    approval = cashier.auth.approve(supervisor_id, "2222", Permission.PRICE_OVERRIDE)
    clock.advance(APPROVAL_TTL.total_seconds())  # exactly two minutes: still good
    assert cashier.checkout.override_price(line_id, Money(6000), approval).totals.total == Money(
        6000
    )

    approval = cashier.auth.approve(supervisor_id, "2222", Permission.PRICE_OVERRIDE)
    clock.advance(180)
    with pytest.raises(PermissionDenied, match="expired"):
        cashier.checkout.override_price(line_id, Money(5000), approval)
    assert price_of(cashier) == 6000


def test_supervisor_overrides_without_approval(terminal: Terminal, users: Users) -> None:
    supervisor_id = users[Role.SUPERVISOR].user_id
    terminal.auth.login(supervisor_id, "2222")
    line = terminal.checkout.scan(MILK).lines[0].line_id
    assert terminal.checkout.override_price(line, Money(6000)).totals.total == Money(6000)
    assert audit(terminal, "price_override") == [("price_override", supervisor_id, "ok", "")]


# -- screen lock -----------------------------------------------------------------------


def test_locked_screen_blocks_services_until_the_pin(cashier: Terminal, users: Users) -> None:
    cashier.checkout.scan(MILK)
    cashier.auth.lock_screen()
    assert cashier.auth.screen_locked
    with pytest.raises(NotLoggedIn):
        cashier.checkout.scan(MILK)
    with pytest.raises(NotLoggedIn):
        cashier.checkout.search("brook")
    with pytest.raises(NotLoggedIn):
        cashier.checkout.pay_cash(Money(10000))
    with pytest.raises(NotLoggedIn):
        cashier.auth.require(Permission.SELL)

    with pytest.raises(WrongPin, match="4 tries left"):
        cashier.auth.unlock_screen("2222")  # the supervisor's PIN does not unlock her till
    assert cashier.auth.screen_locked

    assert cashier.auth.unlock_screen("1111").user_id == users[Role.CASHIER].user_id
    assert not cashier.auth.screen_locked
    view = cashier.checkout.scan(MILK)
    assert view.lines[0].quantity == 2  # the basket survived the lock
    actions = [a for a, *_ in audit(cashier) if a in ("screen_locked", "screen_unlock")]
    assert actions == ["screen_locked", "screen_unlock", "screen_unlock"]
