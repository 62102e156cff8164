"""Small inline-SVG charts (line and horizontal bar) for the offline KPI report."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from kpi.formatting import number

FONT = 'font-family="system-ui, sans-serif"'
PALETTE = ["#1f5fa8", "#d2691e", "#2e8b57", "#8a8a8a", "#8e44ad"]


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]
    color: str


@dataclass
class Marker:
    """A vertical mark at x (a series break), labelled above the plot."""

    x: float
    label: str
    color: str = "#b03030"


@dataclass
class BarRow:
    label: str
    values: list[float]
    note: str = ""  # printed after the bar(s)


@dataclass
class _Axis:
    lo: float
    hi: float
    ticks: list[float] = field(default_factory=list)


def nice_axis(lo: float, hi: float, count: int = 5) -> _Axis:
    """Round tick values (1, 2, 2.5, 5 x 10^k) covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    end = math.ceil(hi / step) * step
    ticks = [start + i * step for i in range(round((end - start) / step) + 1)]
    return _Axis(start, end, ticks)


def text_width(text: str, size: int = 11) -> float:
    """Approximate rendered width: CJK characters are about twice as wide as Latin ones."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def _text(x, y, text, *, anchor="start", size=11, color="#333", weight="normal", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{color}" font-weight="{weight}" {FONT} {extra}>{escape(str(text))}</text>'
    )


def _legend(items: list[tuple[str, str]], x: float, y: float) -> str:
    parts = []
    for name, color in items:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="10" fill="{color}"/>')
        parts.append(_text(x + 16, y, name))
        x += 28 + text_width(name)
    return "".join(parts)


def line_chart(
    series: list[Series],
    *,
    title: str,
    width: int = 620,
    height: int = 300,
    y_label: str = "",
    markers: list[Marker] | None = None,
    x_format: Callable[[int], str] = str,
) -> str:
    """Lines over x (years, labelled by `x_format`), y from zero, vertical dashed marks at the
    series breaks."""
    left, right, top, bottom = 64, 16, 46, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    if not xs:
        return _empty(title, width)
    x_lo, x_hi = min(xs), max(xs)
    y_axis = nice_axis(0, max(ys) if ys else 1)

    def px(x: float) -> float:
        return left + (x - x_lo) / ((x_hi - x_lo) or 1) * plot_w

    def py(y: float) -> float:
        return top + plot_h - (y - y_axis.lo) / ((y_axis.hi - y_axis.lo) or 1) * plot_h

    out = [_open(width, height, title), _text(left, 16, title, size=13, weight="bold")]
    out.append(_legend([(s.name, s.color) for s in series], left, 34))
    for tick in y_axis.ticks:
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" '
            'stroke="#e3e3e3"/>'
        )
        out.append(_text(left - 6, py(tick) + 4, number(tick), anchor="end", size=10))
    step = 5 if x_hi - x_lo > 12 else 1
    first = math.ceil(x_lo / step) * step
    for year in range(int(first), int(x_hi) + 1, step):
        out.append(_text(px(year), top + plot_h + 16, x_format(year), anchor="middle", size=10))
    for i, marker in enumerate(markers or []):
        x = px(marker.x)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="{marker.color}" stroke-dasharray="3,3" stroke-width="1"/>'
        )
        # close breaks (FY2013, FY2014) would print over each other: stagger the labels
        out.append(_text(x + 2, top + 9 + 10 * (i % 3), marker.label, size=9, color=marker.color))
    for s in series:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y) in enumerate(s.points)
        )
        out.append(f'<path d="{path}" fill="none" stroke="{s.color}" stroke-width="2"/>')
        for x, y in s.points:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2" fill="{s.color}"/>')
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#888"/>'
    )
    if y_label:
        out.append(
            _text(
                12,
                top + plot_h / 2,
                y_label,
                anchor="middle",
                size=10,
                extra=f'transform="rotate(-90 12 {top + plot_h / 2:.1f})"',
            )
        )
    out.append("</svg>")
    return "".join(out)


def hbar_chart(
    rows: list[BarRow],
    segments: list[tuple[str, str]],
    *,
    title: str,
    stacked: bool = True,
    width: int = 620,
    label_width: int = 90,
    x_label: str = "",
) -> str:
    """Horizontal bars, one row per label: segments stacked, or side by side (grouped);
    `x_label` (what the axis counts, in what unit) is printed under the axis."""
    if not rows:
        return _empty(title, width)
    bar, gap = (16, 8) if stacked else (11, 10)
    row_h = bar * (1 if stacked else len(segments)) + gap
    top, note_w, right = 46, 150, 12
    plot_w = width - label_width - note_w - right
    below = 16 if x_label else 0
    height = top + row_h * len(rows) + 24 + below
    totals = [sum(r.values) if stacked else max(r.values, default=0) for r in rows]
    axis = nice_axis(0, max(totals) or 1, 4)

    def scale(v: float) -> float:
        return v / (axis.hi or 1) * plot_w

    out = [_open(width, height, title), _text(8, 16, title, size=13, weight="bold")]
    out.append(_legend(segments, label_width, 34))
    for tick in axis.ticks:
        x = label_width + scale(tick)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height - 22 - below}" '
            'stroke="#eee"/>'
        )
        out.append(_text(x, height - 8 - below, number(tick), anchor="middle", size=10))
    if x_label:
        out.append(_text(label_width, height - 6, x_label, size=10, color="#555"))
    for i, row in enumerate(rows):
        y = top + i * row_h
        out.append(_text(label_width - 6, y + bar * 0.8, row.label, anchor="end"))
        x = label_width
        for j, (value, (name, color)) in enumerate(zip(row.values, segments, strict=True)):
            w = scale(value)
            by = y if stacked else y + j * bar
            out.append(
                f'<rect x="{x:.1f}" y="{by:.1f}" width="{max(w, 0):.1f}" height="{bar - 1}" '
                f'fill="{color}"><title>{escape(f"{row.label} {name}: {number(value)}")}'
                "</title></rect>"
            )
            if not stacked:
                out.append(_text(x + w + 3, by + bar - 2, number(value), size=9))
            x = x + w if stacked else x
        end = label_width + scale(totals[i]) + 4
        if row.note:
            out.append(
                _text(
                    max(end, label_width + 4) + (44 if not stacked else 0),
                    y + bar * 0.8,
                    row.note,
                    size=10,
                    color="#555",
                )
            )
    out.append("</svg>")
    return "".join(out)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">'
    )


def _empty(title: str, width: int) -> str:
    return _open(width, 40, title) + _text(8, 24, f"{title}: no data / データなし") + "</svg>"
