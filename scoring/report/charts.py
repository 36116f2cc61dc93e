"""The report's charts as inline SVG (`<svg class="chart">` with a `<title>`), drawn to be read
on a phone: a narrow viewBox whose text stays above 10 px when the chart is shrunk to a 390 px
screen, legends under the plot rather than beside it, round tick values (whole numbers for
whole-number figures). Every string is escaped; every figure drawn is also given as text by
the page."""

from __future__ import annotations

import html
import math
from decimal import Decimal

from shopscore.scoring.report.text import label

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
# 5★ first, as the terminal's tables: green for the best, red for the worst.
STAR_COLORS = {5: "#2ca02c", 4: "#8fbc5a", 3: "#bcbd22", 2: "#ff7f0e", 1: "#d62728"}
W, H = 420, 236  # the line charts' viewBox
LEFT, RIGHT, TOP, BOTTOM = 54, 14, 16, 30
FONT, SMALL = 14, 13
LEGEND_ROW = 20


def e(value) -> str:
    """Any data string for HTML text and attributes: label() (no control characters), then
    escaped."""
    return html.escape(label(value), quote=True)


def figure(title: str, svg: str, caption: str = "") -> str:
    """A chart with its title above it in HTML (it wraps on a narrow screen, where text inside
    an SVG would run off its edge) and an optional caption below."""
    below = f"<figcaption>{e(caption)}</figcaption>" if caption else ""
    return f'<figure><div class="ct">{e(title)}</div>{svg}{below}</figure>'


def _open_svg(title: str, width: int, height: int) -> str:
    t = e(title)
    return (f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" aria-label="{t}"><title>{t}</title>')


def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten
    (whole steps of at least 1 for whole-number figures)."""
    span = hi - lo
    if span <= 0:
        span = abs(hi) * 0.01 or 1.0
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(s * power for s in steps if s * power >= raw)
    if integer:
        step = max(1, round(step))
    first = math.ceil(lo / step - 1e-9) * step
    ticks, k = [], 0
    while first + k * step <= hi + 1e-9 * step:
        ticks.append(round(first + k * step, 10))
        k += 1
    return ticks


def tick_text(value: float, ticks: list[float], integer: bool) -> str:
    if integer:
        return str(int(round(value)))
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    exponent = Decimal(repr(round(step, 10))).normalize().as_tuple().exponent
    return f"{value:.{min(6, max(0, -exponent))}f}"


def _legend(labels: list[str], y0: int) -> tuple[list[str], int]:
    """Legend entries in rows under the plot; the parts and the height they take."""
    parts, x, y, per_row = [], LEFT, y0, 0
    for k, text in enumerate(labels):
        need = 26 + 8 * len(label(text)) + 14
        if per_row and x + need > W - RIGHT:
            x, y, per_row = LEFT, y + LEGEND_ROW, 0
        color = COLORS[k % len(COLORS)]
        parts.append(f'<rect x="{x}" y="{y - 7}" width="16" height="4" fill="{color}"/>'
                     f'<text x="{x + 22}" y="{y}" font-size="{SMALL}">{e(text)}</text>')
        x += need
        per_row += 1
    return parts, (y - y0 + LEGEND_ROW) if labels else 0


def line_chart(title: str, x_labels: list[str], series: list[tuple[str, list]],
               bar: float | None = None, bar_label: str = "bar",
               integer: bool = False) -> str:
    """Lines over a shared x axis (one point per label); a value None/NaN breaks the line;
    an optional horizontal bar (dashed); `integer`: whole-number figures, whole ticks."""
    values = [v for _, ys in series for v in ys if v is not None and math.isfinite(v)]
    if bar is not None:
        values.append(bar)
    legend, legend_h = _legend([name for name, _ in series], H - BOTTOM + 36)
    height = H + legend_h
    x0, x1, y0, y1 = LEFT, W - RIGHT, TOP, H - BOTTOM
    parts = [_open_svg(title, W, height)]
    if not values or not x_labels:
        parts.append(f'<text x="{x0}" y="{(y0 + y1) // 2}" font-size="{FONT}">-</text></svg>')
        return "".join(parts)
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.002, 1 if integer else 0.01)
    ticks = nice_ticks(lo - pad, hi + pad, 5, integer)
    lo, hi = min(ticks[0], lo - pad), max(ticks[-1], hi + pad)
    n = len(x_labels)

    def px(i):
        return x0 + (x1 - x0) * (i / (n - 1) if n > 1 else 0.5)

    def py(v):
        return y1 - (y1 - y0) * (v - lo) / (hi - lo)

    parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="#fff" '
                 'stroke="#ccc"/>')
    for v in ticks:
        y = py(v)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{x0 - 5}" y="{y + 4:.1f}" font-size="{SMALL}" '
                     f'text-anchor="end">{tick_text(v, ticks, integer)}</text>')
    for i in sorted({0, (n - 1) // 2, n - 1}):
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        parts.append(f'<text x="{px(i):.1f}" y="{y1 + 18}" font-size="{SMALL}" '
                     f'text-anchor="{anchor}">{e(x_labels[i])}</text>')
    if bar is not None:
        y = py(bar)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#cf222e" '
                     f'stroke-dasharray="6 4"/><text x="{x1 - 4}" y="{y - 5:.1f}" '
                     f'font-size="{SMALL}" text-anchor="end" fill="#cf222e">'
                     f"{e(bar_label)} {bar:g}</text>")
    for k, (_, ys) in enumerate(series):
        color = COLORS[k % len(COLORS)]
        path, pen = [], "M"
        for i, v in enumerate(ys):
            if v is None or not math.isfinite(v):
                pen = "M"
                continue
            path.append(f"{pen}{px(i):.1f},{py(v):.1f}")
            pen = "L"
        if path:
            parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" '
                         'stroke-width="2.5"/>')
            if len(path) == 1:
                cx, cy = path[0][1:].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="4" fill="{color}"/>')
    parts += legend
    parts.append("</svg>")
    return "".join(parts)


def star_chart(title: str, counts: dict) -> str:
    """Five bars, 5★ first: the number of scores of each star, labelled with the count above
    and the star and its share below."""
    width, height = 300, 190
    x0, x1, y0, y1 = 8, width - 8, 16, height - 44
    total = sum(counts.values())
    top = max(counts.values()) if counts and max(counts.values()) else 1
    parts = [_open_svg(title, width, height),
             f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#999"/>']
    slot = (x1 - x0) / 5
    for k, star in enumerate((5, 4, 3, 2, 1)):
        count = counts.get(star, 0)
        h = (y1 - y0 - 18) * count / top
        x = x0 + slot * k + slot * 0.14
        mid = x + slot * 0.36
        share = f"{100 * count / total:.1f}%" if total else "-"
        parts.append(f'<rect x="{x:.1f}" y="{y1 - h:.1f}" width="{slot * 0.72:.1f}" '
                     f'height="{h:.1f}" fill="{STAR_COLORS[star]}"><title>{star}★: {count} '
                     f"({share})</title></rect>"
                     f'<text x="{mid:.1f}" y="{y1 - h - 4:.1f}" font-size="{SMALL}" '
                     f'text-anchor="middle">{count}</text>'
                     f'<text x="{mid:.1f}" y="{y1 + 17}" font-size="{SMALL}" '
                     f'text-anchor="middle">{star}★</text>'
                     f'<text x="{mid:.1f}" y="{y1 + 35}" font-size="{SMALL}" '
                     f'text-anchor="middle" fill="#444">{share}</text>')
    parts.append("</svg>")
    return "".join(parts)
