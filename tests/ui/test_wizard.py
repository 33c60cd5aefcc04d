"""The first-run set-up wizard, driven as a shop owner would (pytest-qt, offscreen): every
step, skip and back, a bad value per field; the live database it opens is real SQLite in
its own folder (never training's), the head office a real HTTP server on 127.0.0.1, the
keyring an in-memory backend. Finish writes the live config; training is one click."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from pos.config import Config, load_config
from pos.domain.money import Money
from pos.first_run import FirstRunBackend, first_run
from pos.services.auth import Role
from pos.services.terminal import Terminal
from pos.ui.setup_wizard.model import CURRENCIES
from pos.ui.setup_wizard.pages import SetupPage
from pos.ui.setup_wizard.wizard import SKIP, SetupWizard
from sync.agent.enroll import load
from tests.conftest import FakeClock
from tests.sync.agent.headoffice import HeadOffice, running
from tests.test_secrets import MemoryKeyring

GOOD_CSV = "sku,name,price,vat_class,barcode\nSUG-1,Sugar 1kg,180.00,S,6161101600019\n"
BAD_ROW = "SALT-1,Salt 500g,not-a-price,S,\n"


@pytest.fixture
def fresh(tmp_path: Path) -> Config:
    """A fresh install: no config file (so training mode), its own data folder."""
    return load_config_at(tmp_path / "config" / "kaunta.toml", tmp_path / "data")


def load_config_at(path: Path, data: Path) -> Config:
    config = load_config(None, data, None, env={"KAUNTA_CONFIG": str(path)})
    assert config.training
    assert not config.config_found
    return config


@pytest.fixture
def wizard(
    qtbot: QtBot, fresh: Config, memory_keyring: MemoryKeyring
) -> Iterator[tuple[SetupWizard, FirstRunBackend]]:
    backend = FirstRunBackend(fresh)
    w = SetupWizard(backend)
    qtbot.addWidget(w)
    w.show()
    yield w, backend
    backend.close()


def _next(qtbot: QtBot, w: SetupWizard, expect: SetupPage) -> None:
    w.next()
    qtbot.waitUntil(lambda: w.currentPage() is expect, timeout=15_000)


def _stays(qtbot: QtBot, w: SetupWizard, page: SetupPage, field: str) -> None:
    """Next is refused on ``page`` with a message naming ``field``."""
    page.message.clear()
    w.next()
    qtbot.waitUntil(
        lambda: bool(page.message.text()) and page.message.property("role") == "error",
        timeout=15_000,
    )
    assert w.currentPage() is page
    assert page.message.text().startswith(f"{field}:"), page.message.text()
    page.message.clear()


def _fill_shop(w: SetupWizard) -> None:
    shop = w.shop
    shop.shop_name.setText("Mama Njeri Duka")
    shop.address.setPlainText("Moi Avenue 12\nNairobi")
    shop.phone.setText("0712 345 678")
    shop.kra_pin.setText("p051234567x")
    shop.store_code.setText("NBO01")
    shop.till.setText("T2")


def _create_manager(qtbot: QtBot, w: SetupWizard, name: str = "Amina", pin: str = "4826") -> None:
    w.manager.manager_name.setText(name)
    w.manager.pin.setText(pin)
    w.manager.repeat.setText(pin)
    _next(qtbot, w, w.head_office)


def test_every_step_to_a_live_till_with_skip_back_and_a_catalog_error_report(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend], tmp_path: Path
) -> None:
    w, backend = wizard
    assert w.currentPage() is w.welcome
    assert not w.button(SKIP).isVisible()  # choosing is not skipping
    qtbot.mouseClick(w.welcome.setup_shop, Qt.MouseButton.LeftButton)
    assert w.currentPage() is w.shop
    assert w.button(SKIP).isVisible()
    _fill_shop(w)
    _next(qtbot, w, w.region)
    w.back()  # back keeps what was typed
    assert w.shop.shop_name.text() == "Mama Njeri Duka"
    _next(qtbot, w, w.region)
    w.region.receipt_language.setCurrentIndex(2)  # both
    _next(qtbot, w, w.receipt)
    w.receipt.header.setPlainText("Open 7am-9pm")
    w.receipt.footer.setPlainText("Asante kwa kununua!")
    _next(qtbot, w, w.manager)
    assert not w.button(SKIP).isVisible()  # a till needs its manager
    _create_manager(qtbot, w)
    w.skip()  # no head office
    assert w.currentPage() is w.catalog

    csv = tmp_path / "products.csv"
    csv.write_text(GOOD_CSV + BAD_ROW, encoding="utf-8")
    w.catalog.path.setText(str(csv))
    w.catalog.csv.setChecked(True)
    w.next()
    qtbot.waitUntil(lambda: w.catalog.errors.isVisible(), timeout=15_000)
    assert w.currentPage() is w.catalog  # nothing imported, the report shown
    report = [w.catalog.errors.item(i).text() for i in range(w.catalog.errors.count())]
    assert report == ["line 3: price: 'not-a-price' is not an amount. Type digits, e.g. 1250.50."]
    assert w.catalog.message.text().startswith("Nothing imported: 1 of 2 rows")
    w.catalog.skip_errors.setChecked(True)
    _next(qtbot, w, w.payments)

    assert not w.payments.boxes["cash"].isEnabled()
    assert "mpesa" in w.payments.boxes  # every installed method is offered
    w.payments.boxes["mpesa"].setChecked(True)
    _next(qtbot, w, w.devices)
    _next(qtbot, w, w.etims)
    w.skip()
    assert w.currentPage() is w.done_page
    summary = w.done_page.summary.text()
    assert "Mama Njeri Duka" in summary
    assert "Manager: Amina" in summary
    assert "Payments: Cash, M-Pesa" in summary  # as the payments page named them
    assert "Skipped (do it later): Head office, KRA eTIMS" in summary
    assert not backend.config_path.exists()
    w.accept()
    qtbot.waitUntil(lambda: w.result_mode == "live", timeout=15_000)
    backend.close()

    config = load_config(backend.config_path, tmp_path / "data", None, env={})
    assert not config.training
    assert config.store.name == "Mama Njeri Duka"
    assert config.store.tax_pin == "P051234567X"
    assert config.store.address == ("Moi Avenue 12", "Nairobi", "Open 7am-9pm")
    assert config.store.footer == ("Asante kwa kununua!",)
    assert (config.store.store_id, config.terminal_id) == ("NBO01", "T2")
    assert config.receipt_language == "both"
    assert config.raw["payments"]["methods"] == ["cash", "mpesa"]
    assert config.database_path.exists()
    assert not (tmp_path / "data" / "training").exists()  # training's folder untouched
    from pos.secrets import journal_key_store

    till = Terminal.open(
        config.database_path,
        config.terminal_context(),
        FakeClock(),
        journal_keys=journal_key_store(False, config.database_path),
    )
    try:
        [manager] = till.auth.users()
        assert (manager.name, manager.role) == ("Amina", Role.MANAGER)
        till.auth.login(manager.user_id, "4826")  # the PIN typed twice works
        assert till.catalog.count() == 1  # the good row; the bad one skipped
    finally:
        till.close()


@pytest.mark.parametrize(
    ("field", "widget", "value"),
    [
        ("Shop name", "shop_name", ""),
        ("Phone", "phone", "call me"),
        ("KRA PIN", "kra_pin", "P05123456X"),
        ("KRA PIN", "kra_pin", ""),
        ("Store code", "store_code", "NBO-1"),
        ("Till number", "till", "T 2"),
    ],
)
def test_a_bad_shop_field_keeps_the_page_with_a_message_naming_it(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend], field: str, widget: str, value: str
) -> None:
    w, _backend = wizard
    w.next()
    _fill_shop(w)
    edit = getattr(w.shop, widget)
    edit.setText(value)
    _stays(qtbot, w, w.shop, field)
    assert edit.hasFocus() or not w.isActiveWindow()


def test_bad_address_receipt_and_manager_fields_are_named(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend]
) -> None:
    w, backend = wizard
    w.next()
    _fill_shop(w)
    w.shop.address.setPlainText("\n".join(f"line {n}" for n in range(7)))
    _stays(qtbot, w, w.shop, "Address")
    w.shop.address.setPlainText("Moi Avenue 12")
    _next(qtbot, w, w.region)
    _next(qtbot, w, w.receipt)
    w.receipt.header.setPlainText("x" * 41)
    _stays(qtbot, w, w.receipt, "Receipt header")
    w.receipt.header.clear()
    w.receipt.footer.setPlainText("\n".join("ok" for _ in range(5)))
    _stays(qtbot, w, w.receipt, "Receipt footer")
    w.receipt.footer.setPlainText("Asante")
    _next(qtbot, w, w.manager)
    for name, pin, repeat, field in (
        ("", "4826", "4826", "Manager's name"),
        ("Amina", "48a6", "48a6", "PIN"),
        ("Amina", "48", "48", "PIN"),
        ("Amina", "4826", "4862", "PIN again"),
    ):
        w.manager.manager_name.setText(name)
        w.manager.pin.setText(pin)
        w.manager.repeat.setText(repeat)
        _stays(qtbot, w, w.manager, field)
    assert not backend.config_path.exists()


def test_back_to_the_manager_logs_the_same_manager_in_and_refuses_another_name(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend]
) -> None:
    w, _backend = wizard
    w.next()
    _fill_shop(w)
    for page in (w.region, w.receipt, w.manager):
        _next(qtbot, w, page)
    _create_manager(qtbot, w)
    w.back()
    w.manager.manager_name.setText("Baraka")
    w.manager.pin.setText("1111")
    w.manager.repeat.setText("1111")
    _stays(qtbot, w, w.manager, "Manager's name")
    _create_manager(qtbot, w)  # Amina again, her PIN: logged in, no second manager
    assert w.session is not None
    assert [u.name for u in w.session.terminal.auth.users()] == ["Amina"]


def test_enrolling_with_the_head_office_takes_its_store_and_till_ids(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend]
) -> None:
    w, backend = wizard
    ho = HeadOffice(codes={"CODE-1234": ("NBO09", "T7", "tok-T7")})
    with running(ho) as url:
        w.next()
        _fill_shop(w)
        for page in (w.region, w.receipt, w.manager):
            _next(qtbot, w, page)
        _create_manager(qtbot, w)
        page = w.head_office
        qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
        assert page.message.text().startswith("Head office address:")
        page.url.setText(url)
        page.code.setText("WRONG-99")
        qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.enroll_button.isEnabled(), timeout=15_000)
        assert "code" in page.message.text().lower()
        assert not w.details.enrolled
        page.code.setText("CODE-1234")
        qtbot.mouseClick(page.enroll_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.details.enrolled, timeout=15_000)
    assert page.message.text() == "Enrolled as store NBO09, till T7."
    assert (w.details.store_id, w.details.terminal_id) == ("NBO09", "T7")
    from pos.secrets import KeyringSecrets

    creds = load(KeyringSecrets())
    assert creds is not None
    assert (creds.store_id, creds.terminal_id) == ("NBO09", "T7")
    for target in (w.catalog, w.payments, w.devices, w.etims, w.done_page):
        _next(qtbot, w, target)
    w.accept()
    qtbot.waitUntil(lambda: w.result_mode == "live", timeout=15_000)
    text = backend.config_path.read_text(encoding="utf-8")
    assert 'store_id = "NBO09"' in text
    assert 'terminal_id = "T7"' in text
    assert f'url = "{url}"' in text


def test_training_is_one_click_away_and_writes_nothing(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend], tmp_path: Path
) -> None:
    w, backend = wizard
    qtbot.mouseClick(w.welcome.training, Qt.MouseButton.LeftButton)
    assert w.result_mode == "training"
    assert not w.isVisible()
    assert not backend.config_path.exists()
    assert not (tmp_path / "data" / "kaunta.sqlite").exists()  # no live database either


def test_the_wizard_speaks_kiswahili_when_chosen(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend]
) -> None:
    w, _backend = wizard
    english = w.welcome.setup_shop.text()
    w.welcome.language.setCurrentIndex(w.welcome.language.findData("sw"))
    try:
        assert w.welcome.setup_shop.text() != english
        w.next()
        w.shop.shop_name.clear()
        w.next()
        assert w.currentPage() is w.shop
        # the field's Kiswahili name first, then what to do, in Kiswahili
        assert w.shop.message.text() == (
            "Jina la duka: andika jina la duka; linaongoza kila risiti."
        )
    finally:
        w.set_language("en")


def _when_modal(then: Callable[[SetupWizard], None]) -> None:
    """Once the wizard is up as a modal window (``first_run`` runs its own loop), act."""

    def look() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, SetupWizard):
            then(widget)
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(20, look)


def test_first_run_goes_on_in_training_or_stops_when_closed(
    qapp: QApplication, fresh: Config, memory_keyring: MemoryKeyring
) -> None:
    _when_modal(lambda w: w.welcome.training.click())
    assert first_run(fresh) == fresh  # training: the config it was given, nothing written
    assert not fresh.config_path.exists()
    _when_modal(lambda w: w.reject())
    assert first_run(fresh) is None  # closed: the till does not start
    assert not fresh.config_path.exists()


def test_the_head_office_and_products_fields_are_named_when_missing(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend]
) -> None:
    w, _backend = wizard
    w.next()
    _fill_shop(w)
    for page in (w.region, w.receipt, w.manager):
        _next(qtbot, w, page)
    _create_manager(qtbot, w)
    w.head_office.url.setText("https://hq.example.co.ke")
    qtbot.mouseClick(w.head_office.enroll_button, Qt.MouseButton.LeftButton)
    assert w.head_office.message.text().startswith("Enrollment code:")
    _next(qtbot, w, w.catalog)  # Next without enrolling: a shop on its own
    assert not w.details.enrolled
    w.catalog.csv.setChecked(True)
    _stays(qtbot, w, w.catalog, "CSV file")
    w.catalog.demo.setChecked(True)  # the demo products instead
    _next(qtbot, w, w.payments)
    assert w.session is not None
    assert w.session.terminal.catalog.count() > 0


@pytest.mark.parametrize("currency", list(CURRENCIES))
def test_every_offered_currency_writes_a_config_that_loads_and_takes_cash(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend], tmp_path: Path, currency: str
) -> None:
    """UGX and RWF have no decimals: the rounding increment the wizard writes must be in
    whole units of the chosen currency, or ``load_config`` refuses the file it wrote."""
    w, backend = wizard
    offered = [w.region.currency.itemText(i) for i in range(w.region.currency.count())]
    assert offered == list(CURRENCIES)  # the parametrisation covers what is offered
    w.next()
    _fill_shop(w)
    _next(qtbot, w, w.region)
    w.region.currency.setCurrentText(currency)
    for page in (w.receipt, w.manager):
        _next(qtbot, w, page)
    _create_manager(qtbot, w)
    w.skip()  # no head office
    csv = tmp_path / "products.csv"
    csv.write_text("sku,name,price,vat_class,barcode\nSUG-1,Sugar 1kg,183,S,6161101600019\n")
    w.catalog.path.setText(str(csv))
    w.catalog.csv.setChecked(True)
    for target in (w.payments, w.devices, w.etims):
        _next(qtbot, w, target)
    w.skip()
    assert w.currentPage() is w.done_page
    w.accept()
    qtbot.waitUntil(lambda: w.result_mode == "live", timeout=15_000)
    backend.close()

    config = load_config(backend.config_path, tmp_path / "data", None, env={})
    assert config.currency == currency
    from pos.secrets import journal_key_store

    till = Terminal.open(
        config.database_path,
        config.terminal_context(),
        FakeClock(),
        journal_keys=journal_key_store(False, config.database_path),
    )
    try:
        [manager] = till.auth.users()
        till.auth.login(manager.user_id, "4826")
        till.shifts.open({})
        till.checkout.scan("6161101600019", 1)
        due = till.checkout.view().cash_due
        assert due.currency == currency
        paid = till.checkout.pay_cash(Money.parse("200", currency))
        assert paid.receipt is not None  # the sale completed in cash
        assert paid.change == Money.parse("200", currency) - due
    finally:
        till.close()


def test_an_enrolled_till_is_told_its_products_come_from_head_office_and_imports_none(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend]
) -> None:
    """After enrolling, the products page offers no demo or CSV import (the products
    screen of an enrolled store is read-only); Next imports nothing."""
    w, _backend = wizard
    ho = HeadOffice(codes={"CODE-1234": ("NBO09", "T7", "tok-T7")})
    with running(ho) as url:
        w.next()
        _fill_shop(w)
        for page in (w.region, w.receipt, w.manager):
            _next(qtbot, w, page)
        _create_manager(qtbot, w)
        w.head_office.url.setText(url)
        w.head_office.code.setText("CODE-1234")
        qtbot.mouseClick(w.head_office.enroll_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: w.details.enrolled, timeout=15_000)
        _next(qtbot, w, w.catalog)
    page = w.catalog
    assert page.head_office_note.isVisible()
    assert "head office" in page.head_office_note.text()
    for choice in (page.empty, page.demo, page.csv, page.path, page.browse):
        assert not choice.isVisible()
        assert not choice.isEnabled()
    page.demo.setChecked(True)  # even a choice made behind the page's back imports nothing
    _next(qtbot, w, w.payments)
    assert w.session is not None
    assert w.session.terminal.catalog.count() == 0
    w.back()  # and going back shows the same note, not the choices
    assert w.currentPage() is page
    assert page.head_office_note.isVisible()
    assert not page.demo.isVisible()


def test_the_payments_page_opens_the_payment_settings_with_a_test_button_per_method(
    qtbot: QtBot, wizard: tuple[SetupWizard, FirstRunBackend]
) -> None:
    """ "Enter keys and test connection…" opens the manager's payment settings (the same
    dialog as in the manager's tools), a key box per field and a Test button per method."""
    from PySide6.QtWidgets import QPushButton

    from pos.ui.settings_dialog import SettingsDialog

    w, _backend = wizard
    w.next()
    _fill_shop(w)
    for page in (w.region, w.receipt, w.manager):
        _next(qtbot, w, page)
    _create_manager(qtbot, w)
    w.skip()  # no head office
    _next(qtbot, w, w.payments)
    qtbot.mouseClick(w.payments.keys, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            isinstance(getattr(w, "settings_dialog", None), SettingsDialog)
            and w.settings_dialog.isVisible()
        ),
        timeout=15_000,
    )
    dialog = w.settings_dialog
    assert dialog.inputs  # the key boxes, empty: nothing is saved yet
    assert all(not edit.text() for edit in dialog.inputs.values())
    tests = {b.text() for b in dialog.findChildren(QPushButton) if b.text().startswith("Test ")}
    assert tests == {f"Test {label}" for label in dialog.labels.values()}
    assert "Test M-Pesa" in tests
    assert w.payments.message.text() == ""  # no "not available on this till"
