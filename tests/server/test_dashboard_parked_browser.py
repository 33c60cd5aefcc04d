"""A parked event on the dashboard, in real headless Chromium (Debian's ``chromium``, driven
by Playwright; nothing is downloaded): a till sends an event id again with other content,
head office refuses it and keeps it (``EventConflict``), and the payments page lists it
under "Parked events" for someone who sees that store (and not for someone who does not);
the overview counts it. The head office runs in a WSGI server thread on 127.0.0.1 over this
module's SQLite database. Screenshots go to the test's temporary folder, or to
``$KAUNTA_SCREENSHOT_DIR``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.wsgi import get_wsgi_application
from django.test import Client

from sync.server.accounts.models import HqRole, Profile
from sync.server.ledger.models import EventConflict, Sale
from tests.server.conftest import fresh_database, new_store, use_database
from tests.server.factory import enroll
from tests.server.test_dashboard_browser import CHROMIUM, PASSWORD, _Quiet, _Server

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Site:
    url: str
    event_id: str  # the parked event's id
    terminal: str  # its terminal's code


@pytest.fixture(scope="module")
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: apt install chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from wsgiref.simple_server import make_server

    from django.conf import settings

    secure = settings.SESSION_COOKIE_SECURE
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # http on 127.0.0.1
    use_database(fresh_database("sqlite", request, tmp_path_factory.getbasetemp()))
    store = new_store("MSA1", name="Mombasa Road")
    elsewhere = new_store("KSM1", name="Kisumu")
    api = Client()
    till = enroll(api, store)
    sale = till.sale("65", 2)
    assert till.push(api, [sale]).status_code == 200
    # the same event id again with other content (a till restored from an old backup that
    # numbered another sale the same way): refused and parked, never applied
    other = till.sale("120", 1)
    other["event_id"], other["seq"] = sale["event_id"], sale["seq"]
    got = till.push(api, [other])
    assert [r["status"] for r in got.json()["results"]] == ["rejected"]
    assert EventConflict.objects.filter(event_id=sale["event_id"]).count() == 1
    assert Sale.objects.get(event_id=sale["event_id"]).total_minor == 130_00  # kept as it was
    manager = User.objects.create_user("achieng", password=PASSWORD)
    Profile.objects.create(user=manager, role=HqRole.AREA_MANAGER).stores.set([store])
    other_manager = User.objects.create_user("kiprop", password=PASSWORD)
    Profile.objects.create(user=other_manager, role=HqRole.AREA_MANAGER).stores.set([elsewhere])
    server = make_server("127.0.0.1", 0, get_wsgi_application(), _Server, _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    terminal = EventConflict.objects.select_related("terminal").get().terminal.code
    yield Site(f"http://127.0.0.1:{server.server_port}", str(sale["event_id"]), terminal)
    server.shutdown()
    server.server_close()
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = secure


def test_a_parked_event_is_listed_on_the_payments_page(site: Site, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("KAUNTA_SCREENSHOT_DIR") or tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{site.url}/dashboard/")
        page.fill("#id_username", "achieng")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_selector("text=Parked events")
        card = page.locator(".card", has_text="Parked events")
        assert card.locator("b").inner_text() == "1"
        page.click("text=Late payments and parked events")
        page.wait_for_selector("#parked")
        rows = page.locator("#parked tr")
        assert rows.count() == 1 + 1  # header, the parked event
        cells = [c.strip() for c in rows.nth(1).locator("td").all_inner_texts()]
        assert cells[1:] == ["MSA1", site.terminal, site.event_id, "sale.completed"]
        assert cells[0]  # when it was received
        page.locator("#parked").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "headoffice-parked-events.png"), full_page=True)
        browser.close()
    assert (shots / "headoffice-parked-events.png").stat().st_size > 10_000


def test_a_manager_of_another_store_does_not_see_it(site: Site) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{site.url}/dashboard/payments/")
        page.fill("#id_username", "kiprop")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_selector("#parked")
        assert page.inner_text("#parked").splitlines()[-1].strip() == "No parked events."
        assert site.event_id not in page.content()
        browser.close()
