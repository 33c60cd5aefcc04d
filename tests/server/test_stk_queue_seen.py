"""Readiness and metrics see the M-Pesa queue (stored STK callbacks, the STK worker's own work
items) and its worker's heartbeat, on each backend over real posted callbacks.

Stored callbacks with no live STK worker are money no till learns of: ``/readyz`` says not
ready and the depth counts them; a worker that runs writes its heartbeat, the depth falls to
0 and readiness comes back. The arrivals counter never goes down as callbacks are decided.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sync.server.callbacks.models import StkWorkerHeartbeat
from sync.server.tasks import STK_QUEUE, decide_stk_callbacks, run_stk_sweeper, run_stk_tasks
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.test_callbacks import body, post, register

DARAJA = {"REMOTE_ADDR": "196.201.214.77"}


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


@pytest.fixture(autouse=True)
def _no_worker_yet(client: Client) -> None:
    """Each test starts with nothing waiting and no worker ever seen."""
    run_stk_tasks()
    StkWorkerHeartbeat.objects.all().delete()


def _store_callbacks(client: Client, till: Till, n: int) -> None:
    for i in range(n):
        _, path = register(client, till)
        assert post(client, path, body(f"ws_CO_q{i}"), **DARAJA).status_code == 200


def _stk_tasks_ready() -> int:
    """Wake-ups waiting for the STK queue's worker."""
    return DBTaskResult.objects.ready().filter(task_path=decide_stk_callbacks.module_path).count()


def _metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found is not None, f"{name} not in the metrics"
    return float(found.group(1))


def test_stored_callbacks_without_a_worker_are_depth_and_need_attention_until_one_runs(
    client: Client, till: Till
) -> None:
    _store_callbacks(client, till, 5)

    r = client.get("/readyz")
    assert r.status_code == 200  # the app servers stay in rotation: they store callbacks
    body_ = r.json()
    assert (body_["status"], body_["database"]) == ("ok", "ok")
    assert body_["attention"] == "stk worker no worker"
    assert body_["stk_waiting"] == 5
    assert body_["depth"] == body_["tasks_waiting"] + 5
    # the wake-up the first callback enqueued is not counted as a task waiting: the five
    # records are that queue's work, counted once
    assert _stk_tasks_ready() == 1
    others = DBTaskResult.objects.ready().exclude(queue_name=STK_QUEUE).count()
    assert body_["tasks_waiting"] == others
    assert body_["stk_worker"] == "no worker"
    assert body_["stk_oldest_age_s"] >= 0
    text = client.get("/metrics").content.decode()
    assert _metric(text, "kaunta_hq_stk_waiting") == 5.0
    assert _metric(text, "kaunta_hq_queue_depth") >= 5.0
    assert "kaunta_hq_stk_oldest_waiting_seconds" in text

    # a worker process: its sweeper's round (heartbeat; the view's wake-up already waits,
    # so it enqueues none), then its STK queue's db_worker runs that one wake-up for all five
    run_stk_sweeper(0, rounds=1)
    assert _stk_tasks_ready() == 1
    run_stk_tasks()
    assert _stk_tasks_ready() == 0
    done = DBTaskResult.objects.filter(task_path=decide_stk_callbacks.module_path)
    assert done.latest("finished_at").return_value == 5

    r = client.get("/readyz")
    assert r.status_code == 200, r.json()
    after = r.json()
    assert (after["status"], after["stk_waiting"], after["stk_worker"]) == ("ok", 0, "ok")
    assert "attention" not in after
    assert after["depth"] == after["tasks_waiting"]
    assert after["stk_oldest_age_s"] == 0.0
    text = client.get("/metrics").content.decode()
    assert _metric(text, "kaunta_hq_stk_waiting") == 0.0
    assert _metric(text, "kaunta_hq_stk_worker_heartbeat_age_seconds") >= 0.0
    assert StkWorkerHeartbeat.objects.count() == 1


def test_a_stale_worker_needs_attention_only_while_callbacks_wait(
    client: Client, till: Till
) -> None:
    StkWorkerHeartbeat.objects.create(
        worker_id="gone:1:1", seen_at=timezone.now() - timedelta(hours=1)
    )
    idle = client.get("/readyz")
    assert idle.status_code == 200
    assert idle.json()["stk_worker"] == "stale"
    assert "attention" not in idle.json()  # nothing waits: a stale worker harms none
    _store_callbacks(client, till, 1)
    r = client.get("/readyz")
    assert (r.status_code, r.json()["attention"]) == (200, "stk worker stale")
    StkWorkerHeartbeat.objects.filter(worker_id="gone:1:1").update(seen_at=timezone.now())
    assert "attention" not in client.get("/readyz").json()  # a live worker will take it


def test_callbacks_that_arrived_are_a_counter_and_their_states_a_gauge(
    client: Client, till: Till
) -> None:
    before = _metric(
        client.get("/metrics").content.decode(), 'kaunta_hq_callbacks_total{outcome="accepted"}'
    )
    _store_callbacks(client, till, 3)
    stored = client.get("/metrics").content.decode()
    arrived = _metric(stored, 'kaunta_hq_callbacks_total{outcome="accepted"}')
    assert arrived == before + 3
    received = _metric(stored, 'kaunta_hq_stk_callbacks_by_state{state="received"}')
    assert received == 3.0
    assert "# TYPE kaunta_hq_stk_callbacks_by_state gauge" in stored

    run_stk_tasks()

    decided = client.get("/metrics").content.decode()
    assert _metric(decided, 'kaunta_hq_callbacks_total{outcome="accepted"}') == arrived
    assert _metric(decided, 'kaunta_hq_stk_callbacks_by_state{state="received"}') == 0.0
    assert "# TYPE kaunta_hq_callbacks_total counter" in decided
