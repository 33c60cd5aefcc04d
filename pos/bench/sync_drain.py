"""``drain_10k_s``: one till drains 10,000 queued sales to a head office (goal < 10 s).

For ``kaunta bench sync --json`` (the command is the head-office side's; it merges the dict
:func:`drain_figures` returns). The till is a real one over a temporary SQLite file: one
sale is made through the checkout, and its outbox document is copied 9,999 times under new
ids, numbers and hashes (so setting up does not take minutes of checkouts); then a real
:class:`~sync.agent.SyncAgent` drains them in batches of 500 over HTTP on 127.0.0.1 and
every event is marked sent in the till's database. Only the drain is timed;
``drain_10k_till_s`` is the same drain without the time spent waiting for the head
office's answers (the till's own share).

``url``/``token`` name a running head office (the real server, with this till enrolled as
``store_id``/``terminal_id``); without them a minimal acknowledging head office is started
in this process: it reads every batch with the protocol's own parser and acknowledges
each event, so the figure is then the till's side (read, send, mark sent) plus parsing.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pos.domain.ids import uuid7
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.journal import TrainingKeyFile
from pos.services.terminal import DemoUser, Terminal
from pos.store import repositories as repo
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from sync.protocol import content_hash
from sync.protocol.batch import Ack, AckStatus, acks_document, parse_batch, rejection

EVENTS = 10_000


class _TimedClient(HeadOfficeClient):
    """Adds up the time spent waiting for the head office's answers to batches."""

    waited_s = 0.0

    def push_raw(self, batch: bytes) -> list[Ack]:
        start = time.perf_counter()
        try:
            return super().push_raw(batch)
        finally:
            self.waited_s += time.perf_counter() - start


@contextmanager
def _acknowledging_head_office() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.endswith("/events"):
                batch = parse_batch(raw)
                acks = [
                    rejection(i) if i.event is None else Ack(i.index, i.event_id, AckStatus.APPLIED)
                    for i in batch.items
                ]
                body = acks_document(acks)
            else:
                body = {"ok": True}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            data = b'{"changes":[],"cursor":"0","more":false}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def queue_sales(till: Terminal, count: int) -> None:
    """``count`` sale events in the outbox: one real checkout, then copies of its document
    with new event and sale ids, receipt numbers, outbox numbers and content hashes."""
    from pos.demo import CATALOG_CSV, DEMO_USERS

    till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    cashier = next(u for u in till.auth.users() if u.role is Role.CASHIER)
    till.auth.login(cashier.user_id, next(p for _, r, p in DEMO_USERS if r == "cashier"))
    if till.shifts.current() is None:  # sales need an open shift
        till.shifts.open({})
    till.checkout.scan("6168232712628", 2)
    assert till.checkout.pay_cash(Money(100_000)).receipt is not None
    with till.db.read_session() as s:
        template = json.loads(
            str(
                s.connection()
                .exec_driver_sql("SELECT payload FROM outbox WHERE kind = 'sale.completed'")
                .scalar_one()
            )
        )
    now = datetime.now(UTC)
    ms = int(now.timestamp() * 1000)
    prefix = template["body"]["receipt_number"].rsplit("-", 1)[0]
    with till.db.session() as s:
        # ``count`` events in all: the sale and the shift it was sold in are already there
        already = repo.next_outbox_seq(s) - 1
        for n in range(1, count - already + 1):
            seq = repo.next_outbox_seq(s)
            body = {
                **template["body"],
                "sale_id": str(uuid7(ms, n.to_bytes(10, "big"))),
                "receipt_number": f"{prefix}-{n + 1:06d}",
            }
            doc = {
                **template,
                "event_id": str(uuid7(ms, (n + 2**40).to_bytes(10, "big"))),
                "seq": seq,
                "body": body,
                "hash": content_hash(body),
            }
            repo.add_outbox_event(
                s,
                event_id=doc["event_id"],
                kind=doc["type"],
                aggregate_id=body["sale_id"],
                payload=doc,
                now=now,
                seq=seq,
            )


def drain_figures(
    url: str | None = None,
    token: str = "bench",
    *,
    store_id: str = "DEMO",
    terminal_id: str = "T1",
    events: int = EVENTS,
) -> dict[str, Any]:
    """``{"drain_10k_s": seconds, ...}`` for ``kaunta bench sync --json``."""
    with tempfile.TemporaryDirectory(prefix="kaunta-bench-sync-") as tmp:
        folder = Path(tmp)
        ctx = TerminalContext(
            StoreInfo(store_id, "Bench store", ("Nairobi",)),
            terminal_id,
            training=False,
            policy=Policy(pin_kdf_log2_n=10),
        )
        till = Terminal.open(folder / "kaunta.sqlite", ctx, journal_keys=TrainingKeyFile(folder))
        try:
            till.startup_checks()
            queue_sales(till, events)
            with _maybe_local(url) as base:
                client = _TimedClient(ClientSettings(base, read_timeout_s=60), token=token)
                agent = SyncAgent(
                    till.db,
                    client,
                    store_id=store_id,
                    terminal_id=terminal_id,
                    settings=AgentSettings(batch_size=500),
                )
                start = time.perf_counter()
                result = agent.drain()
                seconds = time.perf_counter() - start
                agent.stop()
            waiting = agent.refresh().waiting
        finally:
            till.close()
    scale = EVENTS / events
    return {
        "drain_10k_s": round(seconds * scale, 3),
        # the till's own share: reading, sending and marking sent, without the time the
        # head office took to parse, apply and answer
        "drain_10k_till_s": round((seconds - client.waited_s) * scale, 3),
        "drain_events": events,
        "drain_batches": result.batches,
        "drain_sent": result.sent,
        "drain_waiting_after": waiting,
        "drain_head_office": "given" if url else "local acknowledging stand-in",
        "drain_goal_s": 10.0,
    }


@contextmanager
def _maybe_local(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with _acknowledging_head_office() as local:
        yield local
