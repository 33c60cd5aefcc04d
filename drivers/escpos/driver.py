"""One ESC/POS printer over a :class:`drivers.transport.Connection`.

Status (DLE EOT 1, 2 and 4, one query at a time, each answered before the next) is read
before and after every job: a printer that is not ready is not sent the job, and one that
ran out of paper during it reports the job as not printed, so the caller keeps it queued.
"""

from __future__ import annotations

from drivers.escpos import commands as cmd
from drivers.escpos.status import PrinterStatus, is_dle_eot_reply, parse_status
from drivers.transport import Connection, DeviceError, DeviceTimeout

#: Status queries per check: printer (offline, drawer), offline cause (cover, paper
#: stop, error) and roll paper (near end, end).
STATUS_QUERIES = (1, 2, 4)
CHUNK = 1024


class PrinterNotReady(DeviceError):
    """The printer cannot print now (paper out, cover open, offline); the job is not lost,
    the caller queues it. ``during_job`` when it happened part-way through."""

    def __init__(self, status: PrinterStatus, *, during_job: bool = False) -> None:
        super().__init__(status.describe())
        self.status = status
        self.during_job = during_job
        self.code = status.code


class EscPosPrinter:
    """Status, print, drawer: the blocking primitives the device worker calls."""

    def __init__(
        self,
        connection: Connection,
        *,
        status_timeout: float = 0.5,
        drawer_open_when_high: bool = True,
        drawer_pin: int = 2,
    ) -> None:
        self.connection = connection
        self.status_timeout = status_timeout
        self.drawer_open_when_high = drawer_open_when_high
        self.drawer_pin = drawer_pin

    def status(self) -> PrinterStatus:
        """Ask the printer how it is. :class:`DeviceTimeout` when it does not answer
        (powered off, wrong port or speed), :class:`drivers.transport.DeviceOffline` when
        the port is gone."""
        replies: dict[int, int] = {}
        self.connection.reset_input()
        for n in STATUS_QUERIES:
            self.connection.write(cmd.status_request(n))
            replies[n] = self._read_status_byte(n)
        return parse_status(replies)

    def _read_status_byte(self, n: int) -> int:
        # skip anything that is not a DLE EOT reply (ASB blocks, XON/XOFF, stray bytes)
        for _ in range(16):
            got = self.connection.read_exactly(1, self.status_timeout)[0]
            if is_dle_eot_reply(got):
                return got
        raise DeviceTimeout(f"no DLE EOT {n} reply among the bytes the printer sent")

    def print_job(self, data: bytes) -> PrinterStatus:
        """Send one encoded job with status checks around it; the status after it.

        :class:`PrinterNotReady` before sending (nothing printed) or after (``during_job``:
        the customer may hold half a receipt; print it again whole). A printer that was
        ready, took the whole job and is then slow to answer (busy printing, a loaded
        computer) has printed it: it is not sent again (a second receipt the customer
        did not ask for); its status before the job is returned, and the next check
        finds out how it is now.
        """
        before = self.status()
        if not before.ready:
            raise PrinterNotReady(before)
        for i in range(0, len(data), CHUNK):
            self.connection.write(data[i : i + CHUNK])
        try:
            after = self.status()
        except DeviceTimeout:
            return before
        if not after.ready:
            raise PrinterNotReady(after, during_job=True)
        return after

    def kick_drawer(self) -> bool:
        """Pulse the drawer solenoid on the configured pin; True when it went as the
        real-time pulse.

        A ready printer gets ``ESC p`` (every ESC/POS printer has it). One that is not
        ready (paper out, cover open, offline) or does not answer its status would keep
        ``ESC p`` in its buffer behind the print data it cannot print, so it gets the
        real-time ``DLE DC4 1`` instead, which it acts on at once: the cashier can give
        change while the receipt waits for paper.
        """
        try:
            ready = self.status().ready
        except DeviceTimeout:
            ready = False
        if ready:
            self.connection.write(cmd.drawer_kick(self.drawer_pin))
        else:
            self.connection.write(cmd.realtime_pulse(self.drawer_pin))
        return not ready

    def drawer_open(self, status: PrinterStatus | None = None) -> bool:
        """Whether the drawer is open, from DLE EOT 1 bit 2 (which level means "open"
        depends on the drawer's switch: a setting)."""
        s = status or self.status()
        return s.drawer_pin3_high == self.drawer_open_when_high
