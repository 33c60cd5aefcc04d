"""Two senders of one branch at once (two tills of a shop that share a queue file, or two
head-office workers running a round of the same branch): one drains, the other steps
aside, so an entry one of them is sending is never looked up, resent or given its number
back by the other.

The interleaving is made deterministic with the OSCU simulator's faults over real HTTP:
sender A numbers three sales and hangs on KRA's answer to the first; sender B drains
meanwhile. Without the drain lock, B looked the hung sale up, resent it, then sent the
second one slowly while A's hang ended and A gave the second one's number back: B's
signature for it was stored but the entry lost its number, was numbered again, came
back from KRA as a duplicate, and a later drain looked it up for ever ("signed" each
time, never settled). This was the cause of the flaky two-tills test
(``test_processes.py``), which hit the same interleaving by chance.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sync.etims.client import OscuClient
from sync.etims.queue import DrainResult, EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import EtimsSandbox, Fault
from tests.etims.conftest import DictSecrets, make_client, make_submitter
from tests.etims.docs import sale_body


def sender(box: EtimsSandbox, secrets: DictSecrets, path: Path) -> tuple[Submitter, SqliteQueue]:
    """A sender of its own (its own HTTP connection and its own queue connection)."""
    return make_submitter(make_client(box, secrets, timeout=30.0), path)


def wait_calls(box: EtimsSandbox, n: int, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while box.calls["saveTrnsSalesOsdc"] < n:
        if time.monotonic() > deadline:
            pytest.fail(f"KRA never saw {n} sales")
        time.sleep(0.01)


def test_a_second_sender_steps_aside_while_the_first_drains_and_nothing_is_signed_twice(
    box: EtimsSandbox, client: OscuClient, secrets: DictSecrets, tmp_path: Path
) -> None:
    path = tmp_path / "branch.sqlite"
    b, b_queue = sender(box, secrets, path)
    for sku in ("SODA-500", "MILK-500", "BREAD-400"):
        b.enqueue_sale(sale_body([(sku, 1)]))
    box.inject(Fault("hang", path="saveTrnsSalesOsdc", seconds=60))  # A's first sale
    box.inject(Fault("slow", path="saveTrnsSalesOsdc", seconds=0.01))
    box.inject(Fault("slow", path="saveTrnsSalesOsdc", seconds=1.5))
    got: list[DrainResult] = []

    def run_a() -> None:  # sender A in a thread of its own (its own connections)
        a, a_queue = sender(box, secrets, path)
        try:
            got.append(a.drain())
        finally:
            a_queue.close()

    first = threading.Thread(target=run_a)
    first.start()
    wait_calls(box, 1)  # A numbered the three and waits for KRA's answer to the first
    in_doubt = b_queue.entries(b.branch, (EntryState.IN_DOUBT,))
    assert [e.invc_no for e in in_doubt] == [1, 2, 3]
    second = b.drain()  # meanwhile B: it must not touch what A is sending
    assert second.busy
    assert (second.signed, second.parked, second.stopped) == (0, 0, "")
    assert box.calls["selectInvoiceDetails"] == 0  # nothing looked up behind A's back
    assert box.calls["saveTrnsSalesOsdc"] == 1  # nothing resent
    box.release()  # A's hang ends without an answer: in doubt, the rest given back
    first.join(30)
    assert got
    assert got[0].stopped
    final = b.drain(limit=20)  # whoever drains next resolves it by looking it up
    assert final.stopped == ""
    entries = b_queue.entries(b.branch, tuple(EntryState))
    assert [e.state for e in entries] == [EntryState.SIGNED] * 3
    assert [e.invc_no for e in entries] == [1, 2, 3]
    assert sorted(box.device("00").invoices) == [1, 2, 3]
    assert box.device("00").total == 3  # none signed twice
    assert b_queue.verify_chain(b.branch)
    b_queue.close()


def test_the_drain_lock_keeps_a_second_sender_out_and_is_gone_once_released(
    box: EtimsSandbox, client: OscuClient, secrets: DictSecrets, tmp_path: Path
) -> None:
    # the lock is the operating system's on an open file: a closed (or dead) holder's
    # is gone at once, so the next sender drains (test_processes.py SIGKILLs one)
    path = tmp_path / "branch.sqlite"
    queue = SqliteQueue(path)
    with queue.drain_lock("any") as mine:
        assert mine
        other = SqliteQueue(path)
        with other.drain_lock("any") as theirs:
            assert not theirs
        other.close()
    with queue.drain_lock("any") as again:
        assert again
    queue.close()
