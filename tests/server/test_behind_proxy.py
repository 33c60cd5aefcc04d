"""Head office behind its TLS proxy, over the Django test client on each backend.

Behind Caddy, ``REMOTE_ADDR`` is Caddy's address and the client's is the last hop of
``X-Forwarded-For``: believed only when the direct peer is a trusted proxy
(``settings.TRUSTED_PROXIES``), never when a client sends the header itself. The M-Pesa
allow-list, the stored source address, the access log and the address throttles all use
that one answer (sync/server/ops/clientip.py). Also here: callback tokens and phone hashes
made under a retired secret key while it is a fallback (a push in flight over a key
rotation), and refused PayPal bodies stored without the payer's e-mail or name.
"""

from __future__ import annotations

import io
import ipaddress
import json
import logging
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with drf-spectacular
from django.test import Client, RequestFactory, override_settings

from sync.server.api import throttles
from sync.server.callbacks.models import RejectedCallback, StkCallbackRecord
from sync.server.callbacks.redact import mask_personal_data
from sync.server.callbacks.tokens import token_for, token_ok, wire_phone_hash
from sync.server.logs import JsonFormatter
from sync.server.ops import security
from sync.server.ops.clientip import client_address
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.test_callbacks import PHONE, body, post, register

CADDY = "172.30.0.2"
SAFARICOM = "196.201.214.200"
FORGER = "203.0.113.9"


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


@pytest.fixture
def allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAUNTA_HQ_CALLBACK_ALLOW", "196.201.214.0/24, 196.201.213.44/32")


@pytest.fixture
def behind_caddy() -> Iterator[None]:
    with override_settings(TRUSTED_PROXIES=[f"{CADDY}/32"]):
        yield


