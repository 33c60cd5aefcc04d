"""Device worker: one thread, jobs in order, errors delivered, idle polling."""

from __future__ import annotations

import threading

import pytest

from drivers.worker import DeviceState, DeviceStatus, DeviceWorker, RecordingHandler


def test_jobs_run_in_submission_order_on_one_thread() -> None:
    worker = DeviceWorker("printer")
    seen: list[tuple[int, str]] = []

    def job(i: int) -> None:
        seen.append((i, threading.current_thread().name))

    futures = [worker.submit(lambda i=i: job(i)) for i in range(50)]  # type: ignore[misc]
    for f in futures:
        f.result(5)
    worker.stop()
    assert [i for i, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"device-printer"}


def test_a_failing_job_reaches_its_caller_and_the_worker_goes_on() -> None:
    worker = DeviceWorker("display")

    def boom() -> None:
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        worker.submit(boom).result(5)
    assert worker.call(lambda: 7, timeout=5) == 7
    worker.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        worker.submit(lambda: 1)


def test_idle_job_runs_when_the_queue_is_empty() -> None:
    ran = threading.Event()
    worker = DeviceWorker("scanner", on_idle=ran.set, idle_interval=0.01)
    assert ran.wait(5)
    worker.stop()


def test_idle_job_failure_does_not_kill_the_thread() -> None:
    calls: list[int] = []
    second = threading.Event()

    def flaky() -> None:
        calls.append(1)
        if len(calls) >= 2:
            second.set()
        raise OSError("gone")

    worker = DeviceWorker("printer", on_idle=flaky, idle_interval=0.01)
    assert second.wait(5)
    assert worker.call(lambda: "alive", timeout=5) == "alive"
    worker.stop()


def test_recording_handler_keeps_statuses_and_answers() -> None:
    h = RecordingHandler(answer=False)
    h.status(DeviceStatus("printer", DeviceState.ERROR, "paper_end"))
    assert not h.confirm("printer", "retry", "Retry?")
    assert h.statuses[0].code == "paper_end"
    assert h.questions == [("printer", "retry", "Retry?")]
