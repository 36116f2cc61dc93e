"""Credit points (RULES.md section 2): the fate of every buyer rating, decided once per line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import CREDITS
from .profile import Profile
from .windows import (
    anchored_windows,
    capped_running_total,
    codes,
    combine_codes,
    group_first,
    group_starts,
    is_value,
    lookup,
    month_numbers,
    sort_order,
)

COUNTED = "counted"
UNRATED = "unrated"
DAY = np.timedelta64(1, "D")
# The categories of the record's `fate` and `anomaly` columns (decided as small int codes).
FATES = (COUNTED, UNRATED, "after_as_of", "not_success", "not_escrow", "refunded",
         "outside_rating_window", "deleted", "low_amount", "same_item_14d", "monthly_cap")
ANOMALIES = ("revision_of_positive", "revision_after_30_days", "revision_before_rating")
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
    n = len(lines)
    points = lookup(lines["credit"], CREDITS, -9, np.int8)
    rated = points != -9
    rated_at = lines["rated_at"].to_numpy("datetime64[ns]")
    completed = lines["completed_at"].to_numpy("datetime64[ns]")
    created = lines["created_at"].to_numpy("datetime64[ns]")
    success = is_value(lines["status"], "success")
    escrow = lines["escrow"].to_numpy(dtype=bool)
    refunded = lines["refunded"].to_numpy(dtype=bool)

    fate = np.full(n, F[UNRATED], dtype=np.int8)
    anomaly = np.full(n, -1, dtype=np.int8)

    def exclude(mask, code):
        fate[mask & (fate == F[UNRATED]) & rated] = F[code]

    # Nothing after as_of exists; then section 1, in the order RULES.md lists it.
    exclude((rated_at > as_of) | (created > as_of), "after_as_of")
    exclude(~success, "not_success")
    exclude(~escrow, "not_escrow")
    exclude(refunded, "refunded")
    window = np.timedelta64(profile.rating_window_days, "D")
    in_window = (completed <= rated_at) & (rated_at <= completed + window)
    exclude(~in_window, "outside_rating_window")
    eligible = rated & (fate == F[UNRATED])

    # Revisions: only ratings that passed section 1 are examined; revisions after as_of
    # do not exist yet.
    revised_at = lines["revised_at"].to_numpy("datetime64[ns]")
    to_positive = is_value(lines["revised_to"], "positive")
    to_deleted = is_value(lines["revised_to"], "deleted")
    revision = eligible & ~np.isnat(revised_at) & (revised_at <= as_of)
    of_positive = revision & (points == 1)
    late = revision & ~of_positive & (revised_at > rated_at + profile.revision_days * DAY)
    early = revision & ~of_positive & ~late & (revised_at < rated_at)
    anomaly[of_positive] = A["revision_of_positive"]
    anomaly[late] = A["revision_after_30_days"]
    anomaly[early] = A["revision_before_rating"]
    valid = revision & ~of_positive & ~late & ~early
    points[valid & to_positive] = 1
    fate[valid & to_deleted] = F["deleted"]

    # Default positives: a rateable line the buyer never rated, the seller rated positive.
    seller_at = lines["seller_rated_at"].to_numpy("datetime64[ns]")
    seller_positive = is_value(lines["seller_credit"], "positive")
    due = seller_at + profile.default_positive_days * DAY
    is_default = (~rated & success & escrow & ~refunded & seller_positive
                  & (due <= as_of) & (created <= as_of))
    points[is_default] = 1
    at = np.where(is_default, due, rated_at)
    alive = (rated & (fate == F[UNRATED])) | is_default

    # Tiny trades score nothing (only when the data carries the amount).
    if "amount" in lines:
        amount = lines["amount"].to_numpy(dtype="float64")
        tiny = alive & (amount <= profile.low_amount_yuan + 1e-9)
        fate[tiny] = F["low_amount"]
        alive &= ~tiny

    # Same (shop, buyer, item) within the anchored 14-day windows: one of each kind.
    replaced_by = np.full(n, -1, dtype=np.int64)
    opened_by = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(alive)
    if idx.size:
        group = combine_codes(*(codes(lines[c], idx) for c in ("shop_id", "buyer_id", "item_id")))
        order, group, times = sort_order(group, created[idx], idx, lines["order_id"],
                                         lines["line_id"])
        rows = idx[order]
        win = anchored_windows(group, times, profile.same_item_window_days * DAY)
        opened_by[rows] = rows[group_first(win)]
        kind = points[rows]
        for value in (1, 0, -1):  # per kind, rows stay in window order: the first one counts
            mine = rows[kind == value]
            mine_win = win[kind == value]
            dup = ~group_starts(mine_win)
            replaced_by[mine[dup]] = mine[group_first(mine_win)][dup]
            fate[mine[dup]] = F["same_item_14d"]
            alive[mine[dup]] = False

    # Monthly cap: per (shop, buyer, month of creation), a running total kept within -cap..cap.
    total_before, no_total = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    idx = np.flatnonzero(alive)
    if idx.size:
        month = month_numbers(created[idx])
        group = combine_codes(codes(lines["shop_id"], idx), codes(lines["buyer_id"], idx), month)
        order, group, _ = sort_order(group, created[idx], idx, lines["order_id"],
                                     lines["line_id"])
        rows = idx[order]
        ordered_points = points[rows].astype(np.int64)
        keep, total = capped_running_total(group, ordered_points, profile.monthly_cap_points)
        total_before[rows] = total - np.where(keep, ordered_points, 0)
        no_total[rows] = False
        fate[rows[~keep]] = F["monthly_cap"]
        alive[rows[~keep]] = False

    fate[alive] = F[COUNTED]
    return pd.DataFrame({"points": points, "at": at, "is_default": is_default,
                         "fate": pd.Categorical.from_codes(fate, FATES),
                         "anomaly": pd.Categorical.from_codes(anomaly, ANOMALIES),
                         "replaced_by": replaced_by, "window_opened_by": opened_by,
                         "month_total": pd.arrays.IntegerArray(total_before, no_total)},
                        copy=False)  # the arrays are this frame's own
