"""Head-office people: 12-character passwords, lockout after 10 failures for 30 minutes,
15-minute idle sessions, and what each role may see and do in the admin."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from sync.server.accounts.models import HqRole, Profile, SignInFailures
from sync.server.terminals.models import EnrollmentCode, Terminal
from tests.server.conftest import new_store
from tests.server.factory import enroll

GOOD = "mango-tree-river-42"


def person(role: str, *stores: object) -> User:
    user = User.objects.create_user(f"u{uuid.uuid4().hex[:8]}", password=GOOD, is_staff=True)
    profile = Profile.objects.create(user=user, role=role)
    profile.stores.set(stores)
    return user


def test_passwords_shorter_than_12_characters_are_refused(hq_db: str) -> None:
    with pytest.raises(ValidationError, match="at least 12"):
        validate_password("short-pw-1")
    validate_password(GOOD)


def test_ten_failures_lock_the_account_for_30_minutes_even_with_the_right_password(
    hq_db: str,
) -> None:
    user = person(HqRole.AUDITOR)
    for _ in range(9):
        assert authenticate(username=user.username, password="wrong") is None
    assert authenticate(username=user.username, password=GOOD) == user  # 9 do not lock
    for _ in range(10):
        authenticate(username=user.username, password="wrong")
    assert authenticate(username=user.username, password=GOOD) is None
    row = SignInFailures.objects.get(username=user.username)
    assert row.locked_until is not None
    assert row.locked_until - timezone.now() > timedelta(minutes=29)
    SignInFailures.objects.filter(pk=row.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert authenticate(username=user.username, password=GOOD) == user


def test_sessions_end_after_15_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_an_area_manager_sees_only_their_stores_terminals_and_changes_nothing(
    client: Client,
) -> None:
    mine, theirs = new_store(), new_store()
    own_till, other_till = enroll(client, mine), enroll(client, theirs)
    manager = person(HqRole.AREA_MANAGER, mine)
    browser = Client()
    browser.force_login(manager)
    page = browser.get("/admin/hq_terminals/terminal/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{own_till.store_id}/{own_till.terminal_id}" in text
    assert f"{other_till.store_id}/{other_till.terminal_id}" not in text
    terminal = Terminal.objects.get(store=mine)
    assert (
        browser.post(
            f"/admin/hq_terminals/terminal/{terminal.pk}/change/", {"name": "x"}
        ).status_code
        == 403
    )
    assert browser.get("/admin/hq_catalog/product/add/").status_code == 403


def test_an_auditor_reads_everything_and_changes_nothing(client: Client) -> None:
    store = new_store()
    enroll(client, store)
    browser = Client()
    browser.force_login(person(HqRole.AUDITOR))
    assert browser.get("/admin/hq_ledger/ledgerevent/").status_code == 200
    assert browser.get("/admin/hq_terminals/terminal/").status_code == 200
    assert browser.get("/admin/hq_catalog/product/add/").status_code == 403


def test_an_admin_makes_an_enrollment_code_and_revokes_a_terminal(client: Client) -> None:
    store = new_store()
    till = enroll(client, store)
    browser = Client()
    browser.force_login(person(HqRole.ADMIN))
    before = EnrollmentCode.objects.filter(store=store).count()
    page = browser.post(
        "/admin/hq_terminals/store/",
        {"action": "make_enrollment_code", "_selected_action": [store.pk]},
        follow=True,
    )
    assert "Enrollment code for" in page.content.decode()
    assert EnrollmentCode.objects.filter(store=store).count() == before + 1
    terminal = Terminal.objects.get(store=store)
    browser.post(
        "/admin/hq_terminals/terminal/",
        {"action": "revoke", "_selected_action": [terminal.pk]},
        follow=True,
    )
    terminal.refresh_from_db()
    assert terminal.revoked
    assert client.get("/api/v1/changes", **till.auth).status_code == 401


def test_a_person_without_a_role_cannot_use_the_admin(hq_db: str) -> None:
    user = User.objects.create_user(f"n{uuid.uuid4().hex[:8]}", password=GOOD, is_staff=True)
    browser = Client()
    browser.force_login(user)
    page = browser.get("/admin/hq_terminals/terminal/")
    assert page.status_code == 403
