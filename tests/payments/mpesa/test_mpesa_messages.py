"""What M-Pesa's checks and codes tell the cashier reaches the translation system.

A refusal with a value in it (the number typed, the amount, the currency) is a message
code with values, rendered in the cashier's language; a fixed one is made of sentences the
translation files list. An English f-string would reach a Kiswahili screen as it is.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pos.domain.messages import REGISTRY, Message
from pos.domain.money import Money
from pos.payments.mpesa.codes import Phase, outcome_for_error
from pos.payments.mpesa.method import MpesaMethod
from pos.payments.mpesa.phone import InvalidPhone, normalize_msisdn, phone_hint

ROOT = Path(__file__).resolve().parents[3]


def _update_tool() -> ModuleType:
    """``tools/i18n_update.py`` (what the translation files are made from), by path."""
    name = "i18n_update"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _translated_as(code: str, kiswahili: str) -> Any:
    """A translator that knows one message (as the .qm would), by its code."""
    return lambda source, disambiguation: kiswahili if disambiguation == code else source


@pytest.mark.parametrize(
    ("amount", "phone", "code"),
    [
        (Money(10000), "0812 345 678", "mpesa.phone_not_safaricom"),
        (Money(10000), None, "mpesa.phone_missing"),
        (Money(10000), "   ", "mpesa.phone_missing"),
        (Money(10050), "0712345678", None),  # cents: the amount's own message
        (Money(30_000_000), "0712345678", None),  # over the limit
        (Money(10000, "USD"), "0712345678", "payments.cannot_take"),
    ],
)
def test_every_validate_refusal_is_a_registered_message(
    method: MpesaMethod, helpers: Any, amount: Money, phone: str | None, code: str | None
) -> None:
    problem = method.validate(replace(helpers.request(), amount=amount, phone=phone))
    assert isinstance(problem, Message), f"{problem!r} is a bare string"
    assert problem.code in REGISTRY, f"{problem.code!r} is not a defined message"
    if code is not None:
        assert problem.code == code


def test_a_phone_refusal_is_translated_with_the_number_in_it() -> None:
    with pytest.raises(InvalidPhone) as err:
        normalize_msisdn("0812 345 678")
    assert str(err.value).startswith("0812 345 678 is not a Safaricom number")  # the log
    swahili = _translated_as("mpesa.phone_not_safaricom", "{typed} si namba ya Safaricom")
    assert err.value.msg.render(swahili) == "0812 345 678 si namba ya Safaricom"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("07a", "mpesa.phone_digits_only"),
        ("0712 345 6789", "mpesa.phone_too_many_digits"),
        ("08", "mpesa.phone_not_safaricom"),
    ],
)
def test_the_live_phone_hint_is_a_message(typed: str, code: str) -> None:
    hint = phone_hint(typed)
    assert isinstance(hint, Message)
    assert hint.code == code


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip()) if s]


@pytest.mark.parametrize(
    "message",
    [
        "Bad Request - Invalid Timestamp",
        "Bad Request - Invalid BusinessShortCode",
        "Bad Request - Invalid CallBackURL",
        "Bad Request",
    ],
)
def test_an_invalid_field_without_its_own_sentence_is_still_translatable(message: str) -> None:
    """400.002.02 names a field the table has no sentence for: the cashier's text is made
    of sentences the translation files list (the field stays in the code, for the log)."""
    outcome = outcome_for_error("400.002.02", message, phase=Phase.PUSH)
    known = {found.entry.source for found in _update_tool().scan(ROOT)}
    missing = [s for s in _sentences(outcome.message) if s not in known]
    assert missing == [], f"not in the translation files' sources: {missing}"
    field = message.rpartition("Invalid ")[2] if "Invalid" in message else ""
    assert outcome.code == (f"mpesa.400.002.02.{field}" if field else "mpesa.400.002.02")
