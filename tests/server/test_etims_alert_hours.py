"""The dashboard's eTIMS queue alert reads the same setting as a till and the worker:
``KAUNTA_ETIMS_MAX_QUEUE_AGE_HOURS`` (``[etims] max_queue_age_hours``, 24 h by default,
the same bounds), with ``KAUNTA_ETIMS_ALERT_HOURS``, the page's earlier name, read when
it is not set. A bad value is said on the page, naming the variable, and the page still
shows the queue. Django's test client on the real view, SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from sync.etims.settings import SettingsError
from sync.server.accounts.models import HqRole, Profile
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.worker import alert_after_from_environment
from tests.server.conftest import new_store

PASSWORD = "a long enough passphrase"
NEW, OLD = "KAUNTA_ETIMS_MAX_QUEUE_AGE_HOURS", "KAUNTA_ETIMS_ALERT_HOURS"
_BRANCHES = itertools.count(60)


@pytest.mark.parametrize(
    ("env", "hours"),
    [
        ({}, 24),
        ({NEW: "2"}, 2),
        ({OLD: "3"}, 3),
        ({NEW: "2", OLD: "3"}, 2),  # the till's name wins
        ({NEW: " ", OLD: "0.5"}, 0.5),  # blank is not set
    ],
)
def test_the_alert_age_comes_from_the_tills_setting_or_the_old_name(
    env: dict[str, str], hours: float
) -> None:
    assert alert_after_from_environment(env) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("env", "named", "said"),
    [
        ({NEW: "soon"}, NEW, "must be a number"),
        ({NEW: "0"}, NEW, "between 0.1 and 720"),
        ({OLD: "-4"}, OLD, "between 0.1 and 720"),
    ],
)
def test_a_bad_alert_age_is_refused_naming_the_variable(
    env: dict[str, str], named: str, said: str
) -> None:
    with pytest.raises(SettingsError, match=said) as caught:
        alert_after_from_environment(env)
    assert str(caught.value).startswith(named)


@pytest.fixture
def admin(hq_db: str) -> Client:
    name = "admin-" + uuid.uuid4().hex[:6]
    user = User.objects.create_user(name, password=PASSWORD)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    c = Client()
    assert c.login(username=name, password=PASSWORD)
    return c


def _waiting_for_three_hours() -> None:
    bhf = f"{next(_BRANCHES):02d}"
    device = BranchDevice.objects.create(
        store=new_store(), tin="P051234567X", bhf_id=bhf, device_serial=f"S/{bhf}"
    )
    then = timezone.now() - timedelta(hours=3)
    QueueEntry.objects.create(
        branch=device,
        doc_id=f"sale-{bhf}",
        kind="sale",
        body={"receipt_number": f"S-T1-{bhf}"},
        enqueued_at=then,
        updated_at=then,
    )


def test_the_page_raises_the_alert_past_the_configured_age(
    admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _waiting_for_three_hours()
    monkeypatch.setenv(NEW, "2")
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    assert "older than 2 h raises an alert" in page
    assert 'class="tag bad alert"' in page
    monkeypatch.setenv(NEW, "5")
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    assert "older than 5 h raises an alert" in page
    assert 'class="tag bad alert"' not in page
    monkeypatch.delenv(NEW)
    monkeypatch.setenv(OLD, "1")  # the old name, alone
    assert 'class="tag bad alert"' in admin.get("/dashboard/etims/?lang=en").content.decode()


def test_a_bad_alert_age_is_said_on_the_page_which_still_shows_the_queue(
    admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _waiting_for_three_hours()
    monkeypatch.setenv(NEW, "soon")
    got = admin.get("/dashboard/etims/?lang=en")
    assert got.status_code == 200
    page = got.content.decode()
    assert f"{NEW}: " in page
    assert "must be a number" in page
    assert "older than 24 h raises an alert" in page  # the default meanwhile
    assert "S-T1-" in page  # the queue is there
