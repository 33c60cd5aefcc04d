"""The till's icon in the system tray (notification area), where the desktop has one.

It says which till this is (shop, till number, live or training) in its tool tip and
offers one thing: bring the till window back to the front. Nothing else: no balloon
messages, no dialogs, nothing that opens on its own, so it can never take the keyboard
from the cashier or wait for an answer (a scan typed at the wrong moment would be lost).
A click on the icon, or "Show the till" in its menu, is the cashier asking for the
window, so that one raises and activates it.

Kiosk tills and bare window managers (openbox, Qt's offscreen platform) have no tray:
then no icon is made at all (:func:`make_tray` returns None).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from pos.ui.i18n import QT_TRANSLATE_NOOP
from pos.ui.resources import TRAY_ICON, icon

#: the mode in the tool tip, the words of the status bar's badge
LIVE = QT_TRANSLATE_NOOP("TillTray", "LIVE")
TRAINING = QT_TRANSLATE_NOOP("TillTray", "TRAINING")


class TillTray(QSystemTrayIcon):
    """The tray icon of one till window: tool tip with shop, till and mode; a menu with
    "Show the till"."""

    def __init__(self, window: QMainWindow, store: str, till: str, *, training: bool) -> None:
        super().__init__(icon(TRAY_ICON), window)
        self._window = window
        self._store = store
        self._till = till
        self._training = training
        # parented to the window: deleted with it, styled like it
        self.menu = QMenu(window)
        self.show_action = QAction(self.menu)
        self.show_action.triggered.connect(self.show_till)
        self.menu.addAction(self.show_action)
        self.setContextMenu(self.menu)
        self.activated.connect(self._activated)
        self.retranslate()

    def set_shop(self, store: str, till: str, *, training: bool) -> None:
        """Name the shop and till again (the manager renamed the shop), in the language
        the till speaks now."""
        self._store, self._till, self._training = store, till, training
        self.retranslate()

    def retranslate(self) -> None:
        """The tool tip and the menu in the till's current language (called when the
        language changes: a tray icon and its actions are not widgets, so the window's
        retranslation does not reach them)."""
        mode = self.tr(TRAINING if self._training else LIVE)
        self.setToolTip(
            self.tr("Kaunta · {store} · till {till} · {mode}").format(
                store=self._store, till=self._till, mode=mode
            )
        )
        self.show_action.setText(self.tr("Show the till"))

    def show_till(self) -> None:
        """Bring the till window to the front with the keyboard: back from minimised
        (keeping maximised or full screen), shown if it was hidden, raised, activated."""
        window = self._window
        if window.isMinimized():
            window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # a left click or double click on the icon; the right click opens the menu itself
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_till()


def make_tray(
    window: QMainWindow,
    store: str,
    till: str,
    *,
    training: bool,
    available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
) -> TillTray | None:
    """The window's tray icon, shown, if the desktop has a system tray (``available``);
    otherwise None and nothing is made."""
    if not available():
        return None
    tray = TillTray(window, store, till, training=training)
    tray.show()
    return tray
