"""Sign-in through the real login pages: the lockout holds across addresses and for the
admin's login too, and a session idle past its 15 minutes asks to sign in again."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from sync.server.accounts.models import HqRole, Profile

GOOD = "mango-tree-river-42"


def admin_person() -> User:
    user = User.objects.create_user(f"p{uuid.uuid4().hex[:8]}", password=GOOD, is_staff=True)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    return user


def sign_in(path: str, username: str, password: str, address: str) -> bool:
    browser = Client(REMOTE_ADDR=address)
    browser.post(path, {"username": username, "password": password})
    return "_auth_user_id" in browser.session


def test_ten_failures_from_one_address_lock_the_name_at_every_address_and_page(
    hq_db: str,
) -> None:
    user = admin_person()
    assert sign_in("/dashboard/login/", user.username, GOOD, "10.0.0.1")  # the page works
    assert sign_in("/admin/login/", user.username, GOOD, "10.0.0.1")
    for n in range(10):
        assert not sign_in("/dashboard/login/", user.username, "wrong", f"10.0.0.{n + 1}")
    for path in ("/dashboard/login/", "/admin/login/"):
        assert not sign_in(path, user.username, GOOD, "192.168.7.7")
        assert not sign_in(path, f" {user.username} ", GOOD, "192.168.7.8")


def test_a_session_idle_past_15_minutes_signs_in_again(hq_db: str) -> None:
    user = admin_person()
    browser = Client()
    browser.post("/dashboard/login/", {"username": user.username, "password": GOOD})
    assert browser.get("/dashboard/terminals/").status_code == 200
    key = browser.session.session_key
    row = Session.objects.get(session_key=key)
    assert row.expire_date - timezone.now() <= timedelta(minutes=15)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    got = browser.get("/dashboard/terminals/")
    assert got.status_code == 302
    assert got["Location"].startswith("/dashboard/login/")
