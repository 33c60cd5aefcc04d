"""What the screens know of KRA eTIMS: the queue's state and each sale's KRA block.

The eTIMS worker (``pos.etims_link``, composition root: it alone holds the OSCU client,
the queue and their threads) publishes here; screens read. Nothing here talks HTTP or
touches the queue file, so the UI may call it on the GUI thread (it reads memory and,
for a receipt's block, the worker's small read-only lookup).

A sale's block is one of two things: the signed SCU block (KRA's date and time, SCU ID,
CU invoice number, internal data and signature in groups of four, receipt counter, and
the verification URL for the QR code), or the provisional mark "not yet a tax invoice"
while the sale waits in the queue. A reprint after signing shows the signed block.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "PROVISIONAL_MARK",
    "EtimsPhase",
    "EtimsService",
    "EtimsView",
    "KraBlock",
    "QueueRow",
]

#: Printed and shown on a receipt KRA has not signed yet (the law's wording is "tax
#: invoice"; the mark stays in English on the receipt, as KRA's own labels do).
PROVISIONAL_MARK = "NOT YET A TAX INVOICE - KRA has not signed this sale yet"


class EtimsPhase(StrEnum):
    OFF = "off"  #: no [etims] branch set up on this till (and not training)
    STARTING = "starting"
    ONLINE = "online"  #: the last call to KRA (or the simulator) answered
    OFFLINE = "offline"  #: KRA unreachable: sales wait in the queue
    FAILED = "failed"  #: set-up failed (reason says why); sales still wait


@dataclass(frozen=True, slots=True)
class KraBlock:
    """The receipt's KRA part, already formatted by the worker (``sync.etims.receipt``)."""

    signed: bool
    title: str
    rows: tuple[tuple[str, str], ...] = ()
    qr_url: str = ""
    training: bool = False

    def text_lines(self, width: int = 42) -> list[str]:
        """The block as receipt text lines (label left, value right where it fits)."""
        if not self.signed:
            return ["-" * width, *_wrap(PROVISIONAL_MARK, width), "-" * width]
        out = ["-" * width, self.title.center(width)]
        for label, value in self.rows:
            if len(label) + len(value) + 1 <= width:
                out.append(f"{label}{value.rjust(width - len(label))}")
            else:
                out.append(f"{label}:")
                out.extend(_wrap(value, width))
        if self.qr_url:
            out.append("[QR] " + self.qr_url if len(self.qr_url) + 5 <= width else "[QR code]")
        if self.training:
            out.append("TRAINING - signed by the simulator".center(width))
        out.append("-" * width)
        return out


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not word:
            continue
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One queue entry as the manager's screen lists it."""

    receipt_number: str
    kind: str  #: "sale" or "refund"
    state: str  #: waiting, in_doubt, signed, parked
    invc_no: int | None
    enqueued_at: datetime
    reason: str
    attempts: int

    def age(self, now: datetime) -> timedelta:
        return max(timedelta(0), now - self.enqueued_at)


@dataclass(frozen=True, slots=True)
class EtimsView:
    """The worker's last news: phase, counts, the oldest unsigned entry's time."""

    phase: EtimsPhase = EtimsPhase.OFF
    reason: str = ""
    waiting: int = 0
    in_doubt: int = 0
    signed: int = 0
    parked: int = 0
    oldest_unsigned: datetime | None = None
    alert_after: timedelta = timedelta(hours=24)
    training: bool = False
    rows: tuple[QueueRow, ...] = field(default=())

    def alert(self, now: datetime) -> bool:
        """The queue holds an unsigned sale older than ``[etims] max_queue_age_hours``:
        the law expects prompt transmission after an outage, so the manager is told."""
        return self.oldest_unsigned is not None and now - self.oldest_unsigned > self.alert_after


class EtimsService:
    """The eTIMS state for screens; fed by the worker from its own thread."""

    def __init__(self, *, training: bool = False) -> None:
        self._lock = threading.Lock()
        self._view = EtimsView(training=training)
        self._listeners: list[Callable[[EtimsView], None]] = []
        self._lookup: Callable[[str], KraBlock | None] | None = None
        self._unregistered: Callable[[], frozenset[str]] | None = None
        self._wake: Callable[[], None] | None = None

    # -- the worker's side -------------------------------------------------------------
    def publish(self, view: EtimsView) -> None:
        with self._lock:
            self._view = view
            listeners = list(self._listeners)
        for listener in listeners:
            listener(view)

    def attach(
        self,
        lookup: Callable[[str], KraBlock | None],
        registered: Callable[[], frozenset[str]] | None = None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        """The worker's read-only look-ups (a sale's block; the SKUs KRA knows) and its
        wake-up (a sale was completed)."""
        self._lookup = lookup
        self._unregistered = registered
        self._wake = wake

    # -- the screens' side -------------------------------------------------------------
    def view(self) -> EtimsView:
        with self._lock:
            return self._view

    def subscribe(self, listener: Callable[[EtimsView], None]) -> None:
        """``listener`` is called on the worker's thread: a screen re-emits it as a
        queued Qt signal."""
        with self._lock:
            self._listeners.append(listener)

    def block_for(self, sale_id: str) -> KraBlock | None:
        """The sale's KRA block: signed, provisional, or None when eTIMS is off."""
        if self._lookup is None:
            return None
        return self._lookup(sale_id)

    def provisional(self, sale_id: str) -> KraBlock | None:
        """The block of a sale completed this instant, from memory (no I/O: the GUI
        thread may call it): KRA cannot have signed it yet, so it is the provisional
        mark while eTIMS runs, None when it is off. ``sale_id`` names it for the
        worker, which is woken to queue it now rather than at its next poll."""
        if self._lookup is None:
            return None
        if self._wake is not None:
            self._wake()
        return KraBlock(signed=False, title="", training=self.view().training)

    def registered_skus(self) -> frozenset[str] | None:
        """SKUs registered with KRA (``saveItem``); None when eTIMS is off."""
        return None if self._unregistered is None else self._unregistered()
