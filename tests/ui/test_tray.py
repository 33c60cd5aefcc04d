"""The till's tray icon: made only where the desktop has a system tray, it names the shop,
the till and the mode, and its one menu entry brings the real till window back to the
front with the keyboard (nothing in it opens by itself or waits for an answer).

Qt's offscreen platform has no system tray, so the window the app builds has no icon
there; the icon's own behaviour is checked on a tray made for that same window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from pos.ui.tray import TillTray, make_tray
from tests.ui.conftest import MakeTill, Till


def _tray(till: Till) -> TillTray:
    ctx = till.terminal.ctx
    tray = make_tray(
        till.window, ctx.store.name, ctx.terminal_id, training=ctx.training, available=lambda: True
    )
    assert isinstance(tray, TillTray)
    return tray


def test_the_icon_is_made_only_where_there_is_a_tray(make_till: MakeTill) -> None:
    till = make_till()
    available = QSystemTrayIcon.isSystemTrayAvailable()
    assert (till.window.tray is not None) == available
    if available:
        assert till.window.tray is not None
        assert till.window.tray.isVisible()
    ctx = till.terminal.ctx
    none = make_tray(
        till.window, ctx.store.name, ctx.terminal_id, training=True, available=lambda: False
    )
    assert none is None


def test_the_tool_tip_names_shop_till_and_mode(make_till: MakeTill) -> None:
    till = make_till(training=True)
    ctx = till.terminal.ctx
    tray = _tray(till)
    tip = tray.toolTip()
    assert ctx.store.name in tip
    assert f"till {ctx.terminal_id}" in tip
    assert tip.endswith("TRAINING")
    tray.set_shop("Duka la Mama", ctx.terminal_id, training=False)
    assert "Duka la Mama" in tray.toolTip()
    assert tray.toolTip().endswith("LIVE")
    actions = tray.contextMenu().actions()
    assert [a.text() for a in actions] == ["Show the till"]


def test_show_the_till_brings_the_window_back_with_the_keyboard(make_till: MakeTill) -> None:
    till = make_till()
    window = till.window
    tray = _tray(till)
    other = QWidget()  # another program's window in front, holding the keyboard
    till.qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    till.until(other.isActiveWindow)
    window.showMinimized()
    till.until(window.isMinimized)
    tray.contextMenu().actions()[0].trigger()
    till.until(lambda: QApplication.activeWindow() is window)
    assert window.isVisible()
    assert not window.isMinimized()
    # hidden altogether (closed to the tray by a desktop): shown again the same way
    other.activateWindow()
    till.until(other.isActiveWindow)
    window.hide()
    tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)  # a click on the icon
    till.until(lambda: QApplication.activeWindow() is window)
    assert window.isVisible()
    # the right click (context menu) does nothing by itself
    other.activateWindow()
    till.until(other.isActiveWindow)
    tray.activated.emit(QSystemTrayIcon.ActivationReason.Context)
    till.idle()
    assert QApplication.activeWindow() is other
    assert window.windowState() & Qt.WindowState.WindowMinimized == Qt.WindowState.WindowNoState
