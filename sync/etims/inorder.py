"""Drain a branch's queue in order, registering a product again just before the first
document that needs it in its new tax band.

KRA's record of an item names the tax band (``taxTyCd``) it was registered in, and the
mapping refuses a line sold in another band ("register it again with its VAT class").
After a product's VAT class changes, the sales before the change still carry the old band
and the sales after it the new one; ``saveItem`` upserts by ``itemCd``, so KRA holds one
band at a time. Registering the new band up front would strand the older sales still
waiting (an outage across the change), so the band is changed in queue order: everything
before the first document that needs another band is drained first (that document and
those behind it are fenced off, :class:`Fence`), then its products are registered again,
then the drain goes on. The till's worker and head office's round both drain this way
(:func:`drain_in_order`).

The fence is a view of the queue store for the :class:`~sync.etims.queue.Submitter`:
``head`` and ``waiting`` stop before the fenced position, every other call goes through
unchanged, so numbering, look-ups and the drain lock stay the store's own. (A waiting
entry is numbered only when it is the head or among the first waiting ones, so an entry
the fence hides is never numbered during that drain.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, cast

from sync.etims.queue import DrainResult, Entry, EntryState, QueueStore, Submitter

__all__ = ["Fence", "drain_in_order"]


class Fence:
    """``store`` as a submitter sees it while ``before`` is set: nothing at or after
    that position is the head or waiting (it is not numbered this drain). Every other
    attribute is the store's own (delegated), so the fence follows the store's interface
    as it grows; it is registered as a virtual :class:`QueueStore`."""

    def __init__(self, store: QueueStore) -> None:
        self.store = store
        self.before: int | None = None

    def as_store(self) -> QueueStore:
        """The fence, typed as the store it stands for (what :class:`Submitter` takes)."""
        return cast(QueueStore, self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def head(self, branch: str) -> Entry | None:
        entry = self.store.head(branch)
        if entry is None or self.before is None or entry.position < self.before:
            return entry
        return None

    def waiting(self, branch: str, limit: int) -> list[Entry]:
        found = self.store.waiting(branch, limit)
        if self.before is None:
            return found
        return [e for e in found if e.position < self.before]


QueueStore.register(Fence)


def drain_in_order(
    submitter: Submitter,
    fence: Fence,
    stale: Callable[[Entry], list[Mapping[str, Any]]],
    register: Callable[[list[Mapping[str, Any]]], None],
) -> DrainResult:
    """Drain ``submitter`` (whose store is ``fence``) up to the first waiting entry
    whose products ``stale`` says must be registered (again), ``register`` them, go on;
    each entry is registered for at most once per call (a product that cannot be
    registered lets its document through, to park saying why). ``register`` raising
    (KRA away) ends the drain there, raised; the fence is lifted whatever happens."""
    branch = submitter.branch
    signed = parked = 0
    notices: tuple[str, ...] = ()
    handled: set[int] = set()

    def total(result: DrainResult) -> DrainResult:
        """``result`` with the earlier passes' counts and notices added (why it stopped,
        and whether KRA refused the device, are the last pass's)."""
        return replace(
            result,
            signed=signed + result.signed,
            parked=parked + result.parked,
            notices=notices + result.notices,
        )

    try:
        while True:
            fence.before = None
            target: tuple[Entry, list[Mapping[str, Any]]] | None = None
            for entry in fence.store.entries(branch, (EntryState.WAITING,)):
                if entry.position in handled:
                    continue
                lines = stale(entry)
                if lines:
                    target = (entry, lines)
                    break
            if target is None:
                return total(submitter.drain())
            entry, lines = target
            fence.before = entry.position
            result = submitter.drain()
            fence.before = None
            if result.busy or result.stopped:
                return total(result)
            signed, parked = signed + result.signed, parked + result.parked
            notices += result.notices
            handled.add(entry.position)
            register(lines)
    finally:
        fence.before = None
