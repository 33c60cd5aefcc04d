"""Logging: a rotating file in the log folder, with secrets and personal data redacted.

The redaction filter runs on every record before any handler sees it, so neither a
developer's ``log.info(f"...{phone}")`` nor an exception message can leak a phone number,
a token or a card number into a file that gets emailed to support.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"{digits[:6]}******{digits[-4:]}"


_SECRET_KEYS = (
    r"password|passwd|pass|secret|token|access[_-]?token|refresh[_-]?token|api[_-]?key|"
    r"x-api-key|apikey|passkey|pin|consumer[_-]?key|consumer[_-]?secret|client[_-]?secret|"
    r"security[_-]?credential|authorization"
)
#: Separators people and programs put inside numbers: space, dot, dash, brackets.
_SEP = r"[\s.\-()]?"

_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # Authorization headers and bearer/basic tokens
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [REDACTED]"),
    # key=value, key: value, "key": "value", 'key': 'value' (the whole quoted value)
    (
        re.compile(
            rf"(?i)([\"']?\b(?:{_SECRET_KEYS})\b[\"']?\s*[:=]\s*)"
            r"(\"[^\"]*\"|'[^']*'|[^\s,&;}]+(?:\s+(?![\w-]+\s*[:=])[^\s,&;}]+)*)"
        ),
        r"\1[REDACTED]",
    ),
    # "PIN 1234", "wrong PIN 4321": a PIN written after the word
    (re.compile(r"(?i)\b(pin)(\s+(?:was\s+|is\s+)?)(\d{4,8})\b"), r"\1\2[REDACTED]"),
    # Card numbers (13-19 digits, any separators): keep first 6 and last 4
    (re.compile(rf"(?<![\d+])\d(?:{_SEP}\d){{12,18}}(?!\d)"), _mask_card),
    # Kenyan phone numbers: +254 7.., 254 7.., 07.., 01.., with any separators/brackets
    (re.compile(rf"(?<!\d)\(?(?:\+?254|0)\)?{_SEP}\(?[17]\)?(?:{_SEP}\d){{8}}(?!\d)"), "[PHONE]"),
    # ...and the bracketed local form "(0712) 345678"
    (re.compile(r"\(0[17]\d{2}\)\s?\d{3}[\s.\-]?\d{3}(?!\d)"), "[PHONE]"),
)


def redact(text: str) -> str:
    """Remove tokens, secrets, card numbers and phone numbers from ``text``."""
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not crash the caller
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            record.exc_info = None
        return True


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Log to ``<log_dir>/kaunta.log`` (5 x 2 MB), redacted; returns the file path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "kaunta.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(threadName)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.setLevel(level)
    for h in list(root.handlers):
        if getattr(h, "_kaunta", False):
            root.removeHandler(h)
    handler._kaunta = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path


#: Called with a short sentence when something failed that nobody caught (the UI shows it).
_notify: Callable[[str], None] | None = None
_fault_file: IO[str] | None = None

UNCAUGHT_TEXT = (
    "Something went wrong inside Kaunta ({name}). Nothing already saved is lost; finish or "
    "park the sale, and call support if it repeats (details are in the log file)."
)


def _report(kind: str, exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
    logging.getLogger("kaunta.uncaught").critical(
        "uncaught exception in %s", kind, exc_info=(exc_type, exc, tb)
    )
    if _notify is not None:
        try:
            _notify(UNCAUGHT_TEXT.format(name=exc_type.__name__))
        except Exception:  # pragma: no cover - never fail while reporting a failure
            logging.getLogger("kaunta.uncaught").exception("could not tell the user")


def _sys_hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    _report("the main thread", exc_type, exc, tb)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "a thread"
    _report(f"thread {name}", args.exc_type, args.exc_value, args.exc_traceback)


def install_exception_hooks(log_dir: Path, notify: Callable[[str], None] | None = None) -> None:
    """Nothing fails silently: uncaught exceptions in the main thread (a Qt slot included)
    and in worker threads are logged (redacted) and ``notify`` tells the cashier in a short
    sentence; a hard crash (segfault in a C library) writes every thread's stack to
    ``faults.log`` through :mod:`faulthandler`."""
    global _notify, _fault_file
    _notify = notify
    sys.excepthook = _sys_hook
    threading.excepthook = _thread_hook
    path = log_dir / "faults.log"
    if _fault_file is None or Path(_fault_file.name) != path:
        log_dir.mkdir(parents=True, exist_ok=True)
        if _fault_file is not None:
            _fault_file.close()
        _fault_file = path.open("a", encoding="utf-8")
    faulthandler.enable(file=_fault_file, all_threads=True)


def set_notifier(notify: Callable[[str], None] | None) -> None:
    """Where uncaught errors are told to the user (the main window, once it exists)."""
    global _notify
    _notify = notify
