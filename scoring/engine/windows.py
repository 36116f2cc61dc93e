"""Windows over rows sorted by group: calendar months, anchored time windows, running totals
kept within bounds."""

from __future__ import annotations

import numpy as np

from shopscore.scoring.engine.coded import position_dtype, where_true
from shopscore.scoring.engine.groups import group_first, group_numbers, group_starts


def month_numbers(times: np.ndarray) -> np.ndarray:
    """Each time's calendar month, counted in months from January 1970:
    times.astype("datetime64[M]").astype(np.int64) (NaT stays the NaT integer), read from
    a table of the days the times span instead of converted one by one."""
    times = np.asarray(times, dtype="datetime64[ns]")
    nat = np.isnat(times)
    some_nat = nat.any()
    day = times.view(np.int64) // np.int64(86_400 * 10**9)
    dated = day[~nat] if some_nat else day
    if not dated.size or int(dated.max()) - int(dated.min()) > 100_000:  # none, or centuries
        return times.astype("datetime64[M]").astype(np.int64)
    first = dated.min()
    table = np.arange(first, dated.max() + 1).astype("datetime64[D]").astype("datetime64[M]")
    del dated
    if some_nat:
        day[nat] = first
    day -= first
    # Each day replaced by its month in the same array (mode="clip" reads each index before
    # writing its place; the days are all in range).
    out = np.take(table.view(np.int64), day, out=day, mode="clip")
    if some_nat:
        out[nat] = np.datetime64("NaT", "M").view(np.int64)
    return out


def anchored_windows(group: np.ndarray, times: np.ndarray, span) -> np.ndarray:
    """The number of each row's anchored time window, windows numbered 0.. over all groups,
    rows sorted by (group, time).

    The first row of a group opens a window; every later row with time < anchor + span
    joins it; the first row at or after that opens the next window (RULES.md, 14 days).
    Anchors are found group-parallel: from each group's latest anchor, a binary search of
    the rest of its group finds the next one, until no group has one. Window numbers are
    of position_dtype."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    t = np.asarray(times, dtype="datetime64[ns]").view(np.int64)
    span = np.int64(np.timedelta64(span, "ns").astype(np.int64))
    is_anchor = group_starts(group)
    starts = where_true(is_anchor)
    ends = np.empty_like(starts)  # each group's end, past its last row
    ends[:-1], ends[-1:] = starts[1:], n
    longer = ends - starts > 1  # single-row groups are settled already
    frontier, end = starts[longer], ends[longer]
    del starts, ends, longer
    while frontier.size:
        anchor = t[frontier]  # anchor + span, held at the largest time instead of wrapping
        reach = np.where(anchor > np.iinfo(np.int64).max - span, np.iinfo(np.int64).max,
                         anchor + span)
        step = _first_at_least(t, frontier + 1, end, reach)
        found = step < end
        frontier, end = step[found], end[found]
        is_anchor[frontier] = True
    window = is_anchor.astype(position_dtype(n))
    window[0] = 0  # numbered from 0
    return np.cumsum(window, out=window)


def _first_at_least(t: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray):
    """Per search, the first position in lo..hi-1 with t >= target (hi when none); t is
    sorted within each range. All searches advance together, halving their ranges."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        open_ = np.flatnonzero(lo < hi)
        if not open_.size:
            return lo
        mid = lo[open_] + (hi[open_] - lo[open_]) // 2  # no lo + hi: it may leave int32
        below = t[mid] < target[open_]
        lo[open_[below]] = mid[below] + 1
        hi[open_[~below]] = mid[~below]


def group_cumsum(group: np.ndarray, values: np.ndarray, dtype=np.int64) -> np.ndarray:
    """Running sum of values within each group (rows sorted by group), summed as `dtype`
    (which must hold the plain running sum of all the rows)."""
    total = values.astype(dtype)
    np.cumsum(total, out=total)
    first = group_first(group)
    total -= total[first]
    total += values[first]
    return total


def capped_running_total(group: np.ndarray, points: np.ndarray, cap: int):
    """Which ratings count under a running total kept within -cap..+cap per group, and the
    running total after each row (of the ratings that count).

    Rows sorted by (group, order), points in -1..+1. A +1/-1 counts only if the total stays
    within bounds after adding it; otherwise it is dropped and the total is unchanged. Zeros
    always count. Groups whose plain running sum never leaves the bounds are settled at once;
    the others by clamped_running_total. Totals are of position_dtype (a sum of points in
    -1..+1 is no larger than the number of rows)."""
    points = np.asarray(points)
    keep = np.ones(len(points), dtype=bool)
    total = group_cumsum(group, points, position_dtype(len(points)))
    over = total > cap
    over |= total < -cap
    if not over.any():
        return keep, total
    number = group_numbers(group)
    reached = np.zeros(number[-1] + 1, dtype=bool)
    reached[number[over]] = True
    del over
    rows = where_true(reached[number])  # the rows of the groups that reach the cap
    g, p = number[rows], points[rows]
    total[rows] = clamped_running_total(g, p, -cap, cap)
    before = np.where(group_starts(g), 0, np.roll(total[rows], 1))
    keep[rows] = total[rows] - before == p
    return keep, total


def clamped_running_total(group: np.ndarray, steps: np.ndarray, low: int, high: int) -> np.ndarray:
    """Per group, the running total x_k = min(high, max(low, x_(k-1) + step_k)) from x = 0.

    Rows sorted by group. Each row is the map x -> clamp(x + a, lo, hi); maps of this form
    compose into one of the same form, so a segmented prefix scan (log2 of the longest group
    passes, each over all rows) gives every row the map of its group's rows so far."""
    n = len(steps)
    a = np.asarray(steps, dtype=np.int64).copy()
    lo = np.full(n, low, dtype=np.int64)
    hi = np.full(n, high, dtype=np.int64)
    first = group_first(group)
    reach = 1
    while reach < n:
        # Row i takes in the map of rows first..i-reach (already composed over `reach` rows).
        take = np.flatnonzero(np.arange(reach, n) - reach >= first[reach:]) + reach
        if not take.size:
            break
        prev = take - reach
        a_prev, lo_prev, hi_prev = a[prev], lo[prev], hi[prev]
        lo_take, hi_take, a_take = lo[take], hi[take], a[take]
        lo[take] = np.clip(lo_prev + a_take, lo_take, hi_take)
        hi[take] = np.clip(hi_prev + a_take, lo_take, hi_take)
        a[take] = a_prev + a_take
        reach *= 2
    return np.clip(a, lo, hi)
