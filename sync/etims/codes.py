"""KRA eTIMS OSCU codes: result codes and how the client treats each, and the code
values Kaunta sends (reference ``etims.md`` sections 3.3 and 6).

Result codes come back in an HTTP 200 envelope; only ``000`` and ``001`` are good news.
What to do with the others decides whether an invoice number may be given back (KRA
surely did not record it) or must be kept and looked up before any resend (it might
have): see :class:`ResultKind`.
"""

from __future__ import annotations

from enum import StrEnum


class ResultKind(StrEnum):
    """How a reply (or a failure to get one) is handled."""

    OK = "ok"  #: 000: done
    NO_DATA = "no_data"  #: 001: nothing found / nothing new; not an error
    REJECTED = "rejected"  #: a clean refusal: KRA did not record it; show the reason, park
    RETRY = "retry"  #: transient server trouble (991, 990, 999): try later, look up first
    DUPLICATE = "duplicate"  #: 994: KRA already holds this number; look it up
    IN_DOUBT = "in_doubt"  #: timeout, reply lost or unreadable: may be recorded
    NOT_SENT = "not_sent"  #: connection refused: KRA never saw the request
    #: about the device or the key, not the invoice (900, 901, 903, 911, 912): KRA did
    #: not record it; nothing is parked, the branch's drain stops until the set-up is fixed
    DEVICE = "device"


SUCCESS = "000"
NO_RESULT = "001"
DUPLICATE_DATA = "994"

#: Codes for which the server answered but something passing went wrong: keep the
#: invoice number, back off, look it up before resending (reference section 6).
RETRY_CODES: frozenset[str] = frozenset({"990", "991", "992", "999", "894", "896", "899"})

#: Codes about the device, its key or the request's envelope rather than the invoice
#: (reference section 6: 900 header missing, 901 not a valid device / wrong key, 903 not
#: an OSCU device, 911 no body, 912 wrong path). Any sale would be refused alike, so
#: parking them one by one would only empty the queue: the drain stops instead. That
#: KRA never records an invoice it answers with one of these is a GUESS (the reference
#: says what each means, not whether anything is kept); a deployment that learns of
#: another such code can pass its own set to :func:`classify`.
DEVICE_CODES: frozenset[str] = frozenset({"900", "901", "903", "911", "912"})

#: Result messages for the codes the reference lists (paraphrased; never compared on).
RESULT_MEANING: dict[str, str] = {
    "000": "success",
    "001": "no search result",
    "894": "server communication error",
    "900": "header information missing",
    "901": "not a valid device",
    "902": "device already installed",
    "903": "only an OSCU device can be verified",
    "910": "request parameter error",
    "911": "no request body",
    "912": "request method error",
    "921": "declared sales data cannot be received",
    "922": "sales invoice data accepted only after the sales data",
    "990": "maximum number of views exceeded",
    "991": "error while registering",
    "992": "error while modifying",
    "993": "error while deleting",
    "994": "overlapped (duplicate) data",
    "995": "no downloaded file",
    "999": "unknown error, contact the administrator",
}

#: Success variants seen on other routes (VSCU, GavaConnect): accepted as 000 (GUESS).
SUCCESS_VARIANTS: frozenset[str] = frozenset({"000", "00", "0000"})


def classify(result_cd: str, device_codes: frozenset[str] = DEVICE_CODES) -> ResultKind:
    """What a ``resultCd`` means for the caller."""
    code = result_cd.strip()
    if code in SUCCESS_VARIANTS:
        return ResultKind.OK
    if code == NO_RESULT:
        return ResultKind.NO_DATA
    if code == DUPLICATE_DATA:
        return ResultKind.DUPLICATE
    if code in RETRY_CODES:
        return ResultKind.RETRY
    if code in device_codes:
        return ResultKind.DEVICE
    return ResultKind.REJECTED


class ReceiptType(StrEnum):
    """Code class 37: a sale, or a credit note after a sale."""

    SALE = "S"
    CREDIT_NOTE = "R"


class PaymentType(StrEnum):
    """Code class 07."""

    CASH = "01"
    CREDIT = "02"
    CASH_CREDIT = "03"
    BANK_CHECK = "04"
    CARD = "05"
    MOBILE_MONEY = "06"
    OTHER = "07"


#: Kaunta tender method codes (each ``kaunta.payment_methods`` entry point's ``code``) ->
#: payment type (configurable in ``EtimsSettings``). A method missing here is sent as
#: "other" (07); ``tests/etims/test_payment_types.py`` fails for an installed method that
#: has no entry, so a new gateway cannot be mis-coded by omission.
DEFAULT_PAYMENT_TYPES: dict[str, str] = {
    "cash": PaymentType.CASH.value,
    "mpesa": PaymentType.MOBILE_MONEY.value,
    "card_zvt": PaymentType.CARD.value,  # the serial card terminal
    "card_manual": PaymentType.CARD.value,  # a standalone terminal, keyed in at the till
    "card": PaymentType.CARD.value,
    "zvt": PaymentType.CARD.value,
    "paypal": PaymentType.OTHER.value,
}

#: Kaunta refund reason codes -> credit-note reason (code class 32; 13 = other reason).
DEFAULT_REFUND_REASONS: dict[str, str] = {
    "missing_quantity": "01",
    "missing_data": "02",
    "damaged": "03",
    "wasted": "04",
    "raw_material_shortage": "05",
    "refund": "06",
    "changed_mind": "06",
    "wrong_customer_pin": "07",
    "wrong_customer_name": "08",
    "wrong_price": "09",
    "wrong_amount": "09",
    "wrong_quantity": "10",
    "wrong_item": "11",
    "wrong_tax_type": "12",
}
OTHER_REFUND_REASON = "13"

#: Sale status (class 11) Odoo sends for sales and credit notes alike.
SALES_STATUS_APPROVED = "02"

#: Code-list classes the client caches.
TAX_TYPE_CLASS = "04"
