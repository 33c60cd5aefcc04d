"""Gateway statements read into plain values: the M-Pesa org-portal CSV and PayPal's activity CSV.

Pure (standard library and ``pos.domain.money``): no database, no clock. Each reader finds the
header row by its column names (not by position), keeps every line it read (so nothing is
silently dropped) and marks which lines are money received for a sale (``kind == PAYMENT``);
charges, settlements, refunds and the like are ``OTHER`` and are counted, not matched.

What is known and what is a guess about the formats is written in docs/reconciliation.md
("Formats"). In short: the column names are as the portals export them; the M-Pesa
preamble lines, its date format and PayPal's date order and time-zone names vary by account and
locale, so the readers accept the variants named below and refuse anything else with the line
number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from operator import itemgetter
from typing import NamedTuple

from pos.domain.errors import DomainError
from pos.domain.money import Money

__all__ = [
    "EAT",
    "MPESA_COLUMNS",
    "PAYPAL_COLUMNS",
    "Gateway",
    "GatewayLine",
    "LineKind",
    "Statement",
    "StatementError",
    "read_mpesa_statement",
    "read_paypal_activity",
]

#: East Africa Time: Kenya keeps UTC+3 all year (no daylight saving).
EAT = timezone(timedelta(hours=3), "EAT")


class Gateway(StrEnum):
    MPESA = "mpesa"
    PAYPAL = "paypal"


class LineKind(StrEnum):
    PAYMENT = "payment"  # money in for a sale: matched against the ledger
    OTHER = "other"  # charges, withdrawals, refunds, holds: kept, counted, not matched


class StatementError(ValueError):
    """The file is not a statement this reader knows; the message names the line."""


class GatewayLine(NamedTuple):
    """One transaction line of a statement, in the ledger's terms.

    A named tuple rather than a frozen dataclass: a month is 100,000 of them, and a tuple is
    made four times faster (``reconcile_100k_s``)."""

    gateway: Gateway
    line_no: int  # 1-based line of the file (for the person checking it)
    reference: str  # M-Pesa receipt number / PayPal transaction (capture) id
    order_ref: str  # M-Pesa A/C No. / PayPal custom or invoice number (the till's receipt)
    amount_minor: int  # money in, minor units (always >= 0 for PAYMENT lines)
    currency: str
    at: datetime  # aware (completion time)
    status: str
    kind: LineKind
    details: str  # the statement's own description (payer masked as the gateway masks it)


@dataclass(frozen=True, slots=True)
class Statement:
    gateway: Gateway
    account: str  # M-Pesa short code / PayPal: empty (the activity file does not say)
    lines: tuple[GatewayLine, ...]

    @property
    def payments(self) -> list[GatewayLine]:
        return [ln for ln in self.lines if ln.kind is LineKind.PAYMENT]


# -- M-Pesa organisation portal ------------------------------------------------------------

#: The statement's columns, as the org portal exports them (order kept by the sandbox).
MPESA_COLUMNS: tuple[str, ...] = (
    "Receipt No.",
    "Completion Time",
    "Initiation Time",
    "Details",
    "Transaction Status",
    "Paid In",
    "Withdrawn",
    "Balance",
    "Balance Confirmed",
    "Reason Type",
    "Other Party Info",
    "Linked Transaction ID",
    "A/C No.",
)
_MPESA_REQUIRED = ("Receipt No.", "Completion Time", "Transaction Status", "Paid In")
#: GUESS: exports seen quote both layouts; the portal's on-screen form is day-first.
_MPESA_TIME_FORMATS = ("%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")
#: Money received for a sale. GUESS: the Reason Type texts for STK (Lipa na M-Pesa) payments.
_MPESA_PAYMENT_REASONS = frozenset(
    {"pay merchant online", "pay bill online", "pay utility online", "buy goods online"}
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _header_index(
    rows: Sequence[Sequence[str]], required: Sequence[str]
) -> tuple[int, dict[str, int]]:
    want = {_norm(c) for c in required}
    for i, row in enumerate(rows[:40]):
        cols = {_norm(c): j for j, c in enumerate(row)}
        if want <= set(cols):
            return i, cols
    raise StatementError(
        "No header row with the columns " + ", ".join(required) + " in the first 40 lines."
    )


def _getter(cols: dict[str, int], name: str) -> Callable[[Sequence[str]], str]:
    """A reader of one named column (looked up once per file, not once per line)."""
    j = cols.get(_norm(name))
    if j is None:
        return lambda row: ""
    return lambda row: row[j].strip() if j < len(row) else ""


_PLAIN_AMOUNT = re.compile(r"^(\d{1,3}(?:,\d{3})*|\d+)\.(\d\d)$")


def _amount(text: str, currency: str, line_no: int) -> int:
    text = text.strip().replace(" ", "")
    if not text:
        return 0
    plain = _PLAIN_AMOUNT.match(text) if currency == "KES" else None
    if plain:  # the common case, 1,234.50: read without the general parser
        return int(plain.group(1).replace(",", "")) * 100 + int(plain.group(2))
    try:
        return abs(Money.parse(text.lstrip("+"), currency).minor)
    except DomainError as exc:
        raise StatementError(f"Line {line_no}: {text!r} is not an amount ({exc}).") from None


_DMY_TIME = re.compile(r"^(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d):(\d\d)$")


def _mpesa_time(text: str, line_no: int) -> datetime:
    m = _DMY_TIME.match(text)
    if m:  # the portal's own layout, read without strptime (100,000 lines a month)
        d, mo, y, h, mi, se = map(int, m.groups())
        try:
            return datetime(y, mo, d, h, mi, se, tzinfo=EAT)
        except ValueError:
            raise StatementError(f"Line {line_no}: {text!r} is not a date and time.") from None
    for fmt in _MPESA_TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=EAT)
        except ValueError:
            continue
    raise StatementError(f"Line {line_no}: {text!r} is not a date and time.")


def read_mpesa_statement(text: str) -> Statement:
    """The org portal's statement CSV (preamble lines, then the transaction table)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    start, cols = _header_index(rows, _MPESA_REQUIRED)
    account = ""
    for row in rows[:start]:
        if row and _norm(row[0]) in ("shortcode", "organizationshortcode", "tillnumber"):
            account = row[1].strip() if len(row) > 1 else ""
    names = ("Receipt No.", "Transaction Status", "Paid In", "Withdrawn", "Reason Type",
             "A/C No.", "Completion Time", "Details")  # fmt: skip
    width = max(cols.values()) + 1
    pick = itemgetter(*(cols.get(_norm(n), width) for n in names))  # width: the blank pad
    pad = [""] * (width + 1)
    lines: list[GatewayLine] = []
    for offset, row in enumerate(rows[start + 1 :], start=start + 2):
        if not "".join(row).strip():
            continue
        if len(row) <= width:
            row = row + pad[len(row) :]
        receipt, status, paid_text, withdrawn_text, reason, account_ref, completed, details = (
            c.strip() for c in pick(row)
        )
        paid_in = _amount(paid_text, "KES", offset)
        withdrawn = _amount(withdrawn_text, "KES", offset) if withdrawn_text else 0
        is_payment = (
            paid_in > 0
            and withdrawn == 0
            and status.lower() == "completed"
            and (not reason or reason.lower() in _MPESA_PAYMENT_REASONS)
        )
        lines.append(
            GatewayLine(
                gateway=Gateway.MPESA,
                line_no=offset,
                reference=receipt,
                order_ref=account_ref,
                amount_minor=paid_in if paid_in else withdrawn,
                currency="KES",
                at=_mpesa_time(completed, offset),
                status=status,
                kind=LineKind.PAYMENT if is_payment else LineKind.OTHER,
                details=details,
            )
        )
    return Statement(Gateway.MPESA, account, tuple(lines))


