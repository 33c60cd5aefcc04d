"""An X or Z report as a PDF, with Qt's own PDF writer: the printer layout's lines on A4
in a fixed-pitch font, so the PDF reads exactly like the till slip."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QFontDatabase, QPageLayout, QPageSize, QPainter, QPdfWriter


def write_pdf(lines: list[str], path: Path, title: str) -> None:
    """Write ``lines`` to ``path`` (pages as needed); raises OSError when it cannot."""
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("Kaunta")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
        )
    )
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write {path}")
    try:
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(10)
        painter.setFont(font)
        step = painter.fontMetrics().lineSpacing()
        height = painter.viewport().height()
        y = step
        for line in lines:
            if y > height - step:
                writer.newPage()
                y = step
            painter.drawText(0, y, line)
            y += step
    finally:
        painter.end()
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"nothing was written to {path}")
