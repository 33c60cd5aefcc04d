"""Refunds whose sale was not a KRA invoice, through the queue over real HTTP (the OSCU
simulator on 127.0.0.1): a return without a receipt (``original`` null) and a refund of
a sale the branch never queued (sold before eTIMS was set up) settle as "no credit
note": nothing is sent to KRA, no number is taken, nothing is parked and the 24 h queue
alert does not count them. A refund whose sale still waits or is in doubt is sent after
it, in order; one whose sale was refused stays parked behind it, as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync.etims.queue import EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import EtimsSandbox
from sync.etims.words import NO_CREDIT_NOTE
from tests.etims.docs import CASHIER, refund_body, sale_body

Pair = tuple[Submitter, SqliteQueue]
SAVE = "saveTrnsSalesOsdc"
DAY = timedelta(hours=24)


def no_receipt(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as a return without a receipt: no original, a manager's approval (the
    protocol's rule for such a return) and its reason."""
    body = dict(body)
    body["original"] = None
    body["approved_by"] = CASHIER
    body["lines"] = [{**ln, "original_line_id": None} for ln in body["lines"]]
    return body


def assert_settled_without_note(sub: Submitter, queue: SqliteQueue, refund_id: str) -> None:
    entry = queue.get(sub.branch, refund_id)
    assert entry is not None
    assert entry.state is EntryState.NO_CREDIT_NOTE
    assert entry.reason == NO_CREDIT_NOTE
    assert entry.invc_no is None
    assert entry.request is None
    assert entry.signature is None
    later = datetime.now(UTC) + 2 * DAY
    stats = queue.stats(sub.branch, later, DAY)
    assert (stats.waiting, stats.in_doubt, stats.parked) == (0, 0, 0)
    assert stats.no_credit_note == 1
    assert stats.oldest_unsigned is None
    assert not stats.alert


def test_a_return_without_a_receipt_is_settled_without_a_credit_note(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    refund = no_receipt(refund_body(sale_body([("SODA-500", 2)]), [(0, 1)]))
    sub.enqueue_refund(refund)
    result = sub.drain()
    assert (result.signed, result.parked, result.no_credit_note, result.stopped) == (0, 0, 1, "")
    assert box.calls[SAVE] == 0  # KRA got nothing
    assert_settled_without_note(sub, queue, refund["refund_id"])
    # it took no number: the next sale is the branch's first invoice
    sale = sale_body([("MILK-500", 1)])
    sub.enqueue_sale(sale)
    assert sub.drain().signed == 1
    signed = queue.get(sub.branch, sale["sale_id"])
    assert signed is not None
    assert signed.invc_no == 1
    assert sorted(box.device("00").invoices) == [1]
    assert box.device("00").gaps == []


def test_a_refund_of_a_sale_from_before_etims_is_settled_without_a_credit_note(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    before = sale_body([("SODA-500", 3)])  # sold before eTIMS: never queued
    refund = refund_body(before, [(0, 1)])
    sub.enqueue_refund(refund)
    first = sub.drain()
    assert (first.parked, first.no_credit_note) == (0, 1)
    # the same drain, again: it stays settled, nothing is sent or parked
    again = sub.drain()
    assert (again.signed, again.parked, again.no_credit_note) == (0, 0, 0)
    assert box.calls[SAVE] == 0
    assert_settled_without_note(sub, queue, refund["refund_id"])
    # the manager's "put back" is only for refused entries: it changes nothing here
    entry = queue.get(sub.branch, refund["refund_id"])
    assert entry is not None
    queue.unpark(sub.branch, entry.position, datetime.now(UTC))
    assert_settled_without_note(sub, queue, refund["refund_id"])


def test_a_refund_whose_sale_waits_is_sent_after_it(box: EtimsSandbox, submitter: Pair) -> None:
    sub, queue = submitter
    sale = sale_body([("SODA-500", 3)])
    sub.enqueue_sale(sale)
    refund = refund_body(sale, [(0, 1)])
    sub.enqueue_refund(refund)
    box.refuse()  # KRA away: the sale is numbered and in doubt, the refund waits
    stopped = sub.drain()
    assert stopped.stopped
    assert stopped.no_credit_note == 0
    waiting = queue.get(sub.branch, refund["refund_id"])
    assert waiting is not None
    assert waiting.state is EntryState.WAITING
    assert waiting.invc_no is None
    box.accept()
    result = sub.drain()
    assert (result.signed, result.parked, result.no_credit_note) == (2, 0, 0)
    note = box.device("00").invoices[2]
    assert note.kind == "R"
    assert note.body["orgInvcNo"] == 1
    signed = queue.get(sub.branch, refund["refund_id"])
    assert signed is not None
    assert signed.state is EntryState.SIGNED


def test_a_refund_whose_sale_was_refused_stays_parked(box: EtimsSandbox, submitter: Pair) -> None:
    sub, queue = submitter
    sale = sale_body([("SODA-500", 3)])
    sale["lines"][0]["sku"] = "NOT-REGISTERED"  # cannot be mapped: the sale parks
    sub.enqueue_sale(sale)
    refund = refund_body(sale_body([("SODA-500", 3)]), [(0, 1)])
    refund["original"] = {**refund["original"], "sale_id": sale["sale_id"]}
    sub.enqueue_refund(refund)
    result = sub.drain()
    assert (result.parked, result.no_credit_note) == (2, 0)
    entry = queue.get(sub.branch, refund["refund_id"])
    assert entry is not None
    assert entry.state is EntryState.PARKED
    assert "no KRA invoice yet" in entry.reason
    assert box.calls[SAVE] == 0
