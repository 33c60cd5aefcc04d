"""Printer status replies: DLE EOT (one byte per query) and Automatic Status Back.

A DLE EOT reply always has bits 1 and 4 set and bits 0 and 7 clear (``0xx1xx10``), which
tells it apart from ASB bytes and from XON/XOFF on the same line.
"""

from __future__ import annotations

from dataclasses import dataclass


class StatusError(ValueError):
    """A byte that is not a status reply."""


def is_dle_eot_reply(byte: int) -> bool:
    return byte & 0x93 == 0x12


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the printer said about itself (from DLE EOT 1, 2 and 4)."""

    offline: bool = False
    drawer_pin3_high: bool = False
    cover_open: bool = False
    feed_pressed: bool = False
    stopped_paper_end: bool = False
    error: bool = False
    paper_near_end: bool = False
    paper_end: bool = False

    @property
    def ready(self) -> bool:
        """Whether a receipt sent now would print."""
        return not (self.offline or self.cover_open or self.paper_end or self.error)

    @property
    def code(self) -> str:
        """The most important condition, as a stable code for the UI."""
        if self.cover_open:
            return "cover_open"
        if self.paper_end or self.stopped_paper_end:
            return "paper_end"
        if self.error:
            return "error"
        if self.offline:
            return "offline"
        if self.paper_near_end:
            return "paper_near_end"
        return "ok"

    def describe(self) -> str:
        return {
            "cover_open": "printer cover is open",
            "paper_end": "printer is out of paper",
            "error": "printer reports an error (cutter jam or overheating)",
            "offline": "printer is offline",
            "paper_near_end": "printer paper is running low",
            "ok": "printer ready",
        }[self.code]


def parse_status(replies: dict[int, int]) -> PrinterStatus:
    """A status from the DLE EOT replies received, keyed by the query number ``n``."""
    for n, byte in replies.items():
        if not is_dle_eot_reply(byte):
            raise StatusError(f"0x{byte:02X} is not a DLE EOT {n} reply")
    b1 = replies.get(1, 0x12)
    b2 = replies.get(2, 0x12)
    b4 = replies.get(4, 0x12)
    return PrinterStatus(
        offline=bool(b1 & 0x08),
        drawer_pin3_high=bool(b1 & 0x04),
        cover_open=bool(b2 & 0x04),
        feed_pressed=bool(b2 & 0x08),
        stopped_paper_end=bool(b2 & 0x20),
        error=bool(b2 & 0x40),
        paper_near_end=bool(b4 & 0x0C),
        paper_end=bool(b4 & 0x60),
    )


def encode_status(status: PrinterStatus) -> dict[int, int]:
    """The DLE EOT replies a printer in ``status`` sends (the emulator's side)."""
    b1 = 0x12 | (0x08 if status.offline else 0) | (0x04 if status.drawer_pin3_high else 0)
    b2 = (
        0x12
        | (0x04 if status.cover_open else 0)
        | (0x08 if status.feed_pressed else 0)
        | (0x20 if status.stopped_paper_end else 0)
        | (0x40 if status.error else 0)
    )
    b3 = 0x12
    b4 = 0x12 | (0x0C if status.paper_near_end else 0) | (0x60 if status.paper_end else 0)
    return {1: b1, 2: b2, 3: b3, 4: b4}


def parse_asb(data: bytes) -> PrinterStatus:
    """Automatic Status Back (GS a): 4 bytes sent on every change once enabled."""
    if len(data) != 4 or data[0] & 0x12 != 0x10:
        raise StatusError("ASB is 4 bytes, the first with bit 4 set and bit 1 clear")
    b1, b2, b3 = data[0], data[1], data[2]
    return PrinterStatus(
        offline=bool(b1 & 0x08),
        drawer_pin3_high=bool(b1 & 0x04),
        cover_open=bool(b1 & 0x20),
        feed_pressed=bool(b1 & 0x40),
        error=bool(b2 & 0x6C),
        paper_near_end=bool(b3 & 0x03),
        paper_end=bool(b3 & 0x0C),
    )
