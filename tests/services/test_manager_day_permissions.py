"""Permissions of the manager's day, for any sequence of (role, action, approver): the
service does exactly what the role table of docs/manager.md says and refuses the rest
with the documented error, writing nothing when it refuses.

The oracle is the table as documented (who may do what on their own, who may approve),
written out here by hand, not read from ``pos.services.auth``: a role given a permission
it should not have, or an action that forgets to check one, fails. A refusal is
``PermissionDenied`` for what has no approval path (X, Z list and reprint, daily totals,
products, staff) and ``ApprovalRequired`` for what another person's PIN allows (cash over
the limit, a close off by more than the limit, the Z, a refund, a return without a
receipt); an approval from someone who may not give it is refused by ``approve`` itself
(``PermissionDenied``), and one from someone who may makes the same call go through.
Every example runs on a fresh till (a copy of the seeded database file).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.domain.money import Money
from pos.services.auth import Approval, Permission, Role
from pos.services.errors import ApprovalRequired, PermissionDenied
from pos.services.products import ProductDraft, ProductRow
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from tests.services.manager_day_till import PINS, fresh_till, login, users_by_role

MILK = "6168232712628"  # 65.00
C, S, M = Role.CASHIER, Role.SUPERVISOR, Role.MANAGER
ANYONE = frozenset({C, S, M})
#: tables a refused action must leave as they were (the audit log may note a refusal)
DOCUMENT_TABLES = (
    "sales",
    "outbox",
    "shifts",
    "shift_closes",
    "cash_movements",
    "z_reports",
    "refunds",
    "products",
    "product_barcodes",
    "users",
)
_names = count(1)


def kes(amount: str) -> Money:
    return Money.parse(amount, "KES")


# -- set-ups (run as the manager) and the actions under test --------------------------------


def _open(t: Terminal) -> None:
    if t.shifts.current() is None:
        t.shifts.open({})


def _closed(t: Terminal) -> None:
    if t.shifts.current() is not None:
        t.shifts.close({}, note="set-up close")


def _fresh_closed_shift(t: Terminal) -> None:
    """A closed shift since the last Z (so a Z has something to cover)."""
    _closed(t)
    t.shifts.open({})
    _closed(t)


def _cash_sale(t: Terminal) -> str:
    _open(t)
    t.checkout.scan(MILK, 2)
    done = t.checkout.pay_cash(t.checkout.view().cash_due)
    assert done.receipt is not None
    return done.receipt.sale_id


def _exact_pieces(t: Terminal) -> dict[int, int]:
    """The drawer's expected cash as notes and coins (greedy: every amount is whole)."""
    left = t.shifts.drawer().expected.minor
    pieces: dict[int, int] = {}
    for value in (100000, 50000, 20000, 10000, 5000, 2000, 1000, 500, 100):
        pieces[value], left = divmod(left, value)
    assert left == 0
    return pieces


def _a_z(t: Terminal) -> str:
    _fresh_closed_shift(t)
    t.zreports.z_report()
    return t.zreports.z_list()[0].z_id


def _product(t: Terminal) -> ProductRow:
    [row] = t.products.find(MILK)
    return row


def _edit_product(t: Terminal, row: ProductRow) -> ProductRow:
    """A price change of the product (its other fields as they are)."""
    draft = ProductDraft(
        row.sku, row.name, row.price + kes("1"), row.vat_class, row.category, row.barcodes
    )
    return t.products.edit(row.product_id, draft)


def _drawer_holds(amount: str) -> Callable[[Terminal], None]:
    """An open shift whose drawer holds at least ``amount`` more (float top-ups of
    KES 4,000 at most each, below the approval limit)."""

    def setup(t: Terminal) -> None:
        _open(t)
        left = kes(amount)
        while left.minor > 0:
            part = min(left, kes("4000"))
            t.shifts.cash_in(part, "float_top_up", "set-up float")
            left = left - part

    return setup


