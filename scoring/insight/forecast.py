"""Forecast (issue 5): each DSR item's mean over the next days, as scores leave the window.

A score given at t counts on day d (the moment as_of + d days) while
`as_of_d - window < t <= as_of_d` (RULES.md section 3). Nothing after as_of exists, so the
scores that count on a later day are those counted now, less those that have left, plus any
new ones. Two scenarios:

- `no_new_scores`: nobody scores the shop again;
- `recent_pace`: new scores arrive at the daily rate and star mix of the last `recent_days`
  days (expected values, so counts may be fractional). The new scores of day k are given at
  as_of + k days: on day d those of days max(1, d - window + 1)..d count, min(d, window) days.

A check `item >= bar` fails on a day whose mean is below the bar or undefined (no scores).
Everything is vectorised: one sort and one cumulative sum per item, one searchsorted over
the days."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from shopscore.scoring.engine.calendar import DsrCalendar
from shopscore.scoring.result import SCHEMA_VERSION
from shopscore.scoring.rules.figures import window_sums

DAY = np.timedelta64(1, "D")
SCENARIOS = ("no_new_scores", "recent_pace")


@dataclass(frozen=True)
class Projection:
    """One item under one scenario, for days 0 (as_of) .. N."""

    count: np.ndarray  # float64, len N + 1
    total: np.ndarray  # float64, len N + 1
    first_fail_day: int | None  # first day the check fails (0: it fails already)
    first_pass_day: int | None  # first day the check passes (0: it passes already)

    @property
    def score(self) -> np.ndarray:
        """The mean per day; NaN on a day with no scores."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.count > 0, self.total / np.where(self.count > 0, self.count, 1),
                            np.nan)


@dataclass(frozen=True)
class ItemForecast:
    item: str
    checked: bool  # a seller item, held against the bar
    recent_count: int  # counted scores of the last recent_days days
    recent_total: int
    recent_days: int
    projections: dict  # scenario -> Projection

    @property
    def daily_count(self) -> float:
        return self.recent_count / self.recent_days

    @property
    def daily_total(self) -> float:
        return self.recent_total / self.recent_days


@dataclass(frozen=True)
class ShopForecast:
    shop_id: str
    items: dict  # item -> ItemForecast


def first_day(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def project(at, stars, as_of, days: int, window_days: int, recent_days: int = 30,
            bar: float | None = None, times=None) -> tuple[dict, int, int]:
    """Project one item: `at` (datetime64) and `stars` of its counted scores, all within
    (as_of - window, as_of] (`times`: how many scores each stands for, one). Returns
    ({scenario: Projection}, recent_count, recent_total)."""
    at = np.asarray(at, dtype="datetime64[ns]")
    stars = np.asarray(stars, dtype=np.int64)
    times = np.ones(len(stars), np.int64) if times is None else np.asarray(times, np.int64)
    as_of = np.datetime64(as_of, "ns")
    order = np.argsort(at, kind="stable")
    at, stars, times = at[order], stars[order], times[order]
    d = np.arange(days + 1)
    # Still counted on day d: in the DSR window ending at as_of + d days.
    base_count, base_total = (x.astype(np.float64) for x in window_sums(
        at, stars, as_of + d * DAY, window_days, times))
    recent_count, recent_total = (int(x[0]) for x in window_sums(
        at, stars, np.array([as_of]), recent_days, times))
    arrived = np.minimum(d, window_days).astype(np.float64)  # days of new scores still counted
    pace_count = base_count + arrived * (recent_count / recent_days)
    pace_total = base_total + arrived * (recent_total / recent_days)
    out = {}
    for name, count, total in (("no_new_scores", base_count, base_total),
                               ("recent_pace", pace_count, pace_total)):
        if bar is None:
            out[name] = Projection(count, total, None, None)
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            passes = (count > 0) & (total / np.where(count > 0, count, 1) >= bar)
        out[name] = Projection(count, total, first_day(~passes), first_day(passes))
    return out, recent_count, recent_total


def forecast(calendar: DsrCalendar | None, profile, as_of: np.datetime64, days: int = 30,
             bar: float | None = None, shops=None, recent_days: int = 30) -> list[ShopForecast]:
    """Forecast every shop (`shops`, else the calendar's) from the audit's counted scores by
    day (engine/calendar.py), as of the local `as_of` (engine/decide.py local_as_of). `bar`
    defaults to the profile's (4.7); checks are held on the seller items only."""
    if days < 0 or recent_days <= 0 or recent_days > profile.dsr_window_days:
        raise ValueError("days >= 0 and 0 < recent_days <= the DSR window")
    bar = profile.default_min if bar is None else bar
    if calendar is None:  # a profile without DSR rules: nothing to project
        return [ShopForecast(str(sid), {}) for sid in (shops or [])]
    out = []
    for sid in (calendar.shop_ids if shops is None else shops):
        items = {}
        for name in profile.dsr_items:
            at, stars, times = calendar.scores(str(sid), name)
            checked = name in profile.seller_items
            proj, rc, rt = project(at, stars, as_of, days, profile.dsr_window_days,
                                   recent_days, bar if checked else None, times)
            items[name] = ItemForecast(name, checked, rc, rt, recent_days, proj)
        out.append(ShopForecast(str(sid), items))
    return out


def _day_at(start, day: int) -> str:
    return (start + timedelta(days=day)).isoformat()


def _number(value, integral: bool):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(round(value)) if integral else float(value)


def forecast_doc(result, prof, found, days, bar, recent, start) -> dict:
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
