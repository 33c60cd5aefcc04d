"""M-Pesa pushes through the head office: the CallBackURL it hands out, the results it relays.

A till behind a shop's router cannot receive Daraja's STK callback; its head office can
(``docs/protocol.md``, "M-Pesa pushes through head office"). So, for an enrolled till:

1. before the push is sent, the method asks :class:`CallbackRelay` for a CallBackURL: the
   relay's registrar (set by the composition root while the sync agent runs) announces the
   push to head office (attempt id, amount, a hash of the payer's number) and returns the
   URL head office answered with, which carries the attempt id and a per-attempt token.
   When the till is not enrolled, offline, or head office does not answer within a short
   timeout, there is no URL and the method sends its configured one (the till then relies
   on its own polling, as before);
2. head office checks and stores Daraja's callback, decides the attempt, and the sync agent
   pulls the decision (``GET /api/v1/push-results``). Each result is handed to the payment
   service as a small JSON document of kind :data:`RELAY_KIND` (:func:`relay_document`),
   which :meth:`MpesaMethod.parse_event` reads with :func:`parse_relay_document`.

A relayed result is trusted as far as head office checked it (the callback's token, the
amount and phone against what the till registered); the till still checks the
CheckoutRequestID it knows and the amount against its own attempt, so a result that does
not match is never applied as paid.

Pure apart from logging: the standard library and :mod:`pos.domain`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pos.domain.money import Money

__all__ = [
    "RELAYED_METHOD",
    "RELAY_KIND",
    "CallbackRelay",
    "Registrar",
    "RelayedPush",
    "parse_relay_document",
    "phone_sha256",
    "relay_document",
]

log = logging.getLogger(__name__)

#: ``kind`` of the document a relayed push result is handed to the payment service in
RELAY_KIND = "kaunta.mpesa.push_result"
#: the payment method whose results head office relays (``PaymentService`` code)
RELAYED_METHOD = "mpesa"

#: ``(attempt_id, amount_minor, currency, msisdn) -> CallBackURL``, or None when head
#: office cannot be asked (then the configured URL is used)
Registrar = Callable[[str, int, str, str], str | None]


def phone_sha256(msisdn: str) -> str:
    """How head office names a payer's number: SHA-256 hex of ``2547XXXXXXXX``."""
    return hashlib.sha256(msisdn.encode()).hexdigest()


class CallbackRelay:
    """Where the M-Pesa method gets a head-office CallBackURL for a push, if it can.

    One per till, made by the composition root and handed to the method in its settings
    (``callback_relay``), so rebuilt methods (keys saved) keep it; the sync link attaches
    a registrar while its agent runs and detaches it when the agent stops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registrar: Registrar | None = None

    def attach(self, registrar: Registrar) -> None:
        with self._lock:
            self._registrar = registrar

    def detach(self, registrar: Registrar | None = None) -> None:
        """Forget the registrar (only ``registrar``, when given: a newer one stays)."""
        with self._lock:
            if registrar is None or self._registrar is registrar:
                self._registrar = None

    @property
    def attached(self) -> bool:
        return self._registrar is not None

    def callback_url(
        self, attempt_id: str, amount_minor: int, currency: str, msisdn: str
    ) -> str | None:
        """The head office's CallBackURL for this push, or None (not enrolled, offline,
        refused, too slow: the caller falls back to its configured URL). Never raises."""
        registrar = self._registrar
        if registrar is None:
            return None
        try:
            url = registrar(attempt_id, amount_minor, currency, msisdn)
        except Exception:  # a bug in the registrar must not stop the payment
            log.exception("registering push %s with head office failed", attempt_id)
            return None
        if url is not None and not url.startswith(("https://", "http://")):
            log.warning("head office gave push %s a callback URL that is not one", attempt_id)
            return None
        return url


@dataclass(frozen=True, slots=True)
class RelayedPush:
    """One decided push as head office relays it (``GET /api/v1/push-results``)."""

    attempt_id: str
    paid: bool
    checkout_request_id: str
    result_code: str
    result_desc: str
    receipt: str
    amount: Money  # what head office checked the callback against (its registration)
    seq: int = 0


def relay_document(result: Mapping[str, Any]) -> bytes:
    """The document the payment service is handed for one relayed result: the result's
    fields as head office sent them, marked with :data:`RELAY_KIND`."""
    return json.dumps({"kind": RELAY_KIND, **dict(result)}, separators=(",", ":")).encode()


def _text(data: Mapping[str, Any], key: str, *, blank: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not blank and not value):
        raise ValueError(f"relayed push result: {key} must be a non-empty string")
    return value


def parse_relay_document(data: Mapping[str, Any]) -> RelayedPush:
    """Read a relayed result (raises ``ValueError`` saying what is wrong)."""
    if data.get("kind") != RELAY_KIND:
        raise ValueError("not a relayed push result")
    state = data.get("state")
    if state not in ("paid", "failed"):
        raise ValueError(f"relayed push result: state {state!r} is neither paid nor failed")
    amount = data.get("amount_minor")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("relayed push result: amount_minor must be a positive whole number")
    currency = data.get("currency", "KES")
    if not isinstance(currency, str) or len(currency) != 3:
        raise ValueError("relayed push result: currency must be a 3-letter code")
    seq = data.get("seq", 0)
    return RelayedPush(
        attempt_id=_text(data, "attempt_id"),
        paid=state == "paid",
        checkout_request_id=_text(data, "checkout_request_id"),
        result_code=_text(data, "result_code"),
        result_desc=_text(data, "result_desc", blank=True),
        receipt=_text(data, "receipt", blank=True),
        amount=Money(amount, currency),
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else 0,
    )
