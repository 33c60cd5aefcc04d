"""PayPal's refusals before anything is sent are message codes with values, so the cashier
reads them in their language (``str()`` stays the English, for the log)."""

from __future__ import annotations

from collections.abc import Callable

from pos.domain.messages import Message
from pos.payments.base import PaymentRequest
from pos.payments.paypal.method import PayPalMethod

NewRequest = Callable[..., PaymentRequest]


def test_a_currency_paypal_does_not_take_is_a_message_with_both_currencies(
    method: PayPalMethod, new_request: NewRequest
) -> None:
    problem = method.validate(new_request(100000, "KES"))
    assert isinstance(problem, Message)
    assert problem.code == "paypal.currency_not_supported"
    assert problem.values() == {"currency": "KES", "price_currency": method.price_currency}
    kiswahili = problem.render(lambda s, d: "PayPal haipokei {currency}" if d else s)
    assert kiswahili == "PayPal haipokei KES"


def test_a_zero_amount_is_the_base_fixed_sentence(
    method: PayPalMethod, new_request: NewRequest
) -> None:
    assert method.validate(new_request(0, "USD")) == "The amount must be more than zero."


def test_every_paypal_issue_the_cashier_reads_is_made_of_translatable_sentences() -> None:
    """PayPal's outcomes are strings (they carry no values): each sentence must be one the
    translation files list, or it reaches a Kiswahili screen in English."""
    import importlib.util
    import re
    import sys
    from pathlib import Path

    from pos.payments.paypal import method as paypal_method

    root = Path(__file__).resolve().parents[3]
    spec = importlib.util.spec_from_file_location("i18n_update", root / "tools" / "i18n_update.py")
    assert spec is not None
    assert spec.loader is not None
    update = sys.modules.get("i18n_update") or importlib.util.module_from_spec(spec)
    if "i18n_update" not in sys.modules:
        sys.modules["i18n_update"] = update
        spec.loader.exec_module(update)
    known = {found.entry.source for found in update.scan(root)}
    issues = paypal_method._ISSUES
    assert len(issues) >= 20
    missing = []
    for text, _retry in issues.values():
        if text in known:
            continue
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())
        missing += [s for s in sentences if s not in known]
    assert missing == []
