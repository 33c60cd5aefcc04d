"""The receipt's KRA block in the receipt's language: the shop's own labels (date, time,
receipt counter, the training line) follow ``[receipt] language``; KRA's terms (the
title, SCU ID, CU Invoice No., Internal Data, Receipt Signature) stay as KRA prints them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pos.domain.messages import Message
from pos.services.etims import OWN_LABELS, PROVISIONAL_MARK, TRAINING_SIGNED, KraBlock
from sync.etims.models import DeviceInfo, Signature
from sync.etims.receipt import scu_block

KISWAHILI = {
    "Date": "Tarehe",
    "Time": "Saa",
    "Receipt counter": "Kihesabu cha risiti",
    TRAINING_SIGNED: "MAFUNZO - imesainiwa na simulator",
}


def _block(*, training: bool = True) -> KraBlock:
    signature = Signature(
        invc_no=42,
        rcpt_ty_cd="S",
        cur_rcpt_no=7,
        tot_rcpt_no=9,
        intrl_data="ABCDEFGHIJKLMNOP",
        rcpt_sign="QRSTUVWXYZ123456",
        sdc_date_time=datetime(2026, 12, 2, 14, 5, 9),
    )
    device = DeviceInfo("P051234567X", "00", "Duka", "Main", "KRACU0100000001", "M1", "D1")
    scu = scu_block(signature, device, verify_host="https://etims-sbx.kra.go.ke")
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
