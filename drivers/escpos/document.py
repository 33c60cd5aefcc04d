"""What a printer is asked to print, device-neutral: blocks of text, pairs, rules, codes.

The till lays a receipt out as a :class:`PrintDocument` (``pos/services/receipt_layout``);
the encoder turns it into ESC/POS for a profile. Text is never cut: the encoder wraps what
does not fit the profile's columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph, wrapped to the columns (half as many when ``size`` is 2)."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    size: int = 1


@dataclass(frozen=True, slots=True)
class Pair:
    """A label on the left and an amount on the right; when they do not fit on one line
    the label wraps and the amount goes right-aligned on the line below."""

    left: str
    right: str
    bold: bool = False
    size: int = 1


@dataclass(frozen=True, slots=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True, slots=True)
class QrCode:
    data: str
    module: int = 6
    ec: str = "M"


@dataclass(frozen=True, slots=True)
class Barcode:
    """A CODE128 barcode with its text below (the receipt number, for refunds)."""

    data: str
    height: int = 60


@dataclass(frozen=True, slots=True)
class Logo:
    """The logo stored in the printer's NV memory under ``key``."""

    key: int = 1


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1


Block = Text | Pair | Rule | QrCode | Barcode | Logo | Feed


@dataclass(frozen=True, slots=True)
class PrintDocument:
    """Blocks in order, then a cut; ``kick_drawer`` opens the drawer after printing."""

    blocks: tuple[Block, ...]
    kick_drawer: bool = False
