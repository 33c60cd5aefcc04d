"""Shifts and the drawer: open with a float, cash in and out, no-sale, blind close.

The shift arithmetic is checked against an independent statement of the rule (expected =
float + cash sales - cash refunds + cash in - cash out) for any sequence of operations.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pos.demo import CATALOG_CSV
from pos.domain.money import Money
from pos.services.auth import Permission, Role, UserSummary
from pos.services.cashup import CashCount, expected_cash
from pos.services.errors import ApprovalRequired, PermissionDenied, ServiceError
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from tests.conftest import FakeClock, _demo_users, make_ctx


def _barcodes() -> list[str]:
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return [r["barcode"] for r in csv.DictReader(f) if r["barcode"]]


BARCODES = _barcodes()


def _close_open(term: Terminal, note: str = "ok") -> None:
    """Close the demo's zero-float shift with an exact count (as a manager)."""
    view = term.shifts.current()
    assert view is not None
    term.shifts.close({}, note=note)


def _login(term: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], r: Role) -> None:
    term.auth.login(users[r].user_id, pins[r])


def test_the_demo_seed_opens_a_first_shift_with_a_zero_float(terminal: Terminal) -> None:
    view = terminal.shifts.current()
    assert view is not None
    assert view.number == 1
    assert view.opening_float == Money(0)


