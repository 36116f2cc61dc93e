"""The benchmark's time and peak memory against input size, as one SVG (no plotting library):
`python bench/plot.py` reads bench/results.json and writes bench/scaling.svg; bench/run.py
calls it after each run. Log scales on both axes; one line per engine and reading (Parquet)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERIES = [("shopscore", "parquet", "shopscore (default budget)", "#1f6feb"),
          ("shopscore", "parquet whole", "shopscore, read whole", "#8250df"),
          ("duckdb", "parquet", "DuckDB peer (credit only)", "#cf222e")]
W, H, PAD = 360, 260, 48


def _ticks(low: float, high: float) -> list[float]:
    out, v = [], 10 ** math.floor(math.log10(low))
    while v <= high * 1.0001:
        for m in (1, 2, 5):
            if low / 1.0001 <= v * m <= high * 1.0001:
                out.append(v * m)
        v *= 10
    return out


def _panel(rows: list, key: str, title: str, unit: str, x0: int) -> list[str]:
    points = {name: sorted((r["lines"], r[key]) for r in rows
                           if r["engine"].startswith(engine) and r["format"] == fmt)
              for engine, fmt, name, _ in SERIES}
    xs = [x for pts in points.values() for x, _ in pts]
    ys = [y for pts in points.values() for _, y in pts]
    if not xs:
        return []
    lx, hx = math.log10(min(xs)), math.log10(max(xs))
    ly, hy = math.log10(min(ys) / 1.5), math.log10(max(ys) * 1.5)
    hx = hx if hx > lx else lx + 1

    def px(x):
        return x0 + PAD + (math.log10(x) - lx) / (hx - lx) * (W - 2 * PAD)

    def py(y):
        return H - PAD - (math.log10(y) - ly) / (hy - ly) * (H - 2 * PAD)

    out = [f'<text x="{x0 + W / 2}" y="20" text-anchor="middle" font-weight="bold">{title}</text>',
           f'<rect x="{x0 + PAD}" y="{PAD}" width="{W - 2 * PAD}" height="{H - 2 * PAD}" '
           'fill="none" stroke="#999"/>']
    for t in _ticks(10 ** ly, 10 ** hy):
        out.append(f'<line x1="{x0 + PAD}" x2="{x0 + W - PAD}" y1="{py(t):.1f}" y2="{py(t):.1f}" '
                   'stroke="#eee"/>')
        out.append(f'<text x="{x0 + PAD - 4}" y="{py(t) + 4:.1f}" text-anchor="end" '
                   f'font-size="10">{t:g}</text>')
    for x in sorted(set(xs)):
        label = f"{x / 1e6:g}M" if x >= 1e6 else f"{x / 1e3:g}k"
        out.append(f'<text x="{px(x):.1f}" y="{H - PAD + 14}" text-anchor="middle" '
                   f'font-size="10">{label}</text>')
    out.append(f'<text x="{x0 + W / 2}" y="{H - 8}" text-anchor="middle" font-size="11">'
               f'trade lines ({unit})</text>')
    for _, _, name, colour in SERIES:
        pts = points[name]
        if not pts:
            continue
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>'
                for x, y in pts]
    return out


def svg(doc: dict) -> str:
    rows = doc.get("rows", [])
    parts = _panel(rows, "wall", "wall time, seconds", "log scales", 0)
    parts += _panel([dict(r, rss=r["rss_mib"] / 1024) for r in rows], "rss",
                    "peak memory, GiB", "log scales", W)
    legend = [f'<g transform="translate({PAD + k * 215},{H + 14})"><rect width="12" height="12" '
              f'fill="{colour}"/><text x="16" y="11" font-size="11">{name}</text></g>'
              for k, (_, _, name, colour) in enumerate(SERIES)]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H + 36}" '
            'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" '
            'fill="white"/>' + "".join(parts + legend) + "</svg>\n")


def write(doc: dict, path: Path = HERE / "scaling.svg") -> Path:
    path.write_text(svg(doc), encoding="utf-8")
    return path


if __name__ == "__main__":
    store = HERE / "results.json"
    print(write(json.loads(store.read_text())), file=sys.stderr)
