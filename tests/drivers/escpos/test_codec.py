"""ESC/POS codec against the byte sequences of the reference (hardware.md, section 1)."""

from __future__ import annotations

import pytest

from drivers.escpos import commands as cmd
from drivers.escpos.decoder import (
    BarcodeMark,
    Cut,
    Decoder,
    Kick,
    Line,
    LogoMark,
    Qr,
    StatusRequest,
)
from drivers.escpos.document import Align, Barcode, Logo, Pair, PrintDocument, QrCode, Text
from drivers.escpos.encoder import encode, pair_lines, wrap
from drivers.escpos.profiles import PROFILES, profile
from drivers.escpos.status import PrinterStatus, StatusError, encode_status, parse_asb, parse_status


def test_fixed_sequences_match_the_reference() -> None:
    assert bytes.fromhex("1b40") == cmd.INIT
    assert cmd.ALIGN["center"] == bytes.fromhex("1b6101")
    assert cmd.size(2, 2) == bytes.fromhex("1d2111")
    assert cmd.cut(partial=False, feed_dots=0) == bytes.fromhex("1d564100")
    assert cmd.cut(partial=True, feed_dots=0) == bytes.fromhex("1d564200")
    assert cmd.drawer_kick(2, on_ms=100, off_ms=100) == bytes.fromhex("1b70003232")
    assert cmd.drawer_kick(5) == bytes.fromhex("1b70013232")
    assert cmd.status_request(4) == bytes.fromhex("100404")
    assert cmd.code_table(19) == bytes.fromhex("1b7413")
    assert cmd.nv_logo(1) == bytes.fromhex("1c700100")


def test_real_time_drawer_pulse_is_dle_dc4_1_and_decodes_back() -> None:
    # DLE DC4 fn=1 m t: m 0 = pin 2, 1 = pin 5; t = on time in 100 ms units (1 to 8)
    assert cmd.realtime_pulse(2, on_ms=100) == bytes.fromhex("1014010001")
    assert cmd.realtime_pulse(5, on_ms=500) == bytes.fromhex("1014010105")
    assert cmd.realtime_pulse(2, on_ms=5000) == bytes.fromhex("1014010008")
    with pytest.raises(ValueError, match="pin 2 or pin 5"):
        cmd.realtime_pulse(3)
    decoder = Decoder()
    assert decoder.feed(bytes.fromhex("101401")) == []  # waits for the rest
    assert decoder.feed(bytes.fromhex("0105")) == [Kick(pin=5, on_ms=500, realtime=True)]
    assert decoder.feed(cmd.drawer_kick(2)) == [Kick(pin=2, on_ms=100)]


def test_qr_code_is_native_gs_k_model_2() -> None:
    data = b"https://kaunta.example/r/S1-T1-42"
    n = len(data) + 3
    assert cmd.qr_code(data, module=6, ec="M") == (
        bytes.fromhex("1d286b0400314132001d286b03003143061d286b0300314531")
        + bytes.fromhex("1d286b")
        + bytes((n, 0))
        + bytes.fromhex("315030")
        + data
        + bytes.fromhex("1d286b0300315130")
    )


def test_code128_barcode_matches_the_reference_bytes() -> None:
    out = cmd.barcode_code128("ABC123", height=60, width=2, hri=2)
    assert out.endswith(bytes.fromhex("1d6b49087b42414243313233"))
    assert out.startswith(bytes.fromhex("1d683c1d77021d4802"))


@pytest.mark.parametrize("bad", ["", "caf\u00e9", "a{b", "x" * 254])
def test_barcode_refuses_what_code128_b_cannot_carry(bad: str) -> None:
    with pytest.raises(ValueError, match=r"CODE128|too long"):
        cmd.barcode_code128(bad)


@pytest.mark.parametrize(
    ("byte", "code"),
    [(0x12, "ok"), (0x1E, "paper_near_end"), (0x7E, "paper_end")],
)
def test_paper_status_replies_from_the_reference(byte: int, code: str) -> None:
    assert parse_status({1: 0x12, 2: 0x12, 4: byte}).code == code


def test_offline_cover_and_drawer_bits() -> None:
    s = parse_status({1: 0x1A | 0x04, 2: 0x12 | 0x04, 4: 0x12})
    assert s.offline
    assert s.drawer_pin3_high
    assert s.cover_open
    assert not s.ready
    assert s.code == "cover_open"
    assert parse_status(encode_status(s)) == s


def test_a_byte_that_is_not_a_status_reply_is_refused() -> None:
    with pytest.raises(StatusError, match="0x13"):
        parse_status({1: 0x13})  # XOFF shares the line; it is never a status


