"""An enrollment code works as the manager types it from the admin's message: in any case,
with spaces between its groups or without its dashes."""

from __future__ import annotations

import pytest
from django.test import Client

from sync.server.terminals.models import EnrollmentCode
from tests.server.conftest import new_store


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c.replace("-", ""),
        lambda c: c.replace("-", " ").lower(),
        lambda c: f"  {c.replace('-', ' - ')}  ",
    ],
    ids=["no-dashes", "spaces-lowercase", "spaced-dashes"],
)
def test_an_enrollment_code_typed_without_its_dashes_works(client: Client, typed: object) -> None:
    _, code = EnrollmentCode.make(new_store())
    got = client.post(
        "/api/v1/enroll",
        {"code": typed(code), "terminal_name": "Front till"},  # type: ignore[operator]
        content_type="application/json",
    )
    assert got.status_code == 201, got.content


def test_a_wrong_code_is_still_refused_however_it_is_typed(client: Client) -> None:
    _, code = EnrollmentCode.make(new_store())
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    got = client.post(
        "/api/v1/enroll",
        {"code": wrong.replace("-", ""), "terminal_name": "T"},
        content_type="application/json",
    )
    assert (got.status_code, got.json()["error"]["code"]) == (403, "bad_code")
