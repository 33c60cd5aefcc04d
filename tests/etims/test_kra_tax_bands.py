"""KRA's tax table in the signed block (reference 4.3): one row per band A-E always, taken
from the invoice as it was submitted to KRA, under the heading "KRA tax bands".

Kaunta's item lines print Kaunta's VAT codes (S, Z, E; Kaunta's E is exempt), KRA's
bands are other letters (A exempt, B 16 %, C 0 %, D non-VAT, E 8 %): the table lets a
customer or an auditor compare the receipt with KRA's verification page. Proved over
real HTTP against the OSCU simulator: a sale with an exempt line and a 16 % line shows
"A Exempt" with the exempt line's amount and "B 16%" with the taxable amount and tax KRA
received, and all five bands, on screen and printed through the printer emulator (a
real socket); with other settings the table follows what was sent (VAT-inclusive
taxable amounts, a rate of 0 for an unused band), not a recomputation; amounts are
exact from the JSON numbers' text; a block without the submitted invoice is as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.escpos.decoder import Qr, render
from drivers.escpos.device import PrintOutcome
from drivers.escpos.emulator import PrinterEmulator
from pos.etims_link import EtimsLink
from pos.services.devices import ReceiptPrinting
from pos.services.etims import BANDS_HEADING, EtimsService, KraBlock
from pos.services.terminal import Terminal
from sync.etims.amounts import money
from sync.etims.mapping import Registrar
from sync.etims.receipt import BAND_FIELDS, band_table
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import AmountConvention, Branch, EtimsSettings, RateStyle
from tests.etims.conftest import DictSecrets
from tests.etims.test_kra_print import printer
from tests.etims.test_till_link import UHT, Watch, cash_sale, link_parts

__all__ = ["link_parts", "printer"]  # fixtures shared with the worker's and print tests

FLOUR = "6162393385004"  # Jogoo Maize Flour 1kg, 88.00, exempt (Kaunta's VAT code E)


def _line(lines: list[str], label: str) -> list[str]:
    """The words of the one line that starts with ``label`` (after it)."""
    [found] = [ln for ln in lines if ln.startswith(label + " ") or ln == label]
    return found[len(label) :].split()


def _submitted(box: EtimsSandbox, invc_no: int) -> dict[str, Any]:
    return dict(box.device("00").invoices[invc_no].body)


def test_a_signed_sale_shows_kras_five_bands_as_submitted_with_the_exempt_line_under_a(
    cashier: Terminal,
    link_parts: tuple[EtimsLink, EtimsSandbox, Watch],
    printer: tuple[PrinterEmulator, ReceiptPrinting],
) -> None:
    link, box, watch = link_parts
    sale = cash_sale(cashier, (FLOUR, 1), (UHT, 2))  # 88.00 exempt, 150.00 at 16 %
    link.start()
    watch.until(lambda v: v.signed == 1)
    block = link.block_for(sale)
    assert block is not None
    assert block.signed
    lines = block.text_lines()
    # exempt is KRA's A (Kaunta's own code for it is E); 150.00 at 16 % is 20.69 VAT
    # inside, 129.31 taxable (the default convention: without VAT)
    assert _line(lines, "A Exempt") == ["88.00", "0.00"]
    assert _line(lines, "B 16%") == ["129.31", "20.69"]
    assert _line(lines, "C 0%") == ["0.00", "0.00"]
    assert _line(lines, "D Non-VAT") == ["0.00", "0.00"]
    assert _line(lines, "E 8%") == ["0.00", "0.00"]  # KRA's E: 8 %, not Kaunta's exempt
    assert _line(lines, "Total") == ["KES", "238.00"]
    # the table is what KRA holds: every figure from the invoice the simulator recorded
    sent = _submitted(box, 1)
    for label, taxable, tax in block.bands:
        band = label[0]
        assert Decimal(taxable.replace(",", "")) == Decimal(str(sent[f"taxblAmt{band}"]))
        assert Decimal(tax.replace(",", "")) == Decimal(str(sent[f"taxAmt{band}"]))
    assert [label for label, _a, _b in block.bands] == [
        "A Exempt",
        "B 16%",
        "C 0%",
        "D Non-VAT",
        "E 8%",
    ]
    # under its heading, after KRA's rows and before the QR code; within the width
    heading = lines.index(BANDS_HEADING)
    assert heading > next(i for i, ln in enumerate(lines) if ln.startswith("Receipt Signature"))
    assert lines[heading + 1].split() == ["Taxable", "Tax"]
    assert lines.index(next(ln for ln in lines if ln.startswith("[QR"))) > heading
    assert all(len(ln) <= 42 for ln in lines)
    narrow = block.text_lines(width=20)  # a narrow receipt: amounts under their label
    table = narrow[narrow.index(BANDS_HEADING) :]
    table = table[: next(i for i, ln in enumerate(table) if ln.startswith("Total")) + 1]
    assert all(len(ln) <= 20 for ln in table), table
    assert table[table.index("A Exempt") + 1].split() == ["88.00", "0.00"]
    # the item lines keep Kaunta's codes: the receipt itself is not reworked
    receipt = cashier.receipts.receipt(sale)
    assert sorted(line.vat_code for line in receipt.lines) == ["E", "S"]

    # on paper, through the printer emulator: the same table between the rows and the QR
    emu, printing = printer
    assert printing.print_sale(receipt, block).result(5) is PrintOutcome.PRINTED
    [picture] = emu.wait_receipts(1)
    printed = [ln.rstrip() for ln in render(picture, 48)]
    assert BANDS_HEADING in printed
    assert _line(printed, "A Exempt") == ["88.00", "0.00"]
    assert _line(printed, "B 16%") == ["129.31", "20.69"]
    for label in ("C 0%", "D Non-VAT", "E 8%"):
        assert _line(printed, label) == ["0.00", "0.00"]
    assert _line(printed, "Total") == ["KES", "238.00"]
    text = picture.text_lines()
    assert text.index(BANDS_HEADING) > text.index("SCU INFORMATION")
    assert any(isinstance(e, Qr) for e in picture.events)


@pytest.fixture
def other_settings(
    cashier: Terminal, tmp_path: Path
) -> Iterator[tuple[EtimsLink, EtimsSandbox, Watch]]:
    """The till's worker submitting VAT-inclusive taxable amounts and a rate only for
    the bands the invoice uses (both GUESS settings of reference 3.2/3.5)."""
    with EtimsSandbox() as box:
        service = EtimsService(training=True)
        watch = Watch(service)
        worker = EtimsLink(
            cashier.db,
            service,
            queue_path=tmp_path / "etims.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url,
                verify_host=box.verify_host,
                timeout_s=3.0,
                amount_convention=AmountConvention.INCLUSIVE,
                rate_style=RateStyle.USED,
            ),
            secrets=DictSecrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            poll_s=0.2,
        )
        try:
            yield worker, box, watch
        finally:
            worker.stop()


def test_the_table_follows_what_was_submitted_not_a_recomputation(
    cashier: Terminal, other_settings: tuple[EtimsLink, EtimsSandbox, Watch]
) -> None:
    link, box, watch = other_settings
    sale = cash_sale(cashier, (UHT, 2))
    link.start()
    watch.until(lambda v: v.signed == 1)
    block = link.block_for(sale)
    assert block is not None
    sent = _submitted(box, 1)
    assert sent["taxRtE"] == 0  # unused, so no rate sent
    lines = block.text_lines()
    assert _line(lines, "B 16%") == ["150.00", "20.69"]  # the taxable amount as sent
    assert _line(lines, "E 0%") == ["0.00", "0.00"]  # the rate as sent, not KRA's 8
    assert _line(lines, "A Exempt") == ["0.00", "0.00"]
    copy = link.block_for(sale, copy=True)  # a reprint carries the same table
    assert copy is not None
    assert copy.bands == block.bands
    assert copy.total == block.total == "KES 150.00"


def _request(**given_values: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict.fromkeys(BAND_FIELDS, 0)
    fields.update(taxRtB=16, taxRtE=8)
    fields.update(given_values)
    return fields


@given(
    taxable=st.integers(min_value=0, max_value=10**11 - 1),
    tax=st.integers(min_value=0, max_value=10**9),
)
def test_amounts_print_exactly_as_the_json_numbers_say(taxable: int, tax: int) -> None:
    """The queue keeps the request as JSON numbers (floats once read back): the table
    prints each to the cent, never a float's binary neighbour."""
    stored = json.dumps(
        _request(taxblAmtB=float(money(taxable)), taxAmtB=float(money(tax)), totAmt=0.1)
    )
    rows, total = band_table(json.loads(stored))
    assert rows[1] == ("B 16%", f"{taxable // 100:,}.{taxable % 100:02d}", _text(tax))
    assert total == "KES 0.10"


