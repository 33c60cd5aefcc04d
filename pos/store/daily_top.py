"""The best-selling products of a range of business days, from each day's best sellers.

Summing every product of every day of a 30-day range reads about 90,000 summary rows
(``daily_products``: one per day and product sold) and sorts them: the most expensive
part of the range view. The top products are nearly always among each day's own best
sellers, so this reads the ``depth`` best of each day (``ix_daily_products_top``), sums
those candidates exactly over the whole range, and keeps the answer only when it is
provably the same as the full sum:

a product that is in no day's list sold, on each day, at most that day's last listed
value (or nothing, on a day whose list holds every product it sold). Its range total is
therefore at most the sum of those last values, the *bound*. If the ``top``-th candidate
is above the bound, no product outside the lists can reach the top. Otherwise the lists
are deepened, and at the end the full sum is made: the answer is always exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

#: list depths tried, as multiples of ``top``, before the full sum
DEPTHS = (2, 5, 25)

_DAY_BEST = (
    "SELECT sku, total_minor FROM daily_products WHERE business_date = ? "
    "ORDER BY total_minor DESC LIMIT ?"
)
_SUMS = (
    "SELECT sku, max(name), sum(quantity), sum(total_minor) FROM daily_products "
    "WHERE business_date IN ({days}) AND sku IN ({skus}) GROUP BY sku"
)
_FULL = text(
    "SELECT sku, sum(quantity), sum(total_minor) AS t FROM daily_products "
    "WHERE business_date BETWEEN :d0 AND :d1 GROUP BY sku ORDER BY t DESC, sku LIMIT :n"
)
_NAMES = (
    "SELECT sku, max(name) FROM daily_products WHERE business_date BETWEEN ? AND ? "
    "AND sku IN ({marks}) GROUP BY sku"
)

Row = tuple[str, str, int, int]  # sku, name, quantity, total


@dataclass(frozen=True, slots=True)
class Candidates:
    """The union of each day's ``depth`` best sellers and the bound on everything else."""

    skus: frozenset[str]
    bound: int
    #: every day's list held all the products it sold (the candidates are everything)
    complete: bool


def days_of(first: str, last: str) -> list[str]:
    d0, d1 = date.fromisoformat(first), date.fromisoformat(last)
    return [(d0 + timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


def candidates(session: Session, days: list[str], depth: int) -> Candidates:
    conn = session.connection()
    skus: set[str] = set()
    bound = 0
    complete = True
    for day in days:
        rows = conn.exec_driver_sql(_DAY_BEST, (day, depth)).all()
        skus.update(str(r[0]) for r in rows)
        if len(rows) == depth:  # the day may have sold more: they sold at most the last
            complete = False
            bound += max(int(rows[-1][1]), 0)
    return Candidates(frozenset(skus), bound, complete)


def exact_sums(session: Session, days: list[str], skus: frozenset[str]) -> list[Row]:
    """Each of ``skus`` summed over ``days``, ordered by total (highest first), then SKU."""
    if not skus:
        return []
    ordered = sorted(skus)
    sql = _SUMS.format(days=", ".join("?" * len(days)), skus=", ".join("?" * len(ordered)))
    found = session.connection().exec_driver_sql(sql, (*days, *ordered)).all()
    rows = [(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in found]
    rows.sort(key=lambda r: (-r[3], r[0]))
    return rows


def full_sum(session: Session, first: str, last: str, top: int) -> list[Row]:
    """Every product of the range summed (the plain answer the fast path must equal)."""
    rows = session.execute(_FULL, {"d0": first, "d1": last, "n": top}).all()
    if not rows:
        return []
    skus = [str(r[0]) for r in rows]
    found = session.connection().exec_driver_sql(
        _NAMES.format(marks=", ".join("?" * len(skus))), (first, last, *skus)
    )
    names = {str(r[0]): str(r[1]) for r in found}
    return [(str(r[0]), names.get(str(r[0]), str(r[0])), int(r[1]), int(r[2])) for r in rows]


def top_products(
    session: Session, first: str, last: str, top: int, depths: tuple[int, ...] = DEPTHS
) -> list[Row]:
    """The ``top`` products of ``first``..``last`` by value, highest first (ties by SKU)."""
    if top <= 0:
        return []
    days = days_of(first, last)
    for factor in depths:
        cand = candidates(session, days, top * factor)
        rows = exact_sums(session, days, cand.skus)
        if cand.complete or (len(rows) >= top and rows[top - 1][3] > cand.bound):
            return rows[:top]
    return full_sum(session, first, last, top)
