"""Crash safety of PayPal through head office: SIGKILL the till after PayPal captured.

``paypal_relay_worker.py`` is the till (a process of its own, its SQLite file in a temp
folder). The PayPal and M-Pesa sandboxes run in THIS process (they outlive the till, as
PayPal does), and the product's head office runs as real processes (``kaunta-hq serve``
and ``kaunta-hq worker``, :mod:`tests.e2e.paypal_head_office`), verifying the sandbox's
signed webhooks offline. The till registers its order with head office, the customer
approves, the till's poll captures the order at PayPal and the till is SIGKILLed before it
records PayPal's answer. PayPal's ``PAYMENT.CAPTURE.COMPLETED`` webhook reaches head office
over HTTP, and the restarted till learns the result through the sync channel (the PayPal
result pull) and applies it exactly once: the sale completes once, the money is in the books
once, PayPal captured once; and when the restarted till asks PayPal itself first, the result
relayed afterwards changes nothing; and when the restarted till could not ask PayPal and
the customer paid cash meanwhile, the relayed capture goes to the late-payment flow.

The books are checked with the checks of ``test_payment_crash.py`` (plain sqlite3, read
only) and the audit chain is verified at the end.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pos.payments.mpesa.sandbox import MpesaSandbox
from pos.payments.paypal.sandbox import PayPalSandbox
from tests.crash.harness import WorkerProcess, open_readonly
from tests.crash.test_payment_crash import (
    OrderCreate,
    Sandboxes,
    assert_books,
    attempt_row,
    paypal_captures,
    paypal_creates,
    words_of,
)
from tests.e2e.paypal_head_office import PayPalHeadOffice, paypal_head_office

WORKER = Path(__file__).with_name("paypal_relay_worker.py")
LINE_TIMEOUT_S = 60.0
CURSOR = "paypal_results.after"


class RelayWorker(WorkerProcess):
    """One ``paypal_relay_worker.py`` process; waiting fails the test when it does not
    deliver what it should."""

    def __init__(
        self,
        db_path: Path,
        urls: tuple[str, str],
        scenario: str,
        err: Path,
        env: dict[str, str],
    ) -> None:
        self.scenario = scenario
        super().__init__(WORKER, [str(db_path), *urls, scenario], err, env)

    def wait_for(self, word: str, timeout: float = LINE_TIMEOUT_S) -> list[str]:
        words = super().wait_for(word, timeout)
        if words is None:
            pytest.fail(
                f"{self.scenario}: no {word} line (exit status {self.proc.poll()}); "
                f"printed {self.lines}\n{self.stderr()}"
            )
        return words

    def finish(self, timeout: float = LINE_TIMEOUT_S) -> list[list[str]]:
        status = self.wait_exit(timeout)
        if status is None:
            pytest.fail(f"{self.scenario} did not end in {timeout}s: {self.lines}")
        assert status == 0, f"{self.scenario} exited {status}:\n{self.stderr()}"
        return self.lines


@dataclass
class Setting:
    """The gateways, the head office and the crash till's enrollment with it."""

    boxes: Sandboxes
    office: PayPalHeadOffice
    token: str
    db_path: Path
    logs: Path

    @property
    def env(self) -> dict[str, str]:
        return {"KAUNTA_PAY_HQ_URL": self.office.url, "KAUNTA_PAY_HQ_TOKEN": self.token}

    def run(self, scenario: str, name: str, urls: tuple[str, str] | None = None) -> list[list[str]]:
        """Run ``scenario`` to its end (against ``urls``: the sandboxes unless given)."""
        worker = RelayWorker(
            self.db_path, urls or self.boxes.urls, scenario, self.logs / name, self.env
        )
        return worker.finish()

    def results(self) -> list[dict[str, Any]]:
        return self.office.results(self.token)


