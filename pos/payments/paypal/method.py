"""PayPal at the till: a QR code of the approve link, then capture once the customer approves.

The flow (Orders v2, intent CAPTURE):

1. :meth:`PayPalMethod.start` creates an order (``PayPal-Request-Id`` = the attempt id, so a
   retried start finds the same order) and answers PENDING with the approve link as
   ``action_url``; the till shows it as a QR code.
2. The customer scans, logs in to PayPal on their phone and approves.
3. :meth:`PayPalMethod.status` (polled by the till, and run for every unfinished attempt on
   start-up) reads the order; once it is APPROVED it captures it (request id
   ``<attempt id>-capture``: a capture whose answer was lost is replayed, never doubled)
   and reports CAPTURED with the capture id as receipt reference.

PayPal cannot void an uncaptured CAPTURE order, and does not need to: nothing moves until
the till captures. :meth:`PayPalMethod.cancel` therefore just stops, after checking that
the order was not captured already (then it says so: money is never lost by a cancel).

Declines, lapses and "still waiting" are results; only transport failures raise
(:class:`~pos.payments.base.GatewayUnavailable`). Every refusal carries a machine code
``paypal.<ISSUE>`` and a sentence for the cashier.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from pos.domain.messages import Message, define, text
from pos.domain.money import Money
from pos.domain.outcomes import outcome, say
from pos.payments.base import (
    CONNECTED,
    KEYS_REFUSED,
    AttemptRef,
    AttemptState,
    Capability,
    DialogKind,
    KeysRefused,
    MethodDescription,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
    RefundResult,
    SettingField,
)
from pos.payments.paypal.client import (
    LIVE_BASE_URL,
    PAYPAL_CURRENCIES,
    Capture,
    Order,
    PayPalClient,
    PayPalConfig,
    PayPalError,
    paypal_decimals,
    to_paypal_value,
)
from pos.payments.paypal.relay import OrderRelay, apply_relayed
from pos.payments.paypal.relay import parse_event as parse_relayed
from pos.payments.registry import MethodContext, method_factory

log = logging.getLogger(__name__)

#: Order statuses in which the customer still has to act.
_WAITING = frozenset({"CREATED", "SAVED", "PAYER_ACTION_REQUIRED"})
#: Capture statuses that mean the money is (or was) ours.
_TAKEN = frozenset({"COMPLETED"})
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_ANOTHER_WAY = text("Ask the customer to pay another way.")

#: what :meth:`PayPalMethod.validate` answers (in the cashier's language on screen)
NOT_A_PAYPAL_CURRENCY = define(
    "paypal.currency_not_supported",
    "PayPal cannot take {currency}: PayPal does not support it. "
    "Charge PayPal payments in {price_currency}.",
)
TOO_MANY_DECIMALS = define(
    "paypal.too_many_decimals",
    "PayPal takes {currency} amounts with {digits} decimal at most and up to 15 digits; "
    "this amount cannot be sent.",
    other="PayPal takes {currency} amounts with {digits} decimals at most and up to 15 digits; "
    "this amount cannot be sent.",
    count="digits",
)

#: outcomes with a value in them: English in the attempt's record and the log, read back
#: (pos.domain.outcomes) to be shown in the cashier's language
REFUSED = outcome(define("paypal.refused", "PayPal refused ({issue})."))
REQUEST_REFUSED = outcome(
    define(
        "paypal.request_refused",
        "PayPal refused the request ({status} {issue}). Take another method and tell the manager.",
    )
)
HOLDING = outcome(
    define(
        "paypal.capture_pending",
        "PayPal is holding this payment ({reason}); it is not paid yet. Wait, or cancel and "
        "take another method.",
    )
)
PART_REFUNDED_ALREADY = outcome(
    define(
        "paypal.partly_refunded_already",
        "PayPal shows part of this payment refunded already: only {kept} was kept.",
    )
)
REFUND_LIMITS = outcome(
    define(
        "paypal.refund_limits",
        "A PayPal refund must be more than zero and at most {amount}.",
    )
)
REFUNDED = outcome(define("paypal.refunded", "{amount} refunded to the customer's PayPal."))
REFUND_PENDING = outcome(
    define(
        "paypal.refund_pending",
        "PayPal accepted the refund of {amount}; it completes when PayPal releases it.",
    )
)

#: Issue → (what the cashier reads, may the cashier try again with a new attempt).
_ISSUES: dict[str, tuple[str, bool]] = {
    "INSTRUMENT_DECLINED": (
        text(
            "PayPal declined the customer's card or bank. They can choose another funding "
            "source in PayPal (scan the code again) or pay another way."
        ),
        True,
    ),
    "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING": (
        text(
            "PayPal wants the customer to choose another funding source. Scan again or pay "
            "another way."
        ),
        True,
    ),
    "TRANSACTION_REFUSED": (text("PayPal refused this payment.") + " " + _ANOTHER_WAY, True),
    "PAYER_CANNOT_PAY": (
        text("The customer's PayPal account cannot pay this.") + " " + _ANOTHER_WAY,
        True,
    ),
    "PAYER_ACCOUNT_RESTRICTED": (
        text("The customer's PayPal account is restricted.") + " " + _ANOTHER_WAY,
        True,
    ),
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED": (
        text("The customer's PayPal account cannot be used.") + " " + _ANOTHER_WAY,
        True,
    ),
    "TRANSACTION_LIMIT_EXCEEDED": (
        text("This is over the customer's PayPal limit.") + " " + _ANOTHER_WAY,
        True,
    ),
    "COMPLIANCE_VIOLATION": (text("PayPal declined this payment.") + " " + _ANOTHER_WAY, True),
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED": (
        text("Too many tries on this PayPal payment. Start a new one or take another method."),
        True,
    ),
    "DUPLICATE_INVOICE_ID": (
        text(
            "PayPal thinks this sale was already paid (same invoice). Check the sales list "
            "before taking money again."
        ),
        False,
    ),
    "INVALID_CURRENCY_CODE": (
        text(
            "PayPal does not take this currency. Price PayPal payments in a currency PayPal "
            "supports (e.g. USD)."
        ),
        False,
    ),
    "DECIMAL_PRECISION": (text("PayPal cannot take this amount's decimals."), False),
    "CANNOT_BE_ZERO_OR_NEGATIVE": (text("The amount must be more than zero."), False),
    "MAX_VALUE_EXCEEDED": (text("The amount is too large for PayPal."), False),
    "PAYEE_ACCOUNT_RESTRICTED": (
        text(
            "The shop's PayPal account is restricted: the manager must contact PayPal. "
            "Take another method."
        ),
        False,
    ),
    "INVALID_CLIENT": (
        text(
            "PayPal did not accept the shop's PayPal credentials. Ask the manager to check the "
            "PayPal settings; take another method meanwhile."
        ),
        False,
    ),
    "INVALID_TOKEN": (
        text(
            "PayPal did not accept Kaunta's sign-in. Ask the manager to check the PayPal "
            "settings; take another method meanwhile."
        ),
        False,
    ),
    "AUTHENTICATION_FAILURE": (
        text(
            "PayPal did not accept Kaunta's sign-in. Ask the manager to check the PayPal "
            "settings; take another method meanwhile."
        ),
        False,
    ),
    "PERMISSION_DENIED": (
        text("The shop's PayPal account may not do this. Ask the manager to check it with PayPal."),
        False,
    ),
    "REFUND_AMOUNT_EXCEEDED": (
        text("That is more than what is left to refund on this PayPal payment."),
        False,
    ),
    "CAPTURE_FULLY_REFUNDED": (text("This PayPal payment has already been fully refunded."), False),
    "REFUND_CAPTURE_CURRENCY_MISMATCH": (
        text("A PayPal refund must be in the currency of the payment."),
        False,
    ),
    "PENDING_CAPTURE": (
        text("PayPal is still holding this payment; it can be refunded once PayPal releases it."),
        True,
    ),
    "REFUND_NOT_ALLOWED": (
        text("PayPal does not allow refunding this payment. Refund in cash."),
        False,
    ),
    "REFUND_TIME_LIMIT_EXCEEDED": (
        text("This PayPal payment is too old to refund through PayPal. Refund another way."),
        False,
    ),
}


def mask_email(email: str) -> str:
    """``wanjiru@example.com`` → ``w***@example.com``: recognisable, not reusable."""
    name, at, domain = email.partition("@")
    if not at:
        return "***" if email else ""
    return f"{name[:1]}***@{domain}"


def _explain(error: PayPalError) -> tuple[str, bool]:
    if error.issue in _ISSUES:
        return _ISSUES[error.issue]
    if error.status == 422:
        return f"{say(REFUSED, issue=error.issue)} {_ANOTHER_WAY}", True
    return say(REQUEST_REFUSED, status=str(error.status), issue=error.issue), False


class PayPalMethod(PaymentMethod):
    """PayPal by QR code. Prices must be in a PayPal currency (KES is not one)."""

    code = "paypal"
    label = "PayPal"
    capabilities = frozenset(
        {
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.CANCEL,
            Capability.CUSTOMER_DEVICE,
            Capability.IDEMPOTENT_START,
            # a refund repeated with the same PayPal-Request-Id answers the first one:
            # a refund whose answer was lost is asked about by repeating it
            Capability.IDEMPOTENT_REFUND,
        }
    )
    currencies = PAYPAL_CURRENCIES
    description = MethodDescription(
        code="paypal",
        label="PayPal",
        dialog=DialogKind.QR,
        hotkey="F11",
        receipt_label="PayPal",
        reference_label="PayPal capture",
        resend_allowed=True,
        settings_fields=(
            SettingField("paypal.client_id", text("PayPal client id"), False),
            SettingField("paypal.client_secret", text("PayPal client secret")),
        ),
        # the QR stays up for 15 minutes; an approval PayPal reports later is never
        # captured by the till (the customer may have paid another way), only reported
        deadline_seconds=900,
        recheck_window_seconds=3 * 3600,
        customer_device=True,
    )

    def __init__(
        self, client: PayPalClient, *, price_currency: str = "USD", relay: OrderRelay | None = None
    ) -> None:
        """``relay``: where each created order is announced to head office while the till is
        enrolled, so PayPal's webhooks reach it (:mod:`.relay`)."""
        self.client = client
        self.price_currency = price_currency
        self.relay = relay

    def tender_currency(self, store_currency: str) -> str:
        """PayPal does not take KES: customers are asked in the configured currency."""
        return store_currency if store_currency in self.currencies else self.price_currency

    # -- checks ---------------------------------------------------------------------------
    def validate(self, request: PaymentRequest) -> str | Message | None:
        currency = request.amount.currency
        if currency not in self.currencies:
            return NOT_A_PAYPAL_CURRENCY(currency=currency, price_currency=self.price_currency)
        problem = super().validate(request)
        if problem:
            return problem
        try:
            to_paypal_value(request.amount)
        except ValueError:
            return TOO_MANY_DECIMALS(currency=currency, digits=paypal_decimals(currency))
        return None

    def check_connection(self) -> Message:
        """Fetch an OAuth token with the configured keys (nothing is charged)."""
        try:
            self.client.access_token()
        except PayPalError as exc:
            raise KeysRefused(KEYS_REFUSED(gateway="PayPal", detail=str(exc))) from exc
        return CONNECTED(gateway="PayPal", url=self.client.config.base_url)

    def scrub(self, text: str) -> str:
        return self.client.scrub(text)

    # -- the interface ----------------------------------------------------------------------
    def start(self, request: PaymentRequest) -> PaymentResult:
        """Create the order and hand back the approve link to show as a QR code."""
        problem = self.validate(request)
        if problem:
            return PaymentResult(AttemptState.DECLINED, "paypal.invalid_request", str(problem))
        try:
            order = self.client.create_order(
                request.amount,
                request_id=request.attempt_id,
                reference=request.reference,
                description=request.description or f"Sale {request.reference}".strip(),
            )
        except PayPalError as error:
            message, retry = _explain(error)
            return self._refused(error, AttemptState.DECLINED, message, retry)
        ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, order.id)
        if self.relay is not None:  # queued, never waited for: head office hears of it
            self.relay.order_created(order.id, request.amount)
        result = self._from_order(ref, order, capture=False)
        if order.status in _WAITING and not result.action_url:
            return self._result(
                AttemptState.UNKNOWN,
                "paypal.no_approve_link",
                text("PayPal sent no approval link; checking the payment again."),
                order,
            )
        return result

    def status(self, ref: AttemptRef) -> PaymentResult:
        """Where the order stands; captures it the first time it is seen APPROVED."""
        try:
            order = self.client.get_order(ref.gateway_ref)
        except PayPalError as error:
            return self._lookup_failed(error, ref.gateway_ref)
        if order.status == "APPROVED" and not ref.may_capture:
            # the till gave up on this attempt: the customer may have paid another way, so
            # an approval seen now is never turned into a charge
            return self._result(
                AttemptState.CANCELLED,
                "paypal.approved_late",
                text(
                    "Approved late, not charged: the customer approved in PayPal after the till "
                    "stopped waiting. Nothing was taken."
                ),
                order,
            )
        return self._from_order(ref, order, capture=True)

    def cancel(self, ref: AttemptRef) -> PaymentResult:
        """Stop waiting for the customer. PayPal has no void for an uncaptured CAPTURE
        order (nothing moves until the till captures), so this checks the order was not
        captured already and otherwise just reports CANCELLED."""
        try:
            order = self.client.get_order(ref.gateway_ref)
        except PayPalError as error:
            if error.status == 404:
                return self._cancelled(ref.gateway_ref)
            message, _ = _explain(error)
            return self._refused(error, AttemptState.UNKNOWN, message, False, ref.gateway_ref)
        if order.status == "COMPLETED":
            result = self._completed(order)
            if result.state in (AttemptState.DECLINED, AttemptState.CANCELLED):
                return self._cancelled(order.id)
            note = text(
                "The customer had already paid, so this PayPal payment cannot be cancelled; "
                "refund it instead if needed."
            )
            return PaymentResult(
                result.state,
                result.code,
                f"{note} {result.message}",
                gateway_ref=result.gateway_ref,
                receipt_ref=result.receipt_ref,
                captured=result.captured,
                payer=result.payer,
                details=result.details,
            )
        return self._cancelled(order.id)

    def refund(self, ref: AttemptRef, amount: Money) -> RefundResult:
        """Give back ``amount`` of a captured PayPal payment (full or partial).

        The request id is ``ref.details["refund_id"]`` when the caller has one (the refund
        document's id: two equal partial refunds stay two), else derived from the attempt
        and amount, so a retried refund is replayed and never paid out twice.
        """
        if amount.currency != ref.amount.currency or amount.minor <= 0 or amount > ref.amount:
            return RefundResult(
                False,
                "paypal.invalid_refund",
                say(REFUND_LIMITS, amount=ref.amount),
            )
        capture_id = ref.details.get("capture_id", "")
        try:
            if not capture_id:
                order = self.client.get_order(ref.gateway_ref)
                if not order.captures:
                    return RefundResult(
                        False, "paypal.not_captured", text("This PayPal payment was never taken.")
                    )
                capture_id = order.captures[-1].id
            request_id = ref.details.get("refund_id") or (
                f"{ref.attempt_id}-refund-{amount.currency}{amount.minor}"
            )
            refund = self.client.refund_capture(capture_id, amount, request_id)
        except PayPalError as error:
            message, _ = _explain(error)
            return RefundResult(False, f"paypal.{error.issue}", message)
        refunded = refund.amount or amount
        if refund.status == "COMPLETED":
            return RefundResult(True, "ok", say(REFUNDED, amount=refunded), refund.id, refunded)
        if refund.status == "PENDING":
            return RefundResult(
                True,
                "paypal.REFUND_PENDING",
                say(REFUND_PENDING, amount=refunded),
                refund.id,
                refunded,
            )
        return RefundResult(
            False,
            f"paypal.REFUND_{refund.status}",
            text("PayPal did not complete the refund. Refund another way."),
            refund.id,
        )

    def parse_event(self, raw: bytes) -> tuple[str, object]:
        """A result head office relayed from PayPal's webhook or IPN (:mod:`.relay`)."""
        return parse_relayed(raw)

    def apply_event(self, ref: AttemptRef, event: object) -> PaymentResult:
        return apply_relayed(ref, event)

    # -- reading orders -----------------------------------------------------------------
    def _from_order(self, ref: AttemptRef, order: Order, *, capture: bool) -> PaymentResult:
        if order.status in _WAITING:
            return self._result(
                AttemptState.PENDING,
                f"paypal.{order.status}",
                text("Waiting for the customer to scan the code and approve in PayPal."),
                order,
                action_url=order.approve_url,
            )
        if order.status == "APPROVED":
            if capture:
                return self._capture(ref, order)
            return self._result(
                AttemptState.PENDING,
                "paypal.APPROVED",
                text("The customer approved; the payment is being taken."),
                order,
            )
        if order.status == "COMPLETED":
            return self._completed(order)
        if order.status == "VOIDED":
            return self._result(
                AttemptState.EXPIRED,
                "paypal.VOIDED",
                text(
                    "The customer cancelled in PayPal, or the payment lapsed. Nothing was taken. "
                    "Start again or take another method."
                ),
                order,
                retry_allowed=True,
            )
        return self._result(
            AttemptState.UNKNOWN,
            f"paypal.{order.status or 'no_status'}",
            text("PayPal gave an unexpected order status; checking again."),
            order,
        )

    def _capture(self, ref: AttemptRef, order: Order) -> PaymentResult:
        try:
            captured = self.client.capture_order(order.id, f"{ref.attempt_id}-capture")
        except PayPalError as error:
            return self._capture_refused(error, order)
        if captured.status != "COMPLETED":
            return self._from_order(ref, captured, capture=False)
        return self._completed(captured)

    def _capture_refused(self, error: PayPalError, order: Order) -> PaymentResult:
        issue = error.issue
        if error.status == 404:
            return self._lookup_failed(error, order.id)
        if issue == "ORDER_ALREADY_CAPTURED":
            # Captured under another request id (another till, an older run): report it.
            try:
                again = self.client.get_order(order.id)
            except PayPalError as second:
                return self._lookup_failed(second, order.id)
            if again.status == "COMPLETED":
                return self._completed(again)
            return self._refused(
                error,
                AttemptState.UNKNOWN,
                text(
                    "PayPal says this payment was taken but does not show it yet; checking again."
                ),
                False,
                order.id,
            )
        if issue in ("ORDER_NOT_APPROVED", "ORDER_COMPLETION_IN_PROGRESS", "PAYER_ACTION_REQUIRED"):
            return self._refused(
                error,
                AttemptState.PENDING,
                text("Waiting for the customer to finish in PayPal."),
                False,
                order.id,
                action_url=error.link("payer-action") or order.approve_url,
            )
        message, retry = _explain(error)
        if error.status == 422:
            return self._refused(
                error,
                AttemptState.DECLINED,
                message,
                retry,
                order.id,
                action_url=error.link("redirect") if issue == "INSTRUMENT_DECLINED" else "",
            )
        return self._refused(error, AttemptState.UNKNOWN, message, False, order.id)

    def _completed(self, order: Order) -> PaymentResult:
        """Report the capture of a COMPLETED order (check it, as PayPal says to)."""
        if not order.captures:
            return self._result(
                AttemptState.UNKNOWN,
                "paypal.no_capture",
                text("PayPal marks the order completed but shows no capture yet; checking again."),
                order,
            )
        capture = order.captures[-1]
        details = {"order_id": order.id, "capture_id": capture.id, "capture_status": capture.status}
        if capture.status in ("REFUNDED", "PARTIALLY_REFUNDED"):
            return self._refunded_already(order, capture, details)
        if capture.status in _TAKEN:
            return self._result(
                AttemptState.CAPTURED,
                "ok",
                text("Paid with PayPal."),
                order,
                receipt_ref=capture.id,
                captured=capture.amount,
                details=details,
            )
        if capture.status == "PENDING":
            reason = capture.reason or "PENDING"
            return self._result(
                AttemptState.PENDING,
                "paypal.CAPTURE_PENDING",
                say(HOLDING, reason=reason),
                order,
                details={**details, "reason": reason},
            )
        return self._result(
            AttemptState.DECLINED,
            f"paypal.CAPTURE_{capture.status or 'UNKNOWN'}",
            text("PayPal did not complete the payment.") + " " + _ANOTHER_WAY,
            order,
            retry_allowed=True,
            details=details,
        )

    def _refunded_already(
        self, order: Order, capture: Capture, details: dict[str, str]
    ) -> PaymentResult:
        """A capture refunded (in part) before the till first saw it counts only what the
        shop kept: nothing for a full refund; the rest, flagged as a mismatch for the
        manager, for a partial one (the service never applies money that differs)."""
        amount = capture.amount
        refunded = [r.amount for r in order.refunds if r.status == "COMPLETED" and r.amount]
        if amount is None or capture.status == "REFUNDED":
            kept = None
        else:
            total = amount
            for r in refunded:
                if r.currency == amount.currency:
                    total = total - r
            kept = total if total.minor > 0 else None
        if kept is None:
            return self._result(
                AttemptState.CANCELLED,
                "paypal.CAPTURE_REFUNDED",
                text("This PayPal payment was refunded in full at PayPal: nothing was kept.")
                + " "
                + _ANOTHER_WAY,
                order,
                retry_allowed=True,
                details=details,
            )
        return self._result(
            AttemptState.CAPTURED,
            "paypal.CAPTURE_PARTIALLY_REFUNDED",
            say(PART_REFUNDED_ALREADY, kept=kept),
            order,
            receipt_ref=capture.id,
            captured=kept,
            details=details,
        )

    # -- result helpers --------------------------------------------------------------------
    def _result(
        self, state: AttemptState, code: str, message: str, order: Order, **extra: Any
    ) -> PaymentResult:
        details = {"order_id": order.id, "order_status": order.status, **extra.pop("details", {})}
        payer = mask_email(order.payer_email)
        log.info("paypal order %s: %s -> %s (%s)", order.id, order.status, state, code)
        return PaymentResult(
            state, code, message, gateway_ref=order.id, payer=payer, details=details, **extra
        )

    def _refused(
        self,
        error: PayPalError,
        state: AttemptState,
        message: str,
        retry: bool,
        order_id: str = "",
        *,
        action_url: str = "",
    ) -> PaymentResult:
        log.info("paypal order %s: %s (%s)", order_id or "-", error, state)
        details = {"issue": error.issue, "debug_id": error.debug_id}
        if order_id:
            details["order_id"] = order_id
        return PaymentResult(
            state,
            f"paypal.{error.issue}",
            message,
            retry_allowed=retry,
            gateway_ref=order_id,
            action_url=action_url,
            details=details,
        )

    def _lookup_failed(self, error: PayPalError, order_id: str) -> PaymentResult:
        if error.status == 404:
            return self._refused(
                error,
                AttemptState.EXPIRED,
                text(
                    "This PayPal payment is no longer open (it lapsed). Nothing was taken. Start "
                    "again or take another method."
                ),
                True,
                order_id,
            )
        message, _ = _explain(error)
        return self._refused(error, AttemptState.UNKNOWN, message, False, order_id)

    @staticmethod
    def _cancelled(order_id: str) -> PaymentResult:
        return PaymentResult(
            AttemptState.CANCELLED,
            "paypal.cancelled",
            text("PayPal payment withdrawn; nothing was taken. The customer's link will lapse."),
            retry_allowed=True,
            gateway_ref=order_id,
        )


