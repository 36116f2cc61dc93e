"""Credit points (RULES.md section 2): the fate of every buyer rating, decided once per line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import codes, is_value, lookup, position_dtype, where_true
from shopscore.scoring.engine.groups import combine_codes, group_first, group_starts
from shopscore.scoring.engine.ordering import sort_order
from shopscore.scoring.engine.windows import anchored_windows, capped_running_total, month_numbers
from shopscore.scoring.inputs.columns import CREDITS
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import COUNTED, CREDIT_ANOMALIES, CREDIT_FATES, UNRATED

DAY = np.timedelta64(1, "D")
# The record's `fate` and `anomaly` columns hold small int codes of these categories.
FATES, ANOMALIES = CREDIT_FATES, CREDIT_ANOMALIES
F = {code: np.int8(i) for i, code in enumerate(FATES)}
A = {code: np.int8(i) for i, code in enumerate(ANOMALIES)}


def decide_credit(lines: pd.DataFrame, profile: Profile, as_of: np.datetime64) -> pd.DataFrame:
    """One row per trade line: the rating it carries (if any) and its fate.

    Columns: points (+1/0/-1, or -9 without rating), at (the rating's date), is_default,
    fate (categorical of FATES: `counted`, `unrated` or an exclusion reason code), anomaly
    (categorical of ANOMALIES, missing when none), replaced_by (row of the rating counted in
    its place for same_item_14d, else -1), window_opened_by (row of the line whose trade opened
    the rating's 14-day same-item window, for every rating that reached that rule, else -1),
    month_total (nullable Int64: the running point total of the rating's (shop, buyer, month
    of creation) just before it, for every rating that reached the monthly cap, else missing)."""
    points = lookup(lines["credit"], CREDITS, -9, np.int8)
    rated = points != -9
    fate = _section_one(lines, rated, profile, as_of)
    anomaly = _revisions(lines, points, rated & (fate == F[UNRATED]), fate, profile, as_of)
    is_default = _default_positives(lines, rated, profile, as_of)
    points[is_default] = 1
    alive = rated & (fate == F[UNRATED])
    alive |= is_default
    del rated

    # Tiny trades score nothing (only when the data carries the amount).
    if "amount" in lines:
        amount = lines["amount"].to_numpy(dtype="float64")
        tiny = alive & (amount <= profile.low_amount_yuan + 1e-9)
        fate[tiny] = F["low_amount"]
        alive &= ~tiny
        del tiny

    created = lines["created_at"].to_numpy("datetime64[ns]")
    replaced_by, opened_by = _same_item(lines, created, points, fate, alive, profile)
    total_before, no_total = _monthly_cap(lines, created, points, fate, alive, profile)
    fate[alive] = F[COUNTED]
    del alive
    at = _rating_dates(lines, is_default, profile)
    replaced_by = replaced_by.astype(np.int64)  # one at a time: rows were kept narrow till now
    opened_by = opened_by.astype(np.int64)
    return pd.DataFrame({"points": points, "at": at, "is_default": is_default,
                         "fate": pd.Categorical.from_codes(fate, FATES),
                         "anomaly": pd.Categorical.from_codes(anomaly, ANOMALIES),
                         "replaced_by": replaced_by, "window_opened_by": opened_by,
                         "month_total": pd.arrays.IntegerArray(total_before, no_total)},
                        copy=False)  # the arrays are this frame's own


def _section_one(lines: pd.DataFrame, rated: np.ndarray, profile: Profile,
                 as_of: np.datetime64) -> np.ndarray:
    """Each line's fate code after section 1: UNRATED for a line without a rating and for a
    rating that passes; else the first rule it fails (nothing after as_of exists; then the
    rules in the order RULES.md lists them)."""
    rated_at = lines["rated_at"].to_numpy("datetime64[ns]")
    completed = lines["completed_at"].to_numpy("datetime64[ns]")
    created = lines["created_at"].to_numpy("datetime64[ns]")
    fate = np.full(len(lines), F[UNRATED], dtype=np.int8)

    def exclude(mask, code):
        fate[mask & (fate == F[UNRATED]) & rated] = F[code]

    exclude((rated_at > as_of) | (created > as_of), "after_as_of")
    exclude(~is_value(lines["status"], "success"), "not_success")
    exclude(~lines["escrow"].to_numpy(dtype=bool), "not_escrow")
    exclude(lines["refunded"].to_numpy(dtype=bool), "refunded")
    window = np.timedelta64(profile.rating_window_days, "D")
    exclude(~((completed <= rated_at) & (rated_at <= completed + window)), "outside_rating_window")
    return fate


def _revisions(lines: pd.DataFrame, points: np.ndarray, eligible: np.ndarray, fate: np.ndarray,
               profile: Profile, as_of: np.datetime64) -> np.ndarray:
    """Each line's anomaly code (-1: none), with the valid revisions applied to points and
    fate in place. Only ratings that passed section 1 (`eligible`) are examined; revisions
    after as_of do not exist yet."""
    anomaly = np.full(len(lines), -1, dtype=np.int8)
    revised_at = lines["revised_at"].to_numpy("datetime64[ns]")
    revised = where_true(eligible & ~np.isnat(revised_at) & (revised_at <= as_of))
    revised_at = revised_at[revised]
    rated_at = lines["rated_at"].to_numpy("datetime64[ns]")[revised]
    of_positive = points[revised] == 1
    late = ~of_positive & (revised_at > rated_at + profile.revision_days * DAY)
    early = ~of_positive & ~late & (revised_at < rated_at)
    anomaly[revised[of_positive]] = A["revision_of_positive"]
    anomaly[revised[late]] = A["revision_after_30_days"]
    anomaly[revised[early]] = A["revision_before_rating"]
    valid = ~(of_positive | late | early)
    points[revised[valid & is_value(lines["revised_to"], "positive")[revised]]] = 1
    fate[revised[valid & is_value(lines["revised_to"], "deleted")[revised]]] = F["deleted"]
    return anomaly


def _default_positives(lines: pd.DataFrame, rated: np.ndarray, profile: Profile,
                       as_of: np.datetime64) -> np.ndarray:
    """Where a default positive stands in for a rating: a rateable line the buyer never
    rated, that the seller rated positive default_positive_days or more before as_of."""
    seller_at = lines["seller_rated_at"].to_numpy("datetime64[ns]")
    # seller_at + days <= as_of, compared without a column of sums (NaT: False either way).
    latest = as_of - profile.default_positive_days * DAY
    return (~rated & is_value(lines["status"], "success") & lines["escrow"].to_numpy(dtype=bool)
            & ~lines["refunded"].to_numpy(dtype=bool)
            & is_value(lines["seller_credit"], "positive") & (seller_at <= latest)
            & (lines["created_at"].to_numpy("datetime64[ns]") <= as_of))


def _rating_dates(lines: pd.DataFrame, is_default: np.ndarray, profile: Profile) -> np.ndarray:
    """Each line's rating date: rated_at, or for a default positive the day it fell due."""
    at = lines["rated_at"].to_numpy("datetime64[ns]", copy=True)
    due = lines["seller_rated_at"].to_numpy("datetime64[ns]")[is_default]
    at[is_default] = due + profile.default_positive_days * DAY
    return at


def _same_item(lines: pd.DataFrame, created: np.ndarray, points: np.ndarray, fate: np.ndarray,
               alive: np.ndarray, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Same (shop, buyer, item) within the anchored 14-day windows: of the ratings alive, one
    of each kind per window counts; the others become same_item_14d (fate and alive updated
    in place). Returns replaced_by and window_opened_by (position_dtype, -1 where none)."""
    n = len(lines)
    idx = where_true(alive)
    if not idx.size:
        return np.full(n, -1, dtype=position_dtype(n)), np.full(n, -1, dtype=position_dtype(n))
    group = combine_codes(*(codes(lines[c], idx, dtype=None) for c in ("shop_id", "buyer_id", "item_id")))
    rows, group, times = sort_order(group, created, idx, lines["order_id"], lines["line_id"])
    del idx
    win = anchored_windows(group, times, profile.same_item_window_days * DAY)
    del group, times
    opened_by = np.full(n, -1, dtype=position_dtype(n))
    opened_by[rows] = rows[group_first(win)]
    replaced_by = np.full(n, -1, dtype=position_dtype(n))
    kind = points[rows]
    for value in (1, 0, -1):  # per kind, rows stay in window order: the first one counts
        mine = kind == value
        mine, mine_win = rows[mine], win[mine]
        dup = ~group_starts(mine_win)
        replaced = mine[dup]
        replaced_by[replaced] = mine[group_first(mine_win)][dup]
        fate[replaced] = F["same_item_14d"]
        alive[replaced] = False
    return replaced_by, opened_by


def _monthly_cap(lines: pd.DataFrame, created: np.ndarray, points: np.ndarray, fate: np.ndarray,
                 alive: np.ndarray, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Monthly cap: per (shop, buyer, month of creation), a running total kept within
    -cap..cap; the ratings alive that would leave it become monthly_cap (fate and alive
    updated in place). Returns each line's running total just before it (int64) and where
    there is none (the rating did not reach the cap)."""
    n = len(lines)
    idx = where_true(alive)
    if not idx.size:
        return np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    group = combine_codes(codes(lines["shop_id"], idx, dtype=None),
                          codes(lines["buyer_id"], idx, dtype=None), month_numbers(created[idx]))
    rows, group = sort_order(group, created, idx, lines["order_id"], lines["line_id"])[:2]
    del idx
    ordered_points = points[rows]
    keep, total = capped_running_total(group, ordered_points, profile.monthly_cap_points)
    del group
    np.subtract(total, ordered_points, out=total, where=keep)  # the total before each rating
    total_before, no_total = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    total_before[rows] = total
    no_total[rows] = False
    capped = rows[~keep]
    fate[capped] = F["monthly_cap"]
    alive[capped] = False
    return total_before, no_total
