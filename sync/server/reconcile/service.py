"""Import a statement and reconcile it: read, load the ledger's payments, match, keep the result.

One call, one transaction: a statement is either imported with its summary and exceptions or
not at all. A statement is imported once: the same text again (SHA-256 of it, kept on the
import) is refused with :class:`AlreadyImported`, nothing kept, so importing the same file twice
never doubles its open exceptions. The ledger is read as plain rows (``values_list``), not
model instances, because a month is 100,000 payments (``kaunta bench headoffice``:
``reconcile_100k_s``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from sync.server.ledger.models import Sale, SalePayment
from sync.server.reconcile.matching import LedgerPayment, MatchResult, Outcome, ReconItem, match
from sync.server.reconcile.models import ReconDay, ReconException, StatementImport
from sync.server.reconcile.statements import (
    EAT,
    Gateway,
    GatewayLine,
    Statement,
    StatementError,
    read_statement,
)
from sync.server.terminals.models import Store

__all__ = [
    "AlreadyImported",
    "ImportResult",
    "import_statement",
    "ledger_payments",
    "statement_period",
]

#: Ledger payments this far outside the statement's period are still candidates for a match
#: (a sale closed at 23:59:58 whose money the gateway completed at 00:00:03), but are never
#: reported as ledger-only: the neighbouring statement covers them.
_MARGIN = timedelta(days=1)


class AlreadyImported(StatementError):
    """This statement's text was imported before (its exceptions are open there already)."""

    def __init__(self, earlier: StatementImport) -> None:
        self.earlier = earlier
        super().__init__(
            f"This statement was imported before ({earlier.file_name}, "
            f"{earlier.imported_at:%Y-%m-%d %H:%M} UTC, import {earlier.pk}): its exceptions "
            "are listed there. Nothing was imported."
        )


def text_digest(text: str) -> str:
    """SHA-256 (hex) of a statement's text with its line ends made ``\n`` and a leading BOM
    dropped: the same file read as bytes (the dashboard's upload) or as text (the command
    line, which turns CRLF into LF) is the same statement."""
    plain = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def _refuse_if_imported(digest: str) -> None:
    earlier = StatementImport.objects.filter(text_sha256=digest).first()
    if earlier is not None:
        raise AlreadyImported(earlier)


@dataclass(frozen=True, slots=True)
class ImportResult:
    statement: StatementImport
    result: MatchResult


def statement_period(statement: Statement) -> tuple[datetime, datetime]:
    """Whole days (East Africa Time) from the first line's day to the last line's."""
    if not statement.lines:
        raise StatementError("The statement has no transaction lines.")
    days = [ln.at.astimezone(EAT).date() for ln in statement.lines]
    start = datetime.combine(min(days), time.min, EAT)
    end = datetime.combine(max(days), time.max, EAT)
    return start, end


def ledger_payments(gateway: Gateway, start: datetime, end: datetime) -> list[LedgerPayment]:
    """Completed sales' payments by ``gateway`` closed in ``[start, end]``, as plain values."""
    rows = SalePayment.objects.filter(
        method=str(gateway),
        sale__status=Sale.Status.COMPLETED,
        sale__closed_at__gte=start,
        sale__closed_at__lte=end,
    ).values_list(
        "pk",
        "sale_id",
        "sale__store__code",
        "sale__business_date",
        "sale__receipt_number",
        "reference",
        "amount_minor",
        "sale__currency",
        "sale__closed_at",
    )
    return [
        LedgerPayment(str(pk), sale, store, day, receipt, ref or "", amount, cur, at)
        for pk, sale, store, day, receipt, ref, amount, cur, at in rows.iterator(chunk_size=5000)
    ]


def _store_namer(codes: Iterable[str]) -> Any:
    known = set(codes)

    def store_of(line: GatewayLine) -> str | None:
        # The till sends its receipt number STORE-TERMINAL-SEQ as the order reference.
        parts = line.order_ref.rsplit("-", 2)
        return parts[0] if len(parts) == 3 and parts[0] in known else None

    return store_of


