"""Refund receipts printed: a refund made through the service, laid out, encoded and sent
through the printer's device worker to the emulated ESC/POS printer (over a real pty and
a real socket), read back line by line: REFUND, the original receipt and its barcode, the
lines and quantities, the tender given back, VAT, who approved; the drawer opens for cash;
the copy is marked COPY, audited, and opens nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from drivers.emulator_link import EmulatorServer
from drivers.escpos.decoder import render
from drivers.escpos.device import PrintOutcome, ReceiptPrinter
from drivers.escpos.document import Barcode
from drivers.escpos.emulator import PrinterEmulator
from drivers.escpos.profiles import profile
from drivers.transport import PortSettings
from pos.domain.money import Money
from pos.domain.receipt import training_mark
from pos.services.auth import Permission, Role, UserSummary
from pos.services.devices import DeviceEvents, ReceiptPrinting, TillDevices
from pos.services.refund_receipts import print_refund, refund_document, reprint_refund
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from tests.drivers.links import LINKS, make_link

MILK = "6168232712628"  # 65.00, zero-rated
UHT = "6168232799285"  # 75.00, VAT 16 %


def rows(t: Terminal, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(t.db.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(params=LINKS)
def printer(request: pytest.FixtureRequest) -> Iterator[tuple[PrinterEmulator, TillDevices]]:
    """The emulated printer (with its drawer) behind the till's real printer worker."""
    model = PrinterEmulator(drawer_closes_after=None)
    server = EmulatorServer(make_link(str(request.param)), model, name="printer").start()
    device = ReceiptPrinter(PortSettings(server.url, timeout=0.3), poll_interval=60)
    devices = TillDevices(
        DeviceEvents(), printing=ReceiptPrinting(device, profile("80mm-48")), drawer=True
    )
    try:
        yield model, devices
    finally:
        devices.close()
        server.stop()


def refunded(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> tuple[str, Any]:
    """Milk x2 and UHT x1 sold for cash; one of each refunded by the cashier with the
    supervisor's approval. Returns (the sale's receipt number, the refund)."""
    cashier.checkout.scan(MILK, 2)
    cashier.checkout.scan(UHT)
    sold = cashier.checkout.pay_cash(cashier.checkout.view().cash_due)
    assert sold.receipt is not None
    approval = cashier.auth.approve(
        users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR], Permission.REFUND
    )
    done = cashier.refunds.refund(
        RefundRequest(sold.receipt.sale_id, {1: 1, 2: 1}, "damaged", "seal broken"), approval
    )
    return sold.receipt.number, done


def test_a_refund_prints_its_own_receipt_line_by_line_and_opens_the_drawer_for_cash(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    printer: tuple[PrinterEmulator, TillDevices],
) -> None:
    emu, devices = printer
    original, done = refunded(cashier, users, pins)
    job = print_refund(devices, done.receipt, cash_out=bool(done.cash_out))
    assert job is not None
    assert job.result(5) is PrintOutcome.PRINTED
    [picture] = emu.wait_receipts(1)
    lines = [t.strip() for t in render(picture, 48)]
    when = done.receipt.issued_at.strftime("%Y-%m-%d %H:%M")
    supervisor = users[Role.SUPERVISOR].name
    cashier_name = done.receipt.cashier
    store = cashier.ctx.store
    head = [
        *([training_mark(48)] if done.receipt.training else []),
        " ".join(store.name.upper()),  # double width, as the decoder spells it
        *store.address,
    ]
    assert lines[: len(head)] == head
    body = lines[lines.index("R E F U N D") :]
    assert body[: body.index("[||| " + original + " |||]") + 1] == [
        "R E F U N D",
        f"Refund{done.number:>42}",
        f"For receipt{original:>37}",
        f"Date{when:>44}",
        f"Cashier{cashier_name:>41}",
        f"Approved by{supervisor:>37}",
        "Reason: seal broken",
        "-" * 48,
        "Brookside Fresh Milk 500ml",
        "1 x 65.00" + "-65.00 Z".rjust(37),  # "  1 x 65.00" on paper, stripped here
        "Brookside Long Life Whole Milk 500ml",
        "1 x 75.00" + "-75.00 S".rjust(37),
        "-" * 48,
        " ".join("REFUND KES" + "-140.00".rjust(14)),  # double size: 24 columns
        "Cash" + "-140.00".rjust(44),
        "-" * 48,
        "VAT" + "Net      VAT    Gross".rjust(45),
        "Z 0%" + f"{'65.00':>9} {'0.00':>8} {'65.00':>9}".rjust(44),
        "S 16%" + f"{'64.66':>9} {'10.34':>8} {'75.00':>9}".rjust(43),  # 75 x 16/116
        "-" * 48,
        "Original receipt",
        f"[||| {original} |||]",
    ]
    assert f"[||| {done.number} |||]" in body
    assert "*** COPY - REPRINT ***" not in body
    assert devices.printing is not None
    devices.printing.printer.check().result(5)  # queued after the kick job
    assert len(emu.kicks) == 1  # 140.00 handed over from the drawer


def test_a_refund_copy_is_marked_copy_audited_and_does_not_open_the_drawer(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    printer: tuple[PrinterEmulator, TillDevices],
) -> None:
    emu, devices = printer
    _original, done = refunded(cashier, users, pins)
    copy = cashier.refunds.receipt(done.refund_id, reprint=True)
    job = reprint_refund(devices, copy)
    assert job is not None
    assert job.result(5) is PrintOutcome.PRINTED
    [picture] = emu.wait_receipts(1)
    lines = [t.strip() for t in render(picture, 48)]
    assert "*** COPY - REPRINT ***" in lines
    assert f"Approved by{users[Role.SUPERVISOR].name:>37}" in lines  # kept in the document
    assert devices.printing is not None
    devices.printing.printer.check().result(5)
    assert emu.kicks == []
    assert rows(cashier, "SELECT count(*) FROM audit_log WHERE action = 'refund_reprint'") == [(1,)]


def test_a_return_without_a_receipt_prints_return_and_no_original_barcode(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    cashier.shifts.cash_in(Money.parse("500", "KES"), "float_top_up", "change for refunds")
    done = cashier.refunds.return_without_receipt([(MILK, 1)], "damaged", "sour on opening")
    doc = refund_document(done.receipt, 48)
    texts = [getattr(b, "text", "") for b in doc.blocks]
    barcodes = [b.data for b in doc.blocks if isinstance(b, Barcode)]
    assert "RETURN" in texts
    assert "REFUND" not in texts
    assert "Return without a receipt" in texts
    assert barcodes == [done.number]  # its own number only: there is no original sale


def test_no_printer_means_nothing_is_printed_and_nothing_fails(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _original, done = refunded(cashier, users, pins)
    assert print_refund(None, done.receipt, cash_out=True) is None
    assert print_refund(TillDevices(DeviceEvents()), done.receipt, cash_out=True) is None
