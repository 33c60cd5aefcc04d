"""PIN set-up codes: made at head office for one person and shown once; only the code's
SHA-256 and its expiry travel to the person's tills in the change pages (never a PIN,
never a PIN's hash), with a new version so the tills pull it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from sync.server.catalog.models import StaffUser
from tests.server.conftest import new_store
from tests.server.factory import enroll
from tests.server.test_changes import pull_all


def test_a_setup_code_reaches_the_tills_as_its_hash_with_a_new_version(client: Client) -> None:
    store = new_store(organisation="Chain S")
    till = enroll(client, store)
    person = StaffUser(organisation=store.organisation, name="Wanjiku", role="cashier")
    person.save()
    changes, cursor = pull_all(client, till)
    (first,) = [c for c in changes if c["kind"] == "user"]
    assert "setup_code" not in first["data"]

    code = person.make_setup_code()
    assert len(code) == 19  # 64 random bits as XXXX-XXXX-XXXX-XXXX
    later, _ = pull_all(client, till, cursor)
    (user,) = [c for c in later if c["kind"] == "user"]
    assert user["version"] > first["version"]
    setup = user["data"]["setup_code"]
    assert setup["sha256"] == hashlib.sha256(code.encode()).hexdigest()
    assert code not in str(later)
    expires = setup["expires_at"]
    assert expires.endswith("Z")
    left = person.setup_code_expires_at - timezone.now()  # type: ignore[operator]
    assert timedelta(hours=23) < left <= timedelta(hours=24)
    assert not any("pin" in key for c in later for key in c["data"])


def test_a_new_code_replaces_the_last(client: Client) -> None:
    store = new_store(organisation="Chain T")
    person = StaffUser(organisation=store.organisation, name="Otieno", role="manager")
    person.save()
    first = person.make_setup_code()
    second = person.make_setup_code()
    assert first != second
    person.refresh_from_db()
    assert person.setup_code_hash == hashlib.sha256(second.encode()).hexdigest()
