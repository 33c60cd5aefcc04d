"""Head office's eTIMS page says how each branch's link to KRA last went: a round that
stopped (KRA refusing connections, here the simulator over real HTTP) is shown with its
reason and a "link to KRA stopped" tag; the next round that sends everything clears it.
A branch no round has run for says so (is the worker running?). SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

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
