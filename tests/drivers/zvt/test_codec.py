"""ZVT codec against the known-good vectors of the hardware reference (section 3)."""

from __future__ import annotations

import pytest

from drivers.zvt import messages as m
from drivers.zvt.apdu import Apdu, ApduError, apdu_size
from drivers.zvt.bmp import BmpError, bcd, decode_fields, encode_field, masked_pan
from drivers.zvt.codes import result_text
from drivers.zvt.framing import ACK, NAK, Deframer, FrameError, crc16_kermit, encode_frame

HEX = bytes.fromhex


def test_crc16_kermit_check_value() -> None:
    assert crc16_kermit(b"123456789") == 0x2189


def test_captured_frame_from_ecrterm_is_reproduced() -> None:
    apdu = HEX("060F0BF0F0F7322E31342E313500")
    assert encode_frame(apdu) == HEX("1002 060F0BF0F0F7322E31342E313500 1003 B111")


def test_authorization_of_12_34_eur_on_the_wire() -> None:
    apdu = m.authorization(1234, "EUR")
    assert apdu.encode() == HEX("06010A 040000000012 34 490978")
    assert encode_frame(apdu.encode()) == HEX("1002 06010A0400000000123449 0978 1003 B091")


def test_registration_on_the_wire() -> None:
    apdu = m.registration(123456, "EUR")
    assert apdu.encode() == HEX("060006123456BA0978")
    assert encode_frame(apdu.encode())[-4:] == HEX("1003 24C3")


def test_kenyan_shillings_are_currency_0404() -> None:
    assert m.authorization(100, "KES").encode().endswith(HEX("490404"))


def test_dle_in_the_data_is_doubled_and_read_back_once() -> None:
    apdu = Apdu(0x06, 0x01, HEX("04 000000001010 490404"))
    wire = encode_frame(apdu.encode())
    assert HEX("101010 10") in wire  # both data DLEs doubled
    assert Deframer().feed(wire) == [apdu.encode()]


def test_deframer_reads_a_frame_given_one_byte_at_a_time() -> None:
    apdu = m.authorization(5000, "KES").encode()
    deframer = Deframer()
    events = []
    for byte in encode_frame(apdu):
        events += deframer.feed(bytes([byte]))
    assert events == [apdu]


def test_deframer_reports_a_bad_crc_and_recovers_for_the_next_frame() -> None:
    good = encode_frame(HEX("800000"))
    bad = good[:-1] + bytes([good[-1] ^ 0x01])
    events = Deframer().feed(bad + good)
    assert isinstance(events[0], FrameError)
    assert "CRC" in str(events[0])
    assert events[1] == HEX("800000")


def test_deframer_passes_ack_and_nak_bytes_between_frames() -> None:
    assert Deframer().feed(bytes([ACK, NAK])) == [ACK, NAK]


def test_deframer_rejects_dle_followed_by_nonsense() -> None:
    events = Deframer().feed(HEX("1002 0600 1041"))
    assert len(events) == 1
    assert isinstance(events[0], FrameError)


def test_long_apdu_uses_the_three_byte_length() -> None:
    apdu = Apdu(0x06, 0xD3, bytes(300))
    raw = apdu.encode()
    assert raw[:5] == HEX("06D3FF2C01")
    assert apdu_size(raw[:5]) == 305
    assert Apdu.decode(raw) == apdu


def test_apdu_decode_refuses_a_wrong_length() -> None:
    with pytest.raises(ApduError):
        Apdu.decode(HEX("060F05 0102"))


def test_masked_pan_from_the_reference() -> None:
    fields = decode_fields(HEX("22F0F8474843EEEEEE7743"))
    assert masked_pan(fields[0x22]) == "474843******7743"


def test_masked_pan_masks_again_what_a_terminal_sent_in_clear() -> None:
    assert masked_pan(HEX("4761739001010010")) == "476173******0010"
    assert masked_pan(HEX("476173900101001F")) == "476173*****1001"


def test_track_data_fields_are_dropped_by_the_decoder() -> None:
    data = (
        encode_field(0x27, b"\x00")
        + encode_field(0x23, HEX("4761739001010010D25121"))
        + encode_field(0x2D, b"B4761739001010010^DOE/J^2512")
        + encode_field(0x87, bcd(42, 2))
    )
    fields = decode_fields(data)
    assert set(fields) == {0x27, 0x87}


def test_status_information_round_trip_keeps_only_storable_fields() -> None:
    info = m.StatusInfo(
        0x00,
        amount_minor=123456,
        currency="KES",
        trace=17,
        receipt_no=9,
        terminal_id="52500038",
        masked_pan="476173******0010",
        card_name="VISA",
        approval_code="123ABC",
        date="1202",
        time="130501",
    )
    apdu = m.encode_status_info(info, HEX("476173EEEEEE0010"))
    assert m.parse(Apdu.decode(apdu.encode())) == info


def test_intermediate_status_and_pt_abort_are_parsed() -> None:
    assert m.parse(Apdu(0x04, 0xFF, b"\x0a")) == m.Intermediate(0x0A, "")
    assert m.parse(Apdu(0x06, 0x1E, b"\x6c")) == m.PtAbort(0x6C)
    assert m.parse(Apdu(0x84, 0x83)) == m.Nack(0x83)
    assert m.parse(Apdu(0x80, 0x00)) == m.Ack()


def test_unknown_bmp_is_an_error_not_a_guess() -> None:
    with pytest.raises(BmpError):
        decode_fields(HEX("FE0102"))


def test_an_unknown_currency_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="XYZ"):
        m.authorization(100, "XYZ")


def test_reversal_refund_end_of_day_and_status_enquiry_bytes() -> None:
    assert m.reversal(0, 42).encode() == HEX("063006 000000 870042")
    assert m.refund(0, 500, "KES").encode() == HEX("06310D 000000 040000000005 00 490404")
    assert m.end_of_day(0).encode() == HEX("065003000000")
    assert m.status_enquiry(0).encode() == HEX("050103000000")
    assert m.abort().encode() == HEX("06B000")


def test_result_codes_have_words_and_unknown_ones_say_their_number() -> None:
    assert "aborted" in result_text(0x6C)
    assert "expired" in result_text(0x78)
    assert "(code 5E)" in result_text(0x5E)
