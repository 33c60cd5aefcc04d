"""Enrolling on the set-up wizard's Head office page (and later from the manager's tools),
then selling: the product's head
office runs as a real process (``kaunta-hq serve`` on 127.0.0.1) and gives the till other
store and till ids than the ones typed on the shop page. After Finish the till opens from
the written config as a real start does (``pos.app.open_terminal``), its journal key
follows the enrolled ids, the head office's staff and products arrive through the sync
agent, the wizard's manager logs in and rings up a cash sale that reaches head office's
ledger. Each bad input on the page is refused with a message naming its field. A till
enrolled later from the manager's tools takes the enrolled ids into its config file (and
its journal key) itself while it has made no document; one that has keeps its ids."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pos.app import open_terminal
from pos.config import Config, load_config
from pos.first_run import FirstRunBackend
from pos.secrets import KeyringSecrets
from pos.services.auth import Role
from pos.services.headoffice import (
    EnrollFailed,
    EnrollFailure,
    EnrollRequest,
    EnrollResult,
    check_enroll_request,
)
from pos.services.journal import KeyNames
from pos.services.steps import run_inline
from pos.services.terminal import Terminal
from pos.store.instance_lock import InstanceLock
from pos.sync_link import SyncLink, start_link
from pos.ui.setup_wizard.model import ShopDetails, config_toml
from pos.ui.setup_wizard.wizard import SetupWizard
from tests.e2e.real_head_office import RealHeadOffice
from tests.test_secrets import MemoryKeyring
from tests.ui.test_wizard import (  # the wizard's fixtures and steps, shared
    _create_manager,
    _fill_shop,
    _next,
    fresh,
    wizard,
)

__all__ = ["fresh", "wizard"]  # fixtures used by name

SUGAR_BARCODE = "6161101600019"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def head_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealHeadOffice]:
    """Head office with store NBO09 (a cashier and a product for every store)."""
    hq = RealHeadOffice(tmp_path_factory.mktemp("hq"), _free_port())
    hq.codes(["NBO09"])  # the organisation and the store
    hq.shell(
        "from sync.server.terminals.models import Organisation\n"
        "from sync.server.catalog.models import Barcode, Product, StaffUser, VatClass\n"
        "org = Organisation.objects.get(name='E2E Chain')\n"
        "p = Product(organisation=org, sku='SUG-1', name='Sugar 1kg', price_minor=18000,"
        " vat_class=VatClass.objects.get(code='S'))\n"
        "p.save()\n"
        f"Barcode(product=p, code={SUGAR_BARCODE!r}).save()\n"
        "StaffUser(organisation=org, name='Baraka', role='cashier').save()\n"
    )
    hq.start()
    try:
        yield hq
    finally:
        hq.kill()


def _poll(what: Callable[[], bool], message: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)


def _to_head_office_page(qtbot: QtBot, w: SetupWizard) -> None:
    w.next()
    _fill_shop(w)  # typed: store NBO01, till T2
    for page in (w.region, w.receipt, w.manager):
        _next(qtbot, w, page)
    _create_manager(qtbot, w)


def test_a_till_enrolled_on_the_wizard_under_other_ids_opens_logs_in_and_sells(
    qtbot: QtBot,
    wizard: tuple[SetupWizard, FirstRunBackend],
    head_office: RealHeadOffice,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    w, backend = wizard
    _to_head_office_page(qtbot, w)
    (code,) = head_office.codes(["NBO09"])
    page = w.head_office
    page.url.setText(head_office.url)
    page.code.setText(code)
    page.till_name.setText("Front till")
    qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.details.enrolled, timeout=30_000)
    store, till = w.details.store_id, w.details.terminal_id
    assert store == "NBO09"
    assert (store, till) != ("NBO01", "T2")
    assert page.message.text() == f"Enrolled as store {store}, till {till}."
    w.back()  # back to the shop page and forward again: the enrolled ids stay
    for back in (w.manager, w.receipt, w.region, w.shop):
        if w.currentPage() is not back:
            w.back()
    assert w.currentPage() is w.shop
    assert (w.shop.store_code.text(), w.shop.till.text()) == (store, till)
    for target in (w.region, w.receipt, w.manager):
        _next(qtbot, w, target)
    _create_manager(qtbot, w)  # her name and PIN again: logged in, no second manager
    assert (w.details.store_id, w.details.terminal_id) == (store, till)
    for target in (w.catalog, w.payments, w.devices, w.etims, w.done_page):
        _next(qtbot, w, target)
    w.accept()
    qtbot.waitUntil(lambda: w.result_mode == "live", timeout=15_000)
    backend.close()

    config = load_config(backend.config_path, tmp_path / "data", False, env={})
    assert (config.store.store_id, config.terminal_id) == (store, till)
    terminal, lock = open_terminal(config)
    try:
        _sell_and_sync(config, terminal, head_office, store, till)
    finally:
        terminal.close()
        lock.release()


def test_ids_changed_on_the_shop_page_after_the_manager_was_made_still_open_the_journal(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend], tmp_path: Path
) -> None:
    """The manager's page opened (and sealed) the journal as NBO01/T2; going back and
    typing till T3 writes T3, and the till opens its journal under T3."""
    w, backend = wizard
    _to_head_office_page(qtbot, w)
    for _ in range(4):
        w.back()
    assert w.currentPage() is w.shop
    w.shop.till.setText("T3")
    for target in (w.region, w.receipt, w.manager):
        _next(qtbot, w, target)
    _create_manager(qtbot, w)  # her name and PIN again: logged in, no second manager
    w.skip()  # no head office
    for target in (w.payments, w.devices, w.etims):
        _next(qtbot, w, target)
    w.skip()  # no eTIMS
    assert w.currentPage() is w.done_page
    w.accept()
    qtbot.waitUntil(lambda: w.result_mode == "live", timeout=15_000)
    backend.close()
    config = load_config(backend.config_path, tmp_path / "data", False, env={})
    assert (config.store.store_id, config.terminal_id) == ("NBO01", "T3")
    terminal, lock = open_terminal(config)
    try:
        assert terminal.journal.status.problem == ""
        [amina] = terminal.auth.users()
        terminal.auth.login(amina.user_id, "4826")
        terminal.shifts.open({})
    finally:
        terminal.close()
        lock.release()


@pytest.mark.parametrize(
    ("url", "code", "name", "field", "widget"),
    [
        ("hq.example.co.ke", "CODE-1234", "Till 1", "Head office address", "url"),
        ("http://hq.example.co.ke", "CODE-1234", "Till 1", "Head office address", "url"),
        ("https://hq.example.co.ke", "no spaces!", "Till 1", "Enrollment code", "code"),
        ("https://hq.example.co.ke", "CODE-1234", "T" * 81, "Till name", "till_name"),
    ],
)
def test_each_bad_enrollment_input_is_refused_naming_its_field(
    qtbot: QtBot,
    wizard: tuple[SetupWizard, FirstRunBackend],
    url: str,
    code: str,
    name: str,
    field: str,
    widget: str,
) -> None:
    w, _backend = wizard
    _to_head_office_page(qtbot, w)
    page = w.head_office
    page.url.setText(url)
    page.code.setText(code)
    page.till_name.setText(name)
    qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.enroll_button.isEnabled() and page.message.property("role") == "error",
        timeout=15_000,
    )
    said = page.message.text()
    assert said.startswith(f"{field}:"), said
    assert "Enrollment:" not in said
    assert getattr(page, widget).hasFocus()
    assert not w.details.enrolled
    assert (w.details.store_id, w.details.terminal_id) == ("NBO01", "T2")


def _sell_and_sync(
    config: Config, terminal: Terminal, head_office: RealHeadOffice, store: str, till: str
) -> None:
    """Open the link, wait for head office's staff and product, sell sugar for cash as
    Amina and see the sale in head office's ledger."""
    assert terminal.journal.status.problem == ""
    assert KeyringSecrets().get(KeyNames.of(terminal.ctx).key) is not None
    link = start_link(config, terminal, background=False)
    try:
        assert link.agent is not None  # enrolled ids and config ids agree: it runs
        link.nudge()
        _poll(
            lambda: (
                "Baraka" in {u.name for u in terminal.auth.users()}
                and terminal.catalog.count() == 1
            ),
            "head office's cashier and product did not arrive",
        )
        [amina] = [u for u in terminal.auth.users() if u.name == "Amina"]
        terminal.auth.login(amina.user_id, "4826")
        terminal.shifts.open({})
        terminal.checkout.scan(SUGAR_BARCODE, 2)
        due = terminal.checkout.view().cash_due
        assert due.minor == 36000
        done = terminal.checkout.pay_cash(due)
        assert done.receipt is not None
        assert done.receipt.number.startswith(f"{store}-{till}-")
        ledger_before = head_office.applied()
        link.nudge()
        _poll(lambda: head_office.applied() > ledger_before, "the sale never reached head office")
    finally:
        link.stop()


