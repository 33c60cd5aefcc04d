"""Reconciliation: statements from the sandboxes and generated months, with planted differences."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from pos.bench.reconcile import LedgerSeed, generate_month, write_ledger
from pos.domain.money import Money
from pos.payments.mpesa.client import DarajaClient, DarajaConfig
from pos.payments.mpesa.sandbox import server as mpesa_box
from pos.payments.mpesa.sandbox.statement import StatementEntry, statement_csv
from pos.payments.paypal.client import PayPalClient, PayPalConfig
from pos.payments.paypal.sandbox import server as paypal_box
from pos.payments.paypal.sandbox.statement import ActivityEntry, activity_csv
from sync.server.reconcile.matching import Outcome
from sync.server.reconcile.models import ReconDay, ReconException
from sync.server.reconcile.service import import_statement
from sync.server.reconcile.statements import (
    LineKind,
    StatementError,
    read_mpesa_statement,
    read_paypal_activity,
)

pytestmark = pytest.mark.usefixtures("hq_db")

NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 in Nairobi


def _by_outcome(statement: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in ReconException.objects.filter(statement=statement):
        out.setdefault(row.outcome, set()).add(row.reference or row.order_ref)
    return out


def test_generated_month_finds_every_planted_difference_and_nothing_else() -> None:
    month = generate_month(3_000, planted_each=6, seed=11)
    write_ledger(month.ledger)
    done = import_statement("mpesa", month.csv, file_name="march.csv")
    got = done.result
    p = month.planted
    assert {i.line.reference for i in got.of(Outcome.GATEWAY_ONLY) if i.line} == p.gateway_only
    ledger_only = {i.payment.receipt_number for i in got.of(Outcome.LEDGER_ONLY) if i.payment}
    assert ledger_only == p.ledger_only
    mismatched = {i.line.reference for i in got.of(Outcome.AMOUNT_MISMATCH) if i.line}
    assert mismatched == p.amount_mismatch
    by = {i.line.reference: i.matched_by for i in got.items if i.outcome == "matched" and i.line}
    assert {r for r, how in by.items() if how == "order"} == p.by_order
    assert {r for r, how in by.items() if how == "amount_time"} == p.by_time
    row = done.statement
    assert row.lines == 3_000 - 6 + 1  # ledger-only sales have no line; one charge line
    assert row.ignored_lines == 1
    assert row.matched == 3_000 - 3 * 6
    assert (row.gateway_only, row.ledger_only, row.amount_mismatch) == (6, 6, 6)
    # Kept for people: each exception once, with the sale when there is one.
    kept = _by_outcome(row)
    assert kept["gateway_only"] == p.gateway_only
    assert kept["amount_mismatch"] == p.amount_mismatch
    assert all(
        e.sale_id is not None
        for e in ReconException.objects.filter(statement=row, outcome="amount_mismatch")
    )


def test_summary_is_per_store_and_day_and_adds_up() -> None:
    month = generate_month(
        400, stores=("NKR01", "KSM01"), start=date(2026, 5, 1), days=4, planted_each=2, seed=3
    )
    write_ledger(month.ledger)
    done = import_statement("mpesa", month.csv)
    days = list(ReconDay.objects.filter(statement=done.statement).select_related("store"))
    stores = {d.store.code for d in days if d.store}
    assert stores == {"NKR01", "KSM01"}
    assert len({d.day for d in days}) >= 4
    assert sum(d.matched for d in days) == done.statement.matched
    assert sum(d.gateway_only for d in days) == 2
    # Gateway-only money is put on the store named by the order reference (receipt number).
    assert all(d.store is not None for d in days if d.gateway_only)
    paid_in = sum(ln.amount_minor for ln in read_mpesa_statement(month.csv).payments)
    assert sum(d.gateway_minor for d in days) == paid_in


def _seed(receipt_no: str, reference: str, cents: int, at: datetime) -> LedgerSeed:
    return LedgerSeed("NRB09", "T1", receipt_no, reference, cents, at)


def test_mpesa_statement_from_the_sandbox_reconciles_against_the_ledger() -> None:
    box = mpesa_box.MpesaSandbox(default="approve").start()
    try:
        client = DarajaClient(
            DarajaConfig(
                base_url=box.base_url,
                consumer_key=mpesa_box.DEMO_CONSUMER_KEY,
                consumer_secret=mpesa_box.DEMO_CONSUMER_SECRET,
                shortcode=mpesa_box.DEMO_SHORTCODE,
                passkey=mpesa_box.DEMO_PASSKEY,
                callback_url="https://hq.invalid/cb",
            )
        )
        pushes = []
        for n, amount in enumerate((150, 320, 75), start=1):
            number = f"NRB09-T1-{n:06d}"
            answer = client.stk_push(amount, mpesa_box.DEMO_PHONE, number, "Sale")
            pushes.append((number, answer.checkout_request_id, amount))
        deadline = time.monotonic() + 10
        while any(box.result(c) is None for _, c, _ in pushes) and time.monotonic() < deadline:
            time.sleep(0.05)
        records = box.wait_for_callbacks(3)
        receipts = {}
        for rec in records:
            cb = rec.to_json()["body"]["Body"]["stkCallback"]
            items = {i["Name"]: i.get("Value") for i in cb["CallbackMetadata"]["Item"]}
            receipts[cb["CheckoutRequestID"]] = str(items["MpesaReceiptNumber"])
        text = box.statement_csv()
    finally:
        box.stop()
    now = datetime.now(UTC)
    (n1, c1, a1), (n2, c2, a2), (_n3, c3, _a3) = pushes
    write_ledger(
        [
            _seed(n1, receipts[c1], a1 * 100, now),  # matches
            _seed(n2, receipts[c2], (a2 + 5) * 100, now),  # till recorded 5 more
            _seed("NRB09-T1-000009", "SXXXXXXXXX", 99_00, now),  # no money at the gateway
        ]
    )  # push 3 was paid but has no sale: gateway-only
    statement = read_mpesa_statement(text)
    assert statement.account == mpesa_box.DEMO_SHORTCODE
    assert [ln.reference for ln in statement.payments] == [receipts[c] for c in (c1, c2, c3)]
    got = import_statement("mpesa", text, file_name="portal.csv").result
    outcome = {
        (i.line.reference if i.line else i.payment.reference if i.payment else ""): i.outcome
        for i in got.items
    }
    assert outcome == {
        receipts[c1]: "matched",
        receipts[c2]: "amount_mismatch",
        receipts[c3]: "gateway_only",
        "SXXXXXXXXX": "ledger_only",
    }
    mismatch = next(i for i in got.items if i.outcome == "amount_mismatch")
    assert mismatch.difference_minor == -500


def test_paypal_activity_from_the_sandbox_reconciles_and_ignores_refunds() -> None:
    box = paypal_box.PayPalSandbox().start()
    try:
        client = PayPalClient(
            PayPalConfig(box.base_url, paypal_box.DEMO_CLIENT_ID, paypal_box.DEMO_CLIENT_SECRET)
        )
        captures = []
        for n, value in enumerate(("12.50", "7.00"), start=1):
            order = client.create_order(
                Money.parse(value, "USD"), request_id=f"req-{n}", reference=f"NRB09-T2-{n:06d}"
            )
            box.decide(order.id, "approve")
            done = client.capture_order(order.id, request_id=f"cap-{n}")
            captures.append(done.captures[0].id)
        text = box.activity_csv()
    finally:
        box.stop()
    activity = read_paypal_activity(text)
    assert [ln.reference for ln in activity.payments] == captures
    assert [ln.order_ref for ln in activity.payments] == ["NRB09-T2-000001", "NRB09-T2-000002"]
    now = datetime.now(UTC)
    seeds = [
        LedgerSeed("NRB09", "T2", "NRB09-T2-000001", captures[0], 1250, now, "paypal", "USD"),
        # reference never learned
        LedgerSeed("NRB09", "T2", "NRB09-T2-000002", "", 700, now, "paypal", "USD"),
    ]
    write_ledger(seeds)

    got = import_statement("paypal", text).result
    assert [(i.outcome, i.matched_by) for i in got.items] == [
        ("matched", "reference"),
        ("matched", "order"),
    ]


def test_charges_refunds_and_failed_lines_are_kept_but_not_matched() -> None:
    t = NOON
    text = statement_csv(
        [
            StatementEntry("SAAAAAAAA1", t, 500_00, "254712345678", "AMINA", "X-T1-000001"),
            StatementEntry("SAAAAAAAA2", t, -30_00, reason="Business Charge"),
            StatementEntry("SAAAAAAAA3", t, 200_00, status="Failed"),
        ],
        shortcode="600000",
        holder="Duka",
        start=t,
        end=t + timedelta(hours=1),
    )
    st = read_mpesa_statement(text)
    assert [ln.kind for ln in st.lines] == [LineKind.PAYMENT, LineKind.OTHER, LineKind.OTHER]
    assert st.lines[0].at == t
    assert st.lines[0].amount_minor == 500_00
    pp = activity_csv(
        [
            ActivityEntry("1AB", t, 1000, fee_minor=-84),
            ActivityEntry("2CD", t, -1000, type="Payment Refund", reference_txn="1AB"),
        ],
        day_first=False,
        zone_name="PST",
        offset=timedelta(hours=-8),
    )
    lines = read_paypal_activity(pp, day_first=False).lines
    assert [ln.kind for ln in lines] == [LineKind.PAYMENT, LineKind.OTHER]
    assert lines[0].at == t


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Date,Amount\n1,2\n", "No header row"),
        ("Receipt No.,Completion Time,Transaction Status,Paid In\nS1,02-03-2026 10:00:00,"
         "Completed,12.345\n", "Line 2"),
        ("Receipt No.,Completion Time,Transaction Status,Paid In\nS1,yesterday,Completed,1\n",
         "Line 2"),
    ],
)  # fmt: skip
def test_reader_refuses_what_is_not_a_statement_and_names_the_line(text: str, words: str) -> None:
    with pytest.raises(StatementError, match=words):
        read_mpesa_statement(text)
    with pytest.raises(StatementError):
        import_statement("mpesa", text)
    from sync.server.reconcile.models import StatementImport

    assert not StatementImport.objects.filter(text=text).exists()


def test_an_admin_marks_an_exception_resolved_and_it_leaves_the_open_list() -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    from sync.server.accounts.models import HqRole, Profile
    from sync.server.dashboard.queries import recon_exceptions
    from sync.server.terminals.models import Store

    at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    write_ledger([LedgerSeed("NRB09", "T1", "NRB09-T1-000777", "SRESOLVE01", 300_00, at)])
    text = statement_csv(
        [StatementEntry("SRESOLVE01", at, 310_00, "254712345678", "A", "NRB09-T1-000")],
        shortcode="600000",
        holder="Duka",
        start=at,
        end=at,
    )
    import_statement("mpesa", text)
    row = ReconException.objects.get(reference="SRESOLVE01")
    assert row.outcome == "amount_mismatch"
    password = "a long enough passphrase"
    people = {}
    for name, role in (("amina", HqRole.ADMIN), ("juma", HqRole.AUDITOR)):
        user = User.objects.create_user(name, password=password, is_staff=True)
        Profile.objects.create(user=user, role=role)
        people[name] = Client()
        assert people[name].login(username=name, password=password)
    url = "/admin/hq_reconcile/reconexception/"
    form = {"action": "mark_resolved", "_selected_action": [str(row.pk)]}

    def resolved() -> bool:
        return ReconException.objects.get(pk=row.pk).resolved_at is not None

    people["juma"].post(url, form)  # an auditor changes nothing
    assert not resolved()
    assert people["amina"].post(url, form).status_code == 302
    assert resolved()
    assert not recon_exceptions(Store.objects.all()).filter(pk=row.pk).exists()


def test_kaunta_hq_reconcile_imports_a_statement_from_the_command_line(tmp_path: Any) -> None:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'hq.sqlite3'}"}
    hq = [sys.executable, "-m", "sync.server.cli"]
    subprocess.run([*hq, "migrate"], env=env, check=True, capture_output=True, timeout=300)
    month = generate_month(50, days=2, planted_each=1, seed=5)
    (tmp_path / "march.csv").write_text(month.csv, encoding="utf-8")
    done = subprocess.run(
        [*hq, "reconcile", "mpesa", str(tmp_path / "march.csv")],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    # An empty ledger: every sale line is money with no sale.
    assert counts["gateway_only"] == len(read_mpesa_statement(month.csv).payments)
    assert counts["matched"] == 0
    (tmp_path / "bad.csv").write_text("nothing,here\n", encoding="utf-8")
    bad = subprocess.run(
        [*hq, "reconcile", "mpesa", str(tmp_path / "bad.csv")],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "Statement refused: No header row" in bad.stderr
