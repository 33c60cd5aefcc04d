"""Real X screenshots of what a manager sees when the database is lost and a backup is put
back (docs/screenshots/backups/*.png, for docs/manager.md "Backups").

Run: ``bash tools/screenshots_backups.sh`` (Xvfb and openbox at 1366x768). For each
language (English, Kiswahili) it makes a till's database in a temporary data folder, a
checked backup of it (what ``kaunta backup`` does), then empties the database file as a
failed disk or a careless copy would, opens the till again as the app does, and captures
the start-up window that refuses it and offers the backup (**Restore**), then presses
Restore and captures what the till says after putting the backup back. Nothing is mocked:
the refusal, the dialog and the restore are the app's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from pos.app import open_terminal, restore_offered, startup_error_box
from pos.config import load_config
from pos.services.backups import BackupService
from pos.store.errors import StoreError
from pos.ui import i18n, startup_dialog

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "backups"


def _settle(app: QApplication, widgets: list[QWidget]) -> None:
    """Wait (up to 5 s) until the window manager shows ``widgets``, then let them paint:
    a capture taken before the window is mapped is black."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        app.processEvents()
        handles = [w.windowHandle() for w in widgets]
        if all(h is not None and h.isExposed() for h in handles):
            break
        time.sleep(0.05)
    for _ in range(10):
        app.processEvents()
        time.sleep(0.03)


def shot(app: QApplication, widget: QWidget, name: str) -> None:
    """The X screen around ``widget`` (its frame and a margin), as ImageMagick sees it."""
    _settle(app, [widget])
    frame = widget.frameGeometry().adjusted(-24, -24, 24, 24)
    crop = f"{frame.width()}x{frame.height()}+{max(frame.x(), 0)}+{max(frame.y(), 0)}"
    target = OUT / f"{name}.png"
    subprocess.run(["import", "-window", "root", "-crop", crop, str(target)], check=True)
    print("wrote", target)


def one_language(app: QApplication, code: str) -> None:
    # a short, fixed folder: the message names its files in full
    data = Path(tempfile.gettempdir()) / f"kaunta-shop-{code}"
    shutil.rmtree(data, ignore_errors=True)
    config = load_config(data_dir=data, training=True, env={})
    terminal, lock = open_terminal(config)  # the demo till, seeded
    terminal.close()
    lock.release()
    BackupService(config.database_path, config.backup).backup_now("screenshots")
    db = config.database_path
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"")  # emptied: refused while its marker says a database was there
    try:
        open_terminal(config)
    except StoreError as exc:
        error = exc
    else:
        raise SystemExit("an emptied database was opened: nothing to show")
    i18n.set_language(code)
    box, restore = startup_error_box(error)
    assert restore is not None, "the refusal offers no backup"
    box.show()
    shot(app, box, f"01-restore-offered-{code}")
    box.hide()
    backup = getattr(error, "backup", None)
    assert isinstance(backup, Path)
    done = restore_offered(config, backup)  # what pressing Restore does

    def said() -> None:
        shown = QApplication.activeModalWidget()
        assert shown is not None
        shot(app, shown, f"02-restored-{code}")
        shown.close()

    QTimer.singleShot(500, said)
    startup_dialog.show_restored(done)  # modal, as the app shows it; closed by said()
    terminal, lock = open_terminal(config)  # and the till opens again
    terminal.close()
    lock.release()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])

    def run() -> None:
        try:
            for code in ("en", "sw"):
                one_language(app, code)
        finally:
            app.quit()

    QTimer.singleShot(200, run)
    app.exec()
    os._exit(0)  # the till's threads are daemons; nothing is left to write


if __name__ == "__main__":
    sys.exit(main())
