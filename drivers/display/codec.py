"""Pole display bytes: CD5220 and Epson DM-D, 2 lines of 20 characters (pure).

CD5220 writes each line with ``ESC Q A/B <20 chars> CR``; DM-D clears, homes and moves the
cursor with ``US $ x y``. Text is fitted to 20 columns here: a price stays whole on the
right, the label is shortened before it (a display has no second page to wrap onto).
"""

from __future__ import annotations

from enum import StrEnum

WIDTH = 20


class CommandSet(StrEnum):
    CD5220 = "cd5220"
    DMD = "dm-d"


def fit(left: str, right: str = "", width: int = WIDTH) -> str:
    """One display line: ``right`` whole at the end, ``left`` shortened to fit."""
    right = right[:width]
    room = width - len(right) - (1 if right else 0)
    left = left[: max(room, 0)]
    return (f"{left:<{room}} {right}" if right else f"{left:<{width}}")[:width]


def encode_lines(top: str, bottom: str, command_set: CommandSet, codec: str = "cp437") -> bytes:
    """Both lines, replacing what the display showed."""
    t = fit(top).encode(codec, errors="replace")
    b = fit(bottom).encode(codec, errors="replace")
    if command_set is CommandSet.CD5220:
        return b"\x1b\x40\x0c\x1b\x51\x41" + t + b"\x0d\x1b\x51\x42" + b + b"\x0d"
    return b"\x1b\x40\x0c\x1f\x24\x01\x01" + t + b"\x1f\x24\x01\x02" + b


def decode(data: bytes, codec: str = "cp437") -> tuple[str, str]:
    """The 2 x 20 text a display shows after ``data`` (the emulator's side)."""
    lines = [[" "] * WIDTH, [" "] * WIDTH]
    row = col = 0
    i = 0
    while i < len(data):
        c = data[i]
        if data[i : i + 2] == b"\x1b\x40" or c == 0x0C:
            lines = [[" "] * WIDTH, [" "] * WIDTH]
            row = col = 0
            i += 2 if c == 0x1B else 1
        elif data[i : i + 2] == b"\x1b\x51" and i + 2 < len(data):
            row, col = (0 if data[i + 2] == 0x41 else 1), 0
            i += 3
        elif data[i : i + 2] in (b"\x1f\x24", b"\x1b\x6c") and i + 3 < len(data):
            col, row = max(data[i + 2] - 1, 0), max(data[i + 3] - 1, 0) % 2
            i += 4
        elif c == 0x0B:
            row = col = 0
            i += 1
        elif c == 0x0D:
            col = 0
            i += 1
        elif c < 0x20:
            i += 1
        else:
            if col < WIDTH:
                lines[row][col] = bytes((c,)).decode(codec, errors="replace")
            col += 1
            i += 1
    return "".join(lines[0]), "".join(lines[1])
