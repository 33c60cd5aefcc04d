"""What the screens know of KRA eTIMS: the queue's state and each sale's KRA block.

The eTIMS worker (``pos.etims_link``, composition root: it alone holds the OSCU client,
the queue and their threads) publishes here; screens read. Nothing here talks HTTP or
touches the queue file, so the UI may call it on the GUI thread (it reads memory and,
for a receipt's block, the worker's small read-only lookup).

A sale's block is one of two things: the signed SCU block (KRA's date and time, SCU ID,
CU invoice number, internal data and signature in groups of four, receipt counter, KRA's
tax table of bands A-E as submitted, and the verification URL for the QR code), or the
provisional mark "not yet a tax invoice" while the sale waits in the queue. A reprint
after signing shows the signed block.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from pos.domain.messages import Message, text

__all__ = [
    "BANDS_HEADING",
    "PRINT_GRACE_S",
    "PROVISIONAL_MARK",
    "SCU_HEADING",
    "EtimsPhase",
    "EtimsService",
    "EtimsView",
    "KraBlock",
    "QueueAction",
    "QueueRow",
]

log = logging.getLogger(__name__)

#: How long a completed sale's receipt waits for KRA's signature before it prints
#: provisional (the drawer waits with it): online, KRA signs within a second or two, and
#: a signed receipt is what the customer should take home. Offline it prints at once
#: after this grace, marked "not yet a tax invoice".
PRINT_GRACE_S = 4.0
#: How long an open receipt view keeps waiting to show the signed block.
FOLLOW_S = 600.0

#: Printed and shown on a receipt KRA has not signed yet (the law's wording is "tax
#: invoice"; the mark stays in English on the receipt, as KRA's own labels do).
PROVISIONAL_MARK = "NOT YET A TAX INVOICE - KRA has not signed this sale yet"
#: The heading under a signed block's title, on screen as on paper (KRA's own term,
#: reference 4.3; the printed block: ``pos.services.devices.kra_blocks``).
SCU_HEADING = "SCU INFORMATION"
#: The block's labels that are the shop's words, not KRA's (``sync.etims.receipt`` writes
#: them): in the receipt's language(s). KRA's own terms (the title, SCU ID, CU Invoice
#: No., Internal Data, Receipt Signature) and the mark above stay as KRA prints them.
OWN_LABELS = frozenset({text("Date"), text("Time"), text("Receipt counter")})
#: The heading of KRA's tax table in a signed block. The item lines and the VAT table
#: above it print Kaunta's VAT codes (S, Z, E: Kaunta's E is exempt); the table prints
#: KRA's bands as submitted (A exempt, B 16 %, C 0 %, D non-VAT, E 8 %), so its heading
#: says whose letters these are. The table's own words (this heading, its column
#: heads, its total) are the shop's, in the receipt's language; the band labels
#: ("A Exempt", "B 16%") are KRA's and stay as KRA names them.
BANDS_HEADING = text("KRA tax bands")
BANDS_TAXABLE = text("Taxable")
BANDS_TAX = text("Tax")
BANDS_TOTAL = text("Total")
TRAINING_SIGNED = text("TRAINING - signed by the simulator")
#: under a provisional receipt's QR code (an enrolled store: head office's customer page)
LATER_PAGE = text("Scan later for the signed invoice")


class EtimsPhase(StrEnum):
    OFF = "off"  #: no [etims] branch set up on this till (and not training)
    STARTING = "starting"
    ONLINE = "online"  #: the last call to KRA (or the simulator) answered
    OFFLINE = "offline"  #: KRA unreachable: sales wait in the queue
    FAILED = "failed"  #: set-up failed (reason says why); sales still wait
    #: enrolled at a head office: the store's sales go to KRA from there (one invoice
    #: sequence for all its tills), not from this till
    HEAD_OFFICE = "head_office"


@dataclass(frozen=True, slots=True)
class KraBlock:
    """The receipt's KRA part, already formatted by the worker (``sync.etims.receipt``)."""

    signed: bool
    title: str
    rows: tuple[tuple[str, str], ...] = ()
    qr_url: str = ""
    training: bool = False
    #: KRA's tax table (``sync.etims.receipt.band_table``): one row per band A-E
    #: (label, taxable, tax) from the invoice as submitted; () when not at hand
    bands: tuple[tuple[str, str, str], ...] = ()
    #: the submitted invoice's total, ``KES 1,234.00`` ("" without ``bands``)
    total: str = ""

    def band_pairs(
        self, say: Callable[[Message], str] | None = None, width: int = 42
    ) -> list[tuple[str, str]]:
        """KRA's tax table as (left, right) pairs, screen and paper alike: the column
        heads (no label), then each band's label with its taxable amount and tax in two
        right-aligned columns, then the total; [] without bands. ``say`` as in
        :meth:`text_lines` (the heads and "Total" are translated, band labels not). The
        columns are as wide as their heads where the rows still fit ``width``, else as
        wide as the amounts (both languages' heads are long: the band rows would wrap)."""
        if not self.bands:
            return []

        def own(label: str) -> str:
            return say(Message.plain(label)) if say is not None else label

        taxable, tax = own(BANDS_TAXABLE), own(BANDS_TAX)
        wide = max(len(row[1]) for row in self.bands)
        narrow = max(len(row[2]) for row in self.bands)
        label = max(len(row[0]) for row in self.bands)
        if label + max(wide, len(taxable)) + max(narrow, len(tax)) + 2 <= width:
            wide, narrow = max(wide, len(taxable)), max(narrow, len(tax))
        return [
            ("", f"{taxable:>{wide}} {tax:>{narrow}}"),
            *((label, f"{a:>{wide}} {b:>{narrow}}") for label, a, b in self.bands),
            (own(BANDS_TOTAL), self.total),
        ]

    def text_lines(self, width: int = 42, say: Callable[[Message], str] | None = None) -> list[str]:
        """The block as receipt text lines (label left, value right where it fits).

        ``say``: how the receipt says its labels (``pos.ui.i18n.receipt_say``); None:
        English. Only :data:`OWN_LABELS`, the tax table's own words and the training line
        are translated. KRA's tax table comes after the rows, before the QR code."""

        def own(label: str) -> str:
            return say(Message.plain(label)) if say is not None else label

        if not self.signed:
            out = ["-" * width, *_wrap(PROVISIONAL_MARK, width)]
            if self.qr_url:  # head office's page where the signed invoice appears later
                out.extend(_wrap(own(LATER_PAGE), width))
                out.append("[QR] " + self.qr_url if len(self.qr_url) + 5 <= width else "[QR code]")
            return [*out, "-" * width]
        out = ["-" * width, self.title.center(width), SCU_HEADING]
        for english, value in self.rows:
            label = own(english) if english in OWN_LABELS else english
            if len(label) + len(value) + 1 <= width:
                out.append(f"{label}{value.rjust(width - len(label))}")
            else:
                out.append(f"{label}:")
                out.extend(_wrap(value, width))
        if self.bands:
            out.append(own(BANDS_HEADING))
            for label, value in self.band_pairs(say, width):
                if len(label) + len(value) + 1 <= width:
                    out.append(f"{label}{value.rjust(width - len(label))}")
                else:  # a narrow receipt: the amounts under their label
                    out.extend([label, value.rjust(width)] if label else [value.rjust(width)])
        if self.qr_url:
            out.append("[QR] " + self.qr_url if len(self.qr_url) + 5 <= width else "[QR code]")
        if self.training:
            out.append(own(TRAINING_SIGNED).center(width))
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


