"""Credit points (RULES.md section 2): the fate of every buyer rating, decided once per line.

In the order the rules apply: section 1 (rules/eligibility.py), revisions, default positives,
tiny trades, the same item within 14 days, the monthly cap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import is_value, lookup, no_rows, where_true
from shopscore.scoring.engine.groups import group_first, group_starts
from shopscore.scoring.engine.ordering import grouped_in_order
from shopscore.scoring.engine.windows import anchored_windows, capped_running_total
from shopscore.scoring.inputs.columns import CREDITS
from shopscore.scoring.rules.eligibility import CREDIT, credit_fates, rateable, rated_by_as_of
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import COUNTED, CREDIT_ANOMALIES, CREDIT_FATES, UNRATED

DAY = np.timedelta64(1, "D")
NO_RATING = -9  # the points of a line without a buyer rating
ANOMALY = {code: i for i, code in enumerate(CREDIT_ANOMALIES)}
SAME_ITEM_KEYS = ("shop_id", "buyer_id", "item_id")
MONTH_KEYS = ("shop_id", "buyer_id")
ORDER_BY = ("order_id", "line_id")  # ties on created_at: order_id, then line_id


def decide_credit(lines: pd.DataFrame, profile: Profile, as_of: np.datetime64) -> pd.DataFrame:
    """One row per trade line: the rating it carries (if any) and its fate.

    Columns: points (+1/0/-1, or -9 without rating), at (the rating's date), is_default,
    rating_after_as_of (a default positive's line whose buyer rating was given after as_of:
    that rating row counts under after_as_of, the line as its default), fate (categorical
    of CREDIT_FATES: `counted`, `unrated` or an exclusion reason code), anomaly
    (categorical of CREDIT_ANOMALIES, missing when none), replaced_by (row of the rating
    counted in its place for same_item_14d, else -1), window_opened_by (row of the line whose
    trade opened the rating's 14-day same-item window, for every rating that reached that
    rule, else -1), month_total (nullable Int64: the running point total of the rating's
    (shop, buyer, month of creation) just before it, for every rating that reached
    the monthly cap, else missing)."""
    points = lookup(lines["credit"], CREDITS, NO_RATING, np.int8)
    rated = points != NO_RATING
    fate = credit_fates(lines, rated, profile, as_of)
    anomaly = _revisions(lines, points, rated & (fate == CREDIT[UNRATED]), fate, profile, as_of)
    # Nothing after as_of exists: a line rated only after as_of is unrated as of as_of, and
    # its default positive applies; the rating row itself stays counted under after_as_of.
    by_as_of = rated_by_as_of(lines, rated, as_of)
    is_default = _default_positives(lines, by_as_of, profile, as_of)
    set_aside = is_default & rated & ~by_as_of  # the late rating: after_as_of, beside it
    points[is_default] = 1
    fate[set_aside] = CREDIT[UNRATED]  # the line's own fate is its default's, decided below
    alive = (rated & (fate == CREDIT[UNRATED])) | is_default  # the ratings still counting
    _tiny_trades(lines, fate, alive, profile)
    created = lines["created_at"].to_numpy("datetime64[ns]")
    replaced_by, opened_by = _same_item(lines, created, points, fate, alive, profile)
    total_before, no_total = _monthly_cap(lines, created, points, fate, alive, profile)
    fate[alive] = CREDIT[COUNTED]
    return pd.DataFrame({"points": points, "at": _rating_dates(lines, is_default, profile),
                         "is_default": is_default, "rating_after_as_of": set_aside,
                         "fate": pd.Categorical.from_codes(fate, CREDIT_FATES),
                         "anomaly": pd.Categorical.from_codes(anomaly, CREDIT_ANOMALIES),
                         "replaced_by": replaced_by.astype(np.int64),
                         "window_opened_by": opened_by.astype(np.int64),
                         "month_total": pd.arrays.IntegerArray(total_before, no_total)},
                        copy=False)  # the arrays are this frame's own


def _revisions(lines: pd.DataFrame, points: np.ndarray, eligible: np.ndarray, fate: np.ndarray,
               profile: Profile, as_of: np.datetime64) -> np.ndarray:
    """Revisions (修改/删除): a neutral or negative revised within revision_days (30,
    inclusive) of its rating counts as positive, or, deleted, as unrated without a default;
    a revision of a positive, a late one or one dated before the rating is an anomaly and the
    original rating stays. Only ratings that passed section 1 (`eligible`) are examined;
    revisions after as_of do not exist yet. Applies the valid ones to points and fate in
    place; returns each line's anomaly number (-1: none)."""
    anomaly = np.full(len(lines), -1, dtype=np.int8)
    revised_at = lines["revised_at"].to_numpy("datetime64[ns]")
    revised = where_true(eligible & ~np.isnat(revised_at) & (revised_at <= as_of))
    revised_at = revised_at[revised]
    rated_at = lines["rated_at"].to_numpy("datetime64[ns]")[revised]
    of_positive = points[revised] == 1
    late = ~of_positive & (revised_at > rated_at + profile.revision_days * DAY)
    early = ~of_positive & ~late & (revised_at < rated_at)
    anomaly[revised[of_positive]] = ANOMALY["revision_of_positive"]
    anomaly[revised[late]] = ANOMALY["revision_after_30_days"]
    anomaly[revised[early]] = ANOMALY["revision_before_rating"]
    valid = ~(of_positive | late | early)
    points[revised[valid & is_value(lines["revised_to"], "positive")[revised]]] = 1
    fate[revised[valid & is_value(lines["revised_to"], "deleted")[revised]]] = CREDIT["deleted"]
    return anomaly


def _default_positives(lines: pd.DataFrame, rated: np.ndarray, profile: Profile,
                       as_of: np.datetime64) -> np.ndarray:
    """Default positive (默认好评): a rateable line the buyer had not rated by as_of (`rated`:
    rated by then), that the seller rated positive, receives a positive dated
    seller_rated_at + 15 days, if that is by as_of."""
    seller_at = lines["seller_rated_at"].to_numpy("datetime64[ns]")
    due_by_as_of = seller_at <= as_of - profile.default_positive_days * DAY  # NaT: False
    created = lines["created_at"].to_numpy("datetime64[ns]")
    return (~rated & rateable(lines) & is_value(lines["seller_credit"], "positive")
            & due_by_as_of & (created <= as_of))


def _rating_dates(lines: pd.DataFrame, is_default: np.ndarray, profile: Profile) -> np.ndarray:
    """Each line's rating date: rated_at, or for a default positive the day it fell due."""
    at = np.array(lines["rated_at"].to_numpy("datetime64[ns]"))  # a copy of its own
    due = lines["seller_rated_at"].to_numpy("datetime64[ns]")[is_default]
    at[is_default] = due + profile.default_positive_days * DAY
    return at


def _tiny_trades(lines: pd.DataFrame, fate: np.ndarray, alive: np.ndarray, profile: Profile):
    """Tiny trades (1元以下): when the data carries the line's amount, a line of
    low_amount_yuan (1.00) or less scores nothing (fate and alive updated in place)."""
    if "amount" not in lines:
        return
    tiny = alive & (lines["amount"].to_numpy(dtype="float64") <= profile.low_amount_yuan + 1e-9)
    fate[tiny] = CREDIT["low_amount"]
    alive &= ~tiny


def _same_item(lines: pd.DataFrame, created: np.ndarray, points: np.ndarray, fate: np.ndarray,
               alive: np.ndarray, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Same item within 14 days (14天同商品): per (shop, buyer, item), in order of creation,
    the first trade opens a window and every later one with created_at < anchor + 14 days
    joins it. In a window the earliest rating of each kind (positive, neutral, negative)
    counts; the others become same_item_14d (fate and alive updated in place). Returns
    replaced_by and window_opened_by (-1 where none)."""
    n = len(lines)
    replaced_by, opened_by = no_rows(n), no_rows(n)
    rows, window = _windows(lines, where_true(alive), created,
                            profile.same_item_window_days * DAY)
    if not rows.size:
        return replaced_by, opened_by
    opened_by[rows] = rows[group_first(window)]
    kind = points[rows]
    for value in (1, 0, -1):  # per kind, rows stay in window order: the first one counts
        mine = kind == value
        mine, mine_window = rows[mine], window[mine]
        later = ~group_starts(mine_window)
        replaced_by[mine[later]] = mine[group_first(mine_window)][later]
        fate[mine[later]] = CREDIT["same_item_14d"]
        alive[mine[later]] = False
    return replaced_by, opened_by


def _windows(lines: pd.DataFrame, rows: np.ndarray, created: np.ndarray, span):
    """The rows in (shop, buyer, item, creation) order, and each one's anchored window."""
    rows, group, times = grouped_in_order(lines, rows, SAME_ITEM_KEYS, created, ORDER_BY)
    return rows, anchored_windows(group, times, span)


def _monthly_cap(lines: pd.DataFrame, created: np.ndarray, points: np.ndarray, fate: np.ndarray,
                 alive: np.ndarray, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Monthly cap (每月6分): per (shop, buyer, calendar month of creation), in order of
    creation, a running total from 0: a positive or negative counts only if the total stays
    within -6..+6 after it; else it becomes monthly_cap and the total is unchanged (fate and
    alive updated in place). Neutrals are never capped. Returns each line's running total
    just before its rating (int64) and where there is none (it did not reach the cap)."""
    n = len(lines)
    total_before, no_total = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    rows, group, _ = grouped_in_order(lines, where_true(alive), MONTH_KEYS, created, ORDER_BY,
                                      by_month=True)
    if not rows.size:
        return total_before, no_total
    ordered = points[rows]
    counts, total = capped_running_total(group, ordered, profile.monthly_cap_points)
    np.subtract(total, ordered, out=total, where=counts)  # the total before each rating
    total_before[rows] = total
    no_total[rows] = False
    capped = rows[~counts]
    fate[capped] = CREDIT["monthly_cap"]
    alive[capped] = False
    return total_before, no_total
