"""Keep payers' phone numbers out of head office's database.

A Daraja STK callback carries the payer's full MSISDN. Head office checks it against the
push (by keyed hash, :mod:`sync.server.callbacks.tokens`) before storing anything, and then
has no use for the number itself, so the body it keeps durably has the number masked the
way receipts show it (``2547******49``; the parser accepts that form). A refused request's
bounded start is masked the same way, by pattern, since it may not be JSON at all.
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
