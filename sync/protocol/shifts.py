"""Shift, cash and Z-report documents: ``shift.opened``, ``cash.moved``, ``shift.closed``
and ``report.z``.

Designed now for the manager's-day issue. The rule every one of them keeps is the cash-up
arithmetic: expected cash = opening float + cash sales - cash refunds + cash in - cash
out, where cash sales are cash tendered minus change. Counts by denomination add up to the
amount counted; a difference is counted - expected. A Z report is numbered per terminal
(1, 2, 3, ...) and chained: each names the previous Z's event hash, so a Z can be neither
re-run nor dropped unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sync.protocol.canonical import HASH_PREFIX
from sync.protocol.envelope import Header
from sync.protocol.fields import CODE_RE, CURRENCY_RE, Amount, Fields, iso_utc
from sync.protocol.sales import VatClass

_HASH_RE = re.compile(re.escape(HASH_PREFIX) + r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Denomination:
    """``count`` notes or coins of ``value`` minor units (KES 1000 = 100000)."""

    value: int
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}


@dataclass(frozen=True, slots=True)
class CashCount:
    """Cash counted by denomination; ``total`` is their sum."""

    denominations: tuple[Denomination, ...]
    total: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "denominations": [d.to_json() for d in self.denominations],
            "total": self.total.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> CashCount:
        items = []
        for d in f.items("denominations", max_len=50):
            items.append(
                Denomination(
                    d.integer("value", minimum=1, maximum=10**9),
                    d.integer("count", minimum=0, maximum=10**7),
                )
            )
        values = [d.value for d in items]
        if len(set(values)) != len(values):
            f.fail("denominations", "lists one denomination twice")
        total = f.nonneg_money("total", currency=currency)
        counted = sum(d.value * d.count for d in items)
        if total.minor != counted:
            f.fail("total", f"is {total.minor}; the denominations add up to {counted}")
        return cls(tuple(items), total)


@dataclass(frozen=True, slots=True)
class ShiftOpened:
    """``shift.opened``: a cashier's shift starts with a counted float."""

    shift_id: str
    opened_at: datetime
    business_date: date
    opened_by: str
    currency: str
    opening_float: CashCount

    def to_json(self) -> dict[str, Any]:
        return {
            "shift_id": self.shift_id,
            "opened_at": iso_utc(self.opened_at),
            "business_date": self.business_date.isoformat(),
            "opened_by": self.opened_by,
            "currency": self.currency,
            "opening_float": self.opening_float.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> ShiftOpened:
        currency = f.text("currency", max_len=3, pattern=CURRENCY_RE)
        return cls(
            shift_id=f.uuid("shift_id", v7=True),
            opened_at=f.timestamp("opened_at"),
            business_date=f.day("business_date"),
            opened_by=f.uuid("opened_by"),
            currency=currency,
            opening_float=CashCount.parse(f.obj("opening_float"), currency),
        )


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class CashMoved:
    """``cash.moved``: cash into or out of the drawer that is not a sale (a paid-out, a
    drop to the safe, a float top-up). ``kind`` is a code such as ``paid_out``, ``drop``,
    ``float_top_up``; above the shop's limit ``approved_by`` names the manager."""

    movement_id: str
    shift_id: str
    at: datetime
    direction: Direction
    kind: str
    amount: Amount
    reason: str
    by: str
    approved_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "movement_id": self.movement_id,
            "shift_id": self.shift_id,
            "at": iso_utc(self.at),
            "direction": self.direction.value,
            "kind": self.kind,
            "amount": self.amount.to_json(),
            "reason": self.reason,
            "by": self.by,
            "approved_by": self.approved_by,
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> CashMoved:
        return cls(
            movement_id=f.uuid("movement_id", v7=True),
            shift_id=f.uuid("shift_id", v7=True),
            at=f.timestamp("at"),
            direction=f.choice("direction", Direction),
            kind=f.text("kind", pattern=CODE_RE, max_len=40),
            amount=f.money("amount", positive=True),
            reason=f.text("reason", min_len=3, max_len=200, free=True),
            by=f.uuid("by"),
            approved_by=f.opt_uuid("approved_by"),
        )


@dataclass(frozen=True, slots=True)
class CashSummary:
    """The drawer's arithmetic: ``expected`` = float + sales - refunds + paid in - out."""

    opening_float: Amount
    sales: Amount
    refunds: Amount
    paid_in: Amount
    paid_out: Amount
    expected: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "opening_float": self.opening_float.to_json(),
            "sales": self.sales.to_json(),
            "refunds": self.refunds.to_json(),
            "paid_in": self.paid_in.to_json(),
            "paid_out": self.paid_out.to_json(),
            "expected": self.expected.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> CashSummary:
        cash = cls(
            opening_float=f.nonneg_money("opening_float", currency=currency),
            sales=f.nonneg_money("sales", currency=currency),
            refunds=f.nonneg_money("refunds", currency=currency),
            paid_in=f.nonneg_money("paid_in", currency=currency),
            paid_out=f.nonneg_money("paid_out", currency=currency),
            expected=f.money("expected", currency=currency),
        )
        want = (
            cash.opening_float.minor
            + cash.sales.minor
            - cash.refunds.minor
            + cash.paid_in.minor
            - cash.paid_out.minor
        )
        if cash.expected.minor != want:
            f.fail(
                "expected", f"is {cash.expected.minor}; float + sales - refunds + in - out = {want}"
            )
        return cash


@dataclass(frozen=True, slots=True)
class TenderCheck:
    """Expected against counted for one tender at close (``difference`` = counted -
    expected), in that tender's own currency."""

    method: str
    expected: Amount
    counted: Amount
    difference: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "expected": self.expected.to_json(),
            "counted": self.counted.to_json(),
            "difference": self.difference.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields) -> TenderCheck:
        expected = f.money("expected")
        counted = f.money("counted", currency=expected.currency)
        difference = f.money("difference", currency=expected.currency)
        if difference.minor != counted.minor - expected.minor:
            f.fail("difference", "is not counted - expected")
        return cls(f.text("method", pattern=CODE_RE, max_len=40), expected, counted, difference)