class QueueAction(StrEnum):
    """What the manager may ask of the queue, where it is safe."""

    #: try now: the worker's next round starts at once (an entry in doubt is looked up
    #: with ``selectInvoiceDetails`` before anything is resent, never renumbered)
    RETRY = "retry"
    #: a refused (parked) entry goes back to the queue after the manager fixed the
    #: cause (it gets a new number: KRA did not record the refused one)
    UNPARK = "unpark"


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One queue entry as the manager's screen lists it."""

    receipt_number: str
    kind: str  #: "sale" or "refund"
    state: str  #: waiting, in_doubt, signed, parked, no_credit
    invc_no: int | None
    enqueued_at: datetime
    reason: str
    attempts: int
    position: int = 0  #: the entry's place in the branch queue (for actions)
    doc_id: str = ""

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
    #: the worker's start-up check found the stored KRA signatures changed outside
    #: Kaunta (``pos.services.etims_tampering.ALERT``); None: they verify. The till's
    #: window shows it in its red alert, in the reader's language; sales go on.
    tampered: Message | None = None
    #: refunds settled without a credit note (their sale was not a KRA invoice: a
    #: return without a receipt, a sale from before eTIMS); not in ``oldest_unsigned``
    no_credit_note: int = 0

    def alert(self, now: datetime) -> bool:
        """The queue holds an unsigned sale older than ``[etims] max_queue_age_hours``:
        the law expects prompt transmission after an outage, so the manager is told."""
        return self.oldest_unsigned is not None and now - self.oldest_unsigned > self.alert_after


