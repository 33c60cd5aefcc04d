"""The default HTTP transport of the OSCU client: one kept-alive ``http.client`` connection.

Why not ``requests``: per invoice its session machinery (hooks, adapters, cookie jar,
URL re-parsing, the urllib3 pool) cost about as much as the loopback round trip itself
(``kaunta bench etims``: client 1.8x the raw POST). Invoices go one at a time and in
order, to one host, so a single persistent connection is all the client needs.

What it keeps from the ``requests`` version, because :mod:`sync.etims.queue` relies on it:

* a connection that could not be opened (refused, connect timeout) is
  :attr:`ResultKind.NOT_SENT`: KRA never saw the request;
* anything after the request went out (read timeout, reset, closed without an answer)
  is :attr:`ResultKind.IN_DOUBT`: the queue looks the number up before any resend;
* no automatic retry of a POST once it may have reached KRA. A kept-alive connection
  the server already closed is noticed *before* sending (the socket reads as closed,
  as urllib3 checks) and replaced, so idling does not turn the next invoice in doubt.

HTTPS verifies the server against certifi's bundle (what ``requests`` used). A proxy is
not handled here: the client keeps using ``requests`` when ``[etims] proxy`` is set.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sync.etims import words
from sync.etims.codes import ResultKind
from sync.etims.models import EtimsError

__all__ = ["ConnectionPoster", "RawReply", "TransportError"]


class TransportError(EtimsError):
    """No usable reply. ``kind`` is :attr:`ResultKind.NOT_SENT` (refused: KRA never saw
    the request) or :attr:`ResultKind.IN_DOUBT` (timeout, reply lost or unreadable)."""

    def __init__(self, kind: ResultKind, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class RawReply:
    """The parts of an HTTP answer the client reads (``requests.Response`` has the same)."""

    status_code: int
    content: bytes
    headers: Mapping[str, str]


def _context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with requests
        return ssl.create_default_context()


class ConnectionPoster:
    """POSTs to one scheme://host:port over a single kept-alive connection (thread-safe:
    one request at a time, which is how invoices go anyway)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{base_url!r} is not an http(s) URL")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self._ssl = _context() if self._https else None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        """A connected, usable connection (reused if the server has not closed it)."""
        conn = self._conn
        if conn is not None and conn.sock is not None and not _dropped(conn.sock):
            conn.sock.settimeout(timeout)
            return conn
        self._drop()
        if self._https:
            conn = http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=self._ssl
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        try:
            conn.connect()
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise TransportError(ResultKind.NOT_SENT, f"{words.UNTRUSTED}: {exc.reason}") from None
        except ConnectionRefusedError:
            conn.close()
            raise TransportError(ResultKind.NOT_SENT, words.REFUSED) from None
        except (TimeoutError, OSError):
            conn.close()
            raise TransportError(ResultKind.NOT_SENT, words.UNREACHABLE) from None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        return conn

    def post(
        self, url: str, *, data: bytes, headers: Mapping[str, str], timeout: float
    ) -> RawReply:
        """POST ``data`` to ``url`` (on this poster's origin); :class:`TransportError`
        when no answer could be read."""
        if not url.startswith(self._origin):
            raise ValueError(f"{url!r} is not on {self._origin}")
        path = url[len(self._origin) :] or "/"
        with self._lock:
            conn = self._connect(timeout)
            try:
                conn.request("POST", path, body=data, headers=dict(headers))
                response = conn.getresponse()
                content = response.read()
            except TimeoutError:
                self._drop()
                raise TransportError(ResultKind.IN_DOUBT, words.NO_ANSWER) from None
            except (OSError, http.client.HTTPException):
                self._drop()
                raise TransportError(ResultKind.IN_DOUBT, words.BROKE) from None
            if response.will_close:
                self._drop()
            return RawReply(response.status, content, dict(response.getheaders()))


def _dropped(sock: socket.socket) -> bool:
    """Has the peer closed (or sent something unasked on) an idle kept-alive socket?"""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
