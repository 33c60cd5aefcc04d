"""docs/troubleshooting.md quotes the till's messages word for word: every quoted line
(``> "…"``) must be found in the code's strings (implicit concatenation joined, f-string
fields written ``{name}`` as in the doc), so the page never drifts from what people see."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("troubleshooting.md",)
QUOTE = re.compile(r'^> "(.+)"\s*$')


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append("{" + ast.unparse(value.value) + "}")
        return "".join(parts)
    return None


@cache
def code_strings() -> tuple[str, ...]:
    """Every string literal in the till, head office and drivers (f-strings as templates)."""
    found: list[str] = []
    for package in ("pos", "sync", "drivers"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                text = _text(node)
                if text:
                    found.append(text)
    return tuple(found)


def quoted(doc: str) -> list[str]:
    lines = (ROOT / "docs" / doc).read_text(encoding="utf-8").splitlines()
    return [m.group(1) for line in lines if (m := QUOTE.match(line))]


def test_the_page_quotes_the_messages_the_issue_names() -> None:
    page = " ".join(quoted("troubleshooting.md"))
    for words in ("printer", "M-Pesa is not answering", "is busy", "disk is full", "Offline"):
        assert words in page


@pytest.mark.parametrize("message", [m for d in DOCS for m in quoted(d)])
def test_each_quoted_message_is_one_the_code_shows(message: str) -> None:
    assert any(message in text for text in code_strings()), message


def test_a_made_up_message_is_not_found() -> None:
    assert not any("Kaunta has exploded" in text for text in code_strings())
