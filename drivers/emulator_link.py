"""The device side of a port, for emulators: a pty (POSIX) or a TCP socket (every OS).

An emulator is a :class:`DeviceModel` (bytes in, reply bytes out) served by an
:class:`EmulatorServer` on a :class:`PtyLink` or :class:`TcpLink`. The link's ``url`` is
what the driver's port setting names (a pty path or ``socket://127.0.0.1:port``), so
drivers are exercised over real ports with the very bytes a device would see.

Both links can be unplugged and plugged back (:meth:`unplug` / :meth:`replug`), keeping
their ``url``, to prove that drivers reconnect. A pty link publishes its device through a
symlink for that reason: a new pty has a new name, the link path stays.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import tempfile
import threading
import tty
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class DeviceModel(Protocol):
    """A device's behaviour: what it answers to the bytes it receives."""

    def feed(self, data: bytes) -> bytes:
        """Take received bytes; return bytes to send back (often ``b""``)."""


class Link(Protocol):
    url: str

    def read(self, size: int, timeout: float) -> bytes: ...
    def write(self, data: bytes) -> None: ...
    def unplug(self) -> None: ...
    def replug(self) -> None: ...
    def close(self) -> None: ...


class PtyLink:
    """A pseudo-terminal in raw mode; drivers open ``url`` (a stable symlink)."""

    def __init__(self, link_path: str | Path | None = None) -> None:
        if link_path is None:
            self._tmpdir: str | None = tempfile.mkdtemp(prefix="kaunta-pty-")
            link_path = Path(self._tmpdir) / "tty"
        else:
            self._tmpdir = None
        self._link = Path(link_path)
        self.url = str(self._link)
        self._lock = threading.Lock()
        self._master = -1
        self._slave = -1
        self.replug()

    def replug(self) -> None:
        """A new pty behind the same path (the device is back)."""
        with self._lock:
            if self._master >= 0:
                return
            master, slave = os.openpty()
            tty.setraw(master)  # no echo, no \n -> \r\n, on either side
            tty.setraw(slave)
            self._master, self._slave = master, slave
            tmp = self._link.with_name(self._link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(os.ttyname(slave))
            tmp.replace(self._link)

    def unplug(self) -> None:
        """Close the pty: the driver's next read or write fails, as with a pulled cable."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    os.close(fd)
            self._master = self._slave = -1
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()

    @property
    def plugged(self) -> bool:
        return self._master >= 0

    def read(self, size: int, timeout: float) -> bytes:
        fd = self._master
        if fd < 0:
            threading.Event().wait(timeout)
            return b""
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            return os.read(fd, size) if ready else b""
        except OSError:  # EIO when no one has the slave open, EBADF after unplug
            return b""

    def write(self, data: bytes) -> None:
        fd = self._master
        if fd < 0:
            return
        view = memoryview(data)
        while view:
            try:
                select.select([], [fd], [], 1.0)
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                continue
            except OSError:
                return

    def close(self) -> None:
        self.unplug()
        if self._tmpdir is not None:
            with contextlib.suppress(OSError):
                os.rmdir(self._tmpdir)


class TcpLink:
    """A listening socket on 127.0.0.1 serving one client at a time (``socket://``)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host = host
        self._port = port
        self._server: socket.socket | None = None
        self._client: socket.socket | None = None
        self._lock = threading.Lock()
        self.replug()
        self.url = f"socket://{self._host}:{self._port}"

    def replug(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((self._host, self._port))
            srv.listen(4)
            self._port = srv.getsockname()[1]
            self._server = srv

    def unplug(self) -> None:
        with self._lock:
            for s in (self._client, self._server):
                if s is not None:
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)
                    s.close()
            self._client = self._server = None

    @property
    def port(self) -> int:
        return self._port

    def read(self, size: int, timeout: float) -> bytes:
        srv, client = self._server, self._client
        if srv is None:
            threading.Event().wait(timeout)
            return b""
        try:
            watch = [client] if client is not None else [srv]
            ready, _, _ = select.select(watch, [], [], timeout)
            if not ready:
                return b""
            if client is None:
                conn, _ = srv.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._client = conn
                return b""
            data = client.recv(size)
        except (OSError, ValueError):
            data = b""
            client = self._client
        if not data and client is not None:  # the driver closed: wait for the next one
            client.close()
            self._client = None
        return data

    def write(self, data: bytes) -> None:
        client = self._client
        if client is None:
            return
        with contextlib.suppress(OSError):
            client.sendall(data)

    def close(self) -> None:
        self.unplug()


class EmulatorServer:
    """Runs a :class:`DeviceModel` on a :class:`Link` in a background thread."""

    def __init__(self, link: Link, model: DeviceModel, name: str = "emulator") -> None:
        self.link = link
        self.model = model
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def url(self) -> str:
        return self.link.url

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self.link.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            data = self.link.read(4096, 0.05)
            if not data:
                continue
            try:
                reply = self.model.feed(data)
            except Exception:  # a bad byte must not kill the emulated device
                log.exception("%s could not handle %d bytes", self._thread.name, len(data))
                continue
            if reply:
                self.link.write(reply)
