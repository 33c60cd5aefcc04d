"""PayPal results through the head office: the orders a till registers, the results it pulls.

A till behind a shop's router cannot receive PayPal's webhooks or IPN; its head office can
(``docs/payments.md``, "PayPal results through head office"). So, for an enrolled till:

1. right after :meth:`PayPalMethod.start` created an order, the method tells
   :class:`OrderRelay` (order id, amount). The relay hands it to the registrar the
   composition root attached while the sync agent runs, which only queues it: the
   registration (``POST /api/v1/paypal-orders``) is sent from a thread of its own, so the
   payment never waits for head office. Not enrolled, offline or refused: the till relies
   on its own polling, as before;
2. head office verifies PayPal's webhooks (and IPN), maps each to a result for the till
   that registered the order, and the sync agent pulls them (``GET
   /api/v1/paypal-results``). Each is handed to the payment service as a small JSON
   document of kind :data:`RELAY_KIND` (:func:`relay_document`), which the method reads
   with :func:`parse_event` and settles with :func:`apply_relayed`, the same
   compare-and-set path its own polling result takes.

A relayed result is trusted as far as head office checked it (the signature, and the
amount and currency against what the till registered); the till checks the order id and
the amount against its own attempt again, so a result that does not match is never
applied as paid: another amount is reported CAPTURED with the money PayPal took, which
the payment service flags for the manager instead (the late-payment flow,
``amount_mismatch``); another currency, which the till's books cannot hold as that
attempt's money, is reported UNKNOWN (``paypal.mismatch``, a message for the manager): the
attempt stays open and the till's own check of the order at PayPal decides.

Pure apart from logging: the standard library, :mod:`pos.domain` and :mod:`pos.payments.base`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pos.domain.messages import text
from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentResult

__all__ = [
    "RELAYED_METHOD",
    "RELAY_KIND",
    "OrderRegistrar",
    "OrderRelay",
    "RelayedPayPal",
    "apply_relayed",
    "parse_event",
    "parse_relay_document",
    "relay_document",
]

log = logging.getLogger(__name__)

#: ``kind`` of the document a relayed PayPal result is handed to the payment service in
RELAY_KIND = "kaunta.paypal.result"
#: the payment method whose results head office relays (``PaymentService`` code)
RELAYED_METHOD = "paypal"
#: what head office may say about an order (``GET /api/v1/paypal-results``)
STATES = frozenset({"paid", "pending", "failed", "refunded", "reversed"})

#: ``(order_id, amount)``: queue the order's registration; returns at once, never blocks
OrderRegistrar = Callable[[str, Money], None]


class OrderRelay:
    """Where the PayPal method announces the orders it creates, if head office listens.

    One per till, made by the composition root and handed to the method in its settings
    (``order_relay``), so rebuilt methods (keys saved) keep it; the sync link attaches a
    registrar while its agent runs and detaches it when the agent stops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registrar: OrderRegistrar | None = None

    def attach(self, registrar: OrderRegistrar) -> None:
        with self._lock:
            self._registrar = registrar

    def detach(self, registrar: OrderRegistrar | None = None) -> None:
        """Forget the registrar (only ``registrar``, when given: a newer one stays)."""
        with self._lock:
            if registrar is None or self._registrar is registrar:
                self._registrar = None

    @property
    def attached(self) -> bool:
        return self._registrar is not None

    def order_created(self, order_id: str, amount: Money) -> None:
        """Announce an order to head office (queued; not enrolled: nothing). Never raises:
        a bug here must not stop the payment, whose own polling still settles it."""
        registrar = self._registrar
        if registrar is None or not order_id:
            return
        try:
            registrar(order_id, amount)
        except Exception:
            log.exception("queueing PayPal order %s for head office failed", order_id)


@dataclass(frozen=True, slots=True)
class RelayedPayPal:
    """One result head office relays about an order (``GET /api/v1/paypal-results``)."""

    order_id: str
    state: str  # one of STATES
    capture_id: str
    refund_id: str
    amount: Money  # what PayPal's event said (checked at head office against the order)
    event_type: str = ""
    seq: int = 0


def relay_document(result: Mapping[str, Any]) -> bytes:
    """The document the payment service is handed for one relayed result: the result's
    fields as head office sent them, marked with :data:`RELAY_KIND`."""
    return json.dumps({"kind": RELAY_KIND, **dict(result)}, separators=(",", ":")).encode()


def _text(data: Mapping[str, Any], key: str, *, blank: bool = False) -> str:
    value = data.get(key, "" if blank else None)
    if not isinstance(value, str) or (not blank and not value):
        raise ValueError(f"relayed PayPal result: {key} must be a non-empty string")
    return value


