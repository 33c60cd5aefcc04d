"""The manager's Shop details screen through the real till window on a live till set up
by the wizard's config, and the live/training marker on the login and sale screens."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from pos.config import Config, load_config
from pos.demo import DEMO_USERS
from pos.secrets import KeyringSecrets
from pos.services.headoffice import SyncPhase
from pos.shop_link import start_shop_details
from pos.ui.main_window import MainWindow
from pos.ui.manager.menu import ManagerMenu
from pos.ui.manager.shop_details import ShopDetailsDialog
from pos.ui.setup_wizard.model import ShopDetails, config_toml
from sync.etims.sandbox import DEMO_SERIAL_01, DEMO_TIN, EtimsSandbox
from tests.test_secrets import MemoryKeyring

if TYPE_CHECKING:
    from conftest import MakeTill, Till

PINS = {role: (name, pin) for name, role, pin in DEMO_USERS}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A live till's config as the set-up wizard writes it (overrides the training one)."""
    path = tmp_path / "kaunta.toml"
    details = ShopDetails(
        shop_name="Mama Njeri Duka",
        address=["Moi Avenue 12", "Nairobi"],
        kra_pin="P051234567X",
        store_id="NBO01",
        terminal_id="T2",
        receipt_footer=["Asante!"],
    )
    path.write_text(config_toml(details), encoding="utf-8")
    loaded = load_config(path, tmp_path, False, env={})
    assert not loaded.training
    return loaded


def _live(make_till: MakeTill) -> Till:
    till = make_till(training=False)
    start_shop_details(till.config, till.terminal)
    return till


def _login(till: Till, role: str) -> None:
    name, pin = PINS[role]
    till.login(name, pin)
    dialog = till.window.shift_dialog  # a live till has no shift yet: not needed here
    if dialog is not None and dialog.isVisible():
        dialog.reject()
        till.idle()


def _menu(till: Till) -> ManagerMenu:
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(
        lambda: till.window.manager_menu is not None and till.window.manager_menu.isVisible()
    )
    menu = till.window.manager_menu
    assert menu is not None
    till.idle()
    return menu


def _open(till: Till) -> ShopDetailsDialog:
    menu = _menu(till)
    till.click(menu.buttons["shop_details"])
    till.until(lambda: isinstance(menu.dialog, ShopDetailsDialog) and menu.dialog.isVisible())
    assert isinstance(menu.dialog, ShopDetailsDialog)
    return menu.dialog


def _badge(window: MainWindow) -> str:
    return window.mode_badge.text() if window.mode_badge.isVisibleTo(window) else ""


def test_a_live_till_says_live_on_the_login_and_sale_screens(make_till: MakeTill) -> None:
    till = make_till(training=False)
    window = till.window
    assert window.stack.currentWidget() is window.login
    assert window.login.mode is not None
    assert window.login.mode.isVisibleTo(window)
    assert window.login.mode.text().startswith("LIVE")
    assert not window.banner.isVisibleTo(window)  # no training banner on the real till
    assert _badge(window) == "LIVE"
    _login(till, "cashier")
    assert window.stack.currentWidget() is window.sale
    assert _badge(window) == "LIVE"


def test_a_training_till_says_training_on_both_screens(make_till: MakeTill) -> None:
    till = make_till(training=True)
    window = till.window
    assert window.login.mode is None  # the banner above the login screen says it
    assert window.banner.isVisibleTo(window)
    assert window.banner.text().startswith("TRAINING MODE")
    assert _badge(window) == "TRAINING"
    assert "TRAINING" in window.windowTitle()
    _login(till, "cashier")
    assert _badge(window) == "TRAINING"


def test_a_manager_changes_the_shop_and_a_bad_field_is_named_on_its_tab(
    make_till: MakeTill,
) -> None:
    till = _live(make_till)
    _login(till, "manager")
    dialog = _open(till)
    shop = dialog.shop
    assert shop.shop_name.text() == "Mama Njeri Duka"  # the wizard's page, filled in
    assert shop.store_code.isReadOnly()
    assert shop.till.isReadOnly()
    assert shop.store_code.text() == "NBO01"
    # the demo catalog is priced in KES: the currency stays, and the screen says why
    assert not dialog.region.currency.isEnabled()
    assert "fixed" in dialog.currency_note.text()

    shop.shop_name.setText("Mama Njeri Supermarket")
    shop.kra_pin.setText("P05123456X")  # a digit short
    dialog.receipt.header.setPlainText("Open 6am-10pm")
    dialog.show_page(dialog.receipt)
    till.click(dialog.save_button)
    current = dialog.tabs.currentWidget()
    assert isinstance(current, QScrollArea)
    assert current.widget() is shop  # back on the tab of the bad field
    assert dialog.message.text().startswith("KRA PIN:")  # in view, whatever the scroll
    assert not shop.message.text()
    assert "Mama Njeri Duka" in till.window.windowTitle()  # nothing saved

    shop.kra_pin.setText("P051234568Y")
    till.click(dialog.save_button)
    till.until(lambda: dialog.saved is not None)
    assert "next receipt" in dialog.message.text()
    assert till.terminal.ctx.store.name == "Mama Njeri Supermarket"
    assert "Open 6am-10pm" in till.terminal.ctx.store.address
    assert "Mama Njeri Supermarket" in till.window.windowTitle()
    assert "Mama Njeri Supermarket" in till.window.status_till.text()
    assert "Mama Njeri Supermarket" in till.window.login.title.text()
    saved = load_config(till.config.config_path, till.config.data_dir, False, env={})
    assert saved.store.tax_pin == "P051234568Y"

    dialog.region.timezone.setCurrentText("Africa/Kampala")
    till.click(dialog.save_button)
    till.until(lambda: "starts again" in dialog.message.text())
    assert "Time zone" in dialog.message.text()


