"""Detailed seller ratings (RULES.md section 3): the fate of every DSR-scored order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import codes, is_value, where_true
from shopscore.scoring.engine.groups import appearance_codes, combine_codes, group_first, is_in
from shopscore.scoring.engine.ordering import sort_order, text_keys
from shopscore.scoring.engine.windows import month_numbers
from shopscore.scoring.rules.figures import in_dsr_window
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import COUNTED, DSR_FATES, ELIGIBILITY

DAY = np.timedelta64(1, "D")
# How far an order's best line got through section 1; the reason is the first rule it fails.
STAGE_REASONS = ELIGIBILITY
# The record's `fate` column holds small int codes of these categories.
FATES = DSR_FATES
F = {code: np.int8(i) for i, code in enumerate(FATES)}
NO_TIME = np.iinfo(np.int64).max  # a missing time, while taking minima over int64 nanoseconds


def _line_stage(lines: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """How far each of the lines `rows` gets through section 1: 0 not successful, 1 not in
    escrow, 2 refunded, 3 passes (int8)."""
    stage = np.full(len(rows), 3, dtype=np.int8)
    stage[lines["refunded"].to_numpy(dtype=bool)[rows]] = 2
    stage[~lines["escrow"].to_numpy(dtype=bool)[rows]] = 1
    stage[~is_value(lines["status"], "success")[rows]] = 0
    return stage


def _earliest(number: np.ndarray, times: np.ndarray, count: int) -> np.ndarray:
    """Per order number 0..count-1, the earliest of its lines' times (NaT when none has one);
    `number` gives each line's order number."""
    times = np.asarray(times, dtype="datetime64[ns]")
    out = np.full(count, NO_TIME, dtype=np.int64)
    np.minimum.at(out, number, np.where(np.isnat(times), NO_TIME, times.view(np.int64)))
    out[out == NO_TIME] = np.datetime64("NaT", "ns").view(np.int64)
    return out.view("datetime64[ns]")


def decide_dsr(lines: pd.DataFrame, profile: Profile, as_of: np.datetime64) -> pd.DataFrame:
    """One row per DSR-scored order: its scores (earliest-rated line's), dates and fate.

    Rows in the order of each order's first line. Columns: shop_id, order_id, buyer_id, line
    (row of the line whose scores are used), completed_at (the order's success time), at
    (dsr_rated_at), dsr_<item> for each item, fate (categorical of FATES: `counted` or an
    exclusion reason), conflict (bool), month_rank (1-based place of an eligible order among
    its (shop, buyer, month of success) orders, else 0), month_first (for a `dsr_monthly_cap`
    order: the order_ids, as a tuple, that took the month's places; else None)."""
    items = [f"dsr_{i}" for i in profile.dsr_items]
    columns = [lines[c].to_numpy(dtype="float64") for c in items]  # views, no copy
    has_dsr = np.zeros(len(lines), dtype=bool)
    for col in columns:
        has_dsr |= ~np.isnan(col)
    if not has_dsr.any():
        return _empty(items)

    chosen, stage, done_at, created, conflict = _orders(lines, has_dsr, columns, as_of)
    del has_dsr
    dsr_at = lines["dsr_rated_at"].to_numpy("datetime64[ns]")[chosen]
    ids = {c: lines[c].iloc[chosen].reset_index(drop=True) for c in ("shop_id", "order_id", "buyer_id")}
    fate = np.full(len(chosen), F[COUNTED], dtype=np.int8)

    def exclude(mask, code):
        fate[mask & (fate == F[COUNTED])] = F[code]

    exclude((dsr_at > as_of) | (created > as_of), "after_as_of")
    del created
    for level, code in enumerate(STAGE_REASONS):
        exclude(stage == level, code)
    del stage
    window = profile.rating_window_days * DAY
    exclude(~((done_at <= dsr_at) & (dsr_at <= done_at + window)), "outside_rating_window")
    conflict &= fate != F["after_as_of"]
    month_rank, month_first = _month_ranks(ids, done_at, fate, profile)
    exclude(~in_dsr_window(profile, dsr_at, as_of), "outside_dsr_window")
    return pd.DataFrame({**ids, "line": chosen.astype(np.int64, copy=False), "at": dsr_at,
                         "completed_at": done_at,
                         **{c: col[chosen] for c, col in zip(items, columns, strict=True)},
                         "conflict": conflict, "fate": pd.Categorical.from_codes(fate, FATES),
                         "month_rank": month_rank,
                         "month_first": pd.Series(month_first, dtype=object, copy=False)},
                        copy=False)  # the arrays are this frame's own


