"""The receipt's KRA block in the receipt's language: the shop's own labels (date, time,
receipt counter, the training line, the tax table's heading, column heads and total)
follow ``[receipt] language``; KRA's terms (the title, SCU ID, CU Invoice No., Internal
Data, Receipt Signature, the band labels) stay as KRA prints them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pos.domain.messages import Message
from pos.services.etims import (
    BANDS_HEADING,
    BANDS_TAX,
    BANDS_TAXABLE,
    BANDS_TOTAL,
    OWN_LABELS,
    PROVISIONAL_MARK,
    TRAINING_SIGNED,
    KraBlock,
)
from sync.etims.models import DeviceInfo, Signature
from sync.etims.receipt import BAND_FIELDS, scu_block

KISWAHILI = {
    "Date": "Tarehe",
    "Time": "Saa",
    "Receipt counter": "Kihesabu cha risiti",
    TRAINING_SIGNED: "MAFUNZO - imesainiwa na simulator",
}


SIGNATURE = Signature(
    invc_no=42,
    rcpt_ty_cd="S",
    cur_rcpt_no=7,
    tot_rcpt_no=9,
    intrl_data="ABCDEFGHIJKLMNOP",
    rcpt_sign="QRSTUVWXYZ123456",
    sdc_date_time=datetime(2026, 12, 2, 14, 5, 9),
)
DEVICE = DeviceInfo("P051234567X", "00", "Duka", "Main", "KRACU0100000001", "M1", "D1")


def _block(*, training: bool = True) -> KraBlock:
    scu = scu_block(SIGNATURE, DEVICE, verify_host="https://etims-sbx.kra.go.ke")
    return KraBlock(
        signed=True, title=scu.title, rows=tuple(scu.lines()), qr_url="", training=training
    )


def _say(asked: list[str]) -> Callable[[Message], str]:
    def say(message: Message) -> str:
        asked.append(str(message))
        return KISWAHILI[str(message)]

    return say


def test_the_shops_own_labels_are_in_the_receipts_language_and_kra_terms_are_not() -> None:
    asked: list[str] = []
    lines = _block().text_lines(say=_say(asked))
    text = "\n".join(lines)
    assert any(line.startswith("Tarehe") and line.endswith("02/12/2026") for line in lines)
    assert any(line.startswith("Saa") and line.endswith("14:05:09") for line in lines)
    assert any(line.startswith("Kihesabu cha risiti") for line in lines)
    assert "MAFUNZO - imesainiwa na simulator" in text
    for kra_term in ("TAX INVOICE", "SCU ID", "CU Invoice No.", "Internal Data"):
        assert kra_term in text
    assert sorted(asked) == sorted(KISWAHILI)  # nothing else was given to the translator


def test_without_a_translator_the_block_is_english_as_before() -> None:
    text = "\n".join(_block().text_lines())
    assert "Date" in text
    assert "Receipt counter" in text
    assert "TRAINING - signed by the simulator" in text


def test_every_own_label_is_one_the_kra_block_really_writes() -> None:
    """A label renamed in ``sync.etims.receipt`` would silently stay English."""
    written = {label for label, _value in _block().rows}
    assert written >= OWN_LABELS


def test_the_provisional_mark_stays_as_the_law_words_it() -> None:
    unsigned = KraBlock(signed=False, title="")
    lines = unsigned.text_lines(say=lambda m: "NEVER ASKED")
    assert " ".join(lines).count("NOT YET A TAX INVOICE") == 1
    assert "NEVER ASKED" not in lines
    assert PROVISIONAL_MARK.startswith("NOT YET A TAX INVOICE")


TABLE_KISWAHILI = {
    "KRA tax bands": "Makundi ya kodi ya KRA",
    "Taxable": "Kinachotozwa",
    "Tax": "Kodi",
    "Total": "Jumla",
}


def test_the_tax_tables_own_words_follow_the_language_and_kras_band_labels_do_not() -> None:
    """KRA's tax table (reference 4.3): its heading, column heads and total are the
    shop's words; "A Exempt", "B 16%" are KRA's names of its bands."""
    request = dict.fromkeys(BAND_FIELDS, 0) | {"taxRtB": 16, "taxRtE": 8}
    request |= {"taxblAmtB": 129.31, "taxAmtB": 20.69, "taxblAmtA": 88.0, "totAmt": 238.0}
    scu = scu_block(SIGNATURE, DEVICE, verify_host="https://kra", request=request)
    block = KraBlock(
        signed=True, title=scu.title, rows=tuple(scu.lines()), bands=scu.bands, total=scu.total
    )
    asked: list[str] = []
    words = KISWAHILI | TABLE_KISWAHILI

    def say(message: Message) -> str:
        asked.append(str(message))
        return words[str(message)]

    lines = block.text_lines(say=say)
    assert "Makundi ya kodi ya KRA" in lines
    assert "KRA tax bands" not in lines
    heads = lines[lines.index("Makundi ya kodi ya KRA") + 1].split()
    assert heads == ["Kinachotozwa", "Kodi"]
    assert [ln.split()[-2:] for ln in lines if ln.startswith("A Exempt")] == [["88.00", "0.00"]]
    assert [ln.split()[-2:] for ln in lines if ln.startswith("B 16%")] == [["129.31", "20.69"]]
    assert [ln.split() for ln in lines if ln.startswith("Jumla")] == [["Jumla", "KES", "238.00"]]
    assert all(len(ln) <= 42 for ln in lines)
    assert set(asked) == {"Date", "Time", "Receipt counter", *TABLE_KISWAHILI}
    assert {BANDS_HEADING, BANDS_TAXABLE, BANDS_TAX, BANDS_TOTAL} == set(TABLE_KISWAHILI)


def test_in_both_languages_every_band_row_keeps_to_one_line() -> None:
    """ "Taxable / Kinachotozwa" is wider than any amount: the columns shrink to the
    amounts so that "D Non-VAT" and its figures still fit one 42-column line."""
    request = dict.fromkeys(BAND_FIELDS, 0) | {"taxRtB": 16, "taxRtE": 8}
    request |= {"taxblAmtB": 12345678.9, "taxAmtB": 1975308.62, "totAmt": 14321987.52}
    scu = scu_block(SIGNATURE, DEVICE, verify_host="https://kra", request=request)
    block = KraBlock(
        signed=True, title=scu.title, rows=tuple(scu.lines()), bands=scu.bands, total=scu.total
    )
    words = KISWAHILI | TABLE_KISWAHILI

    def both(message: Message) -> str:
        english = str(message)
        return f"{english} / {words[english]}" if english in words else english

    lines = block.text_lines(say=both)
    assert all(len(ln) <= 42 for ln in lines)
    for band in ("A Exempt", "B 16%", "C 0%", "D Non-VAT", "E 8%"):
        [row] = [ln for ln in lines if ln.startswith(band)]
        assert len(row.split()) == len(band.split()) + 2  # its two amounts beside it