def test_a_cashier_is_refused_the_screen(make_till: MakeTill) -> None:
    till = _live(make_till)
    _login(till, "cashier")
    menu = _menu(till)
    till.click(menu.buttons["shop_details"])
    till.until(lambda: bool(menu.message.text()))
    assert "not allowed" in menu.message.text()
    assert not isinstance(menu.dialog, ShopDetailsDialog)


def test_an_enrolled_till_shows_head_office_as_the_owner(make_till: MakeTill) -> None:
    till = _live(make_till)
    till.terminal.headoffice.update(phase=SyncPhase.RUNNING)
    _login(till, "manager")
    dialog = _open(till)
    assert "head office" in dialog.owner.text()
    assert "head office" in dialog.shop.store_code.toolTip()
    assert not dialog.region.currency.isEnabled()
    assert dialog.etims.head_office_note.isVisibleTo(dialog.etims)
    assert not dialog.etims.body.isVisibleTo(dialog.etims)
    dialog.shop.phone.setText("0722 000 111")
    till.click(dialog.save_button)
    till.until(lambda: dialog.saved is not None)
    assert dialog.saved is not None
    assert dialog.saved.changed == ("phone",)


def test_etims_is_initialised_from_the_screen_and_saved_for_the_next_start(
    make_till: MakeTill, memory_keyring: MemoryKeyring
) -> None:
    """The wizard's eTIMS page and test, hosted by this screen: the OSCU simulator over
    real HTTP initialises the device, the key goes to the keyring, Save writes [etims]."""
    box = EtimsSandbox().start()
    try:
        till = _live(make_till)
        _login(till, "manager")
        dialog = _open(till)
        page = dialog.etims
        assert page.tin.text() == DEMO_TIN  # the shop's KRA PIN
        page.branch.setText("01")
        page.serial.setText(DEMO_SERIAL_01)
        page.environment.setCurrentIndex(page.environment.findData("simulator"))
        page.url.setText(box.base_url)
        till.click(page.test_button)
        till.until(lambda: dialog.message.text().startswith("KRA eTIMS: the device is"))
        assert KeyringSecrets().get(f"etims.cmc_key.{DEMO_TIN}.01") == box.device("01").cmc_key
        till.click(dialog.save_button)
        till.until(lambda: dialog.saved is not None)
        assert dialog.saved is not None
        assert dialog.saved.restart == ("etims",)
        assert "KRA eTIMS" in dialog.message.text()
        assert "starts again" in dialog.message.text()
    finally:
        box.stop()
    config = load_config(till.config.config_path, till.config.data_dir, False, env={})
    assert config.etims is not None
    assert (config.etims.branch.bhf_id, config.etims.environment) == ("01", "simulator")
    key = box.device("01").cmc_key
    assert key
    assert key not in config.config_path.read_text(encoding="utf-8")


def test_the_payment_methods_offered_change_at_the_next_start(make_till: MakeTill) -> None:
    """The wizard's payments page on this screen: every installed method, cash always."""
    from pos.app import Payments

    till = make_till(training=False)
    start_shop_details(till.config, till.terminal, Payments(till.config, till.terminal))
    _login(till, "manager")
    dialog = _open(till)
    page = dialog.payments
    assert page is not None
    assert page.boxes["cash"].isChecked()
    assert not page.boxes["cash"].isEnabled()
    assert "mpesa" in page.boxes  # every installed method is offered
    assert not page.boxes["mpesa"].isChecked()  # the wizard's config offers cash only
    page.boxes["mpesa"].setChecked(True)
    till.click(dialog.save_button)
    till.until(lambda: dialog.saved is not None)
    assert dialog.saved is not None
    assert dialog.saved.restart == ("methods",)
    assert "Payments" in dialog.message.text()
    config = load_config(till.config.config_path, till.config.data_dir, False, env={})
    assert config.raw["payments"]["methods"] == ["cash", "mpesa"]


def test_enter_in_a_multi_line_box_is_a_new_line_not_save(make_till: MakeTill) -> None:
    till = _live(make_till)
    _login(till, "manager")
    dialog = _open(till)
    dialog.show_page(dialog.receipt)
    header = dialog.receipt.header
    header.setFocus()
    till.until(header.hasFocus)
    till.qtbot.keyClicks(header, "Open 7am-9pm")
    till.qtbot.keyClick(header, Qt.Key.Key_Return)
    till.qtbot.keyClicks(header, "Sundays too")
    till.idle()
    assert header.toPlainText() == "Open 7am-9pm\nSundays too"
    assert dialog.saved is None  # Enter typed a line; Save is the button (or Enter elsewhere)
