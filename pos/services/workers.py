"""Named worker threads: the one small helper every part of the till runs its work on.

"Run this there, call back here": :class:`Worker` runs callables on its own thread(s) in
submission order and hands back a :class:`~concurrent.futures.Future`; whoever submitted
decides where the result is delivered (the UI's runner hops it onto the GUI thread with a
queued Qt signal; a device worker or the sync agent handles it on its own thread).

The till has (see docs/architecture.md):

* the **till worker**: store and basket work, one thread, in submission order; work a
  person is waiting for (a scan) goes before queued background work (the 30-second
  payment re-check), see :meth:`Worker.submit_background`;
* the **network executor**: gateway and head-office calls, a few daemon threads, so a
  call that never returns never delays the till and never holds up closing the app;
* a **background** worker for long read-only checks (audit chain at start-up);
* later one worker per device, and the sync agent's own.

Workers marked ``daemon`` are not joined at exit: closing the app never waits on a
network call. Their unfinished work is lost by design; everything it would have changed
is stored first (payment attempts) and resolved on the next start.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import Any, TypeVar

from pos.services.steps import PAUSE, NetCall

T = TypeVar("T")
log = logging.getLogger(__name__)


class WorkerClosed(RuntimeError):
    """Work was submitted after the worker was shut down (the app is closing)."""


class Worker:
    """``threads`` threads taking callables from two queues (one thread: strict order
    within each): :meth:`submit` for work someone waits on, :meth:`submit_background`
    for work nobody is waiting on. A thread always takes the oldest foreground item
    first, so a scan submitted while a re-check's store part is still queued runs
    before it (one that has already started finishes first: nothing is interrupted)."""

    def __init__(self, name: str, *, threads: int = 1, daemon: bool = False) -> None:
        self.name = name
        self._fore: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._back: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._closed = False
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._threads = [
            threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=daemon)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` on this worker, before any queued background work."""
        return self._put(self._fore, fn, args)

    def submit_background(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` when no foreground work is queued (re-checks, housekeeping)."""
        return self._put(self._back, fn, args)

    def _put(
        self,
        into: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]],
        fn: Callable[..., T],
        args: tuple[Any, ...],
    ) -> Future[T]:
        future: Future[T] = Future()
        with self._ready:
            if self._closed:
                raise WorkerClosed(f"the {self.name} worker is shut down")
            into.append((future, fn, args))
            self._ready.notify()
        return future

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._fore and not self._back:
                    if self._closed:
                        return  # shut down and nothing left queued
                    self._ready.wait()
                future, fn, args = (self._fore or self._back).popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, *, wait: bool = True, timeout: float | None = None) -> None:
        """Stop taking work; ``wait``: finish what is queued (up to ``timeout`` seconds)."""
        with self._ready:
            if self._closed:
                return
            self._closed = True
            self._ready.notify_all()
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join(timeout)


def drive_steps(
    till: Worker,
    network: Worker,
    make: Callable[[], Generator[NetCall[Any], Any, T]],
    *,
    background: bool = False,
) -> Future[T]:
    """Run a use case written as steps: its store parts on ``till``, each network call it
    yields on ``network``, the continuation back on ``till``. The future holds the result
    (or the error). If either worker closes meanwhile, the future is cancelled: what the
    use case stored before its network call is resolved on the next start.
    ``background``: its store parts wait for queued foreground work (a re-check nobody is
    waiting on never delays a scan that is already queued)."""
    on_till = till.submit_background if background else till.submit
    outcome: Future[T] = Future()
    outcome.set_running_or_notify_cancel()

    def advance(steps: Generator[NetCall[Any], Any, T], step: Callable[[], NetCall[Any]]) -> None:
        try:
            call = step()
        except StopIteration as stop:
            outcome.set_result(stop.value)
            return
        except BaseException as exc:
            outcome.set_exception(exc)
            return
        if call is PAUSE:  # no network: back in the queue, behind what arrived meanwhile
            try:
                on_till(advance, steps, lambda: steps.send(None))
            except WorkerClosed:
                steps.close()
                outcome.cancel()
            return
        try:
            future = network.submit(call.fn)
        except WorkerClosed:
            steps.close()
            outcome.cancel()
            return

        def back(f: Future[Any]) -> None:
            error = f.exception()
            resume: Callable[[], NetCall[Any]] = (
                (lambda: steps.throw(error))
                if error is not None
                else (lambda: steps.send(f.result()))
            )
            try:
                on_till(advance, steps, resume)
            except WorkerClosed:
                log.info("closing: %s left unfinished (stored, resolved next start)", call.what)
                outcome.cancel()

        future.add_done_callback(back)

    def first() -> None:
        try:
            steps = make()
        except BaseException as exc:
            outcome.set_exception(exc)
            return
        advance(steps, lambda: next(steps))

    on_till(first)
    return outcome
