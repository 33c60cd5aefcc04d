"""Small English wording helpers for messages built around a name or a count.

Messages name things the till only knows at run time (a payment method's label, a sale's
status, a number of items), so "A {label} request" reads "A M-Pesa request" and
"({n} items)" reads "(1 items)". These helpers choose the article by how the word is
*said*, not how it is spelled, and the noun by the count. English only: other languages
get their own wording through the translations.
"""

from __future__ import annotations

import re

#: Letters whose spoken names start with a vowel sound ("an F", "an M", "an S"...).
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")

#: Words spelled with a vowel but said with a consonant sound ("a unit", "a one-off").
_CONSONANT_SOUND_STARTS = ("uni", "use", "usa", "usu", "ute", "uti", "eu", "ewe", "one", "once")

#: Words spelled with a consonant but said with a vowel sound (a silent h).
_VOWEL_SOUND_STARTS = ("hour", "honest", "honor", "honour", "heir")

#: Names said letter by letter though written in lower case (M-Pesa is "em-pesa").
_SAID_AS_LETTERS = ("m-pesa",)

#: Numbers said with a vowel sound: eight..., eighteen, eighty; eleven (thousand...).
_VOWEL_SOUND_NUMBER = re.compile(r"8|1[18](?:,\d{3})*(?!,?\d)")


def _vowel_sound(word: str) -> bool:
    """Does ``word`` start with a vowel sound when said aloud?"""
    lower = word.lower()
    if lower[:1].isdigit():
        return _VOWEL_SOUND_NUMBER.match(word) is not None
    if lower.startswith(_SAID_AS_LETTERS):
        return True
    first = word[:1]
    letters = word.split("-", 1)[0].rstrip(".")
    # "M-Pesa", "X-ray", "U-turn", "SMS", "KRA": the first letter is said by its name
    if len(letters) == 1 or (letters.isalpha() and letters.isupper()):
        return first.upper() in _VOWEL_SOUND_LETTERS
    if lower.startswith(_VOWEL_SOUND_STARTS):
        return True
    if lower.startswith(_CONSONANT_SOUND_STARTS):
        return False
    return lower[:1] in "aeiou"


def with_article(label: str, *, capital: bool = False) -> str:
    """``label`` after "a" or "an", as it is said: "an M-Pesa", "a PayPal", "an open".

    ``capital``: for the start of a sentence ("An M-Pesa request…"). The label itself is
    kept exactly as given.
    """
    words = label.split()
    article = "an" if words and _vowel_sound(words[0]) else "a"
    if capital:
        article = article.capitalize()
    return f"{article} {label}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and the noun in the right number: "1 item", "2 items", "0 items"."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural if plural is not None else noun + 's'}"
