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
