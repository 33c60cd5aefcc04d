"""Staff on a standalone till: permissions enforced in the service, PINs typed twice and
hashed with the pepper, the last manager kept, every change audited and sealed."""

from __future__ import annotations

import sqlite3

import pytest

from pos.services.auth import Role, UserSummary
from pos.services.context import IdFactory
from pos.services.errors import PermissionDenied, ServiceError, WrongPin
from pos.services.staff import StaffService
from pos.services.terminal import Terminal


def staff_of(t: Terminal) -> StaffService:
    return StaffService(t.db, t.ctx, t.clock, IdFactory(t.clock), t.auth)


def actions(t: Terminal) -> list[str]:
    conn = sqlite3.connect(t.db.path)
    try:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    finally:
        conn.close()


def test_a_cashier_cannot_manage_staff(cashier: Terminal) -> None:
    staff = staff_of(cashier)
    with pytest.raises(PermissionDenied):
        staff.staff()
    with pytest.raises(PermissionDenied):
        staff.add("Amina", Role.CASHIER, "4321", "4321")


def test_a_manager_adds_a_user_whose_pin_was_typed_twice(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    staff = staff_of(terminal)
    with pytest.raises(ServiceError, match="not the same"):
        staff.add("Amina", Role.CASHIER, "4321", "4312")
    with pytest.raises(ServiceError, match="4 to 12 digits"):
        staff.add("Amina", Role.CASHIER, "12", "12")
    user_id = staff.add("Amina", Role.CASHIER, "4321", "4321")
    assert terminal.auth.login(user_id, "4321").name == "Amina"


def test_a_reset_pin_replaces_the_old_one_and_unlocks(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    cashier = users[Role.CASHIER].user_id
    staff_of(terminal).set_pin(cashier, "97531", "97531")
    assert "pin_reset" in actions(terminal)
    with pytest.raises(WrongPin):
        terminal.auth.login(cashier, pins[Role.CASHIER])
    assert terminal.auth.login(cashier, "97531").user_id == cashier


def test_the_last_manager_can_be_neither_demoted_nor_deactivated(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    manager = users[Role.MANAGER].user_id
    terminal.auth.login(manager, pins[Role.MANAGER])
    staff = staff_of(terminal)
    with pytest.raises(PermissionDenied, match="last manager"):
        staff.set_role(manager, Role.CASHIER)
    with pytest.raises(PermissionDenied, match="last manager"):
        staff.set_active(manager, False)
    second = staff.add("Wanjiru", Role.MANAGER, "8642", "8642")
    staff.set_role(manager, Role.SUPERVISOR)  # another manager exists now
    assert {m.name: m.role for m in staff.staff()}["Wanjiru"] is Role.MANAGER
    terminal.auth.login(second, "8642")
    with pytest.raises(PermissionDenied, match="last manager"):
        staff.set_active(second, False)


def test_a_deactivated_user_cannot_log_in_and_comes_back_when_reactivated(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    staff = staff_of(terminal)
    cashier = users[Role.CASHIER].user_id
    staff.set_active(cashier, False)
    with pytest.raises(WrongPin):
        terminal.auth.login(cashier, pins[Role.CASHIER])
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    staff.set_active(cashier, True)
    assert terminal.auth.login(cashier, pins[Role.CASHIER]).user_id == cashier
    assert {"user_deactivated", "user_activated"} <= set(actions(terminal))
    # the journal still verifies: every change re-sealed the user row
    assert terminal.startup_checks().audit_ok
