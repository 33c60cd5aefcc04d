"""Nothing fails silently, on the real window: Qt's own warnings reach Kaunta's log, and an
exception nobody caught on a worker thread is logged and shown on the sale screen (the
notifier ``pos.app`` wires to ``MainWindow.sig_uncaught``)."""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import qInstallMessageHandler, qWarning

from pos.logging_setup import install_exception_hooks, set_notifier, setup_logging
from pos.ui.qt_messages import install_qt_message_handler

if TYPE_CHECKING:
    from conftest import Till


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Kaunta's log in ``tmp_path``; the process's hooks and handlers put back after."""
    saved = (sys.excepthook, threading.excepthook, faulthandler.is_enabled())
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    path = setup_logging(tmp_path)
    try:
        yield path
    finally:
        set_notifier(None)
        sys.excepthook, threading.excepthook = saved[0], saved[1]
        if not saved[2]:
            faulthandler.disable()
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)
                h.close()
        root.setLevel(level)


def test_a_qt_warning_is_written_to_the_log(log_file: Path, till: Till) -> None:
    previous = install_qt_message_handler()
    try:
        qWarning("QPainter::begin: a test warning from Qt")
    finally:
        qInstallMessageHandler(previous)  # type: ignore[arg-type]  # pytest-qt's own
    for h in logging.getLogger().handlers:
        h.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "QPainter::begin: a test warning from Qt" in text
    assert "kaunta.qt" in text


def test_a_worker_crash_is_logged_and_shown_to_the_cashier(
    log_file: Path, selling: Till, tmp_path: Path
) -> None:
    window = selling.window
    install_exception_hooks(tmp_path, window.sig_uncaught.emit)

    def work() -> None:
        raise RuntimeError("the printer thread fell over")

    thread = threading.Thread(target=work, name="device-printer")
    thread.start()
    thread.join()
    message = window.sale.message
    selling.until(lambda: "RuntimeError" in message.text())
    assert "call support" in message.text()
    for h in logging.getLogger().handlers:
        h.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "uncaught exception in thread device-printer" in text
