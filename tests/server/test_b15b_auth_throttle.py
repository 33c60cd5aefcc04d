"""The per-address throttle also limits calls that fail authentication: an address trying
tokens (unknown, revoked or none) is answered 429 with ``Retry-After`` once over its rate,
as a terminal with a good token is."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from sync.server.api import throttles
from sync.server.terminals.models import Terminal
from tests.server.conftest import new_store
from tests.server.factory import enroll

RATES = {"terminal": "1000/min", "address": "3/min", "enroll": "10/min"}


@pytest.mark.parametrize(
    "header", ["Token not-a-token-of-anyone", "Token a b", None], ids=["unknown", "bad", "none"]
)
def test_an_address_trying_tokens_is_throttled(
    client: Client, monkeypatch: pytest.MonkeyPatch, header: str | None
) -> None:
    cache.clear()
    monkeypatch.setattr(throttles.CountingThrottle, "THROTTLE_RATES", RATES)
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    answers = [client.get("/api/v1/changes", **extra) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert int(answers[3]["Retry-After"]) >= 1
    assert answers[3].json()["error"]["code"] == "throttled"


def test_a_revoked_terminal_that_keeps_calling_is_throttled(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    till = enroll(client, new_store())
    Terminal.objects.filter(code=till.terminal_id, store__code=till.store_id).update(
        revoked_at=timezone.now()
    )
    cache.clear()
    monkeypatch.setattr(throttles.CountingThrottle, "THROTTLE_RATES", RATES)
    answers = [till.push(client, [till.sale()]) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[0].json()["error"]["code"] == "revoked"


def test_good_calls_still_count_once_per_request(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    till = enroll(client, new_store())
    cache.clear()
    monkeypatch.setattr(throttles.CountingThrottle, "THROTTLE_RATES", RATES)
    answers = [client.get("/api/v1/changes", **till.auth) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