def _hand_made_till(tmp_path: Path) -> tuple[Config, Terminal, InstanceLock]:
    """A live till set up on its own as NBO01/T2 (a config with a comment of the shop's),
    its manager Amina logged in; nothing sold."""
    path = tmp_path / "config" / "kaunta.toml"
    path.parent.mkdir(parents=True)
    details = ShopDetails(shop_name="Mama Njeri Duka", store_id="NBO01", terminal_id="T2")
    path.write_text("# the back room till\n" + config_toml(details), encoding="utf-8")
    config = load_config(path, tmp_path / "data", False, env={})
    terminal, lock = open_terminal(config)
    terminal.auth.bootstrap_users([("Amina", Role.MANAGER, "4826")])
    [amina] = terminal.auth.users()
    terminal.auth.login(amina.user_id, "4826")
    return config, terminal, lock


def _enroll_later(config: Config, terminal: Terminal, head_office: RealHeadOffice) -> EnrollResult:
    """Manager's tools, Head office, Enroll this till: the link's enroller, run inline."""
    link = SyncLink(config, terminal, KeyringSecrets())
    link.start(background=False)
    try:
        (code,) = head_office.codes(["NBO09"])
        request = EnrollRequest(head_office.url, code, "Back till")
        return run_inline(terminal.headoffice.enroll(request))
    finally:
        link.stop()


