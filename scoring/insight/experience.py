"""The experience score explained (the part no back office has): which orders, cases or chat
rounds cost a metric its points (explain --metric), what it takes to reach each metric's next
tier and which pays best (whatif), and how every metric and the total move as the 30-day
window rolls on with no new data (forecast)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd

from shopscore.scoring.engine.experience import experience_of, experience_tally
from shopscore.scoring.rules.checks import five_star_needed
from shopscore.scoring.rules.scorecard import exact, points_of, score
from shopscore.scoring.rules.service import HOUR, MEANS, Units, measure
from shopscore.scoring.rules.service_cases import REASONS, TYPES

DAY = np.timedelta64(1, "D")
UNIT_WORDS = {"orders": "order", "cases": "after-sale case", "rounds": "chat round",
              "sessions": "chat session"}


def _iso(value, tz) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).tz_localize(tz).isoformat()


def _text(column: pd.Series, rows: np.ndarray) -> list:
    values = column.iloc[rows].astype(object).to_numpy() if len(rows) else []
    return [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
            or not str(v).strip() else str(v).strip() for v in values]


def explain_metric(metric: str, units: Units, data, shop_ids: list, tz, limit: int = 0) -> dict:
    """Per shop, the members of the metric that cost it points: the bad ones of a rate (the
    orders, cases, rounds or sessions in its bad count) earliest first, and for a mean its
    members worst first (ties: earliest first); each with its ids, its times and its own
    figure. `limit` > 0 keeps the first `limit` of each shop (the count says how many there
    are)."""
    found = measure(metric, units)
    table = getattr(units, found.unit)
    shop = table.shop
    picked = found.member & (found.bad if found.bad is not None else True) & (shop >= 0)
    worst = metric in MEANS and metric != "goods_score"
    if metric == "pickup_points_mean":
        worst = False  # lower points cost more: the lowest first
    out = []
    for k, sid in enumerate(shop_ids):
        rows = np.flatnonzero(picked & (shop == k))
        figure = found.adds[rows]
        clock = _clock(found.unit, table)[rows].astype("datetime64[s]").view(np.int64)
        clock = np.where(clock == np.iinfo(np.int64).min, np.iinfo(np.int64).max, clock)
        order = np.lexsort((clock, -figure if worst else figure)) if metric in MEANS \
            else np.argsort(clock, kind="stable")
        rows = rows[order]
        shown = rows[:limit] if limit else rows
        out.append({"shop_id": sid, "unit": found.unit, "count": int(len(rows)),
                    "members": int(np.count_nonzero(found.member & (shop == k))),
                    "records": _records(metric, found.unit, table, shown, found, units, data,
                                        tz)})
    return {"metric": metric, "shops": out}


def merged_members(pieces: list, metric: str, shop_ids: list, limit: int = 0) -> dict:
    """explain_metric's answers of disjoint parts of the units (each part's own shops) as
    one: per shop, the counts added and the members in explain_metric's order (a mean's
    worst first, else by their clock), the first `limit` kept."""
    worst = metric in MEANS and metric not in ("goods_score", "pickup_points_mean")
    out = []
    for sid in shop_ids:
        mine = [e for piece in pieces for e in piece["shops"] if e["shop_id"] == sid]
        records = [r for e in mine for r in e["records"]]
        clock = _CLOCKS[mine[0]["unit"]] if mine else None
        records.sort(key=lambda r: (r[clock] is None, r[clock] or ""))  # earliest first
        if metric in MEANS:  # a member's own figure (a round's: its response seconds)
            records.sort(key=lambda r: -_own(r) if worst else _own(r))
        out.append({"shop_id": sid, "unit": mine[0]["unit"] if mine else _unit_of(metric),
                    "count": sum(e["count"] for e in mine),
                    "members": sum(e["members"] for e in mine),
                    "records": records[:limit] if limit else records})
    return {"metric": metric, "shops": out}


def _own(record: dict) -> float:
    return record["figure"] if "figure" in record else record["response_seconds"]


_CLOCKS = {"orders": "paid_at", "cases": "refunded_at", "rounds": "asked_at",
           "sessions": "started_at"}  # the record field of each unit's clock


def mean_members(units: Units, found, shop: int) -> dict:
    """Per mean metric among `found` (metric names), the shop's members' own values in the
    metric's unit."""
    out = {}
    for metric in found:
        if metric in MEANS:
            m = measure(metric, units)
            mine = m.member & (getattr(units, m.unit).shop == shop)
            out[metric] = m.adds[mine] / (MEANS[metric] or 1)
    return out


def _clock(unit: str, table) -> np.ndarray:
    return {"orders": lambda: table.paid, "cases": lambda: table.refunded_at,
            "rounds": lambda: table.start, "sessions": lambda: table.first_at}[unit]()


