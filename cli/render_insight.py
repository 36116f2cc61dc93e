"""Renderers of the insight commands (explain, whatif, forecast, trend): their JSON document in,
Rich renderables out; nothing is computed."""

from __future__ import annotations

import math

import numpy as np
from rich import box
from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .render import num, percent
from .render_experience import experience_forecast_renderable, experience_whatif_renderable
from .safe import plain, scrubbed, terminal

SPARK = "▁▂▃▄▅▆▇█"
HORIZONS = (1, 7, 14, 30)
SCENARIO_LABEL = {"no_new_scores": "no new", "recent_pace": "pace"}
UNLIMITED = math.inf


def _style(rec: dict) -> str:
    if rec["counted"]:
        return "green"
    return "dim" if rec["fate"] == "unrated" else "red"


def _head(rec: dict) -> str:
    parts = [f"order {rec['order_id']}"]
    if rec.get("line_id") and rec["line_id"] != rec["order_id"]:
        parts[0] += f" line {rec['line_id']}"
    for key, word in (("buyer_id", "buyer"), ("item_id", "item")):
        if rec.get(key):
            parts.append(f"{word} {rec[key]}")
    for key, word in (("created_at", "created"), ("completed_at", "completed")):
        if rec.get(key):
            parts.append(f"{word} {rec[key][:16].replace('T', ' ')}")
            break
    return " · ".join(parts)


def _entry(rec: dict) -> Group:
    label, _, rest = rec["why"].partition(": ")
    body = Text(label.upper(), style=f"bold {_style(rec)}")
    body.append(f": {rest}" if rest else "")
    parts = [Text("• " + _head(rec), style="bold"), Padding(body, (0, 0, 0, 2), expand=False)]
    if rec.get("anomaly_why"):
        parts.append(Padding(Text(rec["anomaly_why"], style="yellow"), (0, 0, 0, 2), expand=False))
    return Group(*parts)


def _counts(table: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in table.items()) or "none"


def explanation_renderable(doc: dict) -> Group:
    doc = scrubbed(doc, plain)  # data made safe to show (safe.py); Text parses no markup
    sel = ", ".join(f"{k} {v}" for k, v in doc["selection"].items() if v is not None)
    s = doc["summary"]
    c, d = s["credit"], s["dsr"]
    parts = [Text(f"shopscore explain as of {doc['as_of']} (profile {doc['profile']}): {sel}",
                  style="bold")]
    parts.append(Text(f"\nCredit ratings ({len(doc['credit'])} line(s)): counted positive "
                      f"{c['positive']}, neutral {c['neutral']}, negative {c['negative']} "
                      f"(default positives {c['default_positive']}); excluded: "
                      f"{_counts(c['excluded_by_reason'])}; unrated lines {c['unrated_lines']}",
                      style="bold"))
    parts += [_entry(rec) for rec in doc["credit"]]
    parts.append(Text(f"\nDSR ({len(doc['dsr'])} order(s)): counted {d['counted']}; excluded: "
                      f"{_counts(d['excluded_by_reason'])}", style="bold"))
    parts += [_entry(rec) for rec in doc["dsr"]] or [Text("  no DSR-scored order", style="dim")]
    if s["anomalies_by_reason"]:
        parts.append(Text(f"\nAnomalies: {_counts(s['anomalies_by_reason'])}", style="yellow"))
    return Group(*parts)

def _count(value) -> str:
    if value is None:
        return "-"
    if value == UNLIMITED:
        return "unlimited"
    return str(value)


def _score(value, places: int = 5) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{places}f}"




def whatif_renderable(doc: dict) -> Group:
    doc = scrubbed(doc)  # data made safe to show (safe.py)
    parts = [Text(f"shopscore whatif as of {doc['as_of']} (profile {doc['profile']})",
                  style="bold")]
    for s in doc["shops"]:
        if s.get("experience"):
            parts.append(experience_whatif_renderable(s["shop_id"], s["experience"]))
        if s["dsr"] is None:
            continue
        table = Table(box=box.SIMPLE_HEAVY, pad_edge=False, collapse_padding=True, title_justify="left",
                      title=f"Shop {s['shop_id']}: DSR (last 180 days), target {doc['target']:g}",
                      caption="5★ needed: extra 5-star scores that lift the mean to the target "
                              "(or the industry average); 1★ absorbable: extra 1-star scores "
                              "it can take and stay at or above it; - : already below",
                      caption_justify="left")
        for col in ("item", "score", "count", "5★\nneeded", "1★\nabsorbable", "industry",
                    "5★ to\nindustry", "1★ before\nindustry"):
            table.add_column(col, justify="left" if col == "item" else "right")
        for name, it in s["dsr"].items():
            table.add_row(name, _score(it["score"]), str(it["count"]),
                          _count(it["five_star_needed"]), _count(it["one_star_absorbable"]),
                          "-" if it["industry"] is None else f"{it['industry']:g}",
                          _count(it["five_star_needed_for_industry"]),
                          _count(it["one_star_absorbable_before_industry"]))
        parts.append(table)
        r = s["positive_rate"]
        if r is None:
            continue
        rate = Table(box=box.SIMPLE, pad_edge=False, collapse_padding=True, title_justify="left",
                     title=f"Positive rate (all time), target {percent(r['target'])}",
                     caption="negatives absorbable: extra negative (or neutral) ratings it can "
                             "take and stay at or above the target", caption_justify="left")
        for col in ("positive\nrate", "positive", "rated", "positives\nneeded",
                    "negatives\nabsorbable"):
            rate.add_column(col, justify="right")
        rate.add_row(percent(r["rate"]), str(r["positive"]), str(r["rated"]),
                     _count(r["positives_needed"]), _count(r["negatives_absorbable"]))
        parts.append(rate)
    return Group(*parts)


