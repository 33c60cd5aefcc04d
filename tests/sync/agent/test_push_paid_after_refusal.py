"""Money paid after the till was told the customer refused: Daraja's first callback says the
customer cancelled (1032) or was declined (1: balance too low), head office relays it and
the till has the attempt ``cancelled`` or ``declined``; the cashier takes cash and the sale
closes; then a paid callback for the same CheckoutRequestID arrives. Head office decides the
push again as paid (``paid_after_failure``) and relays it once more; the till must not
drop it because its attempt is final: it reaches the manager's late payments, once,
audited, and the cash sale stays as it was.

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
from sync.agent.push_results import parse_results
from tests.e2e.relay_head_office import RelayHeadOffice, post_json, relay_head_office, stk_callback
from tests.sync.agent.test_push_results import gateway_ref, relay_till, the_callback_url


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayHeadOffice]:
    with relay_head_office(tmp_path_factory.mktemp("hq")) as running:
        yield running


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox(local_callbacks=True).start()
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


@pytest.mark.parametrize(
    ("decision", "code", "till_state"),
    [(Decision.CANCEL, "1032", "cancelled"), (Decision.INSUFFICIENT, "1", "declined")],
)
def test_paid_after_a_cancel_or_decline_reaches_the_managers_late_payments_once(
    cashier: Terminal,
    office: RelayHeadOffice,
    sandbox: MpesaSandbox,
    product: CatalogItem,
    decision: Decision,
    code: str,
    till_state: str,
) -> None:
    till = relay_till(cashier, office, sandbox)
    started = till.sell(product)
    attempt = started.attempt_id
    checkout = gateway_ref(till, attempt)
    sandbox.decide(checkout, decision)
    url = the_callback_url(sandbox, checkout)
    failed = _wait_state(office, till.token, attempt, "failed")
    assert failed["result_code"] == code
    assert till.puller.pull().applied == 1
    state_sql = "SELECT state, resolution, receipt_ref FROM payment_attempts WHERE id = ?"
    assert till.rows(state_sql, attempt) == [(till_state, "", "")]
    # the cashier takes cash instead: the sale is complete
    assert cashier.checkout.pay_cash(cashier.checkout.view().cash_due).receipt is not None

    # ... and the customer's M-Pesa payment comes through after all
    paid_body = stk_callback(checkout, started.tender.minor // 100, DEMO_PHONE, "SREFUSED01")
    assert post_json(url, paid_body) == 200
    paid = _wait_state(office, till.token, attempt, "paid")
    assert paid["seq"] > failed["seq"]

    report = till.puller.pull()

    assert (report.applied, report.cursor) == (1, paid["seq"])
    assert till.puller.outcomes[-1] == (attempt, "late")
    assert till.rows(state_sql, attempt) == [("captured", "late", "SREFUSED01")]
    assert [v.attempt_id for v in till.payments.late_payments()] == [attempt]
    outbox = "SELECT kind FROM outbox WHERE kind = 'payment.late' AND aggregate_id = ?"
    assert till.rows(outbox, attempt) == [("payment.late",)]
    audit = "SELECT action FROM audit_log WHERE detail LIKE ? ORDER BY seq"
    actions = [a for (a,) in till.rows(audit, f"%{attempt}%")]
    assert actions[-2:] == ["payment_paid_after_failure", "payment_late"]
    assert till.rows("SELECT method FROM payments") == [("cash",)]  # the sale is unchanged

    # a repeat pull has nothing new; the same result handed over again changes nothing
    assert till.puller.pull().seen == 0
    [same], _ = parse_results({"results": [paid], "next_after": paid["seq"]}, paid["seq"] - 1)
    assert till.puller.apply(same) == "late"
    assert till.rows(outbox, attempt) == [("payment.late",)]
    assert [a for (a,) in till.rows(audit, f"%{attempt}%")] == actions
    assert till.rows(state_sql, attempt) == [("captured", "late", "SREFUSED01")]
    assert [v.attempt_id for v in till.payments.late_payments()] == [attempt]
