"""Run service calls off the GUI thread, deliver results back on it.

One worker thread runs every service call in submission order, so a fast burst of scans is
applied in the order the scanner sent them, and the database connection is only ever used
from that thread. Results and errors come back through a queued Qt signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

T = TypeVar("T")
log = logging.getLogger(__name__)


class ServiceRunner(QObject):
    """``submit(fn, on_ok, on_error)``: fn runs in the worker, callbacks on the GUI thread."""

    sig_done = Signal(object, object, object, object)  # on_ok, on_error, result, error
    sig_busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="services")
        self._pending = 0
        self._lock = threading.Lock()
        self.sig_done.connect(self._deliver)

    @property
    def pending(self) -> int:
        return self._pending

    def submit(
        self,
        fn: Callable[[], T],
        on_ok: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        with self._lock:
            self._pending += 1
            first = self._pending == 1
        if first:
            self.sig_busy_changed.emit(True)
        future: Future[T] = self._pool.submit(fn)
        future.add_done_callback(lambda f: self._finished(f, on_ok, on_error))

    def _finished(self, future: Future[Any], on_ok: Any, on_error: Any) -> None:
        error = future.exception()
        result = None if error else future.result()
        self.sig_done.emit(on_ok, on_error, result, error)

    def _deliver(self, on_ok: Any, on_error: Any, result: Any, error: Any) -> None:
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
        self._pool.shutdown(wait=True)
