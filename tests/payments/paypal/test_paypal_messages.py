"""PayPal's refusals before anything is sent are message codes with values, so the cashier
reads them in their language (``str()`` stays the English, for the log)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from pos.domain.messages import Message, Template
from pos.domain.money import Money
from pos.domain.outcomes import read
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest
from pos.payments.paypal import method as paypal_method
from pos.payments.paypal.client import PayPalError
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.sandbox import PayPalSandbox

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


# -- outcomes with a value: English in the record, read back into their messages -----------


def test_a_held_payment_reads_back_as_its_code_with_paypals_reason(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    started = method.start(new_request())
    sandbox.decide(started.gateway_ref, "approve", mock_application_codes="CAPTURE_PENDING")
    request_ref = AttemptRef(
        started.gateway_ref and new_request().attempt_id,
        "sale",
        Money(1250, "USD"),
        started.gateway_ref,
    )
    held = method.status(request_ref)
    assert held.state is AttemptState.PENDING
    found = read(held.message)
    assert found == paypal_method.HOLDING(reason="PENDING_REVIEW")
    kiswahili = found.render(lambda s, d: "Imeshikiliwa ({reason})." if d else s)
    assert kiswahili == "Imeshikiliwa (PENDING_REVIEW)."


def test_refund_outcomes_read_back_with_their_amounts(
    method: PayPalMethod, sandbox: PayPalSandbox, new_request: NewRequest
) -> None:
    request = new_request(2000)
    started = method.start(request)
    sandbox.decide(started.gateway_ref, "approve")
    ref = AttemptRef(request.attempt_id, request.sale_id, request.amount, started.gateway_ref)
    assert method.status(ref).state is AttemptState.CAPTURED
    refused = method.refund(ref, Money(2001, "USD"))
    assert read(refused.message) == paypal_method.REFUND_LIMITS(amount="USD 20.00")
    done = method.refund(ref, Money(700, "USD"))
    assert done.message == "USD 7.00 refunded to the customer's PayPal."
    assert read(done.message) == paypal_method.REFUNDED(amount="USD 7.00")


def test_a_refusal_paypal_did_not_explain_keeps_its_issue_in_every_language() -> None:
    unknown = PayPalError(422, "UNPROCESSABLE_ENTITY", "SOMETHING_NEW", "")
    message, retry = paypal_method._explain(unknown)
    assert retry
    first, rest = message.split(" ", 3)[:3], message.split(". ", 1)[1]
    assert " ".join(first) == "PayPal refused (SOMETHING_NEW)."
    assert rest == "Ask the customer to pay another way."
    assert read(" ".join(first)) == paypal_method.REFUSED(issue="SOMETHING_NEW")
    server = PayPalError(400, "INVALID_REQUEST", "ODD_FIELD", "")
    said, retry = paypal_method._explain(server)
    assert not retry
    assert read(said) == paypal_method.REQUEST_REFUSED(status="400", issue="ODD_FIELD")


def _outcome_check() -> ModuleType:
    """``tools/i18n_check.py``, whose outcome check covers every gateway (loaded by path)."""
    root = Path(__file__).resolve().parents[3]
    spec = importlib.util.spec_from_file_location("i18n_check", root / "tools" / "i18n_check.py")
    assert spec is not None
    assert spec.loader is not None
    module = sys.modules.get("i18n_check") or importlib.util.module_from_spec(spec)
    if "i18n_check" not in sys.modules:
        sys.modules["i18n_check"] = module
        spec.loader.exec_module(module)
    return module


def test_every_paypal_outcome_with_a_value_is_a_registered_outcome() -> None:
    """No English f-string is left among PayPal's outcomes: each text built with a value
    goes through ``say()`` of a registered outcome (found by the tool, which reads the
    source of every gateway; the version before this change had five)."""
    check = _outcome_check()
    source = Path(paypal_method.__file__).read_text(encoding="utf-8")
    assert check.check_outcome_source(source, "method.py", check.known_texts()) == []
    old = (
        "class M:\n"
        "    def _result(self, state, code, message, order):\n"
        "        return PaymentResult(state, code, message, gateway_ref=order)\n"
        "    def refund(self, amount, reason, order):\n"
        "        if amount:\n"
        "            return RefundResult(False, 'x', f'PayPal refunded {amount}.')\n"
        "        return self._result(s, 'c', f'PayPal is holding it ({reason}).', order)\n"
    )
    found = check.check_outcome_source(old, "old.py")
    assert [(f.where, f.call) for f in found] == [
        ("old.py:6", "RefundResult"),
        ("old.py:7", "_result"),
    ]
    codes = {t.code for t in vars(paypal_method).values() if isinstance(t, Template)}
    assert {"paypal.refused", "paypal.capture_pending", "paypal.refunded"} <= codes
    assert all(read(say_) is not None for say_ in _examples())


def _examples() -> list[str]:
    from pos.domain.outcomes import say

    return [
        say(paypal_method.REFUSED, issue="X"),
        say(paypal_method.REQUEST_REFUSED, status="400", issue="X"),
        say(paypal_method.HOLDING, reason="X"),
        say(paypal_method.PART_REFUNDED_ALREADY, kept=Money(100, "USD")),
        say(paypal_method.REFUND_LIMITS, amount=Money(100, "USD")),
        say(paypal_method.REFUNDED, amount=Money(100, "USD")),
        say(paypal_method.REFUND_PENDING, amount=Money(100, "USD")),
    ]
