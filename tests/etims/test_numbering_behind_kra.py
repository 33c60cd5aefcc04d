"""A branch counter behind KRA's never hands a sale another sale's signature, and a
refusal of the device or its key parks nothing (issue 13, over real HTTP against the
simulator).

The counter falls behind KRA's when a queue file is new or put back (``kaunta restore``
of an older backup, ``kaunta etims-key import`` on a new computer, a head-office
database restore): its next number is one KRA already holds for another sale. A
look-up of that number must not be taken as this sale's answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.etims import queue as queue_module
from sync.etims import words
from sync.etims.client import OscuClient
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache
from sync.etims.queue import EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import EtimsSandbox, Fault
from tests.etims.conftest import DictSecrets, make_submitter
from tests.etims.docs import items, sale_body

SAVE = "saveTrnsSalesOsdc"
LOOKUP = "selectInvoiceDetails"


def fresh_submitter(client: OscuClient, path: Path) -> tuple[Submitter, SqliteQueue]:
    """A queue file as a new computer (or a restore) has it: never checked against KRA."""
    cache = CodeCache()
    client.refresh_codes(cache, datetime.now(UTC))
    queue = SqliteQueue(path)
    sub = Submitter(
        queue,
        client,
        client.settings,
        items=items,
        rates=cache.tax_rates,
        registrar=Registrar("till02", "Till 02"),
        clock=lambda: datetime.now(UTC),
    )
    return sub, queue


def one_signed_elsewhere(client: OscuClient, path: Path) -> str:
    """Invoice 1 at KRA: a KES 116 sale of another queue file of the same device."""
    other, other_queue = make_submitter(client, path)
    try:
        first = sale_body([("SODA-500", 2)], terminal="T9")
        other.enqueue_sale(first)
        assert other.drain().signed == 1
        return str(first["receipt_number"])
    finally:
        other_queue.close()


def assert_own_signature(box: EtimsSandbox, queue: SqliteQueue, sub: Submitter, doc: str) -> None:
    """The sale is number 2, signed with KRA's invoice 2 (its own receipt), not 1's."""
    entry = queue.get(sub.branch, doc)
    assert entry is not None
    assert entry.state is EntryState.SIGNED
    assert entry.invc_no == 2
    assert entry.request is not None
    device = box.device("00")
    assert sorted(device.invoices) == [1, 2]
    assert device.invoices[2].body["trdInvcNo"] == entry.request["trdInvcNo"]
    assert device.invoices[1].body["trdInvcNo"] != entry.request["trdInvcNo"]
    assert entry.signature is not None
    assert entry.signature.rcpt_sign == device.invoices[2].rcpt_sign
    assert entry.signature.rcpt_sign != device.invoices[1].rcpt_sign
    assert queue.verify_chain(sub.branch)
    # the manager sees why: the number KRA held is named, and the new one
    assert entry.reason.startswith(words.NUMBERS_TAKEN)
    assert f"{words.NUMBERS_TAKEN}: 1;" in entry.reason


def test_a_new_queue_file_probes_kra_and_numbers_past_what_kra_holds(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path
) -> None:
    """The reviewer's probe: a second queue file of the device starts at 1 while KRA
    holds 1; its KES 325 sale must not be "signed" with the KES 116 sale's invoice."""
    one_signed_elsewhere(client, tmp_path / "first.sqlite")
    sub, queue = fresh_submitter(client, tmp_path / "second.sqlite")
    try:
        sale = sale_body([("SODA-500", 3), ("BREAD-400", 2), ("MILK-500", 1)])
        sub.enqueue_sale(sale)
        result = sub.drain()
        assert (result.signed, result.parked, result.stopped) == (1, 0, "")
        assert result.notices
        assert words.COUNTER_MOVED in result.notices[0]
        assert_own_signature(box, queue, sub, sale["sale_id"])
        assert box.calls[SAVE] == 2  # each sale sent once: no 994 on the way
        assert queue.last_number(sub.branch) == 2
        # checked once for this file: the next sale is not probed again
        looked = box.calls[LOOKUP]
        sub.enqueue_sale(sale_body([("TEA-250", 1)]))
        assert sub.drain().signed == 1
        assert box.calls[LOOKUP] == looked
        assert sorted(box.device("00").invoices) == [1, 2, 3]
    finally:
        queue.close()