def test_a_till_enrolled_later_under_other_ids_takes_them_itself_and_sells_after_a_restart(
    head_office: RealHeadOffice, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    config, terminal, lock = _hand_made_till(tmp_path)
    try:
        result = _enroll_later(config, terminal, head_office)
        assert terminal.headoffice.view().problem.startswith(
            f"Enrolled as {result.store_id}/{result.terminal_id}: this till's settings now use"
        )
    finally:
        terminal.close()
        lock.release()
    assert result.store_id == "NBO09"
    assert (result.matches_config, result.adopted) == (False, True)
    text = config.config_path.read_text(encoding="utf-8")
    assert text.startswith("# the back room till\n")  # the rest of the file kept
    again = load_config(config.config_path, tmp_path / "data", False, env={})
    assert (again.store.store_id, again.terminal_id) == (result.store_id, result.terminal_id)
    assert again.store.name == "Mama Njeri Duka"
    terminal, lock = open_terminal(again)  # the restart
    try:
        _sell_and_sync(again, terminal, head_office, result.store_id, result.terminal_id)
    finally:
        terminal.close()
        lock.release()


def test_a_till_that_worked_under_its_ids_keeps_them_and_its_config_when_enrolled_later(
    head_office: RealHeadOffice, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    config, terminal, lock = _hand_made_till(tmp_path)
    try:
        terminal.shifts.open({})  # a document under NBO01/T2: its journal carries them
        before = config.config_path.read_bytes()
        result = _enroll_later(config, terminal, head_office)
    finally:
        terminal.close()
        lock.release()
    assert (result.matches_config, result.adopted) == (False, False)
    assert "shifts" in result.warning
    assert config.config_path.read_bytes() == before
    assert KeyringSecrets().get(f"journal.key.{result.store_id}-{result.terminal_id}") is None
    terminal, lock = open_terminal(config)  # it still opens and sells under its own ids
    try:
        assert terminal.journal.status.problem == ""
    finally:
        terminal.close()
        lock.release()


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (EnrollRequest("ftp://hq.example.co.ke", "CODE-1234", "Till 1"), "url"),
        (EnrollRequest("http://10.0.0.5:8000", "CODE-1234", "Till 1"), "url"),
        (EnrollRequest("https://hq.example.co.ke", "abc", "Till 1"), "code"),
        (EnrollRequest("https://hq.example.co.ke", "CODE-1234", "  "), "name"),
        (
            EnrollRequest(
                "https://hq.example.co.ke", "CODE-1234", "Till 1", Path("/nonexistent/ca.pem")
            ),
            "ca_bundle",
        ),
    ],
)
def test_the_enrollment_check_names_the_field_of_each_bad_input(
    request_: EnrollRequest, field: str
) -> None:
    with pytest.raises(EnrollFailed) as caught:
        check_enroll_request(request_)
    assert caught.value.field == field
    assert caught.value.kind is EnrollFailure.BAD_INPUT
    assert caught.value.msg.code.startswith("enroll_")  # coded: translated on screen


def test_the_enrollment_check_lets_plain_http_to_this_computer_through() -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:8000/", "https://hq.example.co.ke"):
        check_enroll_request(EnrollRequest(url, "CODE-1234", "Till 1"))
