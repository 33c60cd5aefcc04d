"""A refund of a sale the branch never queued gets no KRA block on its receipt even while
it waits in the queue: during an outage the sales ahead of it hold it back, and the queue
settles it "no credit note" only when it is the head (``sync.etims.queue``, NoCreditNote).
Meanwhile the till's block for it is None, not the provisional "NOT YET A TAX INVOICE"
(review r14c); the sale ahead keeps its provisional block, and a refund of a queued sale
keeps its own. The queue is the till's SQLite file, read as the till's screens read it
(``EtimsLink.block_for``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pos.etims_link import EtimsLink
from pos.services.etims import EtimsService
from pos.services.terminal import Terminal
from sync.etims.mapping import Registrar
from sync.etims.queue import EntryKind
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN
from sync.etims.settings import Branch, EtimsSettings
from tests.etims.docs import refund_body, sale_body


class _Secrets:
    def get(self, name: str) -> str | None:
        return None

    def set(self, name: str, value: str) -> None:
        pass


def test_a_waiting_refund_of_a_sale_never_queued_has_no_block(
    cashier: Terminal, tmp_path: Path
) -> None:
    path = tmp_path / "etims.sqlite"
    branch = Branch(DEMO_TIN, "00", DEMO_SERIAL)
    link = EtimsLink(
        cashier.db,
        EtimsService(),
        queue_path=path,
        branch=branch,
        settings=EtimsSettings(base_url="http://127.0.0.1:9", timeout_s=0.5),
        secrets=_Secrets(),
        registrar=Registrar("T1", "Till T1"),
    )  # not started: the queue below is as an outage left it
    now = datetime.now(UTC)
    ahead = sale_body([("SODA-500", 1)])  # waiting: KRA away
    queued = sale_body([("SODA-500", 2)])  # waiting too, with a refund of it
    before = sale_body([("SODA-500", 3)])  # sold before eTIMS: never queued
    of_queued, of_before = refund_body(queued, [(0, 1)]), refund_body(before, [(0, 1)])
    queue = SqliteQueue(path)
    try:
        queue.enqueue(branch.key, ahead["sale_id"], EntryKind.SALE, ahead, now)
        queue.enqueue(branch.key, queued["sale_id"], EntryKind.SALE, queued, now)
        for refund, original in ((of_queued, queued), (of_before, before)):
            queue.enqueue(
                branch.key,
                refund["refund_id"],
                EntryKind.REFUND,
                refund,
                now,
                original_doc_id=original["sale_id"],
            )
    finally:
        queue.close()
    assert link.block_for(of_before["refund_id"]) is None
    for doc_id in (ahead["sale_id"], of_queued["refund_id"]):
        block = link.block_for(doc_id)
        assert block is not None
        assert not block.signed  # provisional: "NOT YET A TAX INVOICE" until KRA signs
