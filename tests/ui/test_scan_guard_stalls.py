"""Without time stamps the scan guard's clock reads when the GUI thread handles a key: a
GUI thread held up mid-burst (the GIL, a busy machine) must not split a scan in two (its
Enter would then reach the dialog: a tender, an M-Pesa request), and a person's typing
must still never be taken for a scan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from pos.ui.scan_guard import MAX_STALLS, STALL_S, ScanGuard

CODE = "5012345678900"  # a valid EAN-13


class Clock:
    """Our clock as the guard reads it: ``step`` seconds per reading, ``jump`` added once
    before reading number ``at`` (a stall of the GUI thread)."""

    def __init__(self, step: float, jumps: dict[int, float] | None = None) -> None:
        self.now = 100.0
        self.step = step
        self.jumps = jumps or {}
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        self.now += self.step + self.jumps.get(self.readings, 0.0)
        return self.now


@pytest.fixture
def field(qapp: QApplication) -> Iterator[QLineEdit]:
    edit = QLineEdit()
    yield edit
    edit.deleteLater()


def _key(edit: QLineEdit, ch: str) -> None:
    QApplication.sendEvent(
        edit,
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_0 + int(ch), Qt.KeyboardModifier.NoModifier, ch),
    )


def _enter(edit: QLineEdit) -> None:
    QApplication.sendEvent(
        edit, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
    )


def _guard(edit: QLineEdit, clock: Clock) -> list[str]:
    guard = ScanGuard(edit, watched=lambda _obj: True, clock=clock)
    edit.installEventFilter(guard)
    scans: list[str] = []
    guard.sig_scanned.connect(scans.append)
    return scans


def _type(edit: QLineEdit, text: str) -> None:
    for ch in text:
        _key(edit, ch)
    _enter(edit)


def test_a_burst_with_a_stall_of_the_gui_thread_is_still_one_scan(field: QLineEdit) -> None:
    # 4 ms a key by our clock (two readings a key: the gap, then the time of the key), and
    # one 120 ms stall before the seventh digit
    scans = _guard(field, Clock(0.004, {12: 0.12}))
    _type(field, CODE)
    assert scans == [CODE]
    assert field.text() == ""  # none of its digits left in the dialog's field


def test_a_stall_just_before_the_enter_still_takes_the_scan(field: QLineEdit) -> None:
    scans = _guard(field, Clock(0.004, {26: STALL_S - 0.05}))  # the Enter's gap
    _type(field, CODE)
    assert scans == [CODE]
    assert field.text() == ""


def test_more_stalls_than_a_gui_thread_makes_are_typing(field: QLineEdit) -> None:
    jumps = {4 * (i + 1): 0.1 for i in range(MAX_STALLS + 1)}
    scans = _guard(field, Clock(0.004, jumps))
    _type(field, CODE)
    assert scans == []
    assert field.text() == CODE  # left as typed, for the dialog to judge


def test_a_persons_digits_then_a_scan_keep_the_persons_digits(field: QLineEdit) -> None:
    # "7" typed by hand, 300 ms later the scanner's burst at 4 ms a key
    clock = Clock(0.004, {2: 0.3})
    scans = _guard(field, clock)
    _key(field, "7")
    _type(field, CODE)
    assert scans == [CODE]
    assert field.text() == "7"


def test_a_person_typing_at_a_persons_pace_is_never_a_scan(field: QLineEdit) -> None:
    scans = _guard(field, Clock(0.09))  # 90 ms a key: a fast typist
    _type(field, CODE)
    assert scans == []
    assert field.text() == CODE
