"""Customer phone numbers for M-Pesa: what a cashier types → the MSISDN Daraja wants.

Daraja takes the payer as 12 digits, ``2547XXXXXXXX`` or ``2541XXXXXXXX`` (its own
validation is ``^254[17]\\d{8}$``). Cashiers type numbers the way Kenyans write them:
``0712 345 678``, ``0112-345-678``, ``+254 712 345 678`` or ``254712345678``. Every one of
those forms is accepted here and normalised to the same MSISDN; anything else is refused
with a message the cashier can act on, before a payment attempt is stored or sent.

The check is on the *shape* of the number only: whether the line is registered for M-Pesa
is something only Safaricom knows (an unregistered line times out with ResultCode 1037).
"""

from __future__ import annotations

import re

from pos.domain.messages import Message, define

__all__ = ["InvalidPhone", "normalize_msisdn", "phone_hint"]

#: Separators people type inside a number; removed before anything else is checked.
_SEPARATORS = re.compile(r"[\s\-.]+")

#: The three accepted spellings after separators are removed; group 1 is the 9-digit
#: national significant number (starting 7 or 1).
_ACCEPTED = re.compile(r"^(?:0|\+254|254)([17][0-9]{8})$")

#: Each accepted spelling as a template of allowed characters per position, used to tell
#: "still typing" (a prefix of some template) from "can no longer become valid".
_DIGITS = "0123456789"
_TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("0", "17", *([_DIGITS] * 8)),
    ("+", "2", "5", "4", "17", *([_DIGITS] * 8)),
    ("2", "5", "4", "17", *([_DIGITS] * 8)),
)

HOW_TO_TYPE = "type 07XX XXX XXX or 01XX XXX XXX"
_SHOWN_MAX = 24  # longest input echoed back in a message (keeps the message readable)

# What the cashier reads, as codes with values (rendered in the cashier's language; the
# English is as it always was, ``HOW_TO_TYPE`` written out in each)
NO_NUMBER = define(
    "mpesa.phone_missing", "Type the customer's M-Pesa number: type 07XX XXX XXX or 01XX XXX XXX."
)
NOT_SAFARICOM = define(
    "mpesa.phone_not_safaricom",
    "{typed} is not a Safaricom number: type 07XX XXX XXX or 01XX XXX XXX",
)
DIGITS_ONLY = define(
    "mpesa.phone_digits_only", "Only digits in a phone number: type 07XX XXX XXX or 01XX XXX XXX."
)
TOO_MANY_DIGITS = define(
    "mpesa.phone_too_many_digits", "Too many digits: type 07XX XXX XXX or 01XX XXX XXX."
)


class InvalidPhone(ValueError):
    """The text is not a number M-Pesa can prompt; ``str(err)`` is for the cashier
    (English), :attr:`msg` the same as a message the UI renders in the cashier's language."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.msg = message

    @property
    def message(self) -> str:
        return str(self.args[0])


def _clean(text: str) -> str:
    return _SEPARATORS.sub("", text.strip())


def _shown(text: str) -> str:
    shown = " ".join(text.split())
    return shown if len(shown) <= _SHOWN_MAX else shown[: _SHOWN_MAX - 1] + "…"


def _could_become_valid(clean: str) -> bool:
    """True if ``clean`` is a prefix of at least one accepted spelling."""
    for template in _TEMPLATES:
        if len(clean) <= len(template) and all(
            char in allowed for char, allowed in zip(clean, template, strict=False)
        ):
            return True
    return False


def normalize_msisdn(text: str) -> str:
    """``"0712 345 678"`` → ``"254712345678"``; raises :class:`InvalidPhone` otherwise.

    Accepted: ``07…``/``01…`` (10 digits), ``+2547…``/``+2541…`` and ``2547…``/``2541…``
    (12 digits after the plus), with any spaces, dashes or dots between digits.
    """
    if not text or not text.strip():
        raise InvalidPhone(NO_NUMBER())
    match = _ACCEPTED.match(_clean(text))
    if match is None:
        raise InvalidPhone(NOT_SAFARICOM(typed=_shown(text)))
    return "254" + match.group(1)


def phone_hint(text: str) -> Message | None:
    """Live feedback while the cashier types.

    None while the text is valid, empty, or an incomplete number that can still become
    valid (``"071"``, ``"+2547"``); otherwise a message saying what is wrong, so the field
    can turn red the moment a wrong digit is typed rather than at "Pay".
    """
    clean = _clean(text)
    if not clean or _ACCEPTED.match(clean) or _could_become_valid(clean):
        return None
    if any(ch not in _DIGITS for ch in clean.lstrip("+")) or clean.count("+") > 1:
        return DIGITS_ONLY()
    if any(_ACCEPTED.match(clean[: len(t)]) for t in _TEMPLATES if len(clean) > len(t)):
        return TOO_MANY_DIGITS()
    return NOT_SAFARICOM(typed=_shown(text))
