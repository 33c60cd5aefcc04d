"""Dashboard pages through Django's test client: sign-in, roles, figures, drill-down, import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pos.bench.reconcile import LedgerSeed, write_ledger
from pos.payments.mpesa.sandbox.statement import StatementEntry, statement_csv
from sync.server.accounts.models import HqRole, Profile
from sync.server.ledger.models import Sale
from tests.server.conftest import new_store
from tests.server.factory import enroll

PASSWORD = "a long enough passphrase"
DAY = "2026-03-02"


def person(name: str, role: str | None, stores: list[Any] = ()) -> Client:  # type: ignore[assignment]
    user = User.objects.create_user(name, password=PASSWORD)
    if role:
        profile = Profile.objects.create(user=user, role=role)
        profile.stores.set(stores)
    c = Client()
    assert c.login(username=name, password=PASSWORD)
    return c


@pytest.fixture(scope="module")
def world(hq_db: str) -> dict[str, Any]:
    """Two stores with a day of cash sales through the real API, plus an M-Pesa sale."""
    nairobi, mombasa = new_store("NRB1", name="Nairobi CBD"), new_store("MSA1", name="Mombasa")
    api = Client()
    for store, prices in ((nairobi, ("65", "120", "240")), (mombasa, ("999",))):
        till = enroll(api, store)
        got = till.push(api, [till.sale(p) for p in prices])
        assert got.status_code == 200, got.content
    at = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    write_ledger([LedgerSeed("NRB1", "T9", "NRB1-T9-000001", "SABCDEFGH1", 500_00, at)])
    return {
        "nairobi": nairobi,
        "mombasa": mombasa,
        "admin": person("wanjiru", HqRole.ADMIN),
        "area": person("otieno", HqRole.AREA_MANAGER, [nairobi]),
        "nobody": person("kamau", None),
    }


def test_every_page_wants_a_sign_in(world: dict[str, Any]) -> None:
    for url in ("/dashboard/", f"/dashboard/store/NRB1/{DAY}/", "/dashboard/terminals/"):
        got = Client().get(url)
        assert got.status_code == 302
        assert got["Location"].startswith("/dashboard/login/")


def test_a_person_without_a_head_office_role_is_refused(world: dict[str, Any]) -> None:
    assert world["nobody"].get("/dashboard/").status_code == 403


def test_overview_shows_totals_per_store_with_charts(world: dict[str, Any]) -> None:
    got = world["admin"].get(f"/dashboard/?from={DAY}&to={DAY}")
    page = got.content.decode()
    assert got.status_code == 200
    assert "NRB1 Nairobi CBD" in page
    assert "MSA1 Mombasa" in page
    assert page.count("<svg") == 3  # per day, per hour, per tender
    assert "KES 999.00" in page
    assert "mpesa" in page  # the tender table


def test_area_manager_sees_only_their_stores(world: dict[str, Any]) -> None:
    area = world["area"]
    page = area.get(f"/dashboard/?from={DAY}&to={DAY}").content.decode()
    assert "NRB1 Nairobi CBD" in page
    assert "Mombasa" not in page
    assert area.get(f"/dashboard/store/MSA1/{DAY}/").status_code == 404
    other = Sale.objects.get(store=world["mombasa"])
    assert area.get(f"/dashboard/sale/{other.pk}/").status_code == 404
    assert "MSA1" not in area.get("/dashboard/terminals/").content.decode()


def test_store_day_lists_sales_and_drills_into_one(world: dict[str, Any]) -> None:
    client = world["area"]
    page = client.get(f"/dashboard/store/NRB1/{DAY}/").content.decode()
    sale = Sale.objects.filter(store=world["nairobi"]).order_by("receipt_number").first()
    assert sale is not None
    assert f'/dashboard/sale/{sale.pk}/"' in page
    assert sale.receipt_number in page
    detail = client.get(f"/dashboard/sale/{sale.pk}/").content.decode()
    assert "Milk 500ml" in detail
    assert "cash" in detail


def test_terminals_never_heard_from_are_offline_too_long(world: dict[str, Any]) -> None:
    page = world["admin"].get("/dashboard/terminals/").content.decode()
    assert "offline too long" in page  # T9 was written straight to the ledger, never seen


def test_admin_imports_a_statement_and_sees_its_exceptions(world: dict[str, Any]) -> None:
    at = datetime(2026, 3, 2, 9, 16, tzinfo=UTC)
    text = statement_csv(
        [
            StatementEntry("SABCDEFGH1", at, 450_00, "254712345678", "A", "NRB1-T9-000"),
            StatementEntry("SZZZZZZZZ9", at, 80_00, "254712345679", "B", "NRB1-T1-000"),
        ],
        shortcode="600000",
        holder="Duka",
        start=at,
        end=at,
    )
    upload = SimpleUploadedFile("march.csv", text.encode(), content_type="text/csv")
    area = world["area"]
    assert (
        area.post("/dashboard/reconciliation/", {"gateway": "mpesa", "statement": upload})
    ).status_code == 403
    upload.seek(0)
    got = world["admin"].post(
        "/dashboard/reconciliation/", {"gateway": "mpesa", "statement": upload}
    )
    assert got.status_code == 302
    page = world["admin"].get("/dashboard/reconciliation/").content.decode()
    assert "Amounts differ" in page
    assert "At the gateway, no sale" in page
    assert "SZZZZZZZZ9" in page
    # The area manager sees the Nairobi exceptions too, and the sale they point at.
    assert "SABCDEFGH1" in area.get("/dashboard/reconciliation/").content.decode()
    bad = SimpleUploadedFile("x.csv", b"not,a,statement\n")
    refused = world["admin"].post(
        "/dashboard/reconciliation/", {"gateway": "mpesa", "statement": bad}
    )
    assert refused.status_code == 400
    assert "No header row" in refused.content.decode()


def test_unresolved_pushes_are_listed_for_the_stores_one_may_see(world: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.apps import apps
    from django.utils import timezone

    from sync.server.terminals.models import Terminal

    if not apps.is_installed("sync.server.callbacks"):
        page = world["admin"].get("/dashboard/payments/").content.decode()
        assert "Gateway callbacks are not installed" in page
        return
    push = apps.get_model("hq_callbacks", "PushAttempt")
    old = timezone.now() - timedelta(minutes=30)
    for store, attempt in (
        (world["nairobi"], "att-nairobi-0001"),
        (world["mombasa"], "att-mombasa-01"),
    ):
        push.objects.create(
            attempt_id=attempt,
            terminal=Terminal.objects.filter(store=store).first(),
            amount_minor=150_00,
            phone_hash="0" * 64,
            registered_at=old,
        )
    push.objects.create(  # just registered: not unresolved yet
        attempt_id="att-nairobi-0002",
        terminal=Terminal.objects.filter(store=world["nairobi"]).first(),
        amount_minor=99_00,
        phone_hash="0" * 64,
    )
    area = world["area"].get("/dashboard/payments/").content.decode()
    assert "att-nairobi-0001" in area
    assert "att-mombasa-01" not in area
    assert "att-nairobi-0002" not in area
    assert "att-mombasa-01" in world["admin"].get("/dashboard/payments/").content.decode()