def _span(lo, hi) -> str:
    return _count(lo) if lo == hi else f"{_count(lo)} to {_count(hi)}"


def snapshot_renderable(s: dict) -> Group:
    s = scrubbed(s)  # data made safe to show (safe.py)
    table = Table(box=box.SIMPLE_HEAVY, pad_edge=False, collapse_padding=True, title_justify="left",
                  title=f"Snapshot: {s['item']} shown as {s['score_shown']:g} "
                        f"({s['shown_as']}), {s['count']} scores")
    for col in ("", "estimate", "range"):
        table.add_column(col, justify="left" if not col else "right")
    lo, hi = s["sum_range"]
    table.add_row("sum of stars", str(s["sum"]), _span(lo, hi))
    table.add_row(f"5★ needed to reach {s['target']:g}", _count(s["five_star_needed"]),
                  _span(*s["five_star_needed_range"]))
    table.add_row(f"1★ absorbable above {s['target']:g}", _count(s["one_star_absorbable"]),
                  _span(*s["one_star_absorbable_range"]))
    if s["industry"] is not None:
        ind = f"{s['industry']:g}"
        table.add_row(f"5★ needed to reach industry {ind}",
                      _count(s["five_star_needed_for_industry"]),
                      _span(*s["five_star_needed_for_industry_range"]))
        table.add_row(f"1★ absorbable above industry {ind}",
                      _count(s["one_star_absorbable_before_industry"]),
                      _span(*s["one_star_absorbable_before_industry_range"]))
    note = (f"Approximate: the platform shows a {s['shown_as']} mean, so the sum is taken as "
            f"round({s['score_shown']:g} x {s['count']}) = {s['sum']}; every sum from {lo} to {hi} "
            f"shows as {s['score_shown']:g}.")
    note += (" Each of them gives the same answers." if s["exact"] else
             " The range is what those sums give; more decimals of the score narrow it.")
    note += " (- : already below.)"
    return Group(table, Text(note))

def _fail_text(first_fail_day, at: str | None, long_dates: bool) -> Text:
    if first_fail_day is None:
        return Text("never", style="green")
    if first_fail_day == 0:
        return Text("now", style="bold red")
    return Text(f"{at[:10] if long_dates else at[5:10]} (d{first_fail_day})", style="bold red")


def sparkline(values, bar: float | None, lo: float, hi: float, width: int) -> Text:
    """One block character per day (per group of days when there are more than `width`: the
    group's lowest mean), scaled from lo (▁) to hi (█); red where below the bar, a blank
    where there is no mean."""
    vals = np.asarray(values, dtype=np.float64)
    if vals.size > width:
        groups = np.array_split(vals, width)
        vals = np.array([np.nan if np.isnan(g).all() else np.nanmin(g) for g in groups])
    text = Text()
    for v in vals:
        if np.isnan(v):
            text.append(" ")
            continue
        level = 0 if hi - lo < 1e-12 else int(round((v - lo) / (hi - lo) * (len(SPARK) - 1)))
        below = bar is not None and v < bar
        text.append(SPARK[min(max(level, 0), len(SPARK) - 1)], style="red" if below else "green")
    return text