def _records(metric, unit, table, rows, found, units, data, tz) -> list:
    if not len(rows):
        return []
    figure = found.adds[rows] if metric in MEANS else None
    if unit == "orders":
        lines = data.lines.iloc[table.line[rows]]
        out = []
        for i, r in enumerate(rows):
            reason = int(table.first_reason[r])
            out.append({"order_id": str(lines["order_id"].iloc[i]),
                        "paid_at": _iso(table.paid[r], tz),
                        "collected_at": _iso(table.collected[r], tz),
                        "signed_at": _iso(table.signed[r], tz),
                        "delivery_due_at": _iso(table.due[r], tz),
                        "description": None if np.isnan(table.described[r])
                        else int(table.described[r]),
                        "after_sale_reason": REASONS[reason] if reason >= 0 else None,
                        "after_sale_type": TYPES[int(table.first_type[r])]
                        if table.first_type[r] >= 0 else None,
                        **_figure(metric, figure, i)})
        return out
    if unit == "cases":
        sales = data.after_sales
        ids = _text(sales["aftersale_id"], table.row[rows])
        orders = _text(sales["order_id"], table.row[rows])
        applied = sales["applied_at"].to_numpy("datetime64[ns]")[table.row[rows]]
        agreed = sales["agreed_at"].to_numpy("datetime64[ns]")[table.row[rows]] \
            if "agreed_at" in sales else np.full(len(rows), np.datetime64("NaT"))
        return [{"aftersale_id": ids[i], "order_id": orders[i], "type": TYPES[table.type[r]],
                 "applied_at": _iso(applied[i], tz), "agreed_at": _iso(agreed[i], tz),
                 "refunded_at": _iso(table.refunded_at[r], tz),
                 "review_hours": _hours(table.review_seconds[r]),
                 "seller_hours": _hours(table.seller_seconds[r]), **_figure(metric, figure, i)}
                for i, r in enumerate(rows)]
    chats = data.chats
    if unit == "rounds":
        sessions = _text(chats["session_id"], table.row[rows])
        buyers = _text(chats["buyer_id"], table.row[rows]) if "buyer_id" in chats \
            else [None] * len(rows)
        sent = chats["sent_at"].to_numpy("datetime64[ns]")
        return [{"session_id": sessions[i], "buyer_id": buyers[i],
                 "asked_at": _iso(table.start[r], tz),
                 "answered_at": _iso(sent[table.answer_row[r]], tz) if table.answered[r]
                 else None, "response_seconds": float(table.response[r]),
                 "answered": bool(table.answered[r])} for i, r in enumerate(rows)]
    sessions = _text(chats["session_id"], table.row[rows])
    return [{"session_id": sessions[i], "started_at": _iso(table.first_at[r], tz),
             "rating": None if np.isnan(table.rating[r]) else int(table.rating[r])}
            for i, r in enumerate(rows)]


def _hours(seconds) -> float | None:
    return None if np.isnan(seconds) else float(seconds) / HOUR


def _figure(metric: str, figure, i: int) -> dict:
    """A mean member's own figure, in the metric's unit."""
    if figure is None:
        return {}
    unit = MEANS[metric] or 1
    return {"figure": float(figure[i]) / unit}


# --- what if --------------------------------------------------------------------------------

def whatif_experience(card, found: dict, members: dict | None = None) -> dict:
    """Per scored metric of one shop (`found`: {metric: (MetricValue, exact value)}): the next
    tier's bound and points, how many units (at the current denominator) must turn good to
    reach it, and the total it would give; and the metric that gains the most total points
    per unit of work. `members` holds, per mean metric, its members' own values (in the
    metric's unit): a mean's units are its worst members brought to the bound."""
    members = members or {}
    values = {m: x for m, (_, x) in found.items()}
    bads = {m: v.bad for m, (v, _) in found.items()}
    valid = values.get("valid_paid_orders")
    now = score(card, values, bads, valid)
    now_total = _exact_total(card, values, bads, valid)
    rows, best = [], None
    for dim in card.dimensions:
        for rule in dim.metrics:
            m = found[rule.metric][0] if rule.metric in found else None
            entry = {"metric": rule.metric, "dimension": dim.name,
                     "value": None if m is None else m.value,
                     "points": _plain(now["points"].get(rule.metric)), "next_bound": None,
                     "next_points": None, "units_needed": None, "unit": None,
                     "total_then": None, "gain_per_unit": None}
            step = _next_tier(rule, values.get(rule.metric))
            if m is not None and m.value is not None and step is not None:
                bound, points = step
                needed, unit = _units_to(rule.metric, m, bound, rule.better,
                                         members.get(rule.metric))
                then = dict(values, **{rule.metric: exact(bound)})
                total = _exact_total(card, then, bads, valid)
                gain = None if total is None or now_total is None else total - now_total
                entry.update(next_bound=bound, next_points=points, units_needed=needed, unit=unit,
                             total_then=None if total is None else float(total),
                             gain_per_unit=None if gain is None or not needed
                             else float(gain / needed))
                if entry["gain_per_unit"] is not None and (
                        best is None or entry["gain_per_unit"] > best["gain_per_unit"]):
                    best = entry
            rows.append(entry)
    return {"total_now": None if now_total is None else float(now_total),
            "metrics": rows, "best": None if best is None else best["metric"]}


