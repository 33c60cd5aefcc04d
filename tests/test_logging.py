"""Nothing secret or personal reaches the log file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pos.logging_setup import redact, setup_logging

SECRETS = [
    ("{'pin': '1234'}", "1234"),
    ('{"access_token": "xyz12345abc"}', "xyz12345abc"),
    ("wrong PIN 4321", "4321"),
    ("X-API-Key: sk_live_abcdef123", "sk_live_abcdef123"),
    ("apiKey=abcdef123456", "abcdef123456"),
    ("password=correct horse battery", "horse battery"),
    ("consumer_secret=Zx9Qw8Er7Ty6", "Zx9Qw8Er7Ty6"),
    ("Authorization: Bearer abc.def.ghi123456", "abc.def.ghi123456"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
]
PHONES = [
    "0712345678",
    "0712 345 678",
    "0712-345-678",
    "0712.345.678",
    "(0712) 345678",
    "+254712345678",
    "+254 712 345 678",
    "+254-712-345-678",
    "254112345678",
]
CARDS = ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "4111.1111.1111.1111"]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_secrets_are_removed(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "[REDACTED]" in redact(text)


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_removed(phone: str) -> None:
    assert redact(f"push to {phone} failed") == "push to [PHONE] failed"


@pytest.mark.parametrize("card", CARDS)
def test_card_numbers_keep_first_six_and_last_four(card: str) -> None:
    assert redact(f"card {card} declined") == "card 411111******1111 declined"


def test_ordinary_text_is_kept() -> None:
    text = "sale 019cad74-34c0-7cad-997c-e5ed8863fbed total 1,250.00 items 3 till T1"
    assert redact(text) == text


def test_the_log_file_is_redacted_and_bad_calls_do_not_crash(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = list(root.handlers)
    path = setup_logging(tmp_path)
    # pytest's capture handlers format records themselves (and re-raise format errors);
    # this test is about Kaunta's own handler alone
    root.handlers = [h for h in root.handlers if getattr(h, "_kaunta", False)]
    try:
        _log_a_few_things()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = saved
    text = path.read_text(encoding="utf-8")
    assert "0712345678" not in text
    assert "254712345678" not in text
    assert "abcdefgh12345678" not in text
    assert "TopSecret99" not in text
    assert "[PHONE]" in text
    assert "amount %s phone %s" in text
    assert "RuntimeError" in text
    assert text.count("STK push to [PHONE]") == 1


def _log_a_few_things() -> None:
    log = logging.getLogger("kaunta.test")
    log.info("STK push to %s with token %s", "0712345678", "Bearer abcdefgh12345678")
    log.info("amount %s phone %s", 100)  # wrong number of args: logged, never raised
    try:
        raise RuntimeError("gateway said: consumer_secret=TopSecret99 for 254712345678")
    except RuntimeError:
        log.exception("call failed")
