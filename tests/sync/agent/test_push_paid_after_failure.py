"""Money paid after a failed answer reaches the till: Daraja first says 1037 (the customer's
phone did not answer in time), the cashier takes cash and the sale closes, then a paid
callback for the same CheckoutRequestID arrives. Head office decides the push again as paid
and relays it once more; the till's puller hands it to the payment service, which finds the
sale moved on and flags it for the manager's late-payment flow, once.

Real processes (``kaunta-hq serve`` and ``kaunta-hq worker``, tests/e2e/relay_head_office.py),
the M-Pesa sandbox calling back over HTTP, a real till database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from pos.domain.catalog import CatalogItem
from pos.payments.mpesa.sandbox import DEMO_PHONE, Decision, MpesaSandbox
from pos.services.terminal import Terminal
from tests.e2e.relay_head_office import RelayHeadOffice, post_json, relay_head_office, stk_callback
from tests.sync.agent.test_push_results import gateway_ref, relay_till, the_callback_url


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayHeadOffice]:
    with relay_head_office(tmp_path_factory.mktemp("hq")) as running:
        yield running


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    """The sandbox, with an unanswered prompt timing out (1037) after 0.3 s."""
    box = MpesaSandbox(local_callbacks=True, prompt_timeout=0.3).start()
    try:
        yield box
    finally:
        box.stop()


def _wait_state(office: RelayHeadOffice, token: str, attempt: str, state: str) -> dict[str, Any]:
    end = time.monotonic() + 30
    while True:
        for result in office.results(token):
            if result["attempt_id"] == attempt and result["state"] == state:
                return result
        if time.monotonic() > end:
            raise AssertionError(f"head office never relayed {attempt} as {state}")
        time.sleep(0.1)


def _record_states(office: RelayHeadOffice, attempt: str, count: int) -> list[str]:
    """The head office's stored callbacks of ``attempt`` once ``count`` are decided."""
    end = time.monotonic() + 30
    while True:
        out = office.hq.shell(
            "from sync.server.callbacks.models import StkCallbackRecord\n"
            f"rows = StkCallbackRecord.objects.filter(attempt__attempt_id={attempt!r})\n"
            "print(' '.join(rows.exclude(state='received').order_by('pk')"
            ".values_list('state', flat=True)))"
        )
        states = out.split()
        if len(states) >= count or time.monotonic() > end:
            return states
        time.sleep(0.2)


def test_paid_after_a_timeout_reaches_the_managers_late_payments_once(
    cashier: Terminal, office: RelayHeadOffice, sandbox: MpesaSandbox, product: CatalogItem
) -> None:
    till = relay_till(cashier, office, sandbox)
    started = till.sell(product)
    checkout = gateway_ref(till, started.attempt_id)
    sandbox.decide(checkout, Decision.NO_ANSWER)
    url = the_callback_url(sandbox, checkout)
    failed = _wait_state(office, till.token, started.attempt_id, "failed")
    assert failed["result_code"] == "1037"
    assert till.puller.pull().applied == 1
    [(state,)] = till.rows("SELECT state FROM payment_attempts WHERE id = ?", started.attempt_id)
    assert state == "expired"
    # the cashier takes cash instead: the sale is complete
    assert cashier.checkout.pay_cash(cashier.checkout.view().cash_due).receipt is not None

    # ... and the customer's M-Pesa payment comes through after all
    paid_body = stk_callback(checkout, started.tender.minor // 100, DEMO_PHONE, "SLATEPAID1")
    assert post_json(url, paid_body) == 200
    paid = _wait_state(office, till.token, started.attempt_id, "paid")
    assert paid["seq"] > failed["seq"]
    assert paid["receipt"] == "SLATEPAID1"

    report = till.puller.pull()

    assert (report.applied, report.cursor) == (1, paid["seq"])
    assert till.puller.outcomes[-1] == (started.attempt_id, "late")
    [(state, resolution, receipt)] = till.rows(
        "SELECT state, resolution, receipt_ref FROM payment_attempts WHERE id = ?",
        started.attempt_id,
    )
    assert (state, resolution, receipt) == ("captured", "late", "SLATEPAID1")
    assert [v.attempt_id for v in till.payments.late_payments()] == [started.attempt_id]
    late = till.rows(
        "SELECT count(*) FROM outbox WHERE kind = 'payment.late' AND aggregate_id = ?",
        started.attempt_id,
    )
    assert late == [(1,)]
    assert till.rows("SELECT method FROM payments") == [("cash",)]  # never added to the sale

    # the same paid callback again (Daraja retries): decided a duplicate, nothing new for the till
    assert post_json(url, paid_body) == 200
    assert _record_states(office, started.attempt_id, 3) == ["done", "conflict", "duplicate"]
    assert till.puller.pull().seen == 0
    assert [v.attempt_id for v in till.payments.late_payments()] == [started.attempt_id]
