"""What the till says when it cannot start: before anyone logs in, so in the till's language.

No user is known yet, so the language is the till's own (``[ui] language``, installed by
``pos.app.run_gui`` before the database is opened). The database's refusal itself
(damaged, missing, replaced, locked, too new, an upgrade that failed) comes as a message
from :mod:`pos.store.errors` and is rendered in that language too; when the refusal offers
a backup, the dialog has a button that restores it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from pos.ui import i18n

# Every text is QCoreApplication.translate("StartupDialog", "...") written out: the
# translation files are made by reading the code, which finds only literal texts.


def cannot_start_title() -> str:
    return QCoreApplication.translate("StartupDialog", "Kaunta cannot start")


def startup_error_box(error: BaseException) -> tuple[QMessageBox, QAbstractButton | None]:
    """The start-up error dialog: the message, and a button restoring the backup it offers.

    Returns ``(box, restore_button)``; the button is None when no backup is offered.
    """
    box = QMessageBox(QMessageBox.Icon.Critical, cannot_start_title(), i18n.describe(error))
    backup = getattr(error, "backup", None)
    restore: QAbstractButton | None = None
    if isinstance(backup, Path):
        restore = box.addButton(
            QCoreApplication.translate("StartupDialog", "Restore {backup}").format(
                backup=backup.name
            ),
            QMessageBox.ButtonRole.AcceptRole,
        )
    close = box.addButton(QMessageBox.StandardButton.Close)
    close.setText(QCoreApplication.translate("StartupDialog", "Close"))  # not Qt's English
    box.setDefaultButton(QMessageBox.StandardButton.Close)
    return box, restore


def restored_text(backup: Path, aside: Path | None) -> str:
    """What to tell the person once the offered backup is back in place."""
    if aside is None:
        return QCoreApplication.translate(
            "StartupDialog", "Restored the backup {backup}. Sales made after it are not in it."
        ).format(backup=backup.name)
    return QCoreApplication.translate(
        "StartupDialog",
        "Restored the backup {backup}. The damaged or empty file is kept as {aside}. "
        "Sales made after it are not in it.",
    ).format(backup=backup.name, aside=aside)


def unexpected_error_text(kind: str, log_file: Path) -> str:
    """A bug while opening the data folder: said in words, the details in the log."""
    return QCoreApplication.translate(
        "StartupDialog",
        "Unexpected error while opening the data folder ({kind}). Nothing was changed. "
        "Details are in the log file {log_file}.",
    ).format(kind=kind, log_file=log_file)


def show_cannot_start(text: str) -> None:
    QMessageBox.critical(None, cannot_start_title(), text)


def show_restored(text: str) -> None:
    QMessageBox.information(
        None, QCoreApplication.translate("StartupDialog", "Backup restored"), text
    )


_NO_SETUP_TITLE = i18n.QT_TRANSLATE_NOOP("StartupDialog", "Kaunta: no live set-up yet")
_NO_SETUP_TEXT = i18n.QT_TRANSLATE_NOOP(
    "StartupDialog",
    "This computer has no live set-up yet, so the live till cannot start. Start Kaunta "
    "without --live and choose 'Set up my shop': the set-up wizard asks for the shop's "
    "details and the first manager and writes {path}. To practise meanwhile, start Kaunta "
    "with --training.",
)


def _in_every_language(source: str) -> list[str]:
    """``source`` in each language the till speaks, English first, each once."""
    said: list[str] = []
    for code in i18n.LANGUAGES:
        found = i18n.translator(code)
        text = (found.translate("StartupDialog", source) if found else "") or source
        if text not in said:
            said.append(text)
    return said


def no_live_setup_texts(config_path: Path) -> tuple[str, str]:
    """``(title, text)`` of the box for live mode asked for where there is no set-up.

    No language has been chosen on this computer yet (choosing one is the wizard's first
    page), so the box says it in every language the till speaks, one under the other."""
    title = " · ".join(_in_every_language(_NO_SETUP_TITLE))
    text = "\n\n".join(t.format(path=config_path) for t in _in_every_language(_NO_SETUP_TEXT))
    return title, text


def show_no_live_setup(config_path: Path) -> None:
    QMessageBox.warning(None, *no_live_setup_texts(config_path))
