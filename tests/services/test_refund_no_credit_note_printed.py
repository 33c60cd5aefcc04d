"""A refund that gets no credit note prints without KRA's provisional mark: its receipt must
not promise a tax document that never comes. eTIMS runs (its look-up answers), the printer
is the ESC/POS emulator behind the till's printer worker (``printer`` of
test_refunds_printed: over a real pty and a real socket).

- A return without a receipt credits no KRA invoice: printed at once, no KRA block, and
  the look-up is not even waited for (it still says "provisional" for a document its
  worker has not queued yet).
- A refund of a sale that was never a KRA invoice: the worker settles it "no credit note"
  (its look-up answers None) while the receipt waits for KRA: it prints without a block as
  soon as the worker's round says so, not provisional at the end of the wait."""

from __future__ import annotations

import threading
from typing import Any

from drivers.escpos.decoder import render
from drivers.escpos.device import PrintOutcome
from drivers.escpos.emulator import PrinterEmulator
from pos.domain.money import Money
from pos.domain.refund import RefundReceipt
from pos.services.auth import Role, UserSummary
from pos.services.devices import TillDevices
from pos.services.etims import PRINT_GRACE_S, EtimsService, KraBlock
from pos.services.refund_receipts import print_refund
from pos.services.terminal import Terminal
from sync.etims.receipt import PROVISIONAL_MARK
from tests.services.test_refunds_printed import MILK, refunded
from tests.services.test_refunds_printed import printer as printer  # the fixture

MARK = PROVISIONAL_MARK.split(":")[0]  # "NOT YET A TAX INVOICE"


def _printed(
    printer: tuple[PrinterEmulator, TillDevices], receipt: RefundReceipt, etims: EtimsService
) -> str:
    """Print ``receipt`` as a refund is printed, waiting as it waits; the paper's text."""
    emu, devices = printer
    job = print_refund(devices, receipt, cash_out=False, etims=etims)
    assert job is not None
    assert job.result(PRINT_GRACE_S + 5) is PrintOutcome.PRINTED
    return "\n".join(t.strip() for t in render(emu.wait_receipts(1)[-1], 48))


def test_a_return_without_a_receipt_prints_no_kra_block_and_waits_for_none(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    printer: tuple[PrinterEmulator, TillDevices],
) -> None:
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    cashier.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change for refunds")
    done = cashier.refunds.return_without_receipt([(MILK, 1)], "damaged", "sour on opening")
    etims = EtimsService()
    asked: list[str] = []

    def lookup(doc_id: str, copy: bool) -> KraBlock | None:
        asked.append(doc_id)  # the worker has not queued it yet: provisional
        return KraBlock(signed=False, title="")

    etims.attach(lookup)
    text = _printed(printer, done.receipt, etims)
    assert done.number in text
    assert MARK not in text
    assert "TAX INVOICE" not in text
    assert asked == []  # no wait for a signature (the wait's end asks the queue)


def test_a_refund_settled_without_a_credit_note_prints_without_the_provisional_mark(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    printer: tuple[PrinterEmulator, TillDevices],
) -> None:
    _original, done = refunded(cashier, users, pins)
    etims = EtimsService()
    settled = threading.Event()

    def lookup(doc_id: str, copy: bool) -> KraBlock | None:
        # None once the worker settled it: no credit note will come
        return None if settled.is_set() else KraBlock(signed=False, title="")

    etims.attach(lookup)
    original_when_signed = etims.when_signed

    def and_the_round_settles(*args: Any, **kwargs: Any) -> None:
        original_when_signed(*args, **kwargs)
        settled.set()
        etims.settle()  # the worker's round, which settled it

    etims.when_signed = and_the_round_settles  # type: ignore[method-assign]
    text = _printed(printer, done.receipt, etims)
    assert done.number in text
    assert MARK not in text


def test_a_refund_the_worker_settles_after_the_wait_still_prints_no_mark(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    printer: tuple[PrinterEmulator, TillDevices],
) -> None:
    """No round came within the wait, but the queue says "no credit note" when the time
    is up: the timer asks it rather than printing provisional."""
    _original, done = refunded(cashier, users, pins)
    etims = EtimsService()
    etims.attach(lambda doc_id, copy: None)
    assert MARK not in _printed(printer, done.receipt, etims)
