"""Outcomes with values that travel as English text, read back into messages to translate.

A gateway's outcome (``PaymentResult.message``, ``RefundResult.message``) is a string: it
is stored with the payment attempt, joined with other sentences ("The customer had
already paid… Paid with PayPal.") and written to the log, all in English. Fixed sentences
in it are marked with :func:`pos.domain.messages.text` and translated one by one. A
sentence with a value in it ("PayPal refused (PAYEE_BLOCKED).") cannot be looked up that
way, so its template is registered here with :func:`outcome`: the method writes
``say(TEMPLATE, issue=…)`` (the English text, as before), and the screens ask
:func:`read` for the message behind an English sentence, which they render in the
reader's language with the same values.

Only registered templates are read back, and only a whole sentence (or run of sentences)
that the template's English produces exactly. Values come back as the text they were
written as (``KES 1,250.00``, ``PENDING_REVIEW``): money and codes are written the same
way in English and Kiswahili, so nothing is lost. Count templates (``other=``) are not
accepted: their value would have to be parsed back into a number.
"""

from __future__ import annotations

import re
import string

from pos.domain.messages import Message, Template

#: registered outcome templates, with the pattern that matches their English output
_KNOWN: dict[str, tuple[Template, re.Pattern[str]]] = {}


def _pattern(english: str) -> re.Pattern[str]:
    """A pattern matching exactly what ``english.format(**values)`` can produce."""
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, spec, conversion in string.Formatter().parse(english):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(f"outcome text {english!r}: {{{name}}} must be a plain field")
        # a repeated field must repeat the same text; a value never spans a line
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^\\n]+?)")
        seen.add(name)
    return re.compile("".join(parts))


def outcome(template: Template) -> Template:
    """Register ``template`` as an outcome whose English text may be read back; returns
    it, so a module writes ``REFUSED = outcome(define("paypal.refused", "…"))``."""
    if template.other is not None:
        raise ValueError(f"outcome {template.code!r}: count forms cannot be read back")
    if not template.fields():
        raise ValueError(f"outcome {template.code!r} has no values: mark it with text()")
    literal = "".join(part[0] for part in string.Formatter().parse(template.english))
    if len(literal.strip()) < 8:  # "{problem}" alone would claim every sentence
        raise ValueError(f"outcome {template.code!r} needs words of its own around its values")
    _KNOWN[template.code] = (template, _pattern(template.english))
    return template


def say(template: Template, **values: object) -> str:
    """The outcome's English text with ``values`` (every field, checked), as stored."""
    if template.code not in _KNOWN:
        raise ValueError(f"outcome {template.code!r} is not registered with outcome()")
    return str(template(**values))


def read(english: str) -> Message | None:
    """The message behind ``english`` if a registered outcome wrote exactly that text,
    with its values as written; None for any other text."""
    for template, pattern in _KNOWN.values():
        found = pattern.fullmatch(english)
        if found is not None:
            return template(**found.groupdict())
    return None
