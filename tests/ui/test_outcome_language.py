"""Gateway outcomes with a value in them reach a Kiswahili screen in Kiswahili: the stored
English is read back into its message (``pos.domain.outcomes``) and rendered with the same
value, sentence runs beside it translated as before (real compiled ``kaunta_sw.qm``)."""

from __future__ import annotations

import dev
from pos.domain.money import Money
from pos.domain.outcomes import say
from pos.payments.paypal import method as paypal_method
from pos.payments.paypal.client import PayPalError
from pos.ui import i18n


def test_paypal_outcomes_with_values_read_in_kiswahili_with_their_values() -> None:
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    refused, _retry = paypal_method._explain(PayPalError(422, "UNPROCESSABLE", "PAYEE_BLOCKED", ""))
    assert refused == "PayPal refused (PAYEE_BLOCKED). Ask the customer to pay another way."
    assert i18n.text(refused, "sw") == (
        "PayPal imekataa (PAYEE_BLOCKED). Mwombe mteja alipe kwa njia nyingine."
    )
    held = say(paypal_method.HOLDING, reason="PENDING_REVIEW")  # two sentences, one outcome
    assert i18n.text(held, "sw") == (
        "PayPal imeshikilia malipo haya (PENDING_REVIEW); bado hayajalipwa. Subiri, au ghairi "
        "na upokee kwa njia nyingine."
    )
    refunded = say(paypal_method.REFUNDED, amount=Money(125000, "USD"))
    assert i18n.text(refunded, "sw") == "USD 1,250.00 zimerudishwa kwenye PayPal ya mteja."
    assert i18n.text(refused, "en") == refused  # English stays as written


def test_text_that_is_neither_known_nor_an_outcome_stays_as_it_is() -> None:
    dev.build_translations()
    odd = "PayPal said something new (X). Ask the customer to pay another way."
    assert i18n.text(odd, "sw") == (
        "PayPal said something new (X). Mwombe mteja alipe kwa njia nyingine."
    )
