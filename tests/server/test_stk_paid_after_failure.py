"""A paid STK callback after a failed one for the same push is money the customer paid: it is
decided again as paid (record ``conflict``), relayed to the till once more as a result, and
listed in the dashboard's unresolved payments. A failure after a paid result changes nothing;
repeats of either are harmless. Real posted callbacks, the real STK worker, each backend."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from sync.server.accounts.models import HqRole, Profile
from sync.server.callbacks.models import PushAttempt, PushState, RecordState, StkCallbackRecord
from sync.server.tasks import decide_batch, run_stk_tasks
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.test_callbacks import body, post, register, results

DARAJA = {"REMOTE_ADDR": "196.201.214.77"}
CHECKOUT = "ws_CO_late1"


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


def _records(attempt: str) -> list[str]:
    rows = StkCallbackRecord.objects.filter(attempt__attempt_id=attempt).order_by("pk")
    return [str(s) for s in rows.values_list("state", flat=True)]


def _admin() -> Client:
    user = User.objects.create_user(f"hq-admin-{User.objects.count()}", password="x" * 16)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    browser = Client()
    browser.force_login(user)
    return browser


def _work() -> None:
    run_stk_tasks()


def test_paid_after_a_failure_is_relayed_once_more_and_listed_unresolved(
    client: Client, till: Till
) -> None:
    attempt, path = register(client, till)
    assert post(client, path, body(CHECKOUT, code=1037), **DARAJA).status_code == 200
    _work()
    first = results(client, till)["results"]
    assert [(r["attempt_id"], r["state"], r["result_code"]) for r in first] == [
        (attempt, "failed", "1037")
    ]
    cursor = first[-1]["seq"]

    assert post(client, path, body(CHECKOUT, receipt="SLATE12345"), **DARAJA).status_code == 200
    _work()

    assert _records(attempt) == [RecordState.DONE, RecordState.CONFLICT]
    a = PushAttempt.objects.get(attempt_id=attempt)
    assert (a.state, a.receipt, a.result_code) == (PushState.PAID, "SLATE12345", "0")
    assert (a.failure_code, a.paid_after_failure_at is not None) == ("1037", True)
    late = results(client, till, cursor)["results"]
    assert [(r["attempt_id"], r["state"], r["receipt"]) for r in late] == [
        (attempt, "paid", "SLATE12345")
    ]

    # repeats of either callback are harmless: no new result, nothing changes
    assert post(client, path, body(CHECKOUT, receipt="SLATE12345"), **DARAJA).status_code == 200
    assert post(client, path, body(CHECKOUT, code=1037), **DARAJA).status_code == 200
    _work()
    assert _records(attempt)[2:] == [RecordState.DUPLICATE, RecordState.DUPLICATE]
    assert results(client, till, late[-1]["seq"])["results"] == []
    assert PushAttempt.objects.get(attempt_id=attempt).state == PushState.PAID

    browser = _admin()
    page = browser.get("/dashboard/payments/").content.decode()
    table = page.split('id="paid-after-failure"', 1)[1].split("</table>", 1)[0]
    assert attempt in table
    assert "SLATE12345" in table
    assert "unresolved" in table
    overview = browser.get("/dashboard/").content.decode()
    assert "Unresolved pushes" in overview


def test_a_failure_after_paid_changes_nothing(client: Client, till: Till) -> None:
    attempt, path = register(client, till)
    assert post(client, path, body(CHECKOUT, receipt="SPAID00001"), **DARAJA).status_code == 200
    _work()
    [paid] = results(client, till)["results"]
    assert post(client, path, body(CHECKOUT, code=1037), **DARAJA).status_code == 200
    assert post(client, path, body(CHECKOUT, receipt="SPAID00001"), **DARAJA).status_code == 200
    _work()
    assert _records(attempt) == [RecordState.DONE, RecordState.DUPLICATE, RecordState.DUPLICATE]
    a = PushAttempt.objects.get(attempt_id=attempt)
    assert (a.state, a.receipt, a.result_seq) == (PushState.PAID, "SPAID00001", paid["seq"])
    assert (a.paid_after_failure_at, a.failure_code) == (None, "")
    assert results(client, till, paid["seq"])["results"] == []
    page = _admin().get("/dashboard/payments/").content.decode()
    assert attempt not in page.split('id="paid-after-failure"', 1)[1].split("</table>", 1)[0]


def test_failed_and_paid_in_one_batch_end_paid_with_the_failure_kept(
    client: Client, till: Till
) -> None:
    _work()
    attempt, path = register(client, till)
    assert post(client, path, body(CHECKOUT, code=1), **DARAJA).status_code == 200
    assert post(client, path, body(CHECKOUT, receipt="SBATCH0001"), **DARAJA).status_code == 200
    assert decide_batch() == 2
    assert _records(attempt) == [RecordState.DONE, RecordState.CONFLICT]
    a = PushAttempt.objects.get(attempt_id=attempt)
    assert (a.state, a.receipt, a.failure_code) == (PushState.PAID, "SBATCH0001", "1")
    got: list[dict[str, Any]] = results(client, till)["results"]
    mine = [(r["state"], r["receipt"]) for r in got if r["attempt_id"] == attempt]
    assert mine == [("paid", "SBATCH0001")]