def parse_relay_document(data: Mapping[str, Any]) -> RelayedPayPal:
    """Read a relayed result (raises ``ValueError`` saying what is wrong)."""
    if data.get("kind") != RELAY_KIND:
        raise ValueError("not a relayed PayPal result")
    state = data.get("state")
    if state not in STATES:
        raise ValueError(f"relayed PayPal result: state {state!r} is not one PayPal has")
    amount = data.get("amount_minor")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("relayed PayPal result: amount_minor must be a positive whole number")
    currency = data.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
        raise ValueError("relayed PayPal result: currency must be a 3-letter code")
    seq = data.get("seq", 0)
    return RelayedPayPal(
        order_id=_text(data, "order_id"),
        state=str(state),
        capture_id=_text(data, "capture_id", blank=True),
        refund_id=_text(data, "refund_id", blank=True),
        amount=Money(amount, currency),
        event_type=_text(data, "event_type", blank=True),
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else 0,
    )


def parse_event(raw: bytes) -> tuple[str, RelayedPayPal]:
    """A relayed result → (the PayPal order id it is about, the result); ``ValueError``
    for anything else (PayPal's own webhooks are verified and read at head office)."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise ValueError("a PayPal event for the till must be a relayed result") from None
    if not isinstance(data, dict):
        raise ValueError("a PayPal event for the till must be a relayed result")
    result = parse_relay_document(data)
    return result.order_id, result


def apply_relayed(ref: AttemptRef, result: object) -> PaymentResult:
    """What a relayed result means for an attempt (pure; duplicates give the same).

    ``paid`` is CAPTURED with the money PayPal took (the service applies it only when it
    is the attempt's amount, and flags it otherwise; a sale that moved on gets it as a late
    payment); ``pending`` keeps waiting; ``failed`` is a decline the cashier may retry;
    ``refunded``/``reversed`` say nothing new about an unfinished attempt (UNKNOWN, which
    keeps it pending: the till's own check of the order decides).
    """
    if not isinstance(result, RelayedPayPal):
        raise ValueError("not a relayed PayPal result")
    details = {"order_id": result.order_id, "relayed": "head_office"}
    if result.event_type:
        details["event"] = result.event_type[:60]
    if result.order_id != ref.gateway_ref:
        return PaymentResult(
            AttemptState.UNKNOWN,
            "paypal.relay_mismatch",
            text("Head office reported another PayPal order for this payment; checking again."),
            gateway_ref=ref.gateway_ref,
            details={**details, "mismatch": f"order {result.order_id}"},
        )
    if result.state == "paid" and result.amount.currency != ref.amount.currency:
        # not money the till's books can hold for this attempt (a late payment is in the
        # attempt's currency): never applied; the till's own check of the order decides
        log.warning(
            "PayPal result relayed for %s: paid %s, the attempt asked %s",
            ref.attempt_id,
            result.amount,
            ref.amount,
        )
        return PaymentResult(
            AttemptState.UNKNOWN,
            "paypal.mismatch",
            text(
                "Head office reported a PayPal payment in another currency. Do not treat the "
                "sale as paid: the manager must check it in PayPal."
            ),
            gateway_ref=ref.gateway_ref,
            details={**details, "mismatch": f"paid {result.amount}, asked {ref.amount}"},
        )
    if result.state == "paid":
        if result.amount != ref.amount:
            log.warning(
                "PayPal result relayed for %s: paid %s, the attempt asked %s",
                ref.attempt_id,
                result.amount,
                ref.amount,
            )
        return PaymentResult(
            AttemptState.CAPTURED,
            "ok",
            text("Paid with PayPal."),
            gateway_ref=result.order_id,
            receipt_ref=result.capture_id,
            captured=result.amount,
            details={**details, "capture_id": result.capture_id, "capture_status": "COMPLETED"},
        )
    if result.state == "pending":
        return PaymentResult(
            AttemptState.PENDING,
            "paypal.CAPTURE_PENDING",
            text("PayPal is holding this payment; it is not paid yet."),
            gateway_ref=result.order_id,
            details={**details, "capture_id": result.capture_id},
        )
    if result.state == "failed":
        return PaymentResult(
            AttemptState.DECLINED,
            "paypal.CAPTURE_DECLINED",
            text("PayPal did not complete the payment.")
            + " "
            + text("Ask the customer to pay another way."),
            retry_allowed=True,
            gateway_ref=result.order_id,
            details={**details, "capture_id": result.capture_id},
        )
    return PaymentResult(  # refunded or reversed at PayPal: the till's own check decides
        AttemptState.UNKNOWN,
        f"paypal.relayed_{result.state}",
        text("Head office reports a refund at PayPal for this payment; checking again."),
        gateway_ref=result.order_id,
        details={**details, "capture_id": result.capture_id, "refund_id": result.refund_id},
    )
