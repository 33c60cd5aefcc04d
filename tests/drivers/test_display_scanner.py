"""Pole display and scanner codecs, and their emulators over real ports."""

from __future__ import annotations

import pytest

from drivers.display.codec import CommandSet, decode, encode_lines, fit
from drivers.display.emulator import DisplayEmulator
from drivers.emulator_link import EmulatorServer, Link
from drivers.scanner.codec import ScanFramer, frame
from drivers.transport import Connection, PortSettings
from tests.drivers.links import make_link


def test_fit_keeps_the_price_whole() -> None:
    assert fit("Maziwa Brookside 500ml", "65.00") == "Maziwa Brooksi 65.00"
    assert len(fit("x", "1,234,567.00")) == 20


@pytest.mark.parametrize("cs", list(CommandSet))
def test_both_command_sets_decode_to_the_same_screen(cs: CommandSet) -> None:
    data = encode_lines("Unga 2kg", "TOTAL        250.00", cs)
    assert decode(data) == ("Unga 2kg".ljust(20), "TOTAL        250.00".ljust(20))


def test_cd5220_bytes_match_the_reference() -> None:
    data = encode_lines("A", "B", CommandSet.CD5220)
    assert data.startswith(b"\x1b\x40\x0c\x1b\x51\x41A")
    assert b"\x0d\x1b\x51\x42B" in data


def test_display_emulator_shows_the_last_screen(link_kind: str) -> None:
    model = DisplayEmulator()
    link: Link = make_link(link_kind)
    with EmulatorServer(link, model):
        conn = Connection(PortSettings(link.url, timeout=0.2))
        conn.write(encode_lines("Item", "10.00", CommandSet.DMD))
        conn.write(encode_lines("Asante!", "Karibu tena", CommandSet.DMD))
        for _ in range(100):
            if model.text[0].startswith("Asante"):
                break
            conn.read(1, 0.02)
        assert model.text == ("Asante!".ljust(20), "Karibu tena".ljust(20))
        conn.close()


@pytest.mark.parametrize("term", ["CR", "LF", "CRLF", "TAB"])
def test_scanner_terminators(term: str) -> None:
    f = ScanFramer(term)
    data = frame("6161100410016", term) + frame("4006381333931", term)
    assert f.feed(data[:5], 0.0) == []
    assert f.feed(data[5:], 0.01) == ["6161100410016", "4006381333931"]


def test_scanner_stx_etx_and_aim_prefix_are_stripped() -> None:
    f = ScanFramer("CR")
    assert f.feed(frame("12345", stx_etx=True, aim="]E0"), 0.0) == ["12345"]


def test_scanner_flushes_a_code_without_terminator_after_the_idle_gap() -> None:
    f = ScanFramer("CR", idle_gap=0.2)
    assert f.feed(b"98765", 1.0) == []
    assert f.flush_idle(1.1) == []
    assert f.flush_idle(1.3) == ["98765"]


def test_bad_terminator_is_named() -> None:
    with pytest.raises(ValueError, match="terminator"):
        ScanFramer("ETB")
