"""Pushes are applied on each worker's push thread, at a lower CPU priority than the
worker's other threads (sync/server/api/views.py says why), with the request's id."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sync.server.api import views
from sync.server.ledger.apply import apply_batch
from tests.server.conftest import new_store
from tests.server.factory import enroll

ROOT = Path(__file__).resolve().parents[2]


def _nice_of_this_thread() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_push_thread_runs_at_a_lower_priority_than_the_request_threads() -> None:
    here = _nice_of_this_thread()
    there = views._PUSHES.submit(_nice_of_this_thread).result()
    assert there == min(19, here + views.PUSH_NICE)
    assert views.PUSH_NICE == 10  # the default
    assert _nice_of_this_thread() == here  # the caller's own priority is untouched


def test_a_push_is_applied_on_the_push_thread_and_answered(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    till = enroll(client, new_store())
    seen: list[str] = []
    real = apply_batch

    def noting_the_thread(terminal: Any, body: bytes) -> dict[str, Any]:
        seen.append(threading.current_thread().name)
        return real(terminal, body)

    monkeypatch.setattr(views, "apply_batch", noting_the_thread)
    got = till.push(client, [till.sale("65", 1), till.sale("88", 2)])
    assert got.status_code == 200
    assert [r["status"] for r in got.json()["results"]] == ["applied", "applied"]
    assert len(seen) == 1
    assert seen[0].startswith("push")
    assert seen[0] != threading.current_thread().name


_HOLDER = """
import sys
from pathlib import Path
import django
django.setup()
from sync.server.api.views import PushSlots
slots = PushSlots(Path(sys.argv[1]), int(sys.argv[2]))
print("free", slots.free(), flush=True)
with slots.held() as n:
    print("holding", n, flush=True)
    sys.stdin.readline()  # until told (or killed)
print("let go", flush=True)
"""


def _holder(folder: Path, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(folder), str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sync.server.settings",
            "PYTHONPATH": str(ROOT),
        },
    )


@pytest.mark.skipif(views.fcntl is None, reason="push slots are flock's (not on Windows)")
def test_a_push_slot_is_held_across_processes_and_freed_when_its_holder_dies(
    tmp_path: Path,
) -> None:
    """Two worker processes never hold one slot; a worker killed while holding one frees
    it (the kernel drops its lock), so a killed worker never blocks the others' pushes."""
    here = views.PushSlots(tmp_path, 1)
    with here.held():
        other = _holder(tmp_path, 1)
        assert other.stdout is not None
        assert other.stdout.readline().split() == ["free", "0"]  # it sees the slot taken
    # let go here: the other process gets the slot
    assert other.stdout.readline().split() == ["holding", "0"]
    assert here.free() == 0
    other.kill()
    other.wait(timeout=30)
    assert here.free() == 1
    with here.held() as n:
        assert n == 0


@pytest.mark.skipif(views.fcntl is None, reason="push slots are flock's (not on Windows)")
def test_a_push_is_applied_inside_one_of_the_machines_push_slots(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert views._SLOTS is not None
    assert views._SLOTS.count == views.cpus()  # the default: one per CPU
    # slots of this test's own: a head office another test started in this process's data
    # folder (the end-to-end servers share it) may be holding one of the shared ones
    monkeypatch.setattr(views, "_SLOTS", views.PushSlots(tmp_path / "slots", views.cpus()))
    till = enroll(client, new_store())
    free_while_applying: list[int] = []
    real = apply_batch

    def noting_the_slots(terminal: Any, body: bytes) -> dict[str, Any]:
        free_while_applying.append(views._SLOTS.free() if views._SLOTS else -1)
        return real(terminal, body)

    monkeypatch.setattr(views, "apply_batch", noting_the_slots)
    free_before = views._SLOTS.free()
    got = till.push(client, [till.sale("65", 1)])
    assert got.status_code == 200
    assert free_while_applying == [free_before - 1]
    assert views._SLOTS.free() == free_before
