"""The organisation portal's statement export (CSV), as the sandbox's merchant account shows it.

Safaricom's M-Pesa org portal lets a business download its account statement; head office
imports it for reconciliation (sync/server/reconcile). This writes the same layout from the
sandbox's completed pushes (``MpesaSandbox.statement_csv``) or from any list of entries (tests,
``kaunta bench headoffice``).

Known: the column names and their order, amounts with two decimals and thousands commas, and
the preamble of account lines above the table. GUESS (docs/reconciliation.md, "Formats"):
the exact preamble labels, the day-first ``DD-MM-YYYY HH:MM:SS`` time format, the "Reason Type"
text for STK payments ("Pay Merchant Online" for a till, "Pay Bill Online" for a paybill), the
"Details" wording and how the payer's number is masked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos.payments.mpesa.sandbox.model import PendingPush

__all__ = ["COLUMNS", "StatementEntry", "sandbox_statement", "statement_csv"]

NAIROBI = timezone(timedelta(hours=3))
COLUMNS = (
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
_TIME = "%d-%m-%Y %H:%M:%S"


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One line of the statement. ``amount_cents`` > 0 is paid in, < 0 withdrawn."""

    receipt: str
    completed: datetime  # aware
    amount_cents: int
    phone: str = ""
    payer_name: str = ""
    account_reference: str = ""
    status: str = "Completed"
    reason: str = "Pay Merchant Online"
    initiated: datetime | None = None


def _masked(phone: str) -> str:
    return phone[:4] + "*" * max(0, len(phone) - 7) + phone[-3:] if len(phone) > 7 else phone


def _money(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def statement_csv(
    entries: Iterable[StatementEntry],
    *,
    shortcode: str,
    holder: str,
    start: datetime,
    end: datetime,
    opening_cents: int = 0,
) -> str:
    """The statement as the portal exports it: account lines, a blank line, the table."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["Account Holder:", holder])
    w.writerow(["Short Code:", shortcode])
    w.writerow(["Account:", "Merchant Account"])
    w.writerow(
        [
            "Time Period:",
            f"From {start.astimezone(NAIROBI):{_TIME}} To {end.astimezone(NAIROBI):{_TIME}}",
        ]
    )
    w.writerow([])
    w.writerow(COLUMNS)
    balance = opening_cents
    for e in entries:
        done = e.completed.astimezone(NAIROBI)
        began = (e.initiated or e.completed).astimezone(NAIROBI)
        paid_in = e.amount_cents if e.amount_cents > 0 else 0
        withdrawn = -e.amount_cents if e.amount_cents < 0 else 0
        if e.status == "Completed":
            balance += paid_in - withdrawn
        party = f"{_masked(e.phone)} - {e.payer_name}".strip(" -")
        details = (
            f"{e.reason} from {party}" if paid_in else f"{e.reason} Charge" if e.reason else ""
        )
        w.writerow(
            [
                e.receipt,
                f"{done:{_TIME}}",
                f"{began:{_TIME}}",
                details,
                e.status,
                _money(paid_in) if paid_in else "",
                _money(withdrawn) if withdrawn else "",
                _money(balance),
                "true",
                e.reason,
                party,
                "",
                e.account_reference,
            ]
        )
    return out.getvalue()


def sandbox_statement(
    done: Iterable[tuple[PendingPush, str, str]], *, shortcode: str, holder: str
) -> str:
    """Completed pushes (prompt, receipt, Daraja ``YYYYMMDDHHmmss`` time) as the statement."""
    entries = sorted(
        (
            StatementEntry(
                receipt=receipt,
                completed=datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI),
                amount_cents=info.amount * 100,
                phone=info.phone,
                account_reference=info.account_reference,
                initiated=info.created,
            )
            for info, receipt, stamp in done
        ),
        key=lambda e: e.completed,
    )
    now = datetime.now(UTC)
    start = entries[0].completed if entries else now
    return statement_csv(entries, shortcode=shortcode, holder=holder, start=start, end=now)
