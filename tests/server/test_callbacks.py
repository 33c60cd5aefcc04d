"""The M-Pesa STK callback at head office: pushes registered by a real enrolled terminal,
callbacks posted over the Django test client, processed by the real workers (the STK
worker's batches, then django-tasks' ``db_worker --batch``), and results pulled by the till.
Forged requests are refused, logged as RejectedCallback rows and change no attempt; the
counts are printed for the notes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from sync.server.callbacks.models import (
    PushAttempt,
    PushState,
    RecordState,
    RejectedCallback,
    StkCallbackRecord,
)
from sync.server.callbacks.tokens import token_for, wire_phone_hash
from sync.server.callbacks.views import counts
from sync.server.tasks import decide, requeue_unprocessed, run_stk_tasks
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll, new_id

PHONE = "254708374149"


def body(
    checkout: str = "ws_CO_1",
    *,
    code: int = 0,
    amount: object = 650,
    phone: object = int(PHONE),
    receipt: str = "NLJ7RT61SV",
) -> dict[str, Any]:
    """A Daraja STK callback body (reference/gateways.md shape)."""
    cb: dict[str, Any] = {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": checkout,
        "ResultCode": code,
        "ResultDesc": "The service request is processed successfully."
        if code == 0
        else "Cancelled",
    }
    if code == 0:
        cb["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": amount},
                {"Name": "MpesaReceiptNumber", "Value": receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": 20260302103000},
                {"Name": "PhoneNumber", "Value": phone},
            ]
        }
    return {"Body": {"stkCallback": cb}}


def register(client: Client, till: Till, amount_minor: int = 65000) -> tuple[str, str]:
    attempt = new_id()
    r = client.post(
        "/api/v1/pushes",
        {"attempt_id": attempt, "amount_minor": amount_minor, "phone_hash": wire_phone_hash(PHONE)},
        content_type="application/json",
        **till.auth,
    )
    assert r.status_code == 200, r.content
    url = r.json()["callback_url"]
    path = "/" + url.split("/", 3)[3]
    assert "mpesa" not in path.lower()
    assert "safaricom" not in path.lower()
    return attempt, path


def post(client: Client, path: str, payload: object, **extra: Any) -> Any:
    data = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(path, data, content_type="application/json", **extra)


def work() -> None:
    """Run the real workers until nothing waits: the STK queue's (the wake-up tasks that
    decide stored callbacks in batches, as ``kaunta-hq worker`` runs it), then the default
    queue's django-tasks database worker."""
    run_stk_tasks()
    call_command("db_worker", batch=True, interval=0, verbosity=0)


def results(client: Client, till: Till, after: int = 0) -> dict[str, Any]:
    r = client.get(f"/api/v1/push-results?after={after}", **till.auth)
    assert r.status_code == 200
    return dict(r.json())


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


@pytest.fixture
def allow_list() -> Iterator[None]:
    os.environ["KAUNTA_HQ_CALLBACK_ALLOW"] = "196.201.214.0/24, 196.201.213.44/32"
    yield
    del os.environ["KAUNTA_HQ_CALLBACK_ALLOW"]


def test_a_callback_is_stored_then_processed_once_and_pulled_by_its_till(
    client: Client, till: Till
) -> None:
    attempt, path = register(client, till)
    r = post(client, path, body())
    assert r.status_code == 200
    assert r.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    record = StkCallbackRecord.objects.get(attempt__attempt_id=attempt)
    assert record.state == RecordState.RECEIVED  # stored before processing
    assert json.loads(record.body) == body(phone="2547******49")  # the number masked
    assert results(client, till)["results"] == []
    work()
    got = results(client, till)
    assert [(x["attempt_id"], x["state"], x["receipt"]) for x in got["results"]] == [
        (attempt, "paid", "NLJ7RT61SV")
    ]
    assert results(client, till, got["next_after"])["results"] == []
    # the same callback again (Daraja retries): stored, answered, changes nothing
    assert post(client, path, body()).status_code == 200
    work()
    states = sorted(
        StkCallbackRecord.objects.filter(attempt__attempt_id=attempt).values_list(
            "state", flat=True
        )
    )
    assert states == ["done", "duplicate"]
    assert len(results(client, till)["results"]) == 1


def test_a_cancelled_push_is_relayed_as_not_paid(client: Client, till: Till) -> None:
    attempt, path = register(client, till)
    assert post(client, path, body(code=1032)).status_code == 200
    work()
    a = PushAttempt.objects.get(attempt_id=attempt)
    assert (a.state, a.result_code, a.receipt) == (PushState.FAILED, "1032", "")


