"""`shopscore whatif` and `shopscore forecast` (issue 5): how many good scores are needed, how many
bad ones can be absorbed, and how each DSR item moves as old scores leave the 180-day window.

cli/app.py registers this module's commands (`register(app)`). It imports cli.app only inside
the commands, so importing this module first never meets a half-initialised cli.app."""

from __future__ import annotations

import json
import math
import sys
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from shopscore.scoring.errors import OptionError
from shopscore.scoring.insight.whatif import ROUNDED, TRUNCATED, UNLIMITED

from .options import (
    AsOf,
    Debug,
    Encoding,
    Platform,
    Profile,
    Ratings,
    Rejects,
    Sheet,
    Shop,
    Strict,
    TableOrJson,
)
from .status import Fmt

SCHEMA_VERSION = 1
EXIT_HELP = ("Exit codes: 0 the answer was printed (whatever the scores); 2 could not run "
             "(bad usage, unreadable file, missing columns, --strict and a rejected row).")
SPARK = "▁▂▃▄▅▆▇█"
HORIZONS = (1, 7, 14, 30)
SCENARIO_LABEL = {"no_new_scores": "no new", "recent_pace": "pace"}


class Shown(StrEnum):
    rounded = ROUNDED
    truncated = TRUNCATED


# --- shared loading ----------------------------------------------------------------------

def _audit(trades, ratings, as_of, profile, industry, shop, platform, encoding, sheet,
           rejects, strict):
    """Load and audit as `shopscore audit` does; (profile, as_of, figures, result, decisions)."""
    from shopscore.scoring.engine.audit import audit
    from shopscore.scoring.rules.industry import parse_industry
    from shopscore.scoring.rules.profile import load_profile

    from .app import load_inputs, parse_as_of

    prof = load_profile(profile)
    when = parse_as_of(as_of, prof.tz)
    figures = parse_industry(industry, prof.dsr_items)
    data = load_inputs(trades, prof, ratings, platform, encoding, sheet, rejects, strict)
    result, decisions = audit(data, prof, when, figures, [], shop)
    if shop is not None and not result.shops:
        raise OptionError(f"--shop {shop!r}: no such shop in the data")
    return prof, when, figures, result, decisions


def _check_target(target: float, option: str = "--target"):
    if not (math.isfinite(target) and 0 < target <= 5):
        raise OptionError(f"{option} {target:g}: a DSR target lies above 0 and at most 5")


def _emit_json(doc: dict):
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def _count(value) -> str:
    if value is None:
        return "-"
    if value == UNLIMITED:
        return "unlimited"
    return str(value)


def _score(value, places: int = 5) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{places}f}"


def _percent(value) -> str:
    from .render import percent

    return percent(value)


# --- whatif --------------------------------------------------------------------------------

