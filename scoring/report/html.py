"""The HTML report (issue 5): one self-contained page per audit, pure (no Typer, no Rich).

Per shop: the audit's tables (credit, ratings by period, DSR, checks), the star distribution
of every DSR item, the DSR (and credit) trend, and the forecast under both scenarios. Charts
are inline SVG drawn here (`<svg class="chart">` with a `<title>`); every figure drawn is also
given as text. No JavaScript, no network, no external files; every user string is escaped."""

from __future__ import annotations

import html
import math
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from shopscore.scoring.engine.coded import is_value
from shopscore.scoring.rules.figures import window_sums
from shopscore.scoring.rules.reasons import COUNTED

DAY = np.timedelta64(1, "D")
TREND_DAYS = 90
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
STAR_COLORS = ("#d62728", "#ff7f0e", "#bcbd22", "#8fbc5a", "#2ca02c")
SCENARIO_LABEL = {"no_new_scores": "no new scores",
                  "recent_pace": "new scores at the pace and star mix of the last 30 days"}
W, H = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 28, 36

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:24px;
color:#222;background:#fff;max-width:1100px}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{margin-top:1.4em;font-size:1.1em}
table{border-collapse:collapse;margin:8px 0 12px}
th,td{border:1px solid #ddd;padding:3px 8px;font-size:.92em}
th{background:#f4f4f4;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.PASS{color:#1a7f37;font-weight:bold}.WARN{color:#9a6700;font-weight:bold}
.FAIL{color:#cf222e;font-weight:bold}
.note{color:#666;font-size:.88em}
svg.chart{display:block;margin:6px 0;max-width:100%;height:auto;background:#fcfcfc;
border:1px solid #eee}
.stars{display:flex;flex-wrap:wrap;gap:12px}.stars figure{margin:0}
figcaption{font-size:.85em;color:#444}
"""


def e(value) -> str:
    """Escape any user string (shop ids, check names, paths) for HTML text and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def percent(fraction, signed: bool = False) -> str:
    if fraction is None:
        return "-"
    value = Decimal(repr(fraction * 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:+}%" if signed else f"{value}%"


def num(value, places: int = 5) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int | np.integer):
        return str(int(value))
    return f"{value:.{places}f}"


def _table(header, rows, numeric=()) -> str:
    """`rows` cells are already-escaped HTML; columns whose index is in `numeric` align right."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- charts --------------------------------------------------------------------------------

def _open_svg(title: str, width: int = W, height: int = H) -> str:
    t = e(title)
    return (f'<svg class="chart" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-label="{t}">'
            f"<title>{t}</title>")


def _fmt_tick(value: float, span: float) -> str:
    places = 0 if span >= 50 else 1 if span >= 5 else 2 if span >= 0.5 else 3
    return f"{value:.{places}f}"


def line_chart(title: str, x_labels: list[str], series: list[tuple[str, list]],
               bar: float | None = None, bar_label: str = "bar") -> str:
    """Lines over a shared x axis (one point per label); a value None/NaN breaks the line;
    an optional horizontal bar (dashed)."""
    values = [v for _, ys in series for v in ys if v is not None and math.isfinite(v)]
    if bar is not None:
        values.append(bar)
    parts = [_open_svg(title)]
    x0, x1, y0, y1 = LEFT, W - RIGHT, TOP, H - BOTTOM
    parts.append(f'<text x="{x0}" y="16" font-size="13" font-weight="bold">{e(title)}</text>')
    if not values or not x_labels:
        parts.append(f'<text x="{x0}" y="{(y0 + y1) // 2}" font-size="13">no data</text></svg>')
        return "".join(parts)
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.002, 0.01)
    lo, hi = lo - pad, hi + pad
    n = len(x_labels)

    def px(i):
        return x0 + (x1 - x0) * (i / (n - 1) if n > 1 else 0.5)

    def py(v):
        return y1 - (y1 - y0) * (v - lo) / (hi - lo)

    parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="#fff" '
                 f'stroke="#ccc"/>')
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        y = py(v)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{x0 - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                     f"{_fmt_tick(v, hi - lo)}</text>")
    for i in sorted({0, (n - 1) // 2, n - 1}):
        parts.append(f'<text x="{px(i):.1f}" y="{y1 + 16}" font-size="11" text-anchor="middle">'
                     f"{e(x_labels[i])}</text>")
    if bar is not None:
        y = py(bar)
        parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#cf222e" '
                     f'stroke-dasharray="6 4"/><text x="{x1 + 6}" y="{y + 4:.1f}" font-size="11" '
                     f'fill="#cf222e">{e(bar_label)} {bar:g}</text>')
    legend_y = y0 + 10 + (16 if bar is not None else 0)
    for k, (label, ys) in enumerate(series):
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
                         f'stroke-width="2"/>')
            if len(path) == 1:
                parts.append(f'<circle cx="{path[0][1:].split(",")[0]}" '
                             f'cy="{path[0].split(",")[1]}" r="3" fill="{color}"/>')
        y = legend_y + 16 * k
        parts.append(f'<rect x="{x1 + 6}" y="{y - 8}" width="12" height="3" fill="{color}"/>'
                     f'<text x="{x1 + 22}" y="{y - 3}" font-size="11">{e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def star_chart(title: str, counts: list[int], heading: str | None = None) -> str:
    """Five bars: the number of 1..5-star scores, each labelled with its count and share."""
    width, height = 260, 200
    x0, x1, y0, y1 = 30, width - 10, 30, height - 26
    total = sum(counts)
    top = max(counts) if counts and max(counts) else 1
    parts = [_open_svg(title, width, height),
             f'<text x="8" y="16" font-size="11" font-weight="bold">{e(heading or title)}</text>',
             f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#999"/>']
    slot = (x1 - x0) / 5
    for k, count in enumerate(counts):
        h = (y1 - y0 - 14) * count / top
        x = x0 + slot * k + slot * 0.15
        share = f"{100 * count / total:.1f}%" if total else "-"
        parts.append(f'<rect x="{x:.1f}" y="{y1 - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                     f'fill="{STAR_COLORS[k]}"><title>{k + 1}★: {count} ({share})</title></rect>'
                     f'<text x="{x + slot * 0.35:.1f}" y="{y1 - h - 3:.1f}" font-size="10" '
                     f'text-anchor="middle">{count}</text>'
                     f'<text x="{x + slot * 0.35:.1f}" y="{y1 + 14}" font-size="11" '
                     f'text-anchor="middle">{k + 1}★</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- figures -------------------------------------------------------------------------------

def rolling_dsr(dsr, shop_id, items, as_of, window_days: int = 180, days: int = TREND_DAYS) -> dict:
    """Each item's DSR mean on the last `days` days (day d = as_of - k days, k = days-1..0):
    the mean of the scores with d - window < at <= d among the orders whose fate is counted or
    outside_dsr_window (the orders every rule but the window lets count). NaN: no scores."""
    as_of = np.datetime64(as_of, "ns")
    fate = dsr["fate"].to_numpy()
    mine = dsr.loc[((fate == COUNTED) | (fate == "outside_dsr_window"))
                   & np.asarray(is_value(dsr["shop_id"], shop_id))]
    at_all = mine["at"].to_numpy("datetime64[ns]")
    ends = as_of - np.arange(days - 1, -1, -1) * DAY
    out = {}
    for name in items:
        col = f"dsr_{name}"
        values = mine[col].to_numpy(dtype="float64") if col in mine else np.zeros(0)
        has = ~np.isnan(values)
        at, stars = at_all[has], values[has]
        order = np.argsort(at, kind="stable")
        count, total = window_sums(at[order], stars[order], ends, window_days)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
    return out


def _day_labels(start, offsets) -> list[str]:
    return [(start + timedelta(days=int(k))).strftime("%m-%d") for k in offsets]


def _pick(n: int, wanted) -> list[int]:
    return sorted({i for i in wanted if 0 <= i < n} | {n - 1})


# --- sections ------------------------------------------------------------------------------

def _credit_html(shop) -> str:
    c = shop.credit
    level = f"{c.level_name} (#{c.level_index})" if c.level_name else "-"
    rows = [[num(c.score), e(level), percent(c.positive_rate), num(c.default_positive),
             num(c.unrated)]]
    out = "<h3>Credit</h3>" + _table(["credit score", "level", "positive rate",
                                      "default positives", "unrated lines"], rows, {0, 2, 3, 4})
    labels = list(c.periods)
    prow = [[kind] + [num(getattr(c.periods[p], kind)) for p in labels]
            for kind in ("positive", "neutral", "negative")]
    out += "<h3>Ratings by period (rated_at)</h3>" + _table(
        [""] + [e(p) for p in labels], prow, set(range(1, len(labels) + 1)))
    return out


def _position(item) -> str:
    if item.vs_industry is None:
        return "-"
    basis = "" if item.vs_industry_basis == "average" else " range"
    return f"{percent(item.vs_industry, signed=True)} {e(item.position)}{basis}"


def _dsr_html(shop) -> str:
    d = shop.dsr
    rows = []
    for name, item in d.items.items():
        mark = "" if name in d.seller_items else "*"
        rows.append([e(name) + mark, num(item.score), "-" if item.badge is None else f"{item.badge:.1f}",
                     num(item.count), num(item.industry, 2), _position(item)])
    return (f"<h3>DSR (last {d.window_days} days)</h3>"
            + _table(["item", "score", "badge", "count", "industry", "vs industry"], rows,
                     {1, 2, 3, 4, 5})
            + f'<p class="note">items below industry: {d.items_below_industry}; '
              "* not part of the seller's DSR</p>")


def _bound(c) -> str:
    parts = []
    if c.min is not None:
        parts.append(f"&gt;= {c.min:g}")
    if c.max is not None:
        parts.append(f"&lt;= {c.max:g}")
    text = " and ".join(parts)
    if c.warn:
        band = []
        if c.min is not None:
            band.append(f"&lt; {c.min + c.warn:g}")
        if c.max is not None:
            band.append(f"&gt; {c.max - c.warn:g}")
        text += f" (warn {' or '.join(band)})"
    return text


def _checks_html(shop) -> str:
    if not shop.checks:
        return "<h3>Checks</h3><p class=\"note\">no checks</p>"
    rows = []
    for c in shop.checks:
        status = (c.status or ("pass" if c.passed else "fail")).upper()
        value = percent(c.value) if c.metric.endswith("positive_rate") and c.value is not None \
            else num(c.value)
        rows.append([e(c.name), f'<span class="{status}">{status}</span>', value, _bound(c),
                     num(c.margin), num(c.five_star_needed), e(c.reason or "")])
    return "<h3>Checks</h3>" + _table(["check", "result", "value", "bound", "margin", "5★ needed",
                                       "reason"], rows, {2, 4, 5})


def _stars_html(shop) -> str:
    figs = []
    for name, item in shop.dsr.items.items():
        counts = [int(round(item.shares.get(str(k), 0) * item.count)) for k in range(1, 6)]
        title = f"{name}: star distribution ({item.count} scores, mean {num(item.score)})"
        text = ", ".join(f"{k + 1}★ {n}" for k, n in enumerate(counts))
        heading = f"{name}: n={item.count}, mean {num(item.score)}"
        figs.append(f"<figure>{star_chart(title, counts, heading)}"
                    f"<figcaption>{e(text)}</figcaption></figure>")
    return "<h3>Star distribution per DSR item (last 180 days)</h3><div class=\"stars\">" \
        + "".join(figs) + "</div>"


def _history_html(shop_id, trend_doc) -> str:
    shops = [s for s in trend_doc["shops"] if s["shop_id"] == shop_id]
    if not shops:
        return ""
    s = shops[0]
    labels = [a[:10] if a[11:19] == "00:00:00" else a[:16].replace("T", " ") for a in s["as_of"]]
    dsr = [(m["metric"].split(".")[1], [p["value"] for p in m["points"]]) for m in s["metrics"]
           if m["metric"].startswith("dsr.") and m["metric"].endswith(".score")]
    credit = [("credit score", [p["value"] for p in m["points"]]) for m in s["metrics"]
              if m["metric"] == "credit.score"]
    out = f"<h3>Trend from the history ({len(labels)} audit(s))</h3>"
    out += line_chart(f"{shop_id}: DSR per audit", labels, dsr)
    out += line_chart(f"{shop_id}: credit score per audit", labels, credit)
    header = ["as_of"] + [e(n) for n, _ in dsr] + [e(n) for n, _ in credit]
    rows = [[e(labels[i])] + [num(ys[i]) for _, ys in dsr] + [num(ys[i]) for _, ys in credit]
            for i in range(len(labels))]
    return out + _table(header, rows, set(range(1, len(header))))


def _rolling_html(shop_id, rolling: dict, start) -> str:
    n = len(next(iter(rolling.values()))) if rolling else 0
    offsets = list(range(-(n - 1), 1))
    labels = _day_labels(start, offsets)
    series = [(name, [float(v) for v in ys]) for name, ys in rolling.items()]
    out = (f"<h3>DSR trend: the 180-day mean on each of the last {n} days</h3>"
           '<p class="note">Recomputed from the data (no --history given): for day d, the mean '
           "of the scores given in (d − 180 days, d].</p>")
    out += line_chart(f"{shop_id}: 180-day DSR mean, last {n} days", labels, series)
    picks = _pick(n, [0, n - 61, n - 31, n - 8, n - 2])
    header = ["day"] + [e(name) for name, _ in series]
    rows = [[f"{labels[i]} ({offsets[i]:+d}d)" if offsets[i] else f"{labels[i]} (as_of)"]
            + [num(ys[i]) for _, ys in series] for i in picks]
    return out + _table(header, rows, set(range(1, len(header))))


def _forecast_html(shop_id, sf, days: int, bar: float, start) -> str:
    labels = _day_labels(start, range(days + 1))
    out = (f"<h3>Forecast: the next {days} days (bar {bar:g})</h3>"
           '<p class="note">As old scores leave the 180-day window; * not checked.</p>')
    for scenario in ("no_new_scores", "recent_pace"):
        series = []
        for name, it in sf.items.items():
            series.append((name + ("" if it.checked else "*"),
                           [float(v) for v in it.projections[scenario].score]))
        out += line_chart(f"{shop_id}: forecast, {SCENARIO_LABEL[scenario]}", labels, series,
                          bar, "bar")
        picks = _pick(days + 1, [0, 1, 7, 14, 30])
        header = ["item"] + [("now" if d == 0 else f"+{d}d") for d in picks] + ["below bar from"]
        rows = []
        for (label, ys), it in zip(series, sf.items.values(), strict=True):
            fail = it.projections[scenario].first_fail_day
            when = "-" if not it.checked else "never" if fail is None else "now" if fail == 0 \
                else f"{labels[fail]} (d{fail})"
            rows.append([e(label)] + [num(ys[d]) for d in picks] + [when])
        out += f"<p><b>{e(SCENARIO_LABEL[scenario])}</b></p>" + _table(
            header, rows, set(range(1, len(header) + 1)))
    return out


def build_report(result, profile, dsr, as_of_local, forecasts, days: int, bar: float,
                 trend_doc: dict | None = None, start=None) -> str:
    """The whole page. `result` the AuditResult, `dsr` the audit's Decisions.dsr, `as_of_local`
    its naive local as_of (engine/decide.py local_as_of), `forecasts` forecast.forecast's list,
    `trend_doc` history.trend's document (or None: the DSR trend is recomputed from the data),
    `start` the aware as_of in the profile's zone (for day labels)."""
    start = start if start is not None else as_of_local.astype("datetime64[s]").item()
    by_shop = {f.shop_id: f for f in forecasts}
    failed = sum(not s.passed for s in result.shops)
    verdict = "all checks pass" if result.passed else f"{failed} shop(s) failing a check"
    files = ", ".join(e(f.get("path", "")) for f in result.inputs.get("files", []))
    body = [f"<h1>shopscore report as of {e(result.as_of)}</h1>",
            f"<p>profile {e(result.profile)} · {len(result.shops)} shop(s) · "
            f'<span class="{"PASS" if result.passed else "FAIL"}">{e(verdict)}</span></p>',
            f'<p class="note">inputs: {files or "-"}; rows read {result.inputs.get("rows_read", 0)}, '
            f'rejected {result.inputs.get("rows_rejected", 0)}</p>']
    if len(result.shops) > 1:
        body.append("<ul>" + "".join(
            f'<li><a href="#shop-{i}">{e(s.shop_id)}</a> '
            f'<span class="{"PASS" if s.passed else "FAIL"}">{"PASS" if s.passed else "FAIL"}</span>'
            "</li>" for i, s in enumerate(result.shops)) + "</ul>")
    for i, shop in enumerate(result.shops):
        parts = [f'<section class="shop" id="shop-{i}"><h2>Shop {e(shop.shop_id)}</h2>',
                 _credit_html(shop), _dsr_html(shop), _checks_html(shop), _stars_html(shop)]
        history = _history_html(shop.shop_id, trend_doc) if trend_doc is not None else ""
        if history:
            parts.append(history)
        else:
            if trend_doc is not None:
                parts.append('<p class="note">This shop has no audits in the history.</p>')
            rolling = rolling_dsr(dsr, shop.shop_id, profile.dsr_items, as_of_local,
                                  profile.dsr_window_days)
            parts.append(_rolling_html(shop.shop_id, rolling, start))
        if shop.shop_id in by_shop:
            parts.append(_forecast_html(shop.shop_id, by_shop[shop.shop_id], days, bar, start))
        parts.append("</section>")
        body.append("".join(parts))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>shopscore report as of {e(result.as_of)}</title><style>{CSS}</style></head>"
            "<body>" + "\n".join(body) + "</body></html>\n")
