"""Figures (RULES.md sections 2 and 3): from the counted ratings to the credit score, level,
positive rate and period table, and each DSR item's mean, badge, star shares and industry
comparison. The 180-day DSR window is defined here, once."""

from __future__ import annotations

import numpy as np

from shopscore.scoring.result import Credit, Dsr, DsrItem, Tally
from shopscore.scoring.rules.industry import compare
from shopscore.scoring.rules.profile import Profile

DAY = np.timedelta64(1, "D")
STARS = (1, 2, 3, 4, 5)


def credit_figures(profile: Profile, positive: int, neutral: int, negative: int,
                   default_positive: int, periods: dict, excluded: dict, unrated: int) -> Credit:
    """The credit figures of one shop's counted ratings.

    score = positives - negatives; positive rate = positives / (positives + neutrals +
    negatives), undefined (None) without any; the level is the profile's level of the score.
    `periods` maps each period label to its (positive, neutral, negative) counts."""
    score = positive - negative
    rated = positive + neutral + negative
    level = profile.level_of(score)
    return Credit(score=score, level_index=level.index if level else 0,
                  level_name=level.name if level else None, positive=positive,
                  neutral=neutral, negative=negative, default_positive=default_positive,
                  positive_rate=positive / rated if rated else None,
                  periods={label: Tally(*counts) for label, counts in periods.items()},
                  excluded_by_reason=excluded, unrated=unrated)


def period_starts(profile: Profile, as_of: np.datetime64) -> dict:
    """Each period of the rating page (the profile's: last 7, 30, 180 days) by its start: a
    rating counts in the period when `start < rated_at <= as_of`."""
    return {label: as_of - days * DAY for label, days in profile.periods_days.items()}


def dsr_window_start(profile: Profile, as_of: np.datetime64) -> np.datetime64:
    """The start of the DSR window ending at as_of: a score counts when
    `as_of - window_days < dsr_rated_at <= as_of` (180 days)."""
    return as_of - profile.dsr_window_days * DAY


def in_dsr_window(profile: Profile, at: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    """Where scores given at `at` lie in the DSR window ending at as_of."""
    return (dsr_window_start(profile, as_of) < at) & (at <= as_of)


def window_sums(at: np.ndarray, stars: np.ndarray, ends: np.ndarray, window_days: int,
                times: np.ndarray | None = None):
    """For each moment e of `ends`, the number and the sum of the scores given at t with
    `e - window_days < t <= e` (the DSR window ending at e). `at` must be sorted ascending,
    `stars` in the same order; `times`: how many scores each (at, star) stands for (one).
    Returns (counts, sums) arrays shaped like `ends`."""
    times = np.ones(len(stars), dtype=np.int64) if times is None else times
    count = np.concatenate(([0], np.cumsum(times)))
    cum = np.concatenate(([0], np.cumsum(stars * times)))
    hi = np.searchsorted(at, ends, side="right")
    lo = np.searchsorted(at, ends - window_days * DAY, side="right")
    return count[hi] - count[lo], cum[hi] - cum[lo]


def dsr_item(count: int, total: int, stars: list, industry=None) -> DsrItem:
    """One DSR item of one shop from its counted scores: their number, their sum and how many
    of each of 1..5 stars. The mean at full precision; the badge truncated toward zero to one
    decimal (4.76 shows 4.7); the share of each star; the industry comparison."""
    score = total / count if count else None
    badge = (total * 10 // count) / 10 if count else None
    shares = {str(s): (stars[s - 1] / count if count else 0) for s in STARS}
    vs, basis, position = compare(score, industry)
    return DsrItem(score=score, count=count, total=total, shares=shares, badge=badge,
                   industry=industry.average if industry else None,
                   industry_best=industry.best if industry else None,
                   industry_lowest=industry.lowest if industry else None,
                   vs_industry=vs, vs_industry_basis=basis, position=position)


def dsr_figures(profile: Profile, items: dict, excluded: dict, orders: int) -> Dsr:
    """One shop's DSR from its items (name -> DsrItem): the seller items below industry
    are counted, since two green items bar a shop from most campaigns."""
    below = sum(items[name].position == "below" for name in profile.seller_items
                if name in items)
    return Dsr(window_days=profile.dsr_window_days, items=items,
               seller_items=profile.seller_items, items_below_industry=below,
               excluded_by_reason=excluded, orders=orders)