def test_a_file_put_back_is_probed_again(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path
) -> None:
    """A restore puts another file in place (its own identity): checked again, even
    though the copy says it was checked."""
    path = tmp_path / "etims.sqlite"
    sub, queue = make_submitter(client, path)  # checked (a fresh device)
    sub.enqueue_sale(sale_body([("SODA-500", 1)]))
    assert sub.drain().signed == 1
    queue.close()
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    copy.rename(path)  # the file put back: same name, same contents, another file
    sub, queue = fresh_submitter(client, path)
    try:
        assert queue.needs_probe(sub.branch)
    finally:
        queue.close()


@pytest.mark.parametrize("duplicate", ["994", "stored"])
def test_a_lookup_finding_another_sale_renumbers_instead_of_signing(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path, duplicate: str
) -> None:
    """Two files already checked (so no probe catches it): the second numbers 1, KRA
    refuses it as a duplicate (in both duplicate modes: the body differs), the look-up
    finds the other sale, so the numbers KRA holds are skipped and the sale goes as 2."""
    box.settings.duplicate = duplicate
    sub, queue = make_submitter(client, tmp_path / "second.sqlite")  # checked before
    try:
        one_signed_elsewhere(client, tmp_path / "first.sqlite")
        sale = sale_body([("SODA-500", 3), ("BREAD-400", 2), ("MILK-500", 1)])
        sub.enqueue_sale(sale)
        first = sub.drain()
        assert (first.signed, first.parked) == (0, 0)
        assert "994" in first.stopped
        entry = queue.get(sub.branch, sale["sale_id"])
        assert entry is not None
        assert (entry.state, entry.invc_no) == (EntryState.IN_DOUBT, 1)
        second = sub.drain()
        assert (second.signed, second.parked, second.stopped) == (1, 0, "")
        assert second.notices
        assert f"{words.RENUMBERED}: 2" in second.notices[0]
        assert_own_signature(box, queue, sub, sale["sale_id"])
        assert box.device("00").invoices[1].body["totAmt"] != entry.request["totAmt"]  # type: ignore[index]
    finally:
        queue.close()


def test_a_sale_kra_signed_before_under_a_later_number_takes_that_invoice(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path
) -> None:
    """KRA holds 1 for another sale and 2 for this very sale (sent before the file was
    put back): the skip finds its own invoice and takes it, and sends nothing again."""
    sub, queue = make_submitter(client, tmp_path / "second.sqlite")
    try:
        one_signed_elsewhere(client, tmp_path / "first.sqlite")
        sale = sale_body([("TEA-250", 2)])
        sub.enqueue_sale(sale)
        assert "994" in sub.drain().stopped  # numbered 1: KRA's for the other sale
        entry = queue.get(sub.branch, sale["sale_id"])
        assert entry is not None
        assert entry.request is not None
        assert client.submit({**entry.request, "invcNo": 2}).signature is not None
        sent = box.calls[SAVE]
        result = sub.drain()
        assert (result.signed, result.parked, result.stopped) == (1, 0, "")
        assert f"{words.FOUND_OWN}: 2" in result.notices[0]
        assert box.calls[SAVE] == sent  # not sent a third time
        entry = queue.get(sub.branch, sale["sale_id"])
        assert entry is not None
        assert (entry.state, entry.invc_no) == (EntryState.SIGNED, 2)
        assert entry.signature is not None
        assert entry.signature.rcpt_sign == box.device("00").invoices[2].rcpt_sign
        assert sorted(box.device("00").invoices) == [1, 2]
    finally:
        queue.close()


