"""The incident-registration chart: bullying cases reported per month of a school year, as an SVG for the
yearly report (not the annual social-safety monitoring: see flows/registration.py).

A dozen bars and their labels, written as SVG directly: no plotting library (matplotlib and numpy were a
third of the console's install for this one chart). SVG opens in any browser and goes into Word or
PowerPoint as it is. A month whose count is from 1 to 4 gets no bar, only the label "<5": the chart never
shows a small number, not even as a bar's height.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 900, 400
LEFT, RIGHT, TOP, BOTTOM = 50, 20, 50, 50  # margins: the axis labels, the title, the month names
BAR, AXIS, TEXT = "#3b6ea5", "#555555", "#222222"
FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"'


def ticks(top: int) -> list[int]:
    """Whole numbers from 0 to `top` for the y axis, at most six of them."""
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + 1, step))


def chart_svg(series: list[tuple[str, int | None]], title: str) -> str:
    heights = [value or 0 for _, value in series]
    top = max(heights + [5])
    scale_top = math.ceil(top * 1.2)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / scale_top

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" {FONT}>',
           f"<title>{escape(title)}</title>",
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           f'<text x="{WIDTH / 2}" y="{TOP / 2 + 6}" text-anchor="middle" font-size="16" fill="{TEXT}">'
           f"{escape(title)}</text>"]
    for tick in ticks(scale_top):
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'stroke="#e5e5e5"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
                   f'fill="{AXIS}">{tick}</text>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{AXIS}"/>')
    slot = plot_w / max(1, len(series))
    for i, (label, value) in enumerate(series):
        middle = LEFT + slot * (i + 0.5)
        if value:
            out.append(f'<rect class="bar" x="{middle - slot * 0.35:.1f}" y="{y(value):.1f}" '
                       f'width="{slot * 0.7:.1f}" height="{y(0) - y(value):.1f}" fill="{BAR}"/>')
        shown = "&lt;5" if value is None else str(value)
        out.append(f'<text class="count" x="{middle:.1f}" y="{y(value or 0) - 4:.1f}" text-anchor="middle" '
                   f'font-size="11" fill="{TEXT}">{shown}</text>')
        out.append(f'<text x="{middle:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="11" '
                   f'fill="{AXIS}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_chart(series: list[tuple[str, int | None]], title: str, path: Path) -> Path:
    path.write_text(chart_svg(series, title), encoding="utf-8")
    return path
