"""The KRA block on paper: a sale signed by the OSCU simulator (real HTTP) is printed
through the ESC/POS worker to the printer emulator (a real socket), and the emulator's
decoded picture carries KRA's title, SCU ID, CU invoice number, counters, internal data
and signature in groups of four, and the QR code of the verification URL, which the
simulator's verification page knows; a reprint says COPY with a copy counter; a sale
made during an outage prints "not yet a tax invoice" and no KRA QR code; an enrolled
till's provisional receipt, printed while head office is out of reach, carries the QR
code of head office's customer page for that sale; and a waiter for the signature is
answered signed when KRA signs, provisional when time runs out."""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.emulator_link import EmulatorServer
from drivers.escpos.decoder import Line, Picture, Qr, render
from drivers.escpos.device import PrintOutcome, ReceiptPrinter
from drivers.escpos.emulator import PrinterEmulator
from drivers.escpos.profiles import profile
from drivers.transport import PortSettings
from pos.domain.receipt import Receipt
from pos.etims_link import EtimsLink
from pos.etims_results import FILE_NAME, HeadOfficeEtims
from pos.services.devices import ReceiptPrinting
from pos.services.etims import (
    LATER_PAGE,
    PRINT_GRACE_S,
    PROVISIONAL_MARK,
    EtimsPhase,
    EtimsService,
    KraBlock,
)
from pos.services.terminal import Terminal
from sync.etims.mapping import Registrar
from sync.etims.public import PAGE_PREFIX, receipt_token, token_hash_of
from sync.etims.receipt import counter_label
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from tests.drivers.links import make_link
from tests.etims.conftest import DictSecrets
from tests.etims.test_till_link import MILK, UHT, Watch

GROUPS = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{1,4})+$")


def sale(t: Terminal, *scans: tuple[str, int]) -> Receipt:
    for code, qty in scans:
        t.checkout.scan(code, qty)
    result = t.checkout.pay_cash(t.checkout.view().cash_due)
    assert result.receipt is not None
    return result.receipt


@pytest.fixture
def parts(cashier: Terminal, tmp_path: Path) -> Iterator[tuple[EtimsLink, EtimsSandbox, Watch]]:
    with EtimsSandbox() as box:
        service = EtimsService(training=True)
        link = EtimsLink(
            cashier.db,
            service,
            queue_path=tmp_path / "etims.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0
            ),
            secrets=DictSecrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            poll_s=0.2,
        )
        yield link, box, Watch(service)
        link.stop()


@pytest.fixture
def printer() -> Iterator[tuple[PrinterEmulator, ReceiptPrinting]]:
    emu = PrinterEmulator(drawer_closes_after=None)
    server = EmulatorServer(make_link("socket"), emu, name="printer-emulator").start()
    device = ReceiptPrinter(PortSettings(server.url, timeout=0.3), poll_interval=60)
    try:
        yield emu, ReceiptPrinting(device, profile("80mm-48"))
    finally:
        device.close()
        server.stop()


def _printed(emu: PrinterEmulator, n: int) -> Picture:
    pictures = emu.wait_receipts(n)
    assert len(pictures) >= n
    return pictures[n - 1]


