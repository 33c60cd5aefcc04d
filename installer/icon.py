"""The Windows icon (``kaunta.ico``), drawn at build time from ``resources/icons/kaunta.svg``.

An ``.ico`` is a build output: it is made into the build folder by ``installer/build.py``
(never committed), for PyInstaller's ``icon=`` (the executables' icon) and Inno Setup's
``SetupIconFile`` (the installer's). Qt draws the SVG at each size (what the till already
uses to show it), and the file is written here as PNG-compressed entries, which Windows
reads since Vista: no Pillow needed. Sizes are Windows' usual ones, 16 to 256 pixels.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "kaunta.svg"
#: the sizes Windows picks from (title bar and lists 16-32, tiles and Explorer 48-256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
_PNG = b"\x89PNG\r\n\x1a\n"


def render_png(svg: Path, size: int) -> bytes:
    """``svg`` drawn as a ``size`` x ``size`` PNG with a transparent background."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])  # fonts and painting need one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # the stub says bytes
        raise ValueError(f"{svg}: Qt could not write a {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file of square PNG ``images`` given as (size, PNG bytes): the ICONDIR header,
    one 16-byte directory entry per image (256 is written as 0), then the PNGs."""
    if not images:
        raise ValueError("an icon needs at least one image")
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        if not 1 <= size <= 256 or not png.startswith(_PNG):
            raise ValueError(f"icon image {size} px: sizes 1-256, PNG data only")
        side = 0 if size == 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        blobs += png
    return header + entries + blobs


def make_ico(out: Path, svg: Path = SVG, sizes: tuple[int, ...] = ICO_SIZES) -> Path:
    """Write ``out`` (an ``.ico`` of ``svg`` at ``sizes``); returns it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(ico_bytes([(size, render_png(svg, size)) for size in sizes]))
    return out


def read_ico(data: bytes) -> list[tuple[int, bytes]]:
    """The (size, PNG bytes) images of an ICO file written by :func:`ico_bytes`; raises
    ``ValueError`` for anything else (the tests' and the build's check of the file)."""
    if len(data) < 6:
        raise ValueError("too short for an ICO header")
    reserved, kind, count = struct.unpack_from("<HHH", data)
    if reserved != 0 or kind != 1 or count == 0:
        raise ValueError("not an ICO file (header)")
    images = []
    for i in range(count):
        side, height, _colors, _r, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        png = data[offset : offset + length]
        if side != height or planes != 1 or bits != 32 or len(png) != length:
            raise ValueError(f"ICO entry {i}: not a square 32-bit image inside the file")
        if not png.startswith(_PNG):
            raise ValueError(f"ICO entry {i}: not PNG data")
        images.append((side or 256, png))
    return images
