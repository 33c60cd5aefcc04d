"""Outcomes with values are read back from their English text into the message that wrote
them, so a stored gateway answer can be shown in the reader's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pos.domain import outcomes
from pos.domain.messages import REGISTRY, Template, define
from pos.domain.money import Money
from pos.domain.outcomes import outcome, read, say

_PREFIX = "test.outcome."
HELD = Template(
    f"{_PREFIX}held",
    "The gateway is holding this ({reason}); wait. Or cancel and take {other} instead.",
)
TWICE = Template(f"{_PREFIX}twice", "Sent {amount}, then {amount} again (x*y).")


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    """This file's templates exist only during its tests: the completeness test reads the
    registry, and these have no translation."""
    for template in (HELD, TWICE):
        outcome(define(template.code, template.english))
    yield
    for code in [c for c in REGISTRY if c.startswith(_PREFIX)]:
        del REGISTRY[code]
    for code in [c for c in outcomes._KNOWN if c.startswith(_PREFIX)]:
        del outcomes._KNOWN[code]


def test_an_outcome_is_its_english_and_reads_back_with_its_values() -> None:
    english = say(HELD, reason="PENDING_REVIEW", other="cash")
    assert english == (
        "The gateway is holding this (PENDING_REVIEW); wait. Or cancel and take cash instead."
    )
    found = read(english)
    assert found == HELD(reason="PENDING_REVIEW", other="cash")
    assert found is not None
    kiswahili = found.render(
        lambda source, code: "Imeshikiliwa ({reason}); {other}." if code else source
    )
    assert kiswahili == "Imeshikiliwa (PENDING_REVIEW); cash."


def test_money_comes_back_as_written_and_a_repeated_value_must_repeat() -> None:
    english = say(TWICE, amount=Money(125000, "KES"))
    assert english == "Sent KES 1,250.00, then KES 1,250.00 again (x*y)."
    assert read(english) == TWICE(amount="KES 1,250.00")
    assert read("Sent KES 1,250.00, then KES 9.00 again (x*y).") is None
    assert read("Sent KES 1,250.00, then KES 1,250.00 again (xxy).") is None  # literal *


def test_other_text_is_not_read_as_an_outcome() -> None:
    assert read("The gateway is holding this (X); wait.") is None  # only part of it
    assert read("Prefix. " + say(HELD, reason="R", other="o")) is None  # whole text only
    assert read("") is None


def test_templates_that_cannot_be_read_back_are_refused() -> None:
    with pytest.raises(ValueError, match="count forms"):
        outcome(define(f"{_PREFIX}count", "{n} try", other="{n} tries", count="n"))
    with pytest.raises(ValueError, match="no values"):
        outcome(define(f"{_PREFIX}fixed", "Nothing to fill in here."))
    with pytest.raises(ValueError, match="words of its own"):
        outcome(define(f"{_PREFIX}bare", "{problem}."))
    with pytest.raises(ValueError, match="plain field"):
        outcome(define(f"{_PREFIX}spec", "Paid {amount:>10} in full."))
    with pytest.raises(ValueError, match="not registered"):
        say(define(f"{_PREFIX}unregistered", "Refused {why} today."), why="x")
