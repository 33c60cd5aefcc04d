"""ESC/POS bytes back into what a printer would put on paper: the emulator's eyes.

:class:`Decoder` is incremental (bytes arrive in any chunks; an incomplete command waits
for the rest) and yields :class:`Event` values: printed lines with their style, QR codes,
barcodes, NV logos, cuts, drawer kicks and real-time status requests (which a printer
answers at once, even mid-job). :func:`render` draws a receipt picture as text lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.escpos.profiles import EPSON_CODE_PAGES

_TABLE_CODECS = {n: codec for codec, n in EPSON_CODE_PAGES.items()}


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    align: str = "left"
    bold: bool = False
    size: int = 1


@dataclass(frozen=True, slots=True)
class Qr:
    data: str


@dataclass(frozen=True, slots=True)
class BarcodeMark:
    kind: int
    data: str


@dataclass(frozen=True, slots=True)
class LogoMark:
    key: int


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool


@dataclass(frozen=True, slots=True)
class Kick:
    pin: int
    on_ms: int
    #: sent as the real-time DLE DC4 1 (acted on at once, even offline), not ESC p
    realtime: bool = False


@dataclass(frozen=True, slots=True)
class StatusRequest:
    n: int


@dataclass(frozen=True, slots=True)
class Unknown:
    raw: bytes


Event = Line | Qr | BarcodeMark | LogoMark | Cut | Kick | StatusRequest | Unknown


@dataclass
class _State:
    align: str = "left"
    bold: bool = False
    size: int = 1
    codec: str = "cp437"
    qr_data: bytes = b""
    pending: bytearray = field(default_factory=bytearray)


class _Incomplete(Exception):
    pass


class Decoder:
    """Feed bytes, get events. Keeps state (style, code page) like a printer does."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._s = _State()
        #: NV images defined with FS q, by key (kept by the emulator as a printer would)
        self.nv_images: dict[int, bytes] = {}

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        events: list[Event] = []
        while self._buf:
            try:
                used = self._step(events)
            except _Incomplete:
                break
            del self._buf[:used]
        return events

    def flush(self) -> list[Event]:
        """Text received but not ended by a line feed (printers print it at a cut)."""
        events: list[Event] = []
        self._line(events)
        return events

    # -- parsing -------------------------------------------------------------------------

    def _need(self, n: int) -> None:
        if len(self._buf) < n:
            raise _Incomplete

    def _line(self, events: list[Event]) -> None:
        s = self._s
        if s.pending:
            text = bytes(s.pending).decode(s.codec, errors="replace")
            events.append(Line(text, s.align, s.bold, s.size))
            s.pending.clear()

    def _step(self, ev: list[Event]) -> int:
        b = self._buf
        s = self._s
        c = b[0]
        if c == 0x0A:
            if s.pending:
                self._line(ev)
            else:
                ev.append(Line("", s.align, s.bold, s.size))
            return 1
        if c == 0x0D:
            return 1
        if c == 0x10:  # DLE
            self._need(3)
            if b[1] == 0x04:
                ev.append(StatusRequest(b[2]))
                return 3
            if b[1] == 0x05:
                return 3
            if b[1] == 0x14 and b[2] == 0x01:  # DLE DC4 1 m t: real-time drawer pulse
                self._need(5)
                pin = 5 if b[3] in (1, 49) else 2
                ev.append(Kick(pin, b[4] * 100, realtime=True))
                return 5
            ev.append(Unknown(bytes(b[:2])))
            return 2
        if c == 0x1B:
            return self._esc(ev)
        if c == 0x1D:
            return self._gs(ev)
        if c == 0x1C:
            return self._fs(ev)
        if c < 0x20:
            ev.append(Unknown(bytes(b[:1])))
            return 1
        s.pending.append(c)
        return 1

    def _esc(self, ev: list[Event]) -> int:
        b, s = self._buf, self._s
        self._need(2)
        op = b[1]
        if op == 0x40:
            self._line(ev)
            s.align, s.bold, s.size, s.codec = "left", False, 1, "cp437"
            return 2
        if op in (0x61, 0x45, 0x2D, 0x21, 0x74, 0x64, 0x4D):
            self._need(3)
            n = b[2]
            if op == 0x61:
                s.align = {
                    0: "left",
                    1: "center",
                    2: "right",
                    48: "left",
                    49: "center",
                    50: "right",
                }.get(n, "left")
            elif op == 0x45:
                s.bold = bool(n & 1)
            elif op == 0x21:
                s.size = 2 if n & 0x30 else 1
            elif op == 0x74:
                s.codec = _TABLE_CODECS.get(n, "cp437")
            elif op == 0x64:
                self._line(ev)
                ev.extend(Line("", s.align, s.bold, s.size) for _ in range(n))
            return 3
        if op == 0x70:
            self._need(5)
            ev.append(Kick(2 if b[2] in (0, 48) else 5, b[3] * 2))
            return 5
        ev.append(Unknown(bytes(b[:2])))
        return 2

    def _gs(self, ev: list[Event]) -> int:
        b, s = self._buf, self._s
        self._need(2)
        op = b[1]
        if op == 0x21:
            self._need(3)
            s.size = max((b[2] >> 4) + 1, (b[2] & 0x0F) + 1)
            return 3
        if op in (0x68, 0x77, 0x48, 0x66, 0x61):
            self._need(3)
            return 3
        if op == 0x56:
            self._need(3)
            m = b[2]
            used = 4 if m in (65, 66) else 3
            self._need(used)
            self._line(ev)
            ev.append(Cut(partial=m in (1, 49, 66)))
            return used
        if op == 0x6B:
            self._need(3)
            m = b[2]
            if m <= 6:
                end = b.find(0, 3)
                if end < 0:
                    raise _Incomplete
                ev.append(BarcodeMark(m, bytes(b[3:end]).decode("ascii", "replace")))
                return end + 1
            self._need(4)
            n = b[3]
            self._need(4 + n)
            data = bytes(b[4 : 4 + n]).decode("ascii", "replace")
            if m == 73 and data[:1] == "{":
                data = data[2:]
            self._line(ev)
            ev.append(BarcodeMark(m, data))
            return 4 + n
        if op == 0x28:
            self._need(5)
            n = b[3] | (b[4] << 8)
            self._need(5 + n)
            if b[2] == 0x6B and n >= 3 and b[5] == 0x31:
                fn = b[6]
                if fn == 0x50:
                    s.qr_data = bytes(b[8 : 5 + n])
                elif fn == 0x51:
                    self._line(ev)
                    ev.append(Qr(s.qr_data.decode("utf-8", "replace")))
            return 5 + n
        ev.append(Unknown(bytes(b[:2])))
        return 2

    def _fs(self, ev: list[Event]) -> int:
        b = self._buf
        self._need(2)
        op = b[1]
        if op == 0x70:
            self._need(4)
            self._line(ev)
            ev.append(LogoMark(b[2]))
            return 4
        if op == 0x71:
            self._need(3)
            count, pos = b[2], 3
            images: dict[int, bytes] = {}
            for key in range(1, count + 1):
                self._need(pos + 4)
                x = b[pos] | (b[pos + 1] << 8)
                y = b[pos + 2] | (b[pos + 3] << 8)
                size = x * y * 8
                self._need(pos + 4 + size)
                images[key] = bytes(b[pos + 4 : pos + 4 + size])
                pos += 4 + size
            self.nv_images = images
            return pos
        if op == 0x2E:  # cancel Kanji mode: harmless
            return 2
        ev.append(Unknown(bytes(b[:2])))
        return 2


