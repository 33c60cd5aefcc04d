"""A refund is a credit note on paper: a refund signed by the OSCU simulator (real HTTP)
is printed through the ESC/POS worker to the printer emulator (a real socket) after the
receipt waited for KRA's signature as a sale's does, and the emulator's decoded picture
carries CREDIT NOTE, the original CU invoice number ``KRACU…/n`` of the sale it credits,
the SCU block and the verification QR code; a refund made while KRA is away prints
provisional ("not yet a tax invoice", no KRA QR code), and its reprint after KRA signed
carries the signed block, marked COPY."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

from drivers.escpos.decoder import Picture, Qr, render
from drivers.escpos.device import PrintOutcome
from drivers.escpos.emulator import PrinterEmulator
from pos.etims_link import EtimsLink
from pos.services.auth import Role, UserSummary
from pos.services.devices import DeviceEvents, ReceiptPrinting, TillDevices
from pos.services.etims import PROVISIONAL_MARK, EtimsPhase
from pos.services.refund_receipts import print_refund, refund_text, reprint_refund
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.settings import VERIFY_PATH
from tests.etims.test_kra_print import (  # the sale's printed-block fixtures, reused
    parts,  # noqa: F401
    printer,  # noqa: F401
    sale,
)
from tests.etims.test_till_link import MILK, UHT, Watch

WAIT_S = 30.0  # a generous bound for threads and sockets, not a performance claim


def _pairs(pic: Picture) -> dict[str, str]:
    pairs = {}
    for text in render(pic, 48):
        label, _, value = text.partition("  ")
        pairs[label.strip()] = value.strip()
    return pairs


def _printed(emu: PrinterEmulator, n: int) -> Picture:
    pictures = emu.wait_receipts(n)
    assert len(pictures) >= n
    return pictures[n - 1]


def _supervisor(t: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    t.auth.login(users[Role.SUPERVISOR].user_id, pins[Role.SUPERVISOR])


def test_a_refund_signed_by_kra_prints_credit_note_original_cu_number_and_the_qr(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],  # noqa: F811
    printer: tuple[PrinterEmulator, ReceiptPrinting],  # noqa: F811
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    link, box, watch = parts
    emu, printing = printer
    receipt = sale(cashier, (UHT, 2), (MILK, 1))
    link.start()
    watch.until(lambda v: v.signed == 1)
    _supervisor(cashier, users, pins)
    done = cashier.refunds.refund(RefundRequest(receipt.sale_id, {1: 1}, "wrong_item"))
    devices = TillDevices(DeviceEvents(), printing=printing)
    # the receipt waits for KRA's signature (the worker is woken by the wait), then prints
    printed = print_refund(devices, done.receipt, cash_out=False, etims=link.service)
    assert printed is not None
    assert printed.result(WAIT_S) is PrintOutcome.PRINTED
    pic = _printed(emu, 1)
    shots = os.environ.get("KAUNTA_SHOTS_DIR")
    if shots:  # the emulator's picture as text, to look at
        Path(shots).mkdir(parents=True, exist_ok=True)
        (Path(shots) / "credit-note-printed.txt").write_text("\n".join(render(pic, 48)) + "\n")
    lines = pic.text_lines()
    device = box.device("00")
    credit = device.invoices[2]  # the credit note took the branch's next number
    assert "CREDIT NOTE" in lines
    assert PROVISIONAL_MARK not in " ".join(lines)
    pairs = _pairs(pic)
    assert pairs["Original CU Invoice No."] == f"{device.sdc_id}/1"
    assert pairs["Original CU Invoice No."].startswith("KRACU")
    assert pairs["CU Invoice No."] == f"{device.sdc_id}/2"
    assert pairs["SCU ID"] == device.sdc_id
    assert pairs["Receipt Signature"].replace("-", "") == credit.rcpt_sign
    assert pairs["Receipt counter"].endswith("TC")  # training credit note (TIS labels, GUESS)
    [qr] = [e for e in pic.events if isinstance(e, Qr)]
    assert qr.data == f"{box.verify_host}{VERIFY_PATH}{DEMO_TIN}00{credit.rcpt_sign}"
    with urllib.request.urlopen(qr.data, timeout=5) as page:  # the simulator's KRA page
        assert "Invoice found" in page.read().decode()
    # the refund's own parts are still there, the block after the VAT table
    assert lines.index("CREDIT NOTE") > next(i for i, t in enumerate(lines) if t.startswith("VAT"))
    # the same on screen
    kra = link.block_for(done.refund_id)
    shown = "\n".join(refund_text(done.receipt, kra))
    assert "CREDIT NOTE" in shown
    assert f"{device.sdc_id}/1" in shown
    assert "[QR" in shown


def test_a_refund_while_kra_is_away_prints_provisional_and_its_reprint_is_signed(
    cashier: Terminal,
    parts: tuple[EtimsLink, EtimsSandbox, Watch],  # noqa: F811
    printer: tuple[PrinterEmulator, ReceiptPrinting],  # noqa: F811
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    link, box, watch = parts
    emu, printing = printer
    receipt = sale(cashier, (UHT, 1))
    link.start()
    watch.until(lambda v: v.signed == 1)
    box.refuse()
    _supervisor(cashier, users, pins)
    done = cashier.refunds.refund(RefundRequest(receipt.sale_id, {1: 1}, "damaged"))
    devices = TillDevices(DeviceEvents(), printing=printing)
    printed = print_refund(devices, done.receipt, cash_out=False, etims=link.service)
    assert printed is not None
    assert printed.result(WAIT_S) is PrintOutcome.PRINTED
    pic = _printed(emu, 1)
    text = " ".join(pic.text_lines())
    assert "NOT YET A TAX INVOICE" in text
    assert "CREDIT NOTE" not in pic.text_lines()
    assert "Original CU Invoice No." not in text
    assert not [e for e in pic.events if isinstance(e, Qr)]
    watch.until(lambda v: v.phase is EtimsPhase.OFFLINE and v.waiting + v.in_doubt == 1)
    box.accept()
    link.wake()
    watch.until(lambda v: v.signed == 2)
    # the reprint (as F9's Reprint refund does it): the signed block, marked COPY
    copy = cashier.refunds.receipt(done.refund_id, reprint=True)
    kra = link.block_for(done.refund_id, copy=True)
    assert kra is not None
    assert kra.signed
    again = reprint_refund(devices, copy, kra)
    assert again is not None
    assert again.result(WAIT_S) is PrintOutcome.PRINTED
    pic = _printed(emu, 2)
    lines = pic.text_lines()
    assert "CREDIT NOTE (COPY)" in lines
    device = box.device("00")
    assert _pairs(pic)["Original CU Invoice No."] == f"{device.sdc_id}/1"
    [qr] = [e for e in pic.events if isinstance(e, Qr)]
    assert qr.data.endswith(f"{DEMO_TIN}00{device.invoices[2].rcpt_sign}")
