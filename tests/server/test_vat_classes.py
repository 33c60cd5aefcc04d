"""VAT classes from head office: versioned like products, in the changes feed in version
order, and edited in the admin under the rules a till and KRA hold (on SQLite and
PostgreSQL, through the real admin and the real terminal API)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from sync.etims.settings import EtimsSettings
from sync.server.accounts.models import HqRole, Profile
from sync.server.catalog.models import KRA_BAND_BY_CODE, ChangeCounter, Product, VatClass
from tests.server.conftest import new_store
from tests.server.factory import enroll
from tests.server.test_changes import product, pull, pull_all


def admin_browser() -> Client:
    user = User.objects.create_user(
        f"a{uuid.uuid4().hex[:8]}", password="mango-tree-river-42", is_staff=True
    )
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    browser = Client()
    browser.force_login(user)
    return browser


def edit_class(browser: Client, vc: VatClass, **fields: Any) -> Any:
    form = {"name": vc.name, "rate": vc.rate, "active": "on" if vc.active else ""}
    if vc.exempt:
        form["exempt"] = "on"
    form.update(fields)
    form = {k: v for k, v in form.items() if v not in ("", False)}
    return browser.post(f"/admin/hq_catalog/vatclass/{vc.pk}/change/", form, follow=True)


def test_the_migration_gives_every_existing_class_its_own_version_from_the_counter(
    client: Client,
) -> None:
    seeded = {vc.code: vc.version for vc in VatClass.objects.filter(code__in=("S", "Z", "E"))}
    assert set(seeded) == {"S", "Z", "E"}
    assert all(v > 0 for v in seeded.values())
    assert len(set(seeded.values())) == 3
    assert ChangeCounter.objects.get(pk=1).last >= max(seeded.values())


def test_a_rate_changed_at_head_office_reaches_the_till_after_its_cursor(client: Client) -> None:
    store = new_store(organisation="VAT chain A")
    till = enroll(client, store)
    first, cursor = pull_all(client, till)
    classes = {c["id"]: c for c in first if c["kind"] == "vat_class"}
    assert classes["S"]["data"] == {
        "code": "S",
        "name": "VAT 16%",
        "rate": "16",
        "exempt": False,
        "active": True,
    }
    assert classes["E"]["data"]["exempt"] is True
    reduced = VatClass(code="R8", name="Reduced 8%", rate="8")
    reduced.save()
    bread = product(store.organisation, "BRD-1", 6000, vat="R8")
    page = pull(client, till, cursor)
    # the new class comes before the product that names it, in one ordered page
    assert [(c["kind"], c["id"]) for c in page["changes"]] == [
        ("vat_class", "R8"),
        ("product", "BRD-1"),
    ]
    assert page["changes"][0]["version"] < page["changes"][1]["version"] == bread.version
    reduced.rate = "10"
    reduced.save()
    later = pull(client, till, page["cursor"])
    assert [(c["kind"], c["data"]["rate"]) for c in later["changes"]] == [("vat_class", "10")]
    assert later["changes"][0]["version"] > bread.version


def test_the_admin_saves_a_rate_as_a_new_version_and_warns_when_kra_has_no_such_rate(
    client: Client,
) -> None:
    vc = VatClass(code="K", name="Kiosk", rate="16")
    vc.save()
    before = vc.version
    got = edit_class(admin_browser(), vc, rate="10")
    assert got.status_code == 200
    vc.refresh_from_db()
    assert (vc.rate, vc.version > before) == ("10", True)
    assert "KRA has no tax type at 10 %" in got.content.decode()


def test_the_admin_refuses_a_rate_outside_0_to_100_or_an_exempt_class_with_a_rate(
    client: Client,
) -> None:
    vc = VatClass(code="Q", name="Quarter", rate="16")
    vc.save()
    browser = admin_browser()
    got = edit_class(browser, vc, rate="250")
    assert "between 0 and 100 percent" in got.content.decode()
    got = edit_class(browser, vc, rate="abc")
    assert "a percentage such as 16" in got.content.decode()
    got = edit_class(browser, vc, exempt="on", rate="5")
    assert "An exempt class has no rate" in got.content.decode()
    kept = VatClass.objects.get(pk=vc.pk)
    assert (kept.rate, kept.exempt, kept.version) == ("16", False, vc.version)


def test_a_class_tied_to_a_kra_tax_type_keeps_kras_rate(client: Client) -> None:
    exempt = VatClass.objects.get(code="E")  # KRA type A: exempt, fixed by KRA
    got = edit_class(admin_browser(), exempt, exempt="", rate="8")
    assert "KRA tax type A, which KRA fixes at exempt" in got.content.decode()
    exempt.refresh_from_db()
    assert (exempt.rate, exempt.exempt) == ("0", True)


def test_a_class_in_use_is_deactivated_not_deleted_and_the_tills_hear_of_it(
    client: Client,
) -> None:
    store = new_store(organisation="VAT chain B")
    till = enroll(client, store)
    vc = VatClass(code="OLD", name="Old rate", rate="16")
    vc.save()
    product(store.organisation, "OLD-1", 100, vat="OLD")
    _, cursor = pull_all(client, till)
    browser = admin_browser()
    got = browser.post(f"/admin/hq_catalog/vatclass/{vc.pk}/delete/", {"post": "yes"})
    assert got.status_code == 403
    assert VatClass.objects.filter(pk=vc.pk).exists()
    edit_class(browser, vc, active="")
    page = pull(client, till, cursor)
    assert [(c["id"], c["data"]["active"]) for c in page["changes"]] == [("OLD", False)]
    assert Product.objects.get(sku="OLD-1").vat_class_id == vc.pk


def test_the_classes_tied_to_kra_types_are_the_etims_defaults() -> None:
    assert EtimsSettings().band_by_vat_code == KRA_BAND_BY_CODE
