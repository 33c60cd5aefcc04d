"""Taking money through gateways without ever losing or doubling it.

The life of an attempt:

1. **Stored first.** ``start`` writes the attempt (state ``created``, its id = the
   idempotency key) and commits BEFORE the gateway is called.
2. **Sent.** The method answers ``pending`` (customer deciding), a final state, or the
   gateway cannot be reached (the attempt becomes ``unknown`` and is asked about later).
3. **Resolved.** ``poll`` asks the method (M-Pesa STK query, PayPal GET order + capture)
   until the attempt is final, or past its deadline (M-Pesa: about two minutes) it is
   marked ``expired``. A captured attempt is applied to its sale in the same transaction
   that marks it applied, and completes the sale when fully paid.
4. **Recovered.** After a crash, ``resolve_unfinished`` asks about every open attempt
   exactly once per pass. Money captured while its sale is still open and still needs it is
   applied (even if the cashier stopped waiting); otherwise it is never applied to another
   sale: it is flagged ``late`` for the manager (credit or refund), with an alert.

One request per sale and method at a time: before a new one, any pending request for the
same sale is asked about; if the customer may still be deciding, the new one is refused.

Threads: every use case that calls a gateway is written as :mod:`pos.services.steps`
(a generator yielding the gateway call). The UI runs the store parts on the till worker
and the gateway calls on the network executor, so a gateway that never answers never
delays a scan; the synchronous methods (``start``, ``poll``, ...) drive the same steps
inline for tests and the command line. What differs between methods comes from their
:class:`~pos.payments.base.MethodDescription`, never from their code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from pos.domain.messages import Message, define, text
from pos.domain.money import Money, convert, exponent, round_half_up
from pos.domain.outcomes import outcome, say
from pos.domain.receipt import LABEL_DETAIL, REFERENCE_LABEL_DETAIL, ROUNDING_DETAIL, Receipt
from pos.domain.sale import Payment
from pos.domain.text import with_article
from pos.payments.base import (
    AttemptRef,
    AttemptState,
    Capability,
    DialogKind,
    GatewayUnavailable,
    MethodDescription,
    PayerKey,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
    RefundResult,
    mask_phone,
    payer_hash,
)
from pos.services.attempt_events import emit_late, emit_resolved, emit_settled
from pos.services.audit import AuditWriter
from pos.services.auth import Approval, AuthService, Permission
from pos.services.checkout import CheckoutService, SaleView
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import NotFound, ServiceError
from pos.services.steps import PAUSE, NetCall, Steps, run_inline
from pos.store import attempts as store
from pos.store.db import Database

ENTERED_IN = define("payments.entered_in", "Amounts are entered in {currency}.")
NO_RATE = define("payments.no_rate", "No exchange rate for {currency} is configured.")
EARLIER_CAME_DUE = define(
    "payments.earlier_came_due",
    "An earlier payment for this sale just came through: {due} is still due.",
)
EARLIER_CAME_DONE = define(
    "payments.earlier_came_done",
    "An earlier payment for this sale just came through: the sale is complete.",
)
NO_CHANGE = define(
    "payments.no_change", "{amount} is more than the {due} due. {method} gives no change."
)
#: ``a_method`` is the English label with its article ("An M-Pesa"); other languages use
#: ``method``
STILL_WAITING = define(
    "payments.still_waiting",
    "{a_method} request for this sale is still waiting ({status}) — wait for it or cancel it "
    "before sending another.",
    also=("method",),
)
#: outcomes the service itself gives an attempt, read back on screen (``pos.domain.outcomes``)
NEVER_ANSWERED = outcome(
    define(
        "payments.never_answered",
        "The till never got {method}'s answer to this request. If the customer paid, the "
        "payment will show up as a late payment for the manager.",
    )
)
STOPPED_WAITING = outcome(
    define(
        "payments.stopped_waiting",
        "Stopped waiting. The {method} request is still checked in the background; if the "
        "customer pays after all, the manager is alerted.",
    )
)
NO_SUCH_REFERENCE = define(
    "payments.no_such_reference", "No {method} payment on this till has reference {reference}."
)
CANNOT_REFUND = define(
    "payments.cannot_refund",
    "{method} cannot refund from the till: give the money back by hand (a reversal or cash) "
    "and say how in the note.",
)
NOT_SET_UP = define("payments.not_set_up", "The payment method {code} is not set up on this till.")
KEYED_MISSING = define("payments.keyed_missing", "Type the {field} before sending.")
KEYED_DIGITS = define("payments.keyed_digits", "{field}: digits only (0-9).")
KEYED_LENGTH = define("payments.keyed_length", "{field}: type {length} characters.")
KEYED_UNKNOWN = define("payments.keyed_unknown", "{method} takes no field named {field}.")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """Per-till rules from the config file ([payments] and [payments.<method>]); every
    mapping is keyed by method code and overrides what the method itself declares."""

    foreign_rates: Mapping[str, Decimal] = field(default_factory=lambda: {"USD": Decimal("129.50")})
    method_currency: Mapping[str, str] = field(default_factory=dict)
    deadline_seconds: Mapping[str, int] = field(default_factory=dict)
    #: seconds between a dialog's polls; the last repeats. Quick at first (most customers
    #: answer in seconds), then gentler on the gateway's rate limits.
    poll_schedule: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 3.0)
    #: background re-checks of unfinished attempts: first delay, doubling up to the cap
    recheck_first_seconds: float = 30.0
    recheck_max_seconds: float = 3600.0


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """A method as the screens see it: its description plus this till's currency."""

    description: MethodDescription
    currency: str
    can_cancel: bool

    @property
    def code(self) -> str:
        return self.description.code

    @property
    def label(self) -> str:
        return self.description.label

    @property
    def needs_phone(self) -> bool:
        return self.description.needs_phone

    @property
    def customer_device(self) -> bool:
        return self.description.customer_device


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """Live check of a typed phone number: ``problem`` to show (a fixed sentence or a
    message with values, rendered in the cashier's language), ``complete`` when usable."""

    problem: str | Message | None
    complete: bool


