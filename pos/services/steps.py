"""Service calls that wait on the network without holding the till worker.

A use case that must call a gateway is written as a generator: it does its store work,
then ``yield``\\ s a :class:`NetCall` (the gateway call, nothing else) and receives its
result (or has its exception raised at the ``yield``). Whoever drives the generator
decides where each part runs:

* the UI's runner runs the store work on the till worker and each ``NetCall`` on the
  network executor, so a gateway that never answers delays only that payment, never a scan;
* tests, the CLI and benchmarks drive it inline with :func:`run_inline`.

This is the shape Anki gives collection ops and network ops (two executors, one small
helper), with the hop back expressed by the generator instead of nested callbacks. A
``NetCall`` must not touch the database or any service state: it only talks to the network.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class NetCall(Generic[R]):
    """Run ``fn`` on the network executor; its result is sent back into the generator."""

    fn: Callable[[], R]
    what: str = ""  # for logs: "mpesa.status 019..."


#: A use case that may wait on the network: yields NetCalls, returns its result.
Steps = Generator[NetCall[Any], Any, T]


def _nothing() -> None:
    return None


#: Yielded by a long background use case between its store parts (``yield PAUSE``): no
#: network call; the driver puts the rest back in the till worker's queue, so work a
#: person waits for (a scan) that arrived meanwhile runs first. Inline it is a no-op.
PAUSE: NetCall[None] = NetCall(_nothing, "pause")


def run_inline(steps: Steps[T]) -> T:
    """Drive ``steps`` to the end on the calling thread (network calls included)."""
    try:
        call = next(steps)
        while True:
            try:
                value = call.fn()
            except Exception as exc:  # raised inside the generator, where it is handled
                call = steps.throw(exc)
            else:
                call = steps.send(value)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
