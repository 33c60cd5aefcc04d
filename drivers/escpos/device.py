"""The receipt printer as the till uses it: its own worker, a queue of receipts waiting
for paper, status reported to the handler, drawer kicks.

A sale never waits for paper: :meth:`ReceiptPrinter.print` returns at once with a future;
when the printer cannot print (paper out, cover open, offline, unplugged) the job is kept
in order and the cashier is told; the idle poll prints the queue as soon as the printer is
ready again, and reconnects a printer that was unplugged and plugged back in.

The drawer opens even when the receipt waits (the driver sends the real-time pulse to a
printer that is not ready). Where the printer reports the drawer's switch (DLE EOT 1 bit
2), every status check also watches it: a drawer left open longer than
``drawer_warn_after`` seconds is reported as the ``drawer`` device in warning, with a
``drawer_left_open`` message, and as ``drawer_closed`` once it is shut.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum

from drivers.escpos.driver import EscPosPrinter, PrinterNotReady
from drivers.escpos.status import PrinterStatus
from drivers.transport import Connection, DeviceError, PortSettings
from drivers.worker import DeviceHandler, DeviceState, DeviceStatus, DeviceWorker, NullHandler

log = logging.getLogger(__name__)


class PrintOutcome(StrEnum):
    PRINTED = "printed"
    QUEUED = "queued"  # kept; prints when the printer is ready


@dataclass(frozen=True, slots=True)
class PrintJob:
    job_id: str  # the receipt number (and "-copy" for reprints)
    data: bytes
    #: what is printed: "receipt", or "report" (an X or Z): a job that must wait says
    #: which, as the message code ``<kind>_queued``
    kind: str = "receipt"


def device_status(name: str, status: PrinterStatus) -> DeviceStatus:
    """A printer status as the sale screen's indicator shows it."""
    code = status.code
    state = (
        DeviceState.OK
        if code == "ok"
        else DeviceState.WARNING
        if code == "paper_near_end"
        else DeviceState.OFFLINE
        if code == "offline"
        else DeviceState.ERROR
    )
    return DeviceStatus(name, state, code, status.describe())


#: the device name under which the drawer's open-too-long warning is reported
DRAWER = "drawer"


