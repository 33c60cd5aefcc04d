"""Training mode's devices: the emulators the till talks to instead of hardware.

The till's drivers speak to these over real ptys and local sockets, byte for byte as to a
real printer, display, scanner and card terminal; this module lets the training screens
look at and play the device's side: the "printed receipt" panel shows the printer
emulator's decoded picture of the bytes it received (with a paper switch), the "card
terminal" window inserts the card, takes the PIN and approves or declines, the display's
2 x 20 text can be read back, and a code can be "scanned" on the serial scanner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from drivers.display.emulator import DisplayEmulator
from drivers.emulator_link import Link
from drivers.escpos.decoder import Picture, render
from drivers.escpos.emulator import PrinterEmulator
from drivers.scanner.emulator import ScannerEmulator
from drivers.zvt.codes import ABORTED
from drivers.zvt.emulator import ZvtEmulator
from pos.domain.money import Money

#: the bank's answers the training card window offers for "decline"
DECLINE_CODES = {"declined": 0x05, "wrong_pin": 0x89, "insufficient": 0x71, "cancel": ABORTED}


@dataclass(frozen=True, slots=True)
class CardRequest:
    """What the emulated card terminal is waiting for (one payment or refund)."""

    number: int
    amount: Money
    refund: bool


class TrainingDevices:
    """The emulators behind a training till's devices (any of them may be absent)."""

    def __init__(
        self,
        *,
        printer: PrinterEmulator | None = None,
        columns: int = 48,
        display: DisplayEmulator | None = None,
        scanner: tuple[ScannerEmulator, Link] | None = None,
        card: ZvtEmulator | None = None,
        currency: str = "KES",
    ) -> None:
        self.printer = printer
        self.columns = columns
        self.display = display
        self._scanner = scanner
        self.card = card
        self.currency = currency
        self._lock = threading.Lock()
        self._printed: list[Callable[[list[str]], None]] = []
        self._card_changed: list[Callable[[str], None]] = []
        if card is not None:
            card.on_display.append(self._card_display)

    # -- the printer ---------------------------------------------------------------------
    def receipt_printed(self, picture: Picture) -> None:
        """The printer emulator's ``on_receipt`` (its thread): tell the panel."""
        lines = render(picture, self.columns)
        with self._lock:
            listeners = list(self._printed)
        for listener in listeners:
            listener(lines)

    def on_printed(self, listener: Callable[[list[str]], None]) -> None:
        """``listener(lines)`` for every receipt cut (called on the emulator's thread)."""
        with self._lock:
            self._printed.append(listener)

    def printed(self) -> list[list[str]]:
        """Every receipt the emulated printer has cut, as the customer would read it."""
        if self.printer is None:
            return []
        return [render(p, self.columns) for p in self.printer.receipts]

    def set_paper(self, present: bool) -> None:
        """The panel's paper switch (paper out: receipts queue on the till)."""
        if self.printer is not None:
            self.printer.set_paper(out=not present)

    @property
    def paper(self) -> bool:
        return self.printer is not None and not self.printer.status.paper_end

    @property
    def drawer_kicks(self) -> int:
        return len(self.printer.kicks) if self.printer is not None else 0

    @property
    def drawer_open(self) -> bool:
        """Whether the emulated drawer is open (a kick opens it; the trainee shuts it)."""
        return self.printer is not None and self.printer.status.drawer_pin3_high

    def set_drawer_open(self, is_open: bool) -> None:
        """The panel's drawer switch: the trainee shuts (or pulls open) the drawer."""
        if self.printer is not None:
            self.printer.set_drawer_open(is_open)

    # -- the display and scanner ---------------------------------------------------------
    def display_text(self) -> tuple[str, str]:
        """The pole display's two lines as a customer sees them."""
        if self.display is None:
            return ("", "")
        return self.display.text

    def scan(self, code: str) -> None:
        """Send ``code`` from the emulated serial scanner (the till reads it off the port)."""
        if self._scanner is not None:
            model, link = self._scanner
            link.write(model.scan(code))

    # -- the card terminal ---------------------------------------------------------------
    def card_request(self) -> CardRequest | None:
        """The payment the terminal waits on a card (and decision) for, or None."""
        if self.card is None or self.card.request is None:
            return None
        number, amount, refund = self.card.request
        return CardRequest(number, Money(amount, self.currency), refund)

    @property
    def card_text(self) -> str:
        """What the terminal's own screen shows ("Pay 12.34: insert card", "Approved")."""
        return self.card.display if self.card is not None else ""

    def on_card_changed(self, listener: Callable[[str], None]) -> None:
        """``listener(text)`` whenever the terminal's screen changes (its thread)."""
        with self._lock:
            self._card_changed.append(listener)

    def _card_display(self, text: str) -> None:
        with self._lock:
            listeners = list(self._card_changed)
        for listener in listeners:
            listener(text)

    def play_card(self, player: str | None) -> None:
        """A window plays the emulated terminal's customer (``None``: it closed). While
        one does, the training customer's phone leaves the card to it (one prompt)."""
        if self.card is not None:
            self.card.played_by = player

    def card_approve(self, number: int, pin: str) -> None:
        """The customer inserted the card and typed ``pin`` (4 to 6 digits): approved."""
        self._current(number)
        if not (pin.isdigit() and 4 <= len(pin) <= 6):
            raise ValueError("A card PIN has 4 to 6 digits.")
        assert self.card is not None
        self.card.decide(True)

    def card_decline(self, number: int, reason: str = "declined") -> None:
        """The bank declines (``reason`` one of :data:`DECLINE_CODES`) or the customer
        cancels at the terminal."""
        self._current(number)
        assert self.card is not None
        self.card.decide(False, DECLINE_CODES[reason])

    def _current(self, number: int) -> None:
        request = self.card_request()
        if request is None or request.number != number:
            raise LookupError("The card terminal is not waiting for that payment any more.")
