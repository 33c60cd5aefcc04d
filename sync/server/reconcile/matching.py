"""Matching gateway lines to ledger payments: pure, so 100,000 lines match in well under a second.

Order of evidence, strongest first:

1. the gateway's own reference (M-Pesa receipt number, PayPal capture id) equals the reference
   the till recorded on the payment;
2. the order reference the till sent with the request (the receipt number, carried as the
   M-Pesa account reference or PayPal's custom id) names the sale; among that sale's payments
   of this gateway the one nearest in amount is taken;
3. a ledger payment with no gateway reference (the till never learned it: a crash, a lost
   answer) of exactly the same amount and currency, within ``window`` of the gateway's time:
   the nearest in time.

Whatever is matched is then compared: same amount and currency → ``matched``; otherwise
``amount_mismatch``. Gateway lines nothing claims are ``gateway_only`` (money with no sale);
ledger payments no line claims are ``ledger_only`` (a sale with no money at the gateway).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from sync.server.reconcile.statements import EAT, GatewayLine, LineKind

__all__ = [
    "DaySummary",
    "LedgerPayment",
    "MatchResult",
    "Outcome",
    "ReconItem",
    "match",
]


#: Daraja's AccountReference limit: the statement's "A/C No." holds at most this much of the
#: receipt number the till sent (gateways.md, STK push request fields).
ACCOUNT_REFERENCE_LIMIT = 12


class Outcome(StrEnum):
    MATCHED = "matched"
    GATEWAY_ONLY = "gateway_only"
    LEDGER_ONLY = "ledger_only"
    AMOUNT_MISMATCH = "amount_mismatch"


class MatchedBy(StrEnum):
    REFERENCE = "reference"
    ORDER = "order"
    AMOUNT_TIME = "amount_time"
    NONE = ""


class LedgerPayment(NamedTuple):
    """A gateway payment of a completed sale, as the ledger holds it (a named tuple, as
    :class:`GatewayLine`, for speed)."""

    payment_id: str
    sale_pk: int
    store_code: str
    business_date: date
    receipt_number: str
    reference: str
    amount_minor: int
    currency: str
    at: datetime  # the sale's close time (aware)


class ReconItem(NamedTuple):
    outcome: Outcome
    store_code: str | None
    day: date
    line: GatewayLine | None
    payment: LedgerPayment | None
    matched_by: MatchedBy = MatchedBy.NONE
    note: str = ""

    @property
    def difference_minor(self) -> int:
        """Gateway minus ledger (positive: the gateway holds more than the ledger says)."""
        gw = self.line.amount_minor if self.line else 0
        led = self.payment.amount_minor if self.payment else 0
        return gw - led


@dataclass(slots=True)
class DaySummary:
    store_code: str | None
    day: date
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    gateway_minor: int = 0
    ledger_minor: int = 0


@dataclass(frozen=True, slots=True)
class MatchResult:
    items: tuple[ReconItem, ...]
    ignored_lines: int  # statement lines that are not sale payments (charges, refunds…)

    def of(self, outcome: Outcome) -> list[ReconItem]:
        return [i for i in self.items if i.outcome is outcome]

    @property
    def exceptions(self) -> list[ReconItem]:
        return [i for i in self.items if i.outcome is not Outcome.MATCHED]

    def summary(self) -> list[DaySummary]:
        """Per store and day, in store then day order (unknown store last)."""
        out: dict[tuple[str | None, date], DaySummary] = {}
        for item in self.items:
            key = (item.store_code, item.day)
            row = out.get(key)
            if row is None:
                row = out[key] = DaySummary(item.store_code, item.day)
            row.counts[item.outcome] += 1
            row.gateway_minor += item.line.amount_minor if item.line else 0
            row.ledger_minor += item.payment.amount_minor if item.payment else 0
        return sorted(out.values(), key=lambda s: (s.store_code is None, s.store_code or "", s.day))


def _compare(line: GatewayLine, pay: LedgerPayment, how: MatchedBy, note: str = "") -> ReconItem:
    same = line.amount_minor == pay.amount_minor and line.currency == pay.currency
    if not same and line.currency != pay.currency:
        note = (note + " " if note else "") + f"currency {line.currency} vs {pay.currency}"
    return ReconItem(
        Outcome.MATCHED if same else Outcome.AMOUNT_MISMATCH,
        pay.store_code,
        pay.business_date,
        line,
        pay,
        how,
        note,
    )


def match(
    lines: Iterable[GatewayLine],
    payments: Sequence[LedgerPayment],
    *,
    window: timedelta = timedelta(minutes=15),
    store_of: Callable[[GatewayLine], str | None] = lambda line: None,
) -> MatchResult:
    """Match ``lines`` (one statement) to ``payments`` (the ledger's, same gateway and period).

    ``store_of`` names the store of a line no payment claims (from its order reference or
    the account it was paid into), so gateway-only money still lands on a store's day.
    """
    by_ref: dict[str, LedgerPayment] = {}
    by_order: dict[str, list[LedgerPayment]] = defaultdict(list)
    by_prefix: dict[str, list[LedgerPayment]] = defaultdict(list)
    unreferenced: dict[tuple[str, int], list[tuple[datetime, int]]] = defaultdict(list)
    for i, p in enumerate(payments):
        if p.reference:
            by_ref.setdefault(p.reference, p)
        else:
            unreferenced[(p.currency, p.amount_minor)].append((p.at, i))
        if p.receipt_number:
            by_order[p.receipt_number].append(p)
            if len(p.receipt_number) > ACCOUNT_REFERENCE_LIMIT:
                # M-Pesa keeps only 12 characters of the AccountReference the till sent:
                # many receipts share those, so such a match also needs amount and time.
                by_prefix[p.receipt_number[:ACCOUNT_REFERENCE_LIMIT]].append(p)
    for bucket in unreferenced.values():
        bucket.sort()
    used: set[str] = set()
    seen_refs: set[str] = set()
    items: list[ReconItem] = []
    ignored = 0
    for line in lines:
        if line.kind is not LineKind.PAYMENT:
            ignored += 1
            continue
        if line.reference in seen_refs:
            items.append(_orphan(line, store_of, "the same gateway reference twice"))
            continue
        seen_refs.add(line.reference)
        pay = by_ref.get(line.reference)
        if pay is not None and pay.payment_id not in used:
            used.add(pay.payment_id)
            items.append(_compare(line, pay, MatchedBy.REFERENCE))
            continue
        found = _by_order(line, by_order.get(line.order_ref, ()), used)
        if found is not None:
            used.add(found.payment_id)
            note = "" if not found.reference else f"till recorded reference {found.reference}"
            items.append(_compare(line, found, MatchedBy.ORDER, note))
            continue
        found = _by_prefix(line, by_prefix.get(line.order_ref, ()), used, window)
        if found is not None:
            used.add(found.payment_id)
            items.append(
                _compare(line, found, MatchedBy.ORDER, "first 12 characters, amount, time")
            )
            continue
        found = _by_time(
            line, unreferenced.get((line.currency, line.amount_minor)), payments, used, window
        )
        if found is not None:
            used.add(found.payment_id)
            items.append(_compare(line, found, MatchedBy.AMOUNT_TIME, "no reference on the till"))
            continue
        items.append(_orphan(line, store_of, ""))
    for p in payments:
        if p.payment_id not in used:
            items.append(ReconItem(Outcome.LEDGER_ONLY, p.store_code, p.business_date, None, p))
    return MatchResult(tuple(items), ignored)


def _orphan(
    line: GatewayLine, store_of: Callable[[GatewayLine], str | None], note: str
) -> ReconItem:
    return ReconItem(
        Outcome.GATEWAY_ONLY,
        store_of(line),
        line.at.astimezone(EAT).date(),
        line,
        None,
        MatchedBy.NONE,
        note,
    )


def _by_order(
    line: GatewayLine, candidates: Iterable[LedgerPayment], used: set[str]
) -> LedgerPayment | None:
    free = [p for p in candidates if p.payment_id not in used]
    if not free:
        return None
    return min(free, key=lambda p: (abs(p.amount_minor - line.amount_minor), p.payment_id))


def _by_prefix(
    line: GatewayLine, candidates: Iterable[LedgerPayment], used: set[str], window: timedelta
) -> LedgerPayment | None:
    free = [
        p
        for p in candidates
        if p.payment_id not in used
        and p.amount_minor == line.amount_minor
        and p.currency == line.currency
        and abs(p.at - line.at) <= window
    ]
    return min(free, key=lambda p: abs(p.at - line.at)) if free else None


def _by_time(
    line: GatewayLine,
    bucket: list[tuple[datetime, int]] | None,
    payments: Sequence[LedgerPayment],
    used: set[str],
    window: timedelta,
) -> LedgerPayment | None:
    if not bucket:
        return None
    lo = bisect.bisect_left(bucket, (line.at - window, -1))
    best: tuple[timedelta, int] | None = None
    for at, i in bucket[lo:]:
        if at > line.at + window:
            break
        if payments[i].payment_id in used:
            continue
        gap = abs(at - line.at)
        if best is None or gap < best[0]:
            best = (gap, i)
    return payments[best[1]] if best is not None else None