def forecast_renderable(doc: dict, width: int = 80) -> Group:
    doc = scrubbed(doc)  # data made safe to show (safe.py)
    days = doc["days"]
    horizons = sorted({h for h in (*HORIZONS, days) if h <= days})
    long_dates = days > 300
    dsr = any(s["items"] for s in doc["shops"])
    parts = [Text(f"shopscore forecast as of {doc['as_of']} (profile {doc['profile']}): next "
                  f"{days} days" + (f", bar {doc['bar']:g}, DSR window {doc['window_days']} days"
                                    if dsr else ""), style="bold")]
    chart_width = max(10, min(days + 1, width - 40))
    for s in doc["shops"]:
        if s.get("experience"):
            parts.append(experience_forecast_renderable(s["experience"], (0, *horizons)))
        if not s["items"]:
            continue
        tables = {}
        for scenario, what in (("no_new_scores", "if no new scores arrive"),
                               ("recent_pace", f"at the pace and star mix of the last "
                                               f"{doc['recent_days']} days")):
            table = Table(box=box.SIMPLE_HEAVY, pad_edge=False, collapse_padding=True, title_justify="left",
                          title=f"Shop {s['shop_id']}: projected DSR {what}")
            for col in ("item", "now", *(f"+{h}d" for h in horizons), "below\nbar from"):
                table.add_column(col, justify="left" if col == "item" else "right")
            tables[scenario] = table
        chart = Table(box=box.SIMPLE, pad_edge=False, collapse_padding=True, title_justify="left",
                      title=f"Every day, now to +{days}d (red: below {doc['bar']:g})",
                      caption="* not the seller's DSR, not checked", caption_justify="left")
        for col in ("item", "scenario", "chart", "scale"):
            chart.add_column(col, justify="left", no_wrap=True)
        for name, it in s["items"].items():
            label = name if it["checked"] else f"{name}*"
            series = {sc: [np.nan if d["score"] is None else d["score"] for d in it[sc]["days"]]
                      for sc in tables}
            known = [v for sc in tables for v in series[sc] if not np.isnan(v)]
            lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
            for i, (scenario, table) in enumerate(tables.items()):
                p = it[scenario]
                scores = series[scenario]
                fail = (_fail_text(p["first_fail_day"], p["first_fail_at"], long_dates)
                        if it["checked"] else Text("-"))
                table.add_row(label, _score(scores[0]), *(_score(scores[h]) for h in horizons), fail)
                chart.add_row(label if i == 0 else "", SCENARIO_LABEL[scenario],
                              sparkline(scores, doc["bar"] if it["checked"] else None, lo, hi,
                                        chart_width),
                              (f"{lo:.3f}-{hi:.3f}" if known else "-") if i == 0 else "")
        pace = Table(box=box.SIMPLE, pad_edge=False, collapse_padding=True, title_justify="left",
                     title=f"Recent pace, last {doc['recent_days']} days")
        for col in ("item", "scores", "per day", "mean"):
            pace.add_column(col, justify="left" if col == "item" else "right")
        for name, it in s["items"].items():
            r = it["recent"]
            pace.add_row(name if it["checked"] else f"{name}*", str(r["count"]),
                         f"{r['daily_count']:.2f}", _score(r["daily_mean"]))
        parts += [*tables.values(), pace, chart]
    return Group(*parts)

def _is_rate(metric: str) -> bool:
    return metric.endswith("positive_rate") or ".shares." in metric


def _value(metric: str, value) -> str:
    if value is None:
        return "-"
    return percent(value) if _is_rate(metric) else num(value)


def _delta(metric: str, delta) -> Text:
    if delta is None:
        return Text("")
    if _is_rate(metric):
        text = f"{delta * 100:+.3f}pp"
    elif isinstance(delta, int):
        text = f"{delta:+d}"
    else:
        text = f"{delta:+.5f}"
    zero = delta == 0 or text.strip("+-0.p") == ""
    return Text(text, style="dim" if zero else "green" if delta > 0 else "red")


def _when(as_of: str) -> str:
    """2026-11-22 for a midnight as_of, else 2026-11-22 06:00; the offset left out."""
    text = as_of[:19].replace("T", " ")
    return text[:10] if text.endswith("00:00:00") else text[:16]


def trend_renderable(doc: dict, path) -> Group:
    """One table per shop: each figure over time (a section per figure), with the change."""
    doc, path = scrubbed(doc), terminal(path)  # data made safe to show (safe.py)
    parts = []
    for shop in doc["shops"]:
        table = Table(box=box.SIMPLE_HEAVY, title=f"Shop {shop['shop_id']}: {len(shop['as_of'])} "
                      f"audit(s) in {path}", title_justify="left")
        for col in ("figure", "as_of", "value", "change"):
            table.add_column(col, justify="right" if col in ("value", "change") else "left")
        for n, series in enumerate(shop["metrics"]):
            if n:
                table.add_section()
            for i, point in enumerate(series["points"]):
                table.add_row(series["metric"] if i == 0 else "", _when(point["as_of"]),
                              _value(series["metric"], point["value"]),
                              _delta(series["metric"], point["delta"]))
        parts.append(table)
    if not parts:
        parts.append(Text(f"{path}: no audits stored yet", style="dim"))
    return Group(*parts)
