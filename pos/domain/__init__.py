"""Kaunta's domain core: money, tax, catalog values, the sale and the receipt document.

Pure Python and the standard library only: no I/O and no clocks (callers pass time in),
so every rule about money can be tested exhaustively and reused by the head office.
"""
