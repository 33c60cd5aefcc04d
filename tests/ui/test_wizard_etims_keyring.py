"""The set-up wizard's eTIMS test with a keyring that refuses (pytest-qt, the OSCU
simulator over real HTTP): a keyring that keeps nothing stops before KRA is asked and
says to fix it; one that refuses the key after KRA answered says where the key is kept
(the rescue file beside the database), and the next test with a working keyring moves
it in, without a second initialisation."""

from __future__ import annotations

from pathlib import Path

import keyring
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pos.first_run import FirstRunBackend
from pos.ui.setup_wizard.wizard import SetupWizard
from sync.etims.sandbox import DEMO_SERIAL_01, DEMO_TIN, EtimsSandbox
from tests.etims.test_key_keeping import MemoryKeyring
from tests.ui.test_wizard_devices import (  # noqa: F401 (fixtures)
    _message,
    _next,
    _to_devices,
    fresh,
    wizard,
)

NAME = f"etims.cmc_key.{DEMO_TIN}.01"


def test_the_wizard_keeps_the_key_a_refusing_keyring_would_lose(
    qtbot: QtBot,
    wizard: tuple[SetupWizard, FirstRunBackend],  # noqa: F811
    tmp_path: Path,
) -> None:
    w, _backend = wizard
    with EtimsSandbox() as box:
        _to_devices(qtbot, w)
        _next(qtbot, w, w.etims)
        page = w.etims
        page.branch.setText("01")
        page.serial.setText(DEMO_SERIAL_01)
        page.environment.setCurrentIndex(page.environment.findData("simulator"))
        page.url.setText(box.base_url)

        keyring.set_keyring(MemoryKeyring(refuse="*"))
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        text = _message(qtbot, page, "error", "KRA eTIMS: this computer's keyring cannot keep")
        assert "KRA sends its key only once" in text
        assert box.activated == 0  # KRA was not asked

        keyring.set_keyring(MemoryKeyring(refuse=NAME))  # takes the probe, not the key
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        text = _message(qtbot, page, "error", "KRA eTIMS: the device is initialised, but")
        key = box.device("01").cmc_key
        assert key
        assert key not in text
        rescued = tmp_path / "data" / f"etims-key-rescue-{DEMO_TIN}-01.json"
        assert str(rescued) in text
        assert key in rescued.read_text(encoding="utf-8")

        working = MemoryKeyring()
        keyring.set_keyring(working)
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        _message(qtbot, page, "info", "KRA eTIMS: KRA accepted the communication key")
        assert working.values[("kaunta", NAME)] == key
        assert not rescued.exists()
        assert box.activated == 1  # one initialisation in all
