"""The till worker's two queues: what a person waits for (a scan) runs before queued
background work (the payment re-check), each queue in its own submission order, and a
worker that is shut down still finishes both queues."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

import pytest

from pos.services.steps import PAUSE, NetCall
from pos.services.workers import Worker, WorkerClosed, drive_steps

WAIT = 10.0


def _blocked(worker: Worker) -> threading.Event:
    """Hold the worker's one thread until the returned event is set."""
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait(WAIT)

    worker.submit(hold)
    assert started.wait(WAIT)
    return release


def test_foreground_work_runs_before_queued_background_work_each_in_order() -> None:
    worker = Worker("test-till")
    ran: list[str] = []
    try:
        release = _blocked(worker)
        background = [worker.submit_background(ran.append, f"recheck-{i}") for i in range(2)]
        scans = [worker.submit(ran.append, f"scan-{i}") for i in range(3)]
        release.set()
        for future in background + scans:
            future.result(WAIT)
    finally:
        worker.shutdown()
    assert ran == ["scan-0", "scan-1", "scan-2", "recheck-0", "recheck-1"]


def test_shutdown_finishes_both_queues_then_refuses_new_work() -> None:
    worker = Worker("test-till")
    ran: list[str] = []
    release = _blocked(worker)
    worker.submit_background(ran.append, "recheck")
    worker.submit(ran.append, "scan")
    closer = threading.Thread(target=worker.shutdown)
    closer.start()
    release.set()
    closer.join(WAIT)
    assert not closer.is_alive()
    assert ran == ["scan", "recheck"]
    with pytest.raises(WorkerClosed):
        worker.submit_background(ran.append, "late")


def test_a_background_use_case_lets_a_queued_scan_go_between_its_steps() -> None:
    """drive_steps(background=True): its store parts (first and continuation) queue behind
    foreground work; the network call runs on the network worker meanwhile."""
    till = Worker("test-till")
    network = Worker("test-network", threads=2, daemon=True)
    ran: list[str] = []
    answer = threading.Event()

    def recheck() -> Generator[NetCall[Any], Any, str]:
        ran.append("recheck: read attempts")
        reply = yield NetCall(lambda: answer.wait(WAIT) and "paid", "ask the gateway")
        ran.append(f"recheck: record {reply}")
        return str(reply)

    try:
        release = _blocked(till)
        done = drive_steps(till, network, recheck, background=True)
        till.submit(ran.append, "scan-1")
        release.set()
        till.submit(lambda: None).result(WAIT)  # the first step has run by now
        assert ran == ["scan-1", "recheck: read attempts"]
        release = _blocked(till)  # the answer comes while the cashier's work is queued
        answer.set()
        till.submit(ran.append, "scan-2")
        release.set()
        assert done.result(WAIT) == "paid"
    finally:
        till.shutdown()
        network.shutdown(wait=False)
    assert ran == ["scan-1", "recheck: read attempts", "scan-2", "recheck: record paid"]


def test_a_pause_puts_the_rest_of_a_background_use_case_behind_queued_work() -> None:
    """``yield PAUSE`` between two store parts: no network call, and a scan queued while
    the first part ran goes before the second."""
    till = Worker("test-till")
    network = Worker("test-network", daemon=True)
    ran: list[str] = []
    first_ran = threading.Event()
    go_on = threading.Event()

    def recheck() -> Generator[NetCall[Any], Any, int]:
        ran.append("recheck: attempt 1")
        first_ran.set()
        go_on.wait(WAIT)  # the cashier scans meanwhile
        yield PAUSE
        ran.append("recheck: attempt 2")
        return 2

    try:
        done = drive_steps(till, network, recheck, background=True)
        assert first_ran.wait(WAIT)
        scan = till.submit(ran.append, "scan")
        go_on.set()
        assert done.result(WAIT) == 2
        scan.result(WAIT)
    finally:
        till.shutdown()
        network.shutdown(wait=False)
    assert ran == ["recheck: attempt 1", "scan", "recheck: attempt 2"]
