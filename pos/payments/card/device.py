"""The card terminal as a device: one worker thread owns its port; payments are jobs.

The payment method never touches the port itself. Everything it asks of the terminal is
a job on the terminal's :class:`drivers.worker.DeviceWorker`, in order; the method runs
on the network executor and waits there for quick questions (last transaction, status
enquiry, reversal), while a payment runs as a long job it only looks at: its latest
terminal text, whether it ended, how. An abort from the till is an event the running job
sees between two messages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from drivers.transport import Connection, DeviceError, PortSettings
from drivers.worker import DeviceWorker
from drivers.zvt.codes import ABORTED
from drivers.zvt.link import LinkError, SerialLink, TcpLink
from drivers.zvt.terminal import Outcome, Timeouts, ZvtTerminal
from pos.domain.messages import text

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TerminalSettings:
    """How to reach the terminal: the port, ``tcp`` (bare APDUs, port 20007) or ``serial``
    (framed; also a serial-over-TCP bridge on ``socket://``), its password, timeouts."""

    port: PortSettings
    protocol: str = "serial"
    password: int = 0
    currency: str = "KES"
    answer_timeout: float = 5.0
    transaction_timeout: float = 180.0
    ack_timeout: float = 1.0

    def __post_init__(self) -> None:
        if self.protocol not in ("serial", "tcp"):
            raise ValueError(f"protocol: {self.protocol!r} (use serial or tcp)")
        if not 0 <= self.password <= 999999:
            raise ValueError("password: the terminal password has up to 6 digits")


#: what a job says until the terminal's first status (translated where it is shown)
SENDING_TEXT = text("Sending the amount to the card terminal…")


@dataclass(slots=True)
class PaymentJob:
    """A payment (or refund) running on the terminal."""

    attempt_id: str
    amount_minor: int
    abort: threading.Event = field(default_factory=threading.Event)
    text: str = SENDING_TEXT  # then the terminal's texts, as ``on_status`` gives them
    future: Future[Outcome] | None = None

    def set_text(self, text: str) -> None:
        self.text = text

    @property
    def done(self) -> bool:
        return self.future is not None and self.future.done()


class CardTerminalDevice:
    """One ZVT terminal behind one port and one worker thread."""

    def __init__(self, settings: TerminalSettings) -> None:
        self.settings = settings
        self._connection = Connection(settings.port)
        self._worker = DeviceWorker("card-terminal")
        self._jobs: dict[str, PaymentJob] = {}
        self._lock = threading.Lock()

    def _terminal(self) -> ZvtTerminal:
        s = self.settings
        link = (
            TcpLink(self._connection)
            if s.protocol == "tcp"
            else SerialLink(self._connection, ack_timeout=s.ack_timeout)
        )
        return ZvtTerminal(
            link, s.password, s.currency, Timeouts(s.answer_timeout, s.transaction_timeout)
        )

    def _guarded(self, fn: Callable[[ZvtTerminal], T]) -> Callable[[], T]:
        def job() -> T:
            try:
                return fn(self._terminal())
            except (LinkError, DeviceError):
                self._connection.drop()  # start clean: reopened by the next command
                raise

        return job

    def run(self, fn: Callable[[ZvtTerminal], T], timeout: float | None = None) -> T:
        """Run ``fn`` on the terminal's worker and wait for it (never call from the GUI
        thread or the till worker: from the network executor or a tool)."""
        limit = timeout if timeout is not None else self.settings.answer_timeout * 3 + 5
        return self._worker.submit(self._guarded(fn)).result(limit)

    def begin(self, attempt_id: str, amount_minor: int, *, refund: bool = False) -> PaymentJob:
        """Start a payment (or a refund to a card) as a job; answers at once."""
        job = PaymentJob(attempt_id, amount_minor)

        def go(terminal: ZvtTerminal) -> Outcome:
            if job.abort.is_set():  # cancelled while still queued: never sent
                return Outcome(abort_code=ABORTED)
            action: Any = terminal.refund if refund else terminal.pay
            outcome: Outcome = action(amount_minor, on_status=job.set_text, abort=job.abort)
            return outcome

        with self._lock:
            self._jobs[attempt_id] = job
            job.future = self._worker.submit(self._guarded(go))
        return job

    def job(self, attempt_id: str) -> PaymentJob | None:
        with self._lock:
            return self._jobs.get(attempt_id)

    def forget(self, attempt_id: str) -> None:
        with self._lock:
            self._jobs.pop(attempt_id, None)

    def close(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.abort.set()
        self._worker.stop()
        self._connection.close()


_devices: dict[TerminalSettings, CardTerminalDevice] = {}
_devices_lock = threading.Lock()


def device_for(settings: TerminalSettings) -> CardTerminalDevice:
    """The one device object for these settings: methods rebuilt after a settings save
    share the worker (and a payment in flight) instead of opening the port twice."""
    with _devices_lock:
        device = _devices.get(settings)
        if device is None:
            for other_settings, other in list(_devices.items()):
                if other_settings.port.url == settings.port.url:
                    other.close()  # same port, new line settings: one owner only
                    del _devices[other_settings]
            device = _devices[settings] = CardTerminalDevice(settings)
        return device


def close_all() -> None:
    with _devices_lock:
        for device in _devices.values():
            device.close()
        _devices.clear()