@dataclass(frozen=True, slots=True)
class KraItem:
    """What KRA knows of one product (SKU), for the products screen: whether it is
    registered, the item classification it was registered with, and why its last
    registration was refused ("" = it was not)."""

    registered: bool
    item_class: str = ""
    refused: str = ""


class EtimsService:
    """The eTIMS state for screens; fed by the worker from its own thread."""

    def __init__(self, *, training: bool = False) -> None:
        self._lock = threading.Lock()
        self._view = EtimsView(training=training)
        self._listeners: list[Callable[[EtimsView], None]] = []
        self._lookup: Callable[[str, bool], KraBlock | None] | None = None
        self._unregistered: Callable[[], frozenset[str]] | None = None
        self._items: Callable[[], dict[str, KraItem]] | None = None
        self._wake: Callable[[], None] | None = None
        self._waiters: list[_Waiter] = []
        self._requests: list[tuple[QueueAction, int]] = []
        #: an enrolled store: head office's answers, as the till keeps them
        #: (``pos.etims_results``); they take the place of the till's own queue
        self._hq_lookup: Callable[[str, bool], KraBlock | None] | None = None
        self._later_url: Callable[[str], str] | None = None
        #: the start-up check's alerts by eTIMS file (``pos.etims_evidence``), each with
        #: its English finding for the reason: every view carries the first, whoever
        #: publishes it, until a manager acknowledges them
        self._tampered: dict[str, tuple[Message, str]] = {}
        #: English notes by file for the view's reason (the chain is not keyed: the
        #: journal key is not loaded)
        self._notes: dict[str, str] = {}
        self._acknowledge: Callable[[], Message | None] | None = None

    # -- the worker's side -------------------------------------------------------------
    def publish(self, view: EtimsView) -> None:
        with self._lock:
            view = self._with_evidence(view)
            self._view = view
            listeners = list(self._listeners)
        for listener in listeners:
            listener(view)

    def _with_evidence(self, view: EtimsView) -> EtimsView:
        """``view`` with the start-up check's alert and notes (under ``_lock``)."""
        notes = [n for n in self._notes.values() if n not in view.reason]
        if view.tampered is None and self._tampered:
            shown, said = next(iter(self._tampered.values()))
            # the finding first (the screens show it from ``tampered`` instead of it)
            notes.insert(0, said)
            view = replace(view, tampered=shown)
        if notes:
            view = replace(view, reason="; ".join([*notes, view.reason] if view.reason else notes))
        return view

    def set_evidence(
        self, file: str, alert: Message | None, note: str = "", finding: str = ""
    ) -> None:
        """The start-up check of the eTIMS file named ``file`` (any thread): its alert
        (None: nothing to show) with its English ``finding`` (first in the view's
        reason, as the worker's own), and an English note for the reason ("" none); the
        views published from now on carry them, and the current one is published
        again."""
        with self._lock:
            if alert is None:
                self._tampered.pop(file, None)
            else:
                self._tampered[file] = (alert, finding or str(alert))
            if note:
                self._notes[file] = note
            else:
                self._notes.pop(file, None)
            view = self._view
        self.publish(replace(view, tampered=None) if view.tampered is not None else view)

    def attach_acknowledge(self, acknowledge: Callable[[], Message | None]) -> None:
        """How a manager's acknowledgement of the tampering alert is recorded (the
        composition root's, audited); it returns why it was refused, or None."""
        self._acknowledge = acknowledge

    def acknowledge_tampering(self) -> Message | None:
        """The manager logged in has seen the eTIMS tampering alert: recorded in the
        audit log with who and when, and the alert no longer comes back at start-up
        (``kaunta verify`` still names every problem: the file stays as found). Returns
        None, or why there was nothing to acknowledge; raises ``PermissionDenied`` (or
        ``NotLoggedIn``) unless a manager is logged in. Blocking (the till's database):
        call it from the till worker, not the GUI thread."""
        if self._acknowledge is None:
            from pos.services.etims_tampering import ACK_NOTHING

            return ACK_NOTHING()
        return self._acknowledge()

    def attach(
        self,
        lookup: Callable[[str, bool], KraBlock | None],
        registered: Callable[[], frozenset[str]] | None = None,
        wake: Callable[[], None] | None = None,
        items: Callable[[], dict[str, KraItem]] | None = None,
    ) -> None:
        """The worker's read-only look-ups (a sale's block, as a copy or not; the SKUs
        KRA knows; each product's registered class and refusal) and its wake-up (a sale
        was completed)."""
        self._lookup = lookup
        self._unregistered = registered
        self._wake = wake
        self._items = items

    def attach_head_office(
        self,
        lookup: Callable[[str, bool], KraBlock | None],
        later_url: Callable[[str], str] | None = None,
    ) -> None:
        """An enrolled store: a sale's block comes from head office's answers (looked up
        by ``lookup``), whatever the till's own worker holds; ``later_url``: the customer
        page of a sale (pure, no I/O) for the provisional receipt's QR code."""
        self._hq_lookup = lookup
        self._later_url = later_url

    @property
    def follows_head_office(self) -> bool:
        """Head office's answers are what the screens show (the till's own worker, held
        back while enrolled, publishes nothing over them)."""
        return self._hq_lookup is not None

    def settle(self) -> None:
        """The worker, after each round: every waiter whose sale is signed now is told
        (on the worker's thread; each waiter once). When the round found KRA away, the
        others are told at once too, with the provisional block: a receipt then prints
        without waiting out its grace."""
        with self._lock:
            waiters = list(self._waiters)
            away = self._view.phase in (EtimsPhase.OFFLINE, EtimsPhase.FAILED)
        for waiter in waiters:
            block = self.block_for(waiter.sale_id, copy=waiter.copy)
            if block is None:  # no KRA block will come (settled without a credit note)
                waiter.fire(None)
            elif block.signed or (away and waiter.now):
                waiter.fire(block)
        with self._lock:
            self._waiters = [w for w in self._waiters if not w.done]

    def take_requests(self) -> list[tuple[QueueAction, int]]:
        """The manager's queue actions since the last round, in order (the worker
        carries them out on its own thread: the queue file is its alone)."""
        with self._lock:
            taken, self._requests = self._requests, []
        return taken

    # -- the screens' side -------------------------------------------------------------
    def view(self) -> EtimsView:
        with self._lock:
            return self._view

    def subscribe(self, listener: Callable[[EtimsView], None]) -> None:
        """``listener`` is called on the worker's thread: a screen re-emits it as a
        queued Qt signal."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[EtimsView], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def block_for(self, sale_id: str, *, copy: bool = False) -> KraBlock | None:
        """The sale's KRA block: signed, provisional, or None when eTIMS is off. Reads
        the worker's small queue file: call it off the GUI thread (the till worker, as
        a reprint does), or use :meth:`when_signed`. ``copy``: a reprint's block (its
        receipt counter says CS/CC, its title COPY)."""
        lookup = self._hq_lookup or self._lookup
        if lookup is None:
            return None
        return lookup(sale_id, copy)

    def when_signed(
        self,
        sale_id: str,
        within_s: float,
        callback: Callable[[KraBlock | None], None],
        *,
        copy: bool = False,
    ) -> None:
        """Call ``callback`` once with the sale's block: the signed one as soon as KRA
        has signed it, or the provisional one when ``within_s`` passes first; at once
        with None when eTIMS is off. None too when the document gets no KRA block at
        all (a refund settled without a credit note: its receipt must not promise one),
        as soon as the queue says so or when the time is up. A wait no longer than
        :data:`PRINT_GRACE_S` (a receipt about to print) is answered provisional as soon
        as a round finds KRA away. Returns at once: the callback runs on the eTIMS
        worker's thread or a timer's (a screen re-emits it as a queued Qt signal)."""
        if self._lookup is None and self._hq_lookup is None:
            callback(None)
            return
        later = self._later_url(sale_id) if self._later_url is not None else ""
        waiter = _Waiter(
            sale_id,
            copy,
            callback,
            self.view().training,
            later,
            current=lambda: self.block_for(sale_id, copy=copy),
        )
        waiter.now = within_s <= PRINT_GRACE_S  # a print: not worth waiting while KRA is away
        with self._lock:
            self._waiters.append(waiter)
        waiter.start(within_s)
        if self._wake is not None:
            self._wake()

    def request(self, action: QueueAction, position: int = 0) -> None:
        """The manager asks the worker to retry now, or to put a refused entry back
        (``position``); the worker does it on its next round, started at once."""
        if self._lookup is None:
            return
        with self._lock:
            self._requests.append((action, position))
        if self._wake is not None:
            self._wake()

    def provisional(self, sale_id: str) -> KraBlock | None:
        """The block of a sale completed this instant, from memory (no I/O: the GUI
        thread may call it): KRA cannot have signed it yet, so it is the provisional
        mark while eTIMS runs, None when it is off. ``sale_id`` names it for the
        worker, which is woken to queue it now rather than at its next poll."""
        if self._lookup is None and self._hq_lookup is None:
            return None
        if self._wake is not None:
            self._wake()
        url = self._later_url(sale_id) if self._later_url is not None else ""
        return KraBlock(signed=False, title="", qr_url=url, training=self.view().training)

    def registered_skus(self) -> frozenset[str] | None:
        """SKUs registered with KRA (``saveItem``); None when eTIMS is off."""
        return None if self._unregistered is None else self._unregistered()

    def kra_items(self) -> dict[str, KraItem] | None:
        """By SKU: the class KRA registered each product with and any refusal (products
        KRA has not heard of are absent); None when eTIMS is off. A worker that gives
        only the registered SKUs (no classes) is answered from those."""
        if self._items is not None:
            return self._items()
        skus = self.registered_skus()
        return None if skus is None else {sku: KraItem(registered=True) for sku in skus}


class _Waiter:
    """One :meth:`EtimsService.when_signed`: fired once, by the worker (signed, or no
    block at all) or by its timer (the time is up: what the queue says now, provisional
    unless it is signed or gets no block)."""

    def __init__(
        self,
        sale_id: str,
        copy: bool,
        callback: Callable[[KraBlock | None], None],
        training: bool,
        later_url: str = "",
        *,
        current: Callable[[], KraBlock | None] | None = None,
    ) -> None:
        self.sale_id = sale_id
        self._current = current
        self._later_url = later_url
        self.copy = copy
        self.done = False
        #: told the provisional block as soon as a round finds KRA away
        self.now = False
        self._callback = callback
        self._training = training
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def start(self, within_s: float) -> None:
        self._timer = threading.Timer(within_s, self._time_up)
        self._timer.daemon = True
        self._timer.start()

    def _time_up(self) -> None:
        """The timer's thread: the queue's answer now (a file read, off the GUI thread);
        provisional while unsigned, and when the queue cannot be read."""
        provisional = KraBlock(
            signed=False, title="", qr_url=self._later_url, training=self._training
        )
        block: KraBlock | None = provisional
        if self._current is not None:
            try:
                block = self._current()
            except Exception:  # an unreadable queue file: the receipt still prints
                log.exception("the eTIMS queue could not be read for a receipt")
                block = provisional
        self.fire(block if block is None or block.signed else provisional)

    def fire(self, block: KraBlock | None) -> None:
        with self._lock:
            if self.done:
                return
            self.done = True
        if self._timer is not None:
            self._timer.cancel()
        try:
            self._callback(block)
        except Exception:  # a closed screen's signal, say: the others are still told
            log.exception("an eTIMS receipt callback failed")