@dataclass(frozen=True)
class Action:
    """One thing a person does on the manager's day, with what the docs say of it."""

    name: str
    alone: frozenset[Role]  # who may do it on their own (docs/manager.md's table)
    approvers: frozenset[Role]  # who may approve it for the others; empty: no approval path
    setup: Callable[[Terminal], Any]  # as the manager: brings the till to where it applies
    run: Callable[[Terminal, Any, Approval | None], Any]  # as the role under test


def _no_approval(call: Callable[[Terminal, Any], Any]) -> Callable[[Terminal, Any, Any], Any]:
    def run(t: Terminal, ready: Any, approval: Approval | None) -> Any:
        assert approval is None, "an action with no approval path is never given one"
        return call(t, ready)

    return run


def _staff_add(t: Terminal, _: Any) -> str:
    pin = "8642"
    return t.staff.add(f"New Person {next(_names)}", Role.CASHIER, pin, pin)


ACTIONS = (
    Action(
        "open shift", ANYONE, frozenset(), _closed, _no_approval(lambda t, _: t.shifts.open({}))
    ),
    Action(
        "cash in within the limit",
        ANYONE,
        frozenset(),
        _open,
        _no_approval(lambda t, _: t.shifts.cash_in(kes("100"), "paid_in", "change from bank")),
    ),
    Action(
        "cash in over the limit",
        frozenset({M}),
        frozenset({M}),
        _open,
        lambda t, _, a: t.shifts.cash_in(kes("5001"), "float_top_up", "big float", a),
    ),
    Action(
        "cash out over the limit",
        frozenset({M}),
        frozenset({M}),
        _drawer_holds("6000"),
        lambda t, _, a: t.shifts.cash_out(kes("6000"), "drop", "to the safe", a),
    ),
    Action("no sale", ANYONE, frozenset(), _open, _no_approval(lambda t, _: t.shifts.no_sale())),
    Action(
        "close, counted as expected",
        ANYONE,
        frozenset(),
        _open,
        _no_approval(lambda t, _: t.shifts.close(_exact_pieces_as_manager(t), note="")),
    ),
    Action(
        "close off by more than the limit",
        frozenset({M}),
        frozenset({M}),
        _drawer_holds("600"),
        lambda t, _, a: t.shifts.close({}, note="counted short", approval=a),
    ),
    Action(
        "X report",
        frozenset({S, M}),
        frozenset(),
        _open,
        _no_approval(lambda t, _: t.zreports.x_report()),
    ),
    Action(
        "Z report",
        frozenset({M}),
        frozenset({M}),
        _fresh_closed_shift,
        lambda t, _, a: t.zreports.z_report(a),
    ),
    Action(
        "Z list",
        frozenset({S, M}),
        frozenset(),
        lambda t: None,
        _no_approval(lambda t, _: t.zreports.z_list()),
    ),
    Action(
        "Z reprint",
        frozenset({S, M}),
        frozenset(),
        _a_z,
        _no_approval(lambda t, z_id: t.zreports.reprint(z_id)),
    ),
    Action(
        "daily totals",
        frozenset({S, M}),
        frozenset(),
        lambda t: None,
        _no_approval(lambda t, _: t.daily.view("2026-03-02")),
    ),
    Action(
        "refund",
        frozenset({S, M}),
        frozenset({S, M}),
        _cash_sale,
        lambda t, sale, a: t.refunds.refund(RefundRequest(sale, {1: 1}, "changed_mind"), a),
    ),
    Action(
        "return without a receipt",
        frozenset({M}),
        frozenset({M}),
        _drawer_holds("100"),
        lambda t, _, a: t.refunds.return_without_receipt(
            [(MILK, 1)], "changed_mind", "customer brought it back", a
        ),
    ),
    Action(
        "product edit",
        frozenset({M}),
        frozenset(),
        _product,
        _no_approval(_edit_product),
    ),
    Action(
        "staff add",
        frozenset({M}),
        frozenset(),
        lambda t: None,
        _no_approval(_staff_add),
    ),
    Action(
        "staff list",
        frozenset({M}),
        frozenset(),
        lambda t: None,
        _no_approval(lambda t, _: t.staff.staff()),
    ),
)