def import_statement(
    gateway: Gateway | str,
    text: str,
    *,
    file_name: str = "statement.csv",
    user: Any = None,
    day_first: bool = True,
    window: timedelta = timedelta(minutes=15),
) -> ImportResult:
    """Read ``text`` as ``gateway``'s statement, reconcile it with the ledger, keep the result.

    Raises :class:`StatementError` (nothing kept) when the file is not such a statement, and
    :class:`AlreadyImported` (a StatementError) when the same text was imported before.
    """
    gw = Gateway(gateway)
    digest = text_digest(text)
    _refuse_if_imported(digest)  # before the matching: a repeat costs one indexed read
    statement = read_statement(gw, text, day_first=day_first)
    start, end = statement_period(statement)
    payments = ledger_payments(gw, start - _MARGIN, end + _MARGIN)
    stores = dict(Store.objects.values_list("code", "pk"))
    result = match(statement.lines, payments, window=window, store_of=_store_namer(stores))
    kept = [
        item
        for item in result.items
        if item.outcome is not Outcome.LEDGER_ONLY
        or (item.payment is not None and start <= item.payment.at <= end)
    ]
    result = MatchResult(tuple(kept), result.ignored_lines)
    try:
        row = _keep(gw, statement, text, digest, file_name, user, start, end, stores, result)
    except IntegrityError:  # the same file imported at the same moment by someone else
        _refuse_if_imported(digest)
        raise
    return ImportResult(row, result)


def _keep(
    gw: Gateway,
    statement: Statement,
    text: str,
    digest: str,
    file_name: str,
    user: Any,
    start: datetime,
    end: datetime,
    stores: dict[str, int],
    result: MatchResult,
) -> StatementImport:
    """Write the import, its days and its exceptions in one transaction."""
    kept = result.items
    with transaction.atomic():
        counts = {o: 0 for o in Outcome}
        for item in kept:
            counts[item.outcome] += 1
        row = StatementImport.objects.create(
            gateway=str(gw),
            account=statement.account,
            file_name=file_name[:200],
            text=text,
            text_sha256=digest,
            imported_by=user if getattr(user, "is_authenticated", False) else None,
            period_start=start,
            period_end=end,
            lines=len(statement.lines),
            ignored_lines=result.ignored_lines,
            matched=counts[Outcome.MATCHED],
            gateway_only=counts[Outcome.GATEWAY_ONLY],
            ledger_only=counts[Outcome.LEDGER_ONLY],
            amount_mismatch=counts[Outcome.AMOUNT_MISMATCH],
        )
        ReconDay.objects.bulk_create(
            ReconDay(
                statement=row,
                store_id=stores.get(s.store_code) if s.store_code else None,
                day=s.day,
                matched=s.counts[Outcome.MATCHED],
                gateway_only=s.counts[Outcome.GATEWAY_ONLY],
                ledger_only=s.counts[Outcome.LEDGER_ONLY],
                amount_mismatch=s.counts[Outcome.AMOUNT_MISMATCH],
                gateway_minor=s.gateway_minor,
                ledger_minor=s.ledger_minor,
            )
            for s in result.summary()
        )
        ReconException.objects.bulk_create(
            (_exception_row(row, item, stores) for item in result.exceptions), batch_size=2000
        )
    return row


def _exception_row(
    statement: StatementImport, item: ReconItem, stores: dict[str, int]
) -> ReconException:
    line, pay = item.line, item.payment
    return ReconException(
        statement=statement,
        outcome=str(item.outcome),
        store_id=stores.get(item.store_code) if item.store_code else None,
        day=item.day,
        line_no=line.line_no if line else None,
        reference=(line.reference if line else pay.reference if pay else "")[:100],
        order_ref=(line.order_ref if line else pay.receipt_number if pay else "")[:100],
        gateway_at=line.at if line else None,
        currency=line.currency if line else pay.currency if pay else "",
        gateway_minor=line.amount_minor if line else None,
        ledger_minor=pay.amount_minor if pay else None,
        sale_id=pay.sale_pk if pay else None,
        payment_id=int(pay.payment_id) if pay else None,
        matched_by=str(item.matched_by),
        note=item.note[:200],
    )
