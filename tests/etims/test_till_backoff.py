"""The till's eTIMS worker backs off when KRA says "try later" (990, reference section 6:
a rate limit), over real HTTP against the OSCU simulator with 990 injected through its
fault control API: the calls KRA gets while it keeps answering 990 stay few (counted at
the simulator, in a window, against the dozens a fixed ``poll_s`` would make), the view
says when the next try is, the manager's "Send now" ends a wait, and once a round goes
through the wait is ``poll_s`` again."""

from __future__ import annotations

import json
import random
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.etims_link import NEXT_TRY, EtimsLink
from pos.services.etims import QueueAction
from pos.services.terminal import Terminal
from sync.etims.sandbox import EtimsSandbox
from tests.etims.test_till_link import MILK, WAIT_S, Watch, cash_sale, running_link

POLL_S = 0.05
#: how long the worker is watched while KRA answers 990 (a window for counting calls,
#: not a performance claim: a slower machine only makes fewer calls)
WINDOW_S = 2.0


def inject_990(box: EtimsSandbox) -> None:
    """Every ``saveTrnsSalesOsdc`` answered 990 from now on, through the control API."""
    body = {"kind": "code", "code": "990", "path": "saveTrnsSalesOsdc", "count": 10**6}
    request = urllib.request.Request(
        f"{box.base_url.split('/etims-api')[0]}/__sandbox__/fault",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert json.loads(reply.read())["ok"] is True


@pytest.fixture
def parts(cashier: Terminal, tmp_path: Path) -> Iterator[tuple[EtimsLink, EtimsSandbox, Watch]]:
    with running_link(cashier, tmp_path, poll_s=POLL_S, jitter=random.Random(13)) as running:
        yield running


def test_990_makes_the_worker_back_off_and_a_signed_round_resets_the_wait(
    cashier: Terminal, parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = parts
    cash_sale(cashier, (MILK, 1))
    link.start()
    watch.until(lambda v: v.signed == 1)
    assert link.try_later_rounds == 0
    inject_990(box)
    before = sum(box.calls.values())
    cash_sale(cashier, (MILK, 1))
    link.wake()
    watch.until(lambda v: "990" in v.reason)
    time.sleep(WINDOW_S)
    during = sum(box.calls.values()) - before
    # a fixed poll of 0.05 s would make about WINDOW_S / POLL_S = 40 rounds of two calls
    # (the look-up, then the resend); doubling waits 0.1, 0.2, 0.4, 0.8, 1.6 s (half to
    # all of each) leave at most 7 rounds in the window
    assert 2 <= during <= 16, during
    assert link.try_later_rounds >= 3
    assert NEXT_TRY in watch.last.reason  # the manager's view: when the next try is
    assert "990" in watch.last.reason
    assert link.next_wait_s > POLL_S * 4
    # sales meanwhile do not end the wait (KRA asked to wait); nothing is lost
    cash_sale(cashier, (MILK, 1))
    link.wake()
    # KRA takes sales again: the manager's Send now ends the wait, the round goes
    # through, and the wait is poll_s again
    with box._lock:  # the simulator has no "clear faults" call: its list, emptied
        box._faults.clear()
    deadline = time.monotonic() + WAIT_S
    while watch.last.signed < 3:
        assert time.monotonic() < deadline, watch.last
        link.service.request(QueueAction.RETRY)
        link.wake()
        time.sleep(0.05)
    watch.until(lambda v: NEXT_TRY not in v.reason)
    assert link.try_later_rounds == 0
    assert link.next_wait_s == POLL_S