def test_forged_callbacks_are_refused_logged_and_change_nothing(
    client: Client, till: Till, allow_list: None
) -> None:
    attempt, path = register(client, till)
    other_till = enroll(client, new_store())
    other_attempt, _ = register(client, other_till)
    RejectedCallback.objects.all().delete()
    ok_ip = {"REMOTE_ADDR": "196.201.214.200"}
    tried: list[tuple[str, int]] = []

    def forged(p: str, payload: object, **extra: Any) -> None:
        r = post(client, p, payload, **extra)
        tried.append((p, r.status_code))
        assert r.status_code >= 400, (p, r.status_code)

    forged(path, body(), REMOTE_ADDR="41.90.1.2")  # not Safaricom's address
    forged(path.rsplit("/", 1)[0] + "/" + "0" * 64, body(), **ok_ip)  # wrong token
    forged(path.rsplit("/", 1)[0] + "/" + token_for(other_attempt), body(), **ok_ip)
    unknown = new_id()
    forged(f"/hooks/stk/{unknown}/{token_for(unknown)}", body(), **ok_ip)  # no such push
    forged(path, body(amount=1), **ok_ip)  # amount is not the attempt's
    forged(path, body(phone=254711111111), **ok_ip)  # phone is not the attempt's
    forged(path, b"{not json", **ok_ip)
    forged(path, b"\xff\xfe", **ok_ip)
    forged(path, {"Body": {}}, **ok_ip)
    forged(path, b"{" + b" " * (64 * 1024) + b"}", **ok_ip)  # huge body
    missing = client.post(path.rsplit("/", 1)[0], "{}", content_type="application/json")
    assert missing.status_code == 404  # no token at all: no such URL
    by_reason = counts()
    print(f"\nforged M-Pesa callbacks refused: {by_reason} (total {sum(by_reason.values())})")
    assert by_reason == {
        "address": 1,
        "token": 2,
        "unknown_attempt": 1,
        "amount": 1,
        "phone": 1,
        "malformed": 3,
        "too_large": 1,
    }
    mine = [attempt, other_attempt]
    assert StkCallbackRecord.objects.filter(attempt__attempt_id__in=mine).count() == 0
    work()
    states = PushAttempt.objects.filter(attempt_id__in=mine).values_list("state", flat=True)
    assert set(states) == {PushState.WAITING}
    # and the real one still goes through afterwards
    assert post(client, path, body(), **ok_ip).status_code == 200
    work()
    assert PushAttempt.objects.get(attempt_id=attempt).state == PushState.PAID
    RejectedCallback.objects.all().delete()


def test_no_payer_number_is_recoverable_from_head_office_tables(client: Client, till: Till) -> None:
    """Accepted bodies, refused bodies and the push rows keep no full number, nor an
    unkeyed hash of it that every candidate number could be tried against."""
    attempt, path = register(client, till)
    RejectedCallback.objects.all().delete()
    assert post(client, path, body(phone=254711111111)).status_code == 409  # phone mismatch
    assert post(client, path, b'{"Body": 254708374149, "x": "0708374149"').status_code == 400
    assert post(client, path, body()).status_code == 200
    work()
    assert PushAttempt.objects.get(attempt_id=attempt).state == PushState.PAID
    kept = " ".join(
        [
            *StkCallbackRecord.objects.values_list("body", flat=True),
            *RejectedCallback.objects.values_list("body_start", flat=True),
            *PushAttempt.objects.values_list("phone_hash", flat=True),
        ]
    )
    for number in ("254708374149", "708374149", "254711111111", "711111111"):
        assert number not in kept
        assert wire_phone_hash(number) not in kept
        assert hashlib.sha256(number.encode()).hexdigest() not in kept
    assert "2547******49" in kept  # masked, as receipts show it
    assert "2547******11" in kept
    RejectedCallback.objects.all().delete()


def test_a_masked_phone_is_not_held_against_the_callback(client: Client, till: Till) -> None:
    attempt, path = register(client, till)
    assert post(client, path, body(phone="2547****4149")).status_code == 200
    work()
    assert PushAttempt.objects.get(attempt_id=attempt).state == PushState.PAID


def test_registering_a_push_twice_is_the_same_url_but_other_values_conflict(
    client: Client, till: Till
) -> None:
    attempt, path = register(client, till)
    again = {"attempt_id": attempt, "amount_minor": 65000, "phone_hash": wire_phone_hash(PHONE)}
    r = client.post("/api/v1/pushes", again, content_type="application/json", **till.auth)
    assert r.status_code == 200
    assert r.json()["callback_url"].endswith(path)
    again["amount_minor"] = 1
    r = client.post("/api/v1/pushes", again, content_type="application/json", **till.auth)
    assert r.status_code == 409
    thief = enroll(client, new_store())
    r = client.get("/api/v1/push-results", **thief.auth)
    assert r.json()["results"] == []


def test_a_task_run_twice_or_requeued_decides_its_attempt_once(client: Client, till: Till) -> None:
    attempt, path = register(client, till)
    assert post(client, path, body()).status_code == 200
    record = StkCallbackRecord.objects.get(attempt__attempt_id=attempt)
    # as if a worker was killed after taking the task: the record is still 'received'
    assert requeue_unprocessed() == 1
    work()  # the record is the work item: decided once
    a = PushAttempt.objects.get(attempt_id=attempt)
    assert a.state == PushState.PAID
    seq = a.result_seq
    assert decide(record.pk) == "done"  # a third run changes nothing
    assert PushAttempt.objects.get(attempt_id=attempt).result_seq == seq
    assert requeue_unprocessed() == 0
