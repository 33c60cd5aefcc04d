"""Reading STK push and query bodies the way Daraja validates them (gateways.md A2, A4).

Every refusal is Daraja's ``400.002.02`` "Bad Request - Invalid <Field>". GUESS (not
documented): a PartyB different from the shortcode in paybill mode is refused as
"Invalid PartyB", and the maximum amount is the sandbox's ``max_amount``.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pos.payments.mpesa.sandbox.daraja import (
    MSISDN_RE,
    SHORTCODE_RE,
    callback_url_problem,
    valid_timestamp,
)
from pos.payments.mpesa.sandbox.wire import amount_of, digits_of, invalid

__all__ = ["Credentials", "PushBody", "read_credentials", "read_push"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Credentials:
    """The merchant fields every STK call carries."""

    shortcode: str
    password: str
    timestamp: str


@dataclass(frozen=True, slots=True)
class PushBody:
    """A valid STK push request."""

    credentials: Credentials
    kind: str  # CustomerPayBillOnline | CustomerBuyGoodsOnline
    amount: int
    party_b: str
    phone: str
    callback_url: str
    reference: str
    description: str


def read_credentials(body: Mapping[str, Any]) -> Credentials:
    """BusinessShortCode, Password (base64) and Timestamp (``YYYYMMDDHHmmss``)."""
    shortcode = digits_of(body.get("BusinessShortCode"))
    if shortcode is None or not SHORTCODE_RE.match(shortcode):
        raise invalid("BusinessShortCode")
    password = body.get("Password")
    if not isinstance(password, str) or not password:
        raise invalid("Password")
    try:
        base64.b64decode(password, validate=True)
    except binascii.Error:
        raise invalid("Password") from None
    timestamp = digits_of(body.get("Timestamp"))
    if timestamp is None or not valid_timestamp(timestamp):
        raise invalid("Timestamp")
    return Credentials(shortcode, password, timestamp)


def read_push(body: Mapping[str, Any], *, max_amount: int, local_callbacks: bool) -> PushBody:
    """Every field of an STK push, checked in Daraja's order of fields."""
    credentials = read_credentials(body)
    kind = body.get("TransactionType")
    if kind not in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"):
        raise invalid("TransactionType")
    amount = amount_of(body.get("Amount"))
    if amount is None or amount < 1 or amount > max_amount:
        raise invalid("Amount")
    party_a = digits_of(body.get("PartyA"))
    if party_a is None or not MSISDN_RE.match(party_a):
        raise invalid("PartyA")
    party_b = digits_of(body.get("PartyB"))
    if party_b is None or not SHORTCODE_RE.match(party_b):
        raise invalid("PartyB")
    if kind == "CustomerPayBillOnline" and party_b != credentials.shortcode:
        raise invalid("PartyB")
    phone = digits_of(body.get("PhoneNumber"))
    if phone is None or not MSISDN_RE.match(phone):
        raise invalid("PhoneNumber")
    callback = body.get("CallBackURL")
    problem = callback_url_problem(callback, local_callbacks=local_callbacks)
    if problem is not None or not isinstance(callback, str):
        log.info("M-Pesa sandbox: CallBackURL refused (%s)", problem)
        raise invalid("CallBackURL")
    reference = body.get("AccountReference")
    if not isinstance(reference, str) or not 1 <= len(reference) <= 12:
        raise invalid("AccountReference")
    desc = body.get("TransactionDesc")
    if not isinstance(desc, str) or not desc:
        raise invalid("TransactionDesc")
    return PushBody(credentials, str(kind), amount, party_b, phone, callback, reference, desc)
