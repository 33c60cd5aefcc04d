"""Revoking a till and clearing its audit-chain flag are written to the admin's history
with who did it (the flag is evidence of a restored or rewritten journal)."""

from __future__ import annotations

import uuid

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client

from sync.protocol.batch import ChainHead
from sync.server.accounts.models import HqRole, Profile
from sync.server.terminals.models import Terminal
from tests.server.conftest import new_store
from tests.server.factory import enroll


def test_revoking_and_clearing_a_chain_flag_are_in_the_history(client: Client) -> None:
    till = enroll(client, new_store())
    till.push(client, [], head=ChainHead(3, "a" * 64))
    till.push(client, [], head=ChainHead(3, "d" * 64))  # rewritten: flagged
    terminal = Terminal.objects.get(code=till.terminal_id, store__code=till.store_id)
    assert terminal.chain_state == "rewritten"
    user = User.objects.create_user(
        f"a{uuid.uuid4().hex[:8]}", password="mango-tree-river-42", is_staff=True
    )
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    browser = Client()
    browser.force_login(user)
    for action in ("clear_chain_flag", "revoke"):
        browser.post(
            "/admin/hq_terminals/terminal/",
            {"action": action, "_selected_action": [terminal.pk]},
            follow=True,
        )
    terminal.refresh_from_db()
    assert (terminal.chain_state, terminal.revoked) == ("ok", True)
    notes = [
        e.get_change_message()
        for e in LogEntry.objects.filter(user=user, object_id=str(terminal.pk)).order_by("pk")
    ]
    assert notes == ["Audit-chain flag cleared (was rewritten).", "Revoked."]
