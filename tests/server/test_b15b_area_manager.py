"""An area manager's admin pages name only their own stores: the lists' store filters
(terminals, ledger events, sales) offer their stores, not every store of the chain."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import User
from django.test import Client

from sync.server.accounts.models import HqRole, Profile
from tests.server.conftest import new_store
from tests.server.factory import enroll


def test_the_terminal_list_filter_names_only_the_managers_stores(client: Client) -> None:
    mine = new_store(name="Nairobi CBD")
    theirs = new_store(name="Mombasa Old Town")
    enroll(client, mine)
    enroll(client, theirs)
    user = User.objects.create_user(
        f"m{uuid.uuid4().hex[:8]}", password="mango-tree-river-42", is_staff=True
    )
    Profile.objects.create(user=user, role=HqRole.AREA_MANAGER).stores.set([mine])
    browser = Client()
    browser.force_login(user)
    for url in (
        "/admin/hq_terminals/terminal/",
        "/admin/hq_ledger/ledgerevent/",
        "/admin/hq_ledger/sale/",
    ):
        page = browser.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert theirs.code not in text, url
        assert "Mombasa Old Town" not in text, url
    assert mine.code in browser.get("/admin/hq_terminals/terminal/").content.decode()