def _orders(lines: pd.DataFrame, has_dsr: np.ndarray, columns: list[np.ndarray],
            as_of: np.datetime64) -> tuple[np.ndarray, ...]:
    """Number the orders that carry DSR 0.. in the order of their first line, and take the
    order-level facts from all their lines. Per order: the row of the line whose scores
    count (the first rated), how far its best line got through section 1 (_line_stage), its
    success time (the earliest of its lines that got that far), its creation time, and
    whether it has a conflict: another line, rated by as_of, that carries different scores."""
    order_key = combine_codes(codes(lines["shop_id"], dtype=None),
                              codes(lines["order_id"], dtype=None))
    of_scored = where_true(is_in(order_key, order_key[has_dsr]))
    number = appearance_codes(order_key[of_scored])
    del order_key
    count = int(number.max()) + 1
    stage = np.zeros(count, dtype=np.int8)
    line_stage = _line_stage(lines, of_scored)
    np.maximum.at(stage, number, line_stage)
    completed = lines["completed_at"].to_numpy("datetime64[ns]")[of_scored]
    completed[line_stage < 1] = np.datetime64("NaT")
    del line_stage
    completed = _earliest(number, completed, count)
    created = _earliest(number, lines["created_at"].to_numpy("datetime64[ns]")[of_scored], count)

    # Each order's lines by dsr_rated_at (ties: line_id); the first is the one that counts.
    scored = has_dsr[of_scored]
    rows, number = of_scored[scored], number[scored]  # the lines that carry DSR
    del of_scored, scored
    at = lines["dsr_rated_at"].to_numpy("datetime64[ns]")
    chosen = _first_rated(number, at[rows], rows, lines["line_id"], count)
    several = np.bincount(number, minlength=count)[number] > 1
    others, theirs = rows[several], number[several]
    del rows, number, several
    differs = np.zeros(len(others), dtype=bool)
    for col in columns:
        mine, counted = col[others], col[chosen[theirs]]
        differs |= ~((mine == counted) | (np.isnan(mine) & np.isnan(counted)))
    differs &= at[others] <= as_of
    conflict = np.bincount(theirs[differs], minlength=count) > 0
    return chosen, stage, completed, created, conflict


def _month_ranks(ids: dict, done_at: np.ndarray, fate: np.ndarray,
                 profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """First three a month, by the month the order became successful: each order's month_rank
    and month_first (see decide_dsr), the orders past the places made dsr_monthly_cap (fate,
    in place). `ids` holds the orders' shop_id, order_id and buyer_id."""
    month_rank = np.zeros(len(fate), dtype=np.int64)
    month_first = np.full(len(fate), None, dtype=object)
    eligible = where_true(fate == F[COUNTED])
    if not eligible.size:
        return month_rank, month_first
    group = combine_codes(codes(ids["shop_id"], eligible, dtype=None),
                          codes(ids["buyer_id"], eligible, dtype=None),
                          month_numbers(done_at[eligible]))
    ranked, group = sort_order(group, done_at, eligible, ids["order_id"])[:2]
    del eligible
    first_row = group_first(group)
    del group
    rank = np.arange(len(ranked)) - first_row
    places = profile.dsr_monthly_first_orders
    month_rank[ranked] = rank + 1
    capped = rank >= places
    fate[ranked[capped]] = F["dsr_monthly_cap"]
    month_first[ranked[capped]] = _month_places(ids["order_id"], ranked, first_row[capped], places)
    return month_rank, month_first


def _first_rated(number: np.ndarray, at: np.ndarray, rows: np.ndarray, line_id: pd.Series,
                 count: int) -> np.ndarray:
    """Per order number 0..count-1, the row of its line first by (at, text of line_id, row):
    the earliest rated; lines rated at the same moment go by their line_id (text_keys).
    `number`, `at` and `rows` describe the lines, one entry each."""
    most = np.iinfo(np.int64).max

    def least(of_rows, values):  # per order, the least of `values` over the rows selected
        out = np.full(count, most, dtype=np.int64)
        np.minimum.at(out, number[of_rows], values.astype(np.int64, copy=False))  # same dtype: fast
        return out

    at = at.astype(np.int64)  # NaT as the least integer: first, as in a sort of the integers
    best = at == least(slice(None), at)[number]
    tied = np.flatnonzero(best & (np.bincount(number[best], minlength=count)[number] > 1))
    if tied.size:
        rank = text_keys(line_id, rows[tied])
        best[tied] = rank == least(tied, rank)[number[tied]]
    return least(best, rows[best])


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
    cols["fate"] = pd.Categorical.from_codes(np.zeros(0, dtype=np.int8), FATES)
    cols["month_rank"] = pd.Series([], dtype=np.int64)
    cols["month_first"] = pd.Series([], dtype=object)
    return pd.DataFrame(cols)
