"""A store's code is its tills' ``store_id`` (in every batch, in every receipt number): once
the store exists, the admin's change form keeps it, so an edit of the store's name or
address can never cut its enrolled tills off (their batches name the old code)."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import User
from django.test import Client

from sync.server.accounts.models import HqRole, Profile
from sync.server.terminals.models import Store
from tests.server.conftest import new_store
from tests.server.factory import enroll


def admin_browser() -> Client:
    user = User.objects.create_user(
        f"a{uuid.uuid4().hex[:8]}", password="mango-tree-river-42", is_staff=True
    )
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    browser = Client()
    browser.force_login(user)
    return browser


def test_editing_a_store_keeps_its_code_and_its_tills_keep_syncing(client: Client) -> None:
    store = new_store()
    till = enroll(client, store)
    browser = admin_browser()
    page = browser.post(
        f"/admin/hq_terminals/store/{store.pk}/change/",
        {
            "organisation": store.organisation_id,
            "code": "RENAMED1",
            "name": "Duka Kuu (new name)",
            "kra_pin": store.kra_pin,
            "etims_branch": "",
            "address": "Moi Avenue",
            "currency": "KES",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    store.refresh_from_db()
    assert store.name == "Duka Kuu (new name)"
    assert store.code == till.store_id
    got = till.push(client, [till.sale()])
    assert got.status_code == 200, got.content
    assert got.json()["results"][0]["status"] == "applied"


def test_a_new_store_is_given_its_code(client: Client) -> None:
    org = new_store().organisation
    browser = admin_browser()
    page = browser.post(
        "/admin/hq_terminals/store/add/",
        {
            "organisation": org.pk,
            "code": "NEW1",
            "name": "New shop",
            "kra_pin": "",
            "etims_branch": "",
            "address": "",
            "currency": "KES",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    assert Store.objects.get(code="NEW1").name == "New shop"
