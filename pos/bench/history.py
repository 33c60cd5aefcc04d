"""A year of completed sales, bulk-loaded with plain ``sqlite3`` for speed.

Going through the services would take hours for a million sales, so the rows are made
here in the exact shape ``repositories.write_sale`` writes: the same columns, datetime
text format, ``business_date``/``status`` copies on ``sale_taxes`` and ``payments``, and a
``document`` that ``Sale.from_dict`` reads back to the same totals (the bench test checks
that). Only INSERTs are issued, which the append-only triggers allow. The outbox of past
sales is not loaded: those events were delivered long ago and no measured query reads it.
"""

from __future__ import annotations

import json
import os
import queue
import random
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pos.domain.money import round_half_up
from pos.domain.tax import TaxTable

#: How SQLAlchemy's SQLite ``DateTime`` stores a value (naive UTC, microseconds).
_DT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

_SALE_SQL = (
    "INSERT INTO sales (id, number, seq, store_id, terminal_id, status, cashier_id, "
    "cashier_name, opened_at, closed_at, business_date, currency, subtotal_minor, "
    "discount_minor, total_minor, rounding_minor, paid_minor, change_minor, vat_minor, "
    "item_count, void_reason, training, document) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_LINE_SQL = (
    "INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, quantity, "
    "unit_price_minor, list_price_minor, gross_minor, discount_minor, total_minor, vat_class) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
_TAX_SQL = (
    "INSERT INTO sale_taxes (sale_id, vat_class, rate_bp, gross_minor, vat_minor, "
    "business_date, status) VALUES (?,?,?,?,?,?,?)"
)
_PAY_SQL = (
    "INSERT INTO payments (id, sale_id, method, amount_minor, tendered_minor, change_minor, "
    "currency, reference, created_at, business_date, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)


@dataclass(frozen=True, slots=True)
class PoolProduct:
    product_id: int
    sku: str
    barcode: str | None
    name: str
    price_minor: int
    vat_class: str


@dataclass(frozen=True, slots=True)
class History:
    """What was loaded: the days (oldest first) and how many sales each got."""

    days: tuple[str, ...]
    per_day: dict[str, int]
    seconds: float


@dataclass(frozen=True, slots=True)
class Shop:
    store_id: str
    terminal_id: str
    currency: str
    timezone: str
    training: bool
    tax_table: TaxTable
    cashiers: tuple[tuple[str, str], ...]  # (user id, name)


def product_pool(
    conn: sqlite3.Connection, n_products: int, size: int, seed: int
) -> list[PoolProduct]:
    """The shop's best sellers: ``size`` random products of the catalog."""
    rng = random.Random(seed)
    ids = rng.sample(range(1, n_products + 1), min(size, n_products))
    pool: list[PoolProduct] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        pool.extend(
            PoolProduct(*row)
            for row in conn.execute(
                "SELECT id, sku, barcode, name, price_minor, vat_class FROM products "
                f"WHERE id IN ({marks})",
                chunk,
            )
        )
    return pool


def business_days(n_days: int, last: date) -> list[date]:
    return [last - timedelta(days=n_days - 1 - i) for i in range(n_days)]


def spread(total: int, days: Sequence[date], rng: random.Random) -> list[int]:
    """Split ``total`` sales over ``days``: busier weekends and month-ends, some noise."""
    weights = []
    for d in days:
        w = 1.0 + (0.35 if d.weekday() >= 5 else 0.0) + (0.25 if d.day >= 28 else 0.0)
        weights.append(w * rng.uniform(0.85, 1.15))
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(len(days)), total - sum(counts)):
        counts[i] += 1
    return counts


_DAY_US = 86_400_000_000


class _Clock:
    """Formats epoch microseconds (UTC) the two ways the app stores times, fast."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def _parts(self, us: int) -> tuple[str, int, int, int, int]:
        day, rem = divmod(us, _DAY_US)
        text = self._days.get(day)
        if text is None:
            text = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
            self._days[day] = text
        secs, frac = divmod(rem, 1_000_000)
        hours, secs = divmod(secs, 3600)
        minutes, secs = divmod(secs, 60)
        return text, hours, minutes, secs, frac

    def sql(self, us: int) -> str:
        """SQLAlchemy's SQLite ``DateTime`` text: ``2026-03-02 07:30:00.000000``."""
        d, h, m, s, f = self._parts(us)
        return f"{d} {h:02d}:{m:02d}:{s:02d}.{f:06d}"

    def iso(self, us: int) -> str:
        """``datetime.isoformat()`` of an aware UTC datetime (no fraction when zero)."""
        d, h, m, s, f = self._parts(us)
        if f:
            return f"{d}T{h:02d}:{m:02d}:{s:02d}.{f:06d}+00:00"
        return f"{d}T{h:02d}:{m:02d}:{s:02d}+00:00"


class _Maker:
    """Builds the rows of one sale at a time, as ``write_sale`` would write them.

    The ``document`` JSON is assembled from fragments made with ``json.dumps`` once per
    product, in the key order of ``Sale.to_dict``: byte for byte what the app writes,
    about five times faster than building and dumping the dicts for every sale.
    """

    def __init__(self, shop: Shop, pool: list[PoolProduct], seed: int) -> None:
        self.shop = shop
        self.pool = pool
        self.rng = random.Random(seed)
        self.clock = _Clock()
        # Popular products sell more: weight ~ 1/rank (a Zipf-like long tail).
        self.cum: list[float] = []
        acc = 0.0
        for rank in range(1, len(pool) + 1):
            acc += 1.0 / rank
            self.cum.append(acc)
        cur = json.dumps(shop.currency)
        self.cur_json = cur
        self.vat_json = json.dumps(shop.tax_table.to_list(), separators=(",", ":"))
        self.line_json = [
            f'","product_id":{p.product_id},"sku":{json.dumps(p.sku)},'
            f'"barcode":{json.dumps(p.barcode)},"name":{json.dumps(p.name)},'
            f'"unit_price":{{"minor":{p.price_minor},"currency":{cur}}},'
            f'"vat_class":{json.dumps(p.vat_class)},"quantity":'
            for p in pool
        ]
        self.slots = range(len(pool))
        self.cashiers = [(uid, json.dumps(uid), name) for uid, name in shop.cashiers]
        self.classes = {c.code: c for c in shop.tax_table.classes}
        self.order = {c.code: i for i, c in enumerate(shop.tax_table.classes)}
        self.lines_dist = [1] * 30 + [2] * 22 + [3] * 16 + [4] * 11 + [5] * 8 + [6] * 6
        self.lines_dist += [8] * 4 + [12] * 3
        self.qty_dist = [1] * 70 + [2] * 18 + [3] * 8 + [6] * 4
        self.seq = 0

    def _money(self, minor: int) -> str:
        return f'{{"minor":{minor},"currency":{self.cur_json}}}'

    def _id(self, us: int) -> str:
        """A UUIDv7 string for a moment, as ``pos.domain.ids.uuid7`` makes them."""
        bits = self.rng.getrandbits
        v = ((us // 1000) << 80) | (0x7 << 76) | (bits(12) << 64) | (0b10 << 62) | bits(62)
        h = f"{v:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def sale(
        self, closed: int, business_date: str
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]], tuple[Any, ...]]:
        """The rows of one completed sale closed at epoch microsecond ``closed``."""
        rng = self.rng
        rnd = rng.random
        shop = self.shop
        cur = shop.currency
        clock = self.clock
        self.seq += 1
        opened = closed - rng.randrange(20_000_000, 300_000_000)
        sale_id = self._id(opened)
        cashier_id, cashier_json, cashier_name = self.cashiers[int(rnd() * len(self.cashiers))]
        n_lines = self.lines_dist[int(rnd() * len(self.lines_dist))]
        picks = rng.choices(self.slots, cum_weights=self.cum, k=n_lines)
        seen: set[int] = set()
        lines_json: list[str] = []
        line_rows: list[tuple[Any, ...]] = []
        gross_by_class: dict[str, int] = {}
        items = 0
        qty_dist = self.qty_dist
        for k in picks:
            if k in seen:  # the till merges a repeat scan into one line
                continue
            seen.add(k)
            p = self.pool[k]
            qty = qty_dist[int(rnd() * len(qty_dist))]
            gross = p.price_minor * qty
            items += qty
            gross_by_class[p.vat_class] = gross_by_class.get(p.vat_class, 0) + gross
            lines_json.append(
                f'{{"line_id":"{self._id(opened)}{self.line_json[k]}{qty},'
                '"price_override":null,"discount":null}'
            )
            line_rows.append(
                (
                    sale_id,
                    len(line_rows) + 1,
                    p.product_id,
                    p.sku,
                    p.name,
                    qty,
                    p.price_minor,
                    p.price_minor,
                    gross,
                    0,
                    gross,
                    p.vat_class,
                )
            )
        total = sum(gross_by_class.values())
        tax_rows: list[tuple[Any, ...]] = []
        vat_total = 0
        for code in sorted(gross_by_class, key=self.order.__getitem__):
            tc = self.classes[code]
            g = gross_by_class[code]
            vat = 0 if tc.exempt or tc.rate == 0 else round_half_up(g * tc.rate / (100 + tc.rate))
            vat_total += vat
            tax_rows.append(
                (sale_id, code, tc.rate_basis_points, g, vat, business_date, "completed")
            )
        paid_at = closed - rng.randrange(2_000_000, 15_000_000)
        payment_id = self._id(paid_at)
        if rnd() < 0.6:  # cash, rounded to the shilling, change from a round note
            method, reference = "cash", ""
            q, r = divmod(total, 100)
            amount = (q + (1 if r * 2 >= 100 else 0)) * 100
            rounding: int | None = amount - total
            note = (5000, 10000, 50000, 100000)[int(rnd() * 4)]
            tendered = -(-amount // note) * note
        else:  # M-Pesa: the exact amount, with its transaction code
            method = "mpesa"
            reference = "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=10))
            amount = tendered = total
            rounding = None
        change = tendered - amount
        money = self._money
        payment_json = (
            f'{{"payment_id":"{payment_id}","method":"{method}","amount":{money(amount)},'
            f'"tendered":{money(tendered)},"change":{money(change)},'
            f'"at":"{clock.iso(paid_at)}","reference":"{reference}"}}'
        )
        document = (
            f'{{"sale":{{"v":1,"sale_id":"{sale_id}","currency":{self.cur_json},'
            f'"opened_at":"{clock.iso(opened)}","cashier_id":{cashier_json},'
            '"status":"completed","order_discount":null,'
            f'"rounding":{"null" if rounding is None else money(rounding)},'
            f'"void_reason":"","note":"","lines":[{",".join(lines_json)}],'
            f'"payments":[{payment_json}]}},"vat":{self.vat_json}}}'
        )
        sale_row = (
            sale_id,
            f"{shop.store_id}-{shop.terminal_id}-{self.seq:06d}",
            self.seq,
            shop.store_id,
            shop.terminal_id,
            "completed",
            cashier_id,
            cashier_name,
            clock.sql(opened),
            clock.sql(closed),
            business_date,
            cur,
            total,
            0,
            total,
            rounding or 0,
            amount,
            change,
            vat_total,
            items,
            "",
            int(shop.training),
            document,
        )
        pay_row = (
            payment_id,
            sale_id,
            method,
            amount,
            tendered,
            change,
            cur,
            reference,
            clock.sql(paid_at),
            business_date,
            "completed",
        )
        return sale_row, line_rows, tax_rows, pay_row


def _day_times(day: date, count: int, zone: ZoneInfo, rng: random.Random) -> list[int]:
    """``count`` closing times between 07:00 and 22:00 local, in order, as UTC epoch us."""
    opening = datetime(day.year, day.month, day.day, 7, tzinfo=zone).astimezone(UTC)
    start = int(opening.timestamp()) * 1_000_000
    span = 15 * 3600 * 1_000_000
    return sorted(start + rng.randrange(span) for _ in range(count))


@dataclass(slots=True)
class _Batch:
    sales: list[tuple[Any, ...]]
    lines: list[tuple[Any, ...]]
    taxes: list[tuple[Any, ...]]
    payments: list[tuple[Any, ...]]


def _batches(
    maker: _Maker, plan: list[tuple[date, int]], zone: ZoneInfo, rng: random.Random, size: int
) -> Iterator[_Batch]:
    """The sales of ``plan`` (day, count) in time order, about ``size`` sales per batch."""
    batch = _Batch([], [], [], [])
    for day, count in plan:
        iso = day.isoformat()
        for closed in _day_times(day, count, zone, rng):
            sale_row, line_rows, tax_rows, pay_row = maker.sale(closed, iso)
            batch.sales.append(sale_row)
            batch.lines.extend(line_rows)
            batch.taxes.extend(tax_rows)
            batch.payments.append(pay_row)
        if len(batch.sales) >= size:
            yield batch
            batch = _Batch([], [], [], [])
    if batch.sales:
        yield batch


def _produce(batches: Iterator[_Batch], out: queue.Queue[_Batch | BaseException | None]) -> None:
    try:
        for batch in batches:
            out.put(batch)
        out.put(None)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        out.put(exc)


def load_history(
    path: Path,
    shop: Shop,
    n_products: int,
    n_sales: int,
    *,
    last_day: date,
    n_days: int = 365,
    seed: int = 11,
    pool_size: int = 20_000,
) -> History:
    """Insert ``n_sales`` completed sales over the ``n_days`` days ending ``last_day``.

    Receipt numbers run 1..n in time order and the terminal's receipt counter is set to
    continue after them, as if the till had rung them up. Rows are made on a second
    thread while SQLite (which releases the GIL) writes the previous batch.
    """
    t0 = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        # A bulk load, not a till: no journal, no syncs (a crash here means rebuild).
        # Nothing else may have the file open; WAL mode is restored at the end.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -65536")
        rng = random.Random(seed)
        pool = product_pool(conn, n_products, pool_size, seed)
        maker = _Maker(shop, pool, seed + 1)
        days = business_days(n_days, last_day)
        counts = spread(n_sales, days, rng)
        plan = list(zip(days, counts, strict=True))
        handoff: queue.Queue[_Batch | BaseException | None] = queue.Queue(maxsize=1)
        producer = threading.Thread(
            target=_produce,
            args=(_batches(maker, plan, ZoneInfo(shop.timezone), rng, 5_000), handoff),
            daemon=True,
        )
        producer.start()
        done = 0
        next_report = max(n_sales // 10, 1)
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            conn.execute("BEGIN")
            conn.executemany(_SALE_SQL, item.sales)
            conn.executemany(_LINE_SQL, item.lines)
            conn.executemany(_TAX_SQL, item.taxes)
            conn.executemany(_PAY_SQL, item.payments)
            conn.execute("COMMIT")
            done += len(item.sales)
            if done >= next_report:
                rate = done / (time.perf_counter() - t0)
                print(f"  sales: {done:,}/{n_sales:,} ({rate:,.0f}/s)", file=sys.stderr)
                next_report += max(n_sales // 10, 1)
        producer.join()
        conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (f"receipt:{shop.terminal_id}", maker.seq),
        )
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()
    fd = os.open(path, os.O_RDONLY)  # flush the unsynced load now, not in a timed commit
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    per_day = {d.isoformat(): c for d, c in plan}
    return History(tuple(per_day), per_day, time.perf_counter() - t0)
