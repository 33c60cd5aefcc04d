"""English wording helpers: the article as a word is said, the noun as the count says."""

from __future__ import annotations

import pytest

from pos.domain.text import counted, with_article


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("M-Pesa", "an M-Pesa"),  # said "em-pesa"
        ("MPESA", "an MPESA"),
        ("PayPal", "a PayPal"),
        ("open", "an open"),
        ("parked", "a parked"),
        ("Airtel Money", "an Airtel Money"),
        ("SMS", "an SMS"),  # letters said by name: "ess-em-ess"
        ("USD", "a USD"),  # "you-ess-dee"
        ("unit", "a unit"),
        ("umbrella", "an umbrella"),
        ("hour", "an hour"),
        ("8.00 USD", "an 8.00 USD"),
        ("11", "an 11"),
        ("110", "a 110"),
        ("18,000", "an 18,000"),
    ],
)
def test_with_article_follows_the_sound_not_the_spelling(label: str, expected: str) -> None:
    assert with_article(label) == expected


def test_with_article_capital_starts_a_sentence_and_keeps_the_label() -> None:
    assert with_article("M-Pesa", capital=True) == "An M-Pesa"
    assert with_article("PayPal", capital=True) == "A PayPal"


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 items"), (1, "1 item"), (2, "2 items"), (21, "21 items")]
)
def test_counted_uses_the_singular_for_one_only(count: int, expected: str) -> None:
    assert counted(count, "item") == expected


def test_counted_takes_an_irregular_plural() -> None:
    assert counted(3, "sale", "sales") == "3 sales"
    assert counted(2, "person", "people") == "2 people"