@dataclass(slots=True)
class _Recheck:
    """When an unfinished attempt is next asked about in the background, and how often."""

    due: datetime
    interval: float


@dataclass(frozen=True, slots=True)
class Quote:
    """What starting a payment of ``applied`` (sale currency) would ask the customer for."""

    method: str
    applied: Money  # credited to the sale
    tender: Money  # asked of the customer, in the method's currency
    rounding: Money  # sale currency, e.g. M-Pesa whole-shilling round-up
    rate: str  # "129.50 KES/USD" or ""

    def describe(self) -> str:
        parts = [str(self.tender)]
        if self.rate:
            parts.append(f"= {self.applied} at {self.rate}")
        if self.rounding:
            parts.append(f"(includes {self.rounding.amount_text()} rounding: whole shillings)")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class AttemptView:
    """An attempt as the cashier's dialog shows it."""

    attempt_id: str
    method: str
    label: str
    state: AttemptState
    message: str
    code: str
    tender: Money
    applied: Money
    rounding: Money
    rate: str
    action_url: str
    payer: str
    receipt_ref: str
    deadline: datetime
    retry_allowed: bool
    sale_view: SaleView | None = None  # the basket after a capture was applied
    receipt: Receipt | None = None  # set when this payment completed the sale
    late: bool = False  # paid after the sale moved on: manager must settle it

    @property
    def final(self) -> bool:
        return self.state.final