@dataclass(frozen=True, slots=True)
class ShiftClosed:
    """``shift.closed``: the blind count, what was expected, and the difference."""

    shift_id: str
    opened_at: datetime
    closed_at: datetime
    business_date: date
    closed_by: str
    approved_by: str | None
    currency: str
    cash: CashSummary
    counted: CashCount
    tenders: tuple[TenderCheck, ...]
    sales_count: int
    no_sale_count: int
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "shift_id": self.shift_id,
            "opened_at": iso_utc(self.opened_at),
            "closed_at": iso_utc(self.closed_at),
            "business_date": self.business_date.isoformat(),
            "closed_by": self.closed_by,
            "approved_by": self.approved_by,
            "currency": self.currency,
            "cash": self.cash.to_json(),
            "counted": self.counted.to_json(),
            "tenders": [t.to_json() for t in self.tenders],
            "sales_count": self.sales_count,
            "no_sale_count": self.no_sale_count,
            "note": self.note,
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> ShiftClosed:
        currency = f.text("currency", max_len=3, pattern=CURRENCY_RE)
        cash = CashSummary.parse(f.obj("cash"), currency)
        counted = CashCount.parse(f.obj("counted"), currency)
        tenders = tuple(TenderCheck.parse(t) for t in f.items("tenders", max_len=50))
        methods = [t.method for t in tenders]
        if len(set(methods)) != len(methods):
            f.fail("tenders", "lists one method twice")
        cash_rows = [t for t in tenders if t.method == "cash"]
        if len(cash_rows) != 1:
            f.fail("tenders", "needs exactly one cash row")
        row = cash_rows[0]
        if row.expected != cash.expected or row.counted != counted.total:
            f.fail("tenders", "the cash row must be cash.expected against counted.total")
        return cls(
            shift_id=f.uuid("shift_id", v7=True),
            opened_at=f.timestamp("opened_at"),
            closed_at=f.timestamp("closed_at"),
            business_date=f.day("business_date"),
            closed_by=f.uuid("closed_by"),
            approved_by=f.opt_uuid("approved_by"),
            currency=currency,
            cash=cash,
            counted=counted,
            tenders=tenders,
            sales_count=f.integer("sales_count", minimum=0),
            no_sale_count=f.integer("no_sale_count", minimum=0),
            note=f.text("note", max_len=300, free=True),
        )


@dataclass(frozen=True, slots=True)
class CountValue:
    """How many, and how much (refunds, voids)."""

    count: int
    value: Amount

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "value": self.value.to_json()}

    @classmethod
    def parse(cls, f: Fields, currency: str) -> CountValue:
        count = f.integer("count", minimum=0)
        value = f.nonneg_money("value", currency=currency)
        if count == 0 and value.minor:
            f.fail("value", "is not zero with a count of zero")
        return cls(count, value)


@dataclass(frozen=True, slots=True)
class VatSummary:
    """VAT of one class over the day: the sum of the documents' own VAT (each extracted
    per document), so it need not equal the rule applied to the day's gross."""

    vat_class: VatClass
    gross: Amount
    net: Amount
    vat: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            **self.vat_class.to_json(),
            "gross": self.gross.to_json(),
            "net": self.net.to_json(),
            "vat": self.vat.to_json(),
        }

    @classmethod
    def parse(cls, f: Fields, currency: str) -> VatSummary:
        row = cls(
            VatClass.parse(f),
            f.money("gross", currency=currency),
            f.money("net", currency=currency),
            f.money("vat", currency=currency),
        )
        if row.net.minor + row.vat.minor != row.gross.minor:
            f.fail("net", "net + vat is not the gross of the class")
        return row


@dataclass(frozen=True, slots=True)
class TenderTotal:
    """Takings by one method, in its own currency (PayPal in USD)."""

    method: str
    count: int
    amount: Amount

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "count": self.count, "amount": self.amount.to_json()}

    @classmethod
    def parse(cls, f: Fields) -> TenderTotal:
        return cls(
            f.text("method", pattern=CODE_RE, max_len=40),
            f.integer("count", minimum=0),
            f.money("amount"),
        )


