"""ESC/POS command bytes (facts in ``/work/shared/reference/hardware.md``, section 1).

Each function returns the bytes of one command; the encoder strings them together. Only
what receipts need is here, every sequence checked against the reference tables.
"""

from __future__ import annotations

ESC = 0x1B
GS = 0x1D
FS = 0x1C
DLE = 0x10
LF = b"\n"

INIT = b"\x1b\x40"
ALIGN = {"left": b"\x1b\x61\x00", "center": b"\x1b\x61\x01", "right": b"\x1b\x61\x02"}
BOLD_ON = b"\x1b\x45\x01"
BOLD_OFF = b"\x1b\x45\x00"

#: QR error-correction levels as GS ( k function 169 takes them.
QR_EC = {"L": 0x30, "M": 0x31, "Q": 0x32, "H": 0x33}


def size(width: int, height: int) -> bytes:
    """GS ! n: character size, 1 to 8 times in each direction."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError("character size is 1 to 8")
    return bytes((GS, 0x21, ((width - 1) << 4) | (height - 1)))


def code_table(n: int) -> bytes:
    """ESC t n: select the character code table (Epson numbering unless the profile
    says otherwise)."""
    return bytes((ESC, 0x74, n))


def feed(lines: int) -> bytes:
    """ESC d n: print and feed ``lines`` lines."""
    return bytes((ESC, 0x64, max(0, min(lines, 255))))


def cut(partial: bool = True, feed_dots: int = 0) -> bytes:
    """GS V 66/65 n: feed to the cutter (plus ``feed_dots``), then cut partially/fully."""
    return bytes((GS, 0x56, 0x42 if partial else 0x41, max(0, min(feed_dots, 255))))


def drawer_kick(pin: int = 2, on_ms: int = 100, off_ms: int = 100) -> bytes:
    """ESC p m t1 t2: pulse drawer pin 2 (m=0) or pin 5 (m=1); times in 2 ms units."""
    if pin not in (2, 5):
        raise ValueError("the drawer is on pin 2 or pin 5")
    t1 = max(1, min(on_ms // 2, 255))
    t2 = max(1, min(off_ms // 2, 255))
    return bytes((ESC, 0x70, 0 if pin == 2 else 1, t1, t2))


def realtime_pulse(pin: int = 2, on_ms: int = 100) -> bytes:
    """DLE DC4 1 m t: pulse drawer pin 2 (m=0) or pin 5 (m=1) for t x 100 ms (t 1 to 8).

    A real-time command, like DLE EOT: the printer acts on it as it arrives, also while it
    is offline (paper out, cover open), when ``ESC p`` would wait in its buffer with the
    print data. That is how the drawer still opens for change when the paper ran out.
    """
    if pin not in (2, 5):
        raise ValueError("the drawer is on pin 2 or pin 5")
    t = max(1, min(round(on_ms / 100), 8))
    return bytes((DLE, 0x14, 0x01, 0 if pin == 2 else 1, t))


def status_request(n: int) -> bytes:
    """DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error, 4 paper)."""
    if n not in (1, 2, 3, 4):
        raise ValueError("DLE EOT takes 1 to 4")
    return bytes((DLE, 0x04, n))


def qr_code(data: bytes, module: int = 6, ec: str = "M") -> bytes:
    """Native QR (GS ( k): model 2, module size, error correction, store, print."""
    if not 1 <= module <= 16:
        raise ValueError("QR module size is 1 to 16")
    if len(data) + 3 > 7092:
        raise ValueError("QR data too long")
    n = len(data) + 3
    return b"".join(
        (
            b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00",
            b"\x1d\x28\x6b\x03\x00\x31\x43" + bytes((module,)),
            b"\x1d\x28\x6b\x03\x00\x31\x45" + bytes((QR_EC[ec],)),
            b"\x1d\x28\x6b" + bytes((n & 0xFF, n >> 8)) + b"\x31\x50\x30" + data,
            b"\x1d\x28\x6b\x03\x00\x31\x51\x30",
        )
    )


def barcode_code128(data: str, height: int = 60, width: int = 2, hri: int = 2) -> bytes:
    """CODE128 by function B (GS k 73 len), code set B (``{B``), with the text below.

    The receipt number is printed this way so a refund can scan it back.
    """
    if not data or any(not 32 <= ord(c) < 127 for c in data) or "{" in data:
        raise ValueError("CODE128 set B takes printable ASCII without '{'")
    payload = b"{B" + data.encode("ascii")
    if len(payload) > 255:
        raise ValueError("barcode data too long")
    return b"".join(
        (
            bytes((GS, 0x68, max(1, min(height, 255)))),
            bytes((GS, 0x77, max(2, min(width, 6)))),
            bytes((GS, 0x48, hri)),
            bytes((GS, 0x6B, 73, len(payload))),
            payload,
        )
    )


def nv_logo(key: int = 1, mode: int = 0) -> bytes:
    """FS p n m: print NV bit image ``key`` (stored once in the printer, not per receipt)."""
    if not 1 <= key <= 255:
        raise ValueError("NV image numbers are 1 to 255")
    return bytes((FS, 0x70, key, mode))


def define_nv_logos(images: list[tuple[int, int, bytes]]) -> bytes:
    """FS q n [xL xH yL yH d1...dk]...: store NV bit images (once, at set-up).

    Each image is ``(x, y, data)`` in the command's units: ``x`` * 8 dots wide and ``y`` * 8
    dots high, ``data`` = x * y * 8 bytes in column order. The printer resets after it.
    """
    out = bytearray((FS, 0x71, len(images)))
    for x, y, data in images:
        if len(data) != x * y * 8:
            raise ValueError("NV image data must be x * y * 8 bytes")
        out += bytes((x & 0xFF, x >> 8, y & 0xFF, y >> 8)) + data
    return bytes(out)