@dataclass
class Picture:
    """One receipt as printed: its events up to (and including) the cut."""

    events: list[Event] = field(default_factory=list)

    @property
    def cut(self) -> bool:
        return any(isinstance(e, Cut) for e in self.events)

    def text_lines(self) -> list[str]:
        """The printed text lines, stripped (for tests checking content)."""
        return [e.text.strip() for e in self.events if isinstance(e, Line)]


def render(picture: Picture, columns: int) -> list[str]:
    """The receipt as the customer sees it, in text: alignment applied, double size
    spaced out, codes and logo as bracketed marks."""
    out: list[str] = []
    for e in picture.events:
        if isinstance(e, Line):
            text = e.text.rstrip()
            if e.size > 1:
                text = " ".join(text)
            if e.align == "center":
                text = text.center(columns).rstrip()
            elif e.align == "right":
                text = text.rjust(columns)
            out.append(text)
        elif isinstance(e, Qr):
            out.append(f"[QR {e.data}]".center(columns).rstrip())
        elif isinstance(e, BarcodeMark):
            out.append(f"[||| {e.data} |||]".center(columns).rstrip())
        elif isinstance(e, LogoMark):
            out.append(f"[LOGO {e.key}]".center(columns).rstrip())
        elif isinstance(e, Cut):
            out.append("-" * (columns // 2 - 2) + " 8< " + "-" * (columns // 2 - 2))
    return out
