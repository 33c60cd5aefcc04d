"""A gateway that accepts connections and never answers: the network fault that must
never freeze the till. Shared by the UI tests and ``kaunta bench store``'s hang figure."""

from __future__ import annotations

import socket
import threading


class HangingServer:
    """Listens on 127.0.0.1, accepts every connection, reads, and answers nothing until
    :meth:`release` (then closes them). ``accepted`` counts connections taken."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self._released = threading.Event()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, name="hang-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def _serve(self) -> None:
        while not self._released.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            with self._lock:
                self._conns.append(conn)
                self.accepted += 1

    def waiting(self) -> int:
        """How many held connections the client has not closed yet: a request still
        waiting for its answer (a client that gave up, timed out or ended has closed
        its end, which reads here as end of file)."""
        with self._lock:
            conns = list(self._conns)
        alive = 0
        for conn in conns:
            conn.setblocking(False)
            try:
                while conn.recv(65536):  # the request (never answered), read and dropped
                    pass
            except BlockingIOError:
                alive += 1  # open, nothing more to read: still waiting
            except OSError:
                pass  # reset: gone
            # recv() == b"": the client closed its end
        return alive

    def release(self) -> None:
        """Stop hanging: close every held connection (clients see a reset) and listen no more."""
        self._released.set()
        self._thread.join(2)
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._sock.close()
