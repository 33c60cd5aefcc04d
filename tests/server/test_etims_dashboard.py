"""Head office's eTIMS page and the customer's page, in real headless Chromium (Debian's
``chromium``, Playwright) against a WSGI server thread over this module's SQLite
database, after real rounds against the OSCU simulator over HTTP: one sale refused with
KRA's reason, signed sales, two waiting through an outage, one older than the alert
limit, and catalogue products not registered yet. An area manager sees only their own
store's branch. Screenshots go to the test's folder or ``$KAUNTA_SCREENSHOT_DIR``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

import pytest
from django.contrib.auth.models import User
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.utils import timezone

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox, Fault
from sync.etims.settings import EtimsSettings
from sync.server.accounts.models import HqRole, Profile
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import fresh_database, new_store, use_database
from tests.server.factory import enroll
from tests.server.test_changes import product
from tests.server.test_dashboard_browser import _Quiet, _Server

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    from django.conf import settings

    secure = settings.SESSION_COOKIE_SECURE
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # http on 127.0.0.1
    use_database(fresh_database("sqlite", request, tmp_path_factory.getbasetemp()))
    serials = [(DEMO_TIN, "00", "KAUNTA/E/00"), (DEMO_TIN, "01", "KAUNTA/E/01")]
    with EtimsSandbox(devices=serials) as box:
        kra = EtimsSettings(
            base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0, init_timeout_s=3.0
        )
        nairobi = new_store("NRB1", name="Nairobi CBD")
        mombasa = new_store("MSA1", name="Mombasa")
        device = BranchDevice.objects.create(
            store=nairobi, tin=DEMO_TIN, bhf_id="00", device_serial="KAUNTA/E/00"
        )
        BranchDevice.objects.create(
            store=mombasa, tin=DEMO_TIN, bhf_id="01", device_serial="KAUNTA/E/01"
        )
        product(nairobi.organisation, "SUG-0001", 250_00, name="Sugar 1kg")
        api = Client()
        till = enroll(api, nairobi)
        pushed = till.push(api, [till.sale(p) for p in ("65", "120", "240")])
        assert pushed.status_code == 200, pushed.content
        secrets = EnvironmentSecrets(env={})
        box.inject(Fault("code", path="saveTrnsSalesOsdc", code="910"))
        first = run_round(device, settings=kra, secrets=secrets)
        assert (first.signed, first.parked) == (2, 1)
        product(nairobi.organisation, "RIC-0002", 199_00, name="Rice 2kg")  # after the round
        box.refuse()  # KRA away: two more wait
        assert till.push(api, [till.sale("65"), till.sale("80")]).status_code == 200
        device.refresh_from_db()
        assert run_round(device, settings=kra, secrets=secrets).stopped
        oldest = QueueEntry.objects.filter(branch=device, state="waiting").order_by("id").first()
        assert oldest is not None
        # the factory's sales were made at T0, months ago; the age counts from when a
        # sale was made, so: all made an hour ago, the oldest waiting one 30 hours ago
        QueueEntry.objects.filter(branch=device).update(made_at=timezone.now() - timedelta(hours=1))
        QueueEntry.objects.filter(pk=oldest.pk).update(made_at=timezone.now() - timedelta(hours=30))
        user = User.objects.create_user("otieno", password=PASSWORD)
        Profile.objects.create(user=user, role=HqRole.AREA_MANAGER).stores.set([nairobi])
        server = make_server("127.0.0.1", 0, get_wsgi_application(), _Server, _Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield {"url": f"http://127.0.0.1:{server.server_port}", "device": device}
        server.shutdown()
        server.server_close()
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = secure


def test_the_page_wants_a_sign_in_and_shows_only_the_managers_own_branch(
    world: dict[str, Any],
) -> None:
    got = Client().get("/dashboard/etims/")
    assert got.status_code == 302
    assert got["Location"].startswith("/dashboard/login/")
    c = Client()
    assert c.login(username="otieno", password=PASSWORD)
    html = c.get("/dashboard/etims/").content.decode()
    assert "NRB1 Nairobi CBD" in html
    assert "MSA1" not in html  # another area's store: not there at all


def test_the_queue_page_in_chromium_shows_counts_ages_alert_reasons_and_registration(
    world: dict[str, Any], tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: apt install chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from playwright.sync_api import sync_playwright

    site = world["url"]
    shots = Path(os.environ.get("KAUNTA_SCREENSHOT_DIR") or tmp_path)
    signed = QueueEntry.objects.filter(state="signed").order_by("id").first()
    waiting = QueueEntry.objects.filter(state="waiting").order_by("id").first()
    assert signed is not None
    assert waiting is not None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{site}/dashboard/etims/")
        page.fill("#id_username", "otieno")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_selector("#branches")
        row = page.inner_text("#branches tr.branch")
        cells = row.split("\t")
        assert cells[0] == "NRB1 Nairobi CBD"
        assert cells[1] == f"{DEMO_TIN}-00"
        assert cells[2:6] == ["2", "0", "2", "1"]  # waiting, submitted, signed, rejected
        assert cells[6].startswith("1 d 6 h")  # the oldest unsigned, 30 hours ago
        assert page.locator("#branches .alert").count() == 1
        assert "910" in page.inner_text("#branch-NRB1 table.rejected")
        assert page.locator("#branch-NRB1 table.unsigned tr").count() == 1 + 2
        registration = page.inner_text("#branch-NRB1 .registration")
        assert "1 not yet registered" in registration
        assert "Rice 2kg" in page.inner_text("#branch-NRB1 table.unregistered")
        assert "Sugar 1kg" not in page.inner_text("#branch-NRB1 table.unregistered")
        page.screenshot(path=str(shots / "headoffice-etims.png"), full_page=True)
        # the customer's page behind a provisional receipt's QR code
        page.goto(f"{site}/r/{waiting.public_token}")
        assert page.inner_text("#title") == "Not yet signed by KRA"
        page.screenshot(path=str(shots / "etims-customer-waiting.png"), full_page=True)
        page.goto(f"{site}/r/{signed.public_token}")
        assert page.inner_text("#title") == "TAX INVOICE"
        assert "CU Invoice No." in page.inner_text("#scu")
        assert page.get_attribute("#verify", "href", timeout=2000) is not None
        page.screenshot(path=str(shots / "etims-customer-signed.png"), full_page=True)
        browser.close()
    assert (shots / "headoffice-etims.png").stat().st_size > 10_000


def test_the_customer_page_is_rate_limited_per_address(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAUNTA_HQ_THROTTLE_RECEIPT", "3/min")
    token = QueueEntry.objects.filter(public_token__isnull=False).values_list(
        "public_token", flat=True
    )[0]
    c = Client(REMOTE_ADDR="10.9.8.7")
    codes = [c.get(f"/r/{token}").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert Client(REMOTE_ADDR="10.9.8.6").get(f"/r/{token}").status_code == 200
