"""The phone masking every gateway's ``scrub`` shares.

A transcript (a request body, an answer, an error message) can hold the customer's phone
number in any of the ways people and gateways write it: ``254712345678``, ``+254 712 345
678``, ``0712-345-678``. :func:`mask_phones` finds them all, including numbers that are not
valid Safaricom numbers (a mistyped number is still someone's personal data), and masks each
with :func:`pos.payments.base.mask_phone` (``2547******78``). Each gateway client's
``scrub`` removes its own secrets and then calls this; there is no second copy per gateway.
"""

from __future__ import annotations

import re

from pos.payments.base import mask_phone

__all__ = ["mask_phones"]

#: 254 or 0 (``+`` allowed), then nine digits; single spaces or dashes allowed between.
#: Not preceded or followed by a digit or ``*`` (an already masked number stays as it is).
_PHONE = re.compile(r"(?<![\d*])(?:\+?254|0)[\s-]?(\d(?:[\s-]?\d){8})(?![\d*])")


def _masked(match: re.Match[str]) -> str:
    return mask_phone("254" + re.sub(r"\D", "", match.group(1)))


def mask_phones(text: str) -> str:
    """``text`` with every Kenyan phone number in it masked (see the module doc)."""
    return _PHONE.sub(_masked, text)
