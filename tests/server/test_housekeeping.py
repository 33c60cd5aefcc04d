"""What head office keeps only for a while is deleted by each worker's sweeper
(sync/server/housekeeping.py): finished django-tasks results past their keeping time
(failed ones kept longer), refused callback requests past theirs; tasks still to run or
running, and anything younger, stay. Real rows in each backend, the real sweeper round."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sync.server import housekeeping
from sync.server.callbacks.models import RejectedCallback
from sync.server.housekeeping import Housekeeping, prune_task_results
from sync.server.tasks import decide_stk_callbacks, run_stk_sweeper


@pytest.fixture(autouse=True)
def empty(hq_db: str) -> Iterator[None]:
    DBTaskResult.objects.all().delete()
    RejectedCallback.objects.all().delete()
    yield
    DBTaskResult.objects.all().delete()
    RejectedCallback.objects.all().delete()


def _task(status: TaskResultStatus, days_ago: float) -> str:
    """A task result in ``status``, finished (or enqueued) ``days_ago`` days ago."""
    result = decide_stk_callbacks.enqueue()
    at = timezone.now() - timedelta(days=days_ago)
    finished = None if status in (TaskResultStatus.READY, TaskResultStatus.RUNNING) else at
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, finished_at=finished, enqueued_at=at, started_at=at
    )
    return str(result.id)


def test_finished_results_go_after_their_keeping_time_and_nothing_else() -> None:
    _task(TaskResultStatus.SUCCESSFUL, 8)  # past the 7 days: goes
    young_ok = _task(TaskResultStatus.SUCCESSFUL, 6)
    _task(TaskResultStatus.FAILED, 31)  # past the 30 days of a failure: goes
    young_failed = _task(TaskResultStatus.FAILED, 8)
    ready = _task(TaskResultStatus.READY, 60)
    running = _task(TaskResultStatus.RUNNING, 60)
    assert prune_task_results() == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert {str(pk) for pk in left} == {young_ok, young_failed, ready, running}
    assert prune_task_results() == 0


def test_a_backlog_goes_one_batch_a_round_until_none_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(5):
        _task(TaskResultStatus.SUCCESSFUL, 30)
    monkeypatch.setattr(housekeeping, "TASK_BATCH", 2)
    tidy = Housekeeping(
        jobs={
            "finished task results": (3600.0, lambda: prune_task_results(housekeeping.TASK_BATCH))
        }
    )
    assert tidy.run_due() == {"finished task results": 2}
    assert tidy.run_due() == {"finished task results": 2}  # found some: due again at once
    assert tidy.run_due() == {"finished task results": 1}
    assert tidy.run_due() == {"finished task results": 0}
    assert tidy.run_due() == {}  # nothing left: not before its period
    assert DBTaskResult.objects.count() == 0


def test_the_sweeper_prunes_refused_requests_and_old_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAUNTA_HQ_TASK_RESULTS_KEEP_DAYS", "2")
    old = timezone.now() - timedelta(days=40)
    RejectedCallback.objects.create(received_at=old, reason="bad_token", path="/hooks/stk/a/b")
    RejectedCallback.objects.create(reason="bad_token", path="/hooks/stk/a/c")
    _task(TaskResultStatus.SUCCESSFUL, 3)  # older than the 2 days set above
    _task(TaskResultStatus.SUCCESSFUL, 1)
    run_stk_sweeper(0, rounds=1)
    assert list(RejectedCallback.objects.values_list("path", flat=True)) == ["/hooks/stk/a/c"]
    assert DBTaskResult.objects.count() == 1


def test_a_keeping_time_that_is_not_a_number_keeps_the_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KAUNTA_HQ_TASK_RESULTS_KEEP_DAYS", "a week")
    _task(TaskResultStatus.SUCCESSFUL, 6)
    assert prune_task_results() == 0  # 7 days, the default
    assert "not a whole number of days" in caplog.text


def test_a_task_left_running_past_its_lease_is_made_ready_at_the_next_round() -> None:
    """A worker that died with a task RUNNING: the sweeper makes it ready again within a
    minute, not only when some worker next starts."""
    gone = _task(TaskResultStatus.RUNNING, 0)
    alive = _task(TaskResultStatus.RUNNING, 0)
    DBTaskResult.objects.filter(pk=gone).update(started_at=timezone.now() - timedelta(seconds=301))
    run_stk_sweeper(0, rounds=1)
    assert DBTaskResult.objects.get(pk=gone).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=alive).status == TaskResultStatus.RUNNING