@dataclass(frozen=True, slots=True)
class CashierTotal:
    cashier_id: str
    sales_count: int
    net_sales: Amount

    def to_json(self) -> dict[str, Any]:
        return {
            "cashier_id": self.cashier_id,
            "sales_count": self.sales_count,
            "net_sales": self.net_sales.to_json(),
        }


@dataclass(frozen=True, slots=True)
class PreviousZ:
    """The Z before this one on the same terminal: its id and its event's content hash."""

    z_id: str
    content_hash: str

    def to_json(self) -> dict[str, Any]:
        return {"z_id": self.z_id, "hash": self.content_hash}


@dataclass(frozen=True, slots=True)
class ZReport:
    """``report.z``: the end of a business day on one terminal, immutable and chained.

    ``net_sales`` = ``gross_sales`` - ``discounts`` - ``refunds.value``; voids are
    reported but were never sales."""

    z_id: str
    z_number: int
    previous: PreviousZ | None
    business_date: date
    period_start: datetime
    period_end: datetime
    shift_ids: tuple[str, ...]
    closed_by: str
    currency: str
    gross_sales: Amount
    discounts: Amount
    refunds: CountValue
    voids: CountValue
    net_sales: Amount
    vat: tuple[VatSummary, ...]
    tenders: tuple[TenderTotal, ...]
    cash: CashSummary
    sales_count: int
    no_sale_count: int
    by_cashier: tuple[CashierTotal, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "z_id": self.z_id,
            "z_number": self.z_number,
            "previous": None if self.previous is None else self.previous.to_json(),
            "business_date": self.business_date.isoformat(),
            "period_start": iso_utc(self.period_start),
            "period_end": iso_utc(self.period_end),
            "shift_ids": list(self.shift_ids),
            "closed_by": self.closed_by,
            "currency": self.currency,
            "gross_sales": self.gross_sales.to_json(),
            "discounts": self.discounts.to_json(),
            "refunds": self.refunds.to_json(),
            "voids": self.voids.to_json(),
            "net_sales": self.net_sales.to_json(),
            "vat": [v.to_json() for v in self.vat],
            "tenders": [t.to_json() for t in self.tenders],
            "cash": self.cash.to_json(),
            "sales_count": self.sales_count,
            "no_sale_count": self.no_sale_count,
            "by_cashier": [c.to_json() for c in self.by_cashier],
        }

    @classmethod
    def parse(cls, f: Fields, header: Header) -> ZReport:
        currency = f.text("currency", max_len=3, pattern=CURRENCY_RE)
        z_number = f.integer("z_number", minimum=1)
        previous_f = f.opt_obj("previous")
        if (previous_f is None) != (z_number == 1):
            f.fail("previous", "is required for every Z but the first, and only then absent")
        previous = None
        if previous_f is not None:
            previous = PreviousZ(
                previous_f.uuid("z_id", v7=True), previous_f.text("hash", pattern=_HASH_RE)
            )
        gross_sales = f.nonneg_money("gross_sales", currency=currency)
        discounts = f.nonneg_money("discounts", currency=currency)
        refunds = CountValue.parse(f.obj("refunds"), currency)
        net_sales = f.money("net_sales", currency=currency)
        want = gross_sales.minor - discounts.minor - refunds.value.minor
        if net_sales.minor != want:
            f.fail("net_sales", f"is {net_sales.minor}; gross - discounts - refunds = {want}")
        vat = tuple(VatSummary.parse(v, currency) for v in f.items("vat", max_len=50))
        codes = [v.vat_class.code for v in vat]
        if len(set(codes)) != len(codes):
            f.fail("vat", "lists one class twice")
        sales_count = f.integer("sales_count", minimum=0)
        by_cashier = tuple(
            CashierTotal(
                c.uuid("cashier_id"),
                c.integer("sales_count", minimum=0),
                c.money("net_sales", currency=currency),
            )
            for c in f.items("by_cashier", max_len=1000)
        )
        if sum(c.sales_count for c in by_cashier) != sales_count:
            f.fail("by_cashier", "sales counts do not add up to sales_count")
        if sum(c.net_sales.minor for c in by_cashier) != net_sales.minor:
            f.fail("by_cashier", "net sales do not add up to net_sales")
        shift_ids = tuple(f.uuid_list("shift_ids", v7=True, max_len=100))
        return cls(
            z_id=f.uuid("z_id", v7=True),
            z_number=z_number,
            previous=previous,
            business_date=f.day("business_date"),
            period_start=f.timestamp("period_start"),
            period_end=f.timestamp("period_end"),
            shift_ids=shift_ids,
            closed_by=f.uuid("closed_by"),
            currency=currency,
            gross_sales=gross_sales,
            discounts=discounts,
            refunds=refunds,
            voids=CountValue.parse(f.obj("voids"), currency),
            net_sales=net_sales,
            vat=vat,
            tenders=tuple(TenderTotal.parse(t) for t in f.items("tenders", max_len=50)),
            cash=CashSummary.parse(f.obj("cash"), currency),
            sales_count=sales_count,
            no_sale_count=f.integer("no_sale_count", minimum=0),
            by_cashier=by_cashier,
        )
