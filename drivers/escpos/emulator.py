"""An ESC/POS receipt printer with a cash drawer, over a pty or a socket.

It decodes what it receives into receipt pictures (training mode shows them as the
"printed receipt"), answers DLE EOT status requests at once, and has switches a trainer or
a test flips: paper out, paper low, cover open, offline, drawer open, and "paper runs out
after N lines" (paper out mid-job). While it cannot print, what it receives is lost, as on
paper that is not there; the driver's status checks around each job are what catch it.
Real-time commands are acted on even then: DLE EOT status requests and the DLE DC4 1
drawer pulse (a plain ``ESC p`` is print data and is lost with it).

Optionally it consumes bytes at the line speed of a baud rate (``pace_baud``), as a real
serial printer does, so benchmarks measure the driver against true wire time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from drivers.escpos.decoder import Cut, Decoder, Kick, Line, Picture, StatusRequest
from drivers.escpos.status import PrinterStatus, encode_status


class PrinterEmulator:
    """The printer's behaviour (a :class:`drivers.emulator_link.DeviceModel`)."""

    def __init__(
        self,
        *,
        pace_baud: int | None = None,
        on_receipt: Callable[[Picture], None] | None = None,
        drawer_closes_after: float | None = 0.5,
    ) -> None:
        self._decoder = Decoder()
        self._lock = threading.Condition()
        self._status = PrinterStatus()
        self._current = Picture()
        self.receipts: list[Picture] = []
        self.kicks: list[Kick] = []
        self.lost_bytes = 0
        self.status_requests = 0
        self.received_bytes = 0
        self.paper_runs_out_after: int | None = None
        #: answer this many more status requests, then none (a printer slow to answer)
        self.status_replies_left: int | None = None
        self._pace_baud = pace_baud
        self._on_receipt = on_receipt
        self._drawer_closes_after = drawer_closes_after
        self._drawer_opened_at: float | None = None

    # -- switches ------------------------------------------------------------------------

    def set_paper(self, *, out: bool = False, low: bool = False) -> None:
        with self._lock:
            self._status = replace(
                self._status, paper_end=out, stopped_paper_end=out, paper_near_end=low or out
            )

    def set_cover_open(self, is_open: bool) -> None:
        with self._lock:
            self._status = replace(self._status, cover_open=is_open)

    def set_offline(self, offline: bool) -> None:
        with self._lock:
            self._status = replace(self._status, offline=offline)

    def set_drawer_open(self, is_open: bool) -> None:
        with self._lock:
            self._drawer_opened_at = time.monotonic() if is_open else None
            self._status = replace(self._status, drawer_pin3_high=is_open)

    @property
    def status(self) -> PrinterStatus:
        with self._lock:
            self._close_drawer_if_due()
            return self._status

    @property
    def can_print(self) -> bool:
        s = self._status
        return not (s.paper_end or s.cover_open or s.offline or s.error)

    def wait_receipts(self, count: int, timeout: float = 5.0) -> list[Picture]:
        """Wait until ``count`` receipts were cut (tests); returns them all."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.receipts) >= count, timeout)
            return list(self.receipts)

    # -- the wire ------------------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        if self._pace_baud:
            time.sleep(len(data) * 10 / self._pace_baud)
        reply = bytearray()
        finished: list[Picture] = []
        with self._lock:
            self.received_bytes += len(data)
            self._close_drawer_if_due()
            # offline/paper out: the print data is lost, real-time commands still answered
            for event in self._decoder.feed(data):
                if isinstance(event, StatusRequest):
                    self.status_requests += 1
                    if self.status_replies_left is not None:
                        if self.status_replies_left <= 0:
                            continue
                        self.status_replies_left -= 1
                    reply.append(encode_status(self._status).get(event.n, 0x12))
                elif isinstance(event, Kick) and event.realtime:
                    self._kick(event)  # real-time: acted on even while offline
                elif not self.can_print:
                    self.lost_bytes += 1
                elif isinstance(event, Kick):
                    self._kick(event)
                else:
                    self._current.events.append(event)
                    if isinstance(event, Line):
                        self._count_paper()
                    if isinstance(event, Cut):
                        finished.append(self._current)
                        self.receipts.append(self._current)
                        self._current = Picture()
                        self._lock.notify_all()
        for picture in finished:
            if self._on_receipt is not None:
                self._on_receipt(picture)
        return bytes(reply)

    def _kick(self, event: Kick) -> None:
        self.kicks.append(event)
        self._drawer_opened_at = time.monotonic()
        self._status = replace(self._status, drawer_pin3_high=True)

    def _count_paper(self) -> None:
        if self.paper_runs_out_after is None:
            return
        self.paper_runs_out_after -= 1
        if self.paper_runs_out_after <= 0:
            self.paper_runs_out_after = None
            self._status = replace(
                self._status, paper_end=True, stopped_paper_end=True, paper_near_end=True
            )

    def _close_drawer_if_due(self) -> None:
        opened = self._drawer_opened_at
        if (
            opened is not None
            and self._drawer_closes_after is not None
            and time.monotonic() - opened >= self._drawer_closes_after
        ):
            self._drawer_opened_at = None
            self._status = replace(self._status, drawer_pin3_high=False)


def main(argv: list[str] | None = None) -> int:
    """``kaunta emulate printer [--tcp PORT | --pty] [--columns N]``: serve an emulated
    printer and print every receipt it cuts, as text, until Ctrl+C."""
    import argparse

    from drivers.emulator_link import EmulatorServer, Link, PtyLink, TcpLink
    from drivers.escpos.decoder import render

    p = argparse.ArgumentParser(prog="kaunta emulate printer")
    p.add_argument("--tcp", type=int, metavar="PORT", help="listen on 127.0.0.1:PORT")
    p.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal (POSIX)")
    p.add_argument("--columns", type=int, default=42)
    p.add_argument("--paper-out", action="store_true", help="start with no paper")
    args = p.parse_args(argv)

    def show(picture: Picture) -> None:
        print("\n".join(render(picture, args.columns)), flush=True)

    model = PrinterEmulator(on_receipt=show)
    model.set_paper(out=args.paper_out)
    link: Link = PtyLink() if args.pty else TcpLink(args.tcp or 9100)
    server = EmulatorServer(link, model, name="printer-emulator").start()
    print(f"printer emulator on {server.url} (Ctrl+C to stop)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
