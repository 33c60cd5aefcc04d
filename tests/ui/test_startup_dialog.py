"""Before anyone logs in, the till speaks its own language (``[ui] language``): the login
screen and the dialog that says why Kaunta cannot start (the database's refusal included).

The dialog's texts are checked against a translation compiled here by Qt's own
``lrelease`` from a small ``.ts`` (so the test does not depend on the wording of
``kaunta_sw.ts``); the language set from the configuration uses the real one.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from pos.app import startup_error_box, till_language
from pos.config import load_config
from pos.store.errors import EMPTY, NO_BACKUP, DatabaseMissing
from pos.ui import i18n
from pos.ui import resources as ui_resources
from pos.ui.setup_wizard.model import ShopDetails, config_toml
from pos.ui.startup_dialog import restored_text, unexpected_error_text

ROOT = Path(__file__).resolve().parents[2]
LRELEASE = Path(sys.executable).parent / (
    "pyside6-lrelease.exe" if os.name == "nt" else "pyside6-lrelease"
)


def _update_tool() -> ModuleType:
    name = "i18n_update"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def english_after() -> Iterator[None]:
    """Whatever a test switches to, the next test starts in English with fresh translators."""
    yield
    i18n.set_language("en")
    i18n.translator.cache_clear()


@pytest.fixture
def planted_kiswahili(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english_after: None) -> None:
    """A Kiswahili translation of the start-up texts, compiled by lrelease, as the till's."""
    update = _update_tool()
    entry = update.Entry
    (empty_en,) = [source for source, _dis in EMPTY.sources()]
    entries = {
        entry("StartupDialog", "Kaunta cannot start", ""): "Kaunta haiwezi kuanza",
        entry("StartupDialog", "Restore {backup}", ""): "Rejesha {backup}",
        entry("StartupDialog", "Close", ""): "Funga",
        entry(
            "StartupDialog", "Restored the backup {backup}. Sales made after it are not in it.", ""
        ): "Nakala {backup} imerejeshwa.",
        entry("messages", empty_en, "store.empty"): "Faili {path} ni tupu. {offer} ({marker})",
        entry("messages", NO_BACKUP, ""): "Hakuna nakala.",
    }
    ts = tmp_path / "kaunta_sw.ts"
    ts.write_text(update.write_ts(ts, "sw_KE", entries), encoding="utf-8")
    if not LRELEASE.exists():
        pytest.fail(f"{LRELEASE} is missing: PySide6's lrelease builds the .qm files")
    subprocess.run(
        [str(LRELEASE), "-silent", str(ts), "-qm", str(tmp_path / "kaunta_sw.qm")], check=True
    )
    monkeypatch.setattr(i18n, "translations_dir", lambda: tmp_path)
    i18n.set_language("en")
    i18n.translator.cache_clear()
    till_language("sw")  # what run_gui does with [ui] language = "sw"


def test_the_start_up_dialog_speaks_the_tills_language(
    qtbot: QtBot, tmp_path: Path, planted_kiswahili: None
) -> None:
    error = DatabaseMissing(tmp_path / "kaunta.sqlite", tmp_path / "id", empty=True, backup=None)
    box, restore = startup_error_box(error)
    assert box.windowTitle() == "Kaunta haiwezi kuanza"
    assert (
        box.text()
        == f"Faili {tmp_path / 'kaunta.sqlite'} ni tupu. Hakuna nakala. ({tmp_path / 'id'})"
    )
    assert restore is None
    close = box.button(QMessageBox.StandardButton.Close)
    assert close is not None
    assert close.text() == "Funga"
    assert str(error).startswith("The database file")  # the log stays English
    assert restored_text(tmp_path / "b.sqlite", None) == "Nakala b.sqlite imerejeshwa."


def test_the_restore_button_names_the_backup_in_the_tills_language(
    qtbot: QtBot, tmp_path: Path, planted_kiswahili: None
) -> None:
    backup = tmp_path / "backups" / "kaunta-20260302-0900.sqlite"
    error = DatabaseMissing(tmp_path / "kaunta.sqlite", tmp_path / "id", empty=True, backup=backup)
    _box, restore = startup_error_box(error)
    assert restore is not None
    assert restore.text() == f"Rejesha {backup.name}"