def _meta(remote: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_with_no_trusted_proxy_the_peer_is_the_client_whatever_it_forwards() -> None:
    with override_settings(TRUSTED_PROXIES=[]):
        assert client_address(_meta(FORGER, SAFARICOM)) == FORGER
        assert client_address(_meta(CADDY, SAFARICOM)) == CADDY


def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop(
    behind_caddy: None,
) -> None:
    assert client_address(_meta(CADDY, SAFARICOM)) == SAFARICOM
    # what the client wrote itself is left of what Caddy appended: ignored
    assert client_address(_meta(CADDY, f"{SAFARICOM}, {FORGER}")) == FORGER
    # an untrusted peer's header proves nothing
    assert client_address(_meta(FORGER, SAFARICOM)) == FORGER
    # no header, or garbage: the proxy itself is the answer (never the garbage)
    assert client_address(_meta(CADDY)) == CADDY
    assert client_address(_meta(CADDY, "not-an-address")) == CADDY
    # ports and IPv6 brackets as some balancers write them
    assert client_address(_meta(CADDY, f"{SAFARICOM}:4711")) == SAFARICOM
    assert client_address(_meta(CADDY, "[2001:db8::7]:443")) == "2001:db8::7"
    with override_settings(TRUSTED_PROXIES=["10.0.0.0/8", f"{CADDY}/32"]):
        # two trusted hops (a balancer, then Caddy): the client is left of both
        assert client_address(_meta(CADDY, f"{FORGER}, {SAFARICOM}, 10.1.2.3")) == SAFARICOM


def test_a_safaricom_callback_through_the_trusted_proxy_is_accepted_and_its_source_kept(
    client: Client, till: Till, allow_list: None, behind_caddy: None
) -> None:
    attempt, path = register(client, till)
    answer = post(client, path, body(), REMOTE_ADDR=CADDY, HTTP_X_FORWARDED_FOR=SAFARICOM)
    assert answer.status_code == 200, answer.content
    record = StkCallbackRecord.objects.get(attempt__attempt_id=attempt)
    assert record.source_ip == SAFARICOM


def test_without_the_proxy_trusted_the_same_callback_is_refused_as_the_proxys(
    client: Client, till: Till, allow_list: None
) -> None:
    _, path = register(client, till)
    with override_settings(TRUSTED_PROXIES=[]):
        answer = post(client, path, body(), REMOTE_ADDR=CADDY, HTTP_X_FORWARDED_FOR=SAFARICOM)
    assert answer.status_code == 403
    refusal = RejectedCallback.objects.latest("pk")
    assert (refusal.reason, refusal.source_ip) == ("address", CADDY)


def test_a_forwarded_safaricom_address_from_an_untrusted_peer_is_ignored(
    client: Client, till: Till, allow_list: None, behind_caddy: None
) -> None:
    _, path = register(client, till)
    answer = post(client, path, body(), REMOTE_ADDR=FORGER, HTTP_X_FORWARDED_FOR=SAFARICOM)
    assert answer.status_code == 403
    refusal = RejectedCallback.objects.latest("pk")
    assert (refusal.reason, refusal.source_ip) == ("address", FORGER)
    # through the proxy, a Safaricom address the forger wrote itself is left of its own
    answer = post(
        client,
        path,
        body(),
        REMOTE_ADDR=CADDY,
        HTTP_X_FORWARDED_FOR=f"{SAFARICOM}, {FORGER}",
    )
    assert answer.status_code == 403
    assert RejectedCallback.objects.latest("pk").source_ip == FORGER


def _invented() -> str:
    return f"198.51.100.{secrets.randbelow(250) + 1}, 192.0.2.{secrets.randbelow(250) + 1}"


@pytest.mark.parametrize("proxies", [[], [f"{CADDY}/32"]])
def test_invented_forwarded_addresses_do_not_get_past_the_address_throttle(
    client: Client, monkeypatch: pytest.MonkeyPatch, proxies: list[str]
) -> None:
    """An API endpoint (DRF's throttle classes) and a page (the page throttle middleware):
    a new made-up ``X-Forwarded-For`` on every request is still the same client."""
    rates = {**throttles.AddressThrottle.THROTTLE_RATES, "address": "3/min", "pages": "3/min"}
    monkeypatch.setattr(throttles.AddressThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(security.PageThrottle, "THROTTLE_RATES", rates)
    with override_settings(TRUSTED_PROXIES=proxies):
        ipn = [
            client.post(
                "/hooks/paypal/ipn",
                b"",
                content_type="application/x-www-form-urlencoded",
                REMOTE_ADDR=FORGER,
                HTTP_X_FORWARDED_FOR=_invented(),
            ).status_code
            for _ in range(4)
        ]
        pages = [
            client.get("/healthz", REMOTE_ADDR=FORGER, HTTP_X_FORWARDED_FOR=_invented()).status_code
            for _ in range(4)
        ]
    assert ipn == [400, 400, 400, 429]
    assert pages == [200, 200, 200, 429]


def test_behind_the_proxy_each_client_has_its_own_count_not_the_proxys(
    client: Client, monkeypatch: pytest.MonkeyPatch, behind_caddy: None
) -> None:
    rates = {**security.PageThrottle.THROTTLE_RATES, "pages": "2/min"}
    monkeypatch.setattr(security.PageThrottle, "THROTTLE_RATES", rates)
    first = [
        client.get("/healthz", REMOTE_ADDR=CADDY, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
        for _ in range(3)
    ]
    other = client.get("/healthz", REMOTE_ADDR=CADDY, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert first == [200, 200, 429]
    assert other.status_code == 200


def test_the_access_log_names_the_client_behind_the_proxy(
    client: Client, behind_caddy: None
) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("kaunta.hq.access")
    access.addHandler(handler)
    try:
        client.get("/healthz", REMOTE_ADDR=CADDY, HTTP_X_FORWARDED_FOR=SAFARICOM)
        client.get("/healthz", REMOTE_ADDR=FORGER, HTTP_X_FORWARDED_FOR=SAFARICOM)
    finally:
        access.removeHandler(handler)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["remote"] for line in lines[-2:]] == [SAFARICOM, FORGER]


# -- rotating the secret key ---------------------------------------------------------------

OLD_KEY = "old-" + "k" * 60
NEW_KEY = "new-" + "n" * 60


@pytest.fixture
def no_callback_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAUNTA_HQ_CALLBACK_SECRET", raising=False)


def test_a_token_made_under_the_old_key_is_accepted_while_it_is_a_fallback(
    no_callback_secret: None,
) -> None:
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        old = token_for("attempt-1")
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert token_ok("attempt-1", old)
        assert token_for("attempt-1") != old  # new tokens are made with the new key
        assert token_ok("attempt-1", token_for("attempt-1"))
        assert not token_ok("attempt-2", old)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert not token_ok("attempt-1", old)


def test_a_callback_secret_of_its_own_has_its_own_fallbacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAUNTA_HQ_CALLBACK_SECRET", "first-callback-secret")
    old = token_for("attempt-1")
    monkeypatch.setenv("KAUNTA_HQ_CALLBACK_SECRET", "second-callback-secret")
    assert not token_ok("attempt-1", old)
    monkeypatch.setenv("KAUNTA_HQ_CALLBACK_SECRET_FALLBACKS", "first-callback-secret")
    assert token_ok("attempt-1", old)


def test_a_push_in_flight_over_a_key_rotation_is_paid_then_refused_once_the_key_retires(
    client: Client, till: Till, no_callback_secret: None
) -> None:
    """Registered (token and phone hash) under the old key; Daraja answers after the
    rotation: accepted while the old key is a fallback, refused as a bad token after."""
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        attempt, path = register(client, till)
        late, late_path = register(client, till)
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        answer = post(client, path, body("ws_CO_rot"))
        assert answer.status_code == 200, answer.content
        # the till registering the same push again gets a URL, not a conflict
        again = client.post(
            "/api/v1/pushes",
            {
                "attempt_id": attempt,
                "amount_minor": 65000,
                "phone_hash": wire_phone_hash(PHONE),
            },
            content_type="application/json",
            **till.auth,
        )
        assert again.status_code == 200, again.content
    assert StkCallbackRecord.objects.filter(attempt__attempt_id=attempt).count() == 1
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        refused = post(client, late_path, body("ws_CO_late"))
    assert refused.status_code == 403
    assert RejectedCallback.objects.latest("pk").reason == "token"
    assert not StkCallbackRecord.objects.filter(attempt__attempt_id=late).exists()


# -- refused PayPal bodies -----------------------------------------------------------------

EMAIL = "wanjiru.kamau@example.co.ke"


def _webhook_with_payer() -> bytes:
    event = {
        "id": "WH-0000000000000000-FORGED",
        "event_version": "1.0",
        "create_time": "2026-03-02T10:30:00Z",
        "resource_type": "checkout-order",
        "event_type": "CHECKOUT.ORDER.APPROVED",
        "summary": "An order has been approved by buyer",
        "resource": {
            "id": "5O190127TN364715T",
            "payer": {
                "name": {"given_name": "Wanjiru", "surname": "Kamau"},
                "email_address": EMAIL,
                "payer_id": "QYR5Z8XDVJNXQ",
            },
        },
    }
    return json.dumps(event).encode()


def test_a_forged_webhook_is_stored_without_the_payers_email_or_name(client: Client) -> None:
    answer = client.post(
        "/hooks/paypal/webhook", _webhook_with_payer(), content_type="application/json"
    )
    assert answer.status_code in (400, 503)
    kept = RejectedCallback.objects.latest("pk").body_start
    assert kept.startswith('{"id": "WH-0000000000000000-FORGED"')
    for personal in ("wanjiru", "kamau", "example.co.ke"):
        assert personal not in kept.lower(), kept
    assert '"given_name": "***"' in kept


def test_a_refused_ipn_is_stored_without_the_payers_email_or_name(client: Client) -> None:
    form = (
        "txn_id=61E67681CH3238416&first_name=Wanjiru&last_name=Kamau"
        f"&payer_email={EMAIL.replace('@', '%40')}&memo=caf\u00e9"
    ).encode()  # not ASCII: refused as malformed, its start kept
    answer = client.post(
        "/hooks/paypal/ipn", form, content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 400
    kept = RejectedCallback.objects.latest("pk").body_start
    assert kept.startswith("txn_id=61E67681CH3238416&first_name=***")
    for personal in ("wanjiru", "kamau", "example.co.ke"):
        assert personal not in kept.lower(), kept


def test_emails_are_masked_in_any_text() -> None:
    masked = mask_personal_data(f"contact {EMAIL} or a.b%40shop.ke, not 2026@")
    assert masked == "contact w***@***.ke or a***@***.ke, not 2026@"


def test_compose_trusts_exactly_caddys_fixed_address() -> None:
    """The shipped compose file: the app trusts the proxy's address, which Docker cannot
    hand to another container (outside the network's dynamic range)."""
    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy/compose.yaml").read_text())
    fixed = ipaddress.ip_address(doc["services"]["proxy"]["networks"]["default"]["ipv4_address"])
    pool = doc["networks"]["default"]["ipam"]["config"][0]
    trusted_spec = doc["x-app"]["environment"]["KAUNTA_HQ_TRUSTED_PROXIES"]
    default = re.fullmatch(r"\$\{KAUNTA_HQ_TRUSTED_PROXIES:-(.+)\}", trusted_spec)
    assert default is not None, trusted_spec
    trusted = [ipaddress.ip_network(n) for n in default.group(1).split(",")]
    assert trusted == [ipaddress.ip_network(f"{fixed}/32")]
    assert fixed in ipaddress.ip_network(pool["subnet"])
    assert fixed not in ipaddress.ip_network(pool["ip_range"])
    for name in ("web", "worker", "migrate"):
        assert "networks" not in doc["services"][name]  # on the same default network


def test_a_callbacks_token_is_in_neither_the_access_log_nor_the_refusals_table(
    client: Client, till: Till, allow_list: None
) -> None:
    # the path's last segment is the secret that proves a callback is head office's own:
    # written down, anyone reading the log or the table could post a forged one
    _, path = register(client, till)
    token = path.rstrip("/").rsplit("/", 1)[1]
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("kaunta.hq.access")
    access.addHandler(handler)
    try:
        with override_settings(TRUSTED_PROXIES=[]):
            answer = post(client, path, body(), REMOTE_ADDR=FORGER)
    finally:
        access.removeHandler(handler)
    assert answer.status_code == 403
    refusal = RejectedCallback.objects.latest("pk")
    assert token not in refusal.path
    assert refusal.path.endswith("/<token>")
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["route"].startswith("/hooks/stk/")
    assert token not in out.getvalue()
    assert line["path"].endswith("/<token>")