def test_a_sale_is_refused_without_an_open_shift_and_goes_through_with_one(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _login(terminal, users, pins, Role.MANAGER)
    _close_open(terminal)
    _login(terminal, users, pins, Role.CASHIER)
    with pytest.raises(ServiceError, match="No shift is open"):
        terminal.checkout.scan(BARCODES[0])
    assert terminal.checkout.view().is_empty  # nothing was started
    terminal.shifts.open({100000: 1, 100: 3})
    terminal.checkout.scan(BARCODES[0])
    assert terminal.checkout.pay_cash(Money(100000)).receipt is not None


def test_a_second_shift_cannot_open_over_an_open_one(cashier: Terminal) -> None:
    with pytest.raises(ServiceError, match="already open"):
        cashier.shifts.open({})


def test_opening_float_is_counted_by_denomination_and_sent(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _login(terminal, users, pins, Role.MANAGER)
    _close_open(terminal)
    view = terminal.shifts.open({100000: 2, 50000: 1, 2000: 3, 100: 4})
    assert view.opening_float == Money(2000 * 100 + 50000 + 6000 + 400)
    assert view.number == 2
    with terminal.db.read_session() as s:
        payload = s.execute(
            text("SELECT payload FROM outbox WHERE kind = 'shift.opened' ORDER BY seq DESC")
        ).scalar()
    doc = json.loads(payload) if isinstance(payload, str) else None
    assert doc is not None
    assert doc["body"]["opening_float"]["total"]["minor"] == view.opening_float.minor


@pytest.mark.parametrize(
    ("pieces", "why"),
    [({300: 1}, "not a note or coin"), ({100000: -1}, "whole number"), ({100: 1.5}, "whole")],
)
def test_a_bad_count_is_refused_with_its_reason(
    pieces: dict[int, object], why: str, terminal: Terminal
) -> None:
    with pytest.raises(ServiceError, match=why):
        CashCount.of(pieces, "KES")  # type: ignore[arg-type]


def test_cash_out_needs_a_reason_an_amount_and_money_in_the_drawer(cashier: Terminal) -> None:
    shifts = cashier.shifts
    with pytest.raises(ServiceError, match="reason"):
        shifts.cash_out(Money(1000), "paid_out", " x ")
    with pytest.raises(ServiceError, match="above zero"):
        shifts.cash_out(Money(0), "paid_out", "milk")
    with pytest.raises(ServiceError, match="not a kind"):
        shifts.cash_out(Money(100), "party", "milk")
    with pytest.raises(ServiceError, match="cannot be taken out"):
        shifts.cash_out(Money(100), "paid_out", "milk")  # zero float, no sales yet
    shifts.cash_in(Money(5000), "float_top_up", "coins from the safe")
    assert shifts.cash_out(Money(2000), "paid_out", "milk delivery") == Money(3000)


def test_cash_movements_above_the_limit_need_a_manager_approval(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _login(terminal, users, pins, Role.CASHIER)
    shifts = terminal.shifts
    big = Money(shifts.limits.cash_movement_approval_above + 100)
    with pytest.raises(ApprovalRequired):
        shifts.cash_in(big, "float_top_up", "float for the weekend")
    approval = terminal.auth.approve(
        users[Role.MANAGER].user_id, pins[Role.MANAGER], Permission.CASH_OVER_LIMIT
    )
    assert shifts.cash_in(big, "float_top_up", "float for the weekend", approval) == big
    with terminal.db.read_session() as s:
        approved = s.execute(text("SELECT approved_by FROM cash_movements")).scalar_one()
    assert approved == users[Role.MANAGER].user_id


def test_no_sale_openings_are_counted_and_audited(cashier: Terminal) -> None:
    assert cashier.shifts.no_sale() == 1
    assert cashier.shifts.no_sale("change for the bus") == 2
    with cashier.db.read_session() as s:
        n = s.execute(text("SELECT count(*) FROM audit_log WHERE action = 'no_sale'")).scalar()
    assert n == 2


def test_the_close_is_blind_for_a_cashier_and_a_difference_needs_a_note(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    with pytest.raises(PermissionDenied):
        cashier.shifts.drawer()  # a cashier never sees what is expected before counting
    cashier.checkout.scan(BARCODES[0])
    cashier.checkout.pay_cash(Money(100000))
    with pytest.raises(ServiceError, match="write a note"):
        cashier.shifts.close({100000: 1})
    assert cashier.shifts.current() is not None  # still open: nothing was written


def test_a_close_beyond_the_limit_needs_a_manager_and_records_everything(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    c = cashier.checkout
    c.scan(BARCODES[0])
    sold = c.view().totals.total
    c.pay_cash(Money(100000))
    with pytest.raises(ApprovalRequired):
        cashier.shifts.close({100000: 1}, note="found a note on the floor")
    approval = cashier.auth.approve(
        users[Role.MANAGER].user_id, pins[Role.MANAGER], Permission.CLOSE_DIFFERENCE
    )
    result = cashier.shifts.close({100000: 1}, note="found a note on the floor", approval=approval)
    assert result.expected == sold
    assert result.difference == Money(100000) - sold
    assert result.approved_by == users[Role.MANAGER].user_id
    assert cashier.shifts.current() is None
    with cashier.db.read_session() as s:
        row = s.execute(text("SELECT difference_minor, note FROM shift_closes")).one()
        doc = s.execute(text("SELECT payload FROM outbox WHERE kind = 'shift.closed'")).scalar_one()
    assert row == (result.difference.minor, "found a note on the floor")
    body = json.loads(doc)["body"]
    assert body["cash"]["expected"]["minor"] == sold.minor
    assert body["approved_by"] == users[Role.MANAGER].user_id


def test_a_shift_does_not_close_under_an_open_basket(cashier: Terminal) -> None:
    cashier.checkout.scan(BARCODES[0])
    with pytest.raises(ServiceError, match="finish, park or void"):
        cashier.shifts.close({}, note="n/a")


def test_closed_shift_rows_cannot_be_changed(cashier: Terminal) -> None:
    cashier.shifts.close({})
    with cashier.db.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE shift_closes SET counted_minor = 0"))


# -- the arithmetic, for any sequence --------------------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("sale"), st.integers(0, len(BARCODES) - 1), st.integers(1, 3)),
        st.tuples(st.just("in"), st.integers(1, 400_000), st.just(0)),
        st.tuples(st.just("out"), st.integers(1, 400_000), st.just(0)),
        st.tuples(st.just("void"), st.integers(0, len(BARCODES) - 1), st.just(0)),
        st.tuples(st.just("nosale"), st.just(0), st.just(0)),
        st.tuples(st.just("refund"), st.integers(0, 7), st.just(0)),
    ),
    max_size=8,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(float_notes=st.integers(0, 5), ops=OPS)
def test_expected_cash_is_float_plus_sales_minus_refunds_plus_in_minus_out(
    tmp_path_factory: pytest.TempPathFactory,
    seeded_db_template: Path,
    float_notes: int,
    ops: list[tuple[str, int, int]],
) -> None:
    term = _fresh_terminal(tmp_path_factory, seeded_db_template)
    try:
        users = {u.role: u for u in term.auth.users()}
        from pos.demo import DEMO_USERS

        pins = {Role(r): p for _, r, p in DEMO_USERS}
        term.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
        term.shifts.close({})
        term.shifts.open({100000: float_notes})
        sales = cash_in = cash_out = nosales = refunds = refunds_count = voids = 0
        refundable: list[list[object]] = []  # [sale id, units of line 1 not yet refunded]
        for op, a, b in ops:
            expected = expected_cash(float_notes * 100000, sales, refunds, cash_in, cash_out)
            if op == "sale":
                term.checkout.scan(BARCODES[a], b)
                due = term.checkout.view().cash_due
                result = term.checkout.pay_cash(Money(due.minor + 5000))
                assert result.receipt is not None
                sales += due.minor
                refundable.append([result.receipt.sale_id, b])
            elif op == "refund":  # one unit of line 1 of an earlier sale, cash back
                open_ones = [r for r in refundable if int(str(r[1])) > 0]
                if not open_ones:
                    continue
                chosen = open_ones[a % len(open_ones)]
                done = term.refunds.refund(RefundRequest(str(chosen[0]), {1: 1}, "damaged"))
                chosen[1] = int(str(chosen[1])) - 1
                assert done.cash_out.minor > 0
                refunds += done.cash_out.minor
                refunds_count += 1
            elif op == "void":
                term.checkout.scan(BARCODES[a])
                term.checkout.pay_cash(Money(100), partial=True)
                term.checkout.void("customer left")
                voids += 1
            elif op == "in":
                term.shifts.cash_in(Money(a), "float_top_up", "top up")
                cash_in += a
            elif op == "out":
                if a > expected:
                    with pytest.raises(ServiceError):
                        term.shifts.cash_out(Money(a), "drop", "to the safe")
                    continue
                term.shifts.cash_out(Money(a), "drop", "to the safe")
                cash_out += a
            else:
                term.shifts.no_sale()
                nosales += 1
        want = expected_cash(float_notes * 100000, sales, refunds, cash_in, cash_out)
        assert term.shifts.drawer().expected == Money(want)
        closed = term.shifts.close({100000: float_notes}, note="counted at the end")
        assert closed.expected == Money(want)
        assert closed.difference == Money(float_notes * 100000 - want)
        assert closed.report.no_sale_count == nosales
        assert closed.report.cash_refunds == refunds
        assert (closed.report.refunds_count, closed.report.refunds_value) == (
            refunds_count,
            refunds,
        )
        assert closed.report.voids_count == voids
    finally:
        term.close()


_COUNTER = [0]


def _fresh_terminal(factory: pytest.TempPathFactory, template: Path) -> Terminal:
    import shutil

    _COUNTER[0] += 1
    d = factory.mktemp(f"shift{_COUNTER[0]}")
    shutil.copyfile(template, d / "kaunta.sqlite")
    for pattern in ("journal.*", "auth.*"):
        for key in template.parent.glob(pattern):
            shutil.copyfile(key, d / key.name)
    term = Terminal.open(d / "kaunta.sqlite", make_ctx(), FakeClock())
    assert term.seed_demo(CATALOG_CSV, _demo_users()) is None
    return term


def test_the_shift_limits_come_from_the_config_in_whole_shillings(tmp_path: Path) -> None:
    from pos.config import ConfigError, load_config

    path = tmp_path / "kaunta.toml"
    path.write_text(
        "[shifts]\ncash_movement_approval_above = 2000\nclose_difference_approval_above = 0\n",
        encoding="utf-8",
    )
    cfg = load_config(config_path=path, data_dir=tmp_path, training=True, env={})
    assert cfg.shift_limits.cash_movement_approval_above == 200_000
    assert cfg.shift_limits.close_difference_approval_above == 0
    path.write_text("[shifts]\nclose_difference_approval_above = -5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"shifts\.close_difference_approval_above"):
        load_config(config_path=path, data_dir=tmp_path, training=True, env={})
