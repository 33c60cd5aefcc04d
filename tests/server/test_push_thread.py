"""Pushes are applied on each worker's push thread, at a lower CPU priority than the
worker's other threads (sync/server/api/views.py says why), with the request's id."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import pytest
from django.test import Client

from sync.server.api import views
from sync.server.ledger.apply import apply_batch
from tests.server.conftest import new_store
from tests.server.factory import enroll


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
