"""Detailed seller ratings (RULES.md section 3): the fate of every DSR-scored order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .profile import Profile
from .windows import codes, combine_codes, group_starts, is_value, sort_order

COUNTED = "counted"
DAY = np.timedelta64(1, "D")
# How far an order's best line got through section 1; the reason is the first rule it fails.
STAGE_REASONS = ("not_success", "not_escrow", "refunded")


def _line_stage(lines: pd.DataFrame) -> np.ndarray:
    success = is_value(lines["status"], "success")
    escrow = lines["escrow"].to_numpy(dtype=bool)
    refunded = lines["refunded"].to_numpy(dtype=bool)
    return np.where(~success, 0, np.where(~escrow, 1, np.where(refunded, 2, 3)))


def decide_dsr(lines: pd.DataFrame, profile: Profile, as_of: np.datetime64) -> pd.DataFrame:
    """One row per DSR-scored order: its scores (earliest-rated line's), dates and fate.

    Columns: shop_id, order_id, buyer_id, line (row of the line whose scores are used),
    completed_at (the order's success time), at (dsr_rated_at), dsr_<item> for each item,
    fate (`counted` or an exclusion reason), conflict (bool), month_rank (1-based place of an
    eligible order among its (shop, buyer, month of success) orders, else 0), month_first
    (for a `dsr_monthly_cap` order: the order_ids, as a tuple, that took the month's places;
    else None)."""
    items = [f"dsr_{i}" for i in profile.dsr_items]
    values = lines[items].to_numpy(dtype="float64") if items else np.zeros((len(lines), 0))
    has_dsr = ~np.isnan(values).all(axis=1) if items else np.zeros(len(lines), bool)
    if not has_dsr.any():
        return _empty(items)

    order_key = combine_codes(codes(lines["shop_id"]), codes(lines["order_id"]))
    rows = np.flatnonzero(has_dsr)
    # Order-level facts from all lines of the orders that carry DSR.
    of_scored = np.flatnonzero(np.isin(order_key, order_key[rows]))
    stage = _line_stage(lines)[of_scored]
    completed = lines["completed_at"].to_numpy("datetime64[ns]")[of_scored]
    facts = pd.DataFrame({"key": order_key[of_scored], "stage": stage,
                          "completed": np.where(stage >= 1, completed, np.datetime64("NaT")),
                          "created": lines["created_at"].to_numpy("datetime64[ns]")[of_scored]})
    per_order = facts.groupby("key", sort=False).agg(stage=("stage", "max"),
                                                     completed=("completed", "min"),
                                                     created=("created", "min"))

    # Each order's lines by dsr_rated_at (ties: line_id); the first is the one that counts.
    at_all = lines["dsr_rated_at"].to_numpy("datetime64[ns]")
    order = sort_order(order_key[rows], at_all[rows], rows, lines["line_id"])
    rows = rows[order]
    keys, at = order_key[rows], at_all[rows]
    first = group_starts(keys)
    vals = values[rows]
    rep = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
    # A conflict: another line of the order, rated by as_of, carries different scores.
    same = (vals == vals[rep]) | (np.isnan(vals) & np.isnan(vals[rep]))
    differs = ~same.all(axis=1) & (at <= as_of)
    conflict = pd.Series(differs).groupby(keys).transform("any").to_numpy()[first]

    chosen = rows[first]
    out = pd.DataFrame({c: lines[c].iloc[chosen].reset_index(drop=True)
                        for c in ("shop_id", "order_id", "buyer_id")})
    out["line"] = chosen
    out["at"] = at[first]
    facts = per_order.loc[keys[first]]
    out["completed_at"] = facts["completed"].to_numpy()
    for j, col in enumerate(items):
        out[col] = vals[first, j]
    out["conflict"] = conflict

    fate = np.full(len(out), COUNTED, dtype=object)
    order_stage = facts["stage"].to_numpy()
    done_at = out["completed_at"].to_numpy("datetime64[ns]")
    dsr_at = out["at"].to_numpy("datetime64[ns]")

    def exclude(mask, code):
        fate[mask & (fate == COUNTED)] = code

    exclude((dsr_at > as_of) | (facts["created"].to_numpy() > as_of), "after_as_of")
    for level, code in enumerate(STAGE_REASONS):
        exclude(order_stage == level, code)
    window = profile.rating_window_days * DAY
    exclude(~((done_at <= dsr_at) & (dsr_at <= done_at + window)), "outside_rating_window")
    out.loc[fate == "after_as_of", "conflict"] = False

    # First three a month, by the month the order became successful.
    month_rank = np.zeros(len(out), dtype=np.int64)
    month_first = np.full(len(out), None, dtype=object)
    eligible = np.flatnonzero(fate == COUNTED)
    if eligible.size:
        month = done_at[eligible].astype("datetime64[M]").astype(np.int64)
        group = combine_codes(codes(out["shop_id"])[eligible], codes(out["buyer_id"])[eligible],
                              month)
        order = sort_order(group, done_at[eligible], eligible, out["order_id"])
        g = group[order]
        first_row = np.maximum.accumulate(np.where(group_starts(g), np.arange(len(g)), 0))
        rank = np.arange(len(g)) - first_row
        places = profile.dsr_monthly_first_orders
        month_rank[eligible[order]] = rank + 1
        fate[eligible[order][rank >= places]] = "dsr_monthly_cap"
        ranked_rows = eligible[order]
        capped = np.flatnonzero(rank >= places)
        taken = {}
        for pos in capped.tolist():  # only the capped orders: a few per thousand
            start = int(first_row[pos])
            if start not in taken:
                taken[start] = tuple(str(o) for o in out["order_id"].iloc[
                    ranked_rows[start:start + places]])
            month_first[ranked_rows[pos]] = taken[start]

    start = as_of - profile.dsr_window_days * DAY
    exclude(~((start < dsr_at) & (dsr_at <= as_of)), "outside_dsr_window")
    out["fate"] = fate
    out["month_rank"] = month_rank
    out["month_first"] = pd.Series(month_first, dtype=object)
    return out


def _empty(items) -> pd.DataFrame:
    cols = {"shop_id": pd.Series([], dtype=object), "order_id": pd.Series([], dtype=object),
            "buyer_id": pd.Series([], dtype=object), "line": pd.Series([], dtype=np.int64),
            "at": pd.Series([], dtype="datetime64[ns]"),
            "completed_at": pd.Series([], dtype="datetime64[ns]")}
    for col in items:
        cols[col] = pd.Series([], dtype="float64")
    cols["conflict"] = pd.Series([], dtype=bool)
    cols["fate"] = pd.Series([], dtype=object)
    cols["month_rank"] = pd.Series([], dtype=np.int64)
    cols["month_first"] = pd.Series([], dtype=object)
    return pd.DataFrame(cols)
