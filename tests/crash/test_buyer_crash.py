"""The buyer's KRA PIN is kept with the open basket: a till SIGKILLed right after the
cashier put a PIN on the sale brings the basket back on restart with the PIN and name,
and the sale then paid carries them on its receipt and in its event for head office."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from pos.store import repositories as repo
from pos.store.models import OutboxEvent
from tests.crash.buyer_worker import NAME, PIN
from tests.crash.harness import REPO_ROOT, WorkerProcess, open_till

WORKER = REPO_ROOT / "tests" / "crash" / "buyer_worker.py"
WAIT_S = 60.0  # a generous bound for a fresh interpreter's start-up, not a performance claim


def test_the_buyers_pin_survives_a_sigkill_of_the_open_basket(tmp_path: Path) -> None:
    db_path = tmp_path / "kaunta.sqlite"
    worker = WorkerProcess(WORKER, [str(db_path)], tmp_path / "worker.err")
    try:
        said = worker.wait_for("BUYER", WAIT_S)
        assert said is not None, worker.stderr()
    finally:
        assert worker.kill() is None, worker.stderr()  # it was alive: killed, not ended
    _, sale_id, pin = said
    assert pin == PIN
    terminal, lock = open_till(db_path)  # the restart, on the file the kill left
    try:
        restored = terminal.checkout.restore()
        assert restored.sale_id == sale_id
        assert (restored.buyer_pin, restored.buyer_name) == (PIN, NAME)
        result = terminal.checkout.pay_cash(restored.cash_due)
        assert result.receipt is not None
        assert result.receipt.buyer_pin == PIN
        with terminal.db.read_session() as s:
            entry = repo.sale_by_id(s, sale_id)
            payload = s.execute(
                select(OutboxEvent.payload).where(
                    OutboxEvent.aggregate_id == sale_id, OutboxEvent.kind == "sale.completed"
                )
            ).scalar_one()
        assert entry is not None
        assert entry.sale.buyer is not None
        assert entry.sale.buyer.pin == PIN
        assert json.loads(payload)["body"]["customer"] == {"tax_pin": PIN, "name": NAME}
    finally:
        terminal.close()
        lock.release()
