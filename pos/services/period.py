"""The figures of a period of shifts: what a shift close, an X report and a Z report show.

A period is one or more consecutive shifts of this terminal. Definitions (docs/manager.md):

- gross sales = the completed sales' subtotals (before discounts, VAT included);
  net sales = gross - discounts - refunds; voids are counted apart (never sales);
- takings by tender = the payments the sales kept (cash: tendered - change), in the sale
  currency, with a foreign-currency method's own amount beside it (PayPal in USD);
- expected cash = float + cash sales - cash refunds + cash paid in - cash paid out;
- average basket = the completed sales' totals / their number;
- by cashier: each cashier's sales and net sales (their sales - their refunds), which add
  up to the period's;
- refunds waiting (the X only): refund attempts whose method has not answered, or whose
  money went back before the refund document was written. They are in none of the figures
  above (no refund document exists yet) and must be resolved before the Z, which refuses
  while there is one; each keeps its own currency (a PayPal refund in USD).

:class:`PeriodReport` converts to and from plain JSON, so a Z is stored once and reprinted
exactly as it was, whatever the code computes later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pos.domain.money import Money
from pos.services.cashup import CashSummary
from pos.services.context import TerminalContext
from pos.store import shifts as store
from pos.store.models import ShiftCloseRecord, ShiftRecord

CASH = "cash"


@dataclass(frozen=True, slots=True)
class VatRow:
    code: str
    rate_bp: int
    gross: int  # sales - refunds of the class, VAT included
    vat: int

    @property
    def net(self) -> int:
        return self.gross - self.vat


@dataclass(frozen=True, slots=True)
class TenderRow:
    method: str
    count: int
    amount: int  # kept from sales, sale currency
    refunded: int  # given back through this method (cash: from the drawer)
    foreign_currency: str = ""
    foreign_amount: int = 0

    @property
    def net(self) -> int:
        return self.amount - self.refunded


@dataclass(frozen=True, slots=True)
class CashierRow:
    cashier_id: str
    name: str
    sales_count: int
    net_sales: int


@dataclass(frozen=True, slots=True)
class MovementRow:
    at: str  # ISO UTC
    direction: str  # in | out | none (no sale)
    kind: str
    amount: int
    reason: str
    by: str
    approved_by: str


@dataclass(frozen=True, slots=True)
class CountedRow:
    method: str
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True, slots=True)
class WaitingRow:
    """A refund attempt not resolved yet, as the X lists it: counted nowhere until it is."""

    method: str
    state: str  # created | pending | approved | unknown
    amount: int  # minor units of ``currency``
    currency: str  # the attempt's own (USD for PayPal), not always the report's
    at: str  # ISO UTC, when it was stored


@dataclass(frozen=True, slots=True)
class PeriodReport:
    """Everything an X or Z shows. Money in minor units of ``currency``."""

    kind: str  # "X" | "Z" | "shift"
    z_number: int  # 0 unless a Z
    terminal_id: str
    store_name: str
    currency: str
    business_date: str
    period_start: str  # ISO UTC
    period_end: str
    shift_numbers: tuple[int, ...]
    shift_ids: tuple[str, ...]
    made_at: str
    made_by: str
    gross_sales: int
    discounts: int
    refunds_count: int
    refunds_value: int
    voids_count: int
    voids_value: int
    rounding: int
    items: int
    sales_count: int
    sales_total: int  # completed sales' totals (after discounts)
    vat: tuple[VatRow, ...]
    tenders: tuple[TenderRow, ...]
    opening_float: int
    cash_sales: int
    cash_refunds: int
    paid_in: int
    paid_out: int
    no_sale_count: int
    movements: tuple[MovementRow, ...]
    by_cashier: tuple[CashierRow, ...]
    counted: tuple[CountedRow, ...]  # closes' counts (cash and other tenders); () if none
    training: bool
    #: the X's refunds still waiting (a Z has none: it is refused while one waits); a Z
    #: stored before this field reads back with ()
    waiting_refunds: tuple[WaitingRow, ...] = ()
    #: (method code, label) of the methods installed when the report is shown: resolved by
    #: the service at each showing (``pos.services.zreports``), never stored (``to_json``
    #: leaves it out, so a sealed Z's document and hash stay as they were) nor compared
    labels: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def label(self, method: str) -> str:
        """What a person calls ``method`` ("M-Pesa", "Card"): the installed method's own
        receipt label; its code when the method is no longer installed."""
        for code, label in self.labels:
            if code == method:
                return label
        return method

    @property
    def net_sales(self) -> int:
        return self.gross_sales - self.discounts - self.refunds_value

    @property
    def expected_cash(self) -> int:
        return self.cash.expected.minor

    @property
    def cash(self) -> CashSummary:
        m = self.money
        return CashSummary(
            m(self.opening_float),
            m(self.cash_sales),
            m(self.cash_refunds),
            m(self.paid_in),
            m(self.paid_out),
        )

    @property
    def waiting_count(self) -> int:
        """How many refund attempts wait (each tender of a refund is one attempt)."""
        return len(self.waiting_refunds)

    def waiting_value(self) -> tuple[tuple[str, int], ...]:
        """What the waiting refunds come to, per currency (the report's first), never one
        sum across currencies; () when none waits."""
        totals: dict[str, int] = {}
        for w in self.waiting_refunds:
            totals[w.currency] = totals.get(w.currency, 0) + w.amount
        return tuple(sorted(totals.items(), key=lambda kv: (kv[0] != self.currency, kv[0])))

    @property
    def average_basket(self) -> int:
        return self.sales_total // self.sales_count if self.sales_count else 0

    def money(self, minor: int) -> Money:
        return Money(int(minor), self.currency)

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON, without the shown labels (they are not figures)."""
        data = asdict(self)
        del data["labels"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PeriodReport:
        d = dict(data)
        d.pop("labels", None)
        d["shift_numbers"] = tuple(d["shift_numbers"])
        d["shift_ids"] = tuple(d["shift_ids"])
        d["vat"] = tuple(VatRow(**v) for v in d["vat"])
        d["tenders"] = tuple(TenderRow(**t) for t in d["tenders"])
        d["movements"] = tuple(MovementRow(**m) for m in d["movements"])
        d["by_cashier"] = tuple(CashierRow(**c) for c in d["by_cashier"])
        d["counted"] = tuple(CountedRow(**c) for c in d["counted"])
        d["waiting_refunds"] = tuple(WaitingRow(**w) for w in d.get("waiting_refunds", ()))
        return cls(**d)


def seq_range(
    session: Session,
    terminal_id: str,
    shifts: list[tuple[ShiftRecord, ShiftCloseRecord | None]],
    receipt_counter: str,
    refund_counter: str,
) -> store.SeqRange:
    """The documents of consecutive shifts: from the first's first numbers to the last's
    last (the counters' current values while the last is open)."""
    first, last_close = shifts[0][0], shifts[-1][1]
    if last_close is not None:
        last_sale, last_refund = last_close.last_sale_seq, last_close.last_refund_seq
    else:
        last_sale = store.counter_value(session, receipt_counter)
        last_refund = store.counter_value(session, refund_counter)
    return store.SeqRange(
        terminal_id, first.first_sale_seq, last_sale, first.first_refund_seq, last_refund
    )


def build_period(
    session: Session,
    ctx: TerminalContext,
    shifts: list[tuple[ShiftRecord, ShiftCloseRecord | None]],
    *,
    kind: str,
    z_number: int,
    now: datetime,
    made_by: str,
    receipt_counter: str,
    refund_counter: str,
) -> PeriodReport:
    """Sum the period's documents (one range read per table) into a report."""
    if not shifts:
        raise ValueError("a period has at least one shift")
    seqs = seq_range(session, ctx.terminal_id, shifts, receipt_counter, refund_counter)
    rows = store.period_rows(session, seqs)
    ids = [sh.id for sh, _ in shifts]
    paid_in, paid_out, no_sales = store.movement_sums(session, ids)
    refunded = dict(rows.refund_tenders)
    foreign = {m: (c, a) for m, c, a in rows.foreign}
    tenders = [
        TenderRow(
            method,
            count,
            amount,
            refunded.pop(method, 0),
            foreign.get(method, ("", 0))[0],
            foreign.get(method, ("", 0))[1],
        )
        for method, count, amount in sorted(rows.tenders, key=lambda r: (r[0] != CASH, r[0]))
    ]
    tenders += [TenderRow(method, 0, 0, amount) for method, amount in sorted(refunded.items())]
    order = {code: i for i, code in enumerate(ctx.tax_table.codes())}
    vat: dict[str, list[int]] = {code: [rate, g, v] for code, rate, g, v in rows.vat}
    for code, g, v in rows.refund_vat:
        rate = ctx.tax_table.get(code).rate_basis_points if code in order else 0
        row = vat.setdefault(code, [rate, 0, 0])
        row[1] -= g
        row[2] -= v
    cashiers: dict[str, list[Any]] = {cid: [name, n, net] for cid, name, n, net in rows.cashiers}
    for cid, name, value in rows.refund_cashiers:
        cashiers.setdefault(cid, [name, 0, 0])[2] -= value
    counted: dict[str, list[int]] = {}
    for _, close in shifts:
        if close is None:
            continue
        for method, expected, count in store_tenders(close):
            row = counted.setdefault(method, [0, 0])
            row[0] += expected
            row[1] += count
    end = store.ended_at(shifts[-1][1], now)
    return PeriodReport(
        kind=kind,
        z_number=z_number,
        terminal_id=ctx.terminal_id,
        store_name=ctx.store.name,
        currency=ctx.currency,
        business_date=shifts[0][0].business_date,
        period_start=shifts[0][0].opened_at.isoformat(),
        period_end=end.isoformat(),
        shift_numbers=tuple(sh.number for sh, _ in shifts),
        shift_ids=tuple(ids),
        made_at=now.isoformat(),
        made_by=made_by,
        gross_sales=rows.gross,
        discounts=rows.discounts,
        refunds_count=rows.refunds_count,
        refunds_value=rows.refunds_value,
        voids_count=rows.voids_count,
        voids_value=rows.voids_value,
        rounding=rows.rounding,
        items=rows.items,
        sales_count=rows.sales_count,
        sales_total=rows.total,
        vat=tuple(
            VatRow(code, r[0], r[1], r[2])
            for code, r in sorted(vat.items(), key=lambda kv: order.get(kv[0], 99))
        ),
        tenders=tuple(tenders),
        opening_float=sum(sh.float_minor for sh, _ in shifts),
        cash_sales=next((t.amount for t in tenders if t.method == CASH), 0),
        cash_refunds=next((t.refunded for t in tenders if t.method == CASH), 0),
        paid_in=paid_in,
        paid_out=paid_out,
        no_sale_count=no_sales,
        movements=tuple(
            MovementRow(
                m.at.isoformat(),
                m.direction,
                m.kind,
                m.amount_minor,
                m.reason,
                m.by_user,
                m.approved_by,
            )
            for m in store.movements(session, ids)
        ),
        by_cashier=tuple(
            CashierRow(cid, str(v[0]), int(v[1]), int(v[2]))
            for cid, v in sorted(cashiers.items(), key=lambda kv: str(kv[1][0]))
        ),
        counted=tuple(
            CountedRow(m, v[0], v[1])
            for m, v in sorted(counted.items(), key=lambda kv: (kv[0] != CASH, kv[0]))
        ),
        training=ctx.training,
    )


def store_tenders(close: ShiftCloseRecord) -> list[tuple[str, int, int]]:
    """A close's per-tender check as stored: (method, expected, counted)."""
    import json

    return [(str(m), int(e), int(c)) for m, e, c in json.loads(close.tenders)]
