"""The two ways emulators are served in tests: a pty (POSIX) and a TCP socket (every OS)."""

from __future__ import annotations

import sys

from drivers.emulator_link import Link, PtyLink, TcpLink

LINKS = ["pty", "socket"] if sys.platform != "win32" else ["socket"]


def make_link(kind: str) -> Link:
    """A fresh link of ``kind`` (``"pty"`` or ``"socket"``)."""
    return PtyLink() if kind == "pty" else TcpLink()