def test_a_restored_file_takes_the_invoice_kra_signed_for_a_sale_still_waiting_in_it(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path
) -> None:
    """An older backup put back: KRA holds 1 (another sale) and 2 (this file's first
    sale, signed after the backup was made). The probe gives that sale its own invoice 2
    (not sent again, so KRA never holds it twice) and the next sale goes as 3."""
    one_signed_elsewhere(client, tmp_path / "first.sqlite")
    sub, queue = fresh_submitter(client, tmp_path / "restored.sqlite")
    try:
        signed_before, new = sale_body([("TEA-250", 2)]), sale_body([("MILK-500", 1)])
        sub.enqueue_sale(signed_before)
        sub.enqueue_sale(new)
        entry = queue.get(sub.branch, signed_before["sale_id"])
        assert entry is not None
        request = sub._builder(entry)(2)  # what the file's sale was sent as, back then
        assert client.submit(request).signature is not None
        sent = box.calls[SAVE]
        result = sub.drain()
        assert (result.signed, result.parked, result.stopped) == (2, 0, "")
        assert box.calls[SAVE] == sent + 1  # only the new sale
        kra = box.device("00")
        assert sorted(kra.invoices) == [1, 2, 3]
        assert kra.total == 3
        got = [queue.get(sub.branch, b["sale_id"]) for b in (signed_before, new)]
        assert [(e.state, e.invc_no) if e else None for e in got] == [
            (EntryState.SIGNED, 2),
            (EntryState.SIGNED, 3),
        ]
        assert got[0] is not None
        assert got[0].signature is not None
        assert got[0].signature.rcpt_sign == kra.invoices[2].rcpt_sign
        assert f"{words.FOUND_OWN}: 2" in got[0].reason
        assert got[1] is not None
        assert got[1].request is not None
        assert kra.invoices[3].body["trdInvcNo"] == got[1].request["trdInvcNo"]
        assert queue.verify_chain(sub.branch)
    finally:
        queue.close()


def test_the_skip_is_bounded_and_stops_the_branch(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_module, "SKIP_LIMIT", 2)
    path = tmp_path / "first.sqlite"
    other, other_queue = make_submitter(client, path)
    for _ in range(3):
        other.enqueue_sale(sale_body([("SODA-500", 1)], terminal="T9"))
    assert other.drain().signed == 3
    other_queue.close()
    sub, queue = fresh_submitter(client, tmp_path / "second.sqlite")
    try:
        sale = sale_body([("TEA-250", 1)])
        sub.enqueue_sale(sale)
        result = sub.drain()
        assert (result.signed, result.parked, result.stopped) == (0, 0, words.NO_FREE_NUMBER)
        entry = queue.get(sub.branch, sale["sale_id"])
        assert entry is not None
        assert (entry.state, entry.invc_no) == (EntryState.WAITING, None)
        assert sorted(box.device("00").invoices) == [1, 2, 3]
    finally:
        queue.close()


def test_the_simulator_answers_a_duplicate_as_stored_only_for_the_same_body(
    box: EtimsSandbox, client: OscuClient, tmp_path: Path
) -> None:
    box.settings.duplicate = "stored"
    sub, queue = make_submitter(client, tmp_path / "q.sqlite")
    try:
        sale = sale_body([("SODA-500", 1)])
        sub.enqueue_sale(sale)
        assert sub.drain().signed == 1
        entry = queue.get(sub.branch, sale["sale_id"])
        assert entry is not None
        assert entry.request is not None
        again = client.submit(entry.request)
        assert again.signature == entry.signature  # a lost reply: the stored signature
        other = client.submit({**entry.request, "trdInvcNo": "S1-T2-000999"})
        assert other.result_cd == "994"
        assert other.signature is None
        assert box.device("00").total == 1
    finally:
        queue.close()


def test_a_lost_reply_is_still_resolved_by_lookup_without_a_resend(
    box: EtimsSandbox, submitter: tuple[Submitter, SqliteQueue]
) -> None:
    """The same body recorded, the reply lost: the look-up's invoice is the entry's own."""
    sub, queue = submitter
    sale = sale_body([("SODA-500", 2)])
    sub.enqueue_sale(sale)
    box.inject(Fault("hang", path=SAVE, record=True, seconds=30))
    assert sub.drain().signed == 0
    box.release()
    result = sub.drain()
    assert (result.signed, result.stopped, result.notices) == (1, "", ())
    entry = queue.get(sub.branch, sale["sale_id"])
    assert entry is not None
    assert (entry.state, entry.invc_no, entry.reason) == (EntryState.SIGNED, 1, "")
    assert box.calls[SAVE] == 1
    assert box.calls[LOOKUP] == 1


# -- refusals of the device or its key ---------------------------------------------------


