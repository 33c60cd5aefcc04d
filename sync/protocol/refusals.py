"""Why head office refused an event, as a code plus parameters the till can say in its
cashier's language.

Head office writes its answers in English (``Ack.reason``: for its log, its admin and tills
that predate codes). A refusal the till should explain to a person also carries
``Ack.code`` and ``Ack.params``: the code of one of the :data:`TEMPLATES` below and the
values that fill it. The till registers the same codes as messages
(:mod:`pos.services.refusal_messages`, a test holds the English texts equal) and renders
them through its translations; a code it does not know yet falls back to the English
reason.

A parked event keeps its refusal in one text column (the outbox's ``parked_reason``,
500 characters): :func:`encode_parked` writes the code, values and English as a small JSON
object; :func:`decode_parked` reads it back, and reads a plain English reason (parked by an
older till) as English with no code.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: refusal code -> its English template (``{name}`` fields filled from the parameters)
TEMPLATES: dict[str, str] = {
    "hq_refund_voided": "Receipt {receipt} was voided; there is nothing to refund.",
    "hq_refund_currency": "Receipt {receipt} is in {sale_currency}, this refund in {currency}.",
    "hq_refund_line_unknown": "A line of this refund ({item}) is not on receipt {receipt}.",
    "hq_refund_line_over": (
        "{item} on receipt {receipt}: {sold} sold, {refunded} already refunded (by this or "
        "another till), so {asked} more cannot go back."
    ),
    "hq_refund_line_money_over": (
        "{item} on receipt {receipt}: the money refunded would be more than the line was sold for."
    ),
    "hq_refund_total_over": (
        "Receipt {receipt}: refunds would add up to more than the sale's total."
    ),
    "hq_refund_other_store": (
        "Receipt {receipt} is a sale of another store: a till refunds its own store's sales only."
    ),
}

Param = str | int


def fields_of(template: str) -> frozenset[str]:
    return frozenset(n for _l, n, _s, _c in string.Formatter().parse(template) if n)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal: its code and values; :attr:`text` is the English."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return TEMPLATES[self.code].format(**self.params)


def refusal(code: str, **params: Param) -> Refusal:
    """A refusal of a known code with exactly the values its template uses."""
    wanted = fields_of(TEMPLATES[code])
    if set(params) != wanted:
        raise TypeError(f"refusal {code!r} takes {sorted(wanted)}, was given {sorted(params)}")
    return Refusal(code, dict(params))


def read_params(raw: Any) -> dict[str, Param]:
    """The parameters as sent: a flat object of short strings and integers (else empty)."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Param] = {}
    for key, value in raw.items():
        if isinstance(key, str) and len(key) <= 40:
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                out[key] = value
            elif isinstance(value, str):
                out[key] = value[:200]
    return out


def encode_parked(english: str, code: str = "", params: Mapping[str, Param] | None = None) -> str:
    """The parked-reason text for a refusal (a plain reason when there is no code)."""
    if not code:
        return english
    doc = {"code": code, "params": dict(params or {}), "text": english}
    encoded = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return encoded if len(encoded) <= 500 else english  # never cut a JSON document


def decode_parked(text: str) -> tuple[str, dict[str, Param], str]:
    """``(code, params, English)`` of a parked reason; code ``""`` for a plain one."""
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return "", {}, text
        if isinstance(doc, dict) and isinstance(doc.get("code"), str):
            return doc["code"], read_params(doc.get("params")), str(doc.get("text", ""))
    return "", {}, text
