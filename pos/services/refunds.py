"""Refunds and returns: money back for goods, as a document of its own.

A refund names its original sale (found by receipt number, scanned receipt barcode, amount,
day or payment reference through :class:`~pos.services.receipts.ReceiptService`), gives back
whole lines or chosen quantities, and never more than was sold: earlier refunds of the same
lines count (:func:`pos.domain.refund.line_refund`), re-read inside the transaction that
writes the refund. One refund per sale is in progress at a time on this till.

Money goes back by the original tenders (:func:`pos.domain.refund.allocate_tenders`):

- cash from the drawer for cash;
- through the method where it can refund (PayPal: a capture refund, in the currency PayPal
  took, proportionally; a card method that declares ``refund``): the gateway is called
  between the store steps, never on the till worker (:mod:`pos.services.steps`), with the
  refund's own idempotency key, and an audit entry (``refund_started``) is written before;
- otherwise by hand (an M-Pesa reversal the manager makes, its reference recorded) or as
  cash, which for a non-cash tender needs ``refund_to_cash`` (a manager).

The refund, its lines and tenders, its seal in the journal chain (kind ``refund``: the
digest of its rows as stored, verified at start-up like a sale's), its ``refund.completed``
outbox event and its audit entry (with the SHA-256 of the printed document) are written in
ONE transaction. A return without a receipt needs ``return_without_receipt``
(a manager), a reason, and gives cash back at today's prices.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pos.domain.barcode import normalize_barcode
from pos.domain.errors import DomainError
from pos.domain.messages import Message, define
from pos.domain.money import Money
from pos.domain.receipt import LABEL_DETAIL
from pos.domain.refund import (
    REASON_CODES,
    RefundError,
    RefundReceipt,
    RefundReceiptLine,
    RefundReceiptTender,
    TenderHow,
    TenderShare,
    allocate_tenders,
    foreign_share,
    line_refund,
    trim_to_paid,
)
from pos.domain.sale import SaleStatus
from pos.domain.tax import TaxClass, vat_from_gross
from pos.payments.base import (
    AttemptRef,
    Capability,
    GatewayUnavailable,
    PaymentMethod,
    RefundResult,
)
from pos.services import refund_attempts as attempts_store
from pos.services import refund_remote as remote
from pos.services.audit import AuditWriter
from pos.services.auth import Approval, AuthService, Permission
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import NotFound, ServiceError
from pos.services.receipts import ReceiptSummary
from pos.services.refund_attempts import RefundAttemptState, attempt_id
from pos.services.refund_documents import receipt_from_document, stored_document
from pos.services.refund_recovery import (
    ALREADY_WAITING,
    METHOD_NOT_REACHED,
    NOT_SET_UP,
    REFUND_WAITING,
    RefundWaiting,
    encode_request,
)
from pos.services.refund_resolution import RefundResolution
from pos.services.refund_values import (
    PendingRefund,
    PlannedTender,
    RefundableLine,
    RefundableSale,
    RefundableTender,
    RefundDone,
    RefundPlan,
    RefundRequest,
    RefusedRefund,
    ResolvedRefund,
    vat_rows,
    with_vat,
)
from pos.services.refusal_messages import parked_message
from pos.services.shifts import expected_in_drawer, require_open_shift
from pos.services.steps import NetCall, Steps, run_inline
from pos.services.sync_events import buyer_customer, refund_document
from pos.store import attempts, journal_chain
from pos.store import refunds as store
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.errors import StoreError
from pos.store.models import OutboxEvent, RefundLineRecord, RefundRecord
from sync.protocol.fields import Amount
from sync.protocol.refunds import OriginalSale, RefundCompleted, RefundLine, RefundTender
from sync.protocol.sales import Customer, VatClass, VatTotal

__all__ = [  # the values live in refund_values; the screens and tests import them from here
    "PendingRefund",
    "PlannedTender",
    "RefundDone",
    "RefundPlan",
    "RefundRequest",
    "RefundService",
    "RefundSummary",
    "RefundWaiting",
    "RefundableLine",
    "RefundableSale",
    "RefundableTender",
    "RefusedRefund",
    "ResolvedRefund",
    "refund_number",
]

log = logging.getLogger(__name__)
CASH = "cash"
AState = RefundAttemptState
#: a refund as lists show it (for the screens, which do not import the store)
RefundSummary = store.RefundSummary
VOIDED = define("refund_voided", "Receipt {number} was voided: nothing was paid to refund.")
NO_LINE = define("refund_no_line", "Receipt {number} has no line {line}.")
LINE_PROBLEM = define("refund_line_problem", "{item}: {problem}")
NOT_THAT_WAY = define("refund_not_that_way", "{label} cannot be given back that way.")
REVERSAL_FIRST = define(
    "refund_reversal_first",
    "Make the {label} reversal of {amount} first, then type its reference (or give it back "
    "as cash, with a manager's approval).",
)
GATEWAY_FAILED = define("refund_gateway_failed", "The refund was refused: {problem}")
GATEWAY_FAILED_AFTER = define(
    "refund_gateway_failed_after",
    "The refund was refused: {problem} Already given back: {given}.",
)
METHOD_DECLINED = define(
    "refund_method_declined",
    "{label} did not give the money back: {problem} Nothing is recorded as refunded. "
    "Try again, or choose cash from the drawer for this tender (a manager approves).",
)
METHOD_NO_ANSWER = define(
    "refund_method_no_answer",
    "{label} did not answer: {problem} Nothing is recorded as refunded. Before trying "
    "again, look at its last transaction (or its slip): if it shows this refund approved, "
    "the money went back; do not refund again, and tell head office its receipt number.",
)
METHOD_NO_ANSWER_AFTER = define(
    "refund_method_no_answer_after",
    "{label} did not answer: {problem} Nothing is recorded as refunded, but some money "
    "went back already: {given}. Tell head office before trying again.",
)
DRAWER_SHORT = define(
    "refund_drawer_short",
    "The drawer should hold only {expected}: {amount} cannot be given back from it in cash. "
    "Give back at most {expected} in cash and the rest through another method, or have a "
    "manager pay cash in first (cash in).",
)
NO_PRODUCT = define("refund_no_product", "No product has barcode or SKU {code}.")
CHOOSE_REASON = define("refund_choose_reason", "Choose a reason for the refund ({reasons}).")
#: the refund counter of a terminal (its own sequence: sale receipt numbers stay gap-free)
REFUND_COUNTER = "refund"
#: refund numbers are ``STORE-TERMINAL-9<seq, 11 digits>``: the protocol's receipt number
#: form (digits after the terminal), in a range sale numbers never reach
REFUND_NUMBER_LEAD = "9"


def refund_number(ctx: TerminalContext, seq: int) -> str:
    return f"{ctx.store.store_id}-{ctx.terminal_id}-{REFUND_NUMBER_LEAD}{seq:011d}"


class RefundService:
    """Refunds of this terminal's (and, later, head office's) sales."""

    def __init__(
        self,
        db: Database,
        ctx: TerminalContext,
        clock: Clock,
        ids: IdFactory,
        auth: AuthService,
        methods: Mapping[str, PaymentMethod] | None = None,
    ) -> None:
        self._db = db
        self._ctx = ctx
        self._clock = clock
        self._ids = ids
        self._auth = auth
        self._audit = AuditWriter(ctx, clock, ids)
        self._methods: dict[str, PaymentMethod] = dict(methods or {})
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._resolution = RefundResolution(self)
        #: asks head office for another till's sale (None: not enrolled)
        self._lookup: remote.SaleLookup | None = None
        #: sales of other tills found at head office, by sale id (until the till closes)
        self._remote: dict[str, remote.RemoteSale] = {}

    def use_lookup(self, lookup: remote.SaleLookup | None) -> None:
        """How to ask head office for another till's sale (set while the till is enrolled
        and its sync agent runs; None when it stops)."""
        self._lookup = lookup

    @property
    def asks_head_office(self) -> bool:
        """Can a receipt this till does not hold be looked up at head office?"""
        return self._lookup is not None

    def find_at_head_office(self, text: str) -> list[ReceiptSummary]:
        """:meth:`find_at_head_office_steps` driven inline (tests, command line)."""
        return run_inline(self.find_at_head_office_steps(text))

    def find_at_head_office_steps(self, text: str) -> Steps[list[ReceiptSummary]]:
        """Sales of another till of the store whose receipt number (or scanned barcode)
        or payment reference is ``text``, from head office (a network step). Each found
        sale can then be refunded here like one of this till's (:meth:`refundable`).
        Head office unreachable: a :class:`ServiceError` saying so; nothing changes."""
        self._auth.require(Permission.SELL)
        text = " ".join(text.split())
        lookup = self._lookup
        if lookup is None:
            raise ServiceError(remote.NOT_ENROLLED(text=text))
        if not text:
            return []
        try:
            answer: list[dict[str, object]] = yield NetCall(
                partial(lookup, text), "head office sales-for-refund"
            )
        except remote.LookupUnavailable as exc:
            with self._db.read_session() as s:
                kept = [k for k in remote.kept_matching(s, text) if self._usable(k)]
            if not kept:
                raise ServiceError(remote.UNREACHABLE(text=text, problem=str(exc))) from None
            return [self._found(sale) for sale in kept]  # as head office had them then
        except remote.LookupRefused as exc:
            raise ServiceError(remote.REFUSED(problem=str(exc))) from None
        try:
            sales = [(remote.parse_sale(doc), doc) for doc in answer]
        except ValueError as exc:
            raise ServiceError(remote.UNREADABLE(problem=str(exc))) from None
        now = self._clock.now()
        usable = [(replace(sale, found_at=now), doc) for sale, doc in sales if self._usable(sale)]
        if usable:  # kept on this till: a restart during its refund loses nothing
            with self._db.session() as s:
                for _, doc in usable:
                    remote.keep(s, doc, now)
        return [self._found(sale) for sale, _ in usable]

    def _usable(self, sale: remote.RemoteSale) -> bool:
        """Never another currency's sale (the refund could not balance)."""
        return sale.currency == self._ctx.currency

    def _found(self, sale: remote.RemoteSale) -> ReceiptSummary:
        """A sale found at head office, as the receipt lists show it."""
        with self._lock:
            self._remote[sale.sale_id] = sale
        return ReceiptSummary(
            sale_id=sale.sale_id,
            number=sale.number,
            closed_at=sale.closed_at.astimezone(self._ctx.zone),
            day=sale.day,
            total=sale.total,
            to_pay=sale.total,
            methods=tuple(dict.fromkeys(self._label(p.method, p.details) for p in sale.payments)),
            references=tuple(p.reference for p in sale.payments if p.reference),
            voided=not sale.completed,
            training=False,
            cashier="",
            item_count=sum(ln.quantity for ln in sale.lines),
        )

    def _remote_customer(self, s: Session, sale_id: str) -> Customer | None:
        """The buyer of another till's sale as head office's answer named it (the copy
        kept when it was found), for the credit note of a refund made here."""
        found = self._remote_sale(s, sale_id) if sale_id else None
        if found is None or not found.buyer_pin:
            return None
        return Customer(tax_pin=found.buyer_pin, name=found.buyer_name)

    def _remote_sale(self, s: Session, sale_id: str) -> remote.RemoteSale | None:
        """A sale of another till found at head office: this run's copy, else the one
        kept on this till (after a restart)."""
        with self._lock:
            found = self._remote.get(sale_id)
        if found is None:
            found = remote.kept(s, sale_id)
            if found is not None:
                with self._lock:
                    self._remote[sale_id] = found
        return found

    def use_methods(self, methods: Mapping[str, PaymentMethod]) -> None:
        """The payment methods money can go back through (set when payments are enabled)."""
        self._methods = dict(methods)

    # -- reading --------------------------------------------------------------------------
    def refundable(self, sale_id: str) -> RefundableSale:
        """The sale with what each line and tender can still give back."""
        self._auth.require_user()
        with self._db.read_session() as s:
            return self._refundable(s, sale_id)

    def _label(self, method: str, details: Mapping[str, str]) -> str:
        found = self._methods.get(method)
        if details.get(LABEL_DETAIL):
            return details[LABEL_DETAIL]
        if found is not None:
            return found.describe().receipt_name
        return "Cash" if method == CASH else method.replace("_", " ").title()

    def _ways(self, method: str) -> tuple[TenderHow, ...]:
        if method == CASH:
            return (TenderHow.CASH,)
        found = self._methods.get(method)
        if found is not None and found.can(Capability.REFUND):
            return (TenderHow.METHOD, TenderHow.CASH)
        return (TenderHow.BY_HAND, TenderHow.CASH)

    def _refundable(self, s: Session, sale_id: str) -> RefundableSale:
        entry = repo.sale_by_id(s, sale_id)
        if entry is None:
            found = self._remote_sale(s, sale_id)
            if found is None:
                if self._lookup is None:
                    raise NotFound("That sale is not in this till's journal.")
                raise NotFound(remote.NOT_HERE())
            return self._remote_refundable(s, found)
        sale = entry.sale
        if sale.status is not SaleStatus.COMPLETED:
            raise ServiceError(VOIDED(number=entry.number))
        totals = sale.totals(entry.tax_table)
        by_id = {lt.line_id: lt for lt in totals.lines}
        done = store.refunded_by_line(s, sale_id)
        currency = sale.currency
        lines = tuple(
            RefundableLine(
                line_no=n,
                name=line.product.name,
                sku=line.product.sku,
                quantity=line.quantity,
                refunded_quantity=done.get(n, (0, 0))[0],
                unit_price=line.unit_price,
                total=by_id[line.line_id].total,
                refunded=Money(done.get(n, (0, 0))[1], currency),
            )
            for n, line in enumerate(sale.lines, start=1)
        )
        back = store.refunded_by_payment(s, [p.payment_id for p in sale.payments])
        tenders = tuple(
            RefundableTender(
                payment_id=p.payment_id,
                method=p.method,
                label=self._label(p.method, dict(p.details)),
                paid=p.amount,
                refunded=Money(back.get(p.payment_id, (0, 0))[0], currency),
                reference=p.reference,
                ways=self._ways(p.method),
            )
            for p in sale.payments
        )
        made = store.refunds_of_sale(s, sale_id)
        previous = tuple(r.number for r in made)
        return RefundableSale(
            sale_id=sale_id,
            number=entry.number,
            closed_at=entry.closed_at.astimezone(self._ctx.zone),
            day=date.fromisoformat(self._ctx.business_date(entry.closed_at)),
            total=totals.total,
            lines=lines,
            tenders=tenders,
            refunds=previous,
            refused=_refused(s, {r.refund_id: r.number for r in made}),
            waiting=tuple(self._resolution.pending_in(s, sale_id)),
        )

    def _remote_refundable(self, s: Session, sale: remote.RemoteSale) -> RefundableSale:
        """Another till's sale found at head office, with what went back of it: head
        office's count plus this till's refunds it has not counted yet. A non-cash tender
        goes back through its method where the method can without the till that took it
        (:meth:`_remote_ways`), else by hand (a reversal) or as cash."""
        if not sale.completed:
            raise ServiceError(VOIDED(number=sale.number))
        done = remote.counted(s, sale)
        currency = sale.currency
        lines = tuple(
            RefundableLine(
                line_no=n,
                name=ln.name,
                sku=ln.sku,
                quantity=ln.quantity,
                refunded_quantity=done.lines.get(n, (0, 0))[0],
                unit_price=ln.unit_price,
                total=ln.total,
                refunded=Money(done.lines.get(n, (0, 0))[1], currency),
            )
            for n, ln in enumerate(sale.lines, start=1)
        )
        tenders = tuple(
            RefundableTender(
                payment_id=p.payment_id,
                method=p.method,
                label=self._label(p.method, p.details),
                paid=p.amount,
                refunded=Money(done.payments.get(p.payment_id, 0), currency),
                reference=p.reference,
                ways=self._remote_ways(p),
            )
            for p in sale.payments
        )
        made = store.refunds_of_sale(s, sale.sale_id)
        return RefundableSale(
            sale_id=sale.sale_id,
            number=sale.number,
            closed_at=sale.closed_at.astimezone(self._ctx.zone),
            day=sale.day,
            total=sale.total,
            lines=lines,
            tenders=tenders,
            refunds=done.numbers,
            refused=_refused(s, {r.refund_id: r.number for r in made}),
            waiting=tuple(self._resolution.pending_in(s, sale.sale_id)),
            sold_at=sale.terminal_id,
            found_at=None if sale.found_at is None else sale.found_at.astimezone(self._ctx.zone),
        )

    def _remote_ways(self, p: remote.RemotePayment) -> tuple[TenderHow, ...]:
        """How a tender of another till's sale goes back. Through the method when this
        till has it and it can refund, and head office said what the method took (the
        captured amount and currency): PayPal refunds a capture by its id with the shop's
        credentials, and a card goes back to the card presented at this till's own
        terminal (a refund, never a reversal: the original terminal's batch is not here).
        M-Pesa cannot (a reversal is made by hand), nor a method this till lacks."""
        if p.method == CASH:
            return (TenderHow.CASH,)
        ways = self._ways(p.method)
        if TenderHow.METHOD in ways and p.taken is None:
            return (TenderHow.BY_HAND, TenderHow.CASH)
        return ways

    # -- planning -------------------------------------------------------------------------
    def quote(self, request: RefundRequest) -> RefundPlan:
        """What ``request`` would give back and by which tenders (nothing is written)."""
        self._auth.require_user()
        with self._db.read_session() as s:
            return self._plan(s, request)

    def _plan(self, s: Session, request: RefundRequest) -> RefundPlan:
        _check_reason(request.reason_code, request.reason)
        view = self._refundable(s, request.sale_id)
        entry = repo.sale_by_id(s, request.sale_id)
        # each line's (id, product id, SKU, barcode, name, unit price, VAT class)
        facts: list[tuple[str, int | None, str, str | None, str, Money, TaxClass]]
        if entry is None:  # another till's sale, found at head office
            facts = [
                (
                    ln.line_id,
                    ln.product_id,
                    ln.sku,
                    ln.barcode,
                    ln.name,
                    ln.unit_price,
                    ln.tax_class,
                )
                for ln in self._remote_lines(s, request.sale_id)
            ]
        else:
            facts = [
                (
                    ln.line_id,
                    ln.product.product_id,
                    ln.product.sku,
                    ln.product.barcode,
                    ln.product.name,
                    ln.unit_price,
                    entry.tax_table.get(ln.product.vat_class),
                )
                for ln in entry.sale.lines
            ]
        currency = view.total.currency
        chosen = {n: q for n, q in request.quantities.items() if q}
        if not chosen:
            raise RefundError("Choose the items to refund and how many of each.")
        lines: list[tuple[int, int, int]] = []  # (line no, quantity, minor)
        for n, quantity in sorted(chosen.items()):
            if not 1 <= n <= len(view.lines):
                raise RefundError(NO_LINE(number=view.number, line=n))
            have = view.lines[n - 1]
            try:
                minor = line_refund(
                    have.total.minor,
                    have.quantity,
                    have.refunded_quantity,
                    have.refunded.minor,
                    quantity,
                )
            except RefundError as exc:
                raise RefundError(LINE_PROBLEM(item=have.name, problem=exc.msg)) from None
            lines.append((n, quantity, minor))
        # the customer paid the goods less a cash rounding down: the last refund gives back
        # what was paid, not the rounding too (no tender has it)
        paid = sum(t.paid.minor for t in view.tenders)
        left = sum(t.paid.minor - t.refunded.minor for t in view.tenders)
        trimmed = trim_to_paid([m for _, _, m in lines], left, view.total.minor - paid)
        lines = [(n, q, m) for (n, q, _), m in zip(lines, trimmed, strict=True)]
        total = Money(sum(m for _, _, m in lines), currency)
        before = self._vat_back(s, request.sale_id, view, [f[6] for f in facts], entry is None)
        planned_lines = with_vat(
            [
                (
                    n,
                    facts[n - 1][0],
                    facts[n - 1][1],
                    facts[n - 1][2],
                    facts[n - 1][3],
                    facts[n - 1][4],
                    quantity,
                    facts[n - 1][5],
                    Money(minor, currency),
                    facts[n - 1][6],
                )
                for n, quantity, minor in lines
            ],
            currency,
            before,
        )
        shares = [TenderShare(t.payment_id, t.method, t.paid, t.refunded) for t in view.tenders]
        by_id = {t.payment_id: t for t in view.tenders}
        needs = {Permission.REFUND}
        tenders: list[PlannedTender] = []
        for share, amount in allocate_tenders(total, shares) if total else []:
            tender = by_id[share.payment_id]
            how = request.how.get(share.payment_id, tender.ways[0])
            if how not in tender.ways:
                raise RefundError(NOT_THAT_WAY(label=tender.label))
            reference = request.references.get(share.payment_id, "").strip()
            if how is TenderHow.BY_HAND and len(reference) < 4:
                raise RefundError(REVERSAL_FIRST(label=tender.label, amount=amount))
            if how is TenderHow.CASH and tender.method != CASH:
                needs.add(Permission.REFUND_TO_CASH)
            foreign = None
            if how is TenderHow.METHOD:
                foreign = self._foreign_part(s, tender, amount, request.sale_id)
            tenders.append(
                PlannedTender(
                    share.payment_id,
                    tender.method,
                    tender.label,
                    amount,
                    how,
                    reference if how is TenderHow.BY_HAND else "",
                    foreign,
                )
            )
        vat = vat_rows(planned_lines, currency)
        return RefundPlan(
            sale_id=request.sale_id,
            original_number=view.number,
            original_day=view.day,
            lines=tuple(planned_lines),
            tenders=tuple(tenders),
            total=total,
            vat=vat,
            needs=frozenset(needs),
        )

    def _vat_back(
        self,
        s: Session,
        sale_id: str,
        view: RefundableSale,
        classes: list[TaxClass],
        remote_sale: bool,
    ) -> dict[str, tuple[int, int]]:
        """Per VAT class of the sale, the gross and VAT its earlier refunds gave back (for
        the cumulative rule of :func:`with_vat`). This till's refunds say their own VAT;
        for another till's sale head office gives only each line's refunded money, whose
        VAT is taken as the class's house-rule VAT (what that rule gave those refunds)."""
        if remote_sale:
            gross: dict[str, int] = {}
            by_code: dict[str, TaxClass] = {}
            for line, tax_class in zip(view.lines, classes, strict=True):
                gross[tax_class.code] = gross.get(tax_class.code, 0) + line.refunded.minor
                by_code[tax_class.code] = tax_class
            currency = view.total.currency
            return {
                code: (g, vat_from_gross(Money(g, currency), by_code[code]).minor)
                for code, g in gross.items()
            }
        rows = s.execute(
            select(
                RefundLineRecord.vat_class,
                func.sum(RefundLineRecord.total_minor),
                func.sum(RefundLineRecord.vat_minor),
            )
            .where(RefundLineRecord.original_sale_id == sale_id)
            .group_by(RefundLineRecord.vat_class)
        ).all()
        return {str(code): (int(g), int(v)) for code, g, v in rows}

    def _remote_lines(self, s: Session, sale_id: str) -> tuple[remote.RemoteLine, ...]:
        found = self._remote_sale(s, sale_id)
        if found is None:
            raise NotFound(remote.NOT_HERE())
        return found.lines

    def _remote_payment(self, s: Session, sale_id: str, payment_id: str) -> remote.RemotePayment:
        """A payment of another till's sale found at head office (kept on this till)."""
        found = self._remote_sale(s, sale_id)
        for p in found.payments if found is not None else ():
            if p.payment_id == payment_id:
                return p
        raise NotFound(remote.NOT_HERE())

    def _foreign_part(
        self, s: Session, tender: RefundableTender, amount: Money, sale_id: str
    ) -> Money | None:
        """What a method that took a foreign currency (PayPal: USD) gives back for
        ``amount`` of the sale's currency, in proportion to what it took. For another
        till's sale, what went back of the foreign amount before is taken as the same
        proportion of what went back of the tender (head office counts refunds in the
        sale's currency): the last refund then gives back what is left, never more."""
        if repo.sale_by_id(s, sale_id) is None:
            taken = self._remote_payment(s, sale_id, tender.payment_id).taken
            if taken is None or taken.currency == tender.paid.currency:
                return None
            before = taken.minor * tender.refunded.minor // max(tender.paid.minor, 1)
            minor = foreign_share(
                tender.paid.minor, taken.minor, tender.refunded.minor, before, amount.minor
            )
            return Money(minor, taken.currency)
        record = attempts.get_attempt(s, tender.payment_id)
        if record is None or record.amount.currency == tender.paid.currency:
            return None
        foreign_back = store.refunded_by_payment(s, [tender.payment_id]).get(
            tender.payment_id, (0, 0)
        )[1]
        minor = foreign_share(
            tender.paid.minor,
            record.amount.minor,
            tender.refunded.minor,
            foreign_back,
            amount.minor,
        )
        return Money(minor, record.amount.currency)

    # -- refunding ------------------------------------------------------------------------
    def refund(self, request: RefundRequest, approval: Approval | None = None) -> RefundDone:
        """:meth:`refund_steps` driven inline (tests, command line)."""
        return run_inline(self.refund_steps(request, approval))

    def refund_steps(
        self, request: RefundRequest, approval: Approval | None = None
    ) -> Steps[RefundDone]:
        """Refund as planned by :meth:`quote`; gateway refunds run as network steps.

        Each tender given back through a method is a refund attempt stored (``created``,
        with the refund as asked) before the method is asked anything; what the method
        notes before (:meth:`PaymentMethod.prepare_refund`) is stored (``pending``) before
        :meth:`PaymentMethod.refund` is called. An answer that is lost leaves the attempt
        pending (:class:`RefundWaiting`): it is resolved by asking the method
        (:meth:`resolve_pending_steps`), never by sending again, and the sale takes no
        other refund meanwhile."""
        user = self._auth.require_user()
        with self._lock:
            if request.sale_id in self._busy:
                raise ServiceError("A refund of this sale is already in progress.")
            self._busy.add(request.sale_id)
        try:
            with self._db.read_session() as s:
                self._refuse_if_waiting(s, request.sale_id)
                plan = self._plan(s, request)
                if _gives_cash(plan):  # before any gateway gives money back
                    require_open_shift(s, self._ctx.terminal_id)
                    self._refuse_if_drawer_short(s, plan)
            who = self._auth.authorize_all(plan.needs, approval)
            refund_id = self._ids.new()
            references: dict[int, str] = {}
            gateway = [(i, t) for i, t in enumerate(plan.tenders) if t.how is TenderHow.METHOD]
            calls = {i: self._method_ref(refund_id, i, t, request.sale_id) for i, t in gateway}
            if gateway:
                now = self._clock.now()
                stored = encode_request(request, who, plan.total.minor)
                with self._db.session() as s:
                    self._refuse_if_waiting(s, request.sale_id)  # again, under the write lock
                    self._audit.write(
                        s,
                        user_id=user.user_id,
                        action="refund_started",
                        document_id=refund_id,
                        approved_by="" if who == user.user_id else who,
                        detail=_plan_detail(plan),
                    )
                    for i, tender in gateway:
                        attempts_store.add(
                            s,
                            attempt=attempt_id(refund_id, i),
                            refund_id=refund_id,
                            sale_id=request.sale_id,
                            payment_id=tender.payment_id,
                            terminal_id=self._ctx.terminal_id,
                            method=tender.method,
                            amount=tender.foreign or tender.amount,
                            request=stored,
                            created_by=user.user_id,
                            now=now,
                        )
            for i, tender in gateway:
                method, ref = calls[i]
                aid = attempt_id(refund_id, i)
                amount = tender.foreign or tender.amount
                given = [f"{t.label} {references[j]}" for j, t in gateway if j in references]
                try:
                    noted: str = yield NetCall(
                        partial(method.prepare_refund, ref, amount),
                        f"{tender.method}.prepare_refund {aid}",
                    )
                except GatewayUnavailable as exc:
                    # nothing was sent to this method: the attempt (and the ones after
                    # it) are dropped as never sent
                    self._drop_unsent(refund_id, "unavailable", str(exc))
                    self._failed(user.user_id, refund_id, "unavailable", given)
                    if given:
                        raise ServiceError(
                            METHOD_NO_ANSWER_AFTER(
                                label=tender.label, problem=str(exc), given=", ".join(given)
                            )
                        ) from exc
                    raise ServiceError(
                        METHOD_NOT_REACHED(label=tender.label, problem=str(exc))
                    ) from exc
                self._move(aid, AState.PENDING, gateway_ref=noted[:80], code="sent", message="")
                try:
                    result: RefundResult = yield NetCall(
                        partial(method.refund, ref, amount),
                        f"{tender.method}.refund {aid}",
                    )
                except GatewayUnavailable as exc:
                    # sent, and the answer lost: a terminal that stopped answering may have
                    # refunded. The attempt stays pending until the method is asked.
                    self._move(aid, AState.PENDING, code="unavailable", message=str(exc))
                    self._audit_waiting(user.user_id, refund_id, aid, str(exc))
                    raise RefundWaiting(
                        REFUND_WAITING(label=tender.label, problem=str(exc))
                    ) from exc
                if not result.ok:
                    self._move(aid, AState.DECLINED, code=result.code, message=result.message)
                    self._drop_unsent(refund_id, "not_sent", "")
                    self._failed(user.user_id, refund_id, result.code, given)
                    if given:
                        raise ServiceError(
                            GATEWAY_FAILED_AFTER(
                                problem=Message.plain(result.message), given=", ".join(given)
                            )
                        )
                    raise ServiceError(
                        METHOD_DECLINED(label=tender.label, problem=Message.plain(result.message))
                    )
                self._move(
                    aid,
                    AState.APPROVED,
                    refund_ref=result.refund_ref,
                    receipt_ref=result.receipt_ref,
                    code=result.code,
                    message=result.message,
                )
                references[i] = self._refund_reference(
                    tender, result.refund_ref, result.receipt_ref
                )
            attempts_done = tuple(attempt_id(refund_id, i) for i, _ in gateway)
            try:
                return self._write(request, plan, refund_id, who, references, attempts_done)
            except Exception as exc:
                # the money went back and the document could not be written: the attempts
                # stay approved (completed on "Check again" or the next start), saying why
                self._note_approved(attempts_done, str(exc))
                raise
        finally:
            with self._lock:
                self._busy.discard(request.sale_id)

    def _refuse_if_drawer_short(self, s: Session, plan: RefundPlan) -> None:
        """Cash the drawer should not hold cannot be handed over: no approval overrides
        that. The refusal says what the drawer should hold (the cash-up's expected cash),
        so the cashier can give that much in cash and the rest another way."""
        cash = Money(
            sum(t.amount.minor for t in plan.tenders if t.how is TenderHow.CASH),
            plan.total.currency,
        )
        expected = expected_in_drawer(s, self._ctx, self._clock.now())
        if expected is not None and cash > expected:
            shown = max(expected, Money(0, cash.currency))  # never "should hold -5.00"
            raise ServiceError(DRAWER_SHORT(expected=shown, amount=cash))

    def _refuse_if_waiting(self, s: Session, sale_id: str) -> None:
        """A sale with a refund through a method still open takes no other refund."""
        waiting = attempts_store.open_for_sale(s, sale_id) if sale_id else []
        if waiting:
            entry = repo.sale_by_id(s, sale_id)
            found = self._remote_sale(s, sale_id) if entry is None else None
            number = entry.number if entry is not None else found.number if found else sale_id
            label = self._label(waiting[0].method, {})
            raise ServiceError(ALREADY_WAITING(label=label, number=number))

    def _move(self, aid: str, to: AState, **texts: str) -> None:
        """One guarded move of a refund attempt, in its own unit of work."""
        with self._db.session() as s:
            attempts_store.move(s, aid, to, self._clock.now(), **texts)  # type: ignore[arg-type]

    def _note_approved(self, attempts_done: tuple[str, ...], problem: str) -> None:
        try:
            for aid in attempts_done:
                self._move(aid, AState.APPROVED, message=problem)
        except Exception:  # the store itself is failing: the attempts stay as they are
            log.exception("could not note why refund attempts %s are not completed", attempts_done)

    def _drop_unsent(self, refund_id: str, code: str, message: str) -> None:
        """The refund's attempts never sent to their method: nothing went back."""
        now = self._clock.now()
        with self._db.session() as s:
            for a in attempts_store.of_refund(s, refund_id):
                if a.state is AState.CREATED:
                    attempts_store.move(
                        s, a.attempt_id, AState.NOT_REFUNDED, now, code=code, message=message
                    )

    def _audit_waiting(self, user_id: str, refund_id: str, aid: str, problem: str) -> None:
        with self._db.session() as s:
            self._audit.write(
                s,
                user_id=user_id,
                action="refund_waiting",
                result="unknown",
                document_id=refund_id,
                detail={"attempt": aid, "problem": problem[:200]},
            )

    def _failed(self, user_id: str, refund_id: str, code: str, given: list[str]) -> None:
        """Audit a method that did not give the money back (nothing else is written)."""
        with self._db.session() as s:
            self._audit.write(
                s,
                user_id=user_id,
                action="refund_failed",
                result="failed",
                document_id=refund_id,
                detail={"code": code, "given_back": given},
            )

    def _refund_reference(self, tender: PlannedTender, refund_ref: str, receipt_ref: str) -> str:
        """What the refund document keeps of a method's refund: its proof as the customer
        reads it where the method gives one (a card terminal: approval code, masked PAN,
        terminal id and its receipt number), else the method's refund reference."""
        method = self._methods.get(tender.method)
        if method is not None and receipt_ref:
            return method.customer_reference(receipt_ref, refund_ref)[:80]
        return refund_ref[:80]

    def _method_ref(
        self, refund_id: str, index: int, tender: PlannedTender, sale_id: str
    ) -> tuple[PaymentMethod, AttemptRef]:
        """The method a tender goes back through and the reference of its payment (the
        refund attempt's id as the refund's idempotency key)."""
        method = self._methods.get(tender.method)
        with self._db.read_session() as s:
            ref = self.attempt_ref(s, sale_id, tender.payment_id, attempt_id(refund_id, index))
        if method is None or ref is None:
            raise ServiceError(NOT_SET_UP(label=tender.label))
        return method, ref

    def attempt_ref(
        self, s: Session, sale_id: str, payment_id: str, refund_attempt: str
    ) -> AttemptRef | None:
        """What the method is asked about when it gives back (part of) payment
        ``payment_id``: this till's payment attempt, or for another till's sale found at
        head office, the payment as head office has it (what the method took, and its
        reference as the capture id: PayPal's capture). Another till's card payment gets
        no receipt reference: its terminal's receipt number means nothing to this till's
        terminal, so the card method refunds to the card presented (card-present), never
        reverses. None: nothing to ask with."""
        details = {"refund_id": refund_attempt}
        record = attempts.get_attempt(s, payment_id)
        if record is not None:
            if record.receipt_ref:
                details["capture_id"] = record.receipt_ref
                details["receipt_ref"] = record.receipt_ref
            return AttemptRef(
                attempt_id=record.id,
                sale_id=record.sale_id,
                amount=record.amount,
                gateway_ref=record.gateway_ref,
                details=details,
            )
        if repo.sale_by_id(s, sale_id) is not None:
            return None  # this till's sale, paid without an attempt (by hand)
        try:
            paid = self._remote_payment(s, sale_id, payment_id)
        except NotFound:
            return None
        if paid.taken is None:
            return None
        if paid.reference:
            details["capture_id"] = paid.reference
        return AttemptRef(
            attempt_id=paid.payment_id,
            sale_id=sale_id,
            amount=paid.taken,
            gateway_ref="",
            details=details,
        )

    def _write(
        self,
        request: RefundRequest,
        plan: RefundPlan,
        refund_id: str,
        who: str,
        references: Mapping[int, str],
        attempts_done: tuple[str, ...] = (),
        cashier: tuple[str, str] | None = None,
    ) -> RefundDone:
        """Write the refund document in one transaction, with the move of its approved
        refund attempts (``attempts_done``) to ``completed``: a refund resolved twice is
        written once. ``cashier`` (id, name): who made it, when it is not the user logged
        in now (a refund completed after a restart)."""
        if cashier is None:
            user = self._auth.require_user()
            cashier = (user.user_id, user.name)
        now = self._clock.now()
        with self._db.session() as s:
            if _gives_cash(plan):  # the drawer's cash belongs to a shift
                require_open_shift(s, self._ctx.terminal_id)
                self._refuse_if_drawer_short(s, plan)  # again, under the write lock
            seq = repo.next_number(s, f"{REFUND_COUNTER}:{self._ctx.terminal_id}")
            if request.sale_id:
                again = self._plan(s, request)  # limits re-read under the write lock
                if again.total != plan.total:
                    raise ServiceError(
                        "This sale was refunded meanwhile; look at it again before refunding."
                    )
            tenders = tuple(
                PlannedTender(
                    t.payment_id,
                    t.method,
                    t.label,
                    t.amount,
                    t.how,
                    references.get(i, t.reference),
                    t.foreign,
                )
                for i, t in enumerate(plan.tenders)
            )
            for aid in attempts_done:
                attempts_store.move(s, aid, AState.COMPLETED, now, expect={AState.APPROVED})
            done = self._store(s, plan, tenders, refund_id, seq, who, request, now, cashier)
        return done

    def _store(
        self,
        s: Session,
        plan: RefundPlan,
        tenders: tuple[PlannedTender, ...],
        refund_id: str,
        seq: int,
        who: str,
        request: RefundRequest,
        now: datetime,
        cashier: tuple[str, str],
    ) -> RefundDone:
        cashier_id, cashier_name = cashier
        number = refund_number(self._ctx, seq)
        business_date = self._ctx.business_date(now)
        currency = plan.total.currency
        # a return without a receipt always names its manager (the protocol requires it)
        approved_by = "" if who == cashier_id and plan.sale_id else who
        approver = repo.user_by_id(s, approved_by) if approved_by else None
        receipt = RefundReceipt(
            store=self._ctx.store,
            number=number,
            refund_id=refund_id,
            original_number=plan.original_number,
            issued_at=now.astimezone(self._ctx.zone),
            cashier=cashier_name,
            training=self._ctx.training,
            reason=request.reason.strip() or request.reason_code.replace("_", " "),
            lines=tuple(
                RefundReceiptLine(ln.name, ln.quantity, ln.unit_price, ln.total, ln.tax_class.code)
                for ln in plan.lines
            ),
            total=plan.total,
            vat=plan.vat,
            tenders=tuple(
                RefundReceiptTender(
                    t.label if t.how is not TenderHow.CASH else "Cash",
                    t.amount,
                    t.reference,
                    t.how,
                    str(t.foreign) if t.foreign else "",
                )
                for t in tenders
            ),
            approved_by=approver.name if approver is not None else "",
        )
        document = json.dumps(stored_document(receipt), separators=(",", ":"), sort_keys=True)
        store.write_refund(
            s,
            store.RefundHeader(
                refund_id=refund_id,
                number=number,
                seq=seq,
                store_id=self._ctx.store.store_id,
                terminal_id=self._ctx.terminal_id,
                original_sale_id=plan.sale_id,
                original_number=plan.original_number,
                cashier_id=cashier_id,
                cashier_name=cashier_name,
                approved_by=approved_by,
                reason_code=request.reason_code,
                reason=request.reason.strip(),
                closed_at=now,
                business_date=business_date,
                currency=currency,
                total_minor=plan.total.minor,
                vat_minor=sum(v.vat.minor for v in plan.vat),
                item_count=sum(ln.quantity for ln in plan.lines),
                training=self._ctx.training,
                document=document,
            ),
            [
                store.StoredLine(
                    line_no=n,
                    original_line_no=ln.original_line_no,
                    product_id=ln.product_id,
                    sku=ln.sku,
                    name=ln.name,
                    quantity=ln.quantity,
                    unit_price_minor=ln.unit_price.minor,
                    total_minor=ln.total.minor,
                    vat_class=ln.tax_class.code,
                    vat_minor=ln.vat.minor,
                    restock=request.restock,
                )
                for n, ln in enumerate(plan.lines, start=1)
            ],
            [
                store.StoredTender(
                    tender_no=n,
                    method=CASH if t.how is TenderHow.CASH else t.method,
                    amount_minor=t.amount.minor,
                    currency=currency,
                    original_payment_id=t.payment_id,
                    reference=t.reference,
                    by_hand=t.how is TenderHow.BY_HAND,
                    foreign_minor=t.foreign.minor if t.foreign else 0,
                    foreign_currency=t.foreign.currency if t.foreign else "",
                )
                for n, t in enumerate(tenders, start=1)
            ],
        )
        s.flush()
        journal_chain.seal_refund(s, refund_id)  # sealed like a sale: read back, chained
        outbox_seq = repo.next_outbox_seq(s)
        # the credit note names the buyer its invoice named (eTIMS refuses another PIN)
        buyer = _original_customer(s, plan.sale_id) or self._remote_customer(s, plan.sale_id)
        wire = self._wire(
            plan, tenders, refund_id, number, now, cashier_id, approved_by, request, buyer
        )
        event = refund_document(wire, self._ctx, event_id=self._ids.new(), seq=outbox_seq, now=now)
        repo.add_outbox_event(
            s,
            event_id=event["event_id"],
            kind=event["type"],
            aggregate_id=refund_id,
            payload=event,
            now=now,
            seq=outbox_seq,
        )
        self._audit.write(
            s,
            user_id=cashier_id,
            action="refund" if plan.sale_id else "return_without_receipt",
            document_id=refund_id,
            approved_by=approved_by,
            detail={
                "number": number,
                "original": plan.original_number,
                "total": plan.total.minor,
                "reason_code": request.reason_code,
                "document_sha256": hashlib.sha256(document.encode()).hexdigest(),
            },
        )
        cash_out = Money(sum(t.amount.minor for t in tenders if t.how is TenderHow.CASH), currency)
        return RefundDone(refund_id, number, plan.total, cash_out, receipt)

    def _wire(
        self,
        plan: RefundPlan,
        tenders: tuple[PlannedTender, ...],
        refund_id: str,
        number: str,
        now: datetime,
        cashier_id: str,
        approved_by: str,
        request: RefundRequest,
        customer: Customer | None,
    ) -> RefundCompleted:
        currency = plan.total.currency
        original = None
        if plan.sale_id and plan.original_day is not None:
            original = OriginalSale(plan.sale_id, plan.original_number, plan.original_day)
        return RefundCompleted(
            refund_id=refund_id,
            receipt_number=number,
            business_date=date.fromisoformat(self._ctx.business_date(now)),
            closed_at=now,
            cashier_id=cashier_id,
            approved_by=approved_by or None,
            original=original,
            reason_code=request.reason_code,
            reason=request.reason.strip(),
            currency=currency,
            customer=customer,
            lines=tuple(
                RefundLine(
                    line_id=self._ids.new(),
                    original_line_id=ln.original_line_id,
                    product_id=ln.product_id,
                    sku=ln.sku,
                    barcode=ln.barcode,
                    name=ln.name,
                    quantity=ln.quantity,
                    unit_price=Amount.of(ln.unit_price),
                    total=Amount.of(ln.total),
                    vat_class=_vat_class(ln.tax_class),
                    net=Amount.of(ln.total - ln.vat),
                    vat=Amount.of(ln.vat),
                    restock=request.restock,
                )
                for ln in plan.lines
            ),
            vat=tuple(
                VatTotal(
                    _vat_class(v.tax_class),
                    Amount.of(v.gross),
                    Amount.of(v.net),
                    Amount.of(v.vat),
                )
                for v in plan.vat
            ),
            total=Amount.of(plan.total),
            vat_total=Amount.of(Money(sum(v.vat.minor for v in plan.vat), currency)),
            tenders=tuple(
                RefundTender(
                    payment_id=self._ids.new(),
                    method=CASH if t.how is TenderHow.CASH else t.method,
                    amount=Amount.of(t.amount),
                    reference=t.reference,
                    original_payment_id=t.payment_id or None,
                    by_hand=t.how is TenderHow.BY_HAND,
                    payer_masked=None,
                    foreign=None,
                )
                for t in tenders
            ),
        )

    # -- refunds whose method's answer was lost (pos/services/refund_resolution.py) -----
    def pending(self, sale_id: str | None = None) -> list[PendingRefund]:
        """Refunds through a method still waiting to be resolved (of one sale, or all of
        this terminal's), with what to do about each."""
        return self._resolution.pending(sale_id)

    def resolve_pending(self, refund_id: str | None = None) -> list[ResolvedRefund]:
        """:meth:`resolve_pending_steps` driven inline (tests, command line)."""
        return run_inline(self.resolve_pending_steps(refund_id))

    def resolve_pending_steps(self, refund_id: str | None = None) -> Steps[list[ResolvedRefund]]:
        """Resolve this terminal's open refund attempts by asking their methods (at till
        start-up, and on "Check again"); see :class:`RefundResolution`. A pass over all of
        them (no ``refund_id``: the main window runs one after each login, on the till
        worker) then forgets the kept copies of other tills' sales that serve nothing any
        more (:meth:`prune_kept`)."""
        resolved = yield from self._resolution.resolve_pending_steps(refund_id)
        if refund_id is None:
            self.prune_kept()
        return resolved

    def prune_kept(self) -> list[str]:
        """Forget the kept copies of sales found at head office longer ago than
        ``[policy] kept_sale_days`` whose refunds here are all acknowledged and settled
        (:func:`pos.services.refund_remote.prune_kept`); the sale ids forgotten. A store
        error is logged, not raised: the refunds just resolved must still be shown."""
        keep_for = timedelta(days=self._ctx.policy.kept_sale_days)
        try:
            with self._db.session() as s:
                gone = remote.prune_kept(s, self._clock.now(), keep_for)
        except (StoreError, SQLAlchemyError) as exc:
            log.warning("pruning kept sales of other tills failed: %s", exc)
            return []
        with self._lock:
            for sale_id in gone:
                self._remote.pop(sale_id, None)
        if gone:
            log.info("kept sales of other tills forgotten (older than %s): %d", keep_for, len(gone))
        return gone

    def settle_by_hand(
        self, attempt: str, went_back: bool, note: str, approval: Approval | None = None
    ) -> ResolvedRefund:
        """A manager settles a waiting refund from the method's own records; see
        :meth:`RefundResolution.settle_by_hand`."""
        return self._resolution.settle_by_hand(attempt, went_back, note, approval)

    # -- returns without a receipt --------------------------------------------------------
    def return_without_receipt(
        self,
        items: list[tuple[str, int]],
        reason_code: str,
        reason: str,
        approval: Approval | None = None,
        *,
        restock: bool = True,
    ) -> RefundDone:
        """Goods back with no receipt (``items``: barcode or SKU, quantity): a manager's
        action (or approval), a written reason, cash at today's prices, audited."""
        self._auth.require_user()
        if len(reason.strip()) < 3:
            raise RefundError("A return without a receipt needs a reason: say what happened.")
        _check_reason(reason_code, reason)
        if not items:
            raise RefundError("Scan or type the items that come back.")
        currency = self._ctx.currency
        table = self._ctx.tax_table
        rows = []
        with self._db.read_session() as s:
            for code, quantity in items:
                if quantity < 1:
                    raise RefundError("Each item needs a quantity of at least one.")
                item = repo.product_by_sku(s, code.strip())
                if item is None:
                    try:
                        item = repo.product_by_barcode(s, normalize_barcode(code))
                    except DomainError:
                        item = None
                if item is None:
                    raise NotFound(NO_PRODUCT(code=code))
                rows.append(
                    (
                        None,
                        None,
                        item.product_id,
                        item.sku,
                        item.barcode,
                        item.name,
                        quantity,
                        item.price,
                        item.price * quantity,
                        table.get(item.vat_class),
                    )
                )
        lines = with_vat(rows, currency)
        total = Money(sum(ln.total.minor for ln in lines), currency)
        plan = RefundPlan(
            sale_id="",
            original_number="",
            original_day=None,
            lines=tuple(lines),
            tenders=(PlannedTender("", CASH, "Cash", total, TenderHow.CASH),),
            total=total,
            vat=vat_rows(lines, currency),
            needs=frozenset({Permission.REFUND, Permission.RETURN_WITHOUT_RECEIPT}),
        )
        who = self._auth.authorize_all(plan.needs, approval)
        request = RefundRequest("", {}, reason_code, reason, restock=restock)
        refund_id = self._ids.new()
        return self._write(request, plan, refund_id, who, {})

    # -- receipts -------------------------------------------------------------------------
    def receipt(self, refund_id: str, *, reprint: bool = False) -> RefundReceipt:
        """A refund's receipt as printed; ``reprint`` marks it COPY and is audited."""
        user = self._auth.require(Permission.SELL)
        with self._db.session() as s:
            row = store.refund_by_id(s, refund_id)
            if row is None:
                raise NotFound("That refund is not in this till's journal.")
            document = row.document
            if reprint:
                self._audit.write(
                    s,
                    user_id=user.user_id,
                    action="refund_reprint",
                    document_id=refund_id,
                    detail={"number": row.number},
                )
        receipt = receipt_from_document(json.loads(document), self._ctx)
        return replace(receipt, reprint=True) if reprint else receipt

    def refused_refunds(self) -> list[RefusedRefund]:
        """This till's refunds that head office refused (their events parked), oldest
        first: money handed back here that head office does not count (a conflict it
        keeps for review). The refund screen lists them for the cashier and manager."""
        self._auth.require(Permission.SELL)
        with self._db.read_session() as s:
            rows = s.execute(
                select(
                    RefundRecord.number,
                    RefundRecord.original_number,
                    RefundRecord.total_minor,
                    RefundRecord.currency,
                    OutboxEvent.parked_reason,
                )
                .join(OutboxEvent, OutboxEvent.aggregate_id == RefundRecord.id)
                .where(
                    OutboxEvent.kind == "refund.completed",
                    OutboxEvent.sent_at.is_(None),
                    OutboxEvent.parked_at.is_not(None),
                )
                .order_by(OutboxEvent.seq)
            ).all()
        return [
            RefusedRefund(number, parked_message(reason), original, Money(total, currency))
            for number, original, total, currency, reason in rows
        ]

    def refunds_of_sale(self, sale_id: str) -> list[store.RefundSummary]:
        self._auth.require(Permission.SELL)
        with self._db.read_session() as s:
            return store.refunds_of_sale(s, sale_id)


