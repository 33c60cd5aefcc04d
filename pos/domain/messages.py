"""Messages a person reads, as a code plus parameters (standard library only).

The till speaks English and Kiswahili. A message is therefore not a finished sentence but a
:class:`Message`: the code of a registered :class:`Template` and the values that fill it.
The English template is the source text translators see (Qt's translation system, context
``"messages"``, the code as its disambiguation); the UI renders a message through the
translator of the user's language, formatting each value per locale (money with its
currency code and thousands separators, dates dd/mm/yyyy in the shop's time zone). Logs
and ``str()`` of an error stay English.

Counts get their own wording per form: a template defined with ``other=`` has an English
"one" and "other" text chosen by its ``count`` parameter, and each form is translated on
its own ("bidhaa 1", "bidhaa 2" but "kitu 1", "vitu 2"), never by adding an English "s".

A fixed sentence with no values can stay a plain string marked with :func:`text`, which
returns it unchanged; the string itself is then the source text (context ``"messages"``,
no disambiguation). ``tools/i18n_update.py`` finds templates, marked texts and the fixed
sentences raised as errors by reading the source, so every one gets a translation.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # money's errors carry messages: imported when a value is written
    from pos.domain.money import Money

#: the translation context of every message (UI widgets use their class names)
CONTEXT = "messages"

#: translate(source, disambiguation) -> the text in the reader's language
Translate = Callable[[str, str | None], str]


def text(english: str) -> str:
    """Mark a fixed sentence as user-visible (it is extracted for translation); returns it."""
    return english


def _fields(template: str) -> frozenset[str]:
    return frozenset(
        name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name
    )


@dataclass(frozen=True)
class Template:
    """A registered message: its code, its English text(s) and the fields they use."""

    code: str
    english: str
    other: str | None = None  # the English text when ``count`` is not 1
    count: str | None = None  # the parameter that chooses between ``english`` and ``other``
    also: tuple[str, ...] = ()  # values the English does not show but a translation may

    def __call__(self, **params: object) -> Message:
        """The message with these values (every field of the template, no others)."""
        wanted = self.fields()
        if set(params) != wanted:
            raise TypeError(
                f"message {self.code!r} takes {sorted(wanted)}, was given {sorted(params)}"
            )
        return Message(self.code, tuple(sorted(params.items())))

    def fields(self) -> frozenset[str]:
        found = _fields(self.english) | (_fields(self.other) if self.other else frozenset())
        return found | ({self.count} if self.count else frozenset()) | frozenset(self.also)

    def sources(self) -> list[tuple[str, str]]:
        """``(source text, disambiguation)`` of each form, as the translation files list them."""
        if self.other is None:
            return [(self.english, self.code)]
        return [(self.english, f"{self.code}#one"), (self.other, f"{self.code}#other")]

    def form(self, params: Mapping[str, object]) -> tuple[str, str]:
        """The ``(source, disambiguation)`` these values need (the count's form)."""
        forms = self.sources()
        if self.other is None or self.count is None:
            return forms[0]
        return forms[0] if params.get(self.count) == 1 else forms[1]


#: every template by code (filled as the modules that define them are imported)
REGISTRY: dict[str, Template] = {}


def define(
    code: str,
    english: str,
    *,
    other: str | None = None,
    count: str | None = None,
    also: tuple[str, ...] = (),
) -> Template:
    """Register a message. ``other``/``count``: a second English text when the count is
    not 1. ``also``: values only translations use (English says "An M-Pesa" as one value,
    Kiswahili wants the bare label)."""
    if (other is None) != (count is None):
        raise ValueError(f"message {code!r}: give both other= and count=, or neither")
    template = Template(code, english, other, count, tuple(also))
    known = REGISTRY.get(code)
    if known is not None and known != template:
        raise ValueError(f"message code {code!r} is defined twice with different texts")
    REGISTRY[code] = template
    return template


@dataclass(frozen=True)
class Message:
    """A code and its values. ``str()`` is the English text (logs, tests).

    ``code`` empty: a fixed sentence (``params`` holds it as ``"text"``)."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def plain(cls, english: str) -> Message:
        """A fixed sentence that was written as a plain string."""
        return cls("", (("text", english),))

    def values(self) -> dict[str, object]:
        return dict(self.params)

    def render(self, translate: Translate | None = None, formats: Formats | None = None) -> str:
        """The text, through ``translate`` (English without one), values in ``formats``."""
        tr = translate or (lambda source, _d: source)
        fmt = formats or Formats()
        values = self.values()
        if not self.code:
            source = str(values.get("text", ""))
            if translate is None:
                return source
            return say_text(source, translate, fmt)
        template = REGISTRY.get(self.code)
        if template is None:  # a code from a newer till or a removed message: say its code
            return f"[{self.code}]"
        source, disambiguation = template.form(values)
        shown = {k: fmt.value(v, translate, formats) for k, v in values.items()}
        translated = tr(source, disambiguation) or source
        try:
            return translated.format(**shown)
        except (KeyError, IndexError, ValueError):  # a broken translation never hides the text
            return source.format(**shown)

    def __str__(self) -> str:
        return self.render()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _known(english: str, translate: Translate, formats: Formats | None) -> str | None:
    """``english`` through ``translate`` if it is a listed text, or a registered outcome's
    output (:mod:`pos.domain.outcomes`) rendered with its values; None if neither."""
    from pos.domain.outcomes import read  # (outcomes builds on this module)

    whole = translate(english, None)
    if whole and whole != english:
        return whole
    found = read(english)
    return found.render(translate, formats) if found is not None else None


def say_text(english: str, translate: Translate, formats: Formats | None = None) -> str:
    """A fixed text from below the UI (a gateway's outcome, a service's plain sentence) in
    ``translate``'s language: the whole text, or a registered outcome with its values, or
    sentence by sentence, the longest run of sentences that is known first (an outcome
    joined with "Ask the customer to pay another way."); an unknown sentence stays as it
    is. How a :meth:`Message.plain` value is rendered, so an outcome given as a value
    inside another message ("… is still waiting ({status})") is translated too."""
    whole = _known(english, translate, formats)
    if whole is not None:
        return whole
    parts = _SENTENCE_END.split(english.strip())
    if len(parts) == 1:
        return english
    out: list[str] = []
    changed = False
    start = 0
    while start < len(parts):
        for end in range(len(parts) - (start == 0), start, -1):  # (the whole: tried above)
            run = " ".join(parts[start:end])
            said = _known(run, translate, formats)
            if said is not None:
                out.append(said)
                changed = changed or said != run
                start = end
                break
        else:
            out.append(parts[start])
            start += 1
    return " ".join(out) if changed else english


@dataclass(frozen=True)
class Formats:
    """How values are written in a language. Kenyan usage is the same in English and
    Kiswahili: ``KES 1,250.00``, ``1,000``, ``02/12/2026 14:05``; times in the shop's zone."""

    zone: tzinfo | None = None

    def money(self, amount: Money) -> str:
        return str(amount)

    def number(self, value: int) -> str:
        return f"{value:,}"

    def day(self, value: date) -> str:
        return value.strftime("%d/%m/%Y")

    def moment(self, value: datetime) -> str:
        if self.zone is not None and value.tzinfo is not None:
            value = value.astimezone(self.zone)
        return value.strftime("%d/%m/%Y %H:%M")

    def value(self, value: object, translate: Translate | None, formats: Formats | None) -> str:
        """One parameter, written per its type."""
        from pos.domain.money import Money

        if isinstance(value, Message):
            return value.render(translate, formats)
        if isinstance(value, Money):
            return self.money(value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return self.number(value)
        if isinstance(value, datetime):
            return self.moment(value)
        if isinstance(value, date):
            return self.day(value)
        return str(value)
