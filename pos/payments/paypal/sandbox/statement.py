"""PayPal's activity download (CSV, "Balance affecting") as the sandbox's merchant account shows it.

PayPal's Reports → Activity download writes one line per balance-affecting transaction; head
office imports it for reconciliation (sync/server/reconcile). This writes that layout from the
sandbox's captures and refunds (``PayPalSandbox.activity_csv``) or from any entries (tests,
``kaunta bench headoffice``).

Known: the column names in their 2018 order (several importers quote the same header), one
line per capture ("Express Checkout Payment", Balance Impact "Credit") and per refund ("Payment
Refund", "Debit", Reference Txn ID = the capture), Gross/Fee/Net with two decimals. GUESS
(docs/reconciliation.md, "Formats"): the date order (it follows the account's locale; the
sandbox writes day first, as a Kenyan account would), the TimeZone names, and whether the
Transaction ID of an Orders-v2 capture is the capture id (the sandbox writes the capture id,
which is what the till keeps as its reference).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from pos.payments.paypal.sandbox.rules import decimals
from pos.payments.paypal.sandbox.views import capture_json

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.server import PayPalSandbox

__all__ = ["COLUMNS", "ActivityEntry", "activity_csv", "sandbox_activity"]

COLUMNS = (
    "Date", "Time", "TimeZone", "Name", "Type", "Status", "Currency", "Gross", "Fee", "Net",
    "From Email Address", "To Email Address", "Transaction ID", "Shipping Address",
    "Address Status", "Item Title", "Item ID", "Shipping and Handling Amount",
    "Insurance Amount", "Sales Tax", "Option 1 Name", "Option 1 Value", "Option 2 Name",
    "Option 2 Value", "Reference Txn ID", "Invoice Number", "Custom Number", "Quantity",
    "Receipt ID", "Balance", "Country Code", "Balance Impact",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """One line. ``gross_minor`` > 0 money in (a capture), < 0 money out (a refund)."""

    transaction_id: str
    at: datetime  # aware
    gross_minor: int
    currency: str = "USD"
    fee_minor: int = 0  # as PayPal shows it: negative for a fee taken
    name: str = ""
    email: str = ""
    type: str = "Express Checkout Payment"
    status: str = "Completed"
    custom: str = ""
    invoice: str = ""
    reference_txn: str = ""


def _amount(minor: int, digits: int) -> str:
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole:,}" + (f".{frac:0{digits}d}" if digits else "")


def activity_csv(
    entries: Iterable[ActivityEntry],
    *,
    zone_name: str = "EAT",
    offset: timedelta = timedelta(hours=3),
    day_first: bool = True,
    merchant_email: str = "duka@example.co.ke",
    digits: int = 2,
) -> str:
    """The activity download: a header line and one line per entry, oldest first."""
    zone = timezone(offset)
    date_fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(COLUMNS)
    balance = 0
    for e in entries:
        local = e.at.astimezone(zone)
        net = e.gross_minor + e.fee_minor
        if e.status == "Completed":
            balance += net
        credit = e.gross_minor >= 0
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            {
                "Date": local.strftime(date_fmt),
                "Time": local.strftime("%H:%M:%S"),
                "TimeZone": zone_name,
                "Name": e.name,
                "Type": e.type,
                "Status": e.status,
                "Currency": e.currency,
                "Gross": _amount(e.gross_minor, digits),
                "Fee": _amount(e.fee_minor, digits),
                "Net": _amount(net, digits),
                "From Email Address": e.email if credit else merchant_email,
                "To Email Address": merchant_email if credit else e.email,
                "Transaction ID": e.transaction_id,
                "Reference Txn ID": e.reference_txn,
                "Invoice Number": e.invoice,
                "Custom Number": e.custom,
                "Quantity": "1" if credit else "",
                "Balance": _amount(balance, digits),
                "Balance Impact": "Credit" if credit else "Debit",
            }
        )
        w.writerow([row[c] for c in COLUMNS])
    return out.getvalue()


def sandbox_activity(sb: PayPalSandbox, *, day_first: bool = True) -> str:
    """The sandbox's captures (completed or refunded) and refunds as the activity CSV."""

    def minor(value: Decimal, currency: str) -> int:
        return int(value.scaleb(decimals(currency)))

    def when(stamp: str) -> datetime:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    entries: list[ActivityEntry] = []
    with sb._lock:
        for c in sb._captures.values():
            if c.status != "COMPLETED" and not c.refunded:
                continue
            fee = capture_json(sb, c, True)["seller_receivable_breakdown"]["paypal_fee"]
            order = sb._orders.get(c.order_id)
            entries.append(
                ActivityEntry(
                    transaction_id=c.id,
                    at=when(c.create_time),
                    gross_minor=minor(c.value, c.currency),
                    currency=c.currency,
                    fee_minor=-minor(Decimal(fee["value"]), c.currency),
                    custom=c.custom_id,
                    invoice=order.invoice_id if order else "",
                )
            )
        for r in sb._refunds.values():
            entries.append(
                ActivityEntry(
                    transaction_id=r.id,
                    at=when(r.create_time),
                    gross_minor=-minor(r.value, r.currency),
                    currency=r.currency,
                    type="Payment Refund",
                    reference_txn=r.capture_id,
                )
            )
    entries.sort(key=lambda e: e.at)
    return activity_csv(entries, day_first=day_first)
