"""The buyer named on a sale: a business's KRA PIN (and optionally its name).

A business buying at the counter asks for its KRA PIN on the tax invoice so it can claim
the input VAT. eTIMS carries it as ``custTin`` (and ``custNm``) and requires the same PIN
on every credit note of that invoice, so the PIN is kept with the sale from the moment the
cashier enters it: in the basket's draft, the journalled sale, its sync event and the
refunds made against it.

A KRA PIN is eleven characters, a letter, nine digits and a letter (``P051234567X``;
``../shared/reference/etims.md`` §1.2). Anything else is refused with a message the
cashier can act on; a PIN typed in lower case or with spaces is tidied, not refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pos.domain.errors import DomainError
from pos.domain.messages import define

#: letter, nine digits, letter (the taxpayer PIN format KRA issues)
KRA_PIN_RE = re.compile(r"[A-Z][0-9]{9}[A-Z]")
#: eTIMS ``custNm`` holds at most 60 characters on a sale (the reference's field list)
NAME_MAX = 60

NOT_A_PIN = define(
    "buyer.not_a_pin",
    "{pin} is not a KRA PIN: a KRA PIN is a letter, nine digits and a letter, like P051234567X.",
)
NO_PIN = define("buyer.no_pin", "Type the buyer's KRA PIN (a letter, nine digits and a letter).")
NAME_TOO_LONG = define(
    "buyer.name_too_long", "The buyer's name is too long: at most {limit} characters."
)


class InvalidBuyer(DomainError):
    """A buyer's PIN (or name) the tax invoice cannot carry."""

    code = "invalid_buyer"


@dataclass(frozen=True, slots=True)
class Buyer:
    """The business the sale's tax invoice names: its KRA PIN and, if given, its name."""

    pin: str
    name: str = ""

    @classmethod
    def of(cls, pin: str, name: str = "") -> Buyer:
        """A buyer from what the cashier typed: the PIN tidied (upper case, no spaces)
        and checked, the name trimmed; :class:`InvalidBuyer` saying why when it cannot be."""
        tidy = re.sub(r"[\s-]+", "", pin).upper()
        if not tidy:
            raise InvalidBuyer(NO_PIN(), code="no_pin")
        if not KRA_PIN_RE.fullmatch(tidy):
            shown = pin.strip()[:20] or tidy[:20]
            raise InvalidBuyer(NOT_A_PIN(pin=shown), code="not_a_pin")
        clean = " ".join(name.split())
        if len(clean) > NAME_MAX:
            raise InvalidBuyer(NAME_TOO_LONG(limit=NAME_MAX), code="name_too_long")
        return cls(tidy, clean)

    def to_dict(self) -> dict[str, Any]:
        return {"pin": self.pin, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Buyer:
        """Restore a saved buyer, checked as when it was typed (a damaged snapshot is
        refused, never carried to KRA)."""
        pin, name = data["pin"], data.get("name", "")
        if not isinstance(pin, str) or not isinstance(name, str):
            raise InvalidBuyer(NOT_A_PIN(pin=repr(pin)[:20]), code="not_a_pin")
        return cls.of(pin, name)
