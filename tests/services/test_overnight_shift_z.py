"""A shift that runs past midnight: its Z carries the business day the shift opened.

The business day of a shift is the shop's calendar day (Africa/Nairobi) it opened in
(pos/services/shifts.py); each sale keeps the day it closed in. The Z, the end of the
business day, goes by its shifts: a shift opened on the evening of 2 March and closed at
half past one on 3 March gives a Z of 2 March holding both sales, and the stored Z, its
outbox event and the Z list say 2 March too.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from pos.demo import CATALOG_CSV
from pos.domain.money import Money
from pos.services.auth import Role, UserSummary
from pos.services.terminal import Terminal
from sync.protocol.events import parse_event
from tests.conftest import FakeClock

NAIROBI = ZoneInfo("Africa/Nairobi")


def _barcode() -> str:
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        return next(r["barcode"] for r in csv.DictReader(f) if r["barcode"])


def _sell(term: Terminal, barcode: str) -> None:
    term.checkout.scan(barcode, 1)
    due = term.checkout.view().cash_due
    assert term.checkout.pay_cash(Money(due.minor)).receipt is not None


def test_an_overnight_shifts_z_carries_the_day_it_opened(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], clock: FakeClock
) -> None:
    term = terminal
    term.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    barcode = _barcode()
    if term.shifts.current() is not None:  # the demo shift: closed and its day ended first
        term.shifts.close({}, note="demo float banked")
        term.zreports.z_report()

    clock.set(datetime(2026, 3, 2, 21, 40, tzinfo=NAIROBI))
    opened = term.shifts.open({})
    assert opened.business_date == "2026-03-02"
    _sell(term, barcode)  # 21:45 on 2 March
    clock.set(datetime(2026, 3, 3, 1, 15, tzinfo=NAIROBI))
    _sell(term, barcode)  # 01:15 on 3 March: that sale's own day is the 3rd
    clock.set(datetime(2026, 3, 3, 1, 30, tzinfo=NAIROBI))
    term.shifts.close({}, note="takings banked at the end of the night")

    with term.db.read_session() as s:
        days = [r[0] for r in s.execute(text("SELECT business_date FROM sales ORDER BY rowid"))]
    assert days[-2:] == ["2026-03-02", "2026-03-03"]

    z = term.zreports.z_report()
    assert z.kind == "Z"
    assert z.business_date == "2026-03-02"
    assert z.shift_numbers == (opened.number,)
    assert z.sales_count == 2  # both sales of the shift, each side of midnight
    assert datetime.fromisoformat(z.period_end).astimezone(NAIROBI).date().isoformat() == (
        "2026-03-03"
    )
    [listed] = [row for row in term.zreports.z_list() if row.number == z.z_number]
    assert listed.business_date == "2026-03-02"
    with term.db.read_session() as s:
        payloads = s.execute(
            text("SELECT payload FROM outbox WHERE kind = 'report.z' ORDER BY seq DESC LIMIT 1")
        )
        [event] = [json.loads(p) for (p,) in payloads]
    parse_event(event)  # the strict parser the head office reads with
    assert event["body"]["business_date"] == "2026-03-02"
