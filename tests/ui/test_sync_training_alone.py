"""Training in an installed build, which carries no head office (``pos.sync_link``): the
link does not try to start one, logs why once at INFO (never an ERROR), and the sale
screen's sync line and the manager's head-office screen say that training runs without
a head office and why, while the till sells on. The installed build is the real frozen
app (``sys.frozen``, as PyInstaller sets it); tests/installer/test_built_app.py checks the
same on the real build."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from pos.secrets import MemorySecrets
from pos.services.headoffice import SyncPhase
from pos.sync_link import SyncLink, training_hq_missing
from pos.ui.enroll_dialog import HeadOfficeDialog
from pos.ui.sync_status import SyncStatusLine
from tests.shift_open import ensure_shift
from tests.ui.conftest import Till, demo_products

MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
ALONE = "Training without a head office (installed app): sales stay on this till"


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as PyInstaller's frozen app is (``sys.frozen`` is what it sets)."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)


def test_a_source_checkout_with_the_head_office_packages_can_run_it() -> None:
    assert training_hq_missing() == ""


def test_an_installed_app_or_a_checkout_without_django_has_no_training_head_office(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as m:
        m.setattr(sys, "frozen", True, raising=False)
        assert "the installed app carries no head office" in training_hq_missing()
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "django", None)  # how Python says "not importable"
        assert "Django (the head office's packages) is not installed" in training_hq_missing()


@pytest.fixture
def alone(till: Till, installed: None) -> Iterator[tuple[Till, SyncLink]]:
    link = SyncLink(till.config, till.terminal, MemorySecrets())
    link.training_delay_s = 0.0  # were a head office started, it would start at once
    try:
        yield till, link
    finally:
        link.stop()


def test_the_installed_app_trains_without_a_head_office_and_says_so(
    alone: tuple[Till, SyncLink], caplog: pytest.LogCaptureFixture
) -> None:
    till, link = alone
    folder = till.config.database_path.parent / "head-office"
    with caplog.at_level(logging.INFO, logger="pos.sync_link"):
        link.start()  # the app's way: in the background
    view = till.terminal.headoffice.view()
    assert view.phase is SyncPhase.TRAINING_ALONE  # decided at once, no thread, no child
    assert "the installed app carries no head office" in view.problem
    said = [r for r in caplog.records if "training head office not started" in r.getMessage()]
    assert [r.levelno for r in said] == [logging.INFO]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert link.training_hq is None
    assert link.agent is None
    assert not folder.exists(), "nothing of a head office was made"

    till.login()
    line = till.window.sale.sync_line
    assert isinstance(line, SyncStatusLine)
    till.until(lambda: line.text() == ALONE)
    assert line.kind == "quiet"  # a fact of this build, not a fault
    assert line.toolTip() == view.problem
    till.scan(next(p["barcode"] for p in demo_products() if p["barcode"]))
    till.until(lambda: len(till.terminal.checkout.view().lines) == 1)  # the till sells on


def test_the_head_office_screen_says_why_training_has_no_head_office(
    alone: tuple[Till, SyncLink],
) -> None:
    till, link = alone
    link.start(background=False)
    auth = till.terminal.auth
    manager = next(u for u in auth.users() if u.name == MANAGER)
    auth.login(manager.user_id, MANAGER_PIN)
    ensure_shift(till.terminal)
    auth.logout()
    till.login(MANAGER, MANAGER_PIN)
    till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    till.until(lambda: till.window.manager_menu is not None)
    menu = till.window.manager_menu
    assert menu is not None
    till.until(menu.isVisible)
    till.click(menu.buttons["head_office"])
    till.until(lambda: isinstance(menu.dialog, HeadOfficeDialog))
    dialog = menu.dialog
    assert isinstance(dialog, HeadOfficeDialog)
    text = dialog.details.text()
    assert "The installed app carries no training head office" in text, text
    assert "source checkout" in text
    assert "Problem:" not in text  # the reason is said in the reader's words, not as a fault
    assert dialog.enroll_button is None  # training never enrolls elsewhere