def _text(minor: int) -> str:
    return f"{minor // 100:,}.{minor % 100:02d}"


def test_rates_and_amounts_are_read_from_their_text_in_any_json_form() -> None:
    rows, total = band_table(
        _request(
            taxRtB="16.00", taxRtE=Decimal("8.0"), taxRtC=0.0, taxblAmtB="1234.5", totAmt=1234.5
        )
    )
    assert [r[0] for r in rows] == ["A Exempt", "B 16%", "C 0%", "D Non-VAT", "E 8%"]
    assert rows[1][1] == "1,234.50"
    assert total == "KES 1,234.50"
    assert band_table(_request(taxRtB=12.5))[0][1][0] == "B 12.5%"


def test_without_the_submitted_invoice_the_block_has_no_table_and_reads_as_before() -> None:
    assert band_table(None) == ((), "")
    incomplete = _request()
    del incomplete["taxAmtC"]
    assert band_table(incomplete) == ((), "")  # never a guessed row
    assert band_table(_request(taxAmtC=True)) == ((), "")
    assert band_table(_request(taxAmtC="n/a")) == ((), "")
    plain = KraBlock(signed=True, title="TAX INVOICE", rows=(("SCU ID", "KRACU01"),))
    assert plain.band_pairs() == []
    assert BANDS_HEADING not in plain.text_lines()
    assert plain.text_lines()[-2].startswith("SCU ID")