def whatif(
    trades: Annotated[list[Path] | None, typer.Argument(help="Trade lines (CSV, Parquet, Excel); "
                                                            "omit them for the snapshot form "
                                                            "(--score and --count).")] = None,
    ratings: Ratings = None,
    as_of: AsOf = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry averages, e.g. description=4.78,"
                                                 "service=4.80 (AVG[:BEST[:LOWEST]]).")] = None,
    target: Annotated[float | None, typer.Option("--target", "--min", help="The DSR bar to "
                                                 "reach or stay above (default from the "
                                                 "profile, 4.7).")] = None,
    target_rate: Annotated[float, typer.Option("--target-rate", help="The positive-rate bar, "
                                               "a fraction (0.98 = 98%, a common campaign "
                                               "bar).")] = 0.98,
    item: Annotated[str | None, typer.Option(help="Snapshot: the DSR item (description, "
                                             "service, shipping, logistics; default "
                                             "description).")] = None,
    score: Annotated[str | None, typer.Option(help="Snapshot: the mean the platform shows, "
                                              "e.g. 4.68.")] = None,
    count: Annotated[int | None, typer.Option(help="Snapshot: the number of scores it shows.",
                                              min=1)] = None,
    industry_avg: Annotated[float | None, typer.Option("--industry-avg", help="Snapshot: the "
                                                       "industry average of the item.")] = None,
    shown: Annotated[Shown, typer.Option(help="Snapshot: how the shown score was cut to its "
                                         "decimals: rounded (detail pages) or truncated (the "
                                         "shop badge: 4.76 shows 4.7).")] = Shown.rounded,
    shop: Shop = None,
    fmt: TableOrJson = Fmt.table,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    rejects: Rejects = None,
    strict: Strict = False,
    debug: Debug = False,
):
    """How many 5-star scores each DSR item needs, how many 1-star scores it can absorb.

    From the data (the audit's counted scores of the last 180 days), or from a snapshot of
    what the platform shows (--score 4.68 --count 30566): the sum is then round(score x count),
    so the answers are approximate to the rounding of the shown score, and their range is shown
    when the score has too few decimals to pin the sum down. Also the positive rate: positives
    needed to reach --target-rate, negatives (or neutrals) absorbable before falling below it."""
    from shopscore.scoring.insight.whatif import item_whatif, rate_whatif, snapshot_whatif
    from shopscore.scoring.rules.industry import parse_industry
    from shopscore.scoring.rules.profile import load_profile

    from .app import out, user_errors

    snapshot = any(v is not None for v in (item, score, count))
    with user_errors(debug):
        prof = load_profile(profile)
        bar = prof.default_min if target is None else target
        _check_target(bar)
        if not (math.isfinite(target_rate) and 0 < target_rate <= 1):
            raise OptionError(f"--target-rate {target_rate:g}: a positive rate lies above 0 and "
                              "at most 1 (0.98 is 98%)")
        if snapshot:
            if trades:
                raise OptionError("give either TRADES files or a snapshot (--score, --count), "
                                  "not both")
            if score is None or count is None:
                raise OptionError("a snapshot needs both --score (the shown mean) and --count")
            name = item or "description"
            if name not in prof.dsr_items:
                raise OptionError(f"--item {name!r}: expected one of {', '.join(prof.dsr_items)}")
            if industry_avg is None and industry:
                figure = parse_industry(industry, prof.dsr_items).get(name)
                industry_avg = figure.average if figure else None
            if industry_avg is not None:
                _check_target(industry_avg, "--industry-avg")
            snap = snapshot_whatif(name, score, count, bar, industry_avg, shown.value)
        else:
            if industry_avg is not None:
                raise OptionError("--industry-avg belongs to the snapshot form (--item, --score, "
                                  "--count); with TRADES files give --industry ITEM=AVG,...")
            if not trades:
                raise OptionError("give TRADES files to read, or a snapshot: --item ITEM "
                                  "--score 4.68 --count 30566")
            prof, when, figures, result, _ = _audit(trades, ratings, as_of, profile, industry,
                                                    shop, platform, encoding, sheet, rejects,
                                                    strict)
    if snapshot:
        doc = {"schema_version": SCHEMA_VERSION, "command": "whatif", "mode": "snapshot",
               "profile": prof.name, "target": bar, "snapshot": snap.to_dict()}
        if fmt is Fmt.json:
            _emit_json(doc)
        else:
            out.print(_snapshot_renderable(doc["snapshot"]))
        raise typer.Exit(0)

    shops = []
    for s in result.shops:
        items = {}
        for name in prof.seller_items:
            it = s.dsr.items[name]
            ind = figures.get(name)
            items[name] = item_whatif(name, it.total, it.count, bar,
                                      ind.average if ind else None).to_dict()
        c = s.credit
        rated = c.positive + c.neutral + c.negative
        shops.append({"shop_id": s.shop_id, "dsr": items,
                      "positive_rate": rate_whatif(c.positive, rated, target_rate).to_dict()})
    doc = {"schema_version": SCHEMA_VERSION, "command": "whatif", "mode": "data",
           "as_of": result.as_of, "profile": result.profile, "target": bar,
           "target_rate": target_rate, "shops": shops}
    if fmt is Fmt.json:
        _emit_json(doc)
    else:
        out.print(_whatif_renderable(doc))
    raise typer.Exit(0)


def _whatif_renderable(doc: dict) -> Group:
    parts = [Text(f"shopscore whatif as of {doc['as_of']} (profile {doc['profile']})",
                  style="bold")]
    for s in doc["shops"]:
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
        r = s["positive_rate"]
        rate = Table(box=box.SIMPLE, pad_edge=False, collapse_padding=True, title_justify="left",
                     title=f"Positive rate (all time), target {_percent(r['target'])}",
                     caption="negatives absorbable: extra negative (or neutral) ratings it can "
                             "take and stay at or above the target", caption_justify="left")
        for col in ("positive\nrate", "positive", "rated", "positives\nneeded",
                    "negatives\nabsorbable"):
            rate.add_column(col, justify="right")
        rate.add_row(_percent(r["rate"]), str(r["positive"]), str(r["rated"]),
                     _count(r["positives_needed"]), _count(r["negatives_absorbable"]))
        parts += [table, rate]
    return Group(*parts)


def _span(lo, hi) -> str:
    return _count(lo) if lo == hi else f"{_count(lo)} to {_count(hi)}"


def _snapshot_renderable(s: dict) -> Group:
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


# --- forecast ------------------------------------------------------------------------------

