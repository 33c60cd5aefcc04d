"""One worker thread per device: a job queue, results as futures, talk to the user
through a handler.

Nothing that touches a port runs on the GUI thread or the till worker: callers
:meth:`DeviceWorker.submit` a job (a function taking no arguments) and get a
:class:`concurrent.futures.Future`; the job runs on the device's own thread, in submission
order. While the queue is idle the worker calls an optional ``on_idle`` job every
``idle_interval`` seconds, which drivers use to poll status and to reconnect a device that
was unplugged and plugged back in.

Drivers report to the user through a :class:`DeviceHandler` (status changes, messages,
yes/no questions). Its methods are called on the device thread; a Qt implementation hops
to the GUI thread itself (and blocks the device thread in ``confirm`` until answered).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")


class DeviceState(StrEnum):
    """How a device is, as the sale screen shows it."""

    UNKNOWN = "unknown"  # not asked yet
    OK = "ok"
    WARNING = "warning"  # works, but needs attention soon (paper low)
    ERROR = "error"  # present but cannot work (paper out, cover open)
    OFFLINE = "offline"  # cannot be reached (unplugged, powered off)


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device's state plus a stable ``code`` (``paper_near_end``, ``cover_open``…) that
    the UI translates, and an English ``detail`` for logs and the diagnostics screen."""

    device: str
    state: DeviceState
    code: str = ""
    detail: str = ""


class DeviceHandler(Protocol):
    """What a driver may ask of the user interface. Called on the device thread."""

    def status(self, status: DeviceStatus) -> None:
        """The device's state changed (or was checked)."""

    def message(self, device: str, code: str, text: str) -> None:
        """Tell the user something (``code`` stable, ``text`` English)."""

    def confirm(self, device: str, code: str, text: str) -> bool:
        """Ask the user yes or no; blocks the device thread until answered."""


class NullHandler:
    """A handler that records nothing and answers "no": for the CLI and benchmarks."""

    def status(self, status: DeviceStatus) -> None:
        log.debug("device status %s", status)

    def message(self, device: str, code: str, text: str) -> None:
        log.info("%s: %s", device, text)

    def confirm(self, device: str, code: str, text: str) -> bool:
        return False


class RecordingHandler:
    """A handler that keeps what it was told (tests, diagnostics). Thread-safe."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.statuses: list[DeviceStatus] = []
        self.messages: list[tuple[str, str, str]] = []
        self.questions: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def status(self, status: DeviceStatus) -> None:
        with self._lock:
            self.statuses.append(status)

    def message(self, device: str, code: str, text: str) -> None:
        with self._lock:
            self.messages.append((device, code, text))

    def confirm(self, device: str, code: str, text: str) -> bool:
        with self._lock:
            self.questions.append((device, code, text))
        return self.answer


_STOP = object()


class DeviceWorker:
    """The one thread that owns a device's port.

    >>> w = DeviceWorker("printer")
    >>> w.submit(lambda: 2 + 2).result()
    4
    >>> w.stop()
    """

    def __init__(
        self,
        name: str,
        *,
        on_idle: Callable[[], None] | None = None,
        idle_interval: float = 5.0,
    ) -> None:
        self.name = name
        self._on_idle = on_idle
        self._idle_interval = idle_interval
        self._jobs: queue.Queue[object] = queue.Queue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"device-{name}", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T]) -> Future[T]:
        """Run ``job`` on the device thread after the jobs before it; its result or
        exception arrives in the returned future."""
        if self._stopped.is_set():
            raise RuntimeError(f"device worker {self.name} is stopped")
        future: Future[T] = Future()
        self._jobs.put((job, future))
        return future

    def call(self, job: Callable[[], T], timeout: float | None = None) -> T:
        """:meth:`submit` and wait (tests, command-line tools; never from the GUI)."""
        if threading.current_thread() is self._thread:
            return job()
        return self.submit(job).result(timeout)

    @property
    def pending(self) -> int:
        """Jobs waiting (not counting the one running)."""
        return self._jobs.qsize()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the queued jobs, then end the thread."""
        if not self._stopped.is_set():
            self._stopped.set()
            self._jobs.put(_STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                item = self._jobs.get(timeout=self._idle_interval if self._on_idle else None)
            except queue.Empty:
                self._idle()
                continue
            if item is _STOP:
                return
            job, future = cast("tuple[Callable[[], object], Future[object]]", item)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = job()
            except BaseException as exc:  # delivered to the caller, not lost
                future.set_exception(exc)
            else:
                future.set_result(result)

    def _idle(self) -> None:
        if self._on_idle is None or self._stopped.is_set():
            return
        try:
            self._on_idle()
        except Exception:  # an idle poll must never kill the device thread
            log.exception("idle poll of %s failed", self.name)
