"""The day summaries behind the daily totals view equal a plain sum over the journal.

Random sales (completed and voided, split tenders, discounts, rounding, several days and
cashiers, skewed or flat product mixes) are written as ``repositories.write_sale`` writes
them, each completed one added to its day's summaries by ``pos.store.daily.add_sale`` (what
the checkout calls in the sale's transaction). Every figure of ``daily_rows`` for random
ranges is then compared with a recomputation from the sales, lines and payments alone, and
the top products' shortcut (``pos.store.daily_top``) with the full sum, at list depths that
force each of its paths: proven by the bound, every day complete, and the fallback.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from pos.store import daily, daily_top
from pos.store.db import Database

FIRST_DAY = date(2026, 11, 1)
N_DAYS = 6
METHODS = ("cash", "mpesa", "card", "paypal")
CASHIERS = (("u-1", "Amina"), ("u-2", "Baraka"))
#: (id, sku, name, category); product 9 is not in the catalog (a deleted product's line)
PRODUCTS = [(i, f"SKU-{i:02}", f"Product {i}", ("Dairy", "Bakery", "")[i % 3]) for i in range(1, 9)]


@dataclass(frozen=True)
class Line:
    product: int
    quantity: int
    total: int


@dataclass(frozen=True)
class FakeSale:
    day: int
    hour: int
    status: str
    cashier: int
    lines: tuple[Line, ...]
    discount: int
    rounding: int
    payments: tuple[tuple[str, int], ...]


lines = st.lists(
    st.builds(
        Line,
        product=st.integers(1, 9),
        quantity=st.integers(1, 6),
        total=st.integers(0, 50_000),
    ),
    min_size=0,
    max_size=5,
    unique_by=lambda ln: ln.product,
).map(tuple)

sales = st.lists(
    st.builds(
        FakeSale,
        day=st.integers(0, N_DAYS - 1),
        hour=st.integers(0, 23),
        status=st.sampled_from(("completed", "completed", "completed", "voided")),
        cashier=st.integers(0, len(CASHIERS) - 1),
        lines=lines,
        discount=st.integers(0, 2_000),
        rounding=st.integers(-50, 50),
        payments=st.lists(
            st.tuples(st.sampled_from(METHODS), st.integers(1, 80_000)), max_size=3
        ).map(tuple),
    ),
    max_size=40,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A till file at head with the catalog, copied for every example."""
    path = tmp_path_factory.mktemp("daily") / "template.sqlite"
    db = Database(path)
    try:
        db.upgrade("head")
        with db.session() as s:
            for pid, sku, name, category in PRODUCTS:
                s.execute(
                    text(
                        "INSERT INTO products (id, sku, barcode, name, category, price_minor, "
                        "currency, vat_class, active, updated_at) VALUES (:i, :sku, NULL, :n, "
                        ":c, 100, 'KES', 'S', 1, '2026-11-01 00:00:00.000000')"
                    ),
                    {"i": pid, "sku": sku, "n": name, "c": category},
                )
    finally:
        db.dispose()
    return path


def _product(pid: int) -> tuple[str, str]:
    return (f"SKU-{pid:02}", f"Product {pid}") if pid < 9 else ("SKU-GONE", "Gone product")