def forecast(
    trades: Annotated[list[Path], typer.Argument(help="Trade lines (CSV, Parquet, Excel).")],
    days: Annotated[int, typer.Option(help="How many days ahead.", min=1, max=3650)] = 30,
    ratings: Ratings = None,
    as_of: AsOf = None,
    profile: Profile = "taobao",
    industry: Annotated[str | None, typer.Option(help="Industry figures (as for audit; shown "
                                                 "only in JSON).")] = None,
    target: Annotated[float | None, typer.Option("--target", "--min", help="The bar each "
                                                 "seller item is held against (default from "
                                                 "the profile, 4.7).")] = None,
    recent: Annotated[int, typer.Option(help="Days whose pace and star mix the second scenario "
                                        "repeats.", min=1)] = 30,
    shop: Shop = None,
    fmt: TableOrJson = Fmt.table,
    platform: Platform = "auto",
    encoding: Encoding = None,
    sheet: Sheet = None,
    rejects: Rejects = None,
    strict: Strict = False,
    debug: Debug = False,
):
    """Project each DSR item's mean over the next days as scores leave the 180-day window.

    Two scenarios: no new scores at all, and new scores at the pace and star mix of the last
    --recent days (30). Shows the means at a few horizons, the first day each seller item
    would fall below the bar, and a chart of every day."""
    from shopscore.scoring.engine.decide import local_as_of
    from shopscore.scoring.insight.forecast import forecast as run_forecast

    from .app import out, user_errors

    with user_errors(debug):
        if target is not None:
            _check_target(target)
        prof, when, figures, result, decisions = _audit(trades, ratings, as_of, profile, industry,
                                                        shop, platform, encoding, sheet,
                                                        rejects, strict)
        if recent > prof.dsr_window_days:
            raise OptionError(f"--recent {recent}: at most the DSR window, "
                              f"{prof.dsr_window_days} days")
        bar = prof.default_min if target is None else target
        shops = [s.shop_id for s in result.shops]
        found = run_forecast(decisions.dsr, prof, local_as_of(when, prof), days, bar, shops,
                             recent)
    start = when.astimezone(prof.tz)
    doc = _forecast_doc(result, prof, found, days, bar, recent, start)
    if fmt is Fmt.json:
        _emit_json(doc)
    else:
        out.print(_forecast_renderable(doc, out.width))
    raise typer.Exit(0)


def _day_at(start, day: int) -> str:
    return (start + timedelta(days=day)).isoformat()


def _number(value, integral: bool):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(round(value)) if integral else float(value)


def _forecast_doc(result, prof, found, days, bar, recent, start) -> dict:
    shops = []
    for sf in found:
        items = {}
        for name, it in sf.items.items():
            entry = {"checked": it.checked,
                     "recent": {"days": recent, "count": it.recent_count, "sum": it.recent_total,
                                "daily_count": it.daily_count,
                                "daily_mean": (it.recent_total / it.recent_count
                                               if it.recent_count else None)}}
            for scenario, proj in it.projections.items():
                integral = scenario == "no_new_scores"
                scores = proj.score
                entry[scenario] = {
                    "first_fail_day": proj.first_fail_day,
                    "first_fail_at": (None if proj.first_fail_day is None
                                      else _day_at(start, proj.first_fail_day)),
                    "first_pass_day": proj.first_pass_day,
                    "days": [{"day": d, "at": _day_at(start, d),
                              "score": _number(float(scores[d]), False),
                              "count": _number(float(proj.count[d]), integral),
                              "sum": _number(float(proj.total[d]), integral)}
                             for d in range(days + 1)]}
            items[name] = entry
        shops.append({"shop_id": sf.shop_id, "items": items})
    return {"schema_version": SCHEMA_VERSION, "command": "forecast", "as_of": result.as_of,
            "profile": result.profile, "days": days, "window_days": prof.dsr_window_days,
            "recent_days": recent, "bar": bar, "seller_items": list(prof.seller_items),
            "shops": shops}


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


def _forecast_renderable(doc: dict, width: int = 80) -> Group:
    days = doc["days"]
    horizons = sorted({h for h in (*HORIZONS, days) if h <= days})
    long_dates = days > 300
    parts = [Text(f"shopscore forecast as of {doc['as_of']} (profile {doc['profile']}): next "
                  f"{days} days, bar {doc['bar']:g}, DSR window {doc['window_days']} days",
                  style="bold")]
    chart_width = max(10, min(days + 1, width - 40))
    for s in doc["shops"]:
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


def register(app: typer.Typer):
    """Add `whatif` and `forecast` to the shopscore app."""
    app.command("whatif", epilog=EXIT_HELP)(whatif)
    app.command("forecast", epilog=EXIT_HELP)(forecast)