# -- PayPal activity download (CSV, "Balance affecting") -----------------------------------

#: The activity download's first columns (its 2018 layout; later columns are ignored).
PAYPAL_COLUMNS: tuple[str, ...] = (
    "Date",
    "Time",
    "TimeZone",
    "Name",
    "Type",
    "Status",
    "Currency",
    "Gross",
    "Fee",
    "Net",
    "From Email Address",
    "To Email Address",
    "Transaction ID",
    "Reference Txn ID",
    "Invoice Number",
    "Custom Number",
    "Balance Impact",
)
_PAYPAL_REQUIRED = ("Date", "Time", "TimeZone", "Status", "Currency", "Gross", "Transaction ID")
#: GUESS: the zone names PayPal writes depend on the account's setting; these are accepted.
_ZONES: dict[str, timezone] = {
    "UTC": UTC,
    "GMT": UTC,
    "EAT": EAT,
    "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)),
    "CET": timezone(timedelta(hours=1)),
    "CEST": timezone(timedelta(hours=2)),
}
_OFFSET_RE = re.compile(r"^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$")
_NOT_SALE_TYPES = ("refund", "reversal", "withdraw", "transfer", "hold", "fee", "conversion")


def _zone(name: str, line_no: int) -> timezone:
    name = name.strip().upper()
    if name in _ZONES:
        return _ZONES[name]
    m = _OFFSET_RE.match(name)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(-delta if m.group(1) == "-" else delta)
    raise StatementError(f"Line {line_no}: unknown time zone {name!r}.")


