"""The manager's figures of ``kaunta bench store``: Z report, daily view, 30-day range.

Run on the store bench's database (a year of sales, 1M by default) after its own series:

- ``z_report_ms``: ``ZReportService.z_report`` for one business day of the history. Each
  sample day gets a shift whose receipt numbers are that day's (written as the shift
  service writes them: a shift row and its close), then the Z is made through the real
  service (sums, the ``report.z`` document checked by the strict parser, outbox, audit).
- ``daily_view_ms``: ``DailyService.view`` of one day, every breakdown.
- ``range_30d_ms``: ``DailyService.view`` of 30 days.

Goals (docs/performance.md): Z < 100 ms, daily view < 50 ms, 30 days < 250 ms.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from pos.bench.history import History
from pos.bench.stats import summary
from pos.services.terminal import Terminal
from pos.store import daily as daily_store
from pos.store import shifts as shift_store
from pos.store.models import ShiftCloseRecord, ShiftRecord

GOALS: dict[str, float] = {"z_report_ms": 100.0, "daily_view_ms": 50.0, "range_30d_ms": 250.0}
Z_SAMPLES = 10
VIEW_SAMPLES = 30
RANGE_SAMPLES = 10


@dataclass(slots=True)
class ManagerFigures:
    """The three figures (p50 ms), their series, and how many sales a Z covered."""

    figures: dict[str, float] = field(default_factory=dict)
    detail: dict[str, dict[str, float]] = field(default_factory=dict)
    z_sales: list[int] = field(default_factory=list)


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter_ns()
    value = fn(*args)
    return (time.perf_counter_ns() - t0) / 1e6, value


def _day_shift(term: Terminal, day: str, number: int) -> None:
    """A closed shift covering ``day``'s receipts (as the shift service stores one)."""
    with term.db.session() as s:
        first, last, opened, closed = s.execute(
            text(
                "SELECT min(seq), max(seq), min(closed_at), max(closed_at) FROM sales "
                "WHERE terminal_id = :t AND business_date = :d"
            ),
            {"t": term.ctx.terminal_id, "d": day},
        ).one()
        user = term.auth.require_user()
        refunds = shift_store.counter_value(s, f"refund:{term.ctx.terminal_id}")
        from datetime import UTC, datetime

        opened_at = datetime.fromisoformat(str(opened)).replace(tzinfo=UTC)
        closed_at = datetime.fromisoformat(str(closed)).replace(tzinfo=UTC)
        shift_id = term.ids.new()
        shift_store.add(
            s,
            ShiftRecord(
                id=shift_id,
                terminal_id=term.ctx.terminal_id,
                number=number,
                opened_by=user.user_id,
                opened_by_name=user.name,
                opened_at=opened_at,
                business_date=day,
                currency=term.ctx.currency,
                float_minor=0,
                float_counts="[]",
                first_sale_seq=int(first),
                first_refund_seq=refunds + 1,
                training=term.ctx.training,
            ),
        )
        shift_store.add(
            s,
            ShiftCloseRecord(
                shift_id=shift_id,
                closed_by=user.user_id,
                closed_by_name=user.name,
                approved_by="",
                closed_at=closed_at,
                last_sale_seq=int(last),
                last_refund_seq=refunds,
                expected_cash_minor=0,
                counted_minor=0,
                counted_counts="[]",
                difference_minor=0,
                tenders=json.dumps([]),
                note="bench",
            ),
        )


def bench_manager(term: Terminal, history: History, rng: random.Random) -> ManagerFigures:
    """Time the three figures; ``term`` has a manager logged in and no sale open."""
    out = ManagerFigures()
    with term.db.session() as s:  # untimed: the bulk-loaded year bypassed the checkout
        daily_store.rebuild(s)
    if term.shifts.current() is not None:  # the bench's own selling shift
        term.shifts.close({}, note="bench: takings not counted")
        term.zreports.z_report()  # untimed: the Z of the bench's own sales
    days = list(history.days)
    z_days = days[-Z_SAMPLES:]
    z_ms: list[float] = []
    with term.db.read_session() as s:
        latest = shift_store.latest_shift(s, term.ctx.terminal_id)
    number = latest[0].number if latest else 0
    for day in z_days:
        number += 1
        _day_shift(term, day, number)
        ms, report = _timed(term.zreports.z_report)
        if report.sales_count != history.per_day[day]:
            raise RuntimeError(
                f"Z of {day}: {report.sales_count} sales, the history has {history.per_day[day]}"
            )
        z_ms.append(ms)
        out.z_sales.append(report.sales_count)
    view_ms: list[float] = []
    for day in rng.sample(days, min(VIEW_SAMPLES, len(days))):
        ms, view = _timed(term.daily.view, day)
        if view.totals.sales_count != history.per_day[day]:
            raise RuntimeError(f"daily view of {day}: {view.totals.sales_count} sales")
        view_ms.append(ms)
    range_ms: list[float] = []
    for _ in range(RANGE_SAMPLES):
        end = date.fromisoformat(rng.choice(days[29:] or days))
        first = (end - timedelta(days=29)).isoformat()
        ms, _view = _timed(term.daily.view, first, end.isoformat())
        range_ms.append(ms)
    for key, series in (
        ("z_report_ms", z_ms),
        ("daily_view_ms", view_ms),
        ("range_30d_ms", range_ms),
    ):
        out.detail[key] = summary(series)
        out.figures[key] = out.detail[key]["p50"]
    out.figures["z_sales_per_day"] = float(sum(out.z_sales) // max(len(out.z_sales), 1))
    return out
