"""A small head office for the agent's tests: real HTTP on 127.0.0.1, the terminal API's
contract, events judged by the protocol's own parser, a ledger deduplicated by event id.

It is not the product's head office (``sync/server``, tested end to end in ``tests/e2e``):
it exists so that each agent behaviour (a lost answer, a 429, a refusal, a revoked
terminal, a bad page) can be produced on demand, one at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sync.protocol.batch import Ack, AckStatus, acks_document, parse_batch, rejection
from sync.protocol.refusals import Refusal


@dataclass
class HeadOffice:
    token: str = "tok-T1"
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code -> ids, token
    ledger: dict[str, str] = field(default_factory=dict)  # event id -> hash
    applied_order: list[str] = field(default_factory=list)
    refuse_types: set[str] = field(default_factory=set)
    #: the refusal (code and values) given with the types refused, as sync/server gives one
    refuse_with: Refusal | None = None
    revoked: bool = False
    #: answers forced on the next requests to /events: a status, or "apply-then-500"
    #: (the batch is applied, the answer is lost) or "drop" (connection closed unanswered)
    next_events: list[int | str] = field(default_factory=list)
    retry_after: str = "7"
    changes: list[dict[str, Any]] = field(default_factory=list)
    bad_page: bool = False
    heartbeats: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def apply(self, raw: bytes) -> dict[str, Any]:
        batch = parse_batch(raw)
        acks: list[Ack] = []
        with self.lock:
            for item in batch.items:
                if item.event is None:
                    acks.append(rejection(item))
                    continue
                assert item.event_id is not None
                kind = item.event.header.type.value
                if kind in self.refuse_types and self.refuse_with is not None:
                    why = self.refuse_with
                    acks.append(
                        Ack(
                            item.index,
                            item.event_id,
                            AckStatus.REJECTED,
                            "lines",
                            why.text,
                            why.code,
                            why.params,
                        )
                    )
                elif kind in self.refuse_types:
                    acks.append(
                        Ack(item.index, item.event_id, AckStatus.REJECTED, "type", "not accepted")
                    )
                elif item.event_id in self.ledger:
                    acks.append(Ack(item.index, item.event_id, AckStatus.DUPLICATE))
                else:
                    self.ledger[item.event_id] = item.event.content_hash
                    self.applied_order.append(item.event_id)
                    acks.append(Ack(item.index, item.event_id, AckStatus.APPLIED))
        return acks_document(acks)

    def page(self, cursor: str | None, limit: int) -> dict[str, Any]:
        if self.bad_page:
            return {"changes": "not a list", "cursor": "x", "more": False}
        start = int(cursor or 0)
        chunk = self.changes[start : start + limit]
        end = start + len(chunk)
        return {"changes": chunk, "cursor": str(end), "more": end < len(self.changes)}


def _handler(ho: HeadOffice) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Token {ho.token}" or ho.revoked:
                self._send(401, {"error": {"code": "unauthorised", "message": "revoked"}})
                return False
            return True

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            ho.requests.append(f"POST {path}")
            body = self._body()
            if path == "/api/v1/enroll":
                req = json.loads(body)
                found = ho.codes.pop(req.get("code"), None)
                if found is None:
                    self._send(403, {"error": {"code": "bad_code", "message": "Unknown code."}})
                    return
                store_id, terminal_id, token = found
                self._send(
                    201,
                    {
                        "store_id": store_id,
                        "terminal_id": terminal_id,
                        "token": token,
                        "organisation": "Duka Ltd",
                        "store": {"name": "Duka"},
                    },
                )
                return
            if not self._authorised():
                return
            if path == "/api/v1/heartbeat":
                ho.heartbeats.append(json.loads(body))
                self._send(200, {"ok": True})
                return
            if path != "/api/v1/events":
                self._send(404, {"error": {"code": "not_found", "message": path}})
                return
            forced = ho.next_events.pop(0) if ho.next_events else None
            if forced == "drop":
                self.close_connection = True
                self.connection.close()
                return
            if isinstance(forced, int):
                headers = {"Retry-After": ho.retry_after} if forced == 429 else None
                self._send(forced, {"error": {"code": "forced", "message": "forced"}}, headers)
                return
            answer = ho.apply(body)
            if forced == "apply-then-500":
                self._send(500, {"error": {"code": "lost", "message": "answer lost"}})
                return
            self._send(200, answer)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            ho.requests.append(f"GET {parts.path}")
            if not self._authorised():
                return
            query = parse_qs(parts.query)
            cursor = query.get("cursor", [None])[0]
            limit = int(query.get("limit", ["100"])[0])
            self._send(200, ho.page(cursor, limit))

    return Handler


@contextmanager
def running(ho: HeadOffice) -> Iterator[str]:
    """Serve ``ho`` on 127.0.0.1; yields its base URL."""
    with serving(_handler(ho)) as url:
        yield url


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (threads, a free port); yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
