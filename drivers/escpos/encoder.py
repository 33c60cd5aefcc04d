"""Document to ESC/POS bytes for a profile: pure, deterministic, no I/O.

Wrapping happens here because only here are the columns known (double size halves them).
Long words are broken across lines rather than cut off.
"""

from __future__ import annotations

import textwrap

from drivers.escpos import commands as cmd
from drivers.escpos.document import (
    Align,
    Barcode,
    Block,
    Feed,
    Logo,
    Pair,
    PrintDocument,
    QrCode,
    Rule,
    Text,
)
from drivers.escpos.profiles import PrinterProfile


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, nothing dropped. An indented
    line (a tender's reference under its tender) keeps its indent when it wraps."""
    if not text:
        return [""]
    lines: list[str] = []
    for para in text.split("\n"):
        indent = para[: len(para) - len(para.lstrip(" "))]
        lines.extend(
            textwrap.wrap(
                para,
                width,
                subsequent_indent=indent if len(indent) * 4 < width else "",
                break_long_words=True,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
            or [""]
        )
    return lines


def pair_lines(left: str, right: str, width: int) -> list[str]:
    """``left`` and ``right`` on one line if they fit, else ``left`` wrapped and ``right``
    right-aligned below (itself wrapped when wider than the paper)."""
    if len(left) + 1 + len(right) <= width:
        return [f"{left:<{width - len(right) - 1}} {right}"]
    out = wrap(left, width)
    if len(out[-1]) + 1 + len(right) <= width:
        last = out.pop()
        out.append(f"{last:<{width - len(right) - 1}} {right}")
        return out
    out.extend(line.rjust(width) for line in wrap(right, width))
    return out


class _Encoder:
    def __init__(self, profile: PrinterProfile) -> None:
        self.p = profile
        self.out = bytearray()
        self.align = Align.LEFT
        self.bold = False
        self.size = 1

    def style(self, align: Align, bold: bool, size: int) -> None:
        if align is not self.align:
            self.out += cmd.ALIGN[align.value]
            self.align = align
        if bold is not self.bold:
            self.out += cmd.BOLD_ON if bold else cmd.BOLD_OFF
            self.bold = bold
        if size != self.size:
            self.out += cmd.size(size, size)
            self.size = size

    def lines(self, lines: list[str]) -> None:
        for line in lines:
            self.out += self.p.encode_text(line.rstrip()) + cmd.LF

    def block(self, b: Block) -> None:
        width = self.p.columns
        if isinstance(b, Text):
            self.style(b.align, b.bold, b.size)
            self.lines(wrap(b.text, width // b.size))
        elif isinstance(b, Pair):
            self.style(Align.LEFT, b.bold, b.size)
            self.lines(pair_lines(b.left, b.right, width // b.size))
        elif isinstance(b, Rule):
            self.style(Align.LEFT, False, 1)
            self.lines([(b.char or "-")[0] * width])
        elif isinstance(b, QrCode):
            self.style(Align.CENTER, False, 1)
            if self.p.qr:
                self.out += cmd.qr_code(b.data.encode("utf-8"), b.module, b.ec) + cmd.LF
            else:
                self.lines(wrap(b.data, width))
        elif isinstance(b, Barcode):
            self.style(Align.CENTER, False, 1)
            self.out += cmd.barcode_code128(b.data, height=b.height) + cmd.LF
        elif isinstance(b, Logo):
            if self.p.nv_logo:
                self.style(Align.CENTER, False, 1)
                self.out += cmd.nv_logo(b.key)
        elif isinstance(b, Feed):
            self.out += cmd.feed(b.lines)


def encode(document: PrintDocument, profile: PrinterProfile, *, drawer_pin: int = 2) -> bytes:
    """The whole job: init, code page, blocks, feed and cut, then the drawer kick if asked."""
    enc = _Encoder(profile)
    enc.out += cmd.INIT + cmd.code_table(profile.code_table)
    for block in document.blocks:
        enc.block(block)
    enc.style(Align.LEFT, False, 1)
    if profile.cut:
        enc.out += cmd.cut(partial=True, feed_dots=profile.feed_before_cut * 8)
    else:
        enc.out += cmd.feed(profile.feed_before_cut + 3)
    if document.kick_drawer:
        enc.out += cmd.drawer_kick(drawer_pin)
    return bytes(enc.out)
