"""The OpenAPI schema: served, committed (and the committed copy is current), and the API
keeps to it under Schemathesis (no 5xx; statuses, content types and bodies as declared)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sync.server.cli import SCHEMA_PATH, write_schema
from sync.server.wsgi import application
from tests.server.conftest import new_store
from tests.server.factory import enroll

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def test_the_committed_schema_is_current() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_schema(Path(tmp) / "openapi.yaml")
    assert SCHEMA_PATH.read_text(encoding="utf-8") == fresh, (
        "sync/server/openapi.yaml is stale: run `kaunta-hq schema` and commit it"
    )


def test_the_schema_is_served(client: Client) -> None:
    got = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert got.status_code == 200
    assert "/api/v1/events" in got.json()["paths"]


@pytest.fixture
def token(client: Client) -> str:
    return enroll(client, new_store()).token


@pytest.mark.slow
def test_the_api_keeps_to_its_schema(hq_db: str, token: str) -> None:
    """Every operation, with inputs generated from the schema (valid and not)."""
    api = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers = {"Authorization": f"Token {token}"}
    seen = []
    for result in api.get_all_operations():
        # an operation the schema cannot describe raises here
        operation = result.ok()  # type: ignore[union-attr]
        seen.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
    assert "POST /api/v1/events" in seen
    # + POST /api/v1/pushes, GET /api/v1/push-results, POST /api/v1/paypal-orders,
    # GET /api/v1/paypal-results, GET /api/v1/etims-results, GET /api/v1/sales-for-refund
    assert len(seen) == 12