@pytest.mark.parametrize("how", ["wrong-key", "bearer-missing"])
def test_a_device_refusal_parks_nothing_and_the_sales_go_once_it_is_fixed(
    box: EtimsSandbox,
    client: OscuClient,
    secrets: DictSecrets,
    submitter: tuple[Submitter, SqliteQueue],
    how: str,
) -> None:
    sub, queue = submitter
    sales = [sale_body([("SODA-500", 1 + i)]) for i in range(4)]
    for sale in sales:
        sub.enqueue_sale(sale)
    key = secrets.values[client.branch.secret_name]
    if how == "wrong-key":
        secrets.values[client.branch.secret_name] = "0" * 52  # 901 on every call
    else:
        box.settings.bearer_token = "gava-token"  # HTTP 401 and 900: no token sent
    result = sub.drain()
    assert (result.signed, result.parked) == (0, 0)
    assert result.device_refused
    assert result.stopped.startswith(f"{words.DEVICE_REFUSED}: ")
    assert ("901" if how == "wrong-key" else "900") in result.stopped
    assert sub.stats().parked == 0
    entries = [queue.get(sub.branch, s["sale_id"]) for s in sales]
    assert all(e is not None and e.state is EntryState.WAITING for e in entries)
    assert all(e is not None and e.invc_no is None for e in entries)
    assert entries[0] is not None
    assert entries[0].reason == result.stopped  # the queue screen shows why
    assert sub.drain().parked == 0  # again: still nothing parked
    assert box.device("00").invoices == {}
    secrets.values[client.branch.secret_name] = key
    box.settings.bearer_token = None
    fixed = sub.drain()
    assert (fixed.signed, fixed.parked, fixed.stopped) == (4, 0, "")
    signed = [queue.get(sub.branch, s["sale_id"]) for s in sales]
    assert [e.invc_no if e else None for e in signed] == [1, 2, 3, 4]
    assert sorted(box.device("00").invoices) == [1, 2, 3, 4]
    assert box.device("00").gaps == []


def test_a_device_refusal_of_the_lookup_keeps_the_entry_in_doubt_and_parks_nothing(
    box: EtimsSandbox,
    client: OscuClient,
    secrets: DictSecrets,
    submitter: tuple[Submitter, SqliteQueue],
) -> None:
    sub, queue = submitter
    sale = sale_body([("SODA-500", 1)])
    sub.enqueue_sale(sale)
    box.inject(Fault("hang", path=SAVE, record=True, seconds=30))
    sub.drain()
    box.release()
    key = secrets.values[client.branch.secret_name]
    secrets.values[client.branch.secret_name] = "0" * 52
    result = sub.drain()
    assert (result.signed, result.parked, result.device_refused) == (0, 0, True)
    assert result.stopped.startswith(words.DEVICE_REFUSED)
    entry = queue.get(sub.branch, sale["sale_id"])
    assert entry is not None
    assert (entry.state, entry.invc_no) == (EntryState.IN_DOUBT, 1)
    secrets.values[client.branch.secret_name] = key
    assert sub.drain().signed == 1
    assert box.calls[SAVE] == 1  # found by the look-up, not resent


def test_device_codes_are_their_own_kind() -> None:
    from sync.etims.codes import ResultKind, classify

    for code in ("900", "901", "903", "911", "912"):
        assert classify(code) is ResultKind.DEVICE
    assert classify("910") is ResultKind.REJECTED
    assert classify("901", frozenset()) is ResultKind.REJECTED  # the set is a parameter


def test_an_http_403_page_is_a_device_refusal_too(
    box: EtimsSandbox, submitter: tuple[Submitter, SqliteQueue]
) -> None:
    """HTTP 403 whose body is not KRA's envelope (a gateway's page) stops the branch as
    a device refusal: nothing parked, the number given back, sent again once allowed."""
    sub, queue = submitter
    sales = [sale_body([("SODA-500", 1)]), sale_body([("TEA-250", 1)])]
    for sale in sales:
        sub.enqueue_sale(sale)
    box.inject(Fault("forbidden", path=SAVE))
    result = sub.drain()
    assert (result.signed, result.parked, result.device_refused) == (0, 0, True)
    assert result.stopped.startswith(f"{words.DEVICE_REFUSED}: HTTP 403, text/html")
    first = queue.get(sub.branch, sales[0]["sale_id"])
    assert first is not None
    assert (first.state, first.invc_no) == (EntryState.WAITING, None)
    assert sub.drain().signed == 2
    assert sorted(box.device("00").invoices) == [1, 2]
