"""A stand-in head office as a process of its own, with its ledger in a SQLite file, so it
can be SIGKILLed mid-batch and restarted on the same port without losing what it applied.

Used by the end-to-end test until (and beside) the product's head office (``sync/server``):
it speaks the same terminal contract and judges events with the protocol's own parser, and
applies each batch in one transaction with the event UUID as a permanent unique key.

    python tests/e2e/ho_standin.py PORT LEDGER.sqlite TOKEN=STORE/TERMINAL ...
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sync.protocol.batch import Ack, AckStatus, acks_document, parse_batch, rejection  # noqa: E402
from sync.protocol.errors import ProtocolError  # noqa: E402

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ledger (event_id TEXT PRIMARY KEY, hash TEXT NOT NULL, "
    "store_id TEXT NOT NULL, terminal_id TEXT NOT NULL, seq INTEGER NOT NULL)"
)


def read_ledger(path: Path) -> dict[str, str]:
    """Every applied event id with its content hash (for the test's comparison)."""
    conn = sqlite3.connect(path)
    try:
        return {str(e): str(h) for e, h in conn.execute("SELECT event_id, hash FROM ledger")}
    finally:
        conn.close()


class Ledger:
    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute(SCHEMA)
        self._lock = threading.Lock()

    def apply(self, raw: bytes, terminal: tuple[str, str]) -> dict[str, Any]:
        batch = parse_batch(raw)
        if (batch.store_id, batch.terminal_id) != terminal:
            raise ProtocolError("terminal_id", "is not this token's terminal")
        acks: list[Ack] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for item in batch.items:
                    if item.event is None:
                        acks.append(rejection(item))
                        continue
                    known = self._conn.execute(
                        "SELECT hash FROM ledger WHERE event_id = ?", (item.event_id,)
                    ).fetchone()
                    if known is not None:
                        status = (
                            AckStatus.DUPLICATE
                            if known[0] == item.event.content_hash
                            else AckStatus.REJECTED
                        )
                        acks.append(Ack(item.index, item.event_id, status))
                        continue
                    h = item.event.header
                    self._conn.execute(
                        "INSERT INTO ledger VALUES (?, ?, ?, ?, ?)",
                        (item.event_id, item.event.content_hash, h.store_id, h.terminal_id, h.seq),
                    )
                    acks.append(Ack(item.index, item.event_id, AckStatus.APPLIED))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return acks_document(acks)


def serve(port: int, ledger: Ledger, tokens: dict[str, tuple[str, str]]) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _terminal(self) -> tuple[str, str] | None:
            auth = self.headers.get("Authorization", "")
            found = tokens.get(auth.removeprefix("Token "))
            if found is None:
                self._send(401, {"error": {"code": "revoked", "message": "Unknown terminal."}})
            return found

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            terminal = self._terminal()
            if terminal is None:
                return
            path = urlsplit(self.path).path
            if path == "/api/v1/heartbeat":
                self._send(200, {"ok": True})
            elif path == "/api/v1/events":
                try:
                    self._send(200, ledger.apply(body, terminal))
                except ProtocolError as exc:
                    self._send(400, {"error": {"code": "bad_batch", "message": str(exc)}})
            else:
                self._send(404, {"error": {"code": "not_found", "message": path}})

        def do_GET(self) -> None:
            if self._terminal() is None:
                return
            self._send(200, {"changes": [], "cursor": "0", "more": False})

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("READY", flush=True)
    server.serve_forever()


def main(argv: list[str]) -> int:
    port, path = int(argv[0]), Path(argv[1])
    tokens: dict[str, tuple[str, str]] = {}
    for spec in argv[2:]:
        token, _, ids = spec.partition("=")
        store, _, terminal = ids.partition("/")
        tokens[token] = (store, terminal)
    serve(port, Ledger(path), tokens)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
