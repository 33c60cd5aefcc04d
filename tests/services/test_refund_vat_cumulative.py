"""A sale refunded in parts gives back exactly its own VAT per class: each refund's VAT is
the VAT of everything refunded so far in the class less what went back already, within a
cent of its own VAT, and every refund document is one the strict reader accepts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.domain.money import Money
from pos.domain.sale import Payment
from pos.domain.tax import vat_from_gross
from pos.services.auth import Role, UserSummary
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from sync.protocol.events import parse_event

#: products of three VAT classes: S (16 %) at prices whose unit VAT is not whole cents
PRODUCTS = (
    "6168232799285",  # 75.00 S
    "6168232543611",  # 85.00 S
    "6168232129464",  # 165.00 S
    "6162332253180",  # 399.00 S
    "6168232712628",  # 65.00 Z
    "6162393385004",  # 88.00 E
)


def rows(t: Terminal, sql: str, *args: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(t.db.path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def mpesa_sale(t: Terminal, scans: list[tuple[str, int]]) -> tuple[str, dict[str, int], Money]:
    """A sale paid exactly by M-Pesa (no cash rounding): its id, VAT per class, total."""
    for code, qty in scans:
        t.checkout.scan(code, qty)
    sale_id = t.checkout.open_sale_id
    assert sale_id is not None
    totals = t.checkout.view().totals
    vat = {v.tax_class.code: v.vat.minor for v in totals.vat}
    pay = Payment(
        f"mpesa-{sale_id}", "mpesa", totals.total, totals.total, Money(0), datetime.now(UTC), "R1"
    )
    outcome = t.checkout.apply_payment(sale_id, pay, rounding=Money(0), within=lambda _s: None)
    assert outcome.receipt is not None
    return sale_id, vat, totals.total


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sold=st.lists(
        st.tuples(st.sampled_from(PRODUCTS), st.integers(1, 7)),
        min_size=2,
        max_size=5,
        unique_by=lambda p: p[0],
    ),
    data=st.data(),
)
def test_a_sale_refunded_in_parts_gives_back_exactly_its_vat_per_class(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    sold: list[tuple[str, int]],
    data: st.DataObject,
) -> None:
    cashier.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])
    sale, sale_vat, sale_total = mpesa_sale(cashier, sold)
    left = {n: qty for n, (_, qty) in enumerate(sold, start=1)}
    vat_back: dict[str, int] = {}
    total_back = 0
    while any(left.values()):
        # a random part: some units of some of the lines still there
        lines = [n for n, q in left.items() if q]
        chosen = data.draw(st.lists(st.sampled_from(lines), min_size=1, unique=True))
        ask = {n: data.draw(st.integers(1, left[n])) for n in chosen}
        done = cashier.refunds.refund(
            RefundRequest(sale, ask, "changed_mind", references={f"mpesa-{sale}": "RVS1234"})
        )
        for n, q in ask.items():
            left[n] -= q
        total_back += done.total.minor
        for v in done.receipt.vat:
            own = vat_from_gross(v.gross, v.tax_class).minor  # the document alone
            assert abs(v.vat.minor - own) <= 1, (v, own)
            vat_back[v.tax_class.code] = vat_back.get(v.tax_class.code, 0) + v.vat.minor
        assert sum(v.gross.minor for v in done.receipt.vat) == done.total.minor
        [(payload,)] = rows(
            cashier,
            "SELECT payload FROM outbox WHERE kind = 'refund.completed' AND aggregate_id = ?",
            done.refund_id,
        )
        body: Any = parse_event(json.loads(payload)).body  # the strict reader accepts it
        assert body.vat_total.minor == sum(v.vat.minor for v in done.receipt.vat)
    assert total_back == sale_total.minor
    assert {c: v for c, v in vat_back.items() if v} == {c: v for c, v in sale_vat.items() if v}