@pytest.fixture
def dead_url() -> Iterator[str]:
    """A local URL where nothing answers (bound, never listening): PayPal out of reach."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture
def setting(tmp_path: Path) -> Iterator[Setting]:
    mpesa = MpesaSandbox().start()
    paypal = PayPalSandbox().start()
    try:
        with paypal_head_office(tmp_path / "hq", paypal) as office:
            token = office.enroll("DEMO", "Crash till")
            yield Setting(
                Sandboxes(mpesa, paypal), office, token, tmp_path / "data" / "kaunta.sqlite",
                tmp_path,
            )  # fmt: skip
    finally:
        paypal.stop()
        mpesa.stop()


def kill_after_the_capture(setting: Setting, readonly: list[sqlite3.Connection]) -> tuple[
    str, str, str, dict[str, Any], list[list[str]]
]:  # fmt: skip
    """Start a PayPal payment, approve it, let the till capture it and die before it
    recorded the capture; wait until head office has made the result from the webhook.
    Returns the attempt id, the order id, the capture id, head office's result and what
    the dead till printed."""
    box = setting.boxes.paypal
    worker = RelayWorker(
        setting.db_path,
        setting.boxes.urls,
        "capture-and-die",
        setting.logs / "die.err",
        setting.env,
    )
    _, attempt_id, method, order_id = worker.wait_for("STARTED")
    assert method == "paypal"
    assert worker.wait_for("REGISTERED") == ["REGISTERED", order_id]
    registered = setting.office.order(order_id)
    assert registered is not None
    assert registered["terminal"] == "T1"
    assert box.decide(order_id, "approve") == "APPROVED"  # the customer approves
    assert worker.wait_for("DYING") == ["DYING", attempt_id, "captured"]
    assert worker.wait_dead(LINE_TIMEOUT_S) == -signal.SIGKILL
    lines = list(worker.lines)

    # PayPal took the money once; the till's books do not know it
    [capture] = paypal_captures(box)
    assert (capture.order_id, capture.status) == (order_id, "COMPLETED")
    conn = open_readonly(setting.db_path, readonly)
    state, resolution, _, gateway_ref, receipt_ref, _ = attempt_row(conn, attempt_id)
    assert (state, resolution, gateway_ref, receipt_ref) == ("pending", "", order_id, "")
    assert conn.execute("SELECT count(*) FROM payments").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM sales").fetchone() == (0,)
    conn.close()

    # PayPal's webhook reaches head office (real HTTP, verified), which makes the result
    assert box.flush_webhooks(LINE_TIMEOUT_S)
    [result] = setting.office.wait_results(setting.token, order_id, timeout=LINE_TIMEOUT_S)
    assert (result["state"], result["capture_id"]) == ("paid", capture.capture_id)
    return attempt_id, order_id, capture.capture_id, result, lines


def assert_paid_once(
    setting: Setting, readonly: list[sqlite3.Connection], attempt_id: str, capture_id: str
) -> None:
    conn = open_readonly(setting.db_path, readonly)
    state, resolution, sale_id, _, receipt_ref, _ = attempt_row(conn, attempt_id)
    assert (state, resolution, receipt_ref) == ("captured", "applied", capture_id)
    assert conn.execute("SELECT id, sale_id, method, reference FROM payments").fetchall() == [
        (attempt_id, sale_id, "paypal", capture_id)
    ]
    assert conn.execute("SELECT id, number, status FROM sales").fetchall() == [
        (sale_id, "DEMO-T1-000001", "completed")
    ]
    assert conn.execute("SELECT count(*) FROM drafts").fetchone() == (0,)
    conn.close()
    box = setting.boxes.paypal
    assert len(paypal_captures(box)) == 1
    assert [c for c in paypal_creates(box) if c.status == 201] == [OrderCreate(attempt_id, 201)]


def test_paypal_captured_as_the_till_died_reaches_it_through_head_office_once(
    setting: Setting, readonly: list[sqlite3.Connection]
) -> None:
    attempt_id, order_id, capture_id, result, died = kill_after_the_capture(setting, readonly)

    # the restarted till pulls before it asks PayPal: the result comes through head office
    lines = setting.run("relay-first", "relay.err")

    assert words_of(lines, "RELAYED") == [["RELAYED", order_id, "applied"]], lines
    assert words_of(lines, "RESOLVED") == []  # nothing left for the till to ask PayPal
    assert lines[-1] == ["IDLE"]
    assert_paid_once(setting, readonly, attempt_id, capture_id)
    conn = open_readonly(setting.db_path, readonly)
    assert conn.execute("SELECT value FROM sync_state WHERE name = ?", (CURSOR,)).fetchone() == (
        str(result["seq"]),
    )
    conn.close()

    # restarted again: the durable cursor means nothing is handed over twice ...
    again = setting.run("relay-first", "again.err")
    assert words_of(again, "RELAYED") == []
    # ... and with the cursor lost, the same result is found applied already
    with sqlite3.connect(setting.db_path) as rw:
        rw.execute("DELETE FROM sync_state WHERE name = ?", (CURSOR,))
    replay = setting.run("relay-first", "replay.err")
    assert words_of(replay, "RELAYED") == [["RELAYED", order_id, "captured"]]

    assert_paid_once(setting, readonly, attempt_id, capture_id)
    assert len(setting.results()) == 1
    assert_books(setting.db_path, setting.boxes, died + lines + again + replay, readonly)


def test_paypal_captured_as_the_till_died_then_asked_by_the_till_first_is_applied_once(
    setting: Setting, readonly: list[sqlite3.Connection]
) -> None:
    attempt_id, order_id, capture_id, _, died = kill_after_the_capture(setting, readonly)

    # the restarted till asks PayPal first (as the app does at start), then pulls
    lines = setting.run("resolve-first", "resolve.err")

    assert words_of(lines, "RESOLVED") == [["RESOLVED", attempt_id, "captured", "DEMO-T1-000001"]]
    # the relayed result arrives after and changes nothing
    assert words_of(lines, "RELAYED") == [["RELAYED", order_id, "captured"]], lines
    assert lines[-1] == ["IDLE"]
    assert_paid_once(setting, readonly, attempt_id, capture_id)
    assert_books(setting.db_path, setting.boxes, died + lines, readonly)


def test_paypal_captured_as_the_till_died_for_a_sale_paid_in_cash_meanwhile_goes_late(
    setting: Setting, readonly: list[sqlite3.Connection], dead_url: str
) -> None:
    """The restarted till cannot reach PayPal; the cashier stops waiting and the customer
    pays cash. The capture then relayed by head office is money for a sale that moved on:
    the manager's late payments, never a second payment of that sale."""
    attempt_id, order_id, capture_id, _, died = kill_after_the_capture(setting, readonly)

    lines = setting.run("cash-then-relay", "cash.err", (setting.boxes.urls[0], dead_url))

    assert words_of(lines, "CANCELLED") == [["CANCELLED", attempt_id]]
    [(_, sale_id, number)] = words_of(lines, "CASH")
    assert words_of(lines, "RELAYED") == [["RELAYED", order_id, "late"]], lines
    assert lines[-1] == ["IDLE"]
    conn = open_readonly(setting.db_path, readonly)
    state, resolution, attempt_sale, _, receipt_ref, _ = attempt_row(conn, attempt_id)
    assert (state, resolution, receipt_ref, attempt_sale) == (
        "captured",
        "late",
        capture_id,
        sale_id,
    )
    assert conn.execute("SELECT sale_id, method FROM payments").fetchall() == [(sale_id, "cash")]
    assert conn.execute("SELECT number, status FROM sales").fetchall() == [(number, "completed")]
    late = conn.execute(
        "SELECT count(*) FROM outbox WHERE kind = 'payment.late' AND aggregate_id = ?",
        (attempt_id,),
    ).fetchone()
    assert late == (1,)
    conn.close()
    assert len(paypal_captures(setting.boxes.paypal)) == 1
    assert_books(setting.db_path, setting.boxes, died + lines, readonly)
