"""Real processes: two tills of one branch selling through an outage, and a sender
killed (SIGKILL) between submitting a sale and storing KRA's answer."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.etims.client import OscuClient
from sync.etims.queue import EntryState
from sync.etims.sandbox import EtimsSandbox, Fault
from tests.etims import workers
from tests.etims.docs import sale_body

CTX = multiprocessing.get_context("spawn")


def wait_for(what: str, check: object, limit_s: float = 60.0) -> None:
    """Poll ``check`` (a callable) until true; fail naming ``what`` after ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_two_tills_of_one_branch_sell_through_an_outage_numbers_gap_free_none_twice(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path
) -> None:
    path = str(tmp_path / "branch.sqlite")
    key = client.cmc_key()
    box.refuse()
    tills = [
        CTX.Process(target=workers.till, args=(path, box.base_url, key, f"T{n}", 30))
        for n in (1, 2)
    ]
    for p in tills:
        p.start()
    for p in tills:
        p.join(120)
        assert p.exitcode == 0
    box.accept()
    # both tills reconnect and submit at the same time
    senders = [
        CTX.Process(target=workers.till, args=(path, box.base_url, key, f"T{n}", 1)) for n in (1, 2)
    ]
    for p in senders:
        p.start()
    for p in senders:
        p.join(120)
        assert p.exitcode == 0
    sub, queue = workers.submitter(path, box.base_url, key, 5.0)
    sub.drain()
    entries = queue.entries(sub.branch, tuple(EntryState))
    assert len(entries) == 62
    assert all(e.state is EntryState.SIGNED for e in entries)
    assert sorted(e.invc_no or 0 for e in entries) == list(range(1, 63))
    assert sorted(box.device("00").invoices) == list(range(1, 63))
    assert box.device("00").total == 62  # none signed twice
    assert {e.body["receipt_number"].split("-")[1] for e in entries} == {"T1", "T2"}
    queue.close()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_sender_killed_after_submitting_is_resolved_by_lookup_not_a_new_number(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path
) -> None:
    path = str(tmp_path / "branch.sqlite")
    key = client.cmc_key()
    sub, queue = workers.submitter(path, box.base_url, key, 5.0)
    body = sale_body([("SODA-500", 2)])
    sub.enqueue_sale(body)
    sub.enqueue_sale(sale_body([("MILK-500", 1)]))
    box.inject(Fault("hang", path="saveTrnsSalesOsdc", record=True, seconds=120))
    child = CTX.Process(target=workers.sender, args=(path, box.base_url, key))
    child.start()
    wait_for("KRA to record the sale", lambda: 1 in box.device("00").invoices)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    box.release()
    entry = queue.get(sub.branch, body["sale_id"])
    assert entry is not None
    assert entry.state is EntryState.IN_DOUBT
    assert entry.invc_no == 1
    assert sub.drain().signed == 2
    entry = queue.get(sub.branch, body["sale_id"])
    assert entry is not None
    assert entry.state is EntryState.SIGNED
    assert entry.invc_no == 1
    assert entry.signature is not None
    assert entry.signature.rcpt_sign == box.device("00").invoices[1].rcpt_sign
    # both sales were numbered in the killed sender's batch: both are looked up; the
    # first is found (not resent), the second was never sent and goes once, as number 2
    assert box.calls["selectInvoiceDetails"] == 2
    assert box.calls["saveTrnsSalesOsdc"] == 2
    assert sorted(box.device("00").invoices) == [1, 2]
    assert datetime.now(UTC) > entry.enqueued_at
    queue.close()