def test_asb_blocks_parse() -> None:
    assert parse_asb(bytes((0x10 | 0x20, 0, 0x0C, 0))) == PrinterStatus(
        cover_open=True, paper_end=True
    )
    with pytest.raises(StatusError):
        parse_asb(b"\x12\x00\x00\x00")  # bit 1 set: that is a DLE EOT reply


def test_wrap_never_drops_text() -> None:
    long = "Unga wa Ngano Exe Premium Home Baking Flour 2kg Pakiti Kubwa"
    lines = wrap(long, 32)
    assert all(len(line) <= 32 for line in lines)
    assert " ".join(lines) == long
    word = "X" * 70
    assert "".join(wrap(word, 32)) == word


def test_an_indented_line_keeps_its_indent_when_it_wraps() -> None:
    ref = "  Card approval 799819 · 476173******0010 · TID 52500038 · receipt 0001"
    lines = wrap(ref, 48)
    assert lines == [
        "  Card approval 799819 · 476173******0010 · TID",
        "  52500038 · receipt 0001",
    ]
    assert all(len(line) <= 48 for line in lines)
    assert wrap("Unindented text that is long enough to wrap here", 20)[1][0] != " "


def test_pair_wraps_the_label_and_keeps_the_amount_whole() -> None:
    assert pair_lines("Total", "1,234.00", 32) == [f"{'Total':<23} 1,234.00"]
    lines = pair_lines("Sukari Kabras Brown Sugar 1kg x 12 packets", "12,345,678.00", 32)
    assert lines[-1].endswith("12,345,678.00")
    assert all(len(line) <= 32 for line in lines)
    assert (
        " ".join(line.replace("12,345,678.00", "").strip() for line in lines).strip()
        == "Sukari Kabras Brown Sugar 1kg x 12 packets"
    )


@pytest.mark.parametrize("name", list(PROFILES))
def test_document_round_trips_through_the_decoder(name: str) -> None:
    prof = profile(name)
    doc = PrintDocument(
        (
            Logo(1),
            Text("Duka la Mama Njeri", Align.CENTER, bold=True, size=2),
            Text("Asante - Karibu tena!", Align.CENTER),
            Pair("Maziwa Brookside 500ml", "65.00"),
            Pair("TOTAL KES", "1,065.00", bold=True),
            QrCode("S1-T1-000042"),
            Barcode("S1-T1-000042"),
        ),
        kick_drawer=True,
    )
    data = encode(doc, prof)
    assert data.startswith(cmd.INIT + cmd.code_table(prof.code_table))
    events = Decoder().feed(data)
    lines = [e for e in events if isinstance(e, Line)]
    big = [e for e in lines if e.size == 2]
    assert " ".join(e.text for e in big) == "Duka la Mama Njeri"  # wrapped at half width
    assert all(e.bold and e.align == "center" for e in big)
    assert all(len(e.text) <= prof.columns // e.size for e in lines)
    assert lines[len(big)].text == "Asante - Karibu tena!"
    assert any(e.text.endswith("1,065.00") and e.bold for e in lines)
    assert LogoMark(1) in events
    assert Qr("S1-T1-000042") in events
    assert BarcodeMark(73, "S1-T1-000042") in events
    kinds = [type(e) for e in events]
    assert kinds.index(Cut) < kinds.index(Kick)  # the drawer opens once the receipt is cut


def test_code_page_text_decodes_back_and_unknown_characters_degrade() -> None:
    prof = profile("80mm-42")  # CP858, which has the euro sign
    data = encode(PrintDocument((Text("Caf\u00e9 \u20ac5 \u2014 \u201cfresh\u201d \u4e2d"),)), prof)
    line = next(e for e in Decoder().feed(data) if isinstance(e, Line))
    assert line.text == 'Caf\u00e9 \u20ac5 - "fresh" ?'
    narrow = profile("58mm")  # CP437: no euro sign
    assert narrow.encode_text("\u20ac") == b"EUR"


def test_decoder_takes_bytes_in_any_chunks_and_answers_status_midway() -> None:
    data = cmd.INIT + b"abc\n" + cmd.status_request(1) + cmd.qr_code(b"xyz") + cmd.cut()
    dec = Decoder()
    events = []
    for i in range(len(data)):
        events += dec.feed(data[i : i + 1])
    assert events == [Line("abc"), StatusRequest(1), Qr("xyz"), Cut(partial=True)]


def test_unknown_profile_and_code_page_are_named() -> None:
    with pytest.raises(ValueError, match="profile: 'tm-x'"):
        profile("tm-x")
    with pytest.raises(ValueError, match="code_page"):
        profile("58mm").with_code_page("cp1255")
    assert profile("58mm").with_code_page("cp858", 53).code_table == 53
