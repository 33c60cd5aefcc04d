"""Ringing up and settling a sale.

The open basket lives in memory for speed and in the ``drafts`` table for safety: every
change is applied to a copy, saved in one transaction, and only then becomes the current
basket. If saving fails, the basket on screen is still the one on disk. Completing a sale
writes the journal rows, its payments and its outbox event and deletes the draft in ONE
durable transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from pos.domain.barcode import InvalidBarcode, normalize_barcode
from pos.domain.buyer import Buyer
from pos.domain.catalog import CatalogItem
from pos.domain.errors import DomainError
from pos.domain.messages import Message, define, text
from pos.domain.money import Money
from pos.domain.receipt import LABEL_DETAIL, Receipt, build_receipt
from pos.domain.sale import Discount, Payment, Sale, SaleStatus, SaleTotals
from pos.domain.tax import TaxTable
from pos.services.attempt_events import emit_late
from pos.services.audit import AuditWriter
from pos.services.auth import Approval, AuthService, Permission
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import NotFound, SaleAlreadyFinished, ServiceError, UnknownBarcode
from pos.services.shifts import require_open_shift
from pos.services.sync_events import sale_document
from pos.store import attempts, daily, vat_classes
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.repositories import ParkedSummary
from sync.protocol.canonical import document_text

log = logging.getLogger(__name__)

__all__ = ["CashResult", "CheckoutService", "LineView", "ParkedSummary", "SaleView", "VoidResult"]

ALREADY_FINISHED = define(
    "checkout.already_finished",
    "This sale was already finished as receipt {number}; it cannot be changed or paid again. "
    "Start a new sale; F9 shows the last receipt.",
)
NOT_FOR_SALE = define("checkout.not_for_sale", "{name} is not for sale (inactive in the catalog).")
STILL_DUE = define("checkout.still_due", "{due} is still due: take payment first.")
PRICED_IN = define("checkout.priced_in", "{name} is priced in {currency}; fix the catalog.")
NOT_FROM_DRAWER = define(
    "checkout.not_from_drawer",
    "{label} already paid {paid}; after this change the sale would be {payable}, and {excess} "
    "cannot be given back from the drawer. Keep the item, or void the sale: the manager then "
    "returns the {label} payment (Settle…).",
)
NOTHING_LEFT = define(
    "checkout.nothing_left",
    "No items are left on this sale ({paid} paid): void it (F8). Cash is given back from the "
    "drawer; other payments go back through the manager (Settle…).",
)
#: what an approver is asked to approve (the approval dialog's title, in their language)
APPROVE_PRICE = define("checkout.approve_price", "Changing the price of {name} ({old} → {new})")
APPROVE_DISCOUNT = define(
    "checkout.approve_discount", "A discount of {percent}% (over the {limit}% limit)"
)


@dataclass(frozen=True, slots=True)
class LineView:
    line_id: str
    name: str
    sku: str
    quantity: int
    unit_price: Money
    list_price: Money
    gross: Money
    discount: Money
    total: Money
    vat_class: str
    discount_text: str

    @property
    def price_overridden(self) -> bool:
        return self.unit_price != self.list_price


@dataclass(frozen=True, slots=True)
class SaleView:
    """An immutable picture of the basket for the screen (safe to hand to the GUI thread)."""

    sale_id: str | None
    status: SaleStatus
    lines: tuple[LineView, ...]
    totals: SaleTotals
    cash_due: Money
    tender_started: bool
    order_discount_text: str
    cashier_id: str
    #: the buyer's KRA PIN on the tax invoice ("" when none), and its name
    buyer_pin: str = ""
    buyer_name: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.lines


@dataclass(frozen=True, slots=True)
class CashResult:
    """Outcome of taking cash: either the sale completed (receipt) or money is still due."""

    view: SaleView
    receipt: Receipt | None
    change: Money


@dataclass(frozen=True, slots=True)
class VoidResult:
    """What voiding left to give back: cash from the drawer now; gateway money through
    the manager's settlement (refund through the gateway where it can, or by hand, or
    credit), never as cash from the drawer."""

    receipt: Receipt
    cash_to_return: Money
    for_the_manager: tuple[tuple[str, Money], ...] = ()  # (method label, amount)


RECEIPT_COUNTER = "receipt"
#: the drawer's own tender: the only money a void hands back over the counter
CASH = "cash"


class CheckoutService:
    """The basket of this terminal and everything a cashier does to it."""

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
        self._ids = ids
        self._auth = auth
        self._audit = AuditWriter(ctx, clock, ids)
        self._sale: Sale | None = None
        #: the VAT rates the current basket was opened with (kept in its draft): a rate
        #: head office changes while it is open applies from the next basket on
        self._sale_table: TaxTable | None = None
        self._loaded = False
        #: called after each finished sale's (or void's) transaction has committed: the
        #: composition root points it at the sync agent's wake-up (``SyncLink.sale_written``)
        #: so the sale goes to head office now, not at the next poll. Must return at once.
        self.on_finished: Callable[[], None] | None = None

    @property
    def _table(self) -> TaxTable:
        return self._sale_table if self._sale_table is not None else self._ctx.tax_table

    def _table_of(self, s: Session, sale: Sale | None) -> TaxTable | None:
        """The table a stored basket was opened with; one without (written before tables
        were kept) takes the table in force now."""
        if sale is None:
            return None
        kept = vat_classes.draft_tax_table(s, sale.sale_id)
        return kept if kept is not None else vat_classes.tax_table_in_force(s, self._ctx.tax_table)

    # -- reading --------------------------------------------------------------------------
    def restore(self) -> SaleView:
        """Bring back the basket that was open when the app stopped (or crashed)."""
        self._auth.require_user()
        with self._db.session() as s:
            self._sale = repo.latest_open_draft(s, self._ctx.terminal_id)
            self._sale_table = self._table_of(s, self._sale)
        self._loaded = True
        return self.view()

    def view(self) -> SaleView:
        if not self._loaded:
            return self.restore()
        return self._view(self._sale)

    def _view(self, sale: Sale | None) -> SaleView:
        currency = self._ctx.currency
        if sale is None:
            sale = Sale("", currency, self._clock.now(), "")
            sale_id = None
        else:
            sale_id = sale.sale_id
        totals = sale.totals(self._table)
        by_id = {lt.line_id: lt for lt in totals.lines}
        lines = tuple(
            LineView(
                line_id=ln.line_id,
                name=ln.product.name,
                sku=ln.product.sku,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                list_price=ln.product.unit_price,
                gross=by_id[ln.line_id].gross,
                discount=by_id[ln.line_id].line_discount + by_id[ln.line_id].order_discount,
                total=by_id[ln.line_id].total,
                vat_class=ln.product.vat_class,
                discount_text=ln.discount.describe() if ln.discount else "",
            )
            for ln in sale.lines
        )
        policy = self._ctx.policy
        return SaleView(
            sale_id=sale_id,
            status=sale.status,
            lines=lines,
            totals=totals,
            cash_due=sale.cash_due(
                self._table, policy.cash_rounding_increment, policy.cash_rounding_mode
            ),
            tender_started=sale.tender_started,
            order_discount_text=sale.order_discount.describe() if sale.order_discount else "",
            cashier_id=sale.cashier_id,
            buyer_pin=sale.buyer.pin if sale.buyer else "",
            buyer_name=sale.buyer.name if sale.buyer else "",
        )

    def search(self, query: str, limit: int = 20) -> list[CatalogItem]:
        self._auth.require(Permission.SELL)
        with self._db.session() as s:
            return repo.search_products(s, query, limit)

    # -- the one way to change the basket -----------------------------------------------
    def _change(
        self,
        apply: Callable[[Sale], object],
        *,
        audit_action: str | None = None,
        approved_by: str = "",
        detail: dict[str, object] | None = None,
        create: bool = False,
    ) -> SaleView:
        """Apply ``apply`` to a copy of the basket, persist it, then make it current."""
        user = self._auth.require(Permission.SELL)
        if not self._loaded:
            self.restore()
        if self._sale is None:
            if not create:
                raise ServiceError("There is no open sale: scan an item to start one.")
            with self._db.read_session() as s:  # a sale needs an open shift: say so first
                require_open_shift(s, self._ctx.terminal_id)
                # a new basket: the rates in force now (head office's over the configured)
                self._sale_table = vat_classes.tax_table_in_force(s, self._ctx.tax_table)
            sale = Sale(self._ids.new(), self._ctx.currency, self._clock.now(), user.user_id)
        else:
            sale = self._sale.copy()
        apply(sale)
        return self._persist(
            sale, audit_action=audit_action, approved_by=approved_by, detail=detail
        )

    def _persist(
        self,
        sale: Sale,
        *,
        audit_action: str | None = None,
        approved_by: str = "",
        detail: dict[str, object] | None = None,
        within: Callable[[Session], None] | None = None,
    ) -> SaleView:
        """Save the draft (and its audit entry) in one transaction, then make it current.

        ``within`` runs inside the same transaction (e.g. marking a payment attempt as
        applied), so the basket and what it depends on can never disagree."""
        user = self._auth.require(Permission.SELL)
        totals = sale.totals(self._table)
        with self._db.session() as s:
            self._refuse_finished(s, sale)
            repo.save_draft(s, sale, self._ctx.terminal_id, totals, self._clock.now(), self._table)
            if within is not None:
                within(s)
            if audit_action:
                self._audit.write(
                    s,
                    user_id=user.user_id,
                    action=audit_action,
                    document_id=sale.sale_id,
                    approved_by=approved_by,
                    detail=detail,
                )
        self._sale = sale
        return self._view(sale)

    def _refuse_finished(self, s: Session, sale: Sale) -> None:
        """A basket whose sale is already in the journal (finished on another screen or by
        a process that hung on) must never be saved or finished again."""
        number = repo.journal_number(s, sale.sale_id)
        if number is not None:
            self._sale = None
            raise SaleAlreadyFinished(ALREADY_FINISHED(number=number))

    def _current_sale(self) -> Sale:
        if not self._loaded:
            self.restore()
        if self._sale is None:
            raise ServiceError("There is no open sale: scan an item to start one.")
        return self._sale

    # -- ringing up -----------------------------------------------------------------------
    def scan(self, code: str, quantity: int = 1, approval: Approval | None = None) -> SaleView:
        """A barcode from the scanner (or typed and Enter): add one of that product.

        Adding goods can grow an approved over-limit discount (50 % off the order covers
        what the basket held when it was approved, not what is scanned after): then the
        scan needs approval again, like any other change that raises it."""
        self._auth.require(Permission.SELL)
        try:
            barcode = normalize_barcode(code)
        except InvalidBarcode as exc:
            raise ServiceError(exc.msg) from None
        with self._db.session() as s:
            item = repo.product_by_barcode(s, barcode)
        if item is None:
            raise UnknownBarcode(barcode)
        return self._add(item, quantity, approval)

    def add_product(
        self, product_id: int, quantity: int = 1, approval: Approval | None = None
    ) -> SaleView:
        """A product picked from search results."""
        self._auth.require(Permission.SELL)
        with self._db.session() as s:
            item = repo.product_by_id(s, product_id)
        if item is None:
            raise NotFound("That product is no longer in the catalog.")
        return self._add(item, quantity, approval)

    def _add(self, item: CatalogItem, quantity: int, approval: Approval | None) -> SaleView:
        if not item.active:
            raise ServiceError(NOT_FOR_SALE(name=item.name))
        if item.price.currency != self._ctx.currency:
            raise ServiceError(PRICED_IN(name=item.name, currency=item.price.currency))
        line_id = self._ids.new()
        if not self._loaded:
            self.restore()
        if self._sale is None or not _has_discounts(self._sale):
            return self._change(
                lambda sale: sale.add_product(item.ref(), quantity, line_id), create=True
            )
        return self._guarded(
            lambda sale: sale.add_product(item.ref(), quantity, line_id),
            approval,
            audit_action="item_added",
            detail={"line": line_id, "sku": item.sku, "qty": quantity},
        )

    def set_quantity(
        self, line_id: str, quantity: int, approval: Approval | None = None
    ) -> SaleView:
        line = self._current_sale().line(line_id)
        return self._guarded(
            lambda s: s.set_quantity(line_id, quantity),
            approval,
            audit_action="quantity_changed",
            detail={
                "line": line_id,
                "sku": line.product.sku,
                "from": line.quantity,
                "to": quantity,
            },
            removes=quantity < line.quantity,
        )

    def remove_line(self, line_id: str, approval: Approval | None = None) -> SaleView:
        line = self._current_sale().line(line_id)
        return self._guarded(
            lambda s: s.remove_line(line_id),
            approval,
            audit_action="line_removed",
            detail={"line": line_id, "sku": line.product.sku, "qty": line.quantity},
            removes=True,
        )

    def set_line_discount(
        self, line_id: str, discount: Discount | None, approval: Approval | None = None
    ) -> SaleView:
        line = self._current_sale().line(line_id)
        if discount is not None:
            discount.amount_of(line.gross, what="line")
        return self._guarded(
            lambda s: s.set_line_discount(line_id, discount),
            approval,
            audit_action="line_discount",
            detail={
                "line": line_id,
                "sku": line.product.sku,
                "discount": discount.describe() if discount else None,
            },
        )

    def set_order_discount(
        self, discount: Discount | None, approval: Approval | None = None
    ) -> SaleView:
        sale = self._current_sale()
        if discount is not None:
            discount.amount_of(sale.order_discount_base(), what="order")
        return self._guarded(
            lambda s: s.set_order_discount(discount),
            approval,
            audit_action="order_discount",
            detail={"discount": discount.describe() if discount else None},
        )

    def set_buyer(self, pin: str, name: str = "") -> SaleView:
        """Put the buyer's KRA PIN (and name) on the open sale's tax invoice, before
        payment; an invalid PIN is refused (``InvalidBuyer``) and the basket unchanged.
        Saved with the draft, so a crash keeps it with the basket."""
        buyer = Buyer.of(pin, name)
        self._current_sale()
        return self._change(
            lambda s: s.set_buyer(buyer),
            audit_action="buyer_pin",
            detail={"pin": buyer.pin},
        )

    def clear_buyer(self) -> SaleView:
        """Take the buyer's PIN off the open sale (before payment)."""
        self._current_sale()
        return self._change(
            lambda s: s.set_buyer(None), audit_action="buyer_pin", detail={"pin": None}
        )

    def override_price(
        self, line_id: str, price: Money, approval: Approval | None = None
    ) -> SaleView:
        line = self._current_sale().line(line_id)
        return self._guarded(
            lambda s: s.override_price(line_id, price),
            approval,
            # the approver sees what they approve: the item and both prices
            action=APPROVE_PRICE(name=line.product.name, old=line.unit_price, new=price),
            audit_action="price_override",
            detail={
                "line": line_id,
                "sku": line.product.sku,
                "from": line.unit_price.minor,
                "to": price.minor,
            },
            needs={Permission.PRICE_OVERRIDE},
        )

    def _refuse_gateway_overpayment(self, sale: Sale) -> None:
        """Taking goods off must not leave more gateway money on the sale than it costs:
        that money cannot come out of the drawer as change. Say what to do instead."""
        others = [p for p in sale.payments if p.method != CASH]
        if not others:
            return
        zero = Money.zero(sale.currency)
        paid_elsewhere = sum((p.amount for p in others), zero)
        payable = sale.totals(self._table).payable
        if paid_elsewhere > payable:
            label = dict(others[-1].details).get(LABEL_DETAIL) or others[-1].method.title()
            raise ServiceError(
                NOT_FROM_DRAWER(
                    label=label,
                    paid=paid_elsewhere,
                    payable=payable,
                    excess=paid_elsewhere - payable,
                )
            )

    @staticmethod
    def _discount_levels(sale: Sale, table: TaxTable) -> dict[str, tuple[Decimal, int]]:
        """Every discount as (effective percent, amount in minor units), by line id, by
        "order", and "total": all discounts together against the subtotal."""
        levels: dict[str, tuple[Decimal, int]] = {}
        for line in sale.lines:
            if line.discount is not None:
                amount = line.discount.amount_of(line.gross)
                levels[line.line_id] = (line.discount.percent_of(line.gross), amount.minor)
        if sale.order_discount is not None:
            base = sale.order_discount_base()
            levels["order"] = (
                sale.order_discount.percent_of(base),
                sale.order_discount.amount_of(base, "order").minor,
            )
        totals = sale.totals(table)
        if totals.discounts and totals.subtotal.minor > 0:
            levels["total"] = (
                Decimal(totals.discounts.minor) * 100 / Decimal(totals.subtotal.minor),
                totals.discounts.minor,
            )
        return levels

    def _guarded(
        self,
        apply: Callable[[Sale], object],
        approval: Approval | None,
        *,
        audit_action: str,
        detail: dict[str, object],
        needs: set[Permission] | None = None,
        removes: bool = False,
        action: Message | None = None,
    ) -> SaleView:
        """Apply a change to a copy, work out every permission it needs, then persist.

        A change can need several: a removal after payment started, a price change, and a
        discount that the change pushes over the limit (an amount discount on a line whose
        quantity drops). One approval covers them all; the audit entry names them.
        ``action`` names the change in the approval prompt (else the permissions do).
        """
        user = self._auth.require(Permission.SELL)
        current = self._current_sale()
        sale = current.copy()
        apply(sale)
        self._refuse_gateway_overpayment(sale)
        needed = set(needs or ())
        if removes and current.tender_started:
            needed.add(Permission.REMOVE_AFTER_TENDER)
        # A discount over the limit needs approval whenever it is new or grows, in percent
        # or in money (50 % approved on one item does not cover 50 % on ninety-nine).
        limit = Decimal(self._ctx.policy.discount_approval_percent)
        before = self._discount_levels(current, self._table)
        raised = {
            key: pct
            for key, (pct, amount) in self._discount_levels(sale, self._table).items()
            if pct > limit
            and (pct > before.get(key, (Decimal(0), 0))[0] or amount > before.get(key, (0, 0))[1])
        }
        if raised:
            needed.add(Permission.DISCOUNT_OVER_LIMIT)
        if not needed:
            return self._persist(sale)
        label = action  # what the approver is asked to approve, when the caller can say
        if needed == {Permission.DISCOUNT_OVER_LIMIT}:
            worst = max(raised.values())
            label = APPROVE_DISCOUNT(percent=worst.quantize(Decimal("0.1")), limit=limit)
        who = self._auth.authorize_all(needed, approval, label)
        if needed == {Permission.DISCOUNT_OVER_LIMIT}:
            audit_action = "discount_over_limit"
        elif needed == {Permission.REMOVE_AFTER_TENDER}:
            audit_action = {
                "line_removed": "line_removed_after_tender",
                "quantity_changed": "quantity_reduced_after_tender",
            }.get(audit_action, audit_action)
        return self._persist(
            sale,
            audit_action=audit_action,
            approved_by="" if who == user.user_id else who,
            detail={
                **detail,
                **({"permissions": sorted(p.value for p in needed)} if len(needed) > 1 else {}),
                **({"percent": {k: str(v) for k, v in _shown(raised).items()}} if raised else {}),
            },
        )

    # -- park / recall --------------------------------------------------------------------
    def park(self, note: str = "") -> SaleView:
        self._change(lambda s: s.park(note), audit_action="sale_parked")
        self._sale = None
        return self._view(None)

    def parked(self) -> list[ParkedSummary]:
        self._auth.require(Permission.SELL)
        with self._db.session() as s:
            return repo.parked_drafts(s, self._ctx.terminal_id, self._ctx.currency)

    def recall(self, sale_id: str) -> SaleView:
        user = self._auth.require(Permission.SELL)
        if not self._loaded:
            self.restore()
        if self._sale is not None and (self._sale.lines or self._sale.payments):
            raise ServiceError(
                text("Finish, park or void the current sale before recalling another.")
                if not self._sale.payments
                else text("Money was taken on the current sale: finish or void it first.")
            )
        with self._db.session() as s:
            sale = repo.load_draft(s, sale_id)
            if sale is None or sale.status is not SaleStatus.PARKED:
                raise NotFound("That parked sale is gone (recalled on another screen?).")
            if self._sale is not None:  # an empty open draft: drop it
                repo.delete_draft(s, self._sale.sale_id)
            sale.resume()
            self._sale_table = self._table_of(s, sale)
            repo.save_draft(
                s,
                sale,
                self._ctx.terminal_id,
                sale.totals(self._table),
                self._clock.now(),
                self._table,
            )
            self._audit.write(s, user_id=user.user_id, action="sale_recalled", document_id=sale_id)
        self._sale = sale
        return self._view(sale)

    # -- finishing ------------------------------------------------------------------------
    def pay_cash(
        self, tendered: Money, *, partial: bool = False, request_id: str | None = None
    ) -> CashResult:
        """Take cash. When the sale is fully paid it completes in the same transaction.

        ``request_id`` makes the call idempotent: the same tender submitted twice (a
        double tap, a retry) is recorded once.
        """
        self._auth.require(Permission.SELL)
        current = self._current_sale()
        if request_id is not None and any(p.payment_id == request_id for p in current.payments):
            return CashResult(self._view(current), None, Money.zero(current.currency))
        sale = current.copy()
        policy = self._ctx.policy
        payment = sale.pay_cash(
            tendered,
            table=self._table,
            increment=policy.cash_rounding_increment,
            mode=policy.cash_rounding_mode,
            payment_id=request_id or self._ids.new(),
            at=self._clock.now(),
            allow_partial=partial,
        )
        if not sale.is_fully_paid(self._table):
            view = self._persist(
                sale, audit_action="cash_part_payment", detail={"amount": payment.amount.minor}
            )
            return CashResult(view, None, Money.zero(sale.currency))
        change = sale.change_due(self._table)
        sale.complete(self._table)
        receipt = self._finish(sale, change, outbox_kind="sale.completed")
        return CashResult(self._view(None), receipt, change if change else payment.change)

    @property
    def open_sale_id(self) -> str | None:
        """The id of the basket on the till, if any (loads it after a restart)."""
        if not self._loaded:
            self.restore()
        return self._sale.sale_id if self._sale is not None else None

    def apply_payment(
        self,
        sale_id: str,
        payment: Payment,
        *,
        rounding: Money,
        within: Callable[[Session], None],
    ) -> CashResult:
        """Apply a captured gateway payment to the open sale, completing it when paid.

        ``within`` (marking the attempt as applied) commits in the same transaction as the
        basket change or the sale's completion: a payment is applied exactly once.
        """
        self._auth.require(Permission.SELL)
        current = self._current_sale()
        if current.sale_id != sale_id:
            raise ServiceError("That payment belongs to another sale.")
        sale = current.copy()
        sale.add_payment(payment, self._table, rounding=rounding)
        if not sale.is_fully_paid(self._table):
            view = self._persist(
                sale,
                audit_action="payment_applied",
                detail={"method": payment.method, "amount": payment.amount.minor},
                within=within,
            )
            return CashResult(view, None, Money.zero(sale.currency))
        sale.complete(self._table)
        receipt = self._finish(
            sale, Money.zero(sale.currency), outbox_kind="sale.completed", within=within
        )
        return CashResult(self._view(None), receipt, Money.zero(sale.currency))

    def complete_paid(self) -> CashResult:
        """Finish a sale that is already fully paid (e.g. goods removed after a part
        payment): the overpayment is handed back as change."""
        self._auth.require(Permission.SELL)
        current = self._current_sale()
        if not current.lines:
            paid = current.totals(self._table).paid
            raise ServiceError(NOTHING_LEFT(paid=paid))
        if not current.is_fully_paid(self._table):
            due = current.totals(self._table).due
            raise ServiceError(STILL_DUE(due=due))
        sale = current.copy()
        policy = self._ctx.policy
        sale.settle_overpayment(
            self._table, policy.cash_rounding_increment, policy.cash_rounding_mode
        )
        change = sale.change_due(self._table)
        sale.complete(self._table)
        receipt = self._finish(sale, change, outbox_kind="sale.completed")
        return CashResult(self._view(None), receipt, change)

    def void(self, reason: str, approval: Approval | None = None) -> VoidResult:
        """Void the open sale (with a reason); it is kept in the journal as voided."""
        current = self._current_sale()
        if not current.lines and not current.payments:
            raise DomainError("The basket is empty: there is nothing to void.", code="empty")
        user = self._auth.require_user()
        who = self._auth.authorize(Permission.VOID_SALE, approval)
        sale = current.copy()
        sale.void(reason)
        zero = Money.zero(sale.currency)
        cash = sum((p.amount for p in sale.payments if p.method == CASH), zero)
        others = [p for p in sale.payments if p.method != CASH]
        now = self._clock.now()

        def flag_gateway_money(s: Session) -> None:
            # the money stays at the gateway: the manager gives it back (or credits it)
            for p in others:
                record = attempts.get_attempt(s, p.payment_id)
                if record is None or record.resolution == "late":
                    continue
                record, _ = attempts.update_attempt(
                    s,
                    p.payment_id,
                    now,
                    resolution="late",
                    code=f"{record.method}.sale_voided",
                    message=f"Sale voided after {record.amount} was paid: give it back.",
                )
                emit_late(s, self._ids, self._ctx, record, now, reason="sale_closed")

        receipt = self._finish(
            sale,
            zero,
            outbox_kind="sale.voided",
            audit=("sale_voided", "" if who == user.user_id else who, {"reason": sale.void_reason}),
            within=flag_gateway_money if others else None,
        )
        labels = tuple(
            (dict(p.details).get(LABEL_DETAIL) or p.method.title(), p.amount) for p in others
        )
        return VoidResult(receipt, cash, labels)

    def _finish(
        self,
        sale: Sale,
        change: Money,
        *,
        outbox_kind: str,
        audit: tuple[str, str, dict[str, object]] | None = None,
        within: Callable[[Session], None] | None = None,
    ) -> Receipt:
        """One durable transaction: number, journal rows, outbox event, draft removed
        (and ``within``, e.g. the payment attempt that settled the sale)."""
        user = self._auth.require_user()
        now = self._clock.now()
        totals = sale.totals(self._table)
        with self._db.session() as s:
            self._refuse_finished(s, sale)
            if sale.status is SaleStatus.COMPLETED:  # into the open shift's numbers
                require_open_shift(s, self._ctx.terminal_id)
            seq = repo.next_number(s, f"{RECEIPT_COUNTER}:{self._ctx.terminal_id}")
            header = repo.JournalHeader(
                cashier_id=user.user_id,
                number=self._ctx.receipt_number(seq),
                seq=seq,
                store_id=self._ctx.store.store_id,
                terminal_id=self._ctx.terminal_id,
                cashier_name=user.name,
                closed_at=now,
                business_date=self._ctx.business_date(now),
                training=self._ctx.training,
                change=change,
                store=self._ctx.store,
            )
            repo.write_sale(s, sale, totals, header, self._table)
            if sale.status is SaleStatus.COMPLETED:  # the daily totals view's day summaries
                daily.add_completed_sale(s, sale, totals, header)
            # The outbox payload is the wire document (sync.protocol), numbered with the
            # row's own seq, taken inside this transaction (already writing: no race).
            outbox_seq = repo.next_outbox_seq(s)
            document = sale_document(
                sale,
                totals,
                self._table,
                header,
                event_id=self._ids.new(),
                seq=outbox_seq,
                approved_by=audit[1] if audit is not None else "",
            )
            repo.add_outbox_event(
                s,
                event_id=document["event_id"],
                kind=outbox_kind,
                aggregate_id=sale.sale_id,
                payload=document,
                now=now,
                seq=outbox_seq,
                text=document_text(document),  # reuses the body's JSON from its hash
            )
            repo.delete_draft(s, sale.sale_id)
            if within is not None:
                within(s)
            if audit is not None:
                action, approved_by, detail = audit
                self._audit.write(
                    s,
                    user_id=user.user_id,
                    action=action,
                    document_id=sale.sale_id,
                    approved_by=approved_by,
                    detail=detail,
                )
        self._sale = None
        if self.on_finished is not None:
            try:
                self.on_finished()
            except Exception:  # the sale is committed; a wake-up that failed only waits
                log.exception("the sync wake-up after a sale failed")
        return build_receipt(
            sale,
            totals,
            store=self._ctx.store,
            terminal_id=self._ctx.terminal_id,
            number=header.number,
            issued_at=now.astimezone(self._ctx.zone),
            cashier=user.name,
            training=self._ctx.training,
            change=change,
        )

    # -- receipts after the fact ------------------------------------------------------------
    def last_receipt(self) -> Receipt | None:
        """The newest finished sale of this till, as a reprint (one key after a restart)."""
        user = self._auth.require(Permission.SELL)
        with self._db.session() as s:
            entry = repo.last_sale(s, self._ctx.terminal_id)
            if entry is None:
                return None
            self._audit.write(
                s, user_id=user.user_id, action="receipt_reprint", document_id=entry.sale.sale_id
            )
        return self._journal_receipt(entry, reprint=True)

    def _journal_receipt(self, entry: repo.JournalEntry, *, reprint: bool) -> Receipt:
        receipt = build_receipt(
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
        return replace(receipt, reprint=True) if reprint else receipt


def _shown(raised: dict[str, Decimal]) -> dict[str, Decimal]:
    """For the audit: the discounts that crossed the limit; the combined total only when
    it is the one that did (several small discounts adding up)."""
    return {k: v for k, v in raised.items() if k != "total"} or raised


def _has_discounts(sale: Sale) -> bool:
    """Does any discount sit on the basket (only then can a change raise one)?"""
    return sale.order_discount is not None or any(ln.discount is not None for ln in sale.lines)
