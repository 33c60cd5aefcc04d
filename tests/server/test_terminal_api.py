"""Enrollment, token auth, revocation, heartbeat, health, throttling and the chain head."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from sync.protocol.batch import ChainHead
from sync.server.api import throttles
from sync.server.terminals.models import ChainReport, EnrollmentCode, Terminal
from tests.server.conftest import new_store
from tests.server.factory import enroll


def error_code(response: object) -> str:
    return str(response.json()["error"]["code"])  # type: ignore[attr-defined]


def test_enrollment_gives_the_store_identity_and_a_token_kept_only_as_a_hash(
    client: Client,
) -> None:
    store = new_store(name="Duka Kuu", kra_pin="P051111111A")
    _, code = EnrollmentCode.make(store)
    got = client.post(
        "/api/v1/enroll",
        {"code": code.lower(), "terminal_name": "Front till"},
        content_type="application/json",
    )
    assert got.status_code == 201
    body = got.json()
    assert (body["store_id"], body["terminal_id"]) == (store.code, "T1")
    assert body["organisation"] == "Duka Chain"
    assert body["store"]["kra_pin"] == "P051111111A"
    assert body["store"]["name"] == "Duka Kuu"
    terminal = Terminal.objects.get(store=store, code="T1")
    assert body["token"] not in terminal.token_hash
    second = enroll(client, store, "Back till")
    assert second.terminal_id == "T2"


def test_an_enrollment_code_works_once(client: Client) -> None:
    _, code = EnrollmentCode.make(new_store())
    body = {"code": code, "terminal_name": "Till"}
    assert client.post("/api/v1/enroll", body, content_type="application/json").status_code == 201
    again = client.post("/api/v1/enroll", body, content_type="application/json")
    assert again.status_code == 403
    assert error_code(again) == "used_code"
    assert "new one" in again.json()["error"]["message"]


def test_an_expired_or_unknown_code_is_refused(client: Client) -> None:
    row, code = EnrollmentCode.make(new_store())
    EnrollmentCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(1))
    got = client.post(
        "/api/v1/enroll", {"code": code, "terminal_name": "T"}, content_type="application/json"
    )
    assert (got.status_code, error_code(got)) == (403, "expired_code")
    got = client.post(
        "/api/v1/enroll",
        {"code": "AAAA-BBBB-CCCC-DDDD", "terminal_name": "T"},
        content_type="application/json",
    )
    assert (got.status_code, error_code(got)) == (403, "bad_code")


@pytest.mark.parametrize("body", [{}, {"code": "x"}, {"code": "ABCD-EFGH", "terminal_name": ""}])
def test_an_incomplete_enrollment_request_is_refused_with_the_field(
    client: Client, body: dict[str, str]
) -> None:
    got = client.post("/api/v1/enroll", body, content_type="application/json")
    assert got.status_code == 400
    assert error_code(got) == "invalid"


def test_a_revoked_terminal_is_refused_everywhere(client: Client) -> None:
    till = enroll(client, new_store())
    doc = till.sale()
    Terminal.objects.filter(code=till.terminal_id, store__code=till.store_id).update(
        revoked_at=timezone.now()
    )
    for got in (
        till.push(client, [doc]),
        client.get("/api/v1/changes", **till.auth),
        client.post("/api/v1/heartbeat", {}, content_type="application/json", **till.auth),
    ):
        assert got.status_code == 401
        assert error_code(got) == "revoked"
        assert "revoked" in got.json()["error"]["message"]


@pytest.mark.parametrize(
    ("header", "code"),
    [("Token nope", "unknown_token"), ("Token a b", "bad_token"), (None, "not_authenticated")],
)
def test_an_unknown_or_missing_token_is_refused(
    client: Client, header: str | None, code: str
) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    got = client.get("/api/v1/changes", **extra)
    assert got.status_code == 401
    assert error_code(got) == code


def test_heartbeat_is_recorded_and_answers_the_server_time(client: Client) -> None:
    till = enroll(client, new_store())
    got = client.post(
        "/api/v1/heartbeat",
        {
            "at": "2026-03-02T07:30:00Z",
            "outbox_waiting": 7,
            "last_sync_at": None,
            "app_version": "1.2.3",
        },
        content_type="application/json",
        **till.auth,
    )
    assert got.status_code == 200
    assert "server_time" in got.json()
    t = Terminal.objects.get(code=till.terminal_id, store__code=till.store_id)
    assert t.last_heartbeat["outbox_waiting"] == 7
    assert t.last_seen_at is not None
    bad = client.post(
        "/api/v1/heartbeat", {"outbox_waiting": -1}, content_type="application/json", **till.auth
    )
    assert bad.status_code == 400
    assert "outbox_waiting" in bad.json()["error"]["message"]


def test_health_and_readiness(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ok"  # plus queue and worker state


def test_too_many_requests_get_429_with_retry_after(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    till = enroll(client, new_store())
    cache.clear()
    rates = {"terminal": "3/min", "address": "1000/min", "enroll": "10/min"}
    monkeypatch.setattr(throttles.TerminalThrottle, "THROTTLE_RATES", rates)
    answers = [client.get("/api/v1/changes", **till.auth) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[3]["Retry-After"]) >= 1
    assert error_code(answers[3]) == "throttled"
    assert "try again in" in answers[3].json()["error"]["message"]


def test_enrollment_is_throttled_per_address(client: Client) -> None:
    codes = [
        client.post(
            "/api/v1/enroll",
            {"code": f"WRONG-{n:04d}", "terminal_name": "T"},
            content_type="application/json",
        ).status_code
        for n in range(11)
    ]
    assert codes[:10] == [403] * 10
    assert codes[10] == 429


def test_chain_heads_are_kept_and_a_chain_that_goes_back_or_is_rewritten_is_flagged(
    client: Client,
) -> None:
    till = enroll(client, new_store())
    terminal = Terminal.objects.get(code=till.terminal_id, store__code=till.store_id)
    till.push(client, [till.sale()], head=ChainHead(5, "a" * 64))
    till.push(client, [till.sale()], head=ChainHead(9, "b" * 64))
    till.push(client, [], head=ChainHead(9, "b" * 64))
    terminal.refresh_from_db()
    assert (terminal.chain_seq, terminal.chain_state) == (9, "ok")
    assert list(ChainReport.objects.filter(terminal=terminal).values_list("seq", flat=True)) == [
        5,
        9,
    ]
    got = till.push(client, [till.sale()], head=ChainHead(5, "c" * 64))
    assert got.json()["results"][0]["status"] == "applied"  # evidence is still taken
    terminal.refresh_from_db()
    assert terminal.chain_state == "backwards"
    assert terminal.chain_seq == 9


def test_a_chain_entry_reported_again_with_another_hash_is_flagged_rewritten(
    client: Client,
) -> None:
    till = enroll(client, new_store())
    terminal = Terminal.objects.get(code=till.terminal_id, store__code=till.store_id)
    till.push(client, [], head=ChainHead(3, "a" * 64))
    till.push(client, [], head=ChainHead(3, "d" * 64))
    terminal.refresh_from_db()
    assert terminal.chain_state == "rewritten"
    flagged = ChainReport.objects.get(terminal=terminal, hash="d" * 64)
    assert "another hash" in flagged.note
