"""A revoked terminal is refused (401, ``revoked``) by every terminal endpoint, the
payment and eTIMS ones included, not only by events, changes and heartbeat."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from sync.server.terminals.models import Terminal
from tests.server.conftest import new_store
from tests.server.factory import enroll

CALLS = [
    ("post", "/api/v1/events"),
    ("get", "/api/v1/changes"),
    ("post", "/api/v1/heartbeat"),
    ("get", "/api/v1/sales-for-refund?receipt=X-T1-000001"),
    ("post", "/api/v1/pushes"),
    ("get", "/api/v1/push-results"),
    ("get", "/api/v1/etims-results"),
    ("post", "/api/v1/paypal-orders"),
    ("get", "/api/v1/paypal-results"),
]


def test_a_revoked_terminal_is_refused_by_every_terminal_endpoint(client: Client) -> None:
    till = enroll(client, new_store())
    Terminal.objects.filter(code=till.terminal_id, store__code=till.store_id).update(
        revoked_at=timezone.now()
    )
    for method, url in CALLS:
        if method == "post":
            got = client.post(url, {}, content_type="application/json", **till.auth)
        else:
            got = client.get(url, **till.auth)
        assert got.status_code == 401, (url, got.status_code)
        assert got.json()["error"]["code"] == "revoked", url
