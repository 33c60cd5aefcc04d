"""The dashboard in real headless Chromium (Debian's ``chromium``, driven by Playwright).

Nothing is downloaded: Playwright is pointed at ``/usr/bin/chromium`` (dev.py installs it
with the test packages). The head office runs in a WSGI server thread on 127.0.0.1 over this
module's SQLite database. Screenshots go to the test's temporary folder, or to
``$KAUNTA_SCREENSHOT_DIR`` (``docs/screenshots`` to refresh the committed one).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.contrib.auth.models import User
from django.core.wsgi import get_wsgi_application
from django.test import Client

from pos.bench.reconcile import LedgerSeed, write_ledger
from sync.server.accounts.models import HqRole, Profile
from sync.server.reconcile.service import import_statement
from tests.server.conftest import fresh_database, new_store, use_database
from tests.server.factory import enroll
from tests.server.refund_docs import refund

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "a long enough passphrase"
DAY = "2026-03-02"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: apt install chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from django.conf import settings

    secure = settings.SESSION_COOKIE_SECURE
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # http on 127.0.0.1
    use_database(fresh_database("sqlite", request, tmp_path_factory.getbasetemp()))
    store = new_store("NRB1", name="Nairobi CBD")
    api = Client()
    till = enroll(api, store)
    sales = [till.sale(p, q) for p, q in (("65", 2), ("120", 1), ("240", 3))]
    pushed = till.push(api, sales)
    assert pushed.status_code == 200, pushed.content
    # refund reviews: a second till refunds the milk again (rejected), and a sale of a
    # third till not synced yet (unchecked)
    back = enroll(api, store, "Till 2")
    assert till.push(api, [refund(till, sales[0], 2)]).status_code == 200
    again = back.push(api, [refund(back, sales[0], 1)])
    assert [r["status"] for r in again.json()["results"]] == ["rejected"]
    offline = enroll(api, store, "Till 3")
    assert back.push(api, [refund(back, offline.sale("120", 1), 1)]).status_code == 200
    at = datetime(2026, 3, 2, 11, 40, tzinfo=UTC)
    write_ledger([LedgerSeed("NRB1", "T2", "NRB1-T2-000001", "SABCDEFGH1", 500_00, at)])
    from pos.payments.mpesa.sandbox.statement import StatementEntry, statement_csv

    statement = statement_csv(
        [StatementEntry("SABCDEFGH1", at, 450_00, "254712345678", "A", "NRB1-T2-000")],
        shortcode="600000",
        holder="Duka",
        start=at,
        end=at,
    )
    import_statement("mpesa", statement)
    user = User.objects.create_user("otieno", password=PASSWORD)
    Profile.objects.create(user=user, role=HqRole.AREA_MANAGER).stores.set([store])
    admin = User.objects.create_user("wanjiru", password=PASSWORD)
    Profile.objects.create(user=admin, role=HqRole.ADMIN)
    server = make_server("127.0.0.1", 0, get_wsgi_application(), _Server, _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = secure


def test_sign_in_see_a_store_day_and_drill_into_a_sale(site: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("KAUNTA_SCREENSHOT_DIR") or tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{site}/dashboard/?from={DAY}&to={DAY}")
        assert "/dashboard/login/" in page.url
        page.fill("#id_username", "otieno")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_selector("#per-store")
        assert "NRB1 Nairobi CBD" in page.inner_text("#per-store")
        page.click(f"#per-store a[href='/dashboard/store/NRB1/{DAY}/']")
        page.wait_for_selector("#sales")
        assert page.locator("#sales tr").count() == 1 + 4  # header, three cash sales, M-Pesa
        assert page.locator("svg.chart").count() == 3
        assert "Amounts differ" in page.inner_text("table.exceptions")
        page.screenshot(path=str(shots / "headoffice-dashboard.png"), full_page=True)
        page.click("#sales a >> nth=0")
        page.wait_for_selector("#lines")
        assert "Milk 500ml" in page.inner_text("#lines")
        assert page.inner_text("#sale-total").startswith("KES ")
        page.screenshot(path=str(shots / "headoffice-sale.png"), full_page=True)
        browser.close()
    assert (shots / "headoffice-dashboard.png").stat().st_size > 10_000


def test_an_admin_opens_the_refund_reviews_and_follows_one_up(site: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("KAUNTA_SCREENSHOT_DIR") or tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{site}/dashboard/")
        page.fill("#id_username", "wanjiru")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_selector("#refund-reviews-card")
        assert "1 rejected · 1 unchecked · 0 over" in page.inner_text("#refund-reviews-card")
        page.screenshot(path=str(shots / "headoffice-overview-reviews.png"))
        page.click("#refund-reviews-card a")
        page.wait_for_selector("#reviews")
        rows = page.locator("#reviews tr")
        assert rows.count() == 1 + 2  # header, the rejected and the unchecked refund
        table = page.inner_text("#reviews")
        assert "NRB1-T1-000001" in table  # the original receipt, linked to its sale
        assert "1 more cannot go back" in table
        assert "not at head office yet" in table
        page.screenshot(path=str(shots / "headoffice-refund-reviews.png"), full_page=True)
        page.fill("form.follow-up input[name=note]", "Called the store: customer paid KES 65 back")
        page.click("form.follow-up button")
        page.wait_for_selector("#reviews")
        assert page.locator("#reviews tr").count() == 1 + 1  # the unchecked one is left
        page.select_option("select[name=status]", "followed_up")
        page.click("#review-filters button")
        page.wait_for_selector("#reviews")
        assert "wanjiru: Called the store: customer paid KES 65 back" in page.inner_text("#reviews")
        page.click("#reviews a >> nth=0")
        page.wait_for_selector("#lines")
        assert "Milk 500ml" in page.inner_text("#lines")
        browser.close()
    assert (shots / "headoffice-refund-reviews.png").stat().st_size > 10_000
