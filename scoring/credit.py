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
    group_cumsum,
    group_starts,
    is_value,
    sort_order,
)

COUNTED = "counted"
UNRATED = "unrated"
DAY = np.timedelta64(1, "D")


def decide_credit(lines: pd.DataFrame, profile: Profile, as_of: np.datetime64) -> pd.DataFrame:
    """One row per trade line: the rating it carries (if any) and its fate.

    Columns: points (+1/0/-1, or -9 without rating), at (the rating's date), is_default,
    fate (`counted`, `unrated` or an exclusion reason code), anomaly (reason or None),
    replaced_by (row of the rating counted in its place for same_item_14d, else -1),
    window_opened_by (row of the line whose trade opened the rating's 14-day same-item window,
    for every rating that reached that rule, else -1), month_total (nullable Int64: the running
    point total of the rating's (shop, buyer, month of creation) just before it, for every
    rating that reached the monthly cap, else missing)."""
    n = len(lines)
    points = np.full(n, -9, dtype=np.int8)
    for word, value in CREDITS.items():
        points[is_value(lines["credit"], word)] = value
    rated = points != -9
    rated_at = lines["rated_at"].to_numpy("datetime64[ns]")
    completed = lines["completed_at"].to_numpy("datetime64[ns]")
    created = lines["created_at"].to_numpy("datetime64[ns]")
    success = is_value(lines["status"], "success")
    escrow = lines["escrow"].to_numpy(dtype=bool)
    refunded = lines["refunded"].to_numpy(dtype=bool)

    fate = np.full(n, UNRATED, dtype=object)
    anomaly = np.full(n, None, dtype=object)
    at = rated_at.copy()
    is_default = np.zeros(n, dtype=bool)

    def exclude(mask, code):
        mask = mask & (fate == UNRATED) & rated
        fate[mask] = code

    # Nothing after as_of exists; then section 1, in the order RULES.md lists it.
    exclude((rated_at > as_of) | (created > as_of), "after_as_of")
    exclude(~success, "not_success")
    exclude(~escrow, "not_escrow")
    exclude(refunded, "refunded")
    window = np.timedelta64(profile.rating_window_days, "D")
    in_window = (completed <= rated_at) & (rated_at <= completed + window)
    exclude(~in_window, "outside_rating_window")
    eligible = rated & (fate == UNRATED)

    # Revisions: only ratings that passed section 1 are examined; revisions after as_of
    # do not exist yet.
    revised_at = lines["revised_at"].to_numpy("datetime64[ns]")
    to_positive = is_value(lines["revised_to"], "positive")
    to_deleted = is_value(lines["revised_to"], "deleted")
    revision = eligible & ~np.isnat(revised_at) & (revised_at <= as_of)
    of_positive = revision & (points == 1)
    late = revision & ~of_positive & (revised_at > rated_at + profile.revision_days * DAY)
    early = revision & ~of_positive & ~late & (revised_at < rated_at)
    anomaly[of_positive] = "revision_of_positive"
    anomaly[late] = "revision_after_30_days"
    anomaly[early] = "revision_before_rating"
    valid = revision & ~of_positive & ~late & ~early
    points[valid & to_positive] = 1
    fate[valid & to_deleted] = "deleted"

    # Default positives: a rateable line the buyer never rated, the seller rated positive.
    seller_at = lines["seller_rated_at"].to_numpy("datetime64[ns]")
    seller_positive = is_value(lines["seller_credit"], "positive")
    due = seller_at + profile.default_positive_days * DAY
    is_default = (~rated & success & escrow & ~refunded & seller_positive
                  & (due <= as_of) & (created <= as_of))
    points[is_default] = 1
    at[is_default] = due[is_default]
    alive = (rated & (fate == UNRATED)) | is_default

    # Tiny trades score nothing (only when the data carries the amount).
    if "amount" in lines:
        amount = lines["amount"].to_numpy(dtype="float64")
        tiny = alive & (amount <= profile.low_amount_yuan + 1e-9)
        fate[tiny] = "low_amount"
        alive &= ~tiny

    # Same (shop, buyer, item) within the anchored 14-day windows: one of each kind.
    replaced_by = np.full(n, -1, dtype=np.int64)
    opened_by = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(alive)
    if idx.size:
        group = combine_codes(*(codes(lines[c])[idx] for c in ("shop_id", "buyer_id", "item_id")))
        order = sort_order(group, created[idx], idx, lines["order_id"], lines["line_id"])
        win = anchored_windows(group[order], created[idx][order],
                               profile.same_item_window_days * DAY)
        kinds = pd.DataFrame({"win": win, "kind": points[idx][order]})
        first_pos = kinds.groupby(["win", "kind"], sort=False).cumcount().to_numpy()
        dup = first_pos > 0
        rows = idx[order]
        first_row = pd.Series(rows).groupby([win, kinds["kind"].to_numpy()]).transform("first")
        opened_by[rows] = rows[np.maximum.accumulate(np.where(group_starts(win), np.arange(len(win)), 0))]
        fate[rows[dup]] = "same_item_14d"
        replaced_by[rows[dup]] = first_row.to_numpy()[dup]
        alive[rows[dup]] = False

    # Monthly cap: per (shop, buyer, month of creation), a running total kept within -cap..cap.
    month_total = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    idx = np.flatnonzero(alive)
    if idx.size:
        month = created[idx].astype("datetime64[M]").astype(np.int64)
        group = combine_codes(codes(lines["shop_id"])[idx], codes(lines["buyer_id"])[idx], month)
        order = sort_order(group, created[idx], idx, lines["order_id"], lines["line_id"])
        ordered_points = points[idx][order].astype(np.int64)
        keep = capped_running_total(group[order], ordered_points, profile.monthly_cap_points)
        kept = np.where(keep, ordered_points, 0)
        month_total[idx[order]] = group_cumsum(group[order], kept) - kept  # total before each
        capped = idx[order][~keep]
        fate[capped] = "monthly_cap"
        alive[capped] = False

    fate[alive] = COUNTED
    return pd.DataFrame({"points": points, "at": at, "is_default": is_default,
                         "fate": pd.Series(fate, dtype=object),
                         "anomaly": pd.Series(anomaly, dtype=object), "replaced_by": replaced_by,
                         "window_opened_by": opened_by, "month_total": month_total})
