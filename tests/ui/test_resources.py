"""The resources lookup: icons, style sheet and translations from ``resources/``.

From a source checkout (the editable install) the lookup must serve the repository's own
``resources/`` folder; the installed-wheel side is proved in ``tests/test_packaging.py``.
The screens must use what it finds: the window icon, the style sheet, and an icon on every
sale-screen action button, without losing the text, the shortcut or the touch size.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QGridLayout, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from pos.services.payments import DialogKind
from pos.ui import resources
from pos.ui.widgets import ICON_GAP, ICON_TINTS, TOUCH_HEIGHT, ActionButton, action_button

from .conftest import MakeTill, Till

REPO_RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ICON_FILES = sorted((REPO_RESOURCES / "icons").glob("*.svg"))
#: icons that keep their own colours; every other icon is a line icon in currentColor
FULL_COLOUR = {resources.APP_ICON, resources.TRAY_ICON}


def opaque_colours(image: QImage) -> set[str]:
    """The colours (``#rrggbb``) of the fully opaque pixels of an image."""
    found: set[str] = set()
    for y in range(image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            if colour.alpha() == 255:
                found.add(colour.name())
    return found


def test_a_source_checkout_serves_the_repositorys_own_resources_folder() -> None:
    # edits to resources/ show at the next start, with no reinstall
    assert resources.root() == REPO_RESOURCES
    assert resources.resource_path("style/kaunta.qss") == REPO_RESOURCES / "style" / "kaunta.qss"
    assert resources.translations_dir() == REPO_RESOURCES / "translations"


def test_the_style_sheet_is_the_qss_file_and_qt_applies_it(qtbot: QtBot) -> None:
    sheet = resources.stylesheet()
    assert sheet == (REPO_RESOURCES / "style" / "kaunta.qss").read_text(encoding="utf-8")
    button = QPushButton("Pay cash")
    qtbot.addWidget(button)
    button.setProperty("role", "pay")
    button.setStyleSheet(sheet)
    button.ensurePolished()
    assert button.minimumSizeHint().height() >= 84  # QPushButton[role="pay"] min-height


def test_a_missing_resource_is_an_error_naming_the_file() -> None:
    with pytest.raises(FileNotFoundError, match=r"icons/no-such-icon\.svg"):
        resources.icon("no-such-icon", "#000000")
    with pytest.raises(FileNotFoundError, match=r"style/nope\.qss"):
        resources.resource_path("style/nope.qss")


def test_a_colour_that_is_not_a_colour_is_refused(qapp: QApplication) -> None:
    with pytest.raises(ValueError, match="not a colour"):
        resources.icon("lock", "#12345")


@pytest.mark.parametrize("path", ICON_FILES, ids=lambda p: p.stem)
def test_every_icon_is_a_24px_drawing_qt_renders(path: Path, qapp: QApplication) -> None:
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    assert root.get("viewBox") == "0 0 24 24"
    assert QSvgRenderer(str(path)).isValid()
    image = resources.icon(path.stem, None if path.stem in FULL_COLOUR else "#000000")
    assert opaque_colours(image.pixmap(24, 24).toImage()), f"{path.name} draws nothing"


@pytest.mark.parametrize(
    "path", [p for p in ICON_FILES if p.stem not in FULL_COLOUR], ids=lambda p: p.stem
)
def test_line_icons_are_strokes_in_the_current_colour_only(path: Path) -> None:
    # the house rules in resources/README.md: one stroke width, no colours of their own,
    # so one drawing can be tinted for any button
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.get("stroke") == "currentColor"
    assert root.get("fill") == "none"
    assert root.get("stroke-width") == "2"
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b", text), "a line icon has a colour of its own"
    assert "fill=" not in text.split(">", 1)[1], "a line icon fills a shape"


def test_a_tinted_icon_is_drawn_in_its_colour_and_dimmed_when_disabled(
    qapp: QApplication,
) -> None:
    lock = resources.icon("lock", "#ff0000", "#00ff00")
    normal = opaque_colours(lock.pixmap(24, 24).toImage())
    disabled = opaque_colours(lock.pixmap(24, 24, QIcon.Mode.Disabled).toImage())
    assert normal == {"#ff0000"}
    assert disabled == {"#00ff00"}


def test_a_gap_leaves_empty_space_right_of_the_drawing(qapp: QApplication) -> None:
    # Qt puts a button's text 4 px from its icon; the gap keeps them apart
    image = resources.icon("lock", "#000000", gap=12).pixmap(QSize(36, 24)).toImage()
    assert (image.width(), image.height()) == (36, 24)
    drawn = {x for x in range(36) for y in range(24) if image.pixelColor(x, y).alpha()}
    assert drawn
    assert max(drawn) < 24


def test_the_app_icon_keeps_its_own_colours(qapp: QApplication) -> None:
    colours = opaque_colours(resources.app_icon().pixmap(48, 48).toImage())
    assert {"#1b7f3b", "#ffffff"} <= colours


def test_payment_buttons_get_an_icon_for_each_dialog_kind() -> None:
    for kind in (DialogKind.PHONE, DialogKind.QR, DialogKind.TERMINAL):
        name = resources.payment_icon(kind)
        assert name is not None
        assert resources.resource_path(f"icons/{name}.svg").is_file()
    assert resources.payment_icon(DialogKind.NONE) is None


def same_picture(a: QIcon, b: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> bool:
    size = QSize(24 + ICON_GAP, 24)
    return a.pixmap(size, mode).toImage() == b.pixmap(size, mode).toImage()


def test_the_till_window_uses_the_packaged_style_sheet_and_window_icon(till: Till) -> None:
    window = till.window
    assert window.styleSheet() == resources.stylesheet()
    assert not window.windowIcon().isNull()
    assert same_picture(window.windowIcon(), resources.app_icon())


def test_every_sale_screen_action_button_shows_an_icon_its_text_and_shortcut(
    selling: Till,
) -> None:
    sale = selling.window.sale
    buttons = [*sale.buttons.values(), sale.btn_pay]
    assert len(buttons) >= 13
    for button in buttons:
        assert not button.icon().isNull(), f"{button.text()!r} has no icon"
        assert button.iconSize().height() >= 24
        text, _, shortcut = button.text().partition("\n")
        assert text, f"{button.text()!r} lost its text"
        assert shortcut, f"{button.text()!r} lost its shortcut"
        assert button.height() >= TOUCH_HEIGHT
        assert button.iconSize().height() < button.height()  # the icon fits the button


def test_icons_follow_the_buttons_role_and_state(selling: Till) -> None:
    sale = selling.window.sale
    void = sale.buttons["Void sale"]
    normal, disabled = ICON_TINTS["danger"]
    expected = resources.icon("void", normal, disabled, gap=ICON_GAP)
    assert same_picture(void.icon(), expected)
    assert same_picture(void.icon(), expected, QIcon.Mode.Disabled)
    pay_colours = opaque_colours(sale.btn_pay.icon().pixmap(sale.btn_pay.iconSize()).toImage())
    assert pay_colours == {QColor(ICON_TINTS["pay"][0]).name()}  # white on the green button


def test_gateway_buttons_show_the_icon_of_how_they_take_money(
    make_paying_till: MakeTill,
) -> None:
    till = make_paying_till()
    till.login()
    sale = till.window.sale
    payments = till.terminal.payments
    assert payments is not None
    methods = {m.code: m for m in payments.methods()}
    assert sale.gateway_buttons, "training mode has gateway methods"
    tint = ICON_TINTS["primary"]
    for code, button in sale.gateway_buttons.items():
        name = resources.payment_icon(methods[code].description.dialog)
        assert name is not None, code
        assert same_picture(button.icon(), resources.icon(name, *tint, gap=ICON_GAP)), code


def test_an_icon_gives_way_to_the_text_when_the_buttons_are_too_narrow(qtbot: QtBot) -> None:
    # on a narrow screen the icons must not push anything off it: the buttons may shrink
    # to their text, and buttons side by side then all go without icons
    row = QWidget()
    qtbot.addWidget(row)
    row.setStyleSheet(resources.stylesheet())
    grid = QGridLayout(row)
    long = action_button(row, "Order discount", "F4", lambda: None, icon="discount-order")
    short = action_button(row, "Lock", "Ctrl+L", lambda: None, icon="lock")
    plain = action_button(row, "Order discount", "F4", lambda: None)
    grid.addWidget(long, 0, 0)
    grid.addWidget(short, 0, 1)
    assert isinstance(long, ActionButton)
    assert isinstance(short, ActionButton)
    assert long.minimumSizeHint().width() == plain.sizeHint().width()

    row.resize(long.sizeHint().width() + short.sizeHint().width() + 60, 80)
    row.show()
    qtbot.waitExposed(row)
    assert long.icon_shown()
    assert short.icon_shown()

    short.setMinimumWidth(short.sizeHint().width())  # the short one keeps its room
    row.resize(row.minimumSizeHint().width(), 80)
    qtbot.waitUntil(lambda: long.width() < long.sizeHint().width())
    assert short.has_room()  # room enough on its own, but its neighbour has none
    assert not short.icon_shown()
    assert not long.icon_shown()
    # drawn like the same button without an icon
    plain.resize(long.size())
    plain.show()
    assert long.grab().toImage() == plain.grab().toImage()


def test_sale_screen_buttons_show_their_icons_on_a_large_screen(selling: Till) -> None:
    window = selling.window
    window.resize(1920, 1080)
    sale = window.sale
    selling.until(lambda: sale.btn_pay.width() > 600)
    for button in [*sale.buttons.values(), sale.btn_pay, *sale.gateway_buttons.values()]:
        assert isinstance(button, ActionButton)
        assert button.icon_shown(), button.text()
