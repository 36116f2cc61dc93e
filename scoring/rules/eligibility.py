"""Which trade lines can be rated (RULES.md section 1): a line whose status is success, paid
through escrow, not refunded itself, and rated within the rating window after success
(`completed_at <= rated_at <= completed_at + 15 days`). Nothing after as_of exists."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import is_value
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import AFTER_AS_OF, CREDIT_FATES, ELIGIBILITY, ORPHAN, UNRATED

DAY = np.timedelta64(1, "D")
CREDIT = {code: i for i, code in enumerate(CREDIT_FATES)}  # fate code -> its number


def successful(lines: pd.DataFrame) -> np.ndarray:
    """Where a line's status is success (交易成功)."""
    return is_value(lines["status"], "success")


def escrow(lines: pd.DataFrame) -> np.ndarray:
    """Where a line was paid through the platform's escrow (absent: true)."""
    return lines["escrow"].to_numpy(dtype=bool)


def refunded(lines: pd.DataFrame) -> np.ndarray:
    """Where the line itself was refunded (absent: false)."""
    return lines["refunded"].to_numpy(dtype=bool)


def rateable(lines: pd.DataFrame) -> np.ndarray:
    """Where a line can carry a rating: successful, in escrow, not refunded."""
    return successful(lines) & escrow(lines) & ~refunded(lines)


def in_rating_window(completed: np.ndarray, rated_at: np.ndarray, profile: Profile) -> np.ndarray:
    """Where `completed_at <= rated_at <= completed_at + rating_window_days` (15)."""
    return (completed <= rated_at) & (rated_at <= completed + profile.rating_window_days * DAY)


def rated_by_as_of(lines: pd.DataFrame, rated: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    """Where a line carries a buyer rating that exists as of as_of: one given after it does not
    exist yet (the line is unrated as of as_of; the rating row counts under after_as_of)."""
    return rated & ~(lines["rated_at"].to_numpy("datetime64[ns]") > as_of)


def credit_fates(lines: pd.DataFrame, rated: np.ndarray, profile: Profile,
                 as_of: np.datetime64) -> np.ndarray:
    """Each line's fate number (CREDIT) after section 1: UNRATED for a line without a rating
    and for a rating that passes; else the first condition it fails, in the order RULES.md
    lists them (after_as_of first: a rating given, or a trade created, after as_of)."""
    rated_at = lines["rated_at"].to_numpy("datetime64[ns]")
    completed = lines["completed_at"].to_numpy("datetime64[ns]")
    created = lines["created_at"].to_numpy("datetime64[ns]")
    fate = np.full(len(lines), CREDIT[UNRATED], dtype=np.int8)

    def exclude(mask, code):
        fate[mask & (fate == CREDIT[UNRATED]) & rated] = CREDIT[code]

    exclude((rated_at > as_of) | (created > as_of), AFTER_AS_OF)
    exclude(~successful(lines), "not_success")
    exclude(~escrow(lines), "not_escrow")
    exclude(refunded(lines), "refunded")
    exclude(~in_rating_window(completed, rated_at, profile), "outside_rating_window")
    return fate


def line_stages(lines: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """How far each of the lines `rows` gets through section 1, as the index in ELIGIBILITY
    of the first condition it fails (0 not successful, 1 not in escrow, 2 refunded), or 3
    when it passes all three (int8). An order is as rateable as its best line (DSR)."""
    stage = np.full(len(rows), len(ELIGIBILITY), dtype=np.int8)
    stage[refunded(lines)[rows]] = 2
    stage[~escrow(lines)[rows]] = 1
    stage[~successful(lines)[rows]] = 0
    return stage


def orphan_fates(orphans: pd.DataFrame, profile: Profile, as_of) -> pd.DataFrame:
    """Rating rows whose trade line is not in the data: each one's credit and DSR fate, `orphan`,
    or `after_as_of` when given after as_of (nothing after as_of exists)."""
    if not len(orphans):
        return pd.DataFrame({"shop_id": [], "order_id": [], "credit_fate": [], "dsr_fate": []})
    items = [f"dsr_{i}" for i in profile.dsr_items if f"dsr_{i}" in orphans]
    has_dsr = orphans[items].notna().any(axis=1).to_numpy() if items else np.zeros(len(orphans), bool)
    has_credit = orphans["credit"].notna().to_numpy() if "credit" in orphans else has_dsr & False
    late = (orphans["rated_at"].to_numpy("datetime64[ns]") > as_of)
    dsr_late = (orphans["dsr_rated_at"].to_numpy("datetime64[ns]") > as_of)
    return pd.DataFrame({
        "shop_id": orphans["shop_id"].to_numpy(), "order_id": orphans["order_id"].to_numpy(),
        "credit_fate": pd.Series(np.where(has_credit, np.where(late, AFTER_AS_OF, ORPHAN),
                                          None), dtype=object),
        "dsr_fate": pd.Series(np.where(has_dsr, np.where(dsr_late, AFTER_AS_OF, ORPHAN), None),
                              dtype=object),
    })
