"""Stand-ins for the till's writers, for the several-writers tests.

Three writers share one database file, each doing what its real counterpart does to it,
through the real services and repositories:

``till``
    the till worker: the demo cashier rings up one product per sale and pays cash
    (drafts, the receipt counter, the journal, payments and the sale's outbox event);
``device``
    a device worker: for each status report, an audit entry (hash-chained to the newest
    one, so it reads and then writes) and an outbox event, in one transaction;
``agent``
    the sync agent: reads a batch of unsent outbox events, marks them sent and audits the
    batch, in one transaction, until it has sent as many events as it was told to expect.

The test module imports this file to run them as threads; run as a script
(``python tests/store/writers.py ROLE DB_PATH COUNT``) it is one separate process: it prints
``READY``, waits for a ``GO`` line on stdin (so the processes start writing together),
runs, and prints ``DONE <count>``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import select, update

from pos.demo import DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.services.audit import AuditWriter
from pos.services.auth import Role
from pos.services.context import Clock, IdFactory, Policy, SystemClock, TerminalContext
from pos.services.journal import Journal, TrainingKeyFile
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store.db import Database
from pos.store.models import OutboxEvent

MILK = "6168232712628"  # DAI-0001 Brookside Fresh Milk 500ml, 65.00
DEVICE_USER = "device:printer-1"
AGENT_USER = "system:sync-agent"
AGENT_BATCH = 5
#: How long the agent keeps looking for events before it gives up (the test then fails).
AGENT_PATIENCE_S = 120.0


def make_context() -> TerminalContext:
    return TerminalContext(
        StoreInfo("DEMO", "Kaunta Demo Duka"), "T1", training=True, policy=Policy(pin_kdf_log2_n=10)
    )


def run_till(terminal: Terminal, sales: int) -> int:
    """Log the demo cashier in and complete ``sales`` cash sales; returns how many."""
    cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
    pin = next(p for _, role, p in DEMO_USERS if role == Role.CASHIER.value)
    terminal.auth.login(cashier.user_id, pin)
    done = 0
    for _ in range(sales):
        terminal.checkout.scan(MILK)
        result = terminal.checkout.pay_cash(Money(10000))
        assert result.receipt is not None
        done += 1
    return done


def run_device(db: Database, ctx: TerminalContext, clock: Clock, reports: int) -> int:
    """Write ``reports`` status reports (audit entry + outbox event each); returns how many."""
    ids = IdFactory(clock)
    audit = AuditWriter(ctx, clock, ids)
    for n in range(reports):
        with db.session() as s:
            audit.write(s, user_id=DEVICE_USER, action="device_status", detail={"n": n})
            repo.add_outbox_event(
                s,
                event_id=ids.new(),
                kind="device.status",
                aggregate_id=DEVICE_USER,
                payload={"device": DEVICE_USER, "n": n, "paper": "ok"},
                now=clock.now(),
            )
    return reports


def run_agent(db: Database, ctx: TerminalContext, clock: Clock, expected: int) -> int:
    """Mark unsent outbox events sent, a batch per transaction, until ``expected`` are."""
    ids = IdFactory(clock)
    audit = AuditWriter(ctx, clock, ids)
    sent = 0
    give_up = time.monotonic() + AGENT_PATIENCE_S
    while sent < expected and time.monotonic() < give_up:
        with db.session() as s:
            unsent = OutboxEvent.sent_at.is_(None)
            seqs = list(
                s.scalars(
                    select(OutboxEvent.seq)
                    .where(unsent)
                    .order_by(OutboxEvent.seq)
                    .limit(AGENT_BATCH)
                )
            )
            for seq in seqs:
                s.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.seq == seq, unsent)
                    .values(sent_at=clock.now(), attempts=OutboxEvent.attempts + 1)
                )
            if seqs:
                audit.write(s, user_id=AGENT_USER, action="sync_batch", detail={"seqs": seqs})
        sent += len(seqs)
        if not seqs:
            time.sleep(0.005)  # nothing to send yet: the writers are still going
    return sent


def _main(role: str, db_path: Path, count: int) -> int:
    ctx = make_context()
    clock = SystemClock()
    db = Database(db_path)
    try:
        terminal = Terminal(db, ctx, clock) if role == "till" else None
        if terminal is None:  # a writer of its own: it seals with the till's journal key
            Journal(db, ctx, TrainingKeyFile(db_path.parent), clock)
        print("READY", flush=True)
        if sys.stdin.readline().strip() != "GO":
            return 3
        if terminal is not None:
            done = run_till(terminal, count)
        elif role == "device":
            done = run_device(db, ctx, clock, count)
        elif role == "agent":
            done = run_agent(db, ctx, clock, count)
        else:
            raise SystemExit(f"unknown role {role}")
        print(f"DONE {done}", flush=True)
        return 0
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