def test_a_signed_sale_prints_the_kra_block_with_the_verification_qr(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],
    printer: tuple[PrinterEmulator, ReceiptPrinting],
) -> None:
    link, box, watch = parts
    emu, printing = printer
    receipt = sale(cashier, (UHT, 2), (MILK, 1))
    link.start()
    watch.until(lambda v: v.signed == 1)
    kra = link.block_for(receipt.sale_id)
    assert kra is not None
    assert kra.signed
    assert printing.print_sale(receipt, kra).result(5) is PrintOutcome.PRINTED
    pic = _printed(emu, 1)
    lines = pic.text_lines()
    device = box.device("00")
    stored = device.invoices[1]
    assert "TAX INVOICE" in lines
    assert PROVISIONAL_MARK not in " ".join(lines)
    pairs = {}
    for text in render(pic, 48):
        label, _, value = text.partition("  ")
        pairs[label.strip()] = value.strip()
    assert pairs["SCU ID"] == device.sdc_id
    assert pairs["CU Invoice No."] == f"{device.sdc_id}/1"
    assert pairs["Receipt counter"] == "1/1 TS"  # training sale (TIS labels, GUESS)
    assert GROUPS.match(pairs["Internal Data"])
    assert pairs["Receipt Signature"].replace("-", "") == stored.rcpt_sign
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", pairs["Date"])
    assert re.fullmatch(r"\d\d:\d\d:\d\d", pairs["Time"])
    [qr] = [e for e in pic.events if isinstance(e, Qr)]
    assert qr.data == f"{box.verify_host}{_verify_path()}{DEMO_TIN}00{stored.rcpt_sign}"
    with urllib.request.urlopen(qr.data, timeout=5) as page:  # the simulator's KRA page
        assert "Invoice found" in page.read().decode()
    # the block is printed between the VAT table and the footer, in bold title
    title = next(e for e in pic.events if isinstance(e, Line) and e.text.strip() == "TAX INVOICE")
    assert isinstance(title, Line)
    assert title.bold
    assert lines.index("TAX INVOICE") > next(i for i, t in enumerate(lines) if t.startswith("VAT"))
    # reprinted: marked COPY; a training copy keeps the training label (TS), a live copy
    # says CS (TIS labels, GUESS)
    copy = link.block_for(receipt.sale_id, copy=True)
    assert copy is not None
    assert printing.reprint(receipt, copy).result(5) is PrintOutcome.PRINTED
    again = _printed(emu, 2).text_lines()
    assert "*** COPY - REPRINT ***" in again
    assert "TAX INVOICE (COPY)" in again
    assert any(t.endswith("1/1 TS") for t in again)
    assert counter_label("S", copy=True) == "CS"
    assert counter_label("R", copy=True) == "CC"


def _verify_path() -> str:
    from sync.etims.settings import VERIFY_PATH

    return VERIFY_PATH


def test_a_sale_made_while_kra_is_away_prints_provisional_without_a_kra_qr(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],
    printer: tuple[PrinterEmulator, ReceiptPrinting],
) -> None:
    link, box, watch = parts
    emu, printing = printer
    link.start()
    watch.until(lambda v: v.phase is EtimsPhase.ONLINE)
    box.refuse()
    receipt = sale(cashier, (MILK, 1))
    link.wake()
    watch.until(lambda v: v.phase is EtimsPhase.OFFLINE and v.waiting + v.in_doubt == 1)
    kra = link.block_for(receipt.sale_id)
    assert kra is not None
    assert not kra.signed
    assert printing.print_sale(receipt, kra).result(5) is PrintOutcome.PRINTED
    pic = _printed(emu, 1)
    text = " ".join(pic.text_lines())
    assert "NOT YET A TAX INVOICE" in text
    assert "TAX INVOICE" not in pic.text_lines()
    assert not [e for e in pic.events if isinstance(e, Qr)]
    provisional = next(e for e in pic.events if isinstance(e, Line) and "NOT YET" in e.text)
    assert isinstance(provisional, Line)
    assert provisional.bold
    box.accept()


