"""Bar charts as inline SVG, drawn on the server: no script, nothing fetched by the browser.

A chart is a list of (label, value) pairs; values are minor units, shown with ``fmt``.
The SVG carries a ``<title>`` per bar (the exact figure on hover) and a text table is always
shown beside it by the templates, so the figures are readable without the picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

__all__ = ["bar_chart"]

_BAR = "#2f6f5e"
_AXIS = "#8a8f98"


def bar_chart(
    points: Sequence[tuple[str, int]],
    *,
    fmt: Callable[[int], str],
    title: str,
    width: int = 640,
    height: int = 220,
) -> str:
    """Vertical bars, one per point, labels under them (every n-th when crowded)."""
    left, bottom, top = 8, 34, 22
    plot_h = height - bottom - top
    n = max(1, len(points))
    slot = (width - 2 * left) / n
    peak = max((v for _, v in points), default=0) or 1
    every = max(1, round(n / 12))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" font-size="12" fill="#333">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" '
        f'stroke="{_AXIS}"/>',
    ]
    for i, (label, value) in enumerate(points):
        h = 0 if value <= 0 else max(1.0, plot_h * value / peak)
        x = left + i * slot + slot * 0.15
        y = top + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{_BAR}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" font-size="11" '
                f'text-anchor="middle" fill="#333">{escape(label)}</text>'
            )
    if points:
        parts.append(
            f'<text x="{width - left}" y="14" font-size="11" text-anchor="end" fill="#555">'
            f"max {escape(fmt(peak))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
