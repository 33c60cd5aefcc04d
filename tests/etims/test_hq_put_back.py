"""Head office's KRA eTIMS page: a head-office admin puts a sale KRA refused back in the
queue, and the pages in Kiswahili.

Real parts: Django's test client against the real views over this module's own migrated
SQLite database, the OSCU simulator over HTTP on 127.0.0.1 (one sale refused with 910
by a one-shot fault, two signed), and the real django-tasks database worker
(``db_worker --batch``) that runs the round the put-back enqueued.

Proved: only an admin is offered the button and may POST it (area managers and auditors
403, nothing changed); the POST needs the CSRF token; a note of what was fixed is
required; an unknown entry is 404; a put-back is audited (who, when, KRA's reason, the
note), and the worker then signs the sale with the branch's next number, gap-free; a
second put-back of it is refused. The page and the customer page follow ``?lang=`` and
Accept-Language; every text of their templates has its Kiswahili in the catalogue,
which ``msgfmt --check`` compiles.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import make_server

import pytest

from tests.server.conftest import fresh_database, new_store, use_database  # Django set up

# isort: split
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real
from django_tasks_db.models import DBTaskResult

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox, Fault
from sync.etims.settings import Branch, EtimsSettings
from sync.server.accounts.models import HqRole, Profile
from sync.server.etims.i18n import CATALOGUE, compile_catalogue
from sync.server.etims.models import BranchDevice, QueueAction, QueueEntry
from sync.server.etims.store import DjangoQueue, EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.factory import enroll

pytestmark = pytest.mark.slow
PASSWORD = "a long enough passphrase"
SERIAL = "KAUNTA/P/00"
SUBMIT = "sync.server.etims.tasks.submit_branch"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = (
    ROOT / "sync/server/dashboard/templates/dashboard/etims.html",
    ROOT / "sync/server/etims/templates/etims/receipt_page.html",
)


@pytest.fixture(scope="module")
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    compile_catalogue()
    trans_real._translations = {}  # Django loads the catalogue just compiled
    use_database(fresh_database("sqlite", request, tmp_path_factory.getbasetemp()))
    with EtimsSandbox(devices=[(DEMO_TIN, "00", SERIAL)]) as box:
        kra = EtimsSettings(
            base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0, init_timeout_s=3.0
        )
        store = new_store("NRB9", name="Nairobi River Road")
        other = new_store("KSM9", name="Kisumu")
        device = BranchDevice.objects.create(
            store=store, tin=DEMO_TIN, bhf_id="00", device_serial=SERIAL
        )
        api = Client()
        till = enroll(api, store)
        assert till.push(api, [till.sale(p) for p in ("65", "120", "240")]).status_code == 200
        secrets = EnvironmentSecrets(env={})
        box.inject(Fault("code", path="saveTrnsSalesOsdc", code="910"))  # the next sale
        first = run_round(device, settings=kra, secrets=secrets)
        assert (first.signed, first.parked) == (2, 1)
        users = {}
        for name, role, stores in (
            ("wanjiru", HqRole.ADMIN, []),
            ("otieno", HqRole.AREA_MANAGER, [store]),
            ("akinyi", HqRole.AREA_MANAGER, [other]),
            ("baraka", HqRole.AUDITOR, []),
        ):
            user = User.objects.create_user(name, password=PASSWORD)
            Profile.objects.create(user=user, role=role).stores.set(stores)
            users[name] = user
        key = secrets.get(Branch(DEMO_TIN, "00", SERIAL).secret_name)
        assert key
        yield {"box": box, "device": device, "key": key, "users": users}


def signed_in(name: str, **kw: Any) -> Client:
    c = Client(**kw)
    assert c.login(username=name, password=PASSWORD)
    return c


def refused() -> QueueEntry:
    entry = QueueEntry.objects.filter(state="parked").order_by("id").first()
    assert entry is not None
    return entry


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def test_only_a_head_office_admin_is_offered_the_put_back_button(world: dict[str, Any]) -> None:
    entry = refused()
    admin = signed_in("wanjiru").get("/dashboard/etims/").content.decode()
    assert f'name="put_back" value="{entry.pk}"' in admin
    assert "910" in admin
    manager = signed_in("otieno").get("/dashboard/etims/").content.decode()
    assert "910" in manager  # the area manager reads the refusal of their own store ...
    assert 'name="put_back"' not in manager  # ... but is not offered to change it
    assert 'name="put_back"' not in signed_in("baraka").get("/dashboard/etims/").content.decode()


@pytest.mark.parametrize("name", ["otieno", "akinyi", "baraka"])
def test_area_managers_and_auditors_may_not_put_a_sale_back(
    world: dict[str, Any], name: str
) -> None:
    entry = refused()
    got = signed_in(name).post("/dashboard/etims/", {"put_back": entry.pk, "note": "fixed it"})
    assert got.status_code == 403
    entry.refresh_from_db()
    assert entry.state == "parked"
    assert not QueueAction.objects.exists()


def test_putting_back_needs_the_pages_csrf_token(world: dict[str, Any]) -> None:
    entry = refused()
    c = signed_in("wanjiru", enforce_csrf_checks=True)
    got = c.post("/dashboard/etims/", {"put_back": entry.pk, "note": "registered the item"})
    assert got.status_code == 403
    entry.refresh_from_db()
    assert entry.state == "parked"
    assert not QueueAction.objects.exists()


def test_a_put_back_needs_a_note_and_a_refused_entry_of_this_head_office(
    world: dict[str, Any],
) -> None:
    entry = refused()
    c = signed_in("wanjiru")
    no_note = c.post("/dashboard/etims/", {"put_back": entry.pk, "note": "  "})
    assert no_note.status_code == 400
    assert "Say what was fixed" in no_note.content.decode()
    assert c.post("/dashboard/etims/", {"put_back": "x", "note": "fixed"}).status_code == 400
    assert c.post("/dashboard/etims/", {"put_back": 999_999, "note": "fixed"}).status_code == 404
    signed = QueueEntry.objects.filter(state="signed").first()
    assert signed is not None
    again = c.post("/dashboard/etims/", {"put_back": signed.pk, "note": "fixed"})
    assert again.status_code == 409
    assert "is not refused any more" in again.content.decode()
    entry.refresh_from_db()
    assert entry.state == "parked"
    assert not QueueAction.objects.exists()


def test_the_queue_page_follows_the_browsers_language_and_lang(world: dict[str, Any]) -> None:
    c = signed_in("otieno")
    sw = c.get("/dashboard/etims/", HTTP_ACCEPT_LANGUAGE="sw-KE,sw;q=0.9,en;q=0.5")
    html = sw.content.decode()
    assert sw["Content-Language"] == "sw"
    assert "Accept-Language" in sw["Vary"]
    assert "Foleni ya KRA eTIMS" in html
    assert "Imekataliwa" in html
    assert "Usajili wa orodha ya bidhaa" in html
    assert "KRA eTIMS queue" not in html
    en = c.get("/dashboard/etims/?lang=en", HTTP_ACCEPT_LANGUAGE="sw")
    assert en["Content-Language"] == "en"
    assert "KRA eTIMS queue" in en.content.decode()
    fr = c.get("/dashboard/etims/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert fr["Content-Language"] == "en"  # neither language named: English
    asked = c.get("/dashboard/etims/?lang=sw")
    assert "Foleni ya KRA eTIMS" in asked.content.decode()
    # the page leaves the language as it found it
    assert translation.get_language() in (None, "en", "en-us")


def test_the_customer_page_follows_the_phones_language(world: dict[str, Any]) -> None:
    signed = QueueEntry.objects.filter(state="signed").order_by("id").first()
    assert signed is not None
    c = Client()
    waiting = c.get(f"/r/{refused().public_token}", HTTP_ACCEPT_LANGUAGE="sw")
    assert "Bado haijasainiwa na KRA" in waiting.content.decode()
    assert "ankara ya kodi" in waiting.content.decode()  # "not yet a tax invoice"
    page = c.get(f"/r/{signed.public_token}", HTTP_ACCEPT_LANGUAGE="sw")
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Content-Language"] == "sw"
    assert '<html lang="sw">' in html
    assert "Hakiki ankara hii kwenye tovuti ya KRA" in html
    assert "<th>Tarehe</th>" in html  # the shop's own labels in Kiswahili ...
    assert "<th>Kihesabu cha risiti</th>" in html
    for kra_term in ("TAX INVOICE", "SCU ID", "CU Invoice No.", "Receipt Signature"):
        assert kra_term in html  # ... KRA's terms as KRA prints them
    english = c.get(f"/r/{signed.public_token}?lang=en", HTTP_ACCEPT_LANGUAGE="sw")
    assert '<html lang="en">' in english.content.decode()
    assert "<th>Date</th>" in english.content.decode()


def test_a_put_back_is_audited_and_the_worker_signs_it_with_the_next_number(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    box: EtimsSandbox = world["box"]
    entry = refused()
    reason = entry.reason
    assert "910" in reason
    c = signed_in("wanjiru", enforce_csrf_checks=True)
    page = c.get("/dashboard/etims/").content.decode()
    tasks_before = DBTaskResult.objects.filter(task_path=SUBMIT).ready().count()
    got = c.post(
        "/dashboard/etims/",
        {
            "put_back": entry.pk,
            "note": "item class corrected",
            "csrfmiddlewaretoken": csrf_of(page),
        },
    )
    assert got.status_code == 302
    assert got["Location"] == "/dashboard/etims/"
    after = c.get(got["Location"]).content.decode()
    receipt = entry.body["receipt_number"]
    assert f"{receipt} is back in the queue" in after
    entry.refresh_from_db()
    assert entry.state == "waiting"
    assert entry.invc_no is None
    [action] = QueueAction.objects.all()
    assert action.entry_id == entry.pk
    assert action.username == "wanjiru"
    assert action.user == world["users"]["wanjiru"]
    assert action.kra_reason == reason
    assert action.note == "item class corrected"
    assert "item class corrected" in after  # the page's record of put-backs
    # a round of the branch waits for the worker
    assert DBTaskResult.objects.filter(task_path=SUBMIT).ready().count() == tasks_before + 1
    # the worker as deployed: KRA's address and the key from the environment
    monkeypatch.setenv("KAUNTA_ETIMS_BASE_URL", box.base_url)
    monkeypatch.setenv("KAUNTA_ETIMS_VERIFY_HOST", box.verify_host)
    monkeypatch.setenv("KAUNTA_ETIMS_TIMEOUT_S", "3")
    secret = EnvironmentSecrets.variable(Branch(DEMO_TIN, "00", SERIAL).secret_name)
    monkeypatch.setenv(secret, world["key"])
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    entry.refresh_from_db()
    assert entry.state == "signed"
    assert entry.invc_no == 3  # the two signed first took 1 and 2: no gap, none twice
    assert sorted(box.device("00").invoices) == [1, 2, 3]
    assert box.device("00").invoices[3].body["invcNo"] == 3
    log = signed_in("baraka").get("/dashboard/etims/").content.decode()
    assert "item class corrected" in log  # the record is read by everyone who reads
    again = c.post(
        "/dashboard/etims/",
        {"put_back": entry.pk, "note": "twice", "csrfmiddlewaretoken": csrf_of(after)},
    )
    assert again.status_code == 409
    assert QueueAction.objects.count() == 1


def _template_texts(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r'{% translate "([^"]+)" %}', text))
    for body in re.findall(r"{% blocktranslate[^%]*%}(.*?){% endblocktranslate %}", text, re.S):
        found.add(re.sub(r"{{ (\w+) }}", r"%(\1)s", body))
    return found


def _catalogue() -> dict[str, str]:
    pairs = re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', CATALOGUE.read_text("utf-8"), re.M)
    return {m.replace('\\"', '"'): s.replace('\\"', '"') for m, s in pairs if m}


def test_every_text_of_the_etims_pages_has_its_kiswahili_and_the_catalogue_compiles(
    tmp_path: Path,
) -> None:
    catalogue = _catalogue()
    texts = set().union(*(_template_texts(p) for p in TEMPLATES))
    assert len(texts) > 40
    assert not sorted(t for t in texts if not catalogue.get(t))
    for text, said in catalogue.items():  # the same placeholders in both languages
        assert sorted(re.findall(r"%\(\w+\)[sd]", text)) == sorted(
            re.findall(r"%\(\w+\)[sd]", said)
        ), text
    # a broken catalogue is refused by msgfmt, and the compiled one beside it is kept
    compiled = compile_catalogue(force=True)
    assert compiled.stat().st_size > 1000
    broken = tmp_path / "django.po"
    broken.write_text('#, python-format\nmsgid "%(n)d min"\nmsgstr "dak %(m)d"\n', encoding="utf-8")
    kept = broken.with_suffix(".mo")
    kept.write_bytes(b"the earlier build")
    with pytest.raises(subprocess.CalledProcessError):
        compile_catalogue(broken, force=True)
    assert kept.read_bytes() == b"the earlier build"


def test_a_round_steps_aside_while_another_round_of_the_branch_drains(
    world: dict[str, Any],
) -> None:
    box: EtimsSandbox = world["box"]
    device = BranchDevice.objects.get(pk=world["device"].pk)
    kra = EtimsSettings(base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0)
    secrets = EnvironmentSecrets(
        env={EnvironmentSecrets.variable(Branch(DEMO_TIN, "00", SERIAL).secret_name): world["key"]}
    )
    calls = box.calls["saveTrnsSalesOsdc"] + box.calls["selectInvoiceDetails"]
    with DjangoQueue().drain_lock(device.key) as mine:  # another worker's round, say
        assert mine
        busy = run_round(device, settings=kra, secrets=secrets)
        assert busy.busy
        assert (busy.signed, busy.parked, busy.stopped) == (0, 0, "")
    assert box.calls["saveTrnsSalesOsdc"] + box.calls["selectInvoiceDetails"] == calls
    free = run_round(device, settings=kra, secrets=secrets)  # the lock went with its holder
    assert not free.busy
    assert free.stopped == ""


def test_an_admin_puts_a_refused_sale_back_in_chromium_and_the_page_reads_in_kiswahili(
    world: dict[str, Any], tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: apt install chromium")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from playwright.sync_api import sync_playwright

    from tests.server.test_dashboard_browser import _Quiet, _Server

    box: EtimsSandbox = world["box"]
    device = BranchDevice.objects.get(pk=world["device"].pk)
    kra = EtimsSettings(base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0)
    secrets = EnvironmentSecrets(
        env={EnvironmentSecrets.variable(Branch(DEMO_TIN, "00", SERIAL).secret_name): world["key"]}
    )
    api = Client()
    till = enroll(api, device.store, name="Till 2")
    assert till.push(api, [till.sale("99")]).status_code == 200
    box.inject(Fault("code", path="saveTrnsSalesOsdc", code="910"))
    assert run_round(device, settings=kra, secrets=secrets).parked == 1
    entry = QueueEntry.objects.filter(state="parked").order_by("-id").first()
    assert entry is not None
    actions = QueueAction.objects.count()
    shots = Path(os.environ.get("KAUNTA_SCREENSHOT_DIR") or tmp_path)
    secure = settings.SESSION_COOKIE_SECURE
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # http on 127.0.0.1
    server = make_server("127.0.0.1", 0, get_wsgi_application(), _Server, _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="sw-KE")
            page.goto(f"{site}/dashboard/etims/")
            page.fill("#id_username", "wanjiru")
            page.fill("#id_password", PASSWORD)
            page.click("#sign-in")
            page.wait_for_selector("#branches")
            assert page.inner_text("h1") == "Foleni ya KRA eTIMS"  # the browser asks sw
            assert page.get_attribute("html", "lang") == "sw"  # base.html says the page's
            row = page.locator(f"#entry-{entry.pk}")
            assert "910" in row.inner_text()
            page.screenshot(path=str(shots / "headoffice-etims-sw.png"), full_page=True)
            row.locator("button").click()  # no note yet: the browser itself asks for one
            assert page.locator("#done").count() == 0
            row.locator("input[name=note]").fill("item class corrected at KRA")
            row.locator("button").click()
            page.wait_for_selector("#done")
            assert entry.body["receipt_number"] in page.inner_text("#done")
            assert "imerudi kwenye foleni" in page.inner_text("#done")
            assert "item class corrected at KRA" in page.inner_text(
                "#branch-NRB9 table.put-back-log"
            )
            page.screenshot(path=str(shots / "headoffice-etims-put-back.png"), full_page=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = secure
    entry.refresh_from_db()  # (the ORM only outside Playwright's event loop)
    assert entry.state == "waiting"
    assert QueueAction.objects.count() == actions + 1  # the click without a note sent nothing
    latest = QueueAction.objects.order_by("-id").first()
    assert latest is not None
    assert (latest.entry_id, latest.username) == (entry.pk, "wanjiru")
    assert "910" in latest.kra_reason
