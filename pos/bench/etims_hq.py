"""``kaunta bench etims --hq``: an enrolled branch's backlog, drained by head office.

For an enrolled store the branch's queue is head office's
(:class:`~sync.server.etims.store.DjangoQueue` on PostgreSQL), not the till's SQLite
file, so ``backlog_10k_hq_s`` is measured there: a throwaway PostgreSQL cluster with
durable commits as deployed (:func:`sync.server.devcluster.cluster`, as ``kaunta bench
headoffice`` starts it; SQLite, said so, where PostgreSQL is not installed), Django
migrated, one store with a branch device on the OSCU simulator. ``count`` sales are queued
as the ledger queues them (:func:`~sync.server.etims.worker.enqueue_document`, in one
transaction: the outage's pushes), then drained by the worker's own rounds
(:func:`~sync.server.etims.worker.run_round`: the branch's drain lock, the fence, one
number each, every signature stored and chained) until the queue is empty. The device's
set-up (initialisation, code lists) runs once before the clock starts, as the till's
figure initialises its client first. Checked after: every entry signed, numbers
1..``count`` in queue order, the simulator holding exactly those.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pos.bench.stats import backlog_figures

#: rounds the drain may take before the bench gives up (each drains the whole queue
#: unless KRA stops it; the simulator does not)
MAX_ROUNDS = 20


def backlog_hq(
    count: int,
    latency_s: float,
    numbered: Callable[[int], dict[str, Any]],
    database: str = "postgres",
) -> dict[str, Any]:
    """``count`` sales queued at head office in an outage, then drained in order;
    ``numbered(n)`` is the ``n``-th sale's body; every simulator answer waits
    ``latency_s``."""
    from pos.bench.headoffice import _database, _django, _durable

    asked = argparse.Namespace(database=database, database_url="")
    with (
        tempfile.TemporaryDirectory(prefix="kaunta-bench-etims-hq-") as tmp,
        _database(asked, Path(tmp)) as (url, note),
    ):
        _django(url)
        out: dict[str, Any] = {
            "hq_database": url.split(":", 1)[0],
            "hq_durable_commits": _durable(url),
        }
        if note:
            out["hq_database_note"] = note
        out.update(_drain(count, latency_s, numbered))
        return out


def _drain(
    count: int, latency_s: float, numbered: Callable[[int], dict[str, Any]]
) -> dict[str, Any]:
    from django.db import transaction

    from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
    from sync.etims.sandbox.state import Settings as SandboxSettings
    from sync.etims.settings import EtimsSettings
    from sync.server.etims.models import BranchDevice, QueueEntry
    from sync.server.etims.store import DjangoQueue, HeadOfficeSecrets
    from sync.server.etims.worker import enqueue_document, run_round
    from sync.server.terminals.models import Organisation, Store

    with EtimsSandbox(settings=SandboxSettings(latency_s=latency_s)) as box:
        org, _ = Organisation.objects.get_or_create(name="Bench chain")
        store = Store.objects.create(
            organisation=org, code="BENCH", name="Bench store", kra_pin=DEMO_TIN
        )
        device = BranchDevice.objects.create(
            store=store, tin=DEMO_TIN, bhf_id="00", device_serial=DEMO_SERIAL
        )
        settings = EtimsSettings(base_url=box.base_url, verify_host=box.verify_host, timeout_s=30.0)
        secrets = HeadOfficeSecrets(env={})
        first = run_round(device, settings=settings, secrets=secrets)  # set-up: untimed
        if first.stopped:
            raise RuntimeError(f"head office's set-up with the simulator failed: {first.stopped}")
        t0 = time.perf_counter()
        with transaction.atomic():
            for n in range(1, count + 1):
                enqueue_document(device, {"type": "sale.completed", "body": numbered(n)})
        t1 = time.perf_counter()
        rounds = signed = 0
        while rounds < MAX_ROUNDS:
            device.refresh_from_db()
            result = run_round(device, settings=settings, secrets=secrets)
            rounds += 1
            signed += result.signed
            if result.stopped or result.busy:
                raise RuntimeError(f"head office's drain stopped: {result}")
            if not QueueEntry.objects.filter(branch=device).exclude(state="signed").exists():
                break
        t2 = time.perf_counter()
        entries = list(
            QueueEntry.objects.filter(branch=device).order_by("id").values_list("state", "invc_no")
        )
        numbers = [n for _state, n in entries]
        ok = (
            {state for state, _n in entries} == {"signed"}
            and numbers == list(range(1, count + 1))
            and sorted(box.device("00").invoices) == numbers
            and signed == count
            and DjangoQueue().verify_chain(device.key)
        )
        if not ok:
            raise RuntimeError(f"head office's backlog did not drain cleanly: {signed} signed")
    drained_s = t2 - t1
    return {
        **backlog_figures(count, t1 - t0, drained_s, tag="_hq"),
        "hq_rounds": rounds,
        "gap_free_hq": ok,
    }
