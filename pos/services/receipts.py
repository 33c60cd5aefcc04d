"""Past receipts: the last paid one, finding any other, and reprinting it as a COPY.

A customer comes back with a receipt number, an M-Pesa message, or "I paid 1,250
yesterday"; the cashier finds the sale and shows or reprints it. Searches run in
``Database.read_session()`` (their own WAL snapshot: they never hold or wait for the
write lock), each bounded by ``limit`` and served by an index (see
:mod:`pos.store.journal_queries`). A reprint is audited as ``receipt_reprint`` and
printed marked COPY. Voided sales are listed, marked as such, because a voided receipt is
not a proof of payment; :meth:`ReceiptService.last_paid` never returns one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from pos.domain.errors import DomainError
from pos.domain.money import Money
from pos.domain.receipt import Receipt, build_receipt
from pos.domain.sale import SaleStatus
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import NotFound
from pos.store import journal_queries as jq
from pos.store import repositories as repo
from pos.store.db import Database

#: a search never lists more than this, whatever the caller asks for
MAX_LIMIT = 200
#: a payment reference is matched by prefix from this many characters (M-Pesa codes are
#: 10, PayPal capture ids 17, card approval codes 6), so typing an amount such as "65"
#: does not list every approval code that starts with 65
MIN_REFERENCE_PREFIX = 4

_AMOUNT = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")
_TRAILING_DIGITS = re.compile(r"(\d{1,12})$")
#: gateway references are letters and digits; receipt numbers (with dashes) and amounts
#: (with separators) never start a reference search
_REFERENCE = re.compile(rf"^[A-Za-z0-9]{{{MIN_REFERENCE_PREFIX},}}$")


@dataclass(frozen=True, slots=True)
class ReceiptSummary:
    """One past receipt as the browser lists it (safe to hand to the GUI thread)."""

    sale_id: str
    number: str
    #: when it was finished, in the shop's time zone
    closed_at: datetime
    #: the shop's business day it counts on
    day: date
    total: Money
    #: the total after cash (or a method's own) rounding: what the customer handed over
    to_pay: Money
    #: the tenders' printed labels ("Cash", "M-Pesa"), each once, in payment order
    methods: tuple[str, ...]
    #: the payments' references (M-Pesa receipt number, PayPal capture id, approval code)
    references: tuple[str, ...]
    voided: bool
    training: bool
    cashier: str
    item_count: int


class ReceiptService:
    """The journal of this till as receipts: look up, show, reprint (SELL needed)."""

    def __init__(
        self,
        db: Database,
        ctx: TerminalContext,
        clock: Clock,
        ids: IdFactory,
        auth: AuthService,
    ) -> None:
        self._db = db
        self._ctx = ctx
        self._clock = clock
        self._auth = auth
        self._audit = AuditWriter(ctx, clock, ids)

    # -- looking up ---------------------------------------------------------------------
    def today(self) -> date:
        """The shop's business day now (the browser opens on it)."""
        return date.fromisoformat(self._ctx.business_date(self._clock.now()))

    def last_paid(self) -> ReceiptSummary | None:
        """The newest completed sale of this till; voided sales are skipped."""
        self._auth.require(Permission.SELL)
        with self._db.read_session() as s:
            row = jq.latest_completed(s, self._ctx.terminal_id)
        return self._summary(row) if row is not None else None

    def find(
        self, text: str = "", day: date | None = None, limit: int = 50
    ) -> list[ReceiptSummary]:
        """Receipts matching what the cashier typed or scanned, newest first.

        ``text`` may be a receipt number or the start of one (``DEMO-T1-000042``), its
        trailing digits (``42``, ``000042``, ``T1-000042``: a scanned receipt barcode
        too), an amount (``65``, ``65.00``, ``1,250.50``: sales whose total, or what was
        to pay after rounding, equals it) or a payment reference or its first
        :data:`MIN_REFERENCE_PREFIX` characters. Receipt numbers and references name one
        sale, so they are found on any day; amounts are looked for on ``day`` (every
        day when None). Empty ``text`` lists ``day``'s receipts (the newest overall when
        None). At most ``limit`` (capped at :data:`MAX_LIMIT`) are returned; matches by
        number or reference come before amount matches when the limit cuts the list.
        """
        self._auth.require(Permission.SELL)
        limit = max(1, min(limit, MAX_LIMIT))
        text = " ".join(text.split())
        terminal = self._ctx.terminal_id
        with self._db.read_session() as s:
            if not text:
                if day is None:
                    rows = jq.newest(s, terminal, limit)
                else:
                    rows = jq.sales_of_day(s, day.isoformat(), limit)
                return [self._summary(r) for r in rows]
            found: dict[str, jq.JournalRow] = {}
            for row in self._by_identifier(s, text, limit):
                found.setdefault(row.sale_id, row)
            amount = self._amount(text)
            if amount is not None and len(found) < limit:
                business_date = day.isoformat() if day is not None else None
                for row in jq.sales_by_amount(s, amount.minor, limit, business_date):
                    if len(found) >= limit:
                        break
                    found.setdefault(row.sale_id, row)
        rows = sorted(found.values(), key=lambda r: r.seq, reverse=True)
        return [self._summary(r) for r in rows]

    def _by_identifier(self, s: Session, text: str, limit: int) -> list[jq.JournalRow]:
        """Matches by receipt number, trailing digits and payment reference."""
        upper = text.upper()
        rows = jq.sales_by_number(s, upper, limit)
        digits = _TRAILING_DIGITS.search(upper)
        if digits is not None:
            seq = int(digits.group(1))
            if seq > 0 and self._ctx.receipt_number(seq).endswith(upper):
                hit = jq.sale_by_seq(s, self._ctx.terminal_id, seq)
                if hit is not None:
                    rows.append(hit)
        if _REFERENCE.match(text):
            rows.extend(jq.sales_by_reference(s, (upper, text), limit))
        return rows

    def _amount(self, text: str) -> Money | None:
        """``text`` as an amount of the till's currency, or None if it is not one."""
        if not _AMOUNT.match(text):
            return None
        try:
            amount = Money.parse(text, self._ctx.currency)
        except DomainError:
            return None  # e.g. more decimals than the currency has
        return amount if amount.minor > 0 else None

    def _summary(self, row: jq.JournalRow) -> ReceiptSummary:
        return ReceiptSummary(
            sale_id=row.sale_id,
            number=row.number,
            closed_at=row.closed_at.astimezone(self._ctx.zone),
            day=date.fromisoformat(row.business_date),
            total=row.total,
            to_pay=row.total + row.rounding,
            methods=tuple(dict.fromkeys(t.label for t in row.tenders)),
            references=tuple(t.reference for t in row.tenders if t.reference),
            voided=row.status is SaleStatus.VOIDED,
            training=row.training,
            cashier=row.cashier_name,
            item_count=row.item_count,
        )

    # -- showing and reprinting ---------------------------------------------------------
    def receipt(self, sale_id: str) -> Receipt:
        """The receipt of a finished sale as it was printed (to look at; not a reprint)."""
        self._auth.require(Permission.SELL)
        with self._db.read_session() as s:
            entry = repo.sale_by_id(s, sale_id)
        if entry is None:
            raise NotFound("That receipt is not in this till's journal.")
        return self._receipt_of(entry)

    def reprint(self, sale_id: str) -> Receipt:
        """The receipt again, marked COPY; the reprint is audited (``receipt_reprint``)."""
        user = self._auth.require(Permission.SELL)
        with self._db.session() as s:
            entry = repo.sale_by_id(s, sale_id)
            if entry is None:
                raise NotFound("That receipt is not in this till's journal.")
            self._audit.write(
                s,
                user_id=user.user_id,
                action="receipt_reprint",
                document_id=sale_id,
                detail={"number": entry.number, "status": entry.sale.status.value},
            )
        return replace(self._receipt_of(entry), reprint=True)

    def _receipt_of(self, entry: repo.JournalEntry) -> Receipt:
        """The receipt document of a journal entry, with the shop as it was then."""
        return build_receipt(
            entry.sale,
            entry.sale.totals(entry.tax_table),
            store=entry.store or self._ctx.store,
            terminal_id=entry.terminal_id or self._ctx.terminal_id,
            number=entry.number,
            issued_at=entry.closed_at.astimezone(self._ctx.zone),
            cashier=entry.cashier_name,
            training=entry.training,
            change=entry.change,
        )