#: each action's permission as the role table of the services grants it
PERMISSION_OF = {
    "cash in over the limit": Permission.CASH_OVER_LIMIT,
    "cash out over the limit": Permission.CASH_OVER_LIMIT,
    "close off by more than the limit": Permission.CLOSE_DIFFERENCE,
    "X report": Permission.VIEW_REPORTS,
    "Z report": Permission.Z_REPORT,
    "Z list": Permission.VIEW_REPORTS,
    "Z reprint": Permission.VIEW_REPORTS,
    "daily totals": Permission.VIEW_REPORTS,
    "refund": Permission.REFUND,
    "return without a receipt": Permission.RETURN_WITHOUT_RECEIPT,
    "product edit": Permission.MANAGE_PRODUCTS,
    "staff add": Permission.MANAGE_USERS,
    "staff list": Permission.MANAGE_USERS,
}


def _exact_pieces_as_manager(t: Terminal) -> dict[int, int]:
    """The drawer's expected cash, read with the manager's rights, then the role under
    test logged back in (reading the expected cash is a report; counting is not)."""
    current = t.auth.current
    assert current is not None
    login(t, M)
    pieces = _exact_pieces(t)
    login(t, current.role)
    return pieces


def _documents(t: Terminal) -> dict[str, int]:
    conn = sqlite3.connect(t.db.path)
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in DOCUMENT_TABLES
        }
    finally:
        conn.close()


def _approvals_audited(t: Terminal, approver_id: str) -> int:
    conn = sqlite3.connect(t.db.path)
    try:
        return int(
            conn.execute(
                "SELECT count(*) FROM audit_log WHERE approved_by = ?", (approver_id,)
            ).fetchone()[0]
        )
    finally:
        conn.close()


def test_the_oracle_is_the_role_table_the_services_use() -> None:
    """The hand-written table (docs/manager.md) and ``ROLE_PERMISSIONS`` agree, so a change
    to either is a decision made in both."""
    from pos.services.auth import ROLE_PERMISSIONS

    for action in ACTIONS:
        permission = PERMISSION_OF.get(action.name, Permission.SELL)
        holders = frozenset(r for r in Role if permission in ROLE_PERMISSIONS[r])
        assert holders == action.alone, action.name
        if action.approvers:
            assert action.approvers == holders, action.name


STEP = st.tuples(st.sampled_from(Role), st.sampled_from(ACTIONS), st.none() | st.sampled_from(Role))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=5))
def test_each_role_may_do_exactly_what_the_role_table_says(
    seeded_db_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[Role, Action, Role | None]],
) -> None:
    with fresh_till(seeded_db_template, tmp_path_factory.mktemp("perm")) as (t, _clock):
        users = users_by_role(t)
        for role, action, approver in steps:
            login(t, M)
            ready = action.setup(t)
            login(t, role)
            if role in action.alone:
                action.run(t, ready, None)
                continue
            before = _documents(t)
            if not action.approvers:
                with pytest.raises(PermissionDenied, match=f"not allowed for a {role.value}"):
                    action.run(t, ready, None)
                assert _documents(t) == before, f"{action.name} by a {role} wrote something"
                continue
            with pytest.raises(ApprovalRequired) as asked:
                action.run(t, ready, None)
            assert _documents(t) == before, f"{action.name} by a {role} wrote something"
            who = "a supervisor or manager" if S in action.approvers else "a manager"
            assert who in str(asked.value)
            needed = {Permission(p) for p in asked.value.permissions}
            if approver is None:
                continue
            approver_id = users[approver].user_id
            if approver not in action.approvers:
                with pytest.raises(PermissionDenied, match="cannot approve"):
                    t.auth.approve(approver_id, PINS[approver], needed)
                assert _documents(t) == before
                continue
            approved_before = _approvals_audited(t, approver_id)
            approval = t.auth.approve(approver_id, PINS[approver], needed)
            action.run(t, ready, approval)
            assert _approvals_audited(t, approver_id) > approved_before, action.name
        login(t, M)
        if t.checkout.open_sale_id is not None:  # pragma: no cover - no action leaves one
            t.checkout.void("end of example")