def _write(s: Session, n: int, sale: FakeSale) -> None:
    """The sale's journal rows (the columns ``write_sale`` fills) and, if completed, its
    day summaries as the checkout adds them."""
    day = (FIRST_DAY + timedelta(days=sale.day)).isoformat()
    closed = f"{day} {sale.hour:02}:30:00.000000"
    total = sum(ln.total for ln in sale.lines) - sale.discount
    cashier_id, cashier_name = CASHIERS[sale.cashier]
    sale_id = f"sale-{n:04}"
    s.execute(
        text(
            "INSERT INTO sales (id, number, seq, store_id, terminal_id, status, cashier_id, "
            "cashier_name, opened_at, closed_at, business_date, currency, subtotal_minor, "
            "discount_minor, total_minor, rounding_minor, paid_minor, change_minor, vat_minor, "
            "item_count, void_reason, training, document) VALUES (:id, :num, :seq, 'S', 'T1', "
            ":st, :cid, :cn, :at, :at, :d, 'KES', :sub, :disc, :tot, :r, 0, 0, 0, 0, '', 0, "
            "'{}')"
        ),
        {
            "id": sale_id,
            "num": f"S-T1-{n}",
            "seq": n,
            "st": sale.status,
            "cid": cashier_id,
            "cn": cashier_name,
            "at": closed,
            "d": day,
            "sub": total + sale.discount,
            "disc": sale.discount,
            "tot": total,
            "r": sale.rounding,
        },
    )
    for no, ln in enumerate(sale.lines, start=1):
        sku, name = _product(ln.product)
        s.execute(
            text(
                "INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, quantity, "
                "unit_price_minor, list_price_minor, gross_minor, discount_minor, total_minor, "
                "vat_class) VALUES (:s, :no, :pid, :sku, :n, :q, 0, 0, :t, 0, :t, 'S')"
            ),
            {
                "s": sale_id,
                "no": no,
                "pid": ln.product if ln.product < 9 else None,
                "sku": sku,
                "n": name,
                "q": ln.quantity,
                "t": ln.total,
            },
        )
    for k, (method, amount) in enumerate(sale.payments):
        s.execute(
            text(
                "INSERT INTO payments (id, sale_id, method, amount_minor, tendered_minor, "
                "change_minor, currency, reference, created_at, business_date, status) VALUES "
                "(:id, :s, :m, :a, :a, 0, 'KES', '', :at, :d, :st)"
            ),
            {
                "id": f"{sale_id}-p{k}",
                "s": sale_id,
                "m": method,
                "a": amount,
                "at": closed,
                "d": day,
                "st": sale.status,
            },
        )
    if sale.status == "completed":
        daily.add_sale(
            s,
            business_date=day,
            utc_hour=sale.hour,
            cashier_id=cashier_id,
            cashier_name=cashier_name,
            total_minor=total,
            discount_minor=sale.discount,
            rounding_minor=sale.rounding,
            tenders=sale.payments,
            lines=[
                daily.SoldLine(
                    *_product(ln.product),
                    ln.product if ln.product < 9 else None,
                    ln.quantity,
                    ln.total,
                )
                for ln in sale.lines
            ],
        )


