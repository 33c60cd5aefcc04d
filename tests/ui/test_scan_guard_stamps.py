"""The scan guard measures a burst by the key events' own time stamps: a till that was busy
mid-burst (keys waiting in the queue) still takes a scan as a scan, and a person typing
slowly is still a person, whatever our clock says when the events are handled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from pos.ui.scan_guard import ScanGuard

CODE = "5012345678900"  # a valid EAN-13


class Busy:
    """A clock that jumps 200 ms at every reading: a till descheduled between keys."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.2
        return self.now


@pytest.fixture
def field(qapp: QApplication) -> Iterator[QLineEdit]:
    edit = QLineEdit()
    yield edit
    edit.deleteLater()


def _type(edit: QLineEdit, text: str, first_ms: int, step_ms: int) -> None:
    stamp = first_ms
    for ch in text:
        key = QKeyEvent(
            QEvent.Type.KeyPress, Qt.Key.Key_0 + int(ch), Qt.KeyboardModifier.NoModifier, ch
        )
        key.setTimestamp(stamp)
        QApplication.sendEvent(edit, key)
        stamp += step_ms
    enter = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
    enter.setTimestamp(stamp)
    QApplication.sendEvent(edit, enter)


def _guard(edit: QLineEdit, clock: Busy | None = None) -> list[str]:
    guard = ScanGuard(edit, watched=lambda _obj: True, clock=clock or Busy())
    edit.installEventFilter(guard)
    scans: list[str] = []
    guard.sig_scanned.connect(scans.append)
    return scans


def test_a_scanner_burst_handled_late_is_still_a_scan(field: QLineEdit) -> None:
    scans = _guard(field)
    _type(field, CODE, first_ms=1_000_000, step_ms=4)  # typed at 4 ms a key
    assert scans == [CODE]
    assert field.text() == ""  # the digits were taken back out of the field


def test_a_person_typing_slowly_is_not_a_scan_even_if_handled_at_once(field: QLineEdit) -> None:
    scans = _guard(field)
    _type(field, CODE, first_ms=2_000_000, step_ms=150)
    assert scans == []
    assert field.text() == CODE


def test_without_time_stamps_the_clock_decides(field: QLineEdit) -> None:
    scans = _guard(field)  # every reading 200 ms later: no burst by the clock
    _type(field, CODE, first_ms=0, step_ms=0)
    assert scans == []
