"""Nothing fails silently: an exception nobody caught is logged and the cashier told."""

from __future__ import annotations

import faulthandler
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.logging_setup import install_exception_hooks, set_notifier, setup_logging


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    told: list[str] = []
    saved = (sys.excepthook, threading.excepthook, faulthandler.is_enabled())
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    log_file = setup_logging(tmp_path)
    install_exception_hooks(tmp_path, told.append)
    try:
        yield log_file, told
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


def test_a_worker_thread_crash_is_logged_redacted_and_told(
    hooks: tuple[Path, list[str]],
) -> None:
    log_file, told = hooks

    def work() -> None:
        raise RuntimeError("gateway said no for 0712 345 678")

    thread = threading.Thread(target=work, name="network-0")
    thread.start()
    thread.join()
    text = log_file.read_text(encoding="utf-8")
    assert "uncaught exception in thread network-0" in text
    assert "RuntimeError" in text
    assert "0712 345 678" not in text  # the phone number is redacted, even in tracebacks
    assert len(told) == 1
    assert "RuntimeError" in told[0]
    assert "call support" in told[0]


def test_a_main_thread_crash_is_logged_and_told(hooks: tuple[Path, list[str]]) -> None:
    log_file, told = hooks
    try:
        raise ValueError("a slot went wrong")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert "uncaught exception in the main thread" in log_file.read_text(encoding="utf-8")
    assert told
    assert "ValueError" in told[0]


def test_hard_crashes_are_written_by_faulthandler(tmp_path: Path) -> None:
    """A segfault in a C library leaves every thread's stack in faults.log."""
    script = (
        "import faulthandler, pathlib, sys\n"
        "from pos.logging_setup import install_exception_hooks\n"
        "install_exception_hooks(pathlib.Path(sys.argv[1]))\n"
        "faulthandler._sigsegv()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, timeout=60
    )
    assert done.returncode != 0
    faults = (tmp_path / "faults.log").read_text(encoding="utf-8")
    assert "Fatal Python error" in faults
    assert "Segmentation fault" in faults


def test_the_log_level_is_configurable(tmp_path: Path) -> None:
    from pos.config import ConfigError, load_config

    config_file = tmp_path / "kaunta.toml"
    config_file.write_text('[logging]\nlevel = "debug"\n', encoding="utf-8")
    config = load_config(config_path=config_file, data_dir=tmp_path, training=True, env={})
    assert config.log_level == "DEBUG"
    config_file.write_text('[logging]\nlevel = "loud"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"logging\.level"):
        load_config(config_path=config_file, data_dir=tmp_path, training=True, env={})
