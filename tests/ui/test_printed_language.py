"""Refund receipts and the KRA block on paper follow ``[receipt] language`` (English,
Kiswahili or both) as sale receipts do: laid out with the composition root's ``say``
(``pos.device_link._receipt_say``, Qt's real translator from the compiled ``kaunta_sw.qm``),
encoded, sent over a socket to the printer emulator and read back as the paper shows it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import dev
from drivers.emulator_link import EmulatorServer, TcpLink
from drivers.escpos.decoder import render
from drivers.escpos.device import PrintOutcome, ReceiptPrinter
from drivers.escpos.emulator import PrinterEmulator
from drivers.escpos.profiles import profile
from drivers.transport import PortSettings
from pos.device_link import _receipt_say
from pos.services.auth import Role, UserSummary
from pos.services.devices import DeviceEvents, ReceiptPrinting, TillDevices
from pos.services.etims import KraBlock
from pos.services.refund_receipts import print_refund
from pos.services.terminal import Terminal
from pos.ui import i18n
from tests.domain.test_receipt import paid_sale, receipt_of
from tests.services.test_kra_block_language import _block
from tests.services.test_refunds_printed import refunded


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_receipt_language("en")


@pytest.fixture
def paper() -> Iterator[tuple[PrinterEmulator, TillDevices]]:
    emu = PrinterEmulator(drawer_closes_after=None)
    server = EmulatorServer(TcpLink(), emu, name="printer-emulator").start()
    device = ReceiptPrinter(PortSettings(server.url, timeout=0.3), poll_interval=60)
    printing = ReceiptPrinting(device, profile("80mm-48"), say=_receipt_say)
    devices = TillDevices(DeviceEvents(), printing=printing, drawer=True)
    try:
        yield emu, devices
    finally:
        devices.close()
        server.stop()


def _lines(emu: PrinterEmulator, count: int) -> list[str]:
    return [t.strip() for t in render(emu.wait_receipts(count)[-1], 48)]


def test_the_printed_refund_receipt_follows_the_receipt_language(
    cashier: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
    paper: tuple[PrinterEmulator, TillDevices],
) -> None:
    emu, devices = paper
    original, done = refunded(cashier, users, pins)
    pictures: dict[str, list[str]] = {}
    for language in ("en", "sw", "both"):
        i18n.set_receipt_language(language)  # asked per job: a changed setting prints at once
        job = print_refund(devices, done.receipt, cash_out=False)
        assert job is not None
        assert job.result(5) is PrintOutcome.PRINTED
        pictures[language] = _lines(emu, len(pictures) + 1)
    english, kiswahili, both = pictures["en"], pictures["sw"], pictures["both"]
    assert f"For receipt{original:>37}" in english
    assert "Original receipt" in english
    assert done.receipt.issued_at.strftime("%Y-%m-%d %H:%M") in " ".join(english)
    assert "Risiti" not in " ".join(english)
    sw = "\n".join(kiswahili)
    for word in ("For receipt", "Approved by", "Original receipt", "Cashier", "Reason:"):
        assert word not in sw, word
    assert f"Ya risiti{original:>39}" in kiswahili
    assert "Risiti ya awali" in kiswahili
    assert "Sababu: seal broken" in kiswahili  # the reason as the cashier typed it
    assert " ".join("MAREJESHO KES") in sw  # double size on paper
    assert done.receipt.issued_at.strftime("%d/%m/%Y %H:%M") in sw
    assert any(line.startswith("Approved by / Ameidhinisha") for line in both)
    assert all(len(line) <= 48 for line in both)  # both languages still fit the paper


def _kra_paper(emu: PrinterEmulator, devices: TillDevices, kra: KraBlock) -> dict[str, Any]:
    printing = devices.printing
    assert printing is not None
    out: dict[str, Any] = {}
    for language in ("en", "sw"):
        i18n.set_receipt_language(language)
        assert printing.reprint(receipt_of(paid_sale()), kra).result(5) is PrintOutcome.PRINTED
        out[language] = _lines(emu, len(out) + 1)
    return out


def test_the_kra_block_on_paper_says_the_shops_labels_in_the_receipt_language(
    paper: tuple[PrinterEmulator, TillDevices],
) -> None:
    emu, devices = paper
    printed = _kra_paper(emu, devices, _block(training=True))
    english, kiswahili = printed["en"], "\n".join(printed["sw"])
    assert any(line.startswith("Receipt counter") for line in english)
    assert "TRAINING - signed by the simulator" in english
    assert "Kihesabu cha risiti" in kiswahili
    assert "Receipt counter" not in kiswahili
    assert "MAFUNZO - imesainiwa na simulator" in kiswahili
    for kra_term in ("SCU INFORMATION", "SCU ID", "CU Invoice No.", "Internal Data"):
        assert kra_term in kiswahili, kra_term  # KRA's own names stay as KRA prints them


def test_the_provisional_kra_mark_keeps_kras_words_and_says_the_hint_in_kiswahili(
    paper: tuple[PrinterEmulator, TillDevices],
) -> None:
    emu, devices = paper
    printed = _kra_paper(emu, devices, KraBlock(signed=False, title=""))
    kiswahili = "\n".join(printed["sw"])
    assert "NOT YET A TAX INVOICE" in kiswahili
    assert "Ask for the signed invoice later" not in kiswahili
    assert "Ask for the signed invoice later (reprint)" in printed["en"]
