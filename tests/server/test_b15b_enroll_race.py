"""Two tills of one store enrolling at the same moment (each with its own code) both get a
terminal: on PostgreSQL the second waits for the first (enroll() locks the store's row with
the code's) and takes the next terminal number instead of failing on the first's."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import connections
from django.test import Client

from sync.server.terminals.models import EnrollmentCode, Terminal
from tests.server.conftest import new_store


def _waiting_on_a_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as probe:
        row = probe.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return bool(row and row[0])


def test_two_enrollments_at_once_at_one_store_both_get_a_terminal(hq_db: str) -> None:
    if not hq_db.startswith("postgres"):
        pytest.skip("SQLite takes the write lock at BEGIN: two enrollments queue")
    store = new_store()
    _, code = EnrollmentCode.make(store)
    answers: dict[str, Any] = {}

    def second_till() -> None:
        try:
            answers["got"] = Client(raise_request_exception=False).post(
                "/api/v1/enroll",
                {"code": code, "terminal_name": "Back till"},
                content_type="application/json",
            )
        finally:
            connections.close_all()

    # the first till's enrollment is in flight as enroll() makes it: the store's row locked,
    # its terminal T1 written, not committed
    with psycopg.connect(hq_db) as first:
        first.execute("SELECT id FROM hq_terminals_store WHERE id = %s FOR UPDATE", [store.pk])
        first.execute(
            "INSERT INTO hq_terminals_terminal (store_id, code, name, token_hash, enrolled_at, "
            "last_heartbeat, chain_hash, chain_state) "
            "VALUES (%s, 'T1', 'Front till', %s, now(), '{}', '', 'ok')",
            [store.pk, "f" * 64],
        )
        thread = threading.Thread(target=second_till)
        thread.start()
        for _ in range(2000):  # until the second one waits for the first's row
            if _waiting_on_a_lock(hq_db) or not thread.is_alive():
                break
            time.sleep(0.005)
        first.commit()
    thread.join()
    got = answers["got"]
    assert got.status_code == 201, got.content
    assert got.json()["terminal_id"] == "T2"
    assert sorted(Terminal.objects.filter(store=store).values_list("code", flat=True)) == [
        "T1",
        "T2",
    ]
