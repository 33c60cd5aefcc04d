"""Logging: a rotating file in the log folder, with secrets and personal data redacted.

The redaction filter runs on every record before any handler sees it, so neither a
developer's ``log.info(f"...{phone}")`` nor an exception message can leak a phone number,
a token or a card number into a file that gets emailed to support.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from collections.abc import Callable
from pathlib import Path


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
