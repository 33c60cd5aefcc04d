"""The wizard in Kiswahili past the shop's details, and its payments page's Test button.

The products page's per-line import report, the payments page's boxes and the summary
are read in the wizard's language (Cash is "Taslimu"; brand names stay). The Test button
of the payment settings opened from the payments page makes a real HTTP call to a real
M-Pesa sandbox on 127.0.0.1: the sandbox's own demo keys are accepted and the answer is
shown, wrong keys are refused and the refusal is shown as an error. The keyring is an
in-memory backend; the live database real SQLite in the test's folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from pos.config import Config
from pos.first_run import FirstRunBackend
from pos.payments.mpesa.sandbox import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_SHORTCODE,
    MpesaSandbox,
)
from pos.ui.settings_dialog import SettingsDialog
from pos.ui.setup_wizard.model import ShopDetails
from pos.ui.setup_wizard.wizard import SetupWizard
from tests.test_secrets import MemoryKeyring
from tests.ui.test_wizard import (
    BAD_ROW,
    GOOD_CSV,
    _create_manager,
    _fill_shop,
    _next,
    fresh,
)

__all__ = ["fresh"]  # the fixtures this module uses from test_wizard

CALLBACK = "https://hq.example.co.ke/mpesa/callback"


class SandboxedBackend(FirstRunBackend):
    """The real first-run backend, its live config given ``[payments.mpesa]`` settings
    pointing at the local sandbox (as a shop's config would point at Daraja)."""

    def __init__(self, base: Config, base_url: str) -> None:
        super().__init__(base)
        self._base_url = base_url

    def _load(self, details: ShopDetails) -> Config:
        config = super()._load(details)
        payments = config.raw.setdefault("payments", {})
        payments["mpesa"] = {"base_url": self._base_url, "callback_url": CALLBACK}
        return config


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def wizard(
    qtbot: QtBot, fresh: Config, memory_keyring: MemoryKeyring, sandbox: MpesaSandbox
) -> Iterator[SetupWizard]:
    backend = SandboxedBackend(fresh, sandbox.base_url)
    w = SetupWizard(backend)
    qtbot.addWidget(w)
    w.show()
    try:
        yield w
    finally:
        w.set_language("en")
        backend.close()


def _to_catalog(qtbot: QtBot, w: SetupWizard) -> None:
    w.next()
    _fill_shop(w)
    for page in (w.region, w.receipt, w.manager):
        _next(qtbot, w, page)
    _create_manager(qtbot, w)
    w.skip()  # no head office
    assert w.currentPage() is w.catalog


def _keys_dialog(qtbot: QtBot, w: SetupWizard) -> SettingsDialog:
    qtbot.mouseClick(w.payments.keys, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            isinstance(getattr(w, "settings_dialog", None), SettingsDialog)
            and w.settings_dialog.isVisible()
        ),
        timeout=15_000,
    )
    dialog = w.settings_dialog
    assert dialog is not None
    return dialog


def _press(qtbot: QtBot, dialog: SettingsDialog, text: str) -> None:
    # (a button with a hotkey shows it after its text)
    [button] = [b for b in dialog.findChildren(QPushButton) if b.text().startswith(text)]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _answer(qtbot: QtBot, dialog: SettingsDialog, was: str) -> str:
    """The dialog's message once it is no longer ``was`` nor "Testing…"."""
    qtbot.waitUntil(
        lambda: dialog.message.text() not in ("", was, dialog.tr("Testing…")), timeout=15_000
    )
    return dialog.message.text()


def _save_keys(qtbot: QtBot, dialog: SettingsDialog, secret: str) -> None:
    values = {
        "mpesa.consumer_key": DEMO_CONSUMER_KEY,
        "mpesa.consumer_secret": secret,
        "mpesa.passkey": DEMO_PASSKEY,
        "mpesa.shortcode": DEMO_SHORTCODE,
    }
    for name, value in values.items():
        if name in dialog.inputs:
            dialog.inputs[name].setText(value)
    _press(qtbot, dialog, "Save")
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Saved"), timeout=15_000)


def test_the_kiswahili_wizard_reports_a_bad_csv_line_and_names_cash_in_kiswahili(
    qtbot: QtBot, wizard: SetupWizard, tmp_path: Path
) -> None:
    w = wizard
    w.welcome.language.setCurrentIndex(w.welcome.language.findData("sw"))
    _to_catalog(qtbot, w)
    csv = tmp_path / "products.csv"
    csv.write_text(GOOD_CSV + BAD_ROW, encoding="utf-8")
    w.catalog.path.setText(str(csv))
    w.catalog.csv.setChecked(True)
    w.next()
    qtbot.waitUntil(lambda: w.catalog.errors.isVisible(), timeout=15_000)
    report = [w.catalog.errors.item(i).text() for i in range(w.catalog.errors.count())]
    assert report == ["mstari 3: bei: 'not-a-price' si kiasi. Andika tarakimu, k.m. 1250.50."]
    w.catalog.skip_errors.setChecked(True)
    _next(qtbot, w, w.payments)
    assert w.payments.boxes["cash"].text() == "Taslimu"
    assert w.payments.boxes["card_zvt"].text() == "Kadi"
    assert w.payments.boxes["card_manual"].text() == "Kadi (PDQ)"
    assert w.payments.boxes["mpesa"].text() == "M-Pesa"  # a brand stays as it is
    w.payments.boxes["mpesa"].setChecked(True)
    _next(qtbot, w, w.devices)
    _next(qtbot, w, w.etims)
    w.skip()
    assert w.currentPage() is w.done_page
    summary = w.done_page.summary.text()
    assert "Taslimu, M-Pesa" in summary, summary
    assert "Cash" not in summary


def test_the_payments_page_tests_saved_keys_against_the_sandbox_over_http(
    qtbot: QtBot, wizard: SetupWizard, sandbox: MpesaSandbox
) -> None:
    w = wizard
    _to_catalog(qtbot, w)
    w.catalog.empty.setChecked(True)
    _next(qtbot, w, w.payments)
    w.payments.boxes["mpesa"].setChecked(True)
    dialog = _keys_dialog(qtbot, w)
    _save_keys(qtbot, dialog, DEMO_CONSUMER_SECRET)
    saved = dialog.message.text()
    _press(qtbot, dialog, "Test M-Pesa")
    shown = _answer(qtbot, dialog, saved)
    assert dialog.message.property("role") == "info", shown
    assert shown == f"Connected to Daraja at {sandbox.base_url}: the keys work."


def test_the_payments_page_shows_wrong_keys_refused_by_the_sandbox(
    qtbot: QtBot, wizard: SetupWizard
) -> None:
    w = wizard
    _to_catalog(qtbot, w)
    w.catalog.empty.setChecked(True)
    _next(qtbot, w, w.payments)
    dialog = _keys_dialog(qtbot, w)
    _save_keys(qtbot, dialog, "not-the-secret")
    saved = dialog.message.text()
    _press(qtbot, dialog, "Test M-Pesa")
    shown = _answer(qtbot, dialog, saved)
    assert dialog.message.property("role") == "error", shown
    assert shown == (
        "Daraja refused the keys: 400.008.01: Invalid Authentication passed (HTTP 400)"
    )
