"""Refused callback requests are kept ``KAUNTA_HQ_REJECTED_KEEP_DAYS`` days (default 30),
then deleted in bounded batches (sync/server/callbacks/prune.py): a flood of forged
requests cannot grow the table forever, what is younger is kept, and the refusal counts
(rows kept plus rows pruned) never go down. Real forged requests through the callback
view, the real function and management command, each backend."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from sync.server.callbacks.models import RejectedCallback, RejectedCallbackPruned
from sync.server.callbacks.prune import (
    DEFAULT_KEEP_DAYS,
    KEEP_DAYS_ENV,
    keep_days,
    prune_rejected,
    rejected_by_reason,
)
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.test_callbacks import body, post, register


@pytest.fixture(autouse=True)
def empty(hq_db: str) -> Iterator[None]:
    RejectedCallback.objects.all().delete()
    RejectedCallbackPruned.objects.all().delete()
    yield
    RejectedCallback.objects.all().delete()
    RejectedCallbackPruned.objects.all().delete()


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


@pytest.fixture
def keep_env() -> Iterator[None]:
    before = os.environ.pop(KEEP_DAYS_ENV, None)
    yield
    os.environ.pop(KEEP_DAYS_ENV, None)
    if before is not None:
        os.environ[KEEP_DAYS_ENV] = before


def _aged(count: int, days: float, reason: str) -> None:
    """``count`` refused requests received ``days`` ago."""
    at = timezone.now() - timedelta(days=days)
    RejectedCallback.objects.bulk_create(
        RejectedCallback(received_at=at, reason=reason, path="/hooks/stk/x/y", body_start="{")
        for _ in range(count)
    )


def test_a_flood_of_forged_requests_is_pruned_in_batches_and_the_recent_ones_kept(
    client: Client, till: Till, keep_env: None
) -> None:
    _, path = register(client, till)
    # real refusals through the view: a wrong token and a malformed body, twice each
    for _ in range(2):
        assert post(client, path.rsplit("/", 1)[0] + "/" + "0" * 64, body()).status_code >= 400
        assert post(client, path, b"{not json").status_code >= 400
    real = dict(rejected_by_reason())
    assert real == {"token": 2, "malformed": 2}
    # the flood happened 40 days ago: age those rows, and 2500 more like them
    RejectedCallback.objects.update(received_at=timezone.now() - timedelta(days=40))
    _aged(2500, 40, "token")
    _aged(3, DEFAULT_KEEP_DAYS - 1, "address")  # younger than the keep time: kept
    before = rejected_by_reason()
    assert before == {"token": 2502, "malformed": 2, "address": 3}

    report = prune_rejected(batch=1000)

    assert (report.deleted, report.batches, report.more) == (2504, 3, False)
    assert list(RejectedCallback.objects.values_list("reason", flat=True)) == ["address"] * 3
    assert rejected_by_reason() == before  # the counts never go down
    assert dict(RejectedCallbackPruned.objects.values_list("reason", "count")) == {
        "token": 2502,
        "malformed": 2,
    }
    again = prune_rejected(batch=1000)
    assert (again.deleted, again.batches) == (0, 0)
    assert rejected_by_reason() == before


def test_one_bounded_batch_a_call_says_when_more_are_due(keep_env: None) -> None:
    _aged(25, 31, "malformed")
    first = prune_rejected(batch=10, max_batches=1)
    assert (first.deleted, first.batches, first.more) == (10, 1, True)
    assert RejectedCallback.objects.count() == 15
    second = prune_rejected(batch=10, max_batches=2)
    assert (second.deleted, second.batches, second.more) == (15, 2, False)
    assert RejectedCallback.objects.count() == 0
    assert rejected_by_reason() == {"malformed": 25}


def test_the_keep_time_comes_from_the_environment(keep_env: None) -> None:
    assert keep_days() == DEFAULT_KEEP_DAYS == 30
    os.environ[KEEP_DAYS_ENV] = "7"
    _aged(4, 8, "phone")
    _aged(2, 6, "amount")
    assert prune_rejected().deleted == 4
    assert list(RejectedCallback.objects.values_list("reason", flat=True)) == ["amount"] * 2
    for wrong in ("0", "-3", "thirty"):
        os.environ[KEEP_DAYS_ENV] = wrong
        with pytest.raises(ValueError, match=KEEP_DAYS_ENV):
            prune_rejected()
    assert RejectedCallback.objects.count() == 2  # a wrong setting deletes nothing


def test_the_management_command_prunes_and_prints_what_it_did(keep_env: None) -> None:
    _aged(5, 3, "address")
    _aged(1, 1, "address")
    out = io.StringIO()
    call_command("prune_rejected", "--days", "2", "--batch", "2", stdout=out)
    done = json.loads(out.getvalue())
    assert (done["deleted"], done["batches"]) == (5, 3)
    assert RejectedCallback.objects.count() == 1
    with pytest.raises(CommandError, match="at least 1"):
        call_command("prune_rejected", "--days", "0", stdout=io.StringIO())


def _rejected_metrics(client: Client) -> dict[str, float]:
    """The refusal counters of ``/metrics``: the total and each reason's."""
    text = client.get("/metrics").content.decode()
    out = {}
    for line in text.splitlines():
        if line.startswith('kaunta_hq_callbacks_total{outcome="rejected"}'):
            out["total"] = float(line.split()[-1])
        elif line.startswith("kaunta_hq_callbacks_rejected_total{"):
            reason = line.split('reason="', 1)[1].split('"', 1)[0]
            out[reason] = float(line.split()[-1])
    return out


def test_the_refusal_counters_never_go_down_when_rows_are_pruned(
    client: Client, keep_env: None
) -> None:
    _aged(12, 40, "token")
    _aged(2, 1, "address")
    before = _rejected_metrics(client)
    assert before == {"total": 14.0, "token": 12.0, "address": 2.0}
    assert prune_rejected().deleted == 12
    assert RejectedCallback.objects.count() == 2
    assert _rejected_metrics(client) == before  # Prometheus counters: never down