# -- factory --------------------------------------------------------------------------------


def _float(settings: Any, key: str, default: float) -> float:
    value = settings.get(key, default)
    return float(value)


@method_factory(PayPalMethod)
def create(context: MethodContext) -> PayPalMethod:
    """Build the method from ``[payments.paypal]`` settings and the keyring.

    Settings: ``base_url`` (training: the local sandbox, default
    ``http://127.0.0.1:8770``; otherwise PayPal live), ``currency`` (what PayPal sales
    are charged in, default USD), ``brand_name``, ``return_url``, ``cancel_url``,
    ``connect_timeout``, ``read_timeout``. Secrets ``paypal.client_id`` and
    ``paypal.client_secret``; training mode uses the sandbox's demo credentials and
    refuses any base URL that is not this machine, so training can never reach PayPal.
    """
    settings = context.settings
    currency = str(settings.get("currency") or "USD").upper()
    if currency not in PAYPAL_CURRENCIES:
        raise ValueError(f"PayPal cannot charge in {currency}; set payments.paypal.currency")
    if context.training:
        # the sandbox's demo constants only, from their own small module: the sandbox
        # package itself (and cryptography) is loaded when training starts serving it
        from pos.payments.paypal.training_defaults import (
            DEFAULT_HOST,
            DEFAULT_PORT,
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
        )

        base_url = str(settings.get("base_url") or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}")
        host = urllib.parse.urlsplit(base_url).hostname or ""
        if host not in _LOCAL_HOSTS:
            raise ValueError(f"Training mode only talks to the local PayPal sandbox, not {host}")
        client_id, client_secret = DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
    else:
        base_url = str(settings.get("base_url") or LIVE_BASE_URL)
        split = urllib.parse.urlsplit(base_url)
        if split.scheme != "https" and split.hostname not in _LOCAL_HOSTS:
            raise ValueError(f"PayPal must be reached over https, not {base_url}")
        secrets = context.secrets
        client_id = (secrets.get("paypal.client_id") if secrets else None) or ""
        client_secret = (secrets.get("paypal.client_secret") if secrets else None) or ""
        if not client_id or not client_secret:
            raise LookupError(
                text(
                    "PayPal needs the secrets paypal.client_id and paypal.client_secret in the "
                    "keyring (from the PayPal developer dashboard, REST app credentials)."
                )
            )
    defaults = PayPalConfig("", "", "")
    config = PayPalConfig(
        base_url=base_url,
        client_id=client_id,
        client_secret=client_secret,
        brand_name=str(settings.get("brand_name", "")),
        return_url=str(settings.get("return_url") or defaults.return_url),
        cancel_url=str(settings.get("cancel_url") or defaults.cancel_url),
        connect_timeout=_float(settings, "connect_timeout", defaults.connect_timeout),
        read_timeout=_float(settings, "read_timeout", defaults.read_timeout),
    )
    relay = settings.get("order_relay")  # put there by the composition root, not the file
    return PayPalMethod(
        PayPalClient(config),
        price_currency=currency,
        relay=relay if isinstance(relay, OrderRelay) else None,
    )
