"""Keep payers' phone numbers (and, for PayPal, e-mails and names) out of head office's database.

A Daraja STK callback carries the payer's full MSISDN. Head office checks it against the
push (by keyed hash, :mod:`sync.server.callbacks.tokens`) before storing anything, and then
has no use for the number itself, so the body it keeps durably has the number masked the
way receipts show it (``2547******49``; the parser accepts that form). A refused request's
bounded start is masked the same way, by pattern, since it may not be JSON at all.

A refused PayPal webhook or IPN keeps its bounded start too (``RejectedCallback.body_start``),
and those carry the payer's e-mail, name and address: :func:`mask_personal_data` masks them by
pattern (JSON fields and form fields alike, percent-encoded e-mails included) before the
start is cut, along with phone-number runs.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: a Kenyan MSISDN on its own (254…, 07…/01… or the bare 9 digits), never part of a longer
#: digit run (CheckoutRequestIDs and transaction dates are longer)
_PHONE_RUN = re.compile(r"(?<!\d)(?:254|0)?([17]\d{8})(?!\d)")


def mask_msisdn(digits: str) -> str:
    """``254708374149`` -> ``2547******49``: the network prefix and the last two digits."""
    tail = digits[-9:]
    return f"254{tail[0]}******{tail[-2:]}"


def mask_phone_runs(text: str) -> str:
    """Every phone-number-like digit run in ``text`` masked (for unparsed snippets)."""
    return _PHONE_RUN.sub(lambda m: mask_msisdn(m.group(1)), text)


def redact_stk_body(text: str) -> str:
    """The callback body with ``PhoneNumber``'s value masked; other fields as they came.

    Called only on a body that parsed as a callback; a body of an unexpected shape is
    masked by pattern instead, so no number is kept whatever arrives.
    """
    try:
        data: Any = json.loads(text)
        items = data["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    except (ValueError, KeyError, TypeError):
        return mask_phone_runs(text)  # a failed payment has no metadata: nothing else to do
    if not isinstance(items, list):
        return mask_phone_runs(text)
    for item in items:
        if isinstance(item, dict) and item.get("Name") == "PhoneNumber" and "Value" in item:
            value = str(item["Value"]).strip()
            if "*" not in value:
                item["Value"] = mask_msisdn(value)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


#: an e-mail address, plain (JSON) or form-encoded (``jane%40example.com``)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])((?:[A-Za-z0-9._+\-]|%[0-9A-Fa-f]{2})+)(?:@|%40)"
    r"([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*)",
)
#: the personal fields of PayPal's webhook resources (payer, shipping) and of IPN messages
_PERSONAL_JSON = (
    "given_name|surname|middle_name|full_name|alternate_full_name|email_address|"
    "address_line_1|address_line_2|address_line_3|admin_area_1|admin_area_2|postal_code|"
    "national_number|phone_number|tax_id|birth_date"
)
_PERSONAL_FORM = (
    "first_name|last_name|payer_email|payer_business_name|address_name|address_street|"
    "address_city|address_state|address_zip|contact_phone|payer_id|receiver_email|business"
)
_JSON_FIELD = re.compile(rf'("(?:{_PERSONAL_JSON})"\s*:\s*")((?:[^"\\]|\\.)*)')
_FORM_FIELD = re.compile(rf"((?:^|&)(?:{_PERSONAL_FORM})=)([^&]*)")
#: a personal-data mask is applied to this much of a refused body, then the start is cut
#: (a field straddling the cut is masked whole)
SCAN = 2000


def mask_email(local: str, domain: str) -> str:
    """``jane.doe`` at ``example.com`` -> ``j***@***.com``: the first character and the
    top-level domain, enough to tell two refusals apart, not to write to anyone."""
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}***@***" + (f".{tld}" if tld else "")


def mask_personal_data(text: str) -> str:
    """``text`` with e-mails, the payer's name, address and phone fields and phone-number
    runs masked, by pattern (for a refused PayPal webhook or IPN, which may be neither
    valid JSON nor a valid form)."""
    text = _JSON_FIELD.sub(lambda m: m.group(1) + ("***" if m.group(2) else ""), text)
    text = _FORM_FIELD.sub(lambda m: m.group(1) + ("***" if m.group(2) else ""), text)
    text = _EMAIL.sub(lambda m: mask_email(m.group(1), m.group(2)), text)
    return mask_phone_runs(text)


def refused_body_start(body: bytes, encoding: str, limit: int = 500) -> str:
    """What a refused PayPal webhook or IPN keeps of its body: the first ``limit``
    characters, decoded with ``encoding`` (undecodable bytes replaced), personal data
    masked (:func:`mask_personal_data`) before the cut."""
    return mask_personal_data(body[:SCAN].decode(encoding, "replace"))[:limit]