class ReceiptPrinter:
    """One printer, one thread, one queue."""

    def __init__(
        self,
        settings: PortSettings,
        *,
        name: str = "printer",
        handler: DeviceHandler | None = None,
        poll_interval: float = 5.0,
        status_timeout: float = 0.5,
        drawer_open_when_high: bool = True,
        drawer_pin: int = 2,
        drawer_warn_after: float | None = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        #: seconds the drawer may stay open before the cashier is warned (None/0: never)
        self.drawer_warn_after = drawer_warn_after
        self._clock = clock
        self._drawer_since: float | None = None
        self._drawer_warned = False
        self.handler: DeviceHandler = handler or NullHandler()
        self.connection = Connection(settings)
        self.printer = EscPosPrinter(
            self.connection,
            status_timeout=status_timeout,
            drawer_open_when_high=drawer_open_when_high,
            drawer_pin=drawer_pin,
        )
        self._queue: deque[PrintJob] = deque()
        self._held: set[str] = set()  # jobs the cashier was told are waiting
        self._lock = threading.Lock()
        self._last: DeviceStatus | None = None
        self.worker = DeviceWorker(name, on_idle=self._poll, idle_interval=poll_interval)

    # -- called from any thread ----------------------------------------------------------

    def print(self, job: PrintJob) -> Future[PrintOutcome]:
        """Print ``job`` after the ones waiting; QUEUED when the printer cannot now."""
        return self.worker.submit(lambda: self._print(job))

    def kick_drawer(self) -> Future[None]:
        """Open the drawer (after a cash tender, or "no sale")."""
        return self.worker.submit(self._kick)

    def check(self) -> Future[DeviceStatus]:
        """Ask the printer now and report the result to the handler."""
        return self.worker.submit(self._check)

    def drawer_open(self) -> Future[bool]:
        return self.worker.submit(lambda: self.printer.drawer_open())

    @property
    def queued(self) -> list[str]:
        """Job ids waiting for the printer, oldest first."""
        with self._lock:
            return [j.job_id for j in self._queue]

    @property
    def last_status(self) -> DeviceStatus | None:
        return self._last

    def close(self) -> None:
        """Finish the jobs handed in, stop the worker, let the port go."""
        self.worker.stop()
        self.connection.close()

    def hand_over(self) -> list[PrintJob]:
        """After :meth:`close`: the receipts still waiting for paper, oldest first, for
        the printer that takes this one's place (new settings), so none is lost."""
        with self._lock:
            jobs = list(self._queue)
            self._queue.clear()
        return jobs

    def take_over(self, jobs: list[PrintJob]) -> Future[None]:
        """Receipts another printer could not print (:meth:`hand_over`): queued ahead of
        anything new, printed when this printer is ready (the cashier was told)."""

        def adopt() -> None:
            with self._lock:
                self._queue.extendleft(reversed(jobs))
            self._held.update(j.job_id for j in jobs)
            self._drain()

        return self.worker.submit(adopt)

    # -- on the device thread ------------------------------------------------------------

    def _print(self, job: PrintJob) -> PrintOutcome:
        with self._lock:
            self._queue.append(job)
        self._drain()
        with self._lock:
            return PrintOutcome.QUEUED if job in self._queue else PrintOutcome.PRINTED

    def _drain(self) -> None:
        """Print queued jobs in order until one cannot be printed."""
        printed_backlog = 0
        while True:
            with self._lock:
                if not self._queue:
                    break
                job = self._queue[0]
            try:
                status = self.printer.print_job(job.data)
            except PrinterNotReady as exc:
                self._held.add(job.job_id)
                self._report(device_status(self.name, exc.status))
                when = "while printing" if exc.during_job else "before printing"
                self.handler.message(
                    self.name,
                    f"{job.kind}_queued",
                    f"{job.kind.capitalize()} {job.job_id} not printed: "
                    f"{exc.status.describe()} ({when}). "
                    "It will print when the printer is ready.",
                )
                return
            except DeviceError as exc:
                self._held.add(job.job_id)
                self._report(DeviceStatus(self.name, DeviceState.OFFLINE, exc.code, str(exc)))
                self.handler.message(
                    self.name,
                    f"{job.kind}_queued",
                    f"{job.kind.capitalize()} {job.job_id} not printed: "
                    f"printer cannot be reached ({exc}). "
                    "It will print when the printer is back.",
                )
                return
            with self._lock:
                self._queue.popleft()
            if job.job_id in self._held:
                self._held.discard(job.job_id)
                printed_backlog += 1
            self._report(device_status(self.name, status))
            self._watch_drawer(status)
        if printed_backlog:
            self.handler.message(
                self.name, "queue_printed", "Receipts that were waiting have been printed."
            )

    def _kick(self) -> None:
        try:
            self.printer.kick_drawer()
        except DeviceError as exc:
            self._report(DeviceStatus(self.name, DeviceState.OFFLINE, exc.code, str(exc)))
            raise
        if self._drawer_since is None:
            self._drawer_since = self._clock()  # the open-too-long clock starts now

    def _check(self, *, always: bool = True) -> DeviceStatus:
        try:
            status = self.printer.status()
        except DeviceError as exc:
            result = DeviceStatus(self.name, DeviceState.OFFLINE, exc.code, str(exc))
        else:
            result = device_status(self.name, status)
            self._watch_drawer(status)
        self._report(result, always=always)
        return result

    def _watch_drawer(self, status: PrinterStatus) -> None:
        """Warn once when the drawer has been open too long; say so when it is shut."""
        if not self.drawer_warn_after:
            return
        if not self.printer.drawer_open(status):
            self._drawer_since = None
            if self._drawer_warned:
                self._drawer_warned = False
                self.handler.status(
                    DeviceStatus(DRAWER, DeviceState.OK, "drawer_closed", "cash drawer closed")
                )
                self.handler.message(DRAWER, "drawer_closed", "The cash drawer is closed.")
            return
        now = self._clock()
        if self._drawer_since is None:
            self._drawer_since = now
        if not self._drawer_warned and now - self._drawer_since >= self.drawer_warn_after:
            self._drawer_warned = True
            seconds = round(now - self._drawer_since)
            self.handler.status(
                DeviceStatus(
                    DRAWER,
                    DeviceState.WARNING,
                    "drawer_open",
                    f"cash drawer open for {seconds} s",
                )
            )
            self.handler.message(
                DRAWER,
                "drawer_left_open",
                f"The cash drawer has been open for {seconds} seconds: close it.",
            )

    def _poll(self) -> None:
        """Idle: see how the printer is (reopening a lost port); print what waits."""
        status = self._check(always=False)
        with self._lock:
            waiting = bool(self._queue)
        if waiting and status.state in (DeviceState.OK, DeviceState.WARNING):
            self._drain()

    def _report(self, status: DeviceStatus, *, always: bool = False) -> None:
        if always or status != self._last:
            self._last = status
            self.handler.status(status)
