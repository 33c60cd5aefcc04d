"""Head office's refusals as the till says them: in the reader's language.

Head office answers a refused refund (two tills racing on one receipt) with a code and
values from :mod:`sync.protocol.refusals`; the agent parks the event with them. Here the
same codes are registered as messages (the English is the translators' source, held
equal to head office's by a test), and :func:`parked_message` turns a parked reason back
into a :class:`~pos.domain.messages.Message` the screens render in English or Kiswahili.
A reason without a code (another refusal, or one parked by an older till), or with values
that do not fit the template, stays the English head office sent.
"""

from __future__ import annotations

from pos.domain.messages import REGISTRY, Message, define
from sync.protocol.refusals import decode_parked

#: the messages of sync.protocol.refusals.TEMPLATES, by the same codes
MESSAGES = (
    define("hq_refund_voided", "Receipt {receipt} was voided; there is nothing to refund."),
    define(
        "hq_refund_currency",
        "Receipt {receipt} is in {sale_currency}, this refund in {currency}.",
    ),
    define("hq_refund_line_unknown", "A line of this refund ({item}) is not on receipt {receipt}."),
    define(
        "hq_refund_line_over",
        "{item} on receipt {receipt}: {sold} sold, {refunded} already refunded (by this or "
        "another till), so {asked} more cannot go back.",
    ),
    define(
        "hq_refund_line_money_over",
        "{item} on receipt {receipt}: the money refunded would be more than the line was sold for.",
    ),
    define(
        "hq_refund_total_over",
        "Receipt {receipt}: refunds would add up to more than the sale's total.",
    ),
    define(
        "hq_refund_other_store",
        "Receipt {receipt} is a sale of another store: a till refunds its own store's sales only.",
    ),
)


def parked_message(reason: str) -> Message:
    """The parked ``reason`` as a message: coded ones in the reader's language, the rest
    as head office wrote them."""
    code, params, english = decode_parked(reason)
    template = REGISTRY.get(code) if code else None
    if template is None or set(params) != template.fields():
        return Message.plain(english or reason)
    return Message(code, tuple(sorted(params.items())))