def _plain(s: Session, d0: str, d1: str) -> dict[str, object]:
    """Every figure of the range straight from the journal's rows (no summary read)."""
    p = {"d0": d0, "d1": d1}
    ex = s.execute

    def one(sql: str) -> tuple[int, ...]:
        return tuple(int(v) for v in ex(text(sql), p).one())

    where = "business_date BETWEEN :d0 AND :d1"
    done = one(
        "SELECT count(*), coalesce(sum(total_minor + discount_minor), 0), "
        "coalesce(sum(discount_minor), 0), coalesce(sum(total_minor), 0), "
        f"coalesce(sum(rounding_minor), 0) FROM sales WHERE status = 'completed' AND {where}"
    )
    void = one(
        "SELECT count(*), coalesce(sum(total_minor), 0) FROM sales "
        f"WHERE status = 'voided' AND {where}"
    )
    tenders = sorted(
        (str(r[0]), int(r[1]), int(r[2]))
        for r in ex(
            text(
                "SELECT method, count(*), sum(amount_minor) FROM payments "
                f"WHERE status = 'completed' AND {where} GROUP BY method"
            ),
            p,
        )
    )
    rows = ex(
        text(
            "SELECT l.sku, l.name, coalesce(p.category, ''), l.quantity, l.total_minor "
            "FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
            "LEFT JOIN products p ON p.id = l.product_id "
            f"WHERE s.status = 'completed' AND s.{where}"
        ),
        p,
    ).all()
    cats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    prods: dict[str, list[object]] = {}
    for sku, name, cat, qty, tot in rows:
        cats[cat][0] += qty
        cats[cat][1] += tot
        row = prods.setdefault(sku, [sku, name, 0, 0])
        row[1] = max(str(row[1]), name)
        row[2] = int(row[2]) + qty  # type: ignore[call-overload]
        row[3] = int(row[3]) + tot  # type: ignore[call-overload]
    ranked = sorted(
        (tuple(r) for r in prods.values()),
        key=lambda r: (-int(r[3]), str(r[0])),  # type: ignore[call-overload]
    )
    return {
        "done": done,
        "void": void,
        "tenders": tenders,
        "categories": sorted((c, v[0], v[1]) for c, v in cats.items()),
        "ranked": ranked,
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=sales,
    span=st.tuples(st.integers(0, N_DAYS - 1), st.integers(0, N_DAYS - 1)),
    top=st.integers(1, 6),
)
def test_every_figure_of_a_range_equals_a_plain_sum_over_the_journal(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    history: list[FakeSale],
    span: tuple[int, int],
    top: int,
) -> None:
    path = tmp_path_factory.mktemp("ex") / "till.sqlite"
    shutil.copyfile(template, path)
    db = Database(path)
    try:
        with db.session() as s:
            for n, sale in enumerate(history, start=1):
                _write(s, n, sale)
        lo, hi = sorted(span)
        d0 = (FIRST_DAY + timedelta(days=lo)).isoformat()
        d1 = (FIRST_DAY + timedelta(days=hi)).isoformat()
        with db.read_session() as s:
            got = daily.daily_rows(s, daily.DayRange(d0, d1, 0), top=top)
            want = _plain(s, d0, d1)
            assert (got.sales_count, got.gross, got.discounts, got.total, got.rounding) == want[
                "done"
            ]
            assert (got.voids_count, got.voids_value) == want["void"]
            assert sorted(got.tenders) == want["tenders"]
            assert sorted(got.categories) == want["categories"]
            ranked = want["ranked"]
            assert isinstance(ranked, list)
            assert got.products == ranked[:top]
            # each path of the shortcut: shallow lists (bound or fallback), deep ones
            for depths in ((1,), (1, 2), (50,), ()):
                assert daily_top.top_products(s, d0, d1, top, depths) == ranked[:top]
            # takings = tenders - change: the tenders of completed sales, counted once
            assert sum(t[2] for t in got.tenders) == sum(t[2] for t in want["tenders"])  # type: ignore[union-attr]
            # a rebuild from the journal leaves the summaries as the sales wrote them
        kept = _summaries(db)
        with db.session() as s:
            daily.rebuild(s)
        assert _summaries(db) == kept
    finally:
        db.dispose()


def _summaries(db: Database) -> list[tuple[object, ...]]:
    with db.read_session() as s:
        return [
            tuple(r)
            for table in ("daily_totals", "daily_tenders", "daily_categories", "daily_hours")
            for r in s.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))
        ]


def test_a_flat_mix_falls_back_to_the_full_sum_and_stays_exact(
    template: Path, tmp_path: Path
) -> None:
    """Every product selling the same each day: no list depth proves the top, so the full
    sum answers (and the bound never admits a wrong product)."""
    path = tmp_path / "till.sqlite"
    shutil.copyfile(template, path)
    db = Database(path)
    try:
        with db.session() as s:
            n = 0
            for day in range(N_DAYS):
                for pid in range(1, 9):
                    n += 1
                    _write(
                        s,
                        n,
                        FakeSale(
                            day, 10, "completed", 0, (Line(pid, 1, 1000),), 0, 0, (("cash", 1000),)
                        ),
                    )
        d0, d1 = FIRST_DAY.isoformat(), (FIRST_DAY + timedelta(days=N_DAYS - 1)).isoformat()
        with db.read_session() as s:
            days = daily_top.days_of(d0, d1)
            cand = daily_top.candidates(s, days, 2)
            assert not cand.complete
            assert cand.bound == 1000 * N_DAYS  # every day's 2nd best sold 1,000
            rows = daily_top.top_products(s, d0, d1, 3, depths=(2,))
            assert rows == daily_top.full_sum(s, d0, d1, 3)
            assert [r[0] for r in rows] == ["SKU-01", "SKU-02", "SKU-03"]  # ties by SKU
    finally:
        db.dispose()
