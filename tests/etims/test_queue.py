"""The branch queue over real HTTP: order, gap-free numbers, credit notes, parking,
the manager's view, and what is stored (immutable, chained)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from sync.etims.queue import EntryKind, EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import EtimsSandbox
from tests.etims.docs import PRODUCTS, refund_body, sale_body

Pair = tuple[Submitter, SqliteQueue]
TENDERS = ("cash", "mpesa", "card", "paypal")
SKUS = sorted(PRODUCTS)


def signed_numbers(queue: SqliteQueue, branch: str) -> list[int]:
    return [e.invc_no for e in queue.entries(branch, (EntryState.SIGNED,)) if e.invc_no]


def test_a_day_of_sales_is_signed_in_order_with_gap_free_numbers(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    for i in range(24):
        lines = [(SKUS[i % 5], 1 + i % 3), (SKUS[(i + 2) % 5], 2)]
        sub.enqueue_sale(
            sale_body(
                lines,
                tender=TENDERS[i % 4],
                line_discount="5" if i % 6 == 0 else None,
                order_discount="3" if i % 7 == 0 else None,
            )
        )
    result = sub.drain()
    assert (result.signed, result.parked, result.stopped) == (24, 0, "")
    entries = queue.entries(sub.branch, (EntryState.SIGNED,))
    assert [e.invc_no for e in entries] == list(range(1, 25))
    assert [e.position for e in entries] == sorted(e.position for e in entries)
    assert sorted(box.device("00").invoices) == list(range(1, 25))
    assert box.device("00").gaps == []
    assert all(e.signature and e.signature.cur_rcpt_no == e.invc_no for e in entries)
    assert queue.verify_chain(sub.branch)
    stats = sub.stats()
    assert (stats.waiting, stats.in_doubt, stats.signed, stats.parked) == (0, 0, 24, 0)
    assert not stats.alert


def test_enqueueing_the_same_document_twice_queues_it_once(submitter: Pair) -> None:
    sub, _queue = submitter
    body = sale_body([("SODA-500", 1)])
    assert sub.enqueue_sale(body) == sub.enqueue_sale(body)
    assert sub.drain().signed == 1


def test_signed_results_cannot_be_changed_and_a_rewrite_breaks_the_chain(
    submitter: Pair,
) -> None:
    sub, queue = submitter
    sub.enqueue_sale(sale_body([("SODA-500", 1)]))
    sub.enqueue_sale(sale_body([("MILK-500", 1)]))
    sub.drain()
    db = sqlite3.connect(queue.path)
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        db.execute("UPDATE etims_signed SET signature = '{}'")
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        db.execute("DELETE FROM etims_signed")
    db.execute("DROP TRIGGER etims_signed_no_update")
    db.execute(
        "UPDATE etims_signed SET signature = replace(signature, '\"cur_rcpt_no\": 1', "
        "'\"cur_rcpt_no\": 7') WHERE invc_no = 1"
    )
    db.commit()
    db.close()
    assert not queue.verify_chain(sub.branch)


def test_credit_notes_take_the_next_number_the_original_and_its_pin(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, _queue = submitter
    sale = sale_body([("SODA-500", 3), ("MILK-500", 2)], customer=("A000123456F", "Wanjiku"))
    sub.enqueue_sale(sale)
    sub.enqueue_sale(sale_body([("TEA-250", 1)]))
    sub.enqueue_refund(refund_body(sale, [(0, 2)], reason_code="damaged"))
    assert sub.drain().signed == 3
    note = box.device("00").invoices[3]
    assert note.kind == "R"
    assert note.body["orgInvcNo"] == 1
    assert note.body["rfdRsnCd"] == "03"
    assert note.body["custTin"] == "A000123456F"
    assert note.cur_rcpt_no == 1  # the credit-note counter
    assert note.tot_rcpt_no == 3


def test_a_credit_note_never_credits_more_than_its_invoice(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    sale = sale_body([("SODA-500", 3)])
    sub.enqueue_sale(sale)
    sub.enqueue_refund(refund_body(sale, [(0, 2)]))
    too_much = refund_body(sale, [(0, 2)])
    sub.enqueue_refund(too_much)
    result = sub.drain()
    assert (result.signed, result.parked) == (2, 1)
    parked = queue.get(sub.branch, too_much["refund_id"])
    assert parked is not None
    assert parked.state is EntryState.PARKED
    assert "only 3 were sold" in parked.reason
    assert sorted(box.device("00").invoices) == [1, 2]


def test_a_credit_note_with_another_pin_is_parked_not_sent(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    sale = sale_body([("SODA-500", 1)], customer=("A000123456F", "Wanjiku"))
    sub.enqueue_sale(sale)
    other = refund_body(sale, [(0, 1)], customer={"tax_pin": "A000999999Z", "name": "X"})
    sub.enqueue_refund(other)
    assert sub.drain().parked == 1
    entry = queue.get(sub.branch, other["refund_id"])
    assert entry is not None
    assert "customer PIN" in entry.reason
    assert box.calls["saveTrnsSalesOsdc"] == 1


def test_a_clean_rejection_parks_the_sale_gives_the_number_back_and_waits_for_the_manager(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    box.settings.require_registered_items = True
    box.device("00").items["KE2NTU00000000000005"] = {"itemCd": "KE2NTU00000000000005"}
    first = sale_body([("MILK-500", 1)])  # not registered at the simulator
    sub.enqueue_sale(first)
    sub.enqueue_sale(sale_body([("TEA-250", 1)]))  # TEA-250 is item 5
    result = sub.drain()
    assert (result.signed, result.parked) == (1, 1)
    entry = queue.get(sub.branch, first["sale_id"])
    assert entry is not None
    assert entry.state is EntryState.PARKED
    assert entry.invc_no is None
    assert "910" in entry.reason
    assert "itemCd" in entry.reason
    assert signed_numbers(queue, sub.branch) == [1]
    assert sub.stats().parked == 1
    assert box.calls["saveTrnsSalesOsdc"] == 2
    assert sub.drain().signed == 0  # parked: never retried blindly
    assert box.calls["saveTrnsSalesOsdc"] == 2
    box.settings.require_registered_items = False
    queue.unpark(sub.branch, entry.position, datetime.now(UTC))
    assert sub.drain().signed == 1
    assert sorted(signed_numbers(queue, sub.branch)) == [1, 2]


def test_an_old_queue_raises_the_alert(submitter: Pair, box: EtimsSandbox) -> None:
    sub, queue = submitter
    box.refuse()
    queue.enqueue(
        sub.branch,
        "x",
        EntryKind.SALE,
        sale_body([("SODA-500", 1)]),
        datetime.now(UTC) - timedelta(hours=25),
    )
    stats = sub.stats()
    assert stats.waiting == 1
    assert stats.alert
    assert stats.oldest_age is not None
    assert stats.oldest_age > timedelta(hours=24)