def read_paypal_activity(text: str, *, day_first: bool = True) -> Statement:
    """PayPal's activity CSV. ``day_first``: dates are DD/MM/YYYY (False: MM/DD/YYYY, US)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    start, cols = _header_index(rows, _PAYPAL_REQUIRED)
    date_fmt = "%d/%m/%Y %H:%M:%S" if day_first else "%m/%d/%Y %H:%M:%S"
    get = {name: _getter(cols, name) for name in PAYPAL_COLUMNS}
    lines: list[GatewayLine] = []
    for offset, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(c.strip() for c in row):
            continue
        stamp = f"{get['Date'](row)} {get['Time'](row)}"
        try:
            local = datetime.strptime(stamp, date_fmt)
        except ValueError:
            raise StatementError(f"Line {offset}: {stamp!r} is not a date and time.") from None
        currency = get["Currency"](row).upper()
        gross_text = get["Gross"](row).replace(" ", "")
        status = get["Status"](row)
        kind_text = get["Type"](row).lower()
        impact = get["Balance Impact"](row).lower()
        gross = _amount(gross_text, currency, offset)
        credit = not gross_text.startswith("-") if not impact else impact == "credit"
        is_payment = (
            credit
            and gross > 0
            and status.lower() == "completed"
            and not any(word in kind_text for word in _NOT_SALE_TYPES)
        )
        lines.append(
            GatewayLine(
                gateway=Gateway.PAYPAL,
                line_no=offset,
                reference=get["Transaction ID"](row),
                order_ref=get["Custom Number"](row) or get["Invoice Number"](row),
                amount_minor=gross,
                currency=currency,
                at=local.replace(tzinfo=_zone(get["TimeZone"](row), offset)),
                status=status,
                kind=LineKind.PAYMENT if is_payment else LineKind.OTHER,
                details=get["Type"](row),
            )
        )
    return Statement(Gateway.PAYPAL, "", tuple(lines))


def read_statement(gateway: Gateway | str, text: str, *, day_first: bool = True) -> Statement:
    """Either reader by the gateway's code."""
    if Gateway(gateway) is Gateway.MPESA:
        return read_mpesa_statement(text)
    return read_paypal_activity(text, day_first=day_first)


def references(lines: Iterable[GatewayLine]) -> set[str]:
    return {ln.reference for ln in lines}