def test_an_enrolled_tills_provisional_receipt_prints_the_customer_pages_qr_code(
    cashier: Terminal, tmp_path: Path, printer: tuple[PrinterEmulator, ReceiptPrinting]
) -> None:
    # head office numbers and submits this store's sales; it is out of reach (nothing
    # listens at its address), yet the till knows the sale's customer page already
    emu, printing = printer
    office, token = "http://127.0.0.1:9", "the-terminals-own-token"
    results = HeadOfficeEtims(
        tmp_path / FILE_NAME, cashier.etims, head_office_url=office, token=token
    )
    cashier.etims.attach_head_office(results.block_for, results.later_url)
    try:
        receipt = sale(cashier, (MILK, 1))
        page = f"{office}{PAGE_PREFIX}{receipt_token(token_hash_of(token), receipt.sale_id)}"
        # the block printed right after the sale (from memory) and the one looked up later
        for kra in (cashier.etims.provisional(receipt.sale_id), results.block_for(receipt.sale_id)):
            assert kra is not None
            assert not kra.signed
            assert kra.qr_url == page
        assert printing.print_sale(receipt, kra).result(5) is PrintOutcome.PRINTED
        pic = _printed(emu, 1)
        lines = pic.text_lines()
        assert "NOT YET A TAX INVOICE" in " ".join(lines)
        assert "TAX INVOICE" not in lines
        assert LATER_PAGE in lines
        [qr] = [e for e in pic.events if isinstance(e, Qr)]
        assert qr.data == page
        # printed under the mark, above the footer and the receipt's own barcode
        mark = next(
            i for i, e in enumerate(pic.events) if isinstance(e, Line) and "NOT YET" in e.text
        )
        assert pic.events.index(qr) > mark
        # a reprint (F9) before KRA signed: still provisional, the same page
        again = results.block_for(receipt.sale_id, copy=True)
        assert again is not None
        assert printing.reprint(receipt, again).result(5) is PrintOutcome.PRINTED
        [qr_again] = [e for e in _printed(emu, 2).events if isinstance(e, Qr)]
        assert qr_again.data == page
    finally:
        results.close()


def test_a_standalone_tills_provisional_receipt_says_to_ask_for_a_reprint_without_a_qr(
    cashier: Terminal, printer: tuple[PrinterEmulator, ReceiptPrinting]
) -> None:
    emu, printing = printer
    receipt = sale(cashier, (UHT, 1))
    # a standalone till has no customer page: the block carries no URL
    assert printing.print_sale(receipt, KraBlock(signed=False, title="")).result(5) is (
        PrintOutcome.PRINTED
    )
    pic = _printed(emu, 1)
    assert "Ask for the signed invoice later (reprint)" in pic.text_lines()
    assert LATER_PAGE not in pic.text_lines()
    assert not [e for e in pic.events if isinstance(e, Qr)]


def test_when_signed_answers_signed_once_kra_signs_and_provisional_when_time_runs_out(
    cashier: Terminal, parts: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = parts
    service = link.service
    got: list[KraBlock | None] = []
    done = threading.Event()

    def take(block: KraBlock | None) -> None:
        got.append(block)
        done.set()

    link.start()
    watch.until(lambda v: v.phase is EtimsPhase.ONLINE)
    first = sale(cashier, (UHT, 1))
    service.when_signed(first.sale_id, 20.0, take)
    assert done.wait(20)
    assert len(got) == 1
    assert got[0] is not None
    assert got[0].signed  # long before the 20 s ran out
    box.refuse()
    got.clear()
    done.clear()
    second = sale(cashier, (MILK, 1))
    service.when_signed(second.sale_id, 0.5, take)
    assert done.wait(10)
    assert got[0] is not None
    assert not got[0].signed  # KRA away: the provisional block after the grace
    # a receipt about to print is not held for its whole grace while KRA is away: the
    # round that finds KRA away answers it (the grace's own timer would be later)
    got.clear()
    done.clear()
    third = sale(cashier, (MILK, 2))
    service.when_signed(third.sale_id, PRINT_GRACE_S, take)
    assert done.wait(PRINT_GRACE_S - 0.5)
    assert got[0] is not None
    assert not got[0].signed
    box.accept()
    watch.until(lambda v: v.signed == 3)
    assert len(got) == 1  # told once only


def test_when_signed_is_immediate_with_none_when_etims_is_off() -> None:
    got: list[KraBlock | None] = []
    EtimsService().when_signed("any", 60.0, got.append)
    assert got == [None]
