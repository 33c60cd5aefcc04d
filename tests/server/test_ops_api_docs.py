"""docs/api.md's examples, run: each ``http`` block is sent to the head office and the next
``http-response`` block's status and JSON (a subset; ``"…"`` is any value) must match."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sync.server.terminals.models import EnrollmentCode
from tests.server.conftest import new_store
from tests.server.factory import enroll

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
_BLOCK = re.compile(r"^ *```(http|http-response)\n(.*?)^ *```", re.M | re.S)
ANY = "…"


def examples() -> list[tuple[str, str]]:
    blocks = _BLOCK.findall(DOC.read_text(encoding="utf-8"))
    pairs = []
    for (kind, request), (next_kind, response) in itertools.pairwise(blocks):
        if kind == "http" and next_kind == "http-response":
            pairs.append((request, response))
    return pairs


def test_the_page_has_examples() -> None:
    assert len(examples()) >= 9


def _dedent(text: str) -> str:
    lines = text.splitlines()
    pad = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return "\n".join(ln[pad:] for ln in lines)


def _matches(expected: Any, got: Any, where: str = "") -> list[str]:
    if expected == ANY:
        return []
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{where or 'body'}: expected an object, got {got!r}"]
        out: list[str] = []
        for key, value in expected.items():
            if key not in got:
                out.append(f"{where}.{key}: missing")
            else:
                out += _matches(value, got[key], f"{where}.{key}")
        return out
    return [] if expected == got else [f"{where}: expected {expected!r}, got {got!r}"]


@pytest.mark.parametrize(("request_text", "response_text"), examples())
def test_example_answers_as_documented(
    client: Client, request_text: str, response_text: str
) -> None:
    store = new_store()
    till = enroll(client, store)
    _, code = EnrollmentCode.make(store)
    values = {"$CODE": code, "$TOKEN": till.token, "$STORE": till.store_id,
              "$TERMINAL": till.terminal_id}  # fmt: skip

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    head, _, body = _dedent(request_text).partition("\n\n")
    method, path = fill(head.splitlines()[0]).split()[:2]
    headers = {}
    for line in head.splitlines()[1:]:
        name, _, value = line.partition(":")
        headers["HTTP_" + name.strip().upper().replace("-", "_")] = fill(value.strip())
    content_type = headers.pop("HTTP_CONTENT_TYPE", "application/json")
    got = client.generic(
        method, path, fill(body.strip()).encode(), content_type=content_type, **headers
    )
    status_line, _, expected_body = _dedent(response_text).partition("\n")
    assert got.status_code == int(status_line.split()[0]), got.content
    if expected_body.strip():
        expected = json.loads(fill(expected_body))
        assert _matches(expected, got.json()) == []