# -- helpers -------------------------------------------------------------------------------
def _refused(s: Session, numbers: Mapping[str, str]) -> tuple[RefusedRefund, ...]:
    """The refunds among ``numbers`` (by refund id) whose events head office refused."""
    if not numbers:
        return ()
    rows = s.execute(
        select(OutboxEvent.aggregate_id, OutboxEvent.parked_reason)
        .where(
            OutboxEvent.aggregate_id.in_(list(numbers)),
            OutboxEvent.kind == "refund.completed",
            OutboxEvent.sent_at.is_(None),
            OutboxEvent.parked_at.is_not(None),
        )
        .order_by(OutboxEvent.seq)
    ).all()
    return tuple(RefusedRefund(numbers[aid], parked_message(reason)) for aid, reason in rows)


def _original_customer(s: Session, sale_id: str) -> Customer | None:
    """The buyer (KRA PIN and name) of the sale a refund is made against, for its credit
    note: this till's journal holds it (another till's sale: the copy head office's
    answer gave, ``_remote_customer``). A return without a receipt names no buyer."""
    if not sale_id:
        return None
    entry = repo.sale_by_id(s, sale_id)
    return None if entry is None else buyer_customer(entry.sale.buyer)


def _gives_cash(plan: RefundPlan) -> bool:
    """Does the drawer hand money over (then a shift must be open to count it)?"""
    return any(t.how is TenderHow.CASH and t.amount.minor for t in plan.tenders)


def _check_reason(code: str, reason: str) -> None:
    if code not in REASON_CODES:
        raise RefundError(CHOOSE_REASON(reasons=", ".join(REASON_CODES)))
    if code == "other" and len(reason.strip()) < 3:
        raise RefundError("Say in a few words why this is refunded.")


def _vat_class(tax_class: TaxClass) -> VatClass:
    return VatClass(tax_class.code, tax_class.rate, tax_class.exempt)


def _plan_detail(plan: RefundPlan) -> dict[str, object]:
    return {
        "original": plan.original_number,
        "total": plan.total.minor,
        "tenders": [
            {"method": t.method, "how": t.how.value, "amount": t.amount.minor} for t in plan.tenders
        ],
    }