class PaymentService:
    """Gateway payments of this terminal (cash goes through ``CheckoutService.pay_cash``)."""

    def __init__(
        self,
        db: Database,
        ctx: TerminalContext,
        clock: Clock,
        ids: IdFactory,
        auth: AuthService,
        checkout: CheckoutService,
        methods: Mapping[str, PaymentMethod],
        settings: PaymentSettings | None = None,
        payer_key: Callable[[], bytes] | None = None,
    ) -> None:
        """``payer_key``: the key payers' numbers are hashed with (``PayerKey.kept_in`` the
        OS keyring on a live till); without it, a key for this process only."""
        self._payer_key = payer_key or PayerKey.for_process()
        self._db = db
        self._ctx = ctx
        self._clock = clock
        self._ids = ids
        self._auth = auth
        self._checkout = checkout
        self._methods = dict(methods)
        self.settings = settings or PaymentSettings()
        self._audit = AuditWriter(ctx, clock, ids)
        self._rechecks: dict[str, _Recheck] = {}
        #: every installed method's label (read once, when a tender not offered is named)
        self._installed_labels: dict[str, str] | None = None

    # -- what is available ----------------------------------------------------------------
    def methods(self) -> list[MethodInfo]:
        """Methods the cashier can choose besides cash, in a stable order (by hotkey)."""
        infos = [
            MethodInfo(m.describe(), self._currency_of(m.code), m.can(Capability.CANCEL))
            for m in self._methods.values()
            if not m.describe().drawer
        ]
        return sorted(
            infos, key=lambda i: (i.description.hotkey is None, i.description.hotkey or "", i.code)
        )

    def tender_label(self, code: str) -> str:
        """How a tender of method ``code`` is named to people (its receipt label: "Cash",
        "Card", "M-Pesa"); a method no longer installed is named by its code."""
        method = self._methods.get(code)
        if method is not None:
            return method.describe().receipt_name
        if self._installed_labels is None:  # cash, or a method switched off since
            from pos.services.zreports import installed_labels

            self._installed_labels = installed_labels()
        return self._installed_labels.get(code, code)

    def replace_methods(self, methods: Mapping[str, PaymentMethod]) -> None:
        """Swap in freshly built methods (keys saved in Settings apply at once). Attempts
        of a method that disappears stay stored and are resolved when it is back."""
        self._methods = dict(methods)

    def describe(self, code: str) -> MethodDescription:
        return self._method(code).describe()

    def _method(self, code: str) -> PaymentMethod:
        try:
            return self._methods[code]
        except KeyError:
            raise ServiceError(NOT_SET_UP(code=repr(code))) from None

    def _currency_of(self, code: str) -> str:
        configured = self.settings.method_currency.get(code)
        if configured:
            return configured
        method = self._methods.get(code)
        return method.tender_currency(self._ctx.currency) if method else self._ctx.currency

    def quote(self, method: str, amount: Money) -> Quote:
        """Convert and round an amount of the sale currency for ``method`` (documented in
        docs/payments.md): whole units where the method says so (rounded UP, the difference
        shown and recorded as rounding), foreign currency at the configured rate, half-up."""
        description = self._method(method).describe()
        if amount.currency != self._ctx.currency:
            raise ServiceError(ENTERED_IN(currency=self._ctx.currency))
        zero = Money.zero(amount.currency)
        currency = self._currency_of(method)
        if currency != amount.currency:
            rate = self.settings.foreign_rates.get(currency)
            if rate is None:
                raise ServiceError(NO_RATE(currency=currency))
            tender = convert(amount, rate, currency)
            return Quote(method, amount, tender, zero, f"{rate:f} {amount.currency}/{currency}")
        if description.whole_units_only:
            unit = 10 ** exponent(amount.currency)
            whole = -(-amount.minor // unit) * unit
            return Quote(
                method,
                amount,
                Money(whole, currency),
                Money(whole - amount.minor, amount.currency),
                "",
            )
        return Quote(method, amount, amount, zero, "")

    def check_phone(self, method: str, text: str) -> PhoneCheck:
        """Live validation for the phone field, by the method's own rules."""
        m = self._method(method)
        problem = m.check_phone(text)
        if problem:
            return PhoneCheck(problem, False)
        try:
            m.normalize_phone(text)
        except Exception:  # incomplete: not wrong yet, not usable yet
            return PhoneCheck(None, False)
        request = PaymentRequest(
            "check", "check", Money(100, self._currency_of(method)), "check", phone=text
        )
        return PhoneCheck(None, m.validate(request) is None and bool(text.strip()))

    # -- starting ---------------------------------------------------------------------------
    def start(
        self,
        method_code: str,
        amount: Money,
        phone: str | None = None,
        keyed: Mapping[str, str] | None = None,
    ) -> AttemptView:
        """Ask the customer for ``amount`` (sale currency) through a gateway (inline)."""
        return run_inline(self.start_steps(method_code, amount, phone, keyed))

    def start_steps(
        self,
        method_code: str,
        amount: Money,
        phone: str | None = None,
        keyed: Mapping[str, str] | None = None,
    ) -> Steps[AttemptView]:
        """``start`` as steps: the gateway calls are yielded (see :mod:`pos.services.steps`).

        ``keyed``: the values of the method's ``keyed_fields`` as the cashier typed them;
        checked against the declared rules before anything is stored, handed to the method
        in the request only (never logged, audited or stored by the service)."""
        user = self._auth.require(Permission.SELL)
        method = self._method(method_code)
        description = method.describe()
        view = self._checkout.view()
        if view.sale_id is None or view.is_empty:
            raise ServiceError("The basket is empty: scan an item first.")
        due = view.totals.due
        if amount.minor <= 0:
            raise ServiceError("Enter an amount more than zero.")
        if amount > due:
            raise ServiceError(NO_CHANGE(amount=amount, due=due, method=method.label))
        quote = self.quote(method_code, amount)
        if description.needs_phone and phone is not None:
            problem = method.check_phone(phone)
            if problem:
                raise ServiceError(problem)
        values = _keyed_values(method, description, keyed or {})
        request = PaymentRequest(
            attempt_id=self._ids.new(),
            sale_id=view.sale_id,
            amount=quote.tender,
            reference=self._ctx.store.store_id[:12],
            description=f"{self._ctx.store.name[:13]}",
            phone=phone,
            keyed=values,
        )
        problem = method.validate(request)
        if problem:
            raise ServiceError(problem)
        if phone is not None and description.needs_phone:
            request = replace(request, phone=method.normalize_phone(phone))
        yield from self._guard_one_at_a_time(method, view.sale_id)
        # the guard may have settled an earlier request: look at the sale again
        again = self._checkout.view()
        if again.sale_id != view.sale_id or again.totals.due < amount:
            raise ServiceError(
                EARLIER_CAME_DUE(due=again.totals.due)
                if again.sale_id == view.sale_id
                else EARLIER_CAME_DONE()
            )
        now = self._clock.now()
        with self._db.session() as s:
            record = store.insert_attempt(
                s,
                attempt_id=request.attempt_id,
                sale_id=view.sale_id,
                terminal_id=self._ctx.terminal_id,
                method=method_code,
                amount=quote.tender,
                applied=quote.applied,
                rounding=quote.rounding,
                rate=quote.rate,
                payer_masked=mask_phone(request.phone) if request.phone else "",
                payer_hash=(
                    payer_hash(self._payer_key(), request.attempt_id, request.phone)
                    if request.phone
                    else ""
                ),
                created_by=user.user_id,
                now=now,
            )
            self._audit.write(
                s,
                user_id=user.user_id,
                action="payment_started",
                document_id=view.sale_id,
                detail={
                    "attempt": record.id,
                    "method": method_code,
                    "amount": quote.tender.minor,
                    "currency": quote.tender.currency,
                },
            )
        result = yield from _ask(method.start, request, f"{method_code}.start {record.id}")
        return self._record_result(record.id, result)

    def _guard_one_at_a_time(self, method: PaymentMethod, sale_id: str) -> Steps[None]:
        """Never ask twice for one sale while the customer may still be deciding."""
        with self._db.session() as s:
            open_ones = [
                a
                for a in store.attempts_for_sale(s, sale_id)
                if a.method == method.code and not a.final
            ]
        for attempt in open_ones:
            view = yield from self.poll_steps(attempt.id)
            if not view.final:
                raise ServiceError(
                    STILL_WAITING(
                        a_method=with_article(method.label, capital=True),
                        method=method.label,
                        status=Message.plain(view.message),
                    )
                )

    # -- following up ---------------------------------------------------------------------
    def poll(self, attempt_id: str) -> AttemptView:
        """Ask the gateway about an attempt and act on the answer (inline)."""
        return run_inline(self.poll_steps(attempt_id))

    def poll_steps(self, attempt_id: str) -> Steps[AttemptView]:
        """Ask the gateway about an attempt and act on the answer (apply when captured)."""
        self._auth.require_user()
        with self._db.session() as s:
            record = store.get_attempt(s, attempt_id)
        if record is None:
            raise NotFound("That payment attempt is unknown on this till.")
        if record.state == "expired" and record.gateway_ref and not record.resolution:
            return (yield from self._recheck_expired(record))
        if record.final:
            return self._settle(record, None)
        method = self._method(record.method)
        if not record.gateway_ref:
            return (yield from self._resend_or_wait(record, method))
        result = yield from _ask(method.status, _ref(record), f"{record.method}.status {record.id}")
        # Expire only on the gateway's own word that it is still pending: "could not ask"
        # (network down) never ends an attempt, or money paid meanwhile would be lost.
        if result.state is AttemptState.PENDING and self._clock.now() > self._deadline(record):
            result = PaymentResult(
                AttemptState.EXPIRED,
                f"{record.method}.timeout",
                text(
                    "No answer from the customer in time. Ask them to check their phone, then "
                    "try again or take another method. If it is paid later, the manager is "
                    "alerted."
                ),
                retry_allowed=method.describe().resend_allowed,
            )
        return self._record_result(attempt_id, result)

    def _recheck_expired(self, record: store.AttemptRecord) -> Steps[AttemptView]:
        """An attempt the till gave up on is asked about again until the method's window
        has passed: a capture found later is applied (sale still open) or flagged late;
        anything else final, or the window passing, closes it."""
        method = self._method(record.method)
        if self._clock.now() > self._window_end(record):
            return self._close(record)
        try:
            result = yield NetCall(
                lambda: method.status(_ref(record)), f"{record.method}.recheck {record.id}"
            )
        except GatewayUnavailable:
            return self._view(record, retry_allowed=True)
        if result.state is AttemptState.CAPTURED:
            return self._record_result(record.id, result)
        if result.state.final:
            return self._close(record)
        return self._view(record, retry_allowed=True)

    def _close(self, record: store.AttemptRecord) -> AttemptView:
        with self._db.session() as s:
            record, _ = store.update_attempt(s, record.id, self._clock.now(), resolution="closed")
        self._rechecks.pop(record.id, None)
        return self._view(record, retry_allowed=True)

    def _resend_or_wait(
        self, record: store.AttemptRecord, method: PaymentMethod
    ) -> Steps[AttemptView]:
        """The gateway never confirmed the start (crash or lost answer).

        Methods whose start is idempotent at the gateway (PayPal, by request id) are simply
        started again with the same attempt id and return the same order. Others (M-Pesa's
        STK push) cannot be asked about without the gateway's reference: the attempt waits
        out the prompt's life and then expires; a callback relayed later still settles it.
        """
        if not method.can(Capability.IDEMPOTENT_START):
            if self._clock.now() > self._deadline(record):
                return self._record_result(
                    record.id,
                    PaymentResult(
                        AttemptState.EXPIRED,
                        f"{record.method}.lost",
                        say(NEVER_ANSWERED, method=method.label),
                        retry_allowed=True,
                    ),
                )
            return self._view(record, retry_allowed=False)
        request = PaymentRequest(
            record.id,
            record.sale_id,
            record.amount,
            self._ctx.store.store_id[:12],
            self._ctx.store.name[:13],
        )
        result = yield from _ask(method.start, request, f"{record.method}.restart {record.id}")
        return self._record_result(record.id, result)

    def cancel(self, attempt_id: str) -> AttemptView:
        """The cashier gives up waiting (inline)."""
        return run_inline(self.cancel_steps(attempt_id))

    def cancel_steps(self, attempt_id: str) -> Steps[AttemptView]:
        """The cashier gives up waiting. The attempt is still resolved later: if it turns
        out paid, the money is flagged for the manager, never lost."""
        user = self._auth.require(Permission.SELL)
        with self._db.session() as s:
            record = store.get_attempt(s, attempt_id)
        if record is None:
            raise NotFound("That payment attempt is unknown on this till.")
        if record.final:
            return self._settle(record, None)
        method = self._method(record.method)
        now = self._clock.now()
        with self._db.session() as s:
            # abandoned first: a late approval seen from here on is never captured
            store.update_attempt(s, attempt_id, now, abandoned=True)
            self._audit.write(
                s,
                user_id=user.user_id,
                action="payment_abandoned",
                document_id=record.sale_id,
                detail={"attempt": attempt_id},
            )
        result: PaymentResult | None = None
        if method.can(Capability.CANCEL) and record.gateway_ref:
            try:
                result = yield NetCall(
                    lambda: method.cancel(_ref(record)), f"{record.method}.cancel {attempt_id}"
                )
            except GatewayUnavailable as exc:
                log.warning("cancel of %s failed: %s", attempt_id, exc)
        if result is not None and result.state is not AttemptState.UNKNOWN:
            return self._record_result(attempt_id, result)
        with self._db.session() as s:
            fresh = store.get_attempt(s, attempt_id)
        assert fresh is not None
        return self._view(
            fresh,
            retry_allowed=True,
            message=say(STOPPED_WAITING, method=method.label),
        )

    def resolve_unfinished(self, *, everything: bool = True) -> list[AttemptView]:
        """After a restart: ask about every open attempt once (inline)."""
        return run_inline(self.resolve_unfinished_steps(everything=everything))

    def resolve_unfinished_steps(self, *, everything: bool = False) -> Steps[list[AttemptView]]:
        """Ask about open attempts whose re-check is due (``everything``: all of them, as
        at start-up). Each attempt backs off on its own: 30 s, doubling up to an hour;
        an expired one stops once its method's window has passed."""
        now = self._clock.now()
        with self._db.session() as s:
            open_ones = store.open_attempts(s, self._ctx.terminal_id)
        still_open = {r.id for r in open_ones}
        for gone in [a for a in self._rechecks if a not in still_open]:
            del self._rechecks[gone]  # settled, closed or flagged: nothing to ask
        views = []
        for record in open_ones:
            plan = self._rechecks.get(record.id)
            if not everything and plan is not None and now < plan.due:
                continue
            interval = (
                self.settings.recheck_first_seconds
                if plan is None
                else min(plan.interval * 2, self.settings.recheck_max_seconds)
            )
            self._rechecks[record.id] = _Recheck(now + timedelta(seconds=interval), interval)
            if record.method not in self._methods:
                continue  # not set up now (keys removed?): asked again once it is back
            # each attempt's store part on its own: a scan queued meanwhile goes first
            yield PAUSE
            try:
                view = yield from self.poll_steps(record.id)
            except ServiceError as exc:
                log.warning("could not resolve attempt %s: %s", record.id, exc)
                continue
            if record.state == "expired" and view.state is AttemptState.EXPIRED:
                continue  # asked again in case it was paid after all: nothing new
            views.append(view)
        return views

    def apply_gateway_event(
        self, method_code: str, raw: bytes, attempt_id: str | None = None
    ) -> AttemptView:
        """A callback/webhook relayed by the head office: the seam beside polling.

        Whichever comes first, the event or the poll, settles the attempt; the other finds
        it final and changes nothing. Duplicates and late events are harmless; an event
        whose amount or payer does not match the attempt is never applied to the sale.
        A paid event for an attempt the till has expired, cancelled or declined (head office
        relays a paid callback after a failed one: the money came after all) is captured
        and goes where late money goes (:meth:`_record_result`), once.
        """
        method = self._method(method_code)
        try:
            gateway_ref, event = method.parse_event(raw)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
        with self._db.session() as s:
            record = store.attempt_by_gateway_ref(s, method_code, gateway_ref)
            if record is None and attempt_id is not None:
                # routed by the attempt id in the callback URL: the push's answer (with the
                # gateway's reference) may never have reached the till
                by_id = store.get_attempt(s, attempt_id)
                if by_id is not None and by_id.method == method_code and not by_id.gateway_ref:
                    record, _ = store.update_attempt(
                        s, attempt_id, self._clock.now(), gateway_ref=gateway_ref
                    )
        if record is None:
            raise NotFound(NO_SUCH_REFERENCE(method=method.label, reference=gateway_ref))
        if record.final and record.state not in store.CAPTURE_MAY_FOLLOW:
            return self._settle(record, None)
        return self._record_result(record.id, method.apply_event(_ref(record), event))

    def settle_late(
        self,
        attempt_id: str,
        action: str,
        note: str,
        approval: Approval | None = None,
    ) -> AttemptView:
        """Account for money that no sale needed (inline)."""
        return run_inline(self.settle_late_steps(attempt_id, action, note, approval))

    def settle_late_steps(
        self,
        attempt_id: str,
        action: str,
        note: str,
        approval: Approval | None = None,
    ) -> Steps[AttemptView]:
        """Account for money that no sale needed (manager, or with a manager's PIN).

        ``action``: ``refund`` gives it back: through the gateway where the method can
        refund, otherwise by hand (a reversal at the gateway or cash from the drawer), which
        the note must say. ``credit`` keeps it as the customer's credit; the note names the
        customer. Either way: audited, and an outbox event for head office's books.
        """
        user = self._auth.require_user()
        if action not in ("refund", "credit"):
            raise ServiceError("Choose refund or credit.")
        note = note.strip()
        with self._db.session() as s:
            record = store.get_attempt(s, attempt_id)
        if record is None or record.resolution != "late":
            raise NotFound("That late payment is gone (settled already?).")
        who = self._auth.authorize(Permission.SETTLE_PAYMENTS, approval)
        method = self._method(record.method)
        resolution, reference = "credited", ""
        if action == "refund" and method.can(Capability.REFUND):
            ref, amount = _ref(record, receipt=True), record.amount
            refund: RefundResult = yield NetCall(
                lambda: method.refund(ref, amount), f"{record.method}.refund {attempt_id}"
            )
            if not refund.ok:
                raise ServiceError(refund.message)
            resolution, reference = "refunded", refund.refund_ref
        elif action == "refund":
            if len(note) < 5:
                raise ServiceError(CANNOT_REFUND(method=method.label))
            resolution = "refunded_by_hand"
        elif len(note) < 3:
            raise ServiceError("Say whose credit this is (customer name or phone) in the note.")
        now = self._clock.now()
        with self._db.session() as s:
            record, _ = store.update_attempt(
                s,
                attempt_id,
                now,
                resolution=resolution,
                message=f"{resolution}: {note}"[:300],
            )
            detail = {
                "attempt": attempt_id,
                "method": record.method,
                "amount": record.amount.minor,
                "currency": record.amount.currency,
                "resolution": resolution,
                "reference": reference,
                "note": note,
            }
            self._audit.write(
                s,
                user_id=user.user_id,
                action="payment_late_settled",
                document_id=record.sale_id,
                approved_by=who,
                detail=detail,
            )
            emit_settled(
                s,
                self._ids,
                self._ctx,
                record,
                now,
                settled_by=user.user_id,
                approved_by="" if who == user.user_id else who,
                reference=reference,
                note=note,
            )
        return self._view(record, retry_allowed=False)

    def late_payments(self) -> list[AttemptView]:
        """Money that arrived after its sale moved on: the manager settles each one."""
        with self._db.session() as s:
            return [
                self._view(r, retry_allowed=False, late=True)
                for r in store.attempts_with_resolution(s, self._ctx.terminal_id, "late")
            ]

    # -- recording and applying -------------------------------------------------------------
    def _record_result(self, attempt_id: str, result: PaymentResult) -> AttemptView:
        """Store what the gateway said (compare and set: a final attempt never changes
        again, except that money may still come after ``expired``, ``cancelled`` or
        ``declined``), then apply the money or flag it. Runs on the till worker.

        Money after a cancel or decline is the customer's: it is applied while its sale is
        still open and still needs it, as after ``expired``, and otherwise flagged ``late``
        for the manager (:meth:`_settle`); the sale that moved on is never changed. The
        change is audited (``payment_paid_after_failure``) beside ``payment_late``."""
        now = self._clock.now()
        changes: dict[str, object] = {"code": result.code, "message": result.message[:300]}
        changes["state"] = result.state.value
        if result.gateway_ref:
            changes["gateway_ref"] = result.gateway_ref
        if result.receipt_ref:
            changes["receipt_ref"] = result.receipt_ref
        if result.action_url:
            changes["action_url"] = result.action_url[:500]
        with self._db.session() as s:
            current = store.get_attempt(s, attempt_id)
            assert current is not None
            if current.final and current.state not in store.CAPTURE_MAY_FOLLOW:
                return self._settle(current, None)
            if result.state is AttemptState.UNKNOWN and current.state == "pending":
                changes.pop("state")  # stay pending: unknown is only "could not ask"
            if current.state in store.CAPTURE_MAY_FOLLOW:
                if result.state is not AttemptState.CAPTURED:
                    return self._view(current, retry_allowed=True)  # stays as it was
                changes["resolution"] = ""  # money after all: apply or flag it below
            record, old = store.update_attempt(s, attempt_id, now, **changes)
            if record.final and old != record.state:
                emit_resolved(s, self._ids, self._ctx, record, now)
            if old in ("declined", "cancelled") and record.state == "captured":
                # the till had told the cashier the customer did not pay: keep what it
                # was told beside the money that came (the attempt's event log has both too)
                self._audit_attempt(
                    s,
                    record,
                    "payment_paid_after_failure",
                    was=old,
                    was_code=current.code,
                    receipt=record.receipt_ref,
                )
                log.warning(
                    "attempt %s was %s (%s), then paid (%s): applied or flagged late",
                    record.id,
                    old,
                    current.code,
                    record.receipt_ref,
                )
        if (
            result.state is AttemptState.CAPTURED
            and result.captured is not None
            and result.captured != record.amount
        ):
            # never apply money that does not match what was asked: the manager decides
            with self._db.session() as s:
                record, _ = store.update_attempt(
                    s,
                    attempt_id,
                    now,
                    resolution="late",
                    code=f"{record.method}.mismatch",
                    message=f"Captured {result.captured}, expected {record.amount}.",
                )
                emit_late(
                    s,
                    self._ids,
                    self._ctx,
                    record,
                    now,
                    reason="amount_mismatch",
                    captured=result.captured,
                )
            return self._view(record, retry_allowed=False, late=True)
        return self._settle(record, result)

    def _audit_attempt(
        self, s: Session, record: store.AttemptRecord, action: str, **extra: object
    ) -> None:
        """An audit entry about ``record`` (who started it, its sale, what it was for)."""
        self._audit.write(
            s,
            user_id=record.created_by,
            action=action,
            document_id=record.sale_id,
            detail={
                "attempt": record.id,
                "method": record.method,
                "amount": record.amount.minor,
                "currency": record.amount.currency,
                **extra,
            },
        )

    def _settle(self, record: store.AttemptRecord, result: PaymentResult | None) -> AttemptView:
        """Apply a captured attempt to its sale exactly once, or flag it as late."""
        retry = bool(result.retry_allowed) if result else False
        if record.state != "captured" or record.resolution:
            return self._view(record, retry_allowed=retry, late=record.resolution == "late")
        open_sale = self._checkout.open_sale_id
        due = self._checkout.view().totals.due if open_sale == record.sale_id else None
        # Even a request the cashier stopped waiting for is applied while its sale is still
        # open and still needs that much: asking the customer to pay twice is worse.
        if due is None or record.applied > due:
            now = self._clock.now()
            with self._db.session() as s:
                record, _ = store.update_attempt(s, record.id, now, resolution="late")
                self._audit_attempt(s, record, "payment_late")
                reason = "sale_closed" if due is None else "not_needed"
                emit_late(s, self._ids, self._ctx, record, now, reason=reason)
            self._rechecks.pop(record.id, None)
            return self._view(record, retry_allowed=False, late=True)
        method = self._methods.get(record.method)
        details: list[tuple[str, str]] = []
        if method is not None:
            described = method.describe()
            details += [
                (LABEL_DETAIL, described.receipt_name),
                (REFERENCE_LABEL_DETAIL, described.reference_label),
            ]
        if record.rounding:
            details.append((ROUNDING_DETAIL, str(record.rounding.minor)))
        if record.rate:
            details += [("foreign", str(record.amount)), ("rate", record.rate)]
        if record.payer_masked:
            details.append(("payer", record.payer_masked))
        if record.gateway_ref:
            details.append(("gateway_ref", record.gateway_ref))
        reference = (
            method.customer_reference(record.receipt_ref, record.gateway_ref)
            if method is not None
            else record.receipt_ref or record.gateway_ref
        )
        payment = Payment(
            payment_id=record.id,
            method=record.method,
            amount=record.applied + record.rounding,
            tendered=record.applied + record.rounding,
            change=Money.zero(record.applied.currency),
            at=self._clock.now(),
            reference=reference,
            details=tuple(details),
        )
        attempt_id = record.id

        def mark_applied(s: Session) -> None:
            # compare and set: only an attempt nobody has applied or flagged yet
            current = store.get_attempt(s, attempt_id)
            if current is None or current.resolution:
                raise _AlreadySettled(attempt_id)
            store.update_attempt(s, attempt_id, self._clock.now(), resolution="applied")

        try:
            outcome = self._checkout.apply_payment(
                record.sale_id, payment, rounding=record.rounding, within=mark_applied
            )
        except _AlreadySettled:
            with self._db.session() as s:
                again = store.get_attempt(s, attempt_id)
            assert again is not None
            return self._view(again, retry_allowed=False, late=again.resolution == "late")
        self._rechecks.pop(attempt_id, None)
        with self._db.session() as s:
            fresh = store.get_attempt(s, attempt_id)
        assert fresh is not None
        return self._view(
            fresh, retry_allowed=False, sale_view=outcome.view, receipt=outcome.receipt
        )

    # -- views --------------------------------------------------------------------------------
    def _deadline(self, record: store.AttemptRecord) -> datetime:
        method = self._methods.get(record.method)
        declared = method.describe().deadline_seconds if method else 300
        seconds = self.settings.deadline_seconds.get(record.method, declared)
        return record.created_at + timedelta(seconds=seconds)

    def _window_end(self, record: store.AttemptRecord) -> datetime:
        """After this, the gateway is no longer asked about an expired attempt."""
        method = self._methods.get(record.method)
        window = method.describe().recheck_window_seconds if method else 3600
        return self._deadline(record) + timedelta(seconds=window)

    def _view(
        self,
        record: store.AttemptRecord,
        *,
        retry_allowed: bool,
        late: bool = False,
        message: str | None = None,
        sale_view: SaleView | None = None,
        receipt: Receipt | None = None,
    ) -> AttemptView:
        method = self._methods.get(record.method)
        return AttemptView(
            attempt_id=record.id,
            method=record.method,
            label=method.label if method else record.method,
            state=AttemptState(record.state),
            message=message or record.message or "Sending the request…",
            code=record.code,
            tender=record.amount,
            applied=record.applied,
            rounding=record.rounding,
            rate=record.rate,
            action_url=record.action_url,
            payer=record.payer_masked,
            receipt_ref=record.receipt_ref,
            deadline=self._deadline(record),
            retry_allowed=retry_allowed,
            sale_view=sale_view,
            receipt=receipt,
            late=late,
        )


class _AlreadySettled(Exception):
    """Another path applied or flagged this attempt first (compare and set lost)."""


def _ask(call: Any, argument: Any, what: str) -> Steps[PaymentResult]:
    """One gateway call on the network executor; "could not reach" becomes UNKNOWN."""
    try:
        result: PaymentResult = yield NetCall(lambda: call(argument), what)
    except GatewayUnavailable as exc:
        return PaymentResult(AttemptState.UNKNOWN, "gateway_unavailable", str(exc))
    return result


def _keyed_values(
    method: PaymentMethod, description: MethodDescription, keyed: Mapping[str, str]
) -> dict[str, str]:
    """The declared keyed fields, stripped, or a ServiceError saying what to correct (the
    message names the field, never the value typed)."""
    declared = {f.name for f in description.keyed_fields}
    for name in keyed:
        if name not in declared:
            raise ServiceError(KEYED_UNKNOWN(method=method.label, field=repr(name)))
    values: dict[str, str] = {}
    for spec in description.keyed_fields:
        value = str(keyed.get(spec.name, "")).strip()
        if not value:
            raise ServiceError(KEYED_MISSING(field=spec.label[:1].lower() + spec.label[1:]))
        if spec.digits_only and not (value.isascii() and value.isdigit()):
            raise ServiceError(KEYED_DIGITS(field=spec.label))
        if not spec.min_length <= len(value) <= spec.max_length:
            length = (
                str(spec.max_length)
                if spec.min_length == spec.max_length
                else f"{spec.min_length} to {spec.max_length}"
            )
            raise ServiceError(KEYED_LENGTH(field=spec.label, length=length))
        values[spec.name] = value
    return values


def _ref(record: store.AttemptRecord, *, receipt: bool = False) -> AttemptRef:
    details = {"payer_hash": record.payer_hash} if record.payer_hash else {}
    if receipt and record.receipt_ref:
        details["capture_id"] = record.receipt_ref
        details["receipt_ref"] = record.receipt_ref
    return AttemptRef(
        attempt_id=record.id,
        sale_id=record.sale_id,
        amount=record.amount,
        gateway_ref=record.gateway_ref,
        details=details,
        may_capture=not (record.abandoned or record.state == "expired"),
    )


def poll_delay(schedule: tuple[float, ...], n: int) -> float:
    """Seconds before poll number ``n`` (0-based): the schedule, then its last value."""
    return schedule[min(n, len(schedule) - 1)]


__all__ = [
    "AttemptState",
    "AttemptView",
    "DialogKind",
    "MethodDescription",
    "MethodInfo",
    "PaymentService",
    "PaymentSettings",
    "PhoneCheck",
    "Quote",
    "poll_delay",
    "round_half_up",
]
