"""A till receipt laid out, encoded, sent through the device worker to the emulated
printer over a real pty or socket, and read back line by line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from drivers.emulator_link import EmulatorServer
from drivers.escpos.decoder import Kick, Line, render
from drivers.escpos.device import PrintOutcome, ReceiptPrinter
from drivers.escpos.emulator import PrinterEmulator
from drivers.escpos.profiles import profile
from drivers.transport import PortSettings
from pos.domain.money import Money
from pos.domain.receipt import Receipt, ReceiptLine, ReceiptPayment, StoreInfo
from pos.domain.sale import SaleStatus
from pos.domain.tax import TaxClass, VatLine
from pos.services.devices import ReceiptPrinting, receipt_document

Emu = tuple[PrinterEmulator, EmulatorServer]
VAT_A = TaxClass("A", "VAT 16%", Decimal(16))


def k(minor: int) -> Money:
    return Money(minor, "KES")


def receipt(
    *, cash: bool, name: str = "Unga wa Ngano Exe Premium Home Baking Flour 2kg"
) -> Receipt:
    line = ReceiptLine(name, 2, k(19500), k(39000), k(0), k(39000), "A", False)
    pay = (
        ReceiptPayment("cash", k(39000), k(50000), k(11000), "")
        if cash
        else ReceiptPayment(
            "mpesa",
            k(39000),
            k(39000),
            k(0),
            "SGH7K2L9PQ",
            (("label", "M-Pesa"), ("reference_label", "M-Pesa receipt")),
        )
    )
    return Receipt(
        store=StoreInfo("S001", "Duka la Mama Njeri", ("Moi Avenue",), "", "P051234567X"),
        terminal_id="T01",
        number="S001-T01-000123",
        sale_id="0190-abc",
        issued_at=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
        cashier="Amina",
        status=SaleStatus.COMPLETED,
        training=False,
        lines=(line,),
        subtotal=k(39000),
        discounts=k(0),
        total=k(39000),
        rounding=k(0),
        vat=(VatLine(VAT_A, k(39000), k(5379)),),
        payments=(pay,),
        change=k(11000) if cash else k(0),
    )


def test_sale_receipt_prints_line_by_line_with_drawer_kick(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    prof = profile("58mm")
    device = ReceiptPrinter(PortSettings(server.url, timeout=0.3), poll_interval=60)
    try:
        printing = ReceiptPrinting(
            device, prof, logo_key=1, qr_template="https://k.example/{number}"
        )
        assert printing.print_sale(receipt(cash=True)).result(5) is PrintOutcome.PRINTED
        device.check().result(5)  # after the kick job
        [pic] = emu.wait_receipts(1)
        text = render(pic, 32)
        assert all(len(e.text) <= 32 // e.size for e in pic.events if isinstance(e, Line))
        body = [t.strip() for t in text]
        assert "[LOGO 1]" in body
        assert "PIN P051234567X" in body
        assert "Receipt          S001-T01-000123" in body
        # the long product name wraps, nothing is cut off
        assert "Unga wa Ngano Exe Premium Home" in body
        assert "Baking Flour 2kg" in body
        assert "2 x 195.00            390.00 A" in body
        assert body[body.index("A 16%") + 1] == "336.21    53.79    390.00"
        assert "Cash                      500.00" in body
        assert "[QR https://k.example/S001-T01-000123]" in body
        assert "[||| S001-T01-000123 |||]" in body
        total = next(e for e in pic.events if isinstance(e, Line) and e.text.startswith("TOTAL"))
        assert isinstance(total, Line)
        assert (total.size, total.bold) == (2, True)
        assert emu.kicks == [Kick(pin=2, on_ms=100)]
    finally:
        device.close()


def test_reprint_is_marked_copy_and_does_not_open_the_drawer(printer_emulator: Emu) -> None:
    emu, server = printer_emulator
    device = ReceiptPrinter(PortSettings(server.url, timeout=0.3), poll_interval=60)
    try:
        printing = ReceiptPrinting(device, profile("80mm-48"))
        assert printing.reprint(receipt(cash=True)).result(5) is PrintOutcome.PRINTED
        [pic] = emu.wait_receipts(1)
        assert "*** COPY - REPRINT ***" in pic.text_lines()
        assert emu.kicks == []
    finally:
        device.close()


def test_mpesa_tender_shows_its_receipt_number() -> None:
    doc = receipt_document(receipt(cash=False), 42)
    texts = [getattr(b, "text", "") for b in doc.blocks]
    assert "  M-Pesa receipt SGH7K2L9PQ" in texts
    assert not doc.kick_drawer


def test_cash_sale_with_paper_out_still_opens_the_drawer_and_queues_the_receipt(
    printer_emulator: Emu,
) -> None:
    emu, server = printer_emulator
    emu.set_paper(out=True)
    device = ReceiptPrinter(PortSettings(server.url, timeout=0.3), poll_interval=60)
    try:
        printing = ReceiptPrinting(device, profile("58mm"))
        assert printing.print_sale(receipt(cash=True)).result(5) is PrintOutcome.QUEUED
        assert device.check().result(5).code == "paper_end"  # after the kick job
        # the printer cannot print, but the real-time pulse opened the drawer for change
        assert emu.kicks == [Kick(pin=2, on_ms=100, realtime=True)]
        assert device.drawer_open().result(5)
        assert device.queued == ["S001-T01-000123"]
        emu.set_paper(out=False)
        device.worker.call(device._poll, timeout=5)  # the idle poll, now
        [pic] = emu.wait_receipts(1)
        assert "[||| S001-T01-000123 |||]" in [t.strip() for t in render(pic, 32)]
        assert len(emu.kicks) == 1  # the waiting receipt does not open the drawer again
    finally:
        device.close()
