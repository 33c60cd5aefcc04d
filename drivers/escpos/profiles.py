"""Printer profiles: paper width, columns, code page, what the model can do.

Capability profiles instead of model checks, as python-escpos does. Columns come from
escpos-printer-db (CC BY 4.0): POS-5890 58 mm 32 columns, TM-T88V 80 mm 42, TM-T20II 80 mm
48. Code pages are forced, never auto-switched: the profile names the Python codec and the
``ESC t`` number the printer uses for it (clones renumber tables).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

#: Python codec -> Epson ``ESC t`` number.
EPSON_CODE_PAGES: dict[str, int] = {
    "cp437": 0,
    "cp850": 2,
    "cp1252": 16,
    "cp866": 17,
    "cp852": 18,
    "cp858": 19,
    "iso8859_15": 40,
}

#: Typographic characters a code page may lack, and what prints instead.
_FALLBACKS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u20ac": "EUR",
}


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """How to lay out and encode for one printer model."""

    name: str
    paper_mm: int
    columns: int
    codec: str = "cp858"
    code_table: int = 19
    qr: bool = True
    nv_logo: bool = True
    cut: bool = True
    feed_before_cut: int = 3

    def encode_text(self, text: str) -> bytes:
        """``text`` in the profile's code page. A character the page lacks becomes its
        unaccented letter or a close ASCII stand-in, then ``?``: never an exception, never
        a silently switched code page."""
        try:
            return text.encode(self.codec)
        except UnicodeEncodeError:
            pass
        out = bytearray()
        for ch in text:
            try:
                out += ch.encode(self.codec)
                continue
            except UnicodeEncodeError:
                pass
            alt = _FALLBACKS.get(ch)
            if alt is None:
                base = unicodedata.normalize("NFKD", ch)
                alt = "".join(c for c in base if not unicodedata.combining(c)) or "?"
            out += alt.encode(self.codec, errors="replace")
        return bytes(out)

    def with_code_page(self, codec: str, table: int | None = None) -> PrinterProfile:
        """This profile with another code page (``table`` defaults to Epson's number)."""
        if table is None:
            if codec not in EPSON_CODE_PAGES:
                raise ValueError(f"code_page: {codec!r} needs its ESC t number")
            table = EPSON_CODE_PAGES[codec]
        "".encode(codec)  # unknown codecs fail here, with the name
        return replace(self, codec=codec, code_table=table)


PROFILES: dict[str, PrinterProfile] = {
    "58mm": PrinterProfile("58mm", 58, 32, codec="cp437", code_table=0),
    "80mm-42": PrinterProfile("80mm-42", 80, 42),
    "80mm-48": PrinterProfile("80mm-48", 80, 48),
}


def profile(name: str) -> PrinterProfile:
    """A profile by name; the error lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"profile: {name!r} (use {', '.join(PROFILES)})") from None
