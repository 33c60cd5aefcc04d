"""Head office's queue age and its alert count from when the sale was made (its
``closed_at``), not from its arrival: a sale made offline long ago that reaches head
office now is as late for KRA as its time says (the law expects prompt transmission
after the sale). SQLite and PostgreSQL; the dashboard's eTIMS page says the same."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from sync.etims.queue import QueueStats
from sync.server.accounts.models import HqRole, Profile
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import DjangoQueue
from tests.server.conftest import new_store
from tests.server.factory import T0, enroll

PASSWORD = "a long enough passphrase"


def _queued_sale(client: Client, bhf: str) -> BranchDevice:
    """A sale made at ``T0`` (long before now), pushed now: it arrives now."""
    store = new_store()
    device: BranchDevice = BranchDevice.objects.create(
        store=store, tin="P051234567X", bhf_id=bhf, device_serial=f"S/{bhf}"
    )
    till = enroll(client, store)
    got = till.push(client, [till.sale("65")])
    assert got.status_code == 200, got.content
    return device


def _stats(device: BranchDevice, now: datetime) -> QueueStats:
    return DjangoQueue().stats(device.key, now, timedelta(hours=24))


def test_the_queue_age_counts_from_the_sale_not_its_arrival(client: Client) -> None:
    device = _queued_sale(client, "91")
    entry = QueueEntry.objects.get(branch=device)
    assert entry.enqueued_at > T0 + timedelta(days=1)  # arrived now
    made = datetime.fromisoformat(entry.body["closed_at"])
    assert T0 <= made < T0 + timedelta(hours=1)  # made long before its arrival
    assert entry.made_at == made
    assert entry.made == made
    late = _stats(device, timezone.now())
    assert late.oldest_unsigned == made
    assert late.alert  # made long ago: older than 24 h however fresh its arrival
    prompt = _stats(device, made + timedelta(hours=1))
    assert prompt.oldest_age == timedelta(hours=1)
    assert not prompt.alert


def test_an_entry_without_a_sale_time_counts_from_its_arrival(client: Client) -> None:
    device = _queued_sale(client, "92")
    now = timezone.now()
    QueueEntry.objects.filter(branch=device).update(made_at=None)  # queued before made_at
    stats = _stats(device, now)
    entry = QueueEntry.objects.get(branch=device)
    assert stats.oldest_unsigned == entry.enqueued_at == entry.made
    assert not stats.alert


def test_the_dashboard_raises_the_alert_for_a_sale_made_long_ago(
    client: Client, hq_db: str
) -> None:
    device = _queued_sale(client, "93")
    name = "admin-" + uuid.uuid4().hex[:6]
    user = User.objects.create_user(name, password=PASSWORD)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    admin = Client()
    assert admin.login(username=name, password=PASSWORD)
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    assert device.store.code in page
    assert 'class="tag bad alert"' in page
