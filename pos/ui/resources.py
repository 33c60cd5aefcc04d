"""The one place the till finds its icons, style sheet and translations.

They live in the repository's top-level ``resources/`` folder, which is installed as the
``kaunta_resources`` package (``setup.py`` maps the folder to that name, ``pyproject.toml``
lists the files it ships). Everything is looked up through :mod:`importlib.resources`, never
by a path relative to this file, so the same code finds the same files in a source checkout
(editable install), in an installed wheel and in a PyInstaller one-folder build; the spec
for that build must collect ``kaunta_resources`` (``hiddenimports`` plus its data files,
e.g. ``collect_data_files("kaunta_resources")``), because nothing imports it by name.

A missing resource is a packaging bug, so it raises :class:`FileNotFoundError` naming the
file and the folder looked in, at start-up, instead of showing a blank button.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

#: the import name the ``resources/`` folder is installed under
PACKAGE = "kaunta_resources"
#: the window and application icon (full colour)
APP_ICON = "kaunta"
#: the icon for a system tray / notification area (bolder, for 16-22 px)
TRAY_ICON = "kaunta-tray"
#: pixel sizes rendered for a tinted icon: 16-32 px at 1x and their 2x for HiDPI screens
TINTED_SIZES = (16, 20, 24, 32, 40, 48, 64)

#: a payment method's button icon by what it shows while taking money (its dialog kind,
#: ``pos.services.payments.DialogKind`` values): the screens never name a gateway
PAYMENT_ICONS: dict[str, str] = {
    "phone": "pay-phone",
    "qr": "pay-qr",
    "terminal": "pay-card",
}


@functools.cache
def root() -> Path:
    """The installed ``resources/`` folder (a real directory in every supported build)."""
    folder = Path(str(files(PACKAGE)))
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Kaunta's resources ({PACKAGE}) are not a folder on disk: {folder}; "
            "zipped installs are not supported"
        )
    return folder


def resource_path(name: str) -> Path:
    """The file ``name`` (``"icons/lock.svg"``, ``"style/kaunta.qss"``) in the resources."""
    path = root().joinpath(*name.split("/"))
    if not path.is_file():
        raise FileNotFoundError(f"Kaunta resource {name!r} is missing from {root()}")
    return path


def translations_dir() -> Path:
    """The folder of compiled translations (``*.qm``), for ``QTranslator.load``."""
    return root() / "translations"


@functools.cache
def stylesheet(name: str = "kaunta") -> str:
    """The Qt style sheet ``style/<name>.qss`` as text, for ``setStyleSheet``."""
    return resource_path(f"style/{name}.qss").read_text(encoding="utf-8")


@functools.cache
def _svg(name: str) -> bytes:
    return resource_path(f"icons/{name}.svg").read_bytes()


def icon(
    name: str, color: str | None = None, disabled_color: str | None = None, *, gap: int = 0
) -> QIcon:
    """The icon ``icons/<name>.svg``.

    Without ``color`` it is the drawing as it is (the app icon keeps its own colours).
    Line icons are drawn in ``currentColor``; ``color`` paints them in that colour, so one
    drawing serves dark buttons and light ones, and ``disabled_color`` is how it looks on
    a disabled button (the colour of the button's own disabled text). ``gap`` leaves that
    much empty space right of a tinted drawing (in its 24-unit grid): Qt puts a button's
    text only 4 px from its icon, too close to read the two apart. A QApplication must
    exist; icons are not cached, since pixmaps must not outlive it.
    """
    path = resource_path(f"icons/{name}.svg")
    if color is None:
        return QIcon(str(path))
    result = QIcon()
    for mode, tint in ((QIcon.Mode.Normal, color), (QIcon.Mode.Disabled, disabled_color or color)):
        if not QColor(tint).isValid():
            raise ValueError(f"not a colour: {tint!r}")
        renderer = QSvgRenderer(QByteArray(_svg(name).replace(b"currentColor", tint.encode())))
        if not renderer.isValid():
            raise ValueError(f"icon {name!r} is not an SVG Qt can draw: {path}")
        for size in TINTED_SIZES:
            width = size + round(size * gap / 24)
            image = QImage(width, size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            result.addPixmap(QPixmap.fromImage(image), mode)
    return result


def app_icon() -> QIcon:
    """Kaunta's own icon: window title bars, the task bar and the application."""
    return icon(APP_ICON)


def payment_icon(dialog_kind: str) -> str | None:
    """The icon name for a payment method's button, from its dialog kind (None: no icon)."""
    return PAYMENT_ICONS.get(dialog_kind)
