"""A fault-injecting TCP proxy on 127.0.0.1 between tills and their head office.

It reads one HTTP request at a time from a till (request line, headers, ``Content-Length``
body), asks the upstream with ``Connection: close`` and forwards the answer, and on the
way does what bad networks do, chosen at random per request (seeded, so a failing run can
be repeated):

- ``drop``: the connection is closed before the request goes anywhere;
- ``reset_before``: the till gets a TCP reset before anything is forwarded;
- ``reset_after``: the request reaches the head office and is applied, and the till gets
  a reset instead of the answer (the answer is lost: the batch must go again);
- ``delay``: the request waits up to ``max_delay_s`` before it is forwarded;
- ``duplicate``: the request is also sent a second time on its own connection, at the
  same moment (the head office sees the same batch twice, concurrently);
- ``pass``: forwarded as it is.

An upstream that is down (the server killed for a restart) closes the till's connection.
``counts`` says how many of each happened.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field

FAULTS = ("drop", "reset_before", "reset_after", "delay", "duplicate")


@dataclass
class FaultPlan:
    #: probability of each fault per request; the rest pass
    rates: dict[str, float] = field(
        default_factory=lambda: {
            "drop": 0.08,
            "reset_before": 0.05,
            "reset_after": 0.10,
            "delay": 0.15,
            "duplicate": 0.10,
        }
    )
    max_delay_s: float = 0.3
    seed: int = 9


def _read_request(sock: socket.socket) -> bytes | None:
    """One whole HTTP request from ``sock`` (None when the till closed the connection)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy:
    def __init__(self, upstream_port: int, plan: FaultPlan | None = None) -> None:
        self.upstream_port = upstream_port
        self.plan = plan or FaultPlan()
        self._rng = random.Random(self.plan.seed)
        self._rng_lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = int(self._server.getsockname()[1])
        self._stopping = False
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stopping = True
        self._server.close()

    def _choose(self) -> tuple[str, float]:
        with self._rng_lock:
            roll = self._rng.random()
            delay = self._rng.uniform(0, self.plan.max_delay_s)
        for fault in FAULTS:
            rate = self.plan.rates.get(fault, 0.0)
            if roll < rate:
                return fault, delay
            roll -= rate
        return "pass", 0.0

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _upstream(self, request: bytes) -> bytes | None:
        try:
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
                up.sendall(request)
                answer = b""
                while chunk := up.recv(65536):
                    answer += chunk
                return answer
        except OSError:
            return None

    def _serve(self, client: socket.socket) -> None:
        try:
            request = _read_request(client)
            if request is None:
                client.close()
                return
            fault, delay = self._choose()
            self.counts[fault] += 1
            if fault == "drop":
                client.close()
                return
            if fault == "reset_before":
                _reset(client)
                return
            if fault == "delay":
                threading.Event().wait(delay)
            if fault == "duplicate":
                threading.Thread(target=self._upstream, args=(request,), daemon=True).start()
            answer = self._upstream(request)
            if answer is None:
                self.counts["upstream_down"] += 1
                _reset(client)
                return
            if fault == "reset_after":
                _reset(client)
                return
            client.sendall(answer)
            client.close()
        except OSError:
            client.close()
