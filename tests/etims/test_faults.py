"""Every fault mode of the reference (7.10), through the queue: nothing lost, nothing
numbered twice; after any doubt the number is kept and looked up before a resend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.etims.client import OscuClient
from sync.etims.codes import ResultKind
from sync.etims.queue import EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import EtimsSandbox, Fault
from tests.etims.docs import sale_body

Pair = tuple[Submitter, SqliteQueue]
SAVE = "saveTrnsSalesOsdc"


def two_sales(sub: Submitter) -> list[str]:
    bodies = [sale_body([("SODA-500", 2)]), sale_body([("BREAD-400", 1)], tender="mpesa")]
    for body in bodies:
        sub.enqueue_sale(body)
    return [b["sale_id"] for b in bodies]


def settle(box: EtimsSandbox, sub: Submitter, queue: SqliteQueue, ids: list[str]) -> None:
    """After the fault: both sales signed, numbers 1 and 2, each once at the simulator."""
    box.release()
    result = sub.drain()
    assert result.stopped == ""
    entries = [queue.get(sub.branch, i) for i in ids]
    assert [e.invc_no if e else None for e in entries] == [1, 2]
    assert all(e is not None and e.state is EntryState.SIGNED for e in entries)
    assert sorted(box.device("00").invoices) == [1, 2]
    assert box.device("00").total == 2
    assert box.device("00").gaps == []


def first_in_doubt(sub: Submitter, queue: SqliteQueue, ids: list[str]) -> str:
    result = sub.drain()
    assert result.signed == 0
    entry = queue.get(sub.branch, ids[0])
    assert entry is not None
    assert entry.state is EntryState.IN_DOUBT
    assert entry.invc_no == 1
    second = queue.get(sub.branch, ids[1])
    assert second is not None
    assert second.invc_no is None  # nothing numbered behind an unresolved number
    return result.stopped


def test_connection_refused_keeps_the_sales_and_the_number(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.refuse()
    assert "refused" in first_in_doubt(sub, queue, ids)
    box.accept()
    settle(box, sub, queue, ids)
    assert box.calls["selectInvoiceDetails"] == 1  # looked up before the resend


@pytest.mark.parametrize("record", [False, True], ids=["not-recorded", "recorded-reply-lost"])
def test_a_hang_until_the_timeout_is_resolved_by_lookup_before_any_resend(
    box: EtimsSandbox, submitter: Pair, record: bool
) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.inject(Fault("hang", path=SAVE, record=record, seconds=30))
    assert "in time" in first_in_doubt(sub, queue, ids)
    assert (1 in box.device("00").invoices) is record
    settle(box, sub, queue, ids)
    assert box.calls["selectInvoiceDetails"] == 1
    # recorded: the look-up found it and it was not sent again; not recorded: resent once
    assert box.calls[SAVE] == (2 if record else 3)


@pytest.mark.parametrize("record", [False, True])
def test_a_dropped_connection_is_in_doubt_too(
    box: EtimsSandbox, submitter: Pair, record: bool
) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.inject(Fault("drop", path=SAVE, record=record))
    assert "broke" in first_in_doubt(sub, queue, ids)
    settle(box, sub, queue, ids)


def test_a_slow_reply_within_the_timeout_is_just_slow(box: EtimsSandbox, submitter: Pair) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.inject(Fault("slow", path=SAVE, seconds=0.3))
    settle(box, sub, queue, ids)
    assert box.calls["selectInvoiceDetails"] == 0


def test_a_reply_slower_than_the_timeout_is_in_doubt(box: EtimsSandbox, submitter: Pair) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.inject(Fault("slow", path=SAVE, seconds=2.5))  # the client waits 2 s
    first_in_doubt(sub, queue, ids)
    # whether the look-up comes before or after the slow call lands, it is signed once
    settle(box, sub, queue, ids)


@pytest.mark.parametrize("code", ["999", "991", "990"])
def test_server_trouble_codes_keep_the_number_and_retry_after_a_lookup(
    box: EtimsSandbox, submitter: Pair, code: str
) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.inject(Fault("code", path=SAVE, code=code))
    assert code in first_in_doubt(sub, queue, ids)
    settle(box, sub, queue, ids)


def test_an_html_error_page_is_in_doubt_not_a_crash(box: EtimsSandbox, submitter: Pair) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.inject(Fault("html", path=SAVE))
    assert "text/html" in first_in_doubt(sub, queue, ids)
    settle(box, sub, queue, ids)


def test_a_down_window_holds_everything_until_it_ends(box: EtimsSandbox, submitter: Pair) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    now = datetime.now(UTC)
    box.down = (now - timedelta(minutes=1), now + timedelta(hours=1))
    assert "503" in first_in_doubt(sub, queue, ids)
    assert sub.drain().signed == 0  # still down: the look-up fails too
    box.down = None
    settle(box, sub, queue, ids)


def test_a_lookup_that_fails_resends_nothing(box: EtimsSandbox, submitter: Pair) -> None:
    sub, queue = submitter
    ids = two_sales(sub)
    box.inject(Fault("hang", path=SAVE, record=True, seconds=30))
    first_in_doubt(sub, queue, ids)
    box.inject(Fault("code", path="selectInvoiceDetails", code="999"))
    assert sub.drain().signed == 0
    assert box.calls[SAVE] == 1
    settle(box, sub, queue, ids)


@pytest.mark.parametrize("mode", ["994", "stored"])
def test_a_resent_number_is_a_duplicate_or_the_stored_signature(
    box: EtimsSandbox, client: OscuClient, mode: str
) -> None:
    box.settings.duplicate = mode
    invoice = _one_invoice(client)
    first = client.submit(invoice)
    again = client.submit(invoice)
    if mode == "994":
        assert again.kind is ResultKind.DUPLICATE
    else:
        assert again.signature == first.signature
    assert box.device("00").total == 1


def test_gaps_are_accepted_and_logged_or_refused(box: EtimsSandbox, client: OscuClient) -> None:
    invoice = _one_invoice(client)
    assert client.submit({**invoice, "invcNo": 3}).kind is ResultKind.OK
    assert box.device("00").gaps == [(0, 3)]
    box.settings.reject_gaps = True
    refused = client.submit({**invoice, "invcNo": 7})
    assert refused.kind is ResultKind.REJECTED
    assert "invcNo" in refused.reason


def _one_invoice(client: OscuClient) -> dict[str, object]:
    from sync.etims.mapping import Registrar, sale_invoice
    from sync.etims.models import CodeCache
    from tests.etims.docs import items
    from tests.etims.test_client_sandbox import parsed

    cache = CodeCache()
    client.refresh_codes(cache, datetime.now(UTC))
    return sale_invoice(
        parsed(sale_body([("SODA-500", 1)])),
        invc_no=1,
        items=items(),
        rates=cache.tax_rates(),
        settings=client.settings,
        registrar=Registrar("t", "T"),
    )
