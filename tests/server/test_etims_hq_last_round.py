"""Head office's eTIMS page says how each branch's link to KRA last went: a round that
stopped (KRA refusing connections, here the simulator over real HTTP) is shown with its
reason and a "link to KRA stopped" tag; the next round that sends everything clears it.
A branch no round has run for says so (is the worker running?). SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.server.etims.models import BranchDevice
from sync.server.etims.store import EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import (
    applied,
    branch_fixtures,
    hq_settings,
    swahili_catalogue,
)
from tests.server.factory import enroll

_BRANCHES, branch, box = branch_fixtures(30)
PASSWORD = "a long enough passphrase"


def _section(admin: Client, store_code: str) -> str:
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    section = page[page.index(f'id="branch-{store_code}"') :]
    return section[: section.find("</section>")]


def _row(admin: Client, store_code: str) -> str:
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    row = page[page.index('<tr class="branch"><td>' + store_code) :]
    return row[: row.find("</tr>")]


def test_the_page_shows_a_stopped_round_with_its_reason_until_a_round_goes_through(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    from django.contrib.auth.models import User

    from sync.server.accounts.models import HqRole, Profile

    store = new_store()
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    applied(client, till, [till.sale("65")])
    name = "admin-" + uuid.uuid4().hex[:6]
    Profile.objects.create(
        user=User.objects.create_user(name, password=PASSWORD), role=HqRole.ADMIN
    )
    admin = Client()
    assert admin.login(username=name, password=PASSWORD)
    assert "No round of the eTIMS worker has run for this branch yet" in _section(admin, store.code)

    secrets = EnvironmentSecrets(env={})
    box.refuse()
    at = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    stopped = run_round(device, settings=hq_settings(box), secrets=secrets, clock=lambda: at)
    assert stopped.stopped
    section = _section(admin, store.code)
    assert "Last round 2026-12-07 14:00: stopped" in section  # the stores' time (Nairobi)
    assert "stopped: " + stopped.stopped.split(":")[0] in section
    assert "The worker tries again by itself" in section
    assert "link to KRA stopped" in _row(admin, store.code)
    swahili_catalogue()
    swahili = admin.get("/dashboard/etims/?lang=sw").content.decode()
    assert "kiungo na KRA kimesimama" in swahili
    assert "Mfanyakazi anajaribu tena mwenyewe" in swahili

    box.accept()
    sent = run_round(device, settings=hq_settings(box), secrets=secrets)
    assert (sent.signed, sent.stopped) == (1, "")
    assert "everything waiting was sent" in _section(admin, store.code)
    row = _row(admin, store.code)
    assert "link to KRA stopped" not in row
    assert 'class="tag ok"' in row


def _admin() -> Client:
    from django.contrib.auth.models import User

    from sync.server.accounts.models import HqRole, Profile

    name = "admin-" + uuid.uuid4().hex[:6]
    Profile.objects.create(
        user=User.objects.create_user(name, password=PASSWORD), role=HqRole.ADMIN
    )
    admin = Client()
    assert admin.login(username=name, password=PASSWORD)
    return admin


def test_a_round_that_fails_is_not_left_looking_ok(
    client: Client, box: EtimsSandbox, branch: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault inside the round (Kaunta's, not KRA's) is raised for the task's log and
    kept on the device, so the page does not keep the last good round's "ok"."""
    from sync.server.etims import worker

    store = new_store()
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    applied(client, till, [till.sale("65")])
    secrets = EnvironmentSecrets(env={})
    assert run_round(device, settings=hq_settings(box), secrets=secrets).signed == 1
    admin = _admin()
    assert 'class="tag ok"' in _row(admin, store.code)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(worker, "_round", broken)
    with pytest.raises(RuntimeError):
        run_round(device, settings=hq_settings(box), secrets=secrets)
    assert "the round failed (RuntimeError)" in _section(admin, store.code)
    row = _row(admin, store.code)
    assert "link to KRA stopped" in row
    assert 'class="tag ok"' not in row


def test_sales_waiting_with_no_recent_round_say_the_worker_may_be_down(
    client: Client, branch: tuple[str, str]
) -> None:
    store = new_store()
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    applied(client, till, [till.sale("65")])  # queued, waiting: no worker ran
    admin = _admin()
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    BranchDevice.objects.filter(pk=device.pk).update(last_round_at=hour_ago, last_stopped="")
    row = _row(admin, store.code)
    assert "no worker round lately" in row
    assert 'class="tag ok"' not in row
    assert "is kaunta-hq worker running?" in _section(admin, store.code)
    # a round a moment ago: nothing said
    BranchDevice.objects.filter(pk=device.pk).update(last_round_at=datetime.now(UTC))
    assert "no worker round lately" not in _row(admin, store.code)


def test_a_long_drain_that_signs_is_not_taken_for_a_stopped_worker(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    """The last round ended an hour ago, but a round since has been signing (a backlog's
    drain, its end not written yet): its newest signature is progress, no stale tag
    (review r14e)."""
    from sync.server.etims.models import SignedInvoice

    store = new_store()
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    applied(client, till, [till.sale("65")])
    secrets = EnvironmentSecrets(env={})
    assert run_round(device, settings=hq_settings(box), secrets=secrets).signed == 1
    applied(client, till, [till.sale("80")])  # waiting: the drain goes on
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    BranchDevice.objects.filter(pk=device.pk).update(last_round_at=hour_ago)
    assert SignedInvoice.objects.filter(branch=device).count() == 1  # signed just now
    admin = _admin()
    assert "no worker round lately" not in _row(admin, store.code)
