"""Detailed seller ratings (RULES.md section 3): the fate of every DSR-scored order.

An order is scored once, with its earliest-rated line's scores; it is eligible as its best
line is (section 1) with its DSR given in the rating window; per (shop, buyer, month of
success) only the first three count; a score counts in the 180-day window."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import codes, where_true
from shopscore.scoring.engine.groups import (
    appearance_codes,
    combine_codes,
    group_earliest,
    group_first,
    group_max,
    is_in,
)
from shopscore.scoring.engine.ordering import first_in_groups, grouped_in_order
from shopscore.scoring.rules.eligibility import in_rating_window, line_stages
from shopscore.scoring.rules.figures import in_dsr_window
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import AFTER_AS_OF, COUNTED, DSR_FATES, ELIGIBILITY

DSR = {code: i for i, code in enumerate(DSR_FATES)}  # fate code -> its number
IDS = ("shop_id", "order_id", "buyer_id")


class Orders(NamedTuple):
    """The facts of each DSR-scored order, taken from all its lines (see _orders)."""

    line: np.ndarray  # the row of the line whose scores count: the earliest rated
    stage: np.ndarray  # how far its best line gets through section 1 (line_stages)
    completed: np.ndarray  # its success time: the earliest completed_at of its successful lines
    created: np.ndarray  # its creation time: the earliest created_at of its lines
    conflict: np.ndarray  # another line, rated by as_of, carries different scores


def decide_dsr(lines: pd.DataFrame, profile: Profile, as_of: np.datetime64) -> pd.DataFrame:
    """One row per DSR-scored order: its scores (earliest-rated line's), dates and fate.

    Rows in the order of each order's first line. Columns: shop_id, order_id, buyer_id, line
    (row of the line whose scores are used), completed_at (the order's success time), at
    (dsr_rated_at), dsr_<item> for each item, fate (categorical of DSR_FATES: `counted` or an
    exclusion reason), conflict (bool), month_rank (1-based place of an eligible order among
    its (shop, buyer, month of success) orders, else 0), month_first (for a `dsr_monthly_cap`
    order: the order_ids, as a tuple, that took the month's places; else None)."""
    items = [f"dsr_{i}" for i in profile.dsr_items]
    scores = [lines[c].to_numpy(dtype="float64") for c in items]  # views, no copy
    has_dsr = np.zeros(len(lines), dtype=bool)
    for col in scores:
        has_dsr |= ~np.isnan(col)
    if not has_dsr.any():
        return _empty(items)
    orders = _orders(lines, has_dsr, scores, as_of)
    dsr_at = lines["dsr_rated_at"].to_numpy("datetime64[ns]")[orders.line]
    ids = {c: lines[c].iloc[orders.line].reset_index(drop=True) for c in IDS}
    fate = np.full(len(orders.line), DSR[COUNTED], dtype=np.int8)

    def exclude(mask, code):
        fate[mask & (fate == DSR[COUNTED])] = DSR[code]

    exclude((dsr_at > as_of) | (orders.created > as_of), AFTER_AS_OF)
    for stage, code in enumerate(ELIGIBILITY):
        exclude(orders.stage == stage, code)
    exclude(~in_rating_window(orders.completed, dsr_at, profile), "outside_rating_window")
    conflict = orders.conflict & (fate != DSR[AFTER_AS_OF])
    month_rank, month_first = _first_three_a_month(ids, orders.completed, fate, profile)
    exclude(~in_dsr_window(profile, dsr_at, as_of), "outside_dsr_window")
    return pd.DataFrame({**ids, "line": orders.line.astype(np.int64, copy=False), "at": dsr_at,
                         "completed_at": orders.completed,
                         **{c: col[orders.line] for c, col in zip(items, scores, strict=True)},
                         "conflict": conflict, "fate": pd.Categorical.from_codes(fate, DSR_FATES),
                         "month_rank": month_rank,
                         "month_first": pd.Series(month_first, dtype=object, copy=False)},
                        copy=False)  # the arrays are this frame's own


def _orders(lines: pd.DataFrame, has_dsr: np.ndarray, scores: list[np.ndarray],
            as_of: np.datetime64) -> Orders:
    """Number the orders that carry DSR 0.. in the order of their first line, and take each
    one's facts (Orders) from all its lines."""
    order = combine_codes(codes(lines["shop_id"], dtype=None), codes(lines["order_id"], dtype=None))
    rows = where_true(is_in(order, order[has_dsr]))  # every line of a scored order
    number = appearance_codes(order[rows])
    del order
    count = int(number.max()) + 1
    stage = line_stages(lines, rows)
    completed = lines["completed_at"].to_numpy("datetime64[ns]")[rows]
    completed[stage < 1] = np.datetime64("NaT")  # only successful lines became successful
    completed = group_earliest(number, completed, count)
    created = group_earliest(number, lines["created_at"].to_numpy("datetime64[ns]")[rows], count)
    stage = group_max(number, stage, count)
    scored = has_dsr[rows]
    rows, number = rows[scored], number[scored]  # the lines that carry DSR
    at = lines["dsr_rated_at"].to_numpy("datetime64[ns]")
    line = first_in_groups(number, at[rows], rows, lines["line_id"], count)  # ties: line_id
    return Orders(line, stage, completed, created,
                  _conflicts(rows, number, line, scores, at, as_of, count))


def _conflicts(rows: np.ndarray, number: np.ndarray, line: np.ndarray, scores: list,
               at: np.ndarray, as_of: np.datetime64, count: int) -> np.ndarray:
    """Per order, whether another of its scored lines (`rows`, of order `number`), rated by
    as_of, carries scores that differ from those of the line that counts (`line`)."""
    several = np.bincount(number, minlength=count)[number] > 1
    others, theirs = rows[several], number[several]
    differs = np.zeros(len(others), dtype=bool)
    for col in scores:
        mine, counted = col[others], col[line[theirs]]
        differs |= ~((mine == counted) | (np.isnan(mine) & np.isnan(counted)))
    differs &= at[others] <= as_of
    return np.bincount(theirs[differs], minlength=count) > 0


def _first_three_a_month(ids: dict, completed: np.ndarray, fate: np.ndarray,
                         profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """First three a month (每月前三次): per (shop, buyer, calendar month of success), in order
    of success (ties: order_id), only the first monthly_first_orders (3) eligible orders
    count; the others become dsr_monthly_cap (fate, in place). Returns each order's
    month_rank and month_first (see decide_dsr); `ids` holds shop_id, order_id, buyer_id."""
    month_rank = np.zeros(len(fate), dtype=np.int64)
    month_first = np.full(len(fate), None, dtype=object)
    eligible = where_true(fate == DSR[COUNTED])
    if not eligible.size:
        return month_rank, month_first
    ranked, group, _ = grouped_in_order(ids, eligible, ("shop_id", "buyer_id"), completed,
                                        ("order_id",), by_month=True)
    first_row = group_first(group)
    rank = np.arange(len(ranked)) - first_row
    places = profile.dsr_monthly_first_orders
    month_rank[ranked] = rank + 1
    capped = rank >= places
    fate[ranked[capped]] = DSR["dsr_monthly_cap"]
    month_first[ranked[capped]] = _month_places(ids["order_id"], ranked, first_row[capped], places)
    return month_rank, month_first


def _month_places(order_ids: pd.Series, ranked: np.ndarray, starts: np.ndarray,
                  places: int) -> np.ndarray:
    """For each capped order (its group's first position in `ranked` given by `starts`), the
    order_ids of the group's first `places` orders, as a tuple of strings (one per group)."""
    groups, which = np.unique(starts, return_inverse=True)
    taken = ranked[groups[:, None] + np.arange(places)]
    ids = order_ids.iloc[taken.reshape(-1)].astype(str).to_numpy(dtype=object)
    ids = ids.reshape(len(groups), places)
    tuples = np.fromiter(map(tuple, ids), dtype=object, count=len(groups))
    return tuples[which.reshape(-1)]


def _empty(items) -> pd.DataFrame:
    cols = {"shop_id": pd.Series([], dtype=object), "order_id": pd.Series([], dtype=object),
            "buyer_id": pd.Series([], dtype=object), "line": pd.Series([], dtype=np.int64),
            "at": pd.Series([], dtype="datetime64[ns]"),
            "completed_at": pd.Series([], dtype="datetime64[ns]")}
    for col in items:
        cols[col] = pd.Series([], dtype="float64")
    cols["conflict"] = pd.Series([], dtype=bool)
    cols["fate"] = pd.Categorical.from_codes(np.zeros(0, dtype=np.int8), DSR_FATES)
    cols["month_rank"] = pd.Series([], dtype=np.int64)
    cols["month_first"] = pd.Series([], dtype=object)
    return pd.DataFrame(cols)