def _plain(points):
    return float(points) if isinstance(points, Fraction) else points


def _exact_total(card, values, bads, valid):
    """The scorecard's weighted total before clamping and rounding (exact), or None."""
    return score(card, values, bads, valid)["weighted"]


def _next_tier(rule, value):
    """The next better tier (bound, points) above the value's, or None at the top."""
    if rule.tiers is None or value is None:
        return None
    now = points_of(rule, value)
    better = [(b, p) for b, p in rule.tiers if exact(p) > exact(now)]
    if not better:
        return None
    # Tiers run from the best down: the nearest better one is the last of those.
    return better[-1]


def _units_to(metric: str, m, bound, better: str, own=None):
    """How many units must turn good for the value to reach `bound`, at its denominator."""
    d = m.denominator or 0
    if metric == "goods_score":
        return five_star_needed(int(m.numerator), d, float(bound)), "5-star orders to add"
    if metric in MEANS:
        if own is None or not d:
            return None, None
        return _worst_to_bound(own, exact(bound), better), f"{_unit_of(metric)} to bring to the bound"
    if not d:
        return None, None
    good = d - (m.bad or 0) if metric.endswith("_rate") else m.numerator
    if better == "higher":  # a good share: turn bad members good until good / d >= bound
        return max(0, math.ceil(exact(bound) * d) - good), f"{_unit_of(metric)} to turn good"
    bad = m.numerator  # a bad share: turn bad members good until bad / d <= bound
    return max(0, bad - math.floor(exact(bound) * d)), f"{_unit_of(metric)} to turn good"


def _worst_to_bound(own: np.ndarray, bound: Fraction, better: str) -> int:
    """The least number of a mean's worst members that, brought to the bound, bring the mean
    to it (the others as they are)."""
    values = np.sort(np.asarray(own, dtype=np.float64))
    if better == "lower":
        values = values[::-1]  # the slowest first
    excess = [Fraction(v) - bound for v in values]
    sign = 1 if better == "lower" else -1
    total = sum(excess) * sign  # how far the mean's total is past bound x count
    k = 0
    while total > 0 and k < len(excess):
        total -= excess[k] * sign  # this member now sits at the bound
        k += 1
    return k


def _unit_of(metric: str) -> str:
    if metric.startswith(("reply", "first_reply")):
        return "rounds"
    if metric.startswith("chat_"):
        return "sessions"
    if metric.startswith(("aftersale", "refund_hours")):
        return "cases"
    return "orders"


# --- forecast -------------------------------------------------------------------------------

def forecast_experience(units: Units, available: set, shop_ids: list, days: int, bar,
                        start) -> list:
    """Per shop, each day 0..days: the total, stage, display and each scored metric's value
    and points, as the window rolls on with no new data; the first day below `bar`."""
    tallies = [experience_tally(rolled(units, units.as_of + d * DAY), available, len(shop_ids))
               for d in range(days + 1)]
    return forecast_of(tallies, units.card, available, shop_ids, bar, start)


def forecast_of(tallies: list, card, available: set, shop_ids: list, bar, start) -> list:
    """forecast_experience from each day's experience tally (experience_tally, or a sum of
    the partitions')."""
    daily = [experience_of(t, card, available, len(shop_ids)) for t in tallies]
    out = []
    for k, sid in enumerate(shop_ids):
        series = [day[k] for day in daily]
        scored = [r.metric for d in card.dimensions for r in d.metrics]
        below = None
        if bar is not None:
            below = next((d for d, e in enumerate(series)
                          if e.total is None or e.total < bar), None)
        out.append({"shop_id": sid, "bar": bar, "first_below_day": below,
                    "days": [{"day": d, "at": (start + pd.Timedelta(days=d)).isoformat(),
                              "stage": e.stage, "total": e.total, "display": e.display,
                              "metrics": {m: {"value": e.metrics[m].value,
                                              "points": e.metrics[m].points}
                                          for m in scored if m in e.metrics}}
                             for d, e in enumerate(series)]})
    return out


def rolled(units: Units, as_of) -> Units:
    """The units read in the window ending at another moment."""
    return Units(units.orders, units.cases, units.rounds, units.sessions, units.card, as_of,
                 units.has_liable)
