"""Scanner framing: bytes from a serial scanner into whole codes (pure).

A code ends with the configured terminator (CR, LF, CRLF or TAB) or ETX; an STX before it
and an AIM symbology prefix (``]E0``) are stripped; a code that never gets its terminator is
flushed after an idle gap, so a mis-set suffix still scans.
"""

from __future__ import annotations

import re

TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "TAB": b"\t"}
STX, ETX = 0x02, 0x03
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


class ScanFramer:
    def __init__(
        self, terminator: str = "CR", *, strip_aim: bool = True, idle_gap: float = 0.2
    ) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator: {terminator!r} (use {', '.join(TERMINATORS)})")
        self._end = TERMINATORS[terminator]
        self._strip_aim = strip_aim
        self.idle_gap = idle_gap
        self._buf = bytearray()
        self._last = 0.0

    def feed(self, data: bytes, now: float) -> list[str]:
        """Codes completed by ``data`` (received at monotonic time ``now``)."""
        codes = self.flush_idle(now) if self._buf else []
        self._last = now
        self._buf += data
        while True:
            ends = [i for i in (self._buf.find(self._end), self._buf.find(ETX)) if i >= 0]
            if not ends:
                break
            i = min(ends)
            size = len(self._end) if self._buf.startswith(self._end, i) else 1
            raw = bytes(self._buf[:i])
            del self._buf[: i + size]
            codes.extend(self._code(raw))
        return codes

    def flush_idle(self, now: float) -> list[str]:
        """The pending code when nothing arrived for ``idle_gap`` seconds."""
        if self._buf and now - self._last >= self.idle_gap:
            raw = bytes(self._buf)
            self._buf.clear()
            return self._code(raw)
        return []

    def _code(self, raw: bytes) -> list[str]:
        text = raw.replace(bytes((STX,)), b"").decode("ascii", errors="replace").strip()
        if self._strip_aim:
            text = _AIM.sub("", text)
        return [text] if text else []


def frame(code: str, terminator: str = "CR", *, stx_etx: bool = False, aim: str = "") -> bytes:
    """What a scanner sends for ``code`` (the emulator's side)."""
    body = (aim + code).encode("ascii")
    if stx_etx:
        return bytes((STX,)) + body + bytes((ETX,))
    return body + TERMINATORS[terminator]