def test_in_english_the_dialog_reads_as_before(qtbot: QtBot, tmp_path: Path) -> None:
    error = DatabaseMissing(tmp_path / "kaunta.sqlite", tmp_path / "id", empty=False, backup=None)
    box, restore = startup_error_box(error)
    assert box.windowTitle() == "Kaunta cannot start"
    assert box.text() == str(error)
    assert "is missing, but a Kaunta database was kept there" in box.text()
    assert restore is None
    said = unexpected_error_text("KeyError", tmp_path / "kaunta.log")
    assert said.startswith("Unexpected error while opening the data folder (KeyError).")
    aside = tmp_path / "kaunta.sqlite.damaged"
    assert restored_text(tmp_path / "b.sqlite", aside) == (
        f"Restored the backup b.sqlite. The damaged or empty file is kept as {aside}. "
        "Sales made after it are not in it."
    )


def test_ui_language_in_the_config_is_the_language_before_login(
    qtbot: QtBot, tmp_path: Path, english_after: None
) -> None:
    if not (ui_resources.translations_dir() / "kaunta_sw.qm").exists():
        pytest.fail("kaunta_sw.qm is not built: run `python3 dev.py`")
    path = tmp_path / "kaunta.toml"
    path.write_text('[ui]\nlanguage = "sw"\n', encoding="utf-8")
    config = load_config(path, tmp_path / "data", training=True, env={})
    assert config.language == "sw"
    till_language(config.language)
    assert i18n.language() == "sw"
    assert load_config(None, tmp_path / "d2", training=True, env={}).language == "en"


def test_the_wizard_writes_the_screen_language_chosen_on_its_first_page(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.toml"
    path.write_text(config_toml(ShopDetails(screen_language="sw")), encoding="utf-8")
    assert load_config(path, tmp_path / "data", env={}).language == "sw"


def test_the_demo_users_line_follows_the_login_screens_language(
    qtbot: QtBot, tmp_path: Path, english_after: None
) -> None:
    """Training's line of demo PINs is said in the screen's language (roles included) and
    again when the language buttons change it; in English it reads as it always did."""
    from PySide6.QtWidgets import QWidget

    from pos.app import demo_hint
    from pos.ui.login import LoginScreen

    if not (ui_resources.translations_dir() / "kaunta_sw.qm").exists():
        pytest.fail("kaunta_sw.qm is not built: run `python3 dev.py`")
    config = load_config(None, tmp_path / "data", training=True, env={})
    parent = QWidget()
    qtbot.addWidget(parent)
    login = LoginScreen(parent, "Duka", demo_hint(config))
    assert login.demo_hint is not None
    assert login.demo_hint.text() == (
        "Training mode demo users — Amina Wanjiru (cashier) PIN 1111 · Brian Otieno "
        "(supervisor) PIN 2222 · Carol Njeri (manager) PIN 3333"
    )
    login.choose_language("sw")
    assert "Amina Wanjiru (keshia) PIN 1111" in login.demo_hint.text()
    login.choose_language("en")
    assert "(cashier)" in login.demo_hint.text()
    live = load_config(None, tmp_path / "live", training=False, env={})
    assert demo_hint(live) == ()


def test_the_no_live_setup_box_speaks_every_language(qapp: object) -> None:
    """Live mode asked for with no set-up (the till started from an icon): no language has
    been chosen on this computer, so the box says it in English and in Kiswahili (the real
    ``kaunta_sw.qm``), each with the path the wizard writes, and names the way out."""
    from pos.ui.startup_dialog import no_live_setup_texts

    path = Path("/srv/kaunta/config.toml")
    title, text = no_live_setup_texts(path)
    english, swahili = text.split("\n\n")
    assert title.startswith("Kaunta: no live set-up yet · Kaunta: ")
    assert title.split(" · ")[1] != "Kaunta: no live set-up yet"
    assert "Set up my shop" in english
    assert str(path) in english
    assert "Weka duka langu" in swahili
    assert str(path) in swahili
    assert "--training" in swahili
