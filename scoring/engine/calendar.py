"""The DSR scores of an audit by day, for the forecast and the report's trend: per shop and
item, how many scores of each star were given on each day before as_of, day k holding those
given in (as_of - (k+1) days, as_of - k days]. Counts add up over partitions, so a
partitioned audit forecasts as a whole one does, from a table of a few kilobytes a shop.

Exact, not an approximation: a DSR window (RULES.md section 3) ending at as_of ± whole days
holds a score given at t exactly when it holds one given at as_of - k days, k the day of t
(the window's bounds lie a whole number of days from as_of, and `x < n` is `floor(x) < n` for
a whole n), so each score may stand at the moment as_of - k days."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopscore.scoring.engine.tally import coded_reasons, is_code
from shopscore.scoring.rules.figures import DAY
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import COUNTED, OUTSIDE_DSR_WINDOW

COUNTED_ONLY, OUTSIDE = 0, 1  # the fates kept: counted, and outside the window only
TREND_DAYS = 90  # the days of the report's trend: scores up to window + 90 days old matter


def calendar_days(profile: Profile) -> int:
    """The days of scores kept: those a window ending up to TREND_DAYS days before as_of
    may hold."""
    return profile.dsr_window_days + TREND_DAYS


def calendar_tally(orders, shop: np.ndarray, shops: int, profile: Profile,
                   as_of: np.datetime64) -> dict:
    """`calendar:ITEM` per DSR item: (shops, 2, days, 5) counts of the orders' scores by shop
    position (`shop`, -1: none), fate (COUNTED_ONLY, OUTSIDE), day before as_of and star."""
    fate, names = coded_reasons(orders["fate"])
    kept = np.full(len(fate), -1, dtype=np.int64)
    kept[is_code(fate, names, COUNTED)] = COUNTED_ONLY
    kept[is_code(fate, names, OUTSIDE_DSR_WINDOW)] = OUTSIDE
    days = calendar_days(profile)
    at = orders["at"].to_numpy("datetime64[ns]")
    day = np.full(len(at), -1, dtype=np.int64)
    known = ~np.isnat(at)
    day[known] = (np.datetime64(as_of, "ns") - at[known]) // DAY
    use = (kept >= 0) & (shop >= 0) & (day >= 0) & (day < days)
    out = {}
    for name in profile.dsr_items:
        col = f"dsr_{name}"
        stars = orders[col].to_numpy(dtype="float64") if col in orders \
            else np.full(len(fate), np.nan)
        given = np.flatnonzero(use & ~np.isnan(stars))
        cell = ((shop[given] * 2 + kept[given]) * days + day[given]) * 5 + \
            (stars[given].astype(np.int64) - 1)
        out[f"calendar:{name}"] = np.bincount(cell, minlength=shops * 2 * days * 5) \
            .reshape(shops, 2, days, 5)
    return out


@dataclass
class DsrCalendar:
    """The scores by day of an audit's shops (`shop_ids`: the first axis of every table)."""

    shop_ids: list
    tables: dict  # item -> (shops, 2, days, 5) counts
    as_of: np.datetime64

    def scores(self, shop: str, item: str, outside: bool = False):
        """(moments, stars, how many) of one shop's scores of one item, oldest first: the
        counted ones (with `outside`, also those outside the window only), each day's
        standing at as_of - k days."""
        empty = (np.zeros(0, "datetime64[ns]"), np.zeros(0, np.int64), np.zeros(0, np.int64))
        if item not in self.tables or shop not in self.shop_ids:
            return empty
        table = self.tables[item][self.shop_ids.index(shop)]
        table = table[COUNTED_ONLY] + table[OUTSIDE] if outside else table[COUNTED_ONLY]
        day, star = np.nonzero(table[::-1])  # oldest day first
        day = table.shape[0] - 1 - day
        at = np.datetime64(self.as_of, "ns") - day * DAY
        return at, star.astype(np.int64) + 1, table[day, star].astype(np.int64)


def calendar_of(tally: dict | None, shop_ids: list, profile: Profile,
                as_of: np.datetime64) -> DsrCalendar | None:
    """The DsrCalendar of a calendar tally (None: the profile has no DSR)."""
    if tally is None or profile.dsr_window_days is None or not profile.dsr_items:
        return None
    return DsrCalendar(list(shop_ids), {name: tally[f"calendar:{name}"]
                                        for name in profile.dsr_items
                                        if f"calendar:{name}" in tally}, as_of)
