"""Run service calls off the GUI thread, deliver results back on it.

Store and basket work runs on the till worker (one thread, submission order: scans land in
scan order; the database is used from there). A use case that calls a gateway is a
generator of :mod:`pos.services.steps`: its store parts run on the till worker, each
network call it yields runs on the shared network executor, and its continuation hops back
to the till worker, so a gateway that never answers delays only that payment. Results and
errors come back to the GUI thread through a queued Qt signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from pos.services.steps import NetCall
from pos.services.workers import Worker, WorkerClosed, drive_steps

T = TypeVar("T")
log = logging.getLogger(__name__)

#: how many gateway calls may be in flight at once (one hanging gateway leaves the rest)
NETWORK_THREADS = 4


def network_executor() -> Worker:
    """The network executor: daemon threads, never joined when the app closes."""
    return Worker("network", threads=NETWORK_THREADS, daemon=True)


class ServiceRunner(QObject):
    """``submit(fn, on_ok, on_error)``: fn runs in the worker, callbacks on the GUI thread;
    ``submit_steps``: a generator whose network calls run on the network executor."""

    sig_done = Signal(object, object, object, object, bool)  # ok, error cb, result, error, counted
    sig_busy_changed = Signal(bool)

    def __init__(
        self, parent: QObject | None = None, *, network: Worker | None = None, name: str = "till"
    ) -> None:
        super().__init__(parent)
        # a daemon thread too: the window's close finishes its queued store work
        # (``shutdown``); a process that ends without closing the window never hangs on it
        self._worker = Worker(name, daemon=True)
        self._own_network = network is None
        self._network = network or network_executor()
        self._pending = 0
        self._lock = threading.Lock()
        self.sig_done.connect(self._deliver)

    @property
    def pending(self) -> int:
        """Calls submitted and not yet delivered, background polls not counted: zero means
        everything the cashier (or a test acting as one) asked for has been answered."""
        return self._pending

    @property
    def network(self) -> Worker:
        return self._network

    def _begin(self) -> None:
        with self._lock:
            self._pending += 1
            first = self._pending == 1
        if first:
            self.sig_busy_changed.emit(True)

    def submit(
        self,
        fn: Callable[[], T],
        on_ok: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn`` on the till worker."""
        self._run_on(self._worker, fn, on_ok, on_error)

    def call_and_wait(self, fn: Callable[[], T], timeout: float | None = 60.0) -> T:
        """Run ``fn`` on the till worker and wait for its result, for another worker
        (the sync agent applying a relayed payment); never call it on the GUI thread."""
        return self._worker.submit(fn).result(timeout)

    def submit_network(
        self,
        fn: Callable[[], T],
        on_ok: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn`` (network only: no store, no basket) on the network executor."""
        self._run_on(self._network, fn, on_ok, on_error)

    def poll_network(
        self,
        fn: Callable[[], T],
        on_ok: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Like :meth:`submit_network` for a poll a timer repeats on its own (the training
        phone asking the sandboxes for prompts): not counted in :attr:`pending`, so a
        slow poll that the next tick follows at once never keeps the till looking busy."""
        self._run_on(self._network, fn, on_ok, on_error, counted=False)

    def _run_on(
        self,
        worker: Worker,
        fn: Callable[[], T],
        on_ok: Callable[[T], None] | None,
        on_error: Callable[[BaseException], None] | None,
        *,
        counted: bool = True,
    ) -> None:
        try:
            future = worker.submit(fn)
        except WorkerClosed:
            return  # closing: nobody is left to show the result
        if counted:
            self._begin()
        future.add_done_callback(lambda f: self._finished(f, on_ok, on_error, counted))

    def submit_steps(
        self,
        make: Callable[[], Generator[NetCall[Any], Any, T]],
        on_ok: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        background: bool = False,
    ) -> None:
        """Drive a use case written as steps: store parts on the till worker, network
        calls on the network executor, the result on the GUI thread. ``background``: a
        pass nobody waits on (the payment re-check), whose store parts let the cashier's
        queued work go first."""
        try:
            future = drive_steps(self._worker, self._network, make, background=background)
        except WorkerClosed:
            return  # closing: nobody is left to show the result
        self._begin()

        def finished(f: Future[T]) -> None:
            if f.cancelled():
                return  # the app is closing
            self._finished(f, on_ok, on_error, True)

        future.add_done_callback(finished)

    def _finished(self, future: Future[Any], on_ok: Any, on_error: Any, counted: bool) -> None:
        error = future.exception()
        result = None if error else future.result()
        self.sig_done.emit(on_ok, on_error, result, error, counted)

    def _deliver(self, on_ok: Any, on_error: Any, result: Any, error: Any, counted: bool) -> None:
        idle = False
        if counted:
            with self._lock:
                self._pending -= 1
                idle = self._pending == 0
        try:
            if error is not None:
                if on_error is not None:
                    on_error(error)
                else:
                    log.error("unhandled service error", exc_info=error)
            elif on_ok is not None:
                on_ok(result)
        finally:
            if idle:
                self.sig_busy_changed.emit(False)

    def shutdown(self) -> None:
        """Finish queued store work; never wait for the network."""
        if self._own_network:
            self._network.shutdown(wait=False)
        self._worker.shutdown(wait=True, timeout=10)
