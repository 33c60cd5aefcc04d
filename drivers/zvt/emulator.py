"""A ZVT payment terminal (PT) emulator: the PT's side of the bytes, over a pty or TCP.

Used by the tests, by training mode (the "card terminal" window drives it: insert card,
PIN, approve or decline) and by integrators (``kaunta emulate zvt``). It speaks through the
same codec as the driver, but plays the other role: it answers commands with ``80 00 00``,
sends intermediate statuses, status information with a masked PAN, and the completion.

Behaviours (:class:`Behaviour`): ``approve`` and ``decline`` decide at once; ``manual``
waits for :meth:`ZvtEmulator.decide` (the training window); ``timeout`` waits for a card
that never comes and ends with ``06 1E 6C``; ``silent`` answers nothing; ``nak`` NAKs
every frame; ``bad_crc`` sends every frame with a broken CRC. An ECR that disappears in
the middle of a payment does not undo it: the transaction stays booked, and a repeat
receipt (``06 20``) tells a restarted ECR what happened.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from drivers.zvt import messages as m
from drivers.zvt.apdu import ACK_APDU, Apdu
from drivers.zvt.bmp import decode_fields, from_bcd
from drivers.zvt.codes import ABORTED
from drivers.zvt.pt_side import Channel, ChannelClosed, PtLink, PtyChannel, SocketChannel

log = logging.getLogger(__name__)

#: the demo card: VISA 476173******0010 (BMP 22 as a real PT masks it)
DEMO_PAN = bytes.fromhex("476173EEEEEE0010")


class Behaviour(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    MANUAL = "manual"
    TIMEOUT = "timeout"
    SILENT = "silent"
    NAK = "nak"
    BAD_CRC = "bad_crc"


@dataclass(slots=True)
class Settings:
    """How the emulated PT behaves. ``step_delay``: seconds between its status messages
    (what a customer and a bank would take, shortened); ``card_timeout``: how long it
    waits for a card under ``timeout`` (and for a decision under ``manual``)."""

    behaviour: Behaviour = Behaviour.APPROVE
    decline_code: int = 0x64
    step_delay: float = 0.02
    card_timeout: float = 1.0
    manual_timeout: float = 120.0
    terminal_id: str = "52500038"
    card_name: str = "VISA"
    currency: str = "KES"

    def __post_init__(self) -> None:
        self.behaviour = Behaviour(self.behaviour)  # "decline" from a command line works too


@dataclass(slots=True)
class Booked:
    info: m.StatusInfo
    reversed: bool = False


@dataclass(slots=True)
class _State:
    trace: int = 100
    receipt_no: int = 0
    last: m.StatusInfo | None = None
    batch: dict[int, Booked] = field(default_factory=dict)


class ZvtEmulator:
    """One emulated PT. Serve it on a pty (:meth:`start_pty`) or TCP (:meth:`start_tcp`)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._state = _State()
        self._lock = threading.Lock()
        self._decision: tuple[bool, int] | None = None
        self._decided = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._channels: list[Channel] = []
        self._server: socket.socket | None = None
        #: every command received, as (class, instruction), for tests and the window
        self.commands: list[tuple[int, int]] = []
        #: what the PT shows now ("Insert card 12.34", "Approved", ...), for the window
        self.display = "Ready"
        #: called (from the emulator's thread) whenever :attr:`display` changes
        self.on_display: list[Callable[[str], None]] = []
        #: set while a payment waits for a card/decision (the training window shows itself)
        self.waiting = threading.Event()
        #: (number, amount in minor units, is a refund) of the transaction waiting for a
        #: decision, or None
        self.request: tuple[int, int, bool] | None = None
        self._requests = 0
        #: who plays the customer's side on screen (training's card terminal window), so
        #: that no other training window asks for the same card as well; None: nobody yet
        self.played_by: str | None = None

    # -- serving ---------------------------------------------------------------------------
    def start_pty(self) -> str:
        """Serve the framed serial protocol on a new pty; answers the device path."""
        channel = PtyChannel()
        self._spawn(channel, framed=True)
        return channel.path

    def start_tcp(self, host: str = "127.0.0.1", port: int = 0, *, framed: bool = False) -> int:
        """Serve TCP (bare APDUs, as on port 20007; ``framed``: a serial-over-TCP bridge).
        Answers the port. Connections are served one after the other."""
        server = socket.create_server((host, port))
        server.settimeout(0.1)
        self._server = server

        def accept() -> None:
            while not self._stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._serve(SocketChannel(conn), framed)

        thread = threading.Thread(target=accept, name="zvt-emulator-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return int(server.getsockname()[1])

    def _spawn(self, channel: Channel, *, framed: bool) -> None:
        thread = threading.Thread(
            target=self._serve, args=(channel, framed), name="zvt-emulator", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._decided.notify_all()
        if self._server is not None:
            self._server.close()
        for channel in self._channels:
            channel.close()
        for thread in self._threads:
            thread.join(timeout=2)

    # -- the training window's buttons ----------------------------------------------------
    def decide(self, approve: bool, code: int | None = None) -> None:
        """The customer's card and PIN went in and the bank answered (manual behaviour)."""
        with self._lock:
            self._decision = (approve, code if code is not None else self.settings.decline_code)
            self._decided.notify_all()

    def last_transaction(self) -> m.StatusInfo | None:
        with self._lock:
            return self._state.last

    # -- one connection --------------------------------------------------------------------
    def _serve(self, channel: Channel, framed: bool) -> None:
        self._channels.append(channel)
        link = PtLink(channel, framed=framed, mode=lambda: str(self.settings.behaviour))
        try:
            while not self._stop.is_set():
                apdu = link.receive(0.1)
                if apdu is None:
                    continue
                self.commands.append(apdu.command)
                self._handle(link, apdu)
        except ChannelClosed:
            pass
        finally:
            channel.close()

    def _set_display(self, text: str) -> None:
        self.display = text
        for callback in list(self.on_display):
            try:
                callback(text)
            except Exception:
                log.exception("zvt emulator: display callback failed")

    def _tell(self, link: PtLink, apdu: Apdu, aborted: list[bool]) -> None:
        """Send one message and wait for the ECR's ``80 00 00`` (noting an ``06 B0``)."""
        if not link.send(apdu):
            return
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            answer = link.receive(0.1)
            if answer is None:
                continue
            if answer.command == m.ABORT:
                aborted[0] = True
                self.commands.append(m.ABORT)
                link.send(ACK_APDU)
                continue
            if answer.cls != 0x80:  # another command while busy: "please wait"
                link.send(Apdu(0x84, 0x9C))
                continue
            return

    def _handle(self, link: PtLink, apdu: Apdu) -> None:
        command = apdu.command
        if command == m.ABORT:
            link.send(ACK_APDU)  # nothing running: nothing to abort
            return
        if command in (m.REGISTRATION, m.LOG_OFF):
            link.send(ACK_APDU)
            self._tell(link, Apdu(0x06, 0x0F), [False])
            return
        if command == m.STATUS_ENQUIRY:
            link.send(ACK_APDU)
            info = m.StatusInfo(0x00, terminal_id=self.settings.terminal_id)
            self._tell(link, m.encode_status_info(info), [False])
            self._tell(link, Apdu(0x06, 0x0F), [False])
            return
        if command == m.REPEAT_RECEIPT:
            link.send(ACK_APDU)
            last = self.last_transaction()
            if last is None:
                self._tell(link, Apdu(0x06, 0x1E, bytes([0x83])), [False])
                return
            self._tell(
                link, m.encode_status_info(last, DEMO_PAN if last.masked_pan else b""), [False]
            )
            self._tell(link, Apdu(0x06, 0x0F), [False])
            return
        if command in (m.AUTHORIZATION, m.REFUND):
            at = 3 if command == m.REFUND else 0
            fields = decode_fields(apdu.data, at)
            amount = from_bcd(fields[0x04]) if 0x04 in fields else 0
            link.send(ACK_APDU)
            self._card_transaction(link, amount, refund=command == m.REFUND)
            return
        if command == m.REVERSAL:
            link.send(ACK_APDU)
            fields = decode_fields(apdu.data, 3)
            number = from_bcd(fields.get(0x87, b"\x00\x00"))
            with self._lock:
                booked = self._state.batch.get(number)
                code = 0xB5 if booked is None else 0xB4 if booked.reversed else 0x00
                if booked is not None and code == 0:
                    booked.reversed = True
            if code or booked is None:
                self._tell(link, Apdu(0x06, 0x1E, bytes([code])), [False])
                return
            info = self._book(booked.info.amount_minor or 0, with_card=True)
            self._tell(link, m.encode_status_info(info, DEMO_PAN), [False])
            self._tell(link, Apdu(0x06, 0x0F), [False])
            return
        if command == m.END_OF_DAY:
            link.send(ACK_APDU)
            with self._lock:
                total = sum(
                    b.info.amount_minor or 0 for b in self._state.batch.values() if not b.reversed
                )
                self._state.batch.clear()
            info = m.StatusInfo(0x00, amount_minor=total, terminal_id=self.settings.terminal_id)
            self._tell(link, m.encode_status_info(info), [False])
            self._tell(link, Apdu(0x06, 0x0F), [False])
            return
        link.send(Apdu(0x84, 0x83))  # function not possible

    def _book(self, amount: int, *, with_card: bool) -> m.StatusInfo:
        with self._lock:
            s = self._state
            s.trace += 1
            s.receipt_no += 1
            now = time.gmtime()
            info = m.StatusInfo(
                0x00,
                amount_minor=amount,
                currency=self.settings.currency,
                trace=s.trace,
                receipt_no=s.receipt_no,
                terminal_id=self.settings.terminal_id,
                masked_pan="476173******0010" if with_card else "",
                card_name=self.settings.card_name,
                approval_code=f"{(s.trace * 7919) % 1000000:06d}",
                date=time.strftime("%m%d", now),
                time=time.strftime("%H%M%S", now),
            )
            s.last = info
            s.batch[s.receipt_no] = Booked(info)
            return info

    def _card_transaction(self, link: PtLink, amount: int, *, refund: bool) -> None:
        aborted = [False]
        delay = self.settings.step_delay
        behaviour = self.settings.behaviour
        shown = f"{amount // 100}.{amount % 100:02d}"
        self._set_display(f"{'Refund' if refund else 'Pay'} {shown}: insert card")
        self._tell(link, Apdu(0x04, 0xFF, bytes([0x0A])), aborted)
        if behaviour in (Behaviour.MANUAL, Behaviour.TIMEOUT):
            limit = (
                self.settings.manual_timeout
                if behaviour is Behaviour.MANUAL
                else self.settings.card_timeout
            )
            self._requests += 1
            self.request = (self._requests, amount, refund)
            try:
                decision = self._wait_decision(link, limit, aborted)
            finally:
                self.request = None
        else:
            decision = (behaviour is not Behaviour.DECLINE, self.settings.decline_code)
            for code in (0x01, 0x04):
                if self._pause(link, delay, aborted):
                    break
                self._tell(link, Apdu(0x04, 0xFF, bytes([code])), aborted)
        if aborted[0] or decision is None:
            self._set_display("Aborted")
            self._tell(link, Apdu(0x06, 0x1E, bytes([ABORTED])), aborted)
            return
        approve, code = decision
        if not approve:
            with self._lock:
                self._state.last = m.StatusInfo(
                    code, amount_minor=amount, currency=self.settings.currency
                )
            self._set_display("Declined")
            self._tell(link, Apdu(0x06, 0x1E, bytes([code])), aborted)
            return
        info = self._book(amount, with_card=True)
        self._set_display("Approved")
        self._tell(link, m.encode_status_info(info, DEMO_PAN), aborted)
        self._tell(link, Apdu(0x06, 0x0F), aborted)

    def _take_decision(self) -> tuple[bool, int] | None:
        with self._lock:
            decision, self._decision = self._decision, None
            return decision

    def _pause(self, link: PtLink, seconds: float, aborted: list[bool]) -> bool:
        """Wait ``seconds`` while listening for an abort; True if one came."""
        deadline = time.monotonic() + seconds
        while not aborted[0] and time.monotonic() < deadline:
            if link.gone:  # the ECR went away: the customer still finishes at the PT
                time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
                continue
            try:
                apdu = link.receive(min(0.02, max(0.0, deadline - time.monotonic())))
            except ChannelClosed:
                link.gone = True
                continue
            if apdu is not None and apdu.command == m.ABORT:
                aborted[0] = True
                self.commands.append(m.ABORT)
                link.send(ACK_APDU)
            elif apdu is not None and apdu.cls != 0x80:  # a command while busy
                link.send(Apdu(0x84, 0x9C))
        return aborted[0]

    def _wait_decision(
        self, link: PtLink, limit: float, aborted: list[bool]
    ) -> tuple[bool, int] | None:
        with self._lock:
            self._decision = None
        self.waiting.set()
        try:
            deadline = time.monotonic() + limit
            while time.monotonic() < deadline and not self._stop.is_set():
                if self._pause(link, 0.05, aborted):
                    return None
                decision = self._take_decision()
                if decision is not None:
                    return decision
            return None
        finally:
            self.waiting.clear()


def main(argv: list[str] | None = None) -> int:
    """``kaunta emulate zvt`` / ``python -m drivers.zvt.emulator``: serve a PT until stopped.

    ``--tcp PORT`` (bare APDUs, as on port 20007; 0 picks a free port) or ``--pty`` (framed
    serial; prints the device path), ``--behaviour`` (approve, decline, manual, timeout,
    silent, nak, bad_crc). In ``manual`` mode type ``a`` (approve) or ``d`` (decline) and
    Enter when the terminal waits for a card.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="kaunta emulate zvt", description=main.__doc__)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tcp", type=int, default=None, metavar="PORT")
    where.add_argument("--pty", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--behaviour", default="approve", choices=[b.value for b in Behaviour])
    parser.add_argument("--decline-code", default="64", help="result code in hex (default 64)")
    parser.add_argument("--step-delay", type=float, default=0.5)
    parser.add_argument("--currency", default="KES")
    args = parser.parse_args(argv)
    emulator = ZvtEmulator(
        Settings(
            Behaviour(args.behaviour),
            decline_code=int(args.decline_code, 16),
            step_delay=args.step_delay,
            currency=args.currency,
        )
    )
    emulator.on_display.append(lambda text: print(f"[terminal] {text}", flush=True))
    if args.pty:
        print(f"ZVT terminal (serial, framed) on {emulator.start_pty()}", flush=True)
    else:
        port = emulator.start_tcp(args.host, 20007 if args.tcp is None else args.tcp)
        print(f"ZVT terminal (TCP) on socket://{args.host}:{port}", flush=True)
    try:
        for line in sys.stdin:
            answer = line.strip().lower()
            if answer in ("a", "approve"):
                emulator.decide(True)
            elif answer in ("d", "decline"):
                emulator.decide(False)
        while True:  # stdin closed (run in the background): serve until interrupted
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
