"""No scan is lost while a dialog is open: a barcode typed at scanner speed is a scan.

A keyboard-wedge scanner types the digits of a barcode in a few milliseconds and ends with
Enter, into whatever has the keyboard. On the sale screen that is the scan field. With a
dialog open it would be the dialog: a receipt's "New sale" button (the digits dropped, the
next customer's first item lost), a cash amount field (a tender of KES 6,168,232,712,628),
the login PIN (a wrong PIN counted against the user). This filter, installed on the
application, watches key presses outside the scan field: digits that arrive in a burst
(every gap under ``MAX_GAP_S``) and end in Enter, forming a valid GTIN, are taken back out
of the field they landed in, the Enter is swallowed, and ``sig_scanned`` hands the code to
the sale screen (which starts the next sale with it, or queues it until the dialog closes).
A person typing digits is far slower than a scanner; a person pasting is not Enter-ended.

The gaps are measured by the key events' own time stamps where the window system gives
them (X11, Windows, Wayland: when the key was typed), so a till that was busy mid-burst (a
backup, an antivirus scan: the keys wait in the queue, then arrive together or with a long
pause between two of them) still sees the scanner's pace. Synthesized events (tests, the
benches) carry no stamp, and our clock stands in. Our clock reads when the GUI thread
handles a key, so a GUI thread held up mid-burst (waiting for the GIL while the till worker
or a device thread runs Python, or descheduled on a busy machine) shows as one long gap
inside a fast burst; ``kaunta bench ui`` lost a scan in a dialog that way (the burst split,
its Enter sent a tender or an M-Pesa request). Without stamps a burst therefore survives up
to ``MAX_STALLS`` gaps of up to ``STALL_S``: a person never types the other six or more keys
of a barcode under ``MAX_GAP_S`` apart, so a person's typing is still a person's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from pos.domain.barcode import is_valid_gtin

#: Scanners type a character every 1-15 ms; people need 80 ms and more.
MAX_GAP_S = 0.035
#: Without time stamps: how many slow gaps a burst survives, and how slow (a stall of the
#: GUI thread, not a pause of the scanner's)
MAX_STALLS = 2
STALL_S = 0.5
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ScanGuard(QObject):
    """Application event filter turning scanner bursts outside the scan field into scans."""

    sig_scanned = Signal(str)

    def __init__(
        self,
        parent: QObject,
        *,
        watched: Callable[[QObject], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._watched = watched  # is this widget one where a burst means a scan?
        self._clock = clock
        self._digits = ""
        self._last = 0.0  # our clock at the burst's last digit
        self._last_stamp = 0  # its event's time stamp (ms; 0: none)
        self._field: QLineEdit | None = None
        self._before = ""
        self._stalls = 0  # slow gaps the burst survived (only without time stamps)
        self._split = 0  # where the last of them fell in ``_digits``
        self._before_split = ""  # the field's text at that point
        self._seen: tuple[QWidget, int, int, str] | None = None  # the last key event seen

    def _reset(self) -> None:
        self._digits = ""
        self._field = None
        self._stalls = 0

    def _gap(self, event: QKeyEvent) -> float:
        """Seconds between the burst's last digit and ``event``: by the events' time stamps
        when both have one (and they did not wrap), else by our clock."""
        stamp = event.timestamp()
        if stamp and self._last_stamp and stamp >= self._last_stamp:
            return (stamp - self._last_stamp) / 1000.0
        return self._clock() - self._last

    def _stamped(self, event: QKeyEvent) -> bool:
        stamp = event.timestamp()
        return bool(stamp and self._last_stamp and stamp >= self._last_stamp)

    def _continues(self, event: QKeyEvent) -> int | None:
        """The burst's stall count if ``event`` continues it, None if it does not: a fast
        gap always continues it; a slow one only without time stamps, as a stall of ours
        (at most ``MAX_STALLS`` of them, each at most ``STALL_S``)."""
        if not self._digits:
            return None
        gap = self._gap(event)
        if gap <= MAX_GAP_S:
            return self._stalls
        if self._stamped(event) or gap > STALL_S or self._stalls >= MAX_STALLS:
            return None
        return self._stalls + 1

    def _code(self) -> tuple[str, str] | None:
        """The scanned code and the field's text before it: the whole burst, else (a
        person's digits, then a scan) the part after its last slow gap."""
        if is_valid_gtin(self._digits):
            return self._digits, self._before
        rest = self._digits[self._split :]
        if self._stalls and is_valid_gtin(rest):
            return rest, self._before_split
        return None

    def _burst_pending(self, event: QKeyEvent) -> bool:
        return self._continues(event) is not None and self._code() is not None

    def _propagated(self, obj: QWidget, event: QKeyEvent) -> bool:
        """Is this the same key event again, passed up from a child that ignored it?"""
        seen = self._seen
        mark = (obj, int(event.type()), event.key(), event.text())
        if (
            seen is not None
            and seen[1:] == mark[1:]
            and seen[0] is not obj
            and obj.isAncestorOf(seen[0])
        ):
            return True
        self._seen = mark
        return False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
            and isinstance(obj, QWidget)
            and isinstance(event, QKeyEvent)
            and self._propagated(obj, event)
        ):
            return False
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(obj, QWidget):
            # the Enter of a scan must reach us as a key press, not fire a dialog's
            # Enter shortcut ("New sale", "Pay") first
            assert isinstance(event, QKeyEvent)
            if event.key() in _ENTER and self._burst_pending(event):
                event.accept()
                return True
            return False
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        if not self._watched(obj):
            self._reset()
            return False
        assert isinstance(event, QKeyEvent)
        text = event.text()
        if len(text) == 1 and text.isdigit():
            field = obj if isinstance(obj, QLineEdit) else None
            stalls = self._continues(event)
            if stalls is None or field is not self._field:
                # a new burst: remember the field as it was before its first digit
                self._digits = ""
                self._field = field
                self._before = field.text() if field is not None else ""
                self._stalls = 0
            elif stalls > self._stalls:
                self._stalls = stalls
                self._split = len(self._digits)
                self._before_split = field.text() if field is not None else ""
            self._digits += text
            self._last = self._clock()
            self._last_stamp = event.timestamp()
            return False
        if event.key() in _ENTER and self._continues(event) is not None:
            found = self._code()
            field = self._field
            self._reset()
            if found is not None:
                code, before = found
                if field is not None:
                    field.setText(before)  # the digits were a scan, not typing
                self.sig_scanned.emit(code)
                return True  # the Enter belonged to the scanner, not to the dialog
            return False
        self._reset()
        return False
